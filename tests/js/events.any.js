// DOM events on targets without a tree, event handler attributes,
// AbortController and AbortSignal.
test(() => {
  const t = new EventTarget();
  const seen = [];
  const once = () => seen.push("once");
  t.addEventListener("x", once, { once: true });
  t.addEventListener("x", once, { once: true }); // a duplicate: ignored
  t.addEventListener("x", { handleEvent(e) { seen.push("object:" + e.type); } });
  t.dispatchEvent(new Event("x"));
  t.dispatchEvent(new Event("x"));
  assert_array_equals(seen, ["once", "object:x", "object:x"]);
}, "once listeners, duplicates and handleEvent objects");

test(() => {
  const t = new EventTarget();
  const seen = [];
  t.addEventListener("x", (e) => { seen.push(1); e.stopImmediatePropagation(); });
  t.addEventListener("x", () => seen.push(2));
  t.dispatchEvent(new Event("x"));
  assert_array_equals(seen, [1]);
}, "stopImmediatePropagation stops the remaining listeners");

test(() => {
  const t = new EventTarget();
  const seen = [];
  const b = () => seen.push("b");
  t.addEventListener("x", () => { seen.push("a"); t.removeEventListener("x", b); t.addEventListener("x", () => seen.push("late")); });
  t.addEventListener("x", b);
  t.dispatchEvent(new Event("x"));
  assert_array_equals(seen, ["a"], "removed during dispatch: not called; added: not called");
  seen.length = 0;
  t.dispatchEvent(new Event("x"));
  assert_array_equals(seen, ["a", "late"]);
}, "listeners removed or added during dispatch");

test(() => {
  // A target with a single listener is dispatched without a copy of its
  // list: what that listener adds must still wait for the next dispatch,
  // in either pass.
  const t = new EventTarget();
  const seen = [];
  t.addEventListener("x", () => {
    seen.push("capture-once");
    t.addEventListener("x", () => seen.push("bubble-late"));
    t.addEventListener("x", () => seen.push("capture-late"), true);
  }, { capture: true, once: true });
  t.dispatchEvent(new Event("x"));
  assert_array_equals(seen, ["capture-once"], "listeners added by the only listener do not run");
  seen.length = 0;
  t.dispatchEvent(new Event("x"));
  assert_array_equals(seen, ["capture-late", "bubble-late"]);
  const u = new EventTarget();
  let n = 0;
  u.addEventListener("y", () => { n++; u.addEventListener("y", () => { n += 10; }); });
  u.dispatchEvent(new Event("y"));
  assert_equals(n, 1, "a bubble listener adding another: only itself runs");
}, "listeners added by a target's only listener run from the next dispatch on");

test(() => {
  const t = new EventTarget();
  t.addEventListener("x", (e) => e.preventDefault(), { passive: true });
  const e = new Event("x", { cancelable: true });
  assert_true(t.dispatchEvent(e));
  assert_false(e.defaultPrevented);
  t.addEventListener("y", (e) => e.preventDefault());
  const f = new Event("y", { cancelable: true });
  assert_false(t.dispatchEvent(f));
  assert_true(f.defaultPrevented);
}, "passive listeners cannot cancel; others can");

test(() => {
  const t = new EventTarget();
  const c = new AbortController();
  let n = 0;
  t.addEventListener("x", () => n++, { signal: c.signal });
  t.dispatchEvent(new Event("x"));
  c.abort();
  t.dispatchEvent(new Event("x"));
  assert_equals(n, 1);
  t.addEventListener("x", () => n++, { signal: c.signal });
  t.dispatchEvent(new Event("x"));
  assert_equals(n, 1, "an aborted signal adds nothing");
}, "the signal option removes a listener on abort");

test(() => {
  const t = new EventTarget();
  const e = new Event("x");
  t.addEventListener("x", () => {
    assert_throws_dom("InvalidStateError", () => t.dispatchEvent(e));
    assert_equals(e.eventPhase, Event.AT_TARGET);
  });
  t.dispatchEvent(e);
  assert_equals(e.eventPhase, Event.NONE);
  assert_equals(e.target, t);
  assert_equals(e.currentTarget, null);
  assert_throws_js(TypeError, () => t.dispatchEvent({ type: "x" }));
}, "dispatch state and re-dispatch");

test(() => {
  const ch = new MessageChannel();
  const seen = [];
  ch.port1.addEventListener("message", () => seen.push("listener-1"));
  ch.port1.onmessage = () => seen.push("handler-v1");
  ch.port1.addEventListener("message", () => seen.push("listener-2"));
  ch.port1.onmessage = () => seen.push("handler-v2"); // keeps its place
  ch.port1.dispatchEvent(new MessageEvent("message"));
  assert_array_equals(seen, ["listener-1", "handler-v2", "listener-2"]);
  ch.port1.onmessage = null;
  assert_equals(ch.port1.onmessage, null);
  ch.port1.onmessage = 5;
  assert_equals(ch.port1.onmessage, null, "non-callables become null");
}, "event handler attributes keep their place and accept only callables");

