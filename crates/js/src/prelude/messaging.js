// The Channel Messaging API (HTML #channel-messaging), structuredClone
// (HTML #dom-structuredclone), MessageEvent (HTML #the-messageevent-interface),
// dedicated Workers (HTML #dedicated-workers-and-the-worker-interface),
// SharedWorker, BroadcastChannel, window.postMessage and msgport's
// PortCollection (the global objects themselves are in scope.js). The rules of ports live in the msgport crate;
// this file only maps Web IDL onto `host` (crates/js/src/runtime/globals/).
(function (host, internal) {
  "use strict";
  const { Event, dictionary, defineEventHandler, illegal } = internal;

  // ---- MessageEvent (HTML #the-messageevent-interface) -------------------
  // A MessageEvent's fields live in its event state (events.js), marked
  // `message`: one state object per event, not two. A delivered event
  // starts from `messageDefaults` and adds only what differs; its frozen
  // `ports` array is made on first read (`portList` holds what it will
  // contain), since most handlers never look.
  const messageDefaults = Object.assign(Object.create(internal.stateDefaults), {
    message: true, data: null, origin: "", lastEventId: "", source: null, ports: null, portList: undefined,
  });
  const setProto = Object.setPrototypeOf;
  function ms(e) {
    const s = internal.eventStateOf(e);
    if (s === undefined || s.message !== true) throw new TypeError("Illegal invocation: not a MessageEvent");
    return s;
  }
  function frozenPorts(ports, what) {
    if (ports === undefined) return Object.freeze([]);
    if (ports === null || typeof ports !== "object" || typeof ports[Symbol.iterator] !== "function")
      throw new TypeError(`${what}: 'ports' is not a sequence`);
    const list = Array.from(ports);
    for (const p of list) if (!isPort(p)) throw new TypeError(`${what}: 'ports' must hold MessagePort objects`);
    return Object.freeze(list);
  }
  function checkSource(s, what) {
    if (s === null || s === undefined) return null;
    if (isPort(s) || s instanceof Worker || s === globalThis) return s;
    throw new TypeError(`${what}: 'source' is not a MessageEventSource`);
  }
  class MessageEvent extends Event {
    constructor(type, eventInitDict = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'MessageEvent': 1 argument required, but only 0 present.");
      super(type, eventInitDict);
      // MessageEventInit after EventInit's members (read by super, which
      // also threw for a non-object): each member read once, in
      // lexicographic order, and converted as it is read (Web IDL
      // #js-dictionary). No ports: the frozen empty array is made on
      // first read.
      const what = "Failed to construct 'MessageEvent'";
      let data = null, lastEventId = "", origin = "", ports = null, source = null;
      if (eventInitDict !== undefined && eventInitDict !== null) {
        const d = eventInitDict.data;
        if (d !== undefined) data = d;
        const l = eventInitDict.lastEventId;
        if (l !== undefined) lastEventId = `${l}`;
        const o = eventInitDict.origin;
        if (o !== undefined) origin = `${o}`;
        const p = eventInitDict.ports;
        if (p !== undefined) ports = frozenPorts(p, what);
        source = checkSource(eventInitDict.source, what);
      }
      // The state takes the message fields' defaults and only what differs.
      const s = internal.eventState(this);
      setProto(s, messageDefaults);
      if (data !== null) s.data = data;
      if (origin !== "") s.origin = origin;
      if (lastEventId !== "") s.lastEventId = lastEventId;
      if (source !== null) s.source = source;
      if (ports !== null) s.ports = ports;
    }
    get origin() { return ms(this).origin; }
    get lastEventId() { return ms(this).lastEventId; }
    get source() { return ms(this).source; }
    get ports() {
      const s = ms(this);
      if (s.ports === null) s.ports = Object.freeze(s.portList === undefined ? [] : s.portList);
      return s.ports;
    }
    initMessageEvent(type, bubbles = false, cancelable = false, data = null, origin = "", lastEventId = "", source = null, ports = []) {
      if (arguments.length < 1) throw new TypeError("initMessageEvent: 1 argument required");
      const s = ms(this);
      if (s.dispatching) return;
      this.initEvent(type, bubbles, cancelable);
      Object.assign(s, { data, origin: String(origin), lastEventId: String(lastEventId),
        source: checkSource(source, "initMessageEvent"), ports: frozenPorts(ports, "initMessageEvent") });
    }
  }
  // `data` is read natively: a delivered event's, without its state object.
  Object.defineProperty(MessageEvent.prototype, "data", { get: host.messageEventData, enumerable: false, configurable: true });
  Object.defineProperty(MessageEvent.prototype, Symbol.toStringTag, { value: "MessageEvent", configurable: true });
  // The native delivery (crates/js/src/engine/deliver.rs) makes the same events.
  host.fastEvents({ proto: MessageEvent.prototype, isTrusted: internal.isTrustedGetter, now: internal.now, checkpoint: host.checkpoint,
    current: internal.currentEventHolder, report: internal.reportException });

  // ---- MessagePort (HTML #message-ports) ---------------------------------
  // Each MessagePort object holds the id of a native port of this context
  // (`host.post`, `host.start`, `host.close`); -1 once shipped.
  //
  // Garbage collection (HTML #ports-and-garbage-collection): `targets` holds
  // strongly what must stay alive: a Worker, the worker global, and a port
  // with a message, messageerror or close listener while it can still get
  // an event (entangled, or closed with tasks still queued; the standard
  // keeps a port with a queued task alive, and a close listener is how a
  // script waits for one). Every port is also in `weakTargets`. A port
  // collected by the engine has its native port dropped, which disentangles
  // it: its peer gets `close`.
  const portState = internal.slotWeakMap();
  // Maps keyed by native port ids take `idKey(id)`: QuickJS hashes a
  // number through its double's bits, and small integers all fall into a
  // few buckets (a Map of 20,000 of them is 7x slower to fill and read
  // than one of spread keys); 40503 spreads them, exactly (ids are u32).
  const idKey = (id) => id * 40503;
  const targets = internal.safeMap(); // native id -> the object its events fire at
  const weakTargets = internal.safeMap(); // native id -> WeakRef of the port
  const collected = new FinalizationRegistry((id) => {
    if (targets.has(idKey(id)) || !weakTargets.has(idKey(id))) return;
    weakTargets.delete(idKey(id));
    host.forget(id);
  });
  function isPort(p) { return (typeof p === "object" && p !== null) && portState.has(p); }
  function ps(p) { const s = portState.get(p); if (!s) throw new TypeError("Illegal invocation: not a MessagePort"); return s; }
  function makePort(id) {
    // An object of the native port class (crates/js/src/engine/native.rs), whose
    // brand and id native postMessage reads without this map.
    const p = host.newPort(id);
    const s = { id, closed: false, listened: false };
    portState.set(p, s);
    weakTargets.set(idKey(id), new WeakRef(p));
    collected.register(p, id, s);
    return p;
  }
  function targetOf(id) {
    const t = targets.get(idKey(id));
    if (t !== undefined) return t;
    const w = weakTargets.get(idKey(id));
    return w === undefined ? undefined : w.deref();
  }
  // Ports that closed themselves but are held for their queued tasks.
  const closedHeld = internal.safeSet();
  function forgetTarget(id) { targets.delete(idKey(id)); weakTargets.delete(idKey(id)); closedHeld.delete(idKey(id)); host.setFast(id); }
  const keeps = (type) => type === "message" || type === "messageerror" || type === "close";
  // Listener lists are read by index: their array methods and iterator
  // are whatever a script made of Array.prototype.
  const isCloseListener = (l) => l.type === "close" && !l.removed;
  function anyListener(target, pred) {
    const list = internal.listenersOf(target);
    for (let i = 0; i < list.length; i++) if (pred(list[i])) return true;
    return false;
  }
  // One pass over `target`'s listeners (no closure, no object: it runs on
  // every listener change of every port): `scanKeeps`, whether one keeps
  // a port alive (message, messageerror, close), and `scanOnly`, its
  // `message` listener if it has exactly one, else null. Nothing a script
  // wrote runs meanwhile: the list and its entries are the prelude's.
  let scanKeeps = false, scanOnly = null;
  function scan(target) {
    // (A port that never had a listener has no list: closing one makes none.)
    const list = internal.listenersIfAny(target);
    let keeping = false, only = null, n = 0;
    if (list === undefined) { scanKeeps = false; scanOnly = null; return; }
    for (let i = 0; i < list.length; i++) {
      const type = list[i].type;
      if (type === "message") { keeping = true; n++; only = list[i]; }
      else if (type === "messageerror" || type === "close") keeping = true;
    }
    scanKeeps = keeping;
    scanOnly = n === 1 ? only : null;
  }
  // Holds `p` (state `s`) while it must stay alive for events still to
  // come, and gives it to the native delivery while that can serve it.
  function holdIfListening(p, s) {
    scan(p);
    const listening = scanKeeps;
    // A port that never had such a listener was never held nor given to
    // the native delivery: nothing to undo (closing a sender costs a
    // look at its listener list).
    if (!listening && !s.listened) return;
    s.listened = true;
    const hold = listening && (!s.closed || host.queued(s.id) > 0);
    if (hold) targets.set(idKey(s.id), p);
    else targets.delete(idKey(s.id));
    if (hold && s.closed) closedHeld.add(idKey(s.id));
    else closedHeld.delete(idKey(s.id));
    setFast(p, s.id, !s.closed && s.id >= 0 ? scanOnly : null, s);
  }
  // The target of an open native port `id` (a MessagePort, a Worker object,
  // a dedicated worker's global) whose one `message` listener is a
  // function has its messages delivered natively (crates/js/src/engine/deliver.rs),
  // with event states starting from a prototype of its constant fields;
  // their message events are made and dispatched alike (`internal.deliver`).
  // `st` is the target's state, which keeps that prototype (made once: it
  // only ever is a prototype, which nothing writes).
  function fastFor(target, id, st) {
    scan(target);
    setFast(target, id, scanOnly, st);
  }
  function setFast(target, id, only, st) {
    const f = only !== null && !only.once ? internal.listenerFunction(only) : null;
    if (f === null) { host.setFast(id); return; }
    let proto = st.fastProto;
    if (proto === undefined) {
      proto = Object.create(messageDefaults);
      proto.type = "message"; proto.trusted = true; proto.target = target;
      st.fastProto = proto;
    }
    host.setFast(id, target, f, proto);
  }
  // The state `fastFor` keeps for this dedicated worker's global.
  const globalFast = { fastProto: undefined };
  // Set by the SharedWorker section below.
  let holdSharedWorker;
  internal.listenersChanged = (target, type) => {
    if (type === "error" && holdSharedWorker !== undefined) holdSharedWorker(target);
    if (!keeps(type)) return;
    const s = portState.get(target);
    if (s !== undefined) {
      // (A port is no Worker, global or BroadcastChannel.)
      if (s.id >= 0) holdIfListening(target, s);
      return;
    }
    // A Worker object, or this dedicated worker's global, while its port
    // is live (`forgetTarget` takes it back when the port closes).
    if (type === "message") {
      const w = workerState.get(target);
      if (w !== undefined && targets.get(idKey(w.id)) === target) fastFor(target, w.id, w);
      const own = host.workerPort;
      if (own !== undefined && target === globalThis && targets.get(idKey(own)) === target) fastFor(target, own, globalFast);
    }
    const b = bcState.get(target);
    if (b !== undefined && !b.closed) {
      // A BroadcastChannel is kept while open with a message listener.
      // (The host delivers broadcasts only to channels that listen.)
      const listening = anyListener(target, (l) => l.type === "message" || l.type === "messageerror");
      if (listening) targets.set(idKey(b.id), target);
      else targets.delete(idKey(b.id));
      host.bcListening(b.id, listening);
    }
  };

  // Web IDL overload resolution for postMessage (HTML `#dom-messageport-postmessage`):
  // (any message, sequence<object> transfer) or
  // (any message, optional StructuredSerializeOptions options = {}).
  // An empty array converts to an empty sequence without running anything
  // a script could have changed when its iteration is the original one:
  // then the conversion can be skipped (RPC libraries pass `[]` with every
  // message). The reads below are the ones the conversion makes first
  // (GetMethod(@@iterator), the iterator's `next`).
  const ArrayIsArray = Array.isArray, arrayValues = Array.prototype[Symbol.iterator];
  const ArrayProto = Array.prototype, getProto = Object.getPrototypeOf;
  const arrayIteratorProto = getProto([][Symbol.iterator]()), arrayIteratorNext = arrayIteratorProto.next;
  function emptyArray(t) {
    return ArrayIsArray(t) && t.length === 0 && getProto(t) === ArrayProto && t[Symbol.iterator] === arrayValues &&
      arrayIteratorProto.next === arrayIteratorNext;
  }
  function transferList(arg, what) {
    let list;
    if (arg === undefined || arg === null) return [];
    if (typeof arg !== "object" && typeof arg !== "function")
      throw new TypeError(`${what}: The provided value cannot be converted to a sequence or to StructuredSerializeOptions.`);
    if (typeof arg[Symbol.iterator] === "function") {
      list = Array.from(arg);
    } else {
      const t = arg.transfer;
      if (t === undefined) return [];
      if (t === null || typeof t !== "object" || typeof t[Symbol.iterator] !== "function")
        throw new TypeError(`${what}: 'transfer' is not a sequence`);
      list = Array.from(t);
    }
    // (An indexed loop: a for-of would call the array iterator's `next`,
    // which a script may have replaced, once more than the conversion does.)
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if ((typeof x !== "object" && typeof x !== "function") || x === null)
        throw new TypeError(`${what}: transfer list entries must be objects`);
    }
    return list;
  }

  class MessagePort extends EventTarget {
    constructor() {
      throw illegal();
    }
    // Replaced below by the native postMessage, which calls this one for
    // a call with a transfer argument.
    postMessage(message, transfer = undefined) {
      const s = ps(this);
      if (arguments.length < 1) throw new TypeError("Failed to execute 'postMessage' on 'MessagePort': 1 argument required, but only 0 present.");
      // A shipped port's postMessage reaches nobody (id -1), but the message
      // is still serialized (and transferables detached), as the standard says.
      const id = s.id < 0 ? -1 : s.id;
      // The common call transfers nothing: no list to make and convert.
      if (transfer === undefined || emptyArray(transfer)) host.post(id, message);
      else host.post(id, message, transferList(transfer, "Failed to execute 'postMessage' on 'MessagePort'"));
    }
    start() { const s = ps(this); if (s.id >= 0) host.start(s.id); }
    close() {
      const s = ps(this);
      if (s.id >= 0 && !s.closed) { s.closed = true; host.close(s.id); holdIfListening(this, s); }
    }
  }
  Object.defineProperty(MessagePort.prototype, "postMessage", {
    value: host.portClass(MessagePort.prototype, MessagePort.prototype.postMessage),
    writable: true, enumerable: false, configurable: true,
  });
  // Setting onmessage starts the port (HTML #message-ports), through the
  // port itself, not through a `start` the program may have replaced.
  defineEventHandler(MessagePort.prototype, "onmessage", function () { const s = ps(this); if (s.id >= 0) host.start(s.id); }, isPort);
  defineEventHandler(MessagePort.prototype, "onmessageerror", undefined, isPort);
  defineEventHandler(MessagePort.prototype, "onclose", undefined, isPort);
  Object.defineProperty(MessagePort.prototype, Symbol.toStringTag, { value: "MessagePort", configurable: true });

  // ---- BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts) ---
  // Channels with one name and origin, in every context of the run, hear
  // each other (crates/js/src/broadcast.rs); each post is serialized once.
  // (A slot map: every listener change of a target that is not a port
  // looks its target up here, and there may be many channels.)
  const bcState = internal.slotWeakMap();
  function bc(c) { const s = bcState.get(c); if (!s) throw new TypeError("Illegal invocation: not a BroadcastChannel"); return s; }
  class BroadcastChannel extends EventTarget {
    constructor(name) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'BroadcastChannel': 1 argument required, but only 0 present.");
      name = String(name);
      super();
      const s = { id: host.bcJoin(name), name, closed: false };
      bcState.set(this, s);
      weakTargets.set(idKey(s.id), new WeakRef(this));
      collected.register(this, s.id, s);
    }
    get name() { return bc(this).name; }
    postMessage(message) {
      const s = bc(this);
      if (arguments.length < 1) throw new TypeError("Failed to execute 'postMessage' on 'BroadcastChannel': 1 argument required, but only 0 present.");
      if (s.closed) throw new DOMException("Failed to execute 'postMessage' on 'BroadcastChannel': Channel is closed", "InvalidStateError");
      host.bcPost(s.id, message);
    }
    close() {
      const s = bc(this);
      if (s.closed) return;
      s.closed = true;
      host.bcLeave(s.id);
      forgetTarget(s.id);
      collected.unregister(s);
    }
  }
  const isBroadcastChannel = (c) => bcState.has(c);
  defineEventHandler(BroadcastChannel.prototype, "onmessage", undefined, isBroadcastChannel);
  defineEventHandler(BroadcastChannel.prototype, "onmessageerror", undefined, isBroadcastChannel);
  Object.defineProperty(BroadcastChannel.prototype, Symbol.toStringTag, { value: "BroadcastChannel", configurable: true });

  // ---- MessageChannel (HTML #message-channels) ---------------------------
  // The ports are private fields, not a WeakMap's entries: QuickJS hashes
  // an object key by its address, whose low bits are always zero, so a
  // WeakMap of many live channels made every `port1` a walk down a long
  // chain (1.4 us with 100,000 channels kept).
  class MessageChannel {
    #port1;
    #port2;
    constructor() {
      const ids = host.channel();
      this.#port1 = makePort(ids[0]);
      this.#port2 = makePort(ids[1]);
    }
    get port1() { if (!isChannel(this)) throw notChannel(); return this.#port1; }
    get port2() { if (!isChannel(this)) throw notChannel(); return this.#port2; }
    static isChannel(c) { return typeof c === "object" && c !== null && #port1 in c; }
  }
  const isChannel = MessageChannel.isChannel;
  delete MessageChannel.isChannel;
  const notChannel = () => new TypeError("Illegal invocation: not a MessageChannel");
  Object.defineProperty(MessageChannel.prototype, Symbol.toStringTag, { value: "MessageChannel", configurable: true });

  // ---- structuredClone (HTML #dom-structuredclone) -----------------------
  function structuredClone(value, options = undefined) {
    if (arguments.length < 1) throw new TypeError("structuredClone: 1 argument required, but only 0 present.");
    // The common call has no options: no dictionary, no transfer list.
    if (options === undefined || options === null) return host.structuredClone(value);
    const o = dictionary(options, "StructuredSerializeOptions", ["transfer"]);
    if (o.transfer === undefined) return host.structuredClone(value);
    return host.structuredClone(value, transferList({ transfer: o.transfer }, "structuredClone"));
  }

  // ---- PortCollection (msgport's extension, from the 2012 HTML draft) ---------------
  const collections = internal.slotWeakMap();
  class PortCollection {
    constructor() { collections.set(this, internal.safeSet()); }
    add(port) { if (!isPort(port)) throw new TypeError("PortCollection.add: not a MessagePort"); pc(this).add(new WeakRefC(port)); }
    remove(port) { const set = pc(this); set.forEach((r) => { if (deref(r) === port) set.delete(r); }); }
    clear() { pc(this).clear(); }
    iterate(callback) {
      if (typeof callback !== "function") throw new TypeError("PortCollection.iterate: callback is not a function");
      const ports = live(this);
      for (let i = 0; i < ports.length; i++) callback(ports[i]);
    }
    get size() { return live(this).length; }
    // Serializes once; every live port gets the same record.
    broadcast(message) {
      const ports = live(this), ids = internal.newList();
      for (let i = 0; i < ports.length; i++) {
        const s = portState.get(ports[i]);
        if (s.id >= 0 && !s.closed) internal.listPush(ids, s.id);
      }
      return host.broadcast(listToArray(ids), message);
    }
  }
  const WeakRefC = WeakRef, deref = Function.prototype.call.bind(WeakRef.prototype.deref);
  // A host call takes a plain Array (its argument conversion checks so).
  const listToArray = (list) => { const a = []; for (let i = 0; i < list.length; i++) defineProperty(a, i, { value: list[i], writable: true, enumerable: true, configurable: true }); return a; };
  const defineProperty = Object.defineProperty;
  function pc(c) { const s = collections.get(c); if (!s) throw new TypeError("Illegal invocation: not a PortCollection"); return s; }
  function live(c) {
    const set = pc(c), out = internal.newList();
    set.forEach((r) => { const p = deref(r); if (p === undefined || portState.get(p).id < 0) set.delete(r); else internal.listPush(out, p); });
    return out;
  }

  // ---- Worker (HTML #dedicated-workers-and-the-worker-interface) ---------
  const workerState = internal.slotWeakMap();
  let pendingSource;
  // For embedders (the test runner): a worker whose script is `source`
  // but whose URL, for resolving relative URLs, is `url`.
  internal.workerWithSource = (url, source) => { pendingSource = source; return new Worker(url); };
  function ws(w) { const s = workerState.get(w); if (!s) throw new TypeError("Illegal invocation: not a Worker"); return s; }
  class Worker extends EventTarget {
    constructor(scriptURL, options = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'Worker': 1 argument required, but only 0 present.");
      super();
      // Web IDL: the arguments in order, each member converted as read.
      const url = `${scriptURL}`;
      const o = dictionary(options, "WorkerOptions", ["credentials", "name", "type"],
        [internal.toDOMString, internal.toDOMString, internal.toDOMString]);
      const name = o.name === undefined ? "" : o.name;
      const { href, source, type } = workerScript(url, o.type, "Worker");
      const id = host.spawnWorker(href, source, name, type);
      // The object returned is of the native worker class
      // (crates/js/src/engine/native.rs), whose brand and id the native
      // postMessage reads without a map; its prototype is the one
      // `super()` chose for new.target.
      const self = host.newWorker(getProto(this), id);
      workerState.set(self, { id });
      targets.set(idKey(id), self);
      host.start(id);
      return self;
    }
    // Replaced below by the native postMessage, which calls this one for
    // a call with a transfer argument.
    postMessage(message, transfer = undefined) {
      const s = ws(this);
      if (arguments.length < 1) throw new TypeError("Failed to execute 'postMessage' on 'Worker': 1 argument required, but only 0 present.");
      if (transfer === undefined || emptyArray(transfer)) host.post(s.id, message);
      else host.post(s.id, message, transferList(transfer, "Failed to execute 'postMessage' on 'Worker'"));
    }
    terminate() { host.terminate(ws(this).id); }
  }
  Object.defineProperty(Worker.prototype, "postMessage", {
    value: host.postFunction(1, Worker.prototype.postMessage, 0),
    writable: true, enumerable: false, configurable: true,
  });
  const isWorker = (w) => workerState.has(w);
  defineEventHandler(Worker.prototype, "onmessage", undefined, isWorker);
  defineEventHandler(Worker.prototype, "onmessageerror", undefined, isWorker);
  defineEventHandler(Worker.prototype, "onerror", undefined, isWorker);

  // The script of a new worker (HTML #dom-worker, #dom-sharedworker steps
  // 1–5): its type checked, its URL parsed against the current script,
  // and its source when the embedder gave one or it is a blob: URL.
  function workerScript(scriptURL, type, what) {
    type = type === undefined ? "classic" : String(type);
    if (type !== "classic" && type !== "module") throw new TypeError(`Failed to construct '${what}': '${type}' is not a valid WorkerType`);
    // Converted once: an exception from the conversion (or a toString
    // that makes a worker itself) propagates as it is, and the message
    // below does not convert the argument again.
    const text = String(scriptURL);
    let url;
    try { url = new URL(text, internal.baseURL()); }
    catch { throw new DOMException(`Failed to construct '${what}': '${text}' is not a valid URL`, "SyntaxError"); }
    let source = pendingSource;
    pendingSource = undefined;
    if (source === undefined && url.protocol === "blob:") {
      const blob = internal.blobFromURL(url.href);
      source = blob === undefined ? null : internal.blobText(blob);
    }
    return { href: url.href, source, type };
  }

  // ---- SharedWorker (HTML #shared-workers-and-the-sharedworker-interface)
  // One worker per (URL, name) in the run; each SharedWorker object gets a
  // new MessageChannel, whose other port the worker receives in `connect`.
  const sharedWorkerState = internal.slotWeakMap();
  internal.sharedWorkerWithSource = (url, source) => { pendingSource = source; return new SharedWorker(url); };
  class SharedWorker extends EventTarget {
    constructor(scriptURL, options = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'SharedWorker': 1 argument required, but only 0 present.");
      super();
      // (DOMString or WorkerOptions) options: a string is the name.
      // (Web IDL: null and undefined convert to the dictionary.)
      const isDict = options === null || typeof options === "object" || typeof options === "function";
      const o = isDict && options !== null ? options : {};
      const name = isDict ? (o.name === undefined ? "" : String(o.name)) : options === undefined ? "" : String(options);
      const credentials = o.credentials === undefined ? "same-origin" : String(o.credentials);
      if (credentials !== "omit" && credentials !== "same-origin" && credentials !== "include")
        throw new TypeError(`Failed to construct 'SharedWorker': '${credentials}' is not a valid RequestCredentials`);
      const { href, source, type } = workerScript(scriptURL, o.type, "SharedWorker");
      const made = host.spawnSharedWorker(href, source, name, type, credentials), id = made[0], object = made[1];
      const s = { port: makePort(id), object, failed: false };
      sharedWorkerState.set(this, s);
      // Where an error loading its script is fired (held weakly).
      weakTargets.set(idKey(object), new WeakRef(this));
      collected.register(this, object, s);
    }
    get port() {
      const s = sharedWorkerState.get(this);
      if (!s) throw new TypeError("Illegal invocation: not a SharedWorker");
      return s.port;
    }
  }
  defineEventHandler(SharedWorker.prototype, "onerror", undefined, (w) => sharedWorkerState.has(w));
  // A SharedWorker with an `error` listener is held (not only weakly)
  // until its script's load failure has been fired at it (HTML
  // #dom-sharedworker: the error event is queued for that object, which
  // a script may no longer reference), or until the listener goes.
  holdSharedWorker = (target) => {
    const s = sharedWorkerState.get(target);
    if (s === undefined) return;
    const key = idKey(s.object);
    if (!s.failed && anyListener(target, (l) => l.type === "error")) targets.set(key, target);
    else if (targets.get(key) === target) targets.delete(key);
  };
  internal.sharedWorkerFailed = (target) => {
    const s = sharedWorkerState.get(target);
    if (s === undefined) return;
    s.failed = true;
    holdSharedWorker(target);
  };
  Object.defineProperty(SharedWorker.prototype, Symbol.toStringTag, { value: "SharedWorker", configurable: true });
  Object.defineProperty(Worker.prototype, Symbol.toStringTag, { value: "Worker", configurable: true });

  // ---- Delivery from the native event loop -------------------------------
  // kind: 0 message, 1 messageerror, 2 close, 3 error (a worker's uncaught
  // exception; returns whether it was handled).
  // `ports`: an array of new MessagePorts, or undefined when there are none.
  internal.deliver = function (id, kind, data, ports, origin) {
    const target = targetOf(id);
    if (target === undefined) return true;
    if (kind === 0 || kind === 1) {
      // A message this window posted to itself: from itself, with its origin.
      const own = target === globalThis ? windowTask(id) : undefined;
      if (own === false) return true;
      // The event is made directly (no init dictionary to validate).
      const ev = internal.makeEvent(MessageEvent.prototype, kind === 0 ? "message" : "messageerror", null, messageDefaults);
      const es = internal.eventStateOf(ev);
      if (own === true) { es.source = globalThis; origin = windowOrigin(); }
      if (kind === 0) {
        es.data = data;
        if (ports !== undefined) es.portList = ports;
      }
      if (origin !== undefined) es.origin = origin;
      es.trusted = true;
      internal.dispatchFromTask(target, ev);
      // A port that closed itself is let go after its last queued task
      // (a set lookup only while such a port exists: this is the hot path).
      if (closedHeld.size !== 0 && closedHeld.has(idKey(id))) holdIfListening(target, portState.get(target));
      return true;
    }
    if (kind === 2) {
      // A Worker object outlives its port: its worker may still report an error.
      if (!isPort(target)) return true;
      forgetTarget(id);
      // With no `close` listener, the dispatch would run nothing and show
      // nothing (no event object reaches a script): it is skipped, which
      // makes closing many ports cheap.
      if (anyListener(target, isCloseListener)) internal.fireFromTask(target, new Event("close"));
      return true;
    }
    if (kind === 3) {
      const message = data[0], filename = data[1], lineno = data[2], colno = data[3];
      const ev = new ErrorEvent("error", { message, filename, lineno, colno, error: null, cancelable: true });
      return !internal.fireFromTask(target, ev);
    }
    if (kind === 4) {
      // The worker's script could not be fetched, parsed or started (HTML
      // #run-a-worker): a plain, uncancelable `error` event. It counts as
      // handled when someone listened.
      internal.fireFromTask(target, new Event("error"));
      const handled = anyListener(target, (l) => l.type === "error");
      internal.sharedWorkerFailed(target);
      return handled;
    }
    return true;
  };
  internal.makePort = makePort;
  // Called by the host after a port was shipped in a message.
  internal.detachPort = (p) => {
    const s = portState.get(p);
    if (s) { forgetTarget(s.id); collected.unregister(s); s.id = -1; host.shipPort(p); }
  };
  internal.MessagePortPrototype = MessagePort.prototype;

  // ---- window.postMessage (HTML #window-post-message-steps) -------------
  // The messages a window posts to itself travel through a native channel
  // of its own (serialized at the post, delivered as tasks); a message
  // whose target origin does not match is serialized (errors are thrown,
  // transfers detached) and then dropped at delivery, as the steps say.
  // Per message in flight, in order: whether it is delivered.
  let windowIds = null;
  const windowQueue = Object.create(null);
  let windowHead = 0, windowTail = 0;
  function usvString(v) {
    const s = String(v);
    return typeof s.toWellFormed === "function" ? s.toWellFormed() : s;
  }
  function transferSequence(arg, what) {
    if (arg === null || (typeof arg !== "object" && typeof arg !== "function") || typeof arg[Symbol.iterator] !== "function")
      throw new TypeError(`${what}: The provided value cannot be converted to a sequence.`);
    return transferList(arg, what);
  }
  // This context's origin, serialized ("null" for a file: script: opaque).
  function windowOrigin() {
    const u = host.urlParse(internal.baseURL(), undefined);
    return u ? u[1] : "null";
  }
  function windowPost(message, targetOrigin, list, what) {
    let deliver = true;
    if (targetOrigin !== "*" && targetOrigin !== "/") {
      const u = host.urlParse(targetOrigin, undefined);
      if (!u) throw new DOMException(`${what}: Invalid target origin '${targetOrigin}' in a call to 'postMessage'.`, "SyntaxError");
      // An opaque origin is the same as no other.
      const mine = windowOrigin();
      deliver = mine !== "null" && u[1] === mine;
    }
    if (windowIds === null) {
      const ids = host.channel();
      windowIds = ids;
      targets.set(idKey(ids[1]), globalThis);
      host.start(ids[1]);
    }
    host.post(windowIds[0], message, list);
    windowQueue[windowTail++] = deliver;
  }
  // For `internal.deliver`: whether a task of the native port `id` is a
  // message to this window, and if so whether it is delivered.
  function windowTask(id) {
    if (windowIds === null || id !== windowIds[1]) return undefined;
    const deliver = windowQueue[windowHead];
    delete windowQueue[windowHead++];
    return deliver === true;
  }

  // For scope.js, which makes this context's global object.
  internal.messaging = { MessageEvent, emptyArray, transferList, targets, idKey, usvString, transferSequence, windowPost };

  const g = { MessageEvent, MessagePort, MessageChannel, structuredClone, PortCollection, Worker, BroadcastChannel };
  // [Exposed=Window] interface SharedWorker: the main context only.
  if (host.workerPort === undefined && host.sharedWorkerName === undefined) g.SharedWorker = SharedWorker;
  internal.SharedWorkerPrototype = SharedWorker.prototype;
  for (const [k, v] of Object.entries(g))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
})
