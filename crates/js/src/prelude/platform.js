// The last prelude: records which prototypes belong to platform objects
// (not serializable: a DataCloneError when cloned), and hides nothing else.
(function (host, internal) {
  "use strict";
  internal.platformPrototypes = [Event, EventTarget, ErrorEvent, MessageEvent, MessageChannel, Worker,
    SharedWorker, BroadcastChannel, FileReader, ProgressEvent,
    AbortController, AbortSignal, TextEncoder, TextDecoder, URL, URLSearchParams, PortCollection]
    .map((C) => C.prototype);
  for (const scope of ["WorkerGlobalScope", "DedicatedWorkerGlobalScope", "SharedWorkerGlobalScope"])
    if (typeof globalThis[scope] === "function") internal.platformPrototypes.push(globalThis[scope].prototype);
  // reportError (HTML #dom-reporterror): reports like an uncaught exception.
  const reportError = function reportError(e) {
    if (arguments.length < 1) throw new TypeError("reportError: 1 argument required");
    internal.reportException(e);
  };
  // queueMicrotask (HTML #dom-queuemicrotask): an exception in the callback
  // is reported, not turned into a rejected promise.
  const queueMicrotask = function queueMicrotask(callback) {
    if (typeof callback !== "function") throw new TypeError("queueMicrotask: argument is not a function");
    Promise.resolve().then(() => { try { callback(); } catch (e) { internal.reportException(e); } });
  };
  // atob / btoa (HTML #atob), natively.
  const btoa = function btoa(data) {
    if (arguments.length < 1) throw new TypeError("btoa: 1 argument required");
    const str = String(data);
    // Any code unit above U+00FF (a lone surrogate too) is an InvalidCharacterError.
    const r = /[^\u0000-\u00ff]/.test(str) ? null : host.btoa(str);
    if (r == null) throw new DOMException("btoa: the string contains characters outside Latin-1", "InvalidCharacterError");
    return r;
  };
  const atob = function atob(data) {
    if (arguments.length < 1) throw new TypeError("atob: 1 argument required");
    const r = host.atob(String(data));
    if (r == null) throw new DOMException("atob: not valid base64", "InvalidCharacterError");
    return r;
  };
  // location (HTML #the-location-interface, WorkerLocation): the script's URL.
  const here = () => new URL(internal.baseURL());
  const location = Object.create(null);
  for (const k of ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"])
    Object.defineProperty(location, k, { get: () => here()[k], enumerable: true });
  location.toString = () => here().href;
  // TestUtils (https://testutils.spec.whatwg.org/): gc() collects garbage,
  // cycles included, and resolves once a task later, after the finalization
  // callbacks (a collected MessagePort's peer gets `close` in its own task).
  const TestUtils = Object.create(null);
  Object.defineProperty(TestUtils, "gc", {
    value: function gc() { host.gc(); return new Promise((resolve) => setTimeout(resolve, 0)); },
    writable: true, configurable: true, enumerable: true,
  });
  Object.defineProperty(TestUtils, Symbol.toStringTag, { value: "TestUtils", configurable: true });
  for (const [k, v] of Object.entries({ reportError, queueMicrotask, btoa, atob, location, TestUtils }))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(globalThis, "performance", { value: performance, writable: true, configurable: true, enumerable: true });
})
