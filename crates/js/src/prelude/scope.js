// The global object of each kind of context: a Window-like global in the
// main context (HTML #the-window-object), a DedicatedWorkerGlobalScope or
// a SharedWorkerGlobalScope in a worker (HTML
// #the-workerglobalscope-common-interface), with their names, handlers,
// importScripts and postMessage. Runs after messaging.js, whose helpers it
// takes from `internal.messaging`.
(function (host, internal) {
  "use strict";
  const { dictionary, defineEventHandler, illegal } = internal;
  const { MessageEvent, emptyArray, transferList, targets, idKey, usvString, transferSequence, windowPost } =
    internal.messaging;

  // ---- The worker's global scope (HTML #the-workerglobalscope-common-interface)
  let constructingScope = false;
  class WorkerGlobalScope extends EventTarget {
    constructor() { if (!constructingScope) throw illegal(); super(); }
    get self() { return globalThis; }
    // HTML #import-scripts-into-worker-global-scope: every URL parsed
    // first (a SyntaxError before anything runs), then each fetched and
    // run in turn (a NetworkError if it cannot be).
    importScripts(...urls) {
      const what = "Failed to execute 'importScripts' on 'WorkerGlobalScope'";
      // HTML #dom-workerglobalscope-importscripts step 1.
      if (internal.moduleWorker === true) throw new TypeError(`${what}: Module scripts don't support importScripts().`);
      const hrefs = internal.newList();
      // A blob: URL's Blob is found when the URL is parsed (URL parser:
      // "blob URL entry"), so a script that revokes a later URL of the same
      // call does not stop it loading.
      const blobs = internal.newList();
      for (let i = 0; i < urls.length; i++) {
        const c = host.urlParse(usvString(urls[i]), internal.baseURL());
        if (!c) throw new DOMException(`${what}: The URL '${urls[i]}' is invalid.`, "SyntaxError");
        internal.listPush(hrefs, c[0]);
        internal.listPush(blobs, c[0].startsWith("blob:") ? internal.blobFromURL(c[0]) : undefined);
      }
      for (let i = 0; i < hrefs.length; i++) {
        const href = hrefs[i];
        let source;
        if (href.startsWith("blob:")) {
          const blob = blobs[i];
          if (blob === undefined) throw new DOMException(`${what}: The script at '${href}' failed to load.`, "NetworkError");
          if (!isJavaScriptMime(blob.type)) throw new DOMException(`${what}: The script at '${href}' has the MIME type '${blob.type}', not a JavaScript one.`, "NetworkError");
          source = internal.blobText(blob);
        } else if (href.startsWith("data:") && !isJavaScriptMime(dataMime(href))) {
          // HTML #fetch-a-classic-worker-imported-script: a response whose
          // MIME type is not JavaScript's is a network error.
          throw new DOMException(`${what}: The script at '${href}' has the MIME type '${dataMime(href)}', not a JavaScript one.`, "NetworkError");
        }
        const failed = host.importScript(href, source);
        if (failed !== undefined) throw new DOMException(`${what}: The script at '${href}' failed to load: ${failed}`, "NetworkError");
      }
    }
  }
  // MIME Sniffing #javascript-mime-type, by essence (ASCII
  // case-insensitive, parameters ignored).
  const javaScriptMimes = ["application/ecmascript", "application/javascript", "application/x-ecmascript",
    "application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0", "text/javascript1.1",
    "text/javascript1.2", "text/javascript1.3", "text/javascript1.4", "text/javascript1.5", "text/jscript",
    "text/livescript", "text/x-ecmascript", "text/x-javascript"];
  function isJavaScriptMime(type) {
    const essence = String(type).split(";")[0].replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "").toLowerCase();
    return javaScriptMimes.includes(essence);
  }
  // A data: URL's MIME type (Fetch #data-url-processor): before the comma,
  // less a `;base64`; text/plain when empty.
  function dataMime(href) {
    let type = href.slice(5, Math.max(5, href.indexOf(","))).replace(/;[\t\n\r ]*base64[\t\n\r ]*$/i, "");
    type = type.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    return type === "" || type.startsWith(";") ? "text/plain" + type : type;
  }
  // HTML #workerglobalscope: its event handlers (online, offline and
  // languagechange never fire here: a shell host has no such changes).
  for (const h of ["onerror", "onlanguagechange", "onoffline", "ononline", "onrejectionhandled", "onunhandledrejection"])
    defineEventHandler(WorkerGlobalScope.prototype, h);
  // [Replaceable] readonly attribute DOMString name (HTML
  // #dom-dedicatedworkerglobalscope-name, #dom-sharedworkerglobalscope-name):
  // assigning it makes an own data property of the global.
  // The scope is a [Global] interface, so the attribute is an own
  // accessor of the global object (WebIDL #es-attributes), not of the
  // prototype.
  function defineName(scopeName) {
    Object.defineProperty(globalThis, "name", {
      get: function name() { return scopeName; },
      set: function name(v) { Object.defineProperty(globalThis, "name", { value: v, writable: true, configurable: true, enumerable: true }); },
      enumerable: true, configurable: true,
    });
    const d = Object.getOwnPropertyDescriptor(globalThis, "name");
    Object.defineProperty(d.get, "name", { value: "get name" });
    Object.defineProperty(d.set, "name", { value: "set name" });
  }
  if (host.sharedWorkerName !== undefined) {
    // HTML #shared-workers-and-the-sharedworkerglobalscope-interface
    const name = host.sharedWorkerName;
    class SharedWorkerGlobalScope extends WorkerGlobalScope {
      constructor() { if (!constructingScope) throw illegal(); super(); }
      close() { host.closeWorker(); }
    }
    defineEventHandler(SharedWorkerGlobalScope.prototype, "onconnect");
    Object.defineProperty(SharedWorkerGlobalScope.prototype, Symbol.toStringTag, { value: "SharedWorkerGlobalScope", configurable: true });
    Object.setPrototypeOf(globalThis, SharedWorkerGlobalScope.prototype);
    defineName(name);
    delete globalThis[Symbol.toStringTag]; // the engine's "global": the scope's own tag shows
    // A SharedWorker object connected: `connect` with its channel's other port.
    internal.connect = (port) => {
      const ev = new MessageEvent("connect", { data: "", ports: [port], source: port });
      internal.fireTrusted(globalThis, ev);
    };
    for (const [k, v] of Object.entries({ WorkerGlobalScope, SharedWorkerGlobalScope }))
      Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
  } else if (host.workerPort !== undefined) {
    // HTML #dedicated-workers-and-the-dedicatedworkerglobalscope-interface
    const portId = host.workerPort, name = host.workerName;
    class DedicatedWorkerGlobalScope extends WorkerGlobalScope {
      constructor() { if (!constructingScope) throw illegal(); super(); }
      postMessage(message, transfer = undefined) {
        if (arguments.length < 1) throw new TypeError("Failed to execute 'postMessage' on 'DedicatedWorkerGlobalScope': 1 argument required, but only 0 present.");
        if (transfer === undefined || emptyArray(transfer)) host.post(portId, message);
        else host.post(portId, message, transferList(transfer, "Failed to execute 'postMessage' on 'DedicatedWorkerGlobalScope'"));
      }
      close() { host.closeWorker(); }
    }
    // Native, as MessagePort's (this one for a transfer argument).
    Object.defineProperty(DedicatedWorkerGlobalScope.prototype, "postMessage", {
      value: host.postFunction(2, DedicatedWorkerGlobalScope.prototype.postMessage, portId),
      writable: true, enumerable: false, configurable: true,
    });
    defineEventHandler(DedicatedWorkerGlobalScope.prototype, "onmessage");
    defineEventHandler(DedicatedWorkerGlobalScope.prototype, "onmessageerror");
    Object.defineProperty(DedicatedWorkerGlobalScope.prototype, Symbol.toStringTag, { value: "DedicatedWorkerGlobalScope", configurable: true });
    Object.setPrototypeOf(globalThis, DedicatedWorkerGlobalScope.prototype);
    defineName(name);
    delete globalThis[Symbol.toStringTag];
    targets.set(idKey(portId), globalThis);
    for (const [k, v] of Object.entries({ WorkerGlobalScope, DedicatedWorkerGlobalScope }))
      Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
  } else {
    // The main context's global is window-like (HTML #the-window-object):
    // a Window (an EventTarget) that is its own `window` and `self`, with
    // the handlers for script errors and posted messages, and
    // `postMessage` to itself (a page has no other window here).
    class Window extends EventTarget {
      constructor() { throw illegal(); }
      // HTML #dom-window-postmessage-options and #dom-window-postmessage:
      // (any message, optional WindowPostMessageOptions options = {}) or
      // (any message, USVString targetOrigin, optional sequence<object> transfer = []).
      postMessage(message, targetOrigin = undefined, transfer = undefined) {
        const what = "Failed to execute 'postMessage' on 'Window'";
        if (arguments.length < 1) throw new TypeError(`${what}: 1 argument required, but only 0 present.`);
        if (this !== globalThis && this !== undefined && this !== null) throw new TypeError("Illegal invocation");
        let origin, list;
        const t = typeof targetOrigin;
        if (arguments.length >= 3 || (targetOrigin !== undefined && targetOrigin !== null && t !== "object" && t !== "function")) {
          origin = usvString(targetOrigin);
          list = transfer === undefined ? [] : transferSequence(transfer, what);
        } else {
          const o = dictionary(targetOrigin, "WindowPostMessageOptions", ["transfer", "targetOrigin"]);
          list = o.transfer === undefined ? [] : transferSequence(o.transfer, what);
          origin = o.targetOrigin === undefined ? "/" : usvString(o.targetOrigin);
        }
        windowPost(message, origin, list, what);
      }
    }
    Object.defineProperty(Window.prototype, Symbol.toStringTag, { value: "Window", configurable: true });
    Object.setPrototypeOf(globalThis, Window.prototype);
    delete globalThis[Symbol.toStringTag];
    for (const h of ["onerror", "onunhandledrejection", "onrejectionhandled", "onmessage", "onmessageerror",
      "onlanguagechange", "onoffline", "ononline"])
      defineEventHandler(globalThis, h);
    // attribute DOMString name (HTML #dom-name): the browsing context's
    // name, "" until a script sets it.
    let windowName = "";
    Object.defineProperty(globalThis, "name", {
      get: function name() { return windowName; },
      set: function name(v) { windowName = String(v); },
      enumerable: true, configurable: true,
    });
    // [Replaceable] readonly attribute WindowProxy self.
    Object.defineProperty(globalThis, "self", {
      get: function self() { return globalThis; },
      set: function self(v) { Object.defineProperty(globalThis, "self", { value: v, writable: true, configurable: true, enumerable: true }); },
      enumerable: true, configurable: true,
    });
    // [LegacyUnforgeable] readonly attribute WindowProxy window.
    Object.defineProperty(globalThis, "window", { get: function window() { return globalThis; }, enumerable: true, configurable: false });
    Object.defineProperty(globalThis, "Window", { value: Window, writable: true, configurable: true, enumerable: false });
  }
})
