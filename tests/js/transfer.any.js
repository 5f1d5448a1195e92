// HTML #transferable-objects and the MessagePort transfer steps: transferring ports and buffers.
async_test((t) => {
  const a = new MessageChannel(), b = new MessageChannel();
  a.port2.onmessage = t.step_func_done((e) => {
    assert_equals(e.ports.length, 2);
    assert_not_equals(e.ports[0], b.port1, "a new object");
    assert_true(e.ports[0] instanceof MessagePort);
    assert_true(e.ports[1] instanceof MessagePort);
    assert_equals(e.data.p, e.ports[1], "data refers to ports[1]");
  });
  const c = new MessageChannel();
  const buf = new ArrayBuffer(4);
  a.port1.postMessage({ p: c.port1 }, [b.port1, buf, c.port1]);
}, "22–24: event.ports holds new MessagePorts in transfer order, no buffers; data refers to them");

async_test((t) => {
  const a = new MessageChannel(), b = new MessageChannel();
  a.port2.onmessage = t.step_func((e) => {
    const moved = e.ports[0];
    moved.onmessage = t.step_func((e2) => {
      assert_equals(e2.data, "to moved");
      b.port2.onmessage = t.step_func_done((e3) => assert_equals(e3.data, "from moved"));
      moved.postMessage("from moved");
    });
    b.port2.postMessage("to moved");
  });
  a.port1.postMessage(null, [b.port1]);
}, "25: a transferred port talks to its original peer, both ways");

async_test((t) => {
  const a = new MessageChannel(), b = new MessageChannel();
  b.port2.onmessage = t.unreached_func("the shipped handle reaches nobody");
  a.port1.postMessage(null, [b.port1]);
  b.port1.postMessage("lost");
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(null, [b.port1]), "27: re-transfer");
  t.step_timeout(() => t.done(), 50);
}, "26–27: the sender's port is unusable after transfer; re-transferring it throws");

async_test((t) => {
  const a = new MessageChannel(), b = new MessageChannel();
  b.port1.start();
  b.port2.postMessage(1);
  b.port2.postMessage(2);
  a.port2.onmessage = t.step_func((e) => {
    const moved = e.ports[0];
    const got = [];
    moved.addEventListener("message", (ev) => got.push(ev.data));
    t.step_timeout(() => {
      assert_array_equals(got, [], "29: the received queue starts disabled");
      moved.start();
      t.step_timeout(() => { assert_array_equals(got, [1, 2, 3]); t.done(); }, 20);
    }, 20);
    b.port2.postMessage(3);
  });
  a.port1.postMessage(null, [b.port1]);
}, "28–29: queued messages follow the port, in order, once it is started");

test(() => {
  const a = new MessageChannel(), b = new MessageChannel();
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(b.port1));
  assert_throws_dom("DataCloneError", () => a.port1.postMessage({ p: b.port1 }));
}, "30: a port in the message but not in transfer throws DataCloneError");

test(() => {
  const a = new MessageChannel();
  const buf = new ArrayBuffer(8);
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(buf, [buf, a.port1]));
  assert_equals(buf.byteLength, 8, "nothing detached");
}, "31: the source port in transfer throws, nothing detached");

async_test((t) => {
  const a = new MessageChannel();
  const buf = new ArrayBuffer(8);
  a.port2.onmessage = t.unreached_func("nothing is delivered");
  a.port1.postMessage(buf, [buf, a.port2]);
  assert_equals(buf.byteLength, 0, "the buffer was detached");
  t.step_timeout(() => t.done(), 50);
}, "32: the target port in transfer: no throw, no delivery, buffers detached");

test(() => {
  const a = new MessageChannel();
  const buf = new ArrayBuffer(8);
  let getter = false;
  const msg = { get x() { getter = true; return 1; } };
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(msg, [buf, buf]));
  assert_false(getter, "no getter ran");
}, "33: duplicates in transfer throw before any getter runs");

test(() => {
  const a = new MessageChannel();
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(1, [{}]));
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(1, [new Blob(["x"])]));
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(1, [new Uint8Array(2)]));
}, "34: non-transferable objects in transfer throw DataCloneError");

test(() => {
  const a = new MessageChannel();
  assert_throws_js(TypeError, () => a.port1.postMessage(1, [1]));
  assert_throws_js(TypeError, () => a.port1.postMessage(1, "x"));
  assert_throws_js(TypeError, () => a.port1.postMessage(1, { transfer: 5 }));
}, "35, 37: primitives in or as transfer throw TypeError");

