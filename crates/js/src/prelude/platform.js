// The last prelude: records which prototypes belong to platform objects
// (not serializable: a DataCloneError when cloned), and hides nothing else.
(function (host, internal) {
  "use strict";
  internal.platformPrototypes = [Event, EventTarget, ErrorEvent, MessageEvent, MessageChannel, Worker,
    AbortController, AbortSignal, TextEncoder, TextDecoder, URL, URLSearchParams, PortCollection]
    .map((C) => C.prototype);
  if (typeof WorkerGlobalScope === "function") internal.platformPrototypes.push(WorkerGlobalScope.prototype, DedicatedWorkerGlobalScope.prototype);
  Object.defineProperty(globalThis, "performance", { value: performance, writable: true, configurable: true, enumerable: true });
})
