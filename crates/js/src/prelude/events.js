// DOM events for targets without a tree (DOM Standard #events), the event
// handler attributes of HTML (#event-handler-attributes), AbortController and
// AbortSignal (DOM #aborting-ongoing-activities). Evaluated once per context
// before any user code; `host` is the native side (crates/js/src/runtime/globals/).
(function (host, internal) {
  "use strict";
  const illegal = () => new TypeError("Illegal constructor");
  const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;
  const timeOrigin = performance.timeOrigin ?? Date.now();
  // The clock of event time stamps: the original, whatever a script does
  // to `performance` later.
  const perfNow = performance.now;
  const applyOriginal = Reflect.apply;
  const now = () => applyOriginal(perfNow, performance, []);

  // ---- Event (DOM #interface-event) -------------------------------------
  // An Event object is of the host's event class (crates/js/src/engine/native.rs)
  // and owns its state object; `eventStateOf` finds it (undefined for
  // anything else), as a WeakMap would, in one native call.
  const eventStateOf = host.eventState, newEventObject = host.newEvent;
  function st(e) {
    const s = eventStateOf(e);
    if (s === undefined) throw new TypeError("Illegal invocation: not an Event");
    return s;
  }
  const isTrustedGetter = function isTrusted() { return st(this).trusted; };
  // One descriptor for every event (not one object per event).
  const isTrustedDescriptor = Object.freeze({ get: isTrustedGetter, enumerable: true, configurable: false });

  class Event {
    constructor(type, eventInitDict = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
      type = String(type);
      // EventInit, read member by member in Web IDL's order (each once);
      // booleans, so no conversion runs anything. A snapshot only if set.
      let init = null;
      if (eventInitDict !== undefined && eventInitDict !== null) {
        if (typeof eventInitDict !== "object" && typeof eventInitDict !== "function") throw new TypeError("EventInit must be an object");
        const bubbles = eventInitDict.bubbles, cancelable = eventInitDict.cancelable, composed = eventInitDict.composed;
        if (bubbles || cancelable || composed) init = { bubbles, cancelable, composed };
      }
      // The object is the host's (a subclass's constructor gets it as
      // `this`), with the prototype new.target asks for.
      const proto = new.target.prototype;
      return makeEvent((typeof proto === "object" && proto !== null) || typeof proto === "function" ? proto : Event.prototype, type, init);
    }
    get type() { return st(this).type; }
    get target() { return st(this).target; }
    get srcElement() { return st(this).target; }
    get currentTarget() { return st(this).currentTarget; }
    composedPath() { const s = st(this); return s.currentTarget ? [s.currentTarget] : []; }
    get eventPhase() { return st(this).phase; }
    stopPropagation() { st(this).stopPropagation = true; }
    get cancelBubble() { return st(this).stopPropagation; }
    set cancelBubble(v) { if (v) st(this).stopPropagation = true; }
    stopImmediatePropagation() { const s = st(this); s.stopPropagation = true; s.stopImmediate = true; }
    get bubbles() { return st(this).bubbles; }
    get cancelable() { return st(this).cancelable; }
    get returnValue() { return !st(this).canceled; }
    set returnValue(v) { if (!v) setCanceled(st(this)); }
    preventDefault() { setCanceled(st(this)); }
    get defaultPrevented() { return st(this).canceled; }
    get composed() { return st(this).composed; }
    get timeStamp() { return st(this).timeStamp; }
    initEvent(type, bubbles = false, cancelable = false) {
      if (arguments.length < 1) throw new TypeError("initEvent: 1 argument required");
      const s = st(this);
      if (s.dispatching) return;
      Object.assign(s, { type: String(type), bubbles: !!bubbles, cancelable: !!cancelable,
        initialized: true, stopPropagation: false, stopImmediate: false, canceled: false, target: null });
    }
  }
  for (const [k, v] of Object.entries({ NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE })) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }
  Object.defineProperty(Event.prototype, Symbol.toStringTag, { value: "Event", configurable: true });

  function setCanceled(s) { if (s.cancelable && !s.inPassive) s.canceled = true; }
  // An event's state starts as the defaults below (its prototype), so a new
  // event adds only what differs: QuickJS adds properties one by one.
  // (Not frozen: an inherited read-only property could not be assigned.)
  const stateDefaults = Object.assign(Object.create(null), {
    bubbles: false, cancelable: false, composed: false,
    target: null, currentTarget: null, phase: NONE, stopPropagation: false, stopImmediate: false,
    canceled: false, inPassive: false, dispatching: false, trusted: false, initialized: true,
  });
  // A new event with prototype `proto`, its state starting from `defaults`.
  function makeEvent(proto, type, init, defaults = stateDefaults) {
    const s = Object.create(defaults);
    s.type = type;
    s.timeStamp = now();
    // `init` is null for an event the platform makes (all flags false).
    if (init !== null) {
      if (init.bubbles) s.bubbles = true;
      if (init.cancelable) s.cancelable = true;
      if (init.composed) s.composed = true;
    }
    const e = newEventObject(proto, s);
    // [LegacyUnforgeable] readonly attribute boolean isTrusted: an own property.
    Object.defineProperty(e, "isTrusted", isTrustedDescriptor);
    return e;
  }
  // A WebIDL dictionary argument: `undefined` and `null` are empty, other
  // non-objects a TypeError. With `members` (in the order WebIDL reads
  // them: the base dictionary's first, each in lexicographic order), each
  // member is read exactly once, into a snapshot.
  // `convert`, when given, holds each member's conversion (or undefined
  // for none), applied to a present member as it is read, before the next
  // is read (Web IDL #js-dictionary).
  function dictionary(v, name, members = undefined, convert = undefined) {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" && typeof v !== "function") throw new TypeError(`${name} must be an object`);
    if (members === undefined) return v;
    const out = Object.create(null);
    // (By index: `members` is the prelude's own array, and an index loop
    // needs no iterator object.)
    for (let i = 0; i < members.length; i++) {
      let x = v[members[i]];
      if (x !== undefined && convert !== undefined && convert[i] !== undefined) x = convert[i](x);
      out[members[i]] = x;
    }
    return out;
  }
  // Web IDL conversions for `dictionary`: DOMString (ToString: a Symbol
  // throws) and unsigned long (ToNumber, modulo 2^32).
  const toDOMString = (x) => `${x}`;
  const toUnsignedLong = (x) => x >>> 0;
  internal.toDOMString = toDOMString;
  // Any Web IDL number type's first step, ToNumber (a BigInt or a Symbol
  // throws); the range rules are the caller's.
  internal.toNumber = (x) => +x;

  // ---- EventTarget (DOM #interface-eventtarget) -------------------------
  // Captured intrinsics: nothing a script does to built-in prototypes
  // (an index accessor on Array.prototype, a replaced `push` or `call`)
  // changes how listeners are kept and run. Internal lists have a null
  // prototype, so their element writes consult nothing inherited.
  const uncurry = Function.prototype.call.bind(Function.prototype.call);
  const reflectApply = Reflect.apply, setProto = Object.setPrototypeOf;
  const arraySplice = Array.prototype.splice;
  const newList = () => setProto([], null);
  function listIndex(list, pred) {
    for (let i = 0; i < list.length; i++) if (pred(list[i])) return i;
    return -1;
  }
  function listCopy(list) {
    const out = newList();
    for (let i = 0; i < list.length; i++) out[i] = list[i];
    return out;
  }
  // Appends to a list of `newList`: with no prototype, an index write
  // consults nothing a script can change (and costs half a call of push).
  const listPush = (list, v) => { list[list.length] = v; };
  internal.newList = newList;
  internal.listPush = listPush;
  internal.callFunction = (f, thisArg, arg) => reflectApply(f, thisArg, [arg]);
  const listenersOf = internal.slotWeakMap();
  function listeners(t) {
    let l = listenersOf.get(t);
    if (l === undefined) { l = newList(); listenersOf.set(t, l); }
    return l;
  }
  function flattenCapture(options) {
    if (typeof options === "boolean") return options;
    if (options === undefined || options === null) return false;
    if (typeof options !== "object" && typeof options !== "function") return !!options;
    return !!options.capture;
  }
  // DOM #event-flatten-more for a dictionary (a boolean or nothing is
  // flattened by `addEventListener` itself, with no object made).
  function flatten(options) {
    return { capture: !!options.capture, once: !!options.once, passive: options.passive, signal: options.signal };
  }
  // The index in `list` of the listener `type`, `callback`, `capture`, or -1.
  function findListener(list, type, callback, capture) {
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      if (l.type === type && l.callback === callback && l.capture === capture) return i;
    }
    return -1;
  }
  const brandTarget = (t) => {
    if (t === undefined || t === null) return globalThis;
    if (typeof t !== "object" && typeof t !== "function") throw new TypeError("Illegal invocation");
    return t;
  };

  class EventTarget {
    constructor() { listenersOf.set(this, newList()); }
    addEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError("addEventListener: 2 arguments required");
      const target = brandTarget(this);
      // The common calls (no options, or a boolean) make no dictionary.
      let capture = false, once = false, passive = false, signal;
      if (typeof options === "object" && options !== null || typeof options === "function") {
        const o = flatten(options);
        if (o.signal !== undefined && !(isAbortSignal(o.signal))) throw new TypeError("addEventListener: 'signal' is not an AbortSignal");
        capture = o.capture; once = o.once; passive = o.passive === undefined ? false : !!o.passive; signal = o.signal;
      } else {
        capture = !!options;
      }
      if (callback === null) return;
      if (typeof callback !== "function" && (typeof callback !== "object")) throw new TypeError("addEventListener: callback is not an object");
      if (signal && signal.aborted) return;
      type = String(type);
      const list = listeners(target);
      if (findListener(list, type, callback, capture) >= 0) return;
      const entry = { type, callback, capture, once, passive, removed: false };
      listPush(list, entry);
      if (signal) internal.onAbort(signal, () => removeEntry(target, entry));
      internal.listenersChanged(target, type);
    }
    removeEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError("removeEventListener: 2 arguments required");
      const target = brandTarget(this);
      // DOM #concept-flatten-options: only `capture` is read here.
      const capture = flattenCapture(options);
      type = String(type);
      const list = listeners(target);
      const i = findListener(list, type, callback, capture);
      if (i >= 0) removeEntry(target, list[i]);
    }
    dispatchEvent(event) {
      const target = brandTarget(this);
      const s = eventStateOf(event);
      if (s === undefined) throw new TypeError("dispatchEvent: parameter 1 is not of type 'Event'");
      if (s.dispatching || !s.initialized) throw new DOMException("The event is already being dispatched", "InvalidStateError");
      s.trusted = false;
      return dispatch(target, event);
    }
  }
  Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, { value: "EventTarget", configurable: true });

  function removeEntry(target, entry) {
    const list = listeners(target);
    let i = 0;
    while (i < list.length && list[i] !== entry) i++;
    if (i < list.length) uncurry(arraySplice, list, i, 1);
    entry.removed = true;
    internal.listenersChanged(target, entry.type);
  }

  // DOM #concept-event-dispatch for a target with no parent: the capture and
  // bubble passes both happen AT_TARGET; capturing listeners run first.
  function dispatch(target, event) {
    const s = st(event);
    s.dispatching = true;
    s.target = target;
    s.phase = AT_TARGET;
    s.currentTarget = target;
    const all = listeners(target);
    if (all.length === 1) {
      // One listener (the common case): it runs in the pass it belongs to,
      // and nothing added during dispatch can run, so no copy is needed.
      const l = all[0];
      if (!s.stopPropagation) run(target, event, s, l, l.capture);
    } else if (all.length !== 0) {
      // A copy: listeners added during dispatch are not run.
      const list = listCopy(all);
      // The capture pass, then the bubble pass, both AT_TARGET.
      if (!s.stopPropagation) invoke(target, event, s, list, true);
      if (!s.stopPropagation) {
        s.currentTarget = target;
        invoke(target, event, s, list, false);
      }
    }
    s.phase = NONE;
    s.currentTarget = null;
    s.dispatching = false;
    if (s.stopPropagation) s.stopPropagation = false;
    if (s.stopImmediate) s.stopImmediate = false;
    return !s.canceled;
  }
  function invoke(target, event, s, list, capturePass) {
    for (let i = 0; i < list.length; i++) {
      run(target, event, s, list[i], capturePass);
      if (s.stopImmediate) break;
    }
  }
  // Whether this dispatch was started by the runtime from a task, with no
  // script below it: then, as HTML's "clean up after running script" does
  // once the stack empties, promise reactions queued by a listener run
  // before the next listener (and before the next event of the same
  // task). A dispatch a script starts (dispatchEvent, or an API it calls
  // that fires events at once) has script below it: no checkpoint.
  let fromTask = false;
  internal.dispatchFromTask = (target, event) => {
    const before = fromTask;
    fromTask = true;
    try { return dispatch(target, event); } finally { fromTask = before; }
  };
  internal.fireFromTask = (target, event) => { st(event).trusted = true; return internal.dispatchFromTask(target, event); };
  // DOM #concept-event-listener-inner-invoke for one listener.
  function run(target, event, s, l, capturePass) {
    if (l.removed || l.type !== s.type || l.capture !== capturePass) return;
    const checkpoint = fromTask;
    fromTask = false;
    try {
      invokeListener(target, event, s, l);
      if (checkpoint) host.checkpoint();
    } finally {
      fromTask = checkpoint;
    }
  }
  function invokeListener(target, event, s, l) {
    if (l.once) removeEntry(target, l);
    const passive = l.passive;
    if (passive) s.inPassive = true;
    // DOM #concept-event-listener-inner-invoke steps 8–12: a Window's
    // current event (`window.event`) while the listener runs.
    const previous = current.event;
    if (isWindow) current.event = event;
    try {
      if (l.handler !== undefined) {
        callHandler(target, event, l);
      } else if (typeof l.callback === "function") {
        reflectApply(l.callback, target, [event]);
      } else {
        const h = l.callback.handleEvent;
        if (typeof h !== "function") throw new TypeError("handleEvent is not a function");
        reflectApply(h, l.callback, [event]);
      }
    } catch (e) {
      internal.reportException(e);
    } finally {
      if (passive) s.inPassive = false;
      current.event = previous;
    }
  }
  // The main context is this host's Window; workers have no `event`.
  const isWindow = host.workerPort === undefined && host.sharedWorkerName === undefined;
  // The current event, in a native cell (an `event` accessor) that the
  // native delivery swaps directly.
  const current = host.newEventCell();
  if (isWindow) {
    // HTML #dom-window-event: [Replaceable] readonly attribute any event.
    Object.defineProperty(globalThis, "event", {
      configurable: true, enumerable: true,
      get: function event() { return current.event; },
      set: function event(v) { Object.defineProperty(globalThis, "event", { value: v, writable: true, configurable: true, enumerable: true }); },
    });
  }

  // ---- Event handler attributes (HTML #event-handler-attributes) ---------
  // The interface prototype objects that carry event handler attributes:
  // one is no platform object of its interface, so the attribute's getter
  // and setter throw on it (WebIDL #dfn-attribute-getter step 1).
  const handlerPrototypes = new WeakSet();
  function handlerTarget(t) {
    if (typeof t === "object" && t !== null && t !== globalThis && handlerPrototypes.has(t)) throw new TypeError("Illegal invocation");
    return brandTarget(t);
  }
  // `isA`, when given, is the interface's brand check: an object that is
  // not one of its platform objects (a plain object, another interface's,
  // `undefined` for an interface that is not the global's) makes the
  // getter and setter throw (WebIDL #dfn-attribute-getter step 1).
  function defineEventHandler(proto, name, onFirstSet, isA) {
    const type = name.slice(2);
    if (proto !== globalThis) handlerPrototypes.add(proto);
    const branded = isA === undefined ? handlerTarget : (t) => {
      const target = handlerTarget(t);
      if (!isA(target)) throw new TypeError("Illegal invocation");
      return target;
    };
    Object.defineProperty(proto, name, {
      configurable: true, enumerable: true,
      get: function () {
        const list = listeners(branded(this));
        const i = handlerIndex(list, type);
        return i >= 0 ? list[i].handler.value : null;
      },
      set: function (value) {
        const target = branded(this);
        if (typeof value !== "function" && (typeof value !== "object" || value === null)) value = null;
        const list = listeners(target);
        const i = handlerIndex(list, type);
        if (value === null) {
          if (i >= 0) removeEntry(target, list[i]);
          return;
        }
        if (i >= 0) {
          list[i].handler.value = value;
          internal.listenersChanged(target, type);
          return;
        }
        // HTML #getting-the-current-value-of-the-event-handler: the entry
        // keeps its place in the list while the value changes. It is
        // called by `invokeListener`, through `handler` (no closure).
        const entry = { type, callback: handlerCallback, capture: false, once: false, passive: false, removed: false, handler: { value } };
        listPush(list, entry);
        internal.listenersChanged(target, type);
        if (onFirstSet) reflectApply(onFirstSet, target, []);
      },
    });
  }
  // The index in `list` of the event handler entry for `type`, or -1.
  function handlerIndex(list, type) {
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      if (l.handler !== undefined && l.type === type) return i;
    }
    return -1;
  }
  // The `callback` of every event handler entry: never called (the entry's
  // `handler` is), never seen by scripts, so no removeEventListener matches it.
  const handlerCallback = () => {};
  // HTML #the-event-handler-processing-algorithm for the entry `l`.
  function callHandler(target, event, l) {
    const f = l.handler.value;
    if (typeof f !== "function") return;
    let r;
    if (l.type === "error" && event instanceof ErrorEvent && (target === globalThis)) {
      r = reflectApply(f, target, [event.message, event.filename, event.lineno, event.colno, event.error]);
      if (r === true) event.preventDefault();
      return;
    }
    r = reflectApply(f, target, [event]);
    if (r === false) event.preventDefault();
  }

  // ---- ErrorEvent (HTML #errorevent) -------------------------------------
  const errorInit = internal.slotWeakMap();
  class ErrorEvent extends Event {
    constructor(type, init = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'ErrorEvent': 1 argument required");
      super(type, init);
      const i = dictionary(init, "ErrorEventInit", ["colno", "error", "filename", "lineno", "message"],
        [toUnsignedLong, undefined, toDOMString, toUnsignedLong, toDOMString]);
      errorInit.set(this, {
        message: i.message === undefined ? "" : i.message,
        filename: i.filename === undefined ? "" : i.filename,
        lineno: i.lineno === undefined ? 0 : i.lineno, colno: i.colno === undefined ? 0 : i.colno,
        error: i.error,
      });
    }
    get message() { return ei(this).message; }
    get filename() { return ei(this).filename; }
    get lineno() { return ei(this).lineno; }
    get colno() { return ei(this).colno; }
    get error() { return ei(this).error; }
  }
  function ei(e) { const s = errorInit.get(e); if (!s) throw new TypeError("Illegal invocation"); return s; }
  Object.defineProperty(ErrorEvent.prototype, Symbol.toStringTag, { value: "ErrorEvent", configurable: true });

  // ---- CustomEvent (DOM #interface-customevent) -------------------------
  const customDetail = internal.slotWeakMap();
  class CustomEvent extends Event {
    constructor(type, init = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'CustomEvent': 1 argument required");
      super(type, init);
      const i = dictionary(init, "CustomEventInit", ["detail"]);
      customDetail.set(this, i.detail === undefined ? null : i.detail);
    }
    get detail() {
      if (!customDetail.has(this)) throw new TypeError("Illegal invocation: not a CustomEvent");
      return customDetail.get(this);
    }
    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      if (arguments.length < 1) throw new TypeError("initCustomEvent: 1 argument required");
      if (!customDetail.has(this)) throw new TypeError("Illegal invocation: not a CustomEvent");
      if (st(this).dispatching) return;
      this.initEvent(type, bubbles, cancelable);
      customDetail.set(this, detail);
    }
  }
  Object.defineProperty(CustomEvent.prototype, Symbol.toStringTag, { value: "CustomEvent", configurable: true });

  // ---- PromiseRejectionEvent (HTML #the-promiserejectionevent-interface)
  const rejectionInit = internal.slotWeakMap();
  class PromiseRejectionEvent extends Event {
    constructor(type, eventInitDict) {
      if (arguments.length < 2) throw new TypeError("Failed to construct 'PromiseRejectionEvent': 2 arguments required");
      super(type, eventInitDict);
      const i = dictionary(eventInitDict, "PromiseRejectionEventInit", ["promise", "reason"]);
      const promise = i.promise;
      if (promise === undefined) throw new TypeError("Failed to construct 'PromiseRejectionEvent': required member promise is undefined.");
      if ((typeof promise !== "object" && typeof promise !== "function") || promise === null)
        throw new TypeError("Failed to construct 'PromiseRejectionEvent': member promise is not an object.");
      rejectionInit.set(this, { promise, reason: i.reason });
    }
    get promise() { return ri(this).promise; }
    get reason() { return ri(this).reason; }
  }
  function ri(e) { const s = rejectionInit.get(e); if (!s) throw new TypeError("Illegal invocation: not a PromiseRejectionEvent"); return s; }
  Object.defineProperty(PromiseRejectionEvent.prototype, Symbol.toStringTag, { value: "PromiseRejectionEvent", configurable: true });
  // HTML #notify-about-rejected-promises: `unhandledrejection` at the
  // global, cancelable. Returns whether the rejection is still unhandled
  // (nobody canceled it), i.e. whether to report it.
  internal.unhandledRejection = (promise, reason) => {
    const ev = new PromiseRejectionEvent("unhandledrejection", { promise, reason, cancelable: true });
    st(ev).trusted = true;
    return dispatch(globalThis, ev);
  };

  // ---- CloseEvent-free "close" and the rest are plain Events. -----------

  // ---- AbortController / AbortSignal (DOM #interface-abortcontroller) ----
  const signalState = internal.slotWeakMap();
  let constructingSignal = false;
  function sig(s) { const x = signalState.get(s); if (!x) throw new TypeError("Illegal invocation"); return x; }
  function isAbortSignal(s) { return (typeof s === "object" && s !== null) && signalState.has(s); }
  function newSignal() {
    constructingSignal = true;
    try { return new AbortSignal(); } finally { constructingSignal = false; }
  }
  class AbortSignal extends EventTarget {
    constructor() {
      if (!constructingSignal) throw illegal();
      super();
      signalState.set(this, { aborted: false, reason: undefined, algorithms: [], dependents: [], sources: [], dependent: false });
    }
    get aborted() { return sig(this).aborted; }
    get reason() { return sig(this).reason; }
    throwIfAborted() { const s = sig(this); if (s.aborted) throw s.reason; }
    static abort(reason) {
      const s = newSignal();
      const x = sig(s);
      x.aborted = true;
      x.reason = reason === undefined ? new DOMException("signal is aborted without reason", "AbortError") : reason;
      return s;
    }
    static timeout(ms) {
      ms = Number(ms);
      if (!Number.isFinite(ms) || ms < 0) throw new TypeError("AbortSignal.timeout: milliseconds must be a non-negative number");
      const s = newSignal();
      // A timer that does not keep the run alive, as Node's and Deno's.
      host.setTimerUnkept(() => signalAbort(s, new DOMException("signal timed out", "TimeoutError")), ms);
      return s;
    }
    // DOM #create-a-dependent-abort-signal: a dependent signal follows the
    // non-dependent signals behind its arguments (a dependent argument's
    // own sources), each once.
    static any(signals) {
      const result = newSignal();
      const list = Array.from(signals);
      for (const s of list) if (!isAbortSignal(s)) throw new TypeError("AbortSignal.any: not an AbortSignal");
      const r = sig(result);
      for (const s of list) if (sig(s).aborted) { r.aborted = true; r.reason = sig(s).reason; return result; }
      r.dependent = true;
      const follow = (source) => {
        const x = sig(source);
        if (r.sources.includes(source)) return;
        r.sources.push(source);
        x.dependents.push(result);
      };
      for (const s of list) {
        const x = sig(s);
        if (!x.dependent) follow(s);
        else for (const source of x.sources) follow(source);
      }
      return result;
    }
  }
  defineEventHandler(AbortSignal.prototype, "onabort", undefined, isAbortSignal);
  Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: "AbortSignal", configurable: true });
  // DOM #abortsignal-signal-abort: the reason is set on the signal and on
  // every dependent not yet aborted, then each runs its abort steps (its
  // algorithms, then the `abort` event), the signal first.
  function signalAbort(s, reason) {
    const x = sig(s);
    if (x.aborted) return;
    x.aborted = true;
    x.reason = reason === undefined ? new DOMException("signal is aborted without reason", "AbortError") : reason;
    const toAbort = [];
    for (const d of x.dependents) {
      const y = sig(d);
      if (!y.aborted) { y.aborted = true; y.reason = x.reason; toAbort.push(d); }
    }
    abortSteps(s);
    for (const d of toAbort) abortSteps(d);
  }
  function abortSteps(s) {
    const x = sig(s);
    const algorithms = x.algorithms; x.algorithms = [];
    for (const a of algorithms) a();
    const ev = new Event("abort");
    st(ev).trusted = true;
    dispatch(s, ev);
  }
  internal.onAbort = (s, f) => { const x = sig(s); if (x.aborted) f(); else x.algorithms.push(f); };
  const controllerSignal = internal.slotWeakMap();
  class AbortController {
    constructor() { controllerSignal.set(this, newSignal()); }
    get signal() { const s = controllerSignal.get(this); if (!s) throw new TypeError("Illegal invocation"); return s; }
    abort(reason) { signalAbort(this.signal, reason); }
  }
  Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: "AbortController", configurable: true });

  // HTML #report-an-exception: fires `error` at the global. Returns 2 if
  // a listener canceled it, 1 if a listener saw it, 0 if nobody listened.
  internal.fireError = (error, message, filename, lineno, colno) => {
    const ev = new ErrorEvent("error", { message, filename, lineno, colno, error, cancelable: true });
    st(ev).trusted = true;
    const notCanceled = dispatch(globalThis, ev);
    if (!notCanceled) return 2;
    return listIndex(listeners(globalThis), (l) => l.type === "error") >= 0 ? 1 : 0;
  };
  // The function a listener entry calls with (this: target, event), if it
  // is that simple: an event handler's function, or a callback function.
  internal.listenerFunction = (l) => {
    const f = l.handler !== undefined ? l.handler.value : l.callback;
    return typeof f === "function" ? f : null;
  };
  internal.isTrustedGetter = isTrustedGetter;
  internal.now = perfNow;
  internal.currentEventHolder = isWindow ? current : undefined;
  internal.Event = Event;
  internal.eventState = st;
  internal.eventStateOf = eventStateOf;
  internal.stateDefaults = stateDefaults;
  internal.makeEvent = makeEvent;
  internal.dictionary = dictionary;
  internal.dispatch = dispatch;
  internal.fireTrusted = (target, event) => { st(event).trusted = true; return dispatch(target, event); };
  internal.defineEventHandler = defineEventHandler;
  internal.listenersOf = (t) => listeners(t);
  // The list of `t`, or undefined if it never had one (made by nothing).
  internal.listenersIfAny = (t) => listenersOf.get(t);
  internal.illegal = illegal;
  internal.timeOrigin = timeOrigin;
  if (!internal.listenersChanged) internal.listenersChanged = () => {};
  const g = { Event, EventTarget, ErrorEvent, CustomEvent, PromiseRejectionEvent, AbortController, AbortSignal };
  for (const [k, v] of Object.entries(g)) {
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
  }
})
