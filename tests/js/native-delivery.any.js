// A port whose one `message` listener is a function gets its messages
// through msgport's native delivery; any other port through the general
// DOM dispatch. Nothing a script can observe may tell them apart (HTML
// #message-ports, DOM #concept-event-dispatch).
// (One test reports a listener's exception on purpose.)
setup({ allow_uncaught_exception: true });

// What a listener sees of an event, during and after dispatch.
function snapshot(e, self, port) {
  const d = Object.getOwnPropertyDescriptor(e, "isTrusted");
  return {
    type: e.type, data: JSON.stringify(e.data), isTrusted: e.isTrusted,
    ownIsTrusted: !!d && typeof d.get === "function" && d.enumerable && !d.configurable,
    proto: Object.getPrototypeOf(e) === MessageEvent.prototype,
    tag: Object.prototype.toString.call(e),
    target: e.target === port, srcElement: e.srcElement === port, currentTarget: e.currentTarget === port,
    thisIsPort: self === port, phase: e.eventPhase, bubbles: e.bubbles, cancelable: e.cancelable,
    composed: e.composed, defaultPrevented: e.defaultPrevented, returnValue: e.returnValue,
    cancelBubble: e.cancelBubble, origin: e.origin, lastEventId: e.lastEventId, source: e.source,
    ports: Array.isArray(e.ports) && e.ports.length === 0 && Object.isFrozen(e.ports),
    samePorts: e.ports === e.ports, path: e.composedPath().length,
    stamp: typeof e.timeStamp === "number" && e.timeStamp >= 0,
    windowEvent: "event" in globalThis ? globalThis.event === e : "none",
    instance: e instanceof MessageEvent && e instanceof Event,
  };
}
function after(e, port) {
  return { phase: e.eventPhase, currentTarget: e.currentTarget, target: e.target === port,
    cancelBubble: e.cancelBubble, path: e.composedPath().length };
}

// Fires one message at a port set up by `listen`, returns what was seen.
function observe(listen) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    listen(port2, function (e) {
      const during = snapshot(e, this, port2);
      e.preventDefault();
      e.stopImmediatePropagation();
      during.afterStop = e.cancelBubble;
      // The next task: the dispatch is over (a microtask would still be
      // inside it, HTML #clean-up-after-running-script).
      setTimeout(() => { resolve({ during, after: after(e, port2), windowEventAfter: globalThis.event }); port1.close(); }, 0);
    });
    port1.postMessage({ n: 1, s: ["x"] });
  });
}

promise_test(async () => {
  const native = await observe((p, f) => { p.onmessage = f; });
  const viaAdd = await observe((p, f) => { p.addEventListener("message", f); p.start(); });
  // Two listeners (one that does nothing) take the general dispatch.
  const general = await observe((p, f) => { p.addEventListener("message", f); p.addEventListener("message", () => {}); p.start(); });
  const handleEvent = await observe((p, f) => { p.addEventListener("message", { handleEvent(e) { f.call(p, e); } }); p.start(); });
  assert_object_equals(native, general, "onmessage and the general dispatch");
  assert_object_equals(viaAdd, general, "one addEventListener callback and the general dispatch");
  assert_object_equals(handleEvent, general, "a handleEvent object and the general dispatch");
  assert_true(native.during.isTrusted && native.during.ownIsTrusted && native.during.currentTarget);
  assert_equals(native.during.phase, Event.AT_TARGET);
  assert_false(native.during.defaultPrevented, "a message event is not cancelable");
  assert_true(native.during.afterStop, "stopImmediatePropagation sets cancelBubble during dispatch");
  assert_equals(native.after.phase, Event.NONE);
  assert_equals(native.after.currentTarget, null);
  assert_false(native.after.cancelBubble, "the stop flags are cleared after dispatch");
}, "an event delivered natively and one dispatched in JS look the same, during and after dispatch");