// HTML #event-handler-attributes: the processing algorithm and the list.
test(() => {
  const { port1 } = new MessageChannel();
  const seen = [];
  port1.onmessageerror = function (e) { seen.push(["h1", this === port1, e.type]); return false; };
  port1.addEventListener("messageerror", () => seen.push("listener"));
  let e = new Event("messageerror", { cancelable: true });
  assert_false(port1.dispatchEvent(e), "a handler's false cancels the event");
  assert_true(e.defaultPrevented);
  // Removed by null, then set again: at the end of the list now.
  port1.onmessageerror = null;
  port1.onmessageerror = () => { seen.push("h2"); return true; };
  e = new Event("messageerror", { cancelable: true });
  assert_true(port1.dispatchEvent(e), "true does not cancel");
  assert_array_equals(seen.map(String), ["h1,true,messageerror", "listener", "listener", "h2"]);
  // Not a listener removeEventListener can reach.
  const h = port1.onmessageerror;
  port1.removeEventListener("messageerror", h);
  port1.dispatchEvent(new Event("messageerror"));
  assert_equals(seen.at(-1), "h2");
  // An object that is not callable is kept, and calling it does nothing.
  const o = { handleEvent() { seen.push("never"); } };
  port1.onmessageerror = o;
  assert_equals(port1.onmessageerror, o);
  port1.dispatchEvent(new Event("messageerror"));
  assert_equals(seen.at(-1), "listener");
  port1.close();
}, "event handlers: return values, order after null, removeEventListener, non-callable objects");

test(() => {
  const c = new AbortController();
  let fired = 0;
  c.signal.onabort = (e) => { fired++; assert_true(e.isTrusted); };
  assert_false(c.signal.aborted);
  c.abort("why");
  c.abort("again");
  assert_true(c.signal.aborted);
  assert_equals(c.signal.reason, "why");
  assert_equals(fired, 1);
  assert_throws_exactly("why", () => c.signal.throwIfAborted());
  const d = AbortSignal.abort();
  assert_equals(d.reason.name, "AbortError");
  assert_throws_js(TypeError, () => new AbortSignal());
  const any = AbortSignal.any([new AbortController().signal, d]);
  assert_true(any.aborted);
}, "AbortController and AbortSignal");

promise_test(async () => {
  const s = AbortSignal.timeout(5);
  await new Promise((r) => s.addEventListener("abort", r));
  assert_equals(s.reason.name, "TimeoutError");
}, "AbortSignal.timeout");

async_test((t) => {
  // A port that floods itself must not starve timers.
  const ch = new MessageChannel();
  let messages = 0;
  ch.port2.onmessage = () => { messages++; if (messages < 1e6) ch.port1.postMessage(0); };
  ch.port1.postMessage(0);
  setTimeout(t.step_func_done(() => {
    assert_less_than(messages, 1e6, "the timer ran while messages kept coming");
    ch.port1.close();
  }), 5);
}, "timers interleave with a self-feeding port");

test(() => {
  const times = [performance.now(), performance.now()];
  assert_true(times[1] >= times[0]);
  assert_equals(typeof performance.timeOrigin, "number");
  assert_equals(self, globalThis);
}, "performance.now and self");

async_test((t) => {
  const order = [];
  queueMicrotask(() => order.push("micro"));
  setTimeout(t.step_func_done(() => { assert_array_equals(order, ["sync", "micro"]); }), 0);
  order.push("sync");
  assert_throws_js(TypeError, () => queueMicrotask(5));
}, "queueMicrotask runs before the next task");

test(() => {
  const target = new EventTarget();
  const calls = [];
  target.addEventListener("x", () => calls.push("capture"), true);
  target.addEventListener("x", (e) => { calls.push("first"); e.stopPropagation(); });
  target.addEventListener("x", () => calls.push("second, same target"));
  target.dispatchEvent(new Event("x"));
  assert_array_equals(calls, ["capture", "first", "second, same target"], "stopPropagation spares the target's own listeners");
  const e = new Event("x");
  e.stopPropagation();
  calls.length = 0;
  assert_true(target.dispatchEvent(e));
  assert_array_equals(calls, [], "an event stopped before dispatch reaches no listener");
  assert_false(e.cancelBubble, "the flag is cleared after dispatch");
  calls.length = 0;
  const f = new Event("x");
  target.addEventListener("x", () => calls.push("late"), { once: true });
  target.dispatchEvent(f);
  assert_array_equals(calls, ["capture", "first", "second, same target", "late"]);
}, "DOM dispatch: stopPropagation, before and during dispatch, and the capture-then-bubble order");

test(() => {
  // DOM #concept-flatten-options: removeEventListener reads `capture` only.
  const read = [];
  const options = { get capture() { read.push("capture"); return false; }, get passive() { read.push("passive"); return false; },
    get once() { read.push("once"); return false; }, get signal() { read.push("signal"); return undefined; } };
  const t = new EventTarget();
  t.addEventListener("x", null, options);
  assert_array_equals(read, ["capture", "once", "passive", "signal"], "addEventListener reads all four (in the dictionary's order)");
  read.length = 0;
  t.removeEventListener("x", null, options);
  assert_array_equals(read, ["capture"]);
}, "removeEventListener reads only the capture option");

