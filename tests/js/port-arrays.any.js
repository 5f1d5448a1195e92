// META: script=resources/round-trip.js
// Arrays through a MessagePort (HTML #structuredserializeinternal, Array
// exotic objects: "length" and every own enumerable property; and
// #structureddeserialize: ArrayCreate, then the properties). Dense arrays
// take msgport's direct writer and reader; any other array the general
// path. Both must give the same results.


promise_test(async () => {
  const got = await roundTrip([1, "two", 3.5, -0, null, undefined, true, { x: [] }, [[1]]]);
  assert_true(Array.isArray(got));
  assert_equals(Object.getPrototypeOf(got), Array.prototype);
  assert_equals(got.length, 9);
  assert_equals(got[0], 1);
  assert_equals(got[1], "two");
  assert_equals(got[2], 3.5);
  assert_true(Object.is(got[3], -0), "-0 stays -0");
  assert_equals(got[4], null);
  assert_equals(got[5], undefined);
  assert_true(5 in got, "an undefined element is not a hole");
  assert_equals(got[6], true);
  assert_true(Array.isArray(got[7].x));
  assert_equals(got[8][0][0], 1);
  const d = Object.getOwnPropertyDescriptor(got, 0);
  assert_true(d.writable && d.enumerable && d.configurable, "elements are plain data properties");
  const l = Object.getOwnPropertyDescriptor(got, "length");
  assert_true(l.writable && !l.enumerable && !l.configurable, "length as an array's");
}, "a dense array of every kind of element");

promise_test(async () => {
  const nums = await roundTrip([1, 2.5, -3, 1e300, NaN, Infinity]);
  assert_array_equals(nums, [1, 2.5, -3, 1e300, NaN, Infinity]);
  const empty = await roundTrip([]);
  assert_true(Array.isArray(empty));
  assert_equals(empty.length, 0);
  const big = [];
  for (let i = 0; i < 1000; i++) big.push(i % 3 ? i : "s" + i);
  assert_array_equals(await roundTrip(big), big);
}, "numbers (all doubles or mixed), an empty array and a long one");

promise_test(async () => {
  const shared = [1];
  const got = await roundTrip({ a: shared, b: shared, c: [shared] });
  assert_equals(got.a, got.b, "one array sent twice arrives once");
  assert_equals(got.c[0], got.a);
  const cyclic = [];
  cyclic.push(cyclic, { back: cyclic });
  const back = await roundTrip(cyclic);
  assert_equals(back[0], back, "an array that holds itself");
  assert_equals(back[1].back, back);
}, "sharing and cycles through arrays");

promise_test(async () => {
  const holes = await roundTrip([1, , 3]);
  assert_equals(holes.length, 3);
  assert_false(1 in holes, "a hole stays a hole");
  assert_equals(holes[2], 3);
  const trailing = [1, 2];
  trailing.length = 5;
  const t = await roundTrip(trailing);
  assert_equals(t.length, 5, "the length, holes at the end included");
  const extra = Object.assign([1, 2], { name: "extra" });
  const e = await roundTrip(extra);
  assert_equals(e.name, "extra", "a non-index property");
  assert_array_equals(e, [1, 2]);
  let calls = 0;
  const getter = Object.defineProperty([1, 2], 1, { get() { calls++; return "got"; }, enumerable: true });
  const g = await roundTrip(getter);
  assert_equals(calls, 1, "the getter ran once");
  assert_equals(g[1], "got");
  assert_equals(Object.getOwnPropertyDescriptor(g, 1).value, "got", "a data property on the copy");
  const hidden = Object.defineProperty([1, 2], 0, { enumerable: false });
  const h = await roundTrip(hidden);
  assert_false(0 in h, "a non-enumerable element is not sent");
  assert_equals(h.length, 2);
  class Sub extends Array {}
  const sub = Sub.from([1, 2]);
  const s = await roundTrip(sub);
  assert_equals(Object.getPrototypeOf(s), Array.prototype, "a subclass instance arrives as an Array");
  assert_array_equals(s, [1, 2]);
}, "holes, extra properties, getters, hidden elements and subclasses (the general path)");

promise_test(async () => {
  const got = await new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    const seen = [];
    port2.onmessage = (e) => { seen.push(e.data); if (seen.length === 4) { port1.close(); resolve(seen); } };
    port1.postMessage([1, 2]);
    port1.postMessage([1, , 2]);
    port1.postMessage([[1], { a: [2] }]);
    port1.postMessage("end");
  });
  assert_array_equals(got[0], [1, 2]);
  assert_false(1 in got[1]);
  assert_equals(got[2][1].a[0], 2);
  assert_equals(got[3], "end");
}, "direct and general messages interleaved arrive in order");

promise_test(async () => {
  const small = [0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n)];
  const large = [2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 200n + 7n, -(2n ** 100n)];
  const got = await roundTrip({ small, large, alone: 5n });
  assert_array_equals(got.small, small);
  assert_array_equals(got.large, large);
  assert_equals(got.alone, 5n);
  assert_equals(typeof got.alone, "bigint");
}, "BigInts of every size (small ones take the direct wire)");