async_test((t) => {
  // Exceptions are reported, and later messages still arrive; the handler
  // may be replaced, listeners added or removed between messages.
  const { port1, port2 } = new MessageChannel();
  const seen = [];
  const onError = (e) => { seen.push("error:" + e.message); e.preventDefault(); };
  self.addEventListener("error", onError);
  const second = (e) => seen.push("second:" + e.data);
  port2.onmessage = (e) => {
    seen.push("first:" + e.data);
    if (e.data === 1) throw new Error("boom");
    // Added during dispatch: runs from the next message on.
    if (e.data === 2) port2.addEventListener("message", second);
    if (e.data === 4) {
      port2.removeEventListener("message", second);
      port2.onmessage = (e) => {
        seen.push("replaced:" + e.data);
        if (e.data === 5) port2.onmessage = { notAFunction: true };
      };
    }
  };
  for (let i = 1; i <= 6; i++) port1.postMessage(i);
  t.step_timeout(() => {
    self.removeEventListener("error", onError);
    assert_equals(seen.length, 7, seen.join());
    assert_true(seen[1].startsWith("error:") && seen[1].includes("boom"), seen[1]);
    seen.splice(1, 1);
    // Removed during dispatch before its turn: `second` misses message 4.
    assert_array_equals(seen, ["first:1", "first:2", "first:3", "second:3", "first:4", "replaced:5"]);
    port1.close();
    t.done();
  }, 50);
}, "a listener's exception is reported and delivery goes on; handlers replaced and listeners added or removed take effect from the next message");

async_test((t) => {
  // A once listener, and a port that closes itself with messages queued.
  const { port1, port2 } = new MessageChannel();
  const seen = [];
  port2.addEventListener("message", (e) => seen.push("once:" + e.data), { once: true });
  port2.start();
  port1.postMessage(1);
  port1.postMessage(2);
  t.step_timeout(() => {
    port2.onmessage = (e) => { seen.push("on:" + e.data); if (e.data === 3) port2.close(); };
    port1.postMessage(3);
    port1.postMessage(4);
    t.step_timeout(() => {
      // HTML #dom-messageport-close: close() in onmessage does not cancel the
      // messages already queued.
      assert_array_equals(seen, ["once:1", "on:3", "on:4"]);
      t.done();
    }, 30);
  }, 30);
}, "once listeners fire once; a port that closed itself still gets the messages already queued");

promise_test(async () => {
  // Time stamps come from the real clock, whatever a script does to it.
  const original = performance.now;
  performance.now = () => -1000;
  try {
    const { port1, port2 } = new MessageChannel();
    const e = await new Promise((resolve) => { port2.onmessage = resolve; port1.postMessage(0); });
    assert_greater_than_equal(e.timeStamp, 0);
    assert_greater_than_equal(new Event("x").timeStamp, 0);
    port1.close();
  } finally {
    performance.now = original;
  }
}, "event time stamps do not call a replaced performance.now");

test(() => {
  // Event objects are the host's, made with the prototype new.target asks for.
  class Mine extends MessageEvent {}
  const m = new Mine("message", { data: 3 });
  assert_equals(Object.getPrototypeOf(m), Mine.prototype);
  assert_equals(m.data, 3);
  assert_true(m instanceof Event);
  function Odd() {}
  Odd.prototype = 5;
  const o = Reflect.construct(Event, ["x"], Odd);
  assert_equals(Object.getPrototypeOf(o), Event.prototype, "a non-object prototype falls back to Event.prototype");
  assert_throws_js(TypeError, () => Event.prototype.type, "a prototype is not an event");
  assert_throws_js(TypeError, () => Object.getOwnPropertyDescriptor(Event.prototype, "type").get.call({}));
  assert_throws_js(TypeError, () => MessagePort.prototype.postMessage.call({}, 1), "postMessage brand check");
  assert_throws_js(TypeError, () => MessagePort.prototype.postMessage.call(new MessageChannel().port1), "postMessage needs a message");
  assert_equals(MessagePort.prototype.postMessage.length, 1);
  assert_equals(MessagePort.prototype.postMessage.name, "postMessage");
  assert_throws_js(TypeError, () => new MessagePort(), "MessagePort has no constructor");
}, "Event and MessagePort objects keep their Web IDL shape");

