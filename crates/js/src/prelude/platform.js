// The last prelude: records which prototypes belong to platform objects
// (not serializable: a DataCloneError when cloned), and hides nothing else.
(function (host, internal) {
  "use strict";
  internal.platformPrototypes = [Event, EventTarget, ErrorEvent, CustomEvent, MessageEvent, MessageChannel, Worker,
    BroadcastChannel, FileReader, ProgressEvent,
    AbortController, AbortSignal, TextEncoder, TextDecoder, URL, URLSearchParams, PortCollection, Headers, Response]
    .map((C) => C.prototype);
  internal.platformPrototypes.push(internal.SharedWorkerPrototype);
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
  // crypto (WebCrypto #crypto-interface): getRandomValues and randomUUID,
  // from the operating system's CSPRNG. (No crypto.subtle.)
  let constructingCrypto = false;
  class Crypto {
    constructor() { if (!constructingCrypto) throw new TypeError("Illegal constructor"); }
    getRandomValues(array) {
      if (arguments.length < 1) throw new TypeError("getRandomValues: 1 argument required");
      if (!ArrayBuffer.isView(array) || array instanceof DataView || array instanceof Float32Array ||
          array instanceof Float64Array || (typeof Float16Array === "function" && array instanceof Float16Array))
        throw new DOMException("getRandomValues: an integer typed array is required", "TypeMismatchError");
      if (array.byteLength > 65536)
        throw new DOMException(`getRandomValues: ${array.byteLength} bytes asked for, at most 65536 allowed`, "QuotaExceededError");
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(new Uint8Array(host.randomBytes(array.byteLength)));
      return array;
    }
    randomUUID() { return host.uuid(); }
  }
  Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });
  constructingCrypto = true;
  const crypto = new Crypto();
  constructingCrypto = false;
  // navigator (HTML #the-navigator-object / WorkerNavigator): what a shell host can say.
  const navigator = Object.create(null);
  for (const [k, v] of Object.entries({ hardwareConcurrency: host.hardwareConcurrency, userAgent: `msgport/${host.version ?? "0"}`,
    language: "en-US", languages: Object.freeze(["en-US"]), onLine: true }))
    Object.defineProperty(navigator, k, { get: () => v, enumerable: true });
  Object.defineProperty(navigator, Symbol.toStringTag, { value: "Navigator", configurable: true });

  // TestUtils (https://testutils.spec.whatwg.org/): gc() collects garbage,
  // cycles included, and resolves once a task later, after the finalization
  // callbacks (a collected MessagePort's peer gets `close` in its own task).
  const TestUtils = Object.create(null);
  Object.defineProperty(TestUtils, "gc", {
    value: function gc() { host.gc(); return new Promise((resolve) => setTimeout(resolve, 0)); },
    writable: true, configurable: true, enumerable: true,
  });
  Object.defineProperty(TestUtils, Symbol.toStringTag, { value: "TestUtils", configurable: true });
  for (const [k, v] of Object.entries({ reportError, queueMicrotask, btoa, atob, location, TestUtils, crypto, navigator, Crypto }))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(globalThis, "performance", { value: performance, writable: true, configurable: true, enumerable: true });
  // WindowOrWorkerGlobalScope (HTML #windoworworkerglobalscope-mixin):
  // `origin` ([Replaceable]; "null" for a file: script, as browsers say for
  // opaque origins) and `isSecureContext` (a local script is
  // potentially trustworthy, HTML #secure-contexts).
  Object.defineProperty(globalThis, "origin", {
    configurable: true, enumerable: true,
    get: function origin() { return here().origin; },
    set: function origin(v) { Object.defineProperty(globalThis, "origin", { value: v, writable: true, configurable: true, enumerable: true }); },
  });
  Object.defineProperty(globalThis, "isSecureContext", { get: function isSecureContext() { return true; }, configurable: true, enumerable: true });
})
