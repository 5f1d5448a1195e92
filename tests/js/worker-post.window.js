// Worker.prototype.postMessage and the worker global's postMessage are
// native functions, as MessagePort's is; each keeps its interface's Web
// IDL behaviour: the brand check first, then the argument count, and a
// transfer argument converted as a sequence or a StructuredSerializeOptions
// (HTML #dom-worker-postmessage, #dom-dedicatedworkerglobalscope-postmessage).

function echo(t) {
  const w = new Worker("resources/echo-worker.js");
  t.add_cleanup(() => w.terminate());
  return w;
}
const reply = (w) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); });

test(() => {
  const f = Worker.prototype.postMessage;
  assert_equals(f.name, "postMessage");
  assert_equals(f.length, 1);
  const d = Object.getOwnPropertyDescriptor(Worker.prototype, "postMessage");
  assert_true(d.writable && d.configurable && d.enumerable, "a Web IDL operation: writable, enumerable, configurable");
}, "Worker.prototype.postMessage's shape");

test((t) => {
  const w = echo(t);
  const { port1 } = new MessageChannel();
  t.add_cleanup(() => port1.close());
  assert_throws_js(TypeError, () => Worker.prototype.postMessage.call({}, 1), "a plain object");
  assert_throws_js(TypeError, () => Worker.prototype.postMessage.call(port1, 1), "a MessagePort is not a Worker");
  assert_throws_js(TypeError, () => Worker.prototype.postMessage.call(undefined, 1), "undefined");
  assert_throws_js(TypeError, () => MessagePort.prototype.postMessage.call(w, 1), "a Worker is not a MessagePort");
  assert_throws_js(TypeError, () => Worker.prototype.postMessage.call(Object.create(Worker.prototype), 1), "an object of Worker.prototype is not a Worker");
  assert_throws_js(TypeError, () => w.postMessage(), "no argument");
  // The brand is checked before the arguments.
  assert_throws_js(TypeError, () => Worker.prototype.postMessage.call({}));
}, "Worker.prototype.postMessage checks its this and its arguments");

promise_test(async (t) => {
  const w = echo(t);
  let r = reply(w); w.postMessage({ a: [1, 2] }); assert_object_equals((await r).echo, { a: [1, 2] }, "no transfer");
  r = reply(w); w.postMessage("x", []); assert_equals((await r).echo, "x", "an empty list");
  r = reply(w); w.postMessage("y", { transfer: [] }); assert_equals((await r).echo, "y", "empty options");
  r = reply(w); w.postMessage("z", undefined); assert_equals((await r).echo, "z", "undefined");
  const { port1, port2 } = new MessageChannel();
  t.add_cleanup(() => port1.close());
  r = reply(w); w.postMessage("with a port", [port2]);
  assert_object_equals(await r, { echo: "with a port", ports: 1 }, "a list with a port");
  const answer = new Promise((resolve) => { port1.onmessage = (e) => resolve(e.data); });
  port1.postMessage("through it");
  assert_object_equals(await answer, { echo: "through it" });
  const buf = new ArrayBuffer(8);
  r = reply(w); w.postMessage(buf, { transfer: [buf] });
  const back = await r;
  assert_equals(buf.byteLength, 0, "the buffer was transferred");
  assert_equals(back.byteLength, 8, "and sent back");
  assert_throws_dom("DataCloneError", () => w.postMessage(() => {}));
  assert_throws_js(TypeError, () => w.postMessage(1, 5), "a transfer that is neither a sequence nor a dictionary");
}, "Worker.prototype.postMessage with and without a transfer list");

promise_test(async (t) => {
  class Sub extends Worker {
    constructor(url) { super(url); this.extra = 1; }
    hello() { return "hi"; }
  }
  const w = new Sub("resources/echo-worker.js");
  t.add_cleanup(() => w.terminate());
  assert_true(w instanceof Sub && w instanceof Worker && w instanceof EventTarget);
  assert_equals(Object.getPrototypeOf(w), Sub.prototype);
  assert_equals(w.extra, 1);
  assert_equals(w.hello(), "hi");
  assert_equals(Object.prototype.toString.call(w), "[object Worker]");
  const r = new Promise((resolve) => w.addEventListener("message", (e) => resolve(e.data)));
  w.postMessage("from a subclass");
  assert_equals((await r).echo, "from a subclass");
}, "a subclass of Worker makes Workers of its own prototype that post and receive");

test((t) => {
  const w = echo(t);
  assert_throws_dom("DataCloneError", () => structuredClone(w));
  const { port1 } = new MessageChannel();
  t.add_cleanup(() => port1.close());
  assert_throws_dom("DataCloneError", () => port1.postMessage({ w }));
}, "a Worker is a platform object that cannot be cloned");

test(() => {
  const o = Reflect.construct(Worker, ["resources/echo-worker.js"], Object);
  try {
    assert_equals(Object.getPrototypeOf(o), Object.prototype, "new.target's prototype");
    assert_throws_js(TypeError, () => Worker.prototype.terminate.call({}));
    // Still a Worker: it has the brand.
    Worker.prototype.terminate.call(o);
  } finally {
    Worker.prototype.terminate.call(o);
  }
}, "Reflect.construct with another new.target gives a Worker of that prototype");

test(() => {
  // Web IDL: the script URL is converted before the options are read, and
  // each option converted as it is read.
  const log = [];
  const url = { toString() { log.push("url→string"); return "resources/echo-worker.js"; } };
  const options = new Proxy({ name: { toString() { log.push("name→string"); return "n"; } } }, {
    get(t, k) { if (typeof k === "string") log.push(k); return t[k]; },
  });
  const w = new Worker(url, options);
  w.terminate();
  assert_array_equals(log, ["url→string", "credentials", "name", "name→string", "type"]);
  assert_throws_js(TypeError, () => new Worker("resources/echo-worker.js", { name: Symbol("s") }));
}, "new Worker converts its arguments in order");