promise_test(async () => {
  // An event nobody looked at during dispatch is complete afterwards.
  const { port1, port2 } = new MessageChannel();
  const kept = await new Promise((resolve) => { port2.onmessage = resolve; port1.postMessage({ k: [1] }); });
  await new Promise((r) => setTimeout(r, 0)); // the dispatch is over by the next task
  assert_equals(kept.currentTarget, null);
  assert_equals(kept.eventPhase, Event.NONE);
  assert_equals(kept.target, port2);
  assert_equals(kept.data.k[0], 1);
  assert_equals(kept.data, kept.data, "data is one object");
  assert_true(kept.isTrusted);
  assert_equals(kept.type, "message");
  assert_false(kept.cancelBubble);
  // And one looked at only through `this` and its data during dispatch.
  const seen = await new Promise((resolve) => {
    port2.onmessage = function (e) { resolve({ e, data: e.data, phase: e.eventPhase, current: e.currentTarget }); };
    port1.postMessage("second");
  });
  assert_equals(seen.data, "second");
  assert_equals(seen.phase, Event.AT_TARGET);
  assert_equals(seen.current, port2);
  await new Promise((r) => setTimeout(r, 0));
  assert_equals(seen.e.eventPhase, Event.NONE);
  // Dispatching a delivered event again is the DOM's (it is not being dispatched now).
  let again = 0;
  const other = new EventTarget();
  other.addEventListener("message", (e) => { again++; assert_equals(e.currentTarget, other); assert_false(e.isTrusted); });
  other.dispatchEvent(kept);
  assert_equals(again, 1);
  assert_equals(kept.target, other);
  port1.close();
}, "a natively delivered event read only after dispatch, or only in part during it, is complete and settled");

promise_test(async () => {
  // HTML #dom-window-event: the current event while a listener runs, in
  // the main context (a Window) only; restored after a nested dispatch.
  const isWindow = typeof WorkerGlobalScope === "undefined";
  const { port1, port2 } = new MessageChannel();
  const inner = new Event("inner");
  const target = new EventTarget();
  const seen = {};
  target.addEventListener("inner", () => { seen.inInner = globalThis.event; });
  const delivered = await new Promise((resolve) => {
    port2.onmessage = (e) => {
      seen.before = globalThis.event;
      target.dispatchEvent(inner);
      seen.after = globalThis.event;
      resolve(e);
    };
    port1.postMessage(1);
  });
  if (isWindow) {
    assert_equals(seen.before, delivered, "the message event while its listener runs");
    assert_equals(seen.inInner, inner, "the inner event during the nested dispatch");
    assert_equals(seen.after, delivered, "restored after the nested dispatch");
    assert_equals(globalThis.event, undefined, "undefined after dispatch");
    const d = Object.getOwnPropertyDescriptor(globalThis, "event");
    assert_equals(typeof d.get, "function", "window.event is still an accessor");
  } else {
    assert_false("event" in globalThis, "no window.event in a worker");
  }
  port1.close();
}, "window.event during a natively delivered message and a nested dispatch");

promise_test(async () => {
  // HTML #clean-up-after-running-script: a listener the runtime called
  // from a task has no script below it, so the reactions it queues run as
  // it returns, before the next listener and while the event is still at
  // its target; the same on the native path (one listener) and the
  // general one (two).
  for (const listeners of [1, 2]) {
    const { port1, port2 } = new MessageChannel();
    const order = [];
    const done = new Promise((resolve) => {
      port2.addEventListener("message", (e) => {
        order.push("first");
        Promise.resolve().then(() => order.push(`microtask at ${e.eventPhase} ${e.currentTarget === port2}`));
        if (listeners === 1) setTimeout(resolve, 0);
      });
      if (listeners === 2) port2.addEventListener("message", () => { order.push("second"); setTimeout(resolve, 0); });
    });
    port2.start();
    port1.postMessage("x");
    await done;
    const expected = ["first", `microtask at ${Event.AT_TARGET} true`];
    if (listeners === 2) expected.push("second");
    assert_array_equals(order, expected, `${listeners} listener(s)`);
    port1.close();
  }
  // A dispatch a script starts has script below it: no checkpoint inside.
  const t = new EventTarget();
  const order = [];
  t.addEventListener("x", () => { order.push("first"); Promise.resolve().then(() => order.push("microtask")); });
  t.addEventListener("x", () => order.push("second"));
  t.dispatchEvent(new Event("x"));
  await null;
  assert_array_equals(order, ["first", "second", "microtask"]);
}, "promise reactions a listener queues run before the next listener when the runtime dispatched the event");