test(() => {
  // DOM #concept-flatten-options: a boolean or any other non-object is
  // `capture` by its truth; undefined and null are no capture.
  const t = new EventTarget(), seen = [];
  const f = (e) => seen.push(e.eventPhase);
  for (const [options, capture] of [["yes", true], [1, true], [0, false], ["", false], [null, false], [undefined, false], [true, true], [1n, true], [Symbol(), true]]) {
    seen.length = 0;
    t.addEventListener("x", f, options);
    t.addEventListener("x", f, capture); // the same listener: not added twice
    t.dispatchEvent(new Event("x"));
    assert_equals(seen.length, 1, `${String(options)}: one listener`);
    t.removeEventListener("x", f, !capture);
    t.dispatchEvent(new Event("x"));
    assert_equals(seen.length, 2, `${String(options)}: not removed by the other capture`);
    t.removeEventListener("x", f, { capture });
    t.dispatchEvent(new Event("x"));
    assert_equals(seen.length, 2, `${String(options)}: removed`);
  }
  // A dictionary's members count, `once` included.
  t.addEventListener("y", f, { once: 1, capture: "" });
  t.dispatchEvent(new Event("y"));
  t.dispatchEvent(new Event("y"));
  assert_equals(seen.length, 3, "once");
}, "addEventListener: options that are not a dictionary");

test(() => {
  const isWindow = typeof WorkerGlobalScope === "undefined";
  const t = new EventTarget();
  const e = new Event("x");
  let during, inHandleEvent;
  t.addEventListener("x", () => { during = self.event; });
  t.addEventListener("x", { get handleEvent() { inHandleEvent = self.event; return () => {}; } });
  t.dispatchEvent(e);
  if (isWindow) {
    assert_equals(during, e, "window.event during dispatch");
    assert_equals(inHandleEvent, e, "set before handleEvent is looked up");
    assert_equals(self.event, undefined, "undefined outside dispatch");
    const inner = new Event("y");
    t.addEventListener("y", () => { during = self.event; });
    t.addEventListener("x2", () => { t.dispatchEvent(inner); assert_equals(self.event, e2, "restored after a nested dispatch"); });
    const e2 = new Event("x2");
    t.dispatchEvent(e2);
    assert_equals(during, inner);
  } else {
    assert_false("event" in self, "workers have no event attribute");
  }
}, "window.event is the current event while a listener runs (Window only)");

test(() => {
  // DOM #create-a-dependent-abort-signal and #abortsignal-signal-abort.
  const a = new AbortController(), b = new AbortController();
  const any1 = AbortSignal.any([a.signal, b.signal]);
  const any2 = AbortSignal.any([any1, a.signal]);
  const order = [];
  a.signal.onabort = () => order.push(`a ${any1.aborted} ${any2.aborted}`);
  any1.onabort = () => order.push("any1");
  any2.onabort = () => order.push("any2");
  a.abort("why");
  assert_array_equals(order, ["a true true", "any1", "any2"], "dependents are marked before the events, and each fires once");
  assert_equals(any2.reason, "why");
  b.abort("later");
  assert_equals(any1.reason, "why", "an aborted signal stays as it is");
  const early = AbortSignal.any([AbortSignal.abort("early")]);
  assert_true(early.aborted);
  assert_equals(early.reason, "early");
}, "AbortSignal.any follows the sources behind dependent signals, once each");

test(() => {
  // Web IDL #js-dictionary: each member converted as it is read.
  const log = [];
  const member = (name, value) => ({ toString() { log.push(name + "→string"); return value; }, valueOf() { log.push(name + "→number"); return 7; } });
  const init = new Proxy({ colno: member("colno"), filename: member("filename", "f.js"), lineno: member("lineno"), message: member("message", "m") }, {
    get(t, k) { if (typeof k === "string") log.push(k); return t[k]; },
  });
  const e = new ErrorEvent("error", init);
  assert_array_equals(log, ["bubbles", "cancelable", "composed", "colno", "colno→number", "error", "filename", "filename→string",
    "lineno", "lineno→number", "message", "message→string"]);
  assert_equals(e.colno, 7);
  assert_equals(e.lineno, 7);
  assert_equals(e.filename, "f.js");
  assert_equals(e.message, "m");
  assert_equals(e.error, undefined);
  assert_throws_js(TypeError, () => new ErrorEvent("error", { message: Symbol("s") }));
  assert_throws_js(TypeError, () => new ErrorEvent("error", { lineno: 1n }));
  const d = new ErrorEvent("error");
  assert_array_equals([d.message, d.filename, d.lineno, d.colno, d.error], ["", "", 0, 0, undefined]);
}, "ErrorEventInit: each member read once, in order, and converted as it is read");
