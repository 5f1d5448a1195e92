// Scripts that call back into the runtime from where it does not expect
// them, recurse without end, or rewrite built-in prototypes: each gets
// what the standards give (a message, a catchable RangeError) and leaves
// the runtime working. None of these may abort the process. (Rewritten
// built-in prototypes are tested in crates/js/tests/hostile.rs, away from
// the harness, which uses them itself.)
// One test makes a listener throw on purpose (its RangeError is reported).
setup({ allow_uncaught_exception: true });

function collect(port, n) {
  return new Promise((resolve) => {
    const got = [];
    port.onmessage = (e) => {
      got.push(e.data instanceof Map ? "map" : e.data);
      if (got.length === n) { port.close(); resolve(got); }
    };
  });
}

promise_test(async () => {
  const { port1: p, port2: q } = new MessageChannel();
  const done = collect(q, 2);
  p.postMessage({ get x() { p.postMessage(new Map()); return 1; } });
  const got = await done;
  // The getter's message is queued while the outer one is serialized,
  // so it comes first (HTML #message-port-post-message-steps).
  assert_equals(got[0], "map");
  assert_equals(got[1].x, 1);
}, "a getter that posts on the same port while postMessage serializes");

promise_test(async () => {
  const { port1: p, port2: q } = new MessageChannel();
  const done = collect(q, 1);
  const other = new MessageChannel();
  const target = new EventTarget();
  let ran = 0;
  p.postMessage({
    get x() {
      ran++;
      other.port1.close();
      const c = new MessageChannel();
      c.port1.onmessage = () => {};
      c.port1.addEventListener("message", () => {});
      const bc = new BroadcastChannel("hostile-getter");
      bc.postMessage(1);
      bc.close();
      target.addEventListener("x", () => {});
      target.dispatchEvent(new Event("x"));
      c.port1.close();
      return structuredClone({ y: 2 });
    },
  });
  const got = await done;
  assert_equals(ran, 1);
  assert_equals(got[0].x.y, 2);
}, "a getter that uses the host (close, new channels, listeners, broadcasts, dispatch) while postMessage serializes");

test(() => {
  const { port1: p } = new MessageChannel();
  const c = structuredClone({ get x() { p.close(); new MessageChannel(); p.postMessage(structuredClone([1])); return 1; } });
  assert_equals(c.x, 1);
}, "a getter that calls into the host while structuredClone serializes");

promise_test(async () => {
  const a = new BroadcastChannel("hostile-bc"), b = new BroadcastChannel("hostile-bc");
  const got = new Promise((resolve) => {
    const seen = [];
    b.onmessage = (e) => { seen.push(e.data); if (seen.length === 2) resolve(seen); };
  });
  a.postMessage({ get x() { a.postMessage("inner"); return "outer"; } });
  const seen = await got;
  assert_equals(seen[0], "inner");
  assert_equals(seen[1].x, "outer");
  a.close(); b.close();
}, "a getter that posts on the same BroadcastChannel while it serializes");

test(() => {
  const graph = { list: [{}, {}, {}], r: /a+b/gimsuy };
  let ran = 0;
  const saved = {};
  const names = ["flags", "global", "ignoreCase", "multiline", "dotAll", "unicode", "sticky", "hasIndices", "source"];
  for (const n of names) {
    saved[n] = Object.getOwnPropertyDescriptor(RegExp.prototype, n);
    Object.defineProperty(RegExp.prototype, n, { get() { ran++; graph.list.length = 0; return ""; }, configurable: true });
  }
  let c;
  try { c = structuredClone(graph); } finally {
    for (const n of names) Object.defineProperty(RegExp.prototype, n, saved[n]);
  }
  assert_equals(ran, 0, "no getter on RegExp.prototype ran");
  assert_equals(c.list.length, 3);
  assert_equals(c.r.source, "a+b");
  assert_equals(c.r.flags, "gimsuy");
}, "structuredClone reads a RegExp's [[OriginalFlags]], never RegExp.prototype's getters");

