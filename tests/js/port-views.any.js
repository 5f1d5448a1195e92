// META: script=resources/round-trip.js
// ArrayBuffers and typed arrays through a MessagePort, not transferred
// (HTML #structuredserializeinternal: ArrayBuffer [[ArrayBufferData]]
// copied; ArrayBufferView: its buffer serialized, then the view's kind,
// offset and length). Views over plain buffers take msgport's direct writer
// and reader; any other (shared, resizable, length-tracking, detached,
// DataView) the general path. Both must give the same results.


promise_test(async () => {
  const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  for (const K of kinds) {
    const big = K.name.startsWith("Big");
    const source = new K(5);
    for (let i = 0; i < 5; i++) source[i] = big ? BigInt(i * 3) : i * 3;
    const got = await roundTrip(source);
    assert_equals(Object.getPrototypeOf(got), K.prototype, K.name);
    assert_not_equals(got.buffer, source.buffer, K.name + ": a copy");
    assert_array_equals(Array.from(got), Array.from(source), K.name);
    assert_equals(got.byteOffset, 0);
    assert_equals(got.buffer.byteLength, 5 * K.BYTES_PER_ELEMENT);
    source[0] = big ? 99n : 99;
    assert_not_equals(got[0], source[0], K.name + ": not shared with the sender");
  }
}, "every typed array kind arrives as a copy of its kind");

promise_test(async () => {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const a = new Uint8Array(buffer, 4, 4);
  const b = new Uint16Array(buffer, 8, 2);
  const got = await roundTrip({ a, b, buffer, again: a });
  assert_equals(got.a.buffer, got.buffer, "one buffer for all");
  assert_equals(got.b.buffer, got.buffer);
  assert_equals(got.again, got.a, "a view sent twice arrives once");
  assert_equals(got.a.byteOffset, 4);
  assert_array_equals(Array.from(got.a), [5, 6, 7, 8]);
  assert_equals(got.b.byteOffset, 8);
  assert_equals(got.b.length, 2);
  assert_equals(got.buffer.byteLength, 16);
  got.a[0] = 0xAA;
  assert_equals(new Uint8Array(got.buffer)[4], 0xAA, "views share the received buffer");
  const empty = await roundTrip(new ArrayBuffer(0));
  assert_true(empty instanceof ArrayBuffer);
  assert_equals(empty.byteLength, 0);
  const sub = await roundTrip(new (class extends Uint8Array {})(2));
  assert_equals(Object.getPrototypeOf(sub), Uint8Array.prototype, "a subclass arrives as its base kind");
}, "views sharing a buffer, a view sent twice, an empty buffer, a subclass");

promise_test(async () => {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint16(0, 0x1234);
  const gotDv = await roundTrip(dv);
  assert_true(gotDv instanceof DataView);
  assert_equals(gotDv.getUint16(0), 0x1234);
  const rab = new ArrayBuffer(4, { maxByteLength: 16 });
  const tracking = new Uint8Array(rab);
  const gotTracking = await roundTrip(tracking);
  assert_true(gotTracking.buffer.resizable, "a resizable buffer stays resizable");
  assert_equals(gotTracking.buffer.maxByteLength, 16);
  gotTracking.buffer.resize(8);
  assert_equals(gotTracking.length, 8, "a length-tracking view keeps tracking");
  const fixed = new Uint8Array(rab, 0, 2);
  const gotFixed = await roundTrip(fixed);
  gotFixed.buffer.resize(8);
  assert_equals(gotFixed.length, 2, "a fixed view over a resizable buffer stays fixed");
  const detached = new Uint8Array(4);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const { port1 } = new MessageChannel();
  assert_throws_dom("DataCloneError", () => port1.postMessage(detached), "a view over a detached buffer");
  assert_throws_dom("DataCloneError", () => port1.postMessage(detached.buffer), "a detached buffer");
  port1.close();
}, "DataView, resizable buffers, length-tracking views and detached buffers (the general path)");
