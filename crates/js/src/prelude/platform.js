// The last prelude: the remaining globals, then, for every interface of
// this host, WebIDL's enumerable members and the list of platform
// prototypes (objects with them are not serializable: a DataCloneError).
(function (host, internal) {
  "use strict";
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
  // location (HTML #the-location-interface; in a worker,
  // #worker-locations): the script's URL, read through the host's URL
  // parser (not the global `URL`, which a script may replace).
  const inWorker = host.workerPort !== undefined || host.sharedWorkerName !== undefined;
  const URL_PARTS = { href: 0, origin: 1, protocol: 2, host: 5, hostname: 6, port: 7, pathname: 8, search: 9, hash: 10 };
  const here = () => {
    const parts = host.urlParse(internal.baseURL(), undefined) || [];
    const r = Object.create(null);
    for (const k in URL_PARTS) r[k] = parts[URL_PARTS[k]] ?? "";
    return r;
  };
  let constructingPlatform = false;
  const Location = class {
    constructor() { if (!constructingPlatform) throw new TypeError("Illegal constructor"); }
    toString() { return here().href; }
  };
  for (const k in URL_PARTS)
    Object.defineProperty(Location.prototype, k, { get: { [k]() { return here()[k]; } }[k], enumerable: true, configurable: true });
  const locationName = inWorker ? "WorkerLocation" : "Location";
  Object.defineProperty(Location, "name", { value: locationName });
  Object.defineProperty(Location.prototype, Symbol.toStringTag, { value: locationName, configurable: true });
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
    get subtle() { return subtle; }
  }
  Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });
  // SubtleCrypto (WebCrypto #subtlecrypto-interface): digest only (SHA-1,
  // SHA-256, SHA-384, SHA-512); the key operations are not provided.
  class SubtleCrypto {
    constructor() { if (!constructingCrypto) throw new TypeError("Illegal constructor"); }
    digest(algorithm, data) {
      try {
        if (arguments.length < 2) throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': 2 arguments required");
        // AlgorithmIdentifier: a string, or an object with a `name`.
        const name = typeof algorithm === "object" && algorithm !== null ? algorithm.name : algorithm;
        if (name === undefined) throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': the algorithm has no name");
        let bytes;
        if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && data instanceof SharedArrayBuffer)) bytes = new Uint8Array(data);
        else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        else throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': data is not a BufferSource");
        // The bytes are copied now (WebCrypto: "get a copy of the bytes held by the buffer source").
        const out = host.digest(String(name).toUpperCase(), bytes.slice());
        if (out == null) throw new DOMException(`Algorithm '${String(name)}' is not supported`, "NotSupportedError");
        return Promise.resolve(out);
      } catch (e) {
        return Promise.reject(e);
      }
    }
  }
  Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: "SubtleCrypto", configurable: true });
  constructingCrypto = true;
  const crypto = new Crypto();
  const subtle = new SubtleCrypto();
  constructingCrypto = false;
  // navigator (HTML #the-navigator-object; in a worker, WorkerNavigator,
  // #the-workernavigator-object): what a shell host can say.
  const Navigator = class {
    constructor() { if (!constructingPlatform) throw new TypeError("Illegal constructor"); }
  };
  const languages = Object.freeze(["en-US"]);
  // NavigatorID (HTML #navigatorid): the fixed values every browser gives
  // for compatibility, then this host's own; `productSub`, `vendor` and
  // `vendorSub` only in a window.
  const navigatorFacts = {
    appCodeName: "Mozilla", appName: "Netscape", appVersion: "5.0 (" + host.platform + ")",
    platform: host.platform, product: "Gecko", userAgent: `msgport/${host.version ?? "0"}`,
    language: "en-US", languages, onLine: true, hardwareConcurrency: host.hardwareConcurrency,
  };
  if (!inWorker) Object.assign(navigatorFacts, { productSub: "20030107", vendor: "", vendorSub: "" });
  for (const [k, v] of Object.entries(navigatorFacts))
    Object.defineProperty(Navigator.prototype, k, { get: { [k]() { return v; } }[k], enumerable: true, configurable: true });
  if (!inWorker) {
    // NavigatorID's historical taintEnabled() (always false).
    Object.defineProperty(Navigator.prototype, "taintEnabled", { value: function taintEnabled() { return false; }, writable: true, enumerable: true, configurable: true });
  }
  const navigatorName = inWorker ? "WorkerNavigator" : "Navigator";
  Object.defineProperty(Navigator, "name", { value: navigatorName });
  Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: navigatorName, configurable: true });
  constructingPlatform = true;
  const navigator = new Navigator();
  const location = new Location();
  constructingPlatform = false;
  for (const [k, v] of [[navigatorName, Navigator], [locationName, Location]])
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });

  // TestUtils (https://testutils.spec.whatwg.org/): gc() collects garbage,
  // cycles included, and resolves once a task later, after the finalization
  // callbacks (a collected MessagePort's peer gets `close` in its own task).
  const TestUtils = Object.create(null);
  Object.defineProperty(TestUtils, "gc", {
    value: function gc() { host.gc(); return new Promise((resolve) => setTimeout(resolve, 0)); },
    writable: true, configurable: true, enumerable: true,
  });
  Object.defineProperty(TestUtils, Symbol.toStringTag, { value: "TestUtils", configurable: true });
  for (const [k, v] of Object.entries({ reportError, queueMicrotask, btoa, atob, location, TestUtils, crypto, navigator, Crypto, SubtleCrypto }))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: true });
  // User Timing (w3c/user-timing): marks and measures on the engine's
  // `performance` object, kept in a performance entry buffer per global.
  const entryState = internal.slotWeakMap();
  function es(e) { const s = entryState.get(e); if (!s) throw new TypeError("Illegal invocation: not a PerformanceEntry"); return s; }
  let constructingEntry = false;
  class PerformanceEntry {
    constructor() { if (!constructingEntry) throw new TypeError("Illegal constructor"); }
    get name() { return es(this).name; }
    get entryType() { return es(this).entryType; }
    get startTime() { return es(this).startTime; }
    get duration() { return es(this).duration; }
    toJSON() { const s = es(this); return { name: s.name, entryType: s.entryType, startTime: s.startTime, duration: s.duration }; }
  }
  class PerformanceMark extends PerformanceEntry {
    // #dom-performancemark-constructor
    constructor(markName, markOptions = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'PerformanceMark': 1 argument required");
      const name = String(markName);
      const o = internal.dictionary(markOptions, "PerformanceMarkOptions", ["detail", "startTime"], [undefined, internal.toNumber]);
      let startTime = performance.now();
      if (o.startTime !== undefined) {
        startTime = o.startTime;
        if (!Number.isFinite(startTime) || startTime < 0) throw new TypeError("Failed to construct 'PerformanceMark': startTime must be a non-negative number");
      }
      constructingEntry = true;
      try { super(); } finally { constructingEntry = false; }
      entryState.set(this, { name, entryType: "mark", startTime, duration: 0, detail: o.detail === undefined ? null : structuredClone(o.detail) });
    }
    get detail() { return es(this).detail; }
  }
  class PerformanceMeasure extends PerformanceEntry {
    constructor() { if (!constructingEntry) throw new TypeError("Illegal constructor"); super(); }
    get detail() { return es(this).detail; }
  }
  const entries = [];
  function markTime(name) {
    if (typeof name === "number") return name;
    for (let i = entries.length - 1; i >= 0; i--) {
      const s = entryState.get(entries[i]);
      if (s.entryType === "mark" && s.name === name) return s.startTime;
    }
    throw new DOMException(`Failed to execute 'measure' on 'Performance': The mark '${name}' does not exist.`, "SyntaxError");
  }
  const userTiming = {
    mark(markName, markOptions = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'mark' on 'Performance': 1 argument required");
      const m = new PerformanceMark(markName, markOptions);
      entries.push(m);
      return m;
    },
    // #dom-performance-measure
    measure(measureName, startOrMeasureOptions = undefined, endMark = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'measure' on 'Performance': 1 argument required");
      const name = String(measureName);
      let start = 0, end = performance.now(), detail = null;
      const isOptions = startOrMeasureOptions !== null && typeof startOrMeasureOptions === "object";
      if (isOptions) {
        // Web IDL, each member converted as it is read: `detail` any,
        // `duration` a (finite) double, `end` and `start` (DOMString or
        // DOMHighResTimeStamp): a number stays one, anything else is a
        // string (a mark's name).
        const time = (v) => {
          const n = +v;
          if (!Number.isFinite(n)) throw new TypeError("Failed to execute 'measure' on 'Performance': a time is not a finite number");
          return n;
        };
        const mark = (v) => (typeof v === "number" ? time(v) : `${v}`);
        const o = internal.dictionary(startOrMeasureOptions, "PerformanceMeasureOptions", ["detail", "duration", "end", "start"],
          [undefined, time, mark, mark]);
        if (endMark !== undefined) throw new TypeError("Failed to execute 'measure' on 'Performance': endMark with options");
        if (o.start !== undefined && o.end !== undefined && o.duration !== undefined)
          throw new TypeError("Failed to execute 'measure' on 'Performance': start, end and duration together");
        const t = (v) => (typeof v === "number" ? v : markTime(v));
        if (o.end !== undefined) end = t(o.end);
        else if (o.start !== undefined && o.duration !== undefined) end = t(o.start) + o.duration;
        if (o.start !== undefined) start = t(o.start);
        else if (o.duration !== undefined && o.end !== undefined) start = end - o.duration;
        if (o.detail !== undefined) detail = structuredClone(o.detail);
      } else {
        if (startOrMeasureOptions !== undefined) start = markTime(String(startOrMeasureOptions));
        if (endMark !== undefined) end = markTime(String(endMark));
      }
      constructingEntry = true;
      let m;
      try { m = new PerformanceMeasure(); } finally { constructingEntry = false; }
      entryState.set(m, { name, entryType: "measure", startTime: start, duration: end - start, detail });
      entries.push(m);
      return m;
    },
    getEntries() { return sortedEntries(() => true); },
    getEntriesByType(type) { type = String(type); return sortedEntries((s) => s.entryType === type); },
    getEntriesByName(name, type = undefined) {
      name = String(name);
      return sortedEntries((s) => s.name === name && (type === undefined || s.entryType === String(type)));
    },
    clearMarks(name = undefined) { clear("mark", name); },
    clearMeasures(name = undefined) { clear("measure", name); },
    toJSON() { return { timeOrigin: performance.timeOrigin }; },
  };
  function sortedEntries(keep) {
    return entries.filter((e) => keep(entryState.get(e))).sort((a, b) => entryState.get(a).startTime - entryState.get(b).startTime);
  }
  function clear(type, name) {
    for (let i = entries.length - 1; i >= 0; i--) {
      const s = entryState.get(entries[i]);
      if (s.entryType === type && (name === undefined || s.name === String(name))) entries.splice(i, 1);
    }
  }
  for (const [k, v] of Object.entries(userTiming))
    Object.defineProperty(performance, k, { value: v, writable: true, configurable: true, enumerable: true });
  for (const [k, C] of Object.entries({ PerformanceEntry, PerformanceMark, PerformanceMeasure })) {
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: k, configurable: true });
    Object.defineProperty(globalThis, k, { value: C, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(globalThis, "performance", { value: performance, writable: true, configurable: true, enumerable: true });
  // WebIDL #es-interfaces: an interface's attributes and operations are
  // enumerable properties of its prototype (static ones of the interface
  // object); JS classes define them non-enumerable, so they are redefined
  // here. The interface objects themselves stay non-enumerable globals,
  // and operations of the global (structuredClone) are enumerable.
  // Every interface this host implements (msgport's PortCollection too).
  const interfaces = ["Event", "EventTarget", "ErrorEvent", "CustomEvent", "PromiseRejectionEvent", "AbortController",
    "AbortSignal", "MessageEvent", "MessagePort", "MessageChannel", "BroadcastChannel", "Worker", "SharedWorker",
    "WorkerGlobalScope", "DedicatedWorkerGlobalScope", "SharedWorkerGlobalScope", "TextEncoder", "TextDecoder", "Blob",
    "File", "FileReader", "FileReaderSync", "ProgressEvent", "URL", "URLSearchParams", "Headers", "Response", "PerformanceEntry",
    "PerformanceMark", "PerformanceMeasure", "Crypto", "SubtleCrypto", "PortCollection", "Window",
    "Navigator", "WorkerNavigator", "Location", "WorkerLocation"];
  // The streams' interfaces, whose preludes (streams-*.js) run the first
  // time a script needs them: their globals are accessors until then (as
  // Node defines its lazily loaded interfaces), replaced by the ordinary
  // data properties once loaded; a value a script assigns first is kept.
  const lazyInterfaces = ["ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamDefaultController",
    "WritableStream", "WritableStreamDefaultWriter", "WritableStreamDefaultController", "TransformStream",
    "TransformStreamDefaultController", "ByteLengthQueuingStrategy", "CountQueuingStrategy",
    "TextEncoderStream", "TextDecoderStream"];
  // SharedWorker is not a global inside workers; the worker scopes only in theirs.
  const interfaceObject = (name) => name === "SharedWorker" && internal.SharedWorkerPrototype !== undefined
    ? internal.SharedWorkerPrototype.constructor : globalThis[name];
  // The clone tells these by their brands (Blob and File are serializable,
  // a MessagePort only transferable); every other interface's objects are
  // platform objects that cannot be cloned.
  const byBrand = new Set(["Blob", "File", "MessagePort"]);
  const platformPrototypesOf = (names) => names
    .filter((name) => !byBrand.has(name) && typeof interfaceObject(name) === "function")
    .map((name) => interfaceObject(name).prototype);
  internal.platformPrototypes = platformPrototypesOf(interfaces);
  function exposeMembers(names) {
    for (const name of names) {
      const C = interfaceObject(name);
      if (typeof C !== "function") continue;
      for (const target of [C.prototype, C]) {
        for (const k of Object.getOwnPropertyNames(target)) {
          // (An interface object's own length, name and prototype are not
          // members; a prototype's `name` may be one: File's.)
          if (k === "constructor" || (target === C && (k === "prototype" || k === "length" || k === "name"))) continue;
          const d = Object.getOwnPropertyDescriptor(target, k);
          if (!d.enumerable && d.configurable) Object.defineProperty(target, k, { ...d, enumerable: true });
        }
      }
    }
  }
  exposeMembers(interfaces);
  // (Runs when scripts may have changed built-ins: it uses captured ones.)
  const defineOwn = Object.defineProperty, ownDescriptor = Object.getOwnPropertyDescriptor;
  const dataGlobal = (name, value) => defineOwn(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  let streamsLoaded = false;
  const assigned = { __proto__: null };
  internal.loadStreams = () => {
    if (streamsLoaded) return;
    streamsLoaded = true;
    host.loadLazyPreludes();
    const protos = [];
    for (let i = 0; i < lazyInterfaces.length; i++) protos[i] = ownDescriptor(globalThis, lazyInterfaces[i]).value.prototype;
    exposeMembers(lazyInterfaces);
    for (let i = 0; i < protos.length; i++) internal.platformPrototypes[internal.platformPrototypes.length] = protos[i];
    host.addPlatformPrototypes(protos);
    for (const name in assigned) dataGlobal(name, assigned[name]);
  };
  for (const name of lazyInterfaces) {
    defineOwn(globalThis, name, {
      configurable: true, enumerable: false,
      get() {
        internal.loadStreams();
        const d = ownDescriptor(globalThis, name);
        return d === undefined ? undefined : d.value;
      },
      set(v) {
        if (!streamsLoaded) assigned[name] = v;
        dataGlobal(name, v);
      },
    });
  }
  Object.defineProperty(globalThis, "structuredClone", { enumerable: true });
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
  // `crossOriginIsolated` (HTML #dom-crossoriginisolated): every context
  // of a run is cross-origin isolated (no cross-origin content can be
  // loaded into one), so SharedArrayBuffers may be posted within an agent
  // cluster, as a page with COOP and COEP allows.
  Object.defineProperty(globalThis, "crossOriginIsolated", { get: function crossOriginIsolated() { return true; }, configurable: true, enumerable: true });
})