test(() => {
  let caught = null;
  try { (function f() { f(); })(); } catch (e) { caught = e; }
  assert_true(caught instanceof RangeError, "a catchable RangeError");
  // And there is room left to do something with it.
  assert_equals(structuredClone({ ok: [1, 2] }).ok.length, 2);
}, "unbounded recursion is a catchable RangeError");

test(() => {
  assert_throws_js(RangeError, () => JSON.parse("[".repeat(1e6)));
  let o = {};
  for (let i = 0; i < 1e6; i++) o = { o };
  assert_throws_js(RangeError, () => JSON.stringify(o));
  assert_throws_js(RangeError, () => eval("(".repeat(1e6)));
  const t = new EventTarget();
  let n = 0;
  t.addEventListener("x", () => { n++; if (n < 1e6) t.dispatchEvent(new Event("x")); });
  // A listener's exception is reported, not thrown: the dispatch returns.
  const onerror = self.onerror;
  self.onerror = () => true;
  try { t.dispatchEvent(new Event("x")); } finally { self.onerror = onerror; }
  assert_greater_than(n, 100);
}, "deep JSON, eval and recursive dispatchEvent end in RangeErrors, not a crash");

promise_test(async () => {
  const { port1, port2 } = new MessageChannel();
  const a = [];
  a.length = 2 ** 31;
  a[5] = "five";
  const got = new Promise((resolve) => { port2.onmessage = (e) => resolve(e.data); });
  port1.postMessage(a);
  const b = await got;
  assert_equals(b.length, 2 ** 31);
  assert_equals(b[5], "five");
  port2.close();
}, "an array of length 2^31 is delivered");

promise_test(async () => {
  const a = new MessageChannel(), b = new MessageChannel();
  Object.setPrototypeOf(b.port1, Object.prototype);
  const got = new Promise((resolve) => { b.port2.onmessage = (e) => resolve(e.data); });
  a.port2.onmessage = (e) => { MessagePort.prototype.postMessage.call(e.ports[0], "through the moved port"); };
  a.port1.postMessage("carrier", [b.port1]);
  assert_equals(await got, "through the moved port");
  a.port2.close(); b.port2.close();
}, "a port whose prototype was replaced is still a port: it transfers");

test(() => {
  const c = new MessageChannel();
  Object.setPrototypeOf(c.port1, Object.prototype);
  assert_throws_dom("DataCloneError", () => structuredClone(c.port1));
  const ev = new Event("x");
  Object.setPrototypeOf(ev, Object.prototype);
  assert_throws_dom("DataCloneError", () => structuredClone(ev));
  MessagePort.prototype.close.call(c.port1);
}, "a port or an event whose prototype was replaced is still not cloneable");

test(() => {
  const { port1 } = new MessageChannel();
  const d = new MessageChannel();
  let message = "";
  try {
    port1.postMessage({ get x() { d.port1.postMessage(0, [d.port2]); return 1; } }, [new ArrayBuffer(1), d.port2]);
  } catch (e) {
    assert_equals(e.name, "DataCloneError");
    message = e.message;
  }
  // Index 1 of the transfer list, as the Rust API reports it.
  assert_true(message.includes("entry 1"), message);
  port1.close(); d.port1.close();
}, "a port detached while the message serialized is reported at its index in the transfer list");

promise_test(async () => {
  // The runtime keeps its state of platform objects in private fields
  // (no WeakMap): nothing of it shows, and a frozen object still works.
  const { port1, port2 } = new MessageChannel();
  assert_array_equals(Reflect.ownKeys(port1), [], "no own keys on a port");
  Object.freeze(port2);
  const got = new Promise((resolve) => { port2.onmessage = (e) => resolve(e.data); });
  assert_equals(typeof port2.onmessage, "function", "a frozen port keeps its handler");
  port1.postMessage("to a frozen port");
  assert_equals(await got, "to a frozen port");
  const t = Object.preventExtensions(new EventTarget());
  let heard = 0;
  t.addEventListener("x", () => heard++);
  t.dispatchEvent(new Event("x"));
  assert_equals(heard, 1, "a non-extensible EventTarget keeps its listeners");
  port1.close();
  port2.close();
}, "frozen and non-extensible platform objects keep their state, and no state shows as a property");
