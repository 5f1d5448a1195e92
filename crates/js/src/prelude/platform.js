// The last prelude: records which prototypes belong to platform objects
// (not serializable: a DataCloneError when cloned), and hides nothing else.
(function (host, internal) {
  "use strict";
  internal.platformPrototypes = [Event, EventTarget, ErrorEvent, MessageEvent, MessageChannel, Worker,
    AbortController, AbortSignal, TextEncoder, TextDecoder, URL, URLSearchParams, PortCollection]
    .map((C) => C.prototype);
  if (typeof WorkerGlobalScope === "function") internal.platformPrototypes.push(WorkerGlobalScope.prototype, DedicatedWorkerGlobalScope.prototype);
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
  // atob / btoa (HTML #atob).
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const btoa = function btoa(data) {
    if (arguments.length < 1) throw new TypeError("btoa: 1 argument required");
    data = String(data);
    let out = "";
    for (let i = 0; i < data.length; i += 3) {
      const c = [data.charCodeAt(i), data.charCodeAt(i + 1), data.charCodeAt(i + 2)];
      for (const x of c) if (x > 255) throw new DOMException("btoa: the string contains characters outside Latin-1", "InvalidCharacterError");
      const n = (c[0] << 16) | ((c[1] || 0) << 8) | (c[2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < data.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < data.length ? B64[n & 63] : "=");
    }
    return out;
  };
  const atob = function atob(data) {
    if (arguments.length < 1) throw new TypeError("atob: 1 argument required");
    let s = String(data).replace(/[\t\n\f\r ]/g, "");
    if (s.length % 4 === 0) s = s.replace(/==?$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw new DOMException("atob: not valid base64", "InvalidCharacterError");
    let out = "", bits = 0, acc = 0;
    for (const ch of s) {
      acc = (acc << 6) | B64.indexOf(ch); bits += 6;
      if (bits >= 8) { bits -= 8; out += String.fromCharCode((acc >> bits) & 255); }
    }
    return out;
  };
  // location (HTML #the-location-interface, WorkerLocation): the script's URL.
  const here = () => new URL(internal.baseURL());
  const location = Object.create(null);
  for (const k of ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"])
    Object.defineProperty(location, k, { get: () => here()[k], enumerable: true });
  location.toString = () => here().href;
  for (const [k, v] of Object.entries({ reportError, queueMicrotask, btoa, atob, location }))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(globalThis, "performance", { value: performance, writable: true, configurable: true, enumerable: true });
})