async_test((t) => {
  const a = new MessageChannel();
  const b1 = new ArrayBuffer(1), b2 = new ArrayBuffer(2);
  const got = [];
  a.port2.onmessage = t.step_func((e) => {
    got.push(e.data.byteLength);
    if (got.length === 4) { assert_array_equals(got, [1, 2, 0, 0]); t.done(); }
  });
  a.port1.postMessage(b1, { transfer: [b1] });
  a.port1.postMessage(b2, [b2]);
  a.port1.postMessage(new ArrayBuffer(0), undefined);
  a.port1.postMessage(new ArrayBuffer(0), null);
  assert_equals(b1.byteLength, 0);
  assert_equals(b2.byteLength, 0);
}, "36–37: both overloads transfer; undefined and null are empty lists");

async_test((t) => {
  const a = new MessageChannel();
  const buf = new Uint8Array([1, 2, 3, 4]).buffer;
  a.port2.onmessage = t.step_func_done((e) => {
    assert_array_equals(new Uint8Array(e.data), [1, 2, 3, 4]);
  });
  a.port1.postMessage(buf, [buf]);
  assert_equals(buf.byteLength, 0);
  assert_true(buf.detached);
}, "38: a transferred buffer is detached on the sender and whole at the receiver");

test(() => {
  const buf = new ArrayBuffer(4, { maxByteLength: 16 });
  const c = structuredClone(buf, { transfer: [buf] });
  assert_true(c.resizable);
  assert_equals(c.maxByteLength, 16);
  assert_equals(c.byteLength, 4);
}, "39: a transferred resizable buffer keeps resizable and maxByteLength");

async_test((t) => {
  const ch = new MessageChannel();
  const moved = structuredClone(ch.port1, { transfer: [ch.port1] });
  assert_not_equals(moved, ch.port1);
  ch.port2.onmessage = t.step_func_done((e) => assert_equals(e.data, "via clone"));
  moved.postMessage("via clone");
}, "40: structuredClone(port, {transfer: [port]}) gives a working port");

// Large buffers leave the engine without a copy (msgport moves the engine's
// memory); what a script can observe is that every byte arrives, every time.
function patterned(size, seed) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 4093) bytes[i] = (i * 31 + seed) & 255;
  bytes[size - 1] = seed;
  return bytes;
}
function assert_patterned(bytes, size, seed, what) {
  assert_equals(bytes.length, size, what + ": length");
  for (let i = 0; i < size; i += 4093) {
    if (bytes[i] !== ((i * 31 + seed) & 255)) assert_unreached(`${what}: byte ${i} is ${bytes[i]}`);
  }
  assert_equals(bytes[size - 1], seed, what + ": last byte");
}

async_test((t) => {
  const SIZE = 3 << 20;
  const a = new MessageChannel(), b = new MessageChannel();
  const bytes = patterned(SIZE, 7);
  a.port2.onmessage = t.step_func((e) => {
    const got = new Uint8Array(e.data.buf);
    assert_patterned(got, SIZE, 7, "first hop");
    assert_array_equals(e.data.view, got.subarray(100, 104), "a view over the moved buffer");
    got[0] = 99;
    b.port2.onmessage = t.step_func_done((e2) => {
      const again = new Uint8Array(e2.data);
      assert_equals(again[0], 99, "the receiver's write travelled on");
      again[0] = (0 * 31 + 7) & 255;
      assert_patterned(again, SIZE, 7, "second hop");
    });
    b.port1.postMessage(e.data.buf, [e.data.buf]);
    assert_equals(e.data.buf.byteLength, 0, "detached at the first receiver");
    assert_equals(got.length, 0, "its views see the detachment");
  });
  a.port1.postMessage({ buf: bytes.buffer, view: bytes.subarray(100, 104) }, [bytes.buffer]);
  assert_equals(bytes.length, 0, "detached at the sender");
}, "a large ArrayBuffer arrives whole, and again when the receiver sends it on");

test(() => {
  const SIZE = 1 << 20;
  const src = patterned(SIZE, 3);
  const moved = structuredClone(src.buffer, { transfer: [src.buffer] });
  assert_equals(src.byteLength, 0);
  assert_patterned(new Uint8Array(moved), SIZE, 3, "structuredClone");
  const grown = moved.transfer(SIZE * 2);
  assert_equals(moved.byteLength, 0);
  const g = new Uint8Array(grown);
  assert_equals(g.length, SIZE * 2);
  assert_patterned(g.subarray(0, SIZE), SIZE, 3, "after transfer(2×)");
  assert_equals(g[SIZE * 2 - 1], 0, "the new tail is zeroed");
  const shrunk = grown.transfer(10);
  assert_equals(g.length, 0, "the view of the transferred-away buffer");
  assert_array_equals(new Uint8Array(shrunk), patterned(SIZE, 3).subarray(0, 10));
  const again = structuredClone(shrunk, { transfer: [shrunk] });
  assert_array_equals(new Uint8Array(again), patterned(SIZE, 3).subarray(0, 10));
}, "a large buffer moved by structuredClone keeps its bytes through ArrayBuffer.prototype.transfer");

