// Large ArrayBuffers cloned (not transferred) through a port (issue 14,
// item 3): their bytes travel beside the message and the receiver adopts
// them, so the copy is made once. What a script sees is a clone's: the
// sender keeps its buffer, the two are independent, views and sharing
// within the message survive, small and large buffers mix.

const SIZE = 1 << 20;
function filled(n, seed) {
  const b = new ArrayBuffer(n);
  const u = new Uint8Array(b);
  for (let i = 0; i < n; i += 4093) u[i] = (i * seed) & 255;
  u[n - 1] = seed;
  return b;
}
function sameBytes(a, b) {
  const x = new Uint8Array(a), y = new Uint8Array(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i += 4093) if (x[i] !== y[i]) return false;
  return x[x.length - 1] === y[y.length - 1];
}
function roundTrip(message) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port2.onmessage = (e) => { port1.close(); port2.close(); resolve(e.data); };
    port1.postMessage(message);
  });
}

promise_test(async () => {
  const b = filled(SIZE, 7);
  const got = await roundTrip(b);
  assert_true(got instanceof ArrayBuffer);
  assert_equals(b.byteLength, SIZE, "the sender's buffer is not detached");
  assert_true(sameBytes(b, got), "the bytes arrive");
  new Uint8Array(got)[0] = 99;
  assert_not_equals(new Uint8Array(b)[0], 99, "the clone is independent");
  assert_false(got.resizable);
}, "a 1 MiB ArrayBuffer cloned through a port");

promise_test(async () => {
  const b = filled(SIZE, 3);
  const small = filled(64, 5);
  const v = new Uint16Array(b, 2, 100);
  const got = await roundTrip({ b, again: b, v, small, views: [new Uint8Array(b, SIZE - 8), new DataView(b, 4, 8)] });
  assert_equals(got.again, got.b, "the same buffer twice is one buffer");
  assert_equals(got.v.buffer, got.b, "a view over it views the clone");
  assert_equals(got.views[0].buffer, got.b);
  assert_equals(got.views[1].buffer, got.b);
  assert_equals(got.v.byteOffset, 2);
  assert_equals(got.v.length, 100);
  assert_equals(got.views[0][7], 3);
  assert_true(sameBytes(got.small, small), "small buffers travel inline beside it");
  got.views[0][0] = 42;
  assert_equals(new Uint8Array(got.b)[SIZE - 8], 42, "views share the clone's bytes");
}, "views and sharing over a large cloned buffer survive");

promise_test(async () => {
  const bufs = [filled(SIZE, 1), filled(SIZE + 1, 2), filled(70000, 3)];
  const got = await roundTrip(bufs);
  for (let i = 0; i < bufs.length; i++) assert_true(sameBytes(bufs[i], got[i]), `buffer ${i}`);
}, "several large buffers in one message");

promise_test(async () => {
  const r = new ArrayBuffer(SIZE, { maxByteLength: 2 * SIZE });
  new Uint8Array(r)[5] = 9;
  const got = await roundTrip(r);
  assert_true(got.resizable, "a resizable buffer stays resizable");
  assert_equals(got.maxByteLength, 2 * SIZE);
  assert_equals(new Uint8Array(got)[5], 9);
}, "a large resizable buffer is cloned as one");

if (typeof Worker === "function") {
  promise_test(async () => {
    const w = new Worker("resources/echo-worker.js");
    const b = filled(4 * SIZE, 11);
    const got = await new Promise((resolve) => { w.onmessage = (e) => resolve(e.data.echo); w.postMessage({ b, u: new Uint8Array(b, 8) }); });
    w.terminate();
    assert_equals(b.byteLength, 4 * SIZE);
    assert_true(sameBytes(b, got.b));
    assert_equals(got.u.buffer, got.b);
  }, "a 4 MiB buffer cloned to a worker and back");
}