test(() => {
  const SIZE = 1 << 20;
  const src = patterned(SIZE, 5);
  const copy = structuredClone(src.buffer);
  assert_equals(src.byteLength, SIZE, "not transferred: not detached");
  new Uint8Array(copy)[0] = 1;
  assert_equals(src[0], 5 & 255, "a clone is a copy");
  assert_patterned(src, SIZE, 5, "the original");
}, "a large buffer cloned without transfer is copied");

test(() => {
  const a = new MessageChannel();
  const bytes = patterned(1 << 20, 9);
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(bytes.buffer, [bytes.buffer, a.port1]));
  assert_patterned(bytes, 1 << 20, 9, "a failed post detaches nothing");
}, "a post that throws leaves a large transferred buffer attached");

async_test((t) => {
  const SIZE = 200000;
  const rab = new ArrayBuffer(SIZE, { maxByteLength: 2 * SIZE });
  new Uint8Array(rab)[SIZE - 1] = 7;
  const moved = structuredClone(rab, { transfer: [rab] });
  assert_equals(rab.byteLength, 0, "detached");
  assert_true(moved.resizable);
  assert_equals(moved.maxByteLength, 2 * SIZE);
  assert_equals(new Uint8Array(moved)[SIZE - 1], 7);
  moved.resize(2 * SIZE);
  const grown = new Uint8Array(moved);
  assert_equals(grown[SIZE - 1], 7, "kept while growing");
  assert_equals(grown[2 * SIZE - 1], 0, "grown bytes are zero");
  assert_throws_js(RangeError, () => moved.resize(2 * SIZE + 1));
  moved.resize(SIZE);
  const zero = structuredClone(new ArrayBuffer(0, { maxByteLength: 0 }));
  assert_true(zero.resizable, "a resizable buffer of maximum 0 stays resizable");
  assert_equals(zero.maxByteLength, 0);
  const ch = new MessageChannel();
  ch.port2.onmessage = t.step_func_done((e) => {
    assert_true(e.data.resizable);
    assert_equals(e.data.byteLength, SIZE);
    assert_equals(new Uint8Array(e.data)[SIZE - 1], 7);
    e.data.resize(SIZE + 10);
    assert_equals(e.data.byteLength, SIZE + 10);
  });
  ch.port1.postMessage(moved, [moved]);
}, "a transferred resizable buffer arrives resizable, with its bytes, and resizes within its maximum");

async_test((t) => {
  // WebIDL converts the transfer list through its iterator: a script that
  // replaced Array.prototype[Symbol.iterator] is obeyed, even for `[]`
  // (which otherwise takes a shortcut that skips the conversion).
  const { port1, port2 } = new MessageChannel();
  const { port1: extra, port2: extraPeer } = new MessageChannel();
  const original = Array.prototype[Symbol.iterator];
  Array.prototype[Symbol.iterator] = function* () { yield extra; };
  try {
    port1.postMessage("x", []);
  } finally {
    Array.prototype[Symbol.iterator] = original;
  }
  port2.onmessage = t.step_func_done((e) => {
    assert_equals(e.ports.length, 1, "the iterator's port was transferred");
    port2.close();
    extraPeer.close();
  });
}, "an empty transfer list is converted through a replaced array iterator");

test(() => {
  // The native shortcut for `[]` must see every way a script can make the
  // conversion run its own code: each of these is obeyed.
  const ran = [];
  const post = (t) => { const { port1, port2 } = new MessageChannel(); port1.postMessage("x", t); port1.close(); port2.close(); };
  const own = [];
  own[Symbol.iterator] = function* () { ran.push("own"); };
  post(own);
  const sub = Object.setPrototypeOf([], Object.create(Array.prototype, { [Symbol.iterator]: { value: function* () { ran.push("proto"); } } }));
  post(sub);
  post(new Proxy([], { get(t, k, r) { if (k === Symbol.iterator) ran.push("proxy"); return Reflect.get(t, k, r); } }));
  const iterProto = Object.getPrototypeOf([][Symbol.iterator]());
  const next = iterProto.next;
  iterProto.next = function () { ran.push("next"); return next.call(this); };
  try { post([]); } finally { iterProto.next = next; }
  const desc = Object.getOwnPropertyDescriptor(Array.prototype, Symbol.iterator);
  Object.defineProperty(Array.prototype, Symbol.iterator, { get() { ran.push("getter"); return desc.value; }, configurable: true });
  try { post([]); } finally { Object.defineProperty(Array.prototype, Symbol.iterator, desc); }
  post([]);
  assert_array_equals(ran, ["own", "proto", "proxy", "next", "getter"]);
}, "an empty transfer list whose conversion runs script code is converted, not skipped");
