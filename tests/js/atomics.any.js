// Atomics.wait, waitAsync and notify (ECMA-262 #sec-atomics.wait,
// #sec-atomics.waitasync, #sec-atomics.notify) over msgport's waiter
// lists: results, argument checks in the standard's order, first-in
// first-out wake-ups, and timeouts. (Across threads:
// shared-memory.window.js.)

test(() => {
  const a = new Int32Array(new SharedArrayBuffer(16));
  assert_equals(Atomics.wait(a, 0, 1), "not-equal");
  assert_equals(Atomics.wait(a, 0, 0, 5), "timed-out");
  assert_equals(Atomics.wait(a, 0, 0, -Infinity), "timed-out");
  assert_equals(Atomics.notify(a, 0), 0);
  const b = new BigInt64Array(new SharedArrayBuffer(16));
  assert_equals(Atomics.wait(b, 1, 1n, 0), "not-equal");
  assert_equals(Atomics.wait(b, 1, 0n, 0), "timed-out");
  b[1] = -1n;
  assert_equals(Atomics.wait(b, 1, 2n ** 64n - 1n, 0), "timed-out", "ToBigInt64 wraps");
  for (const [name, length] of [["wait", 4], ["waitAsync", 4], ["notify", 3]]) {
    const d = Object.getOwnPropertyDescriptor(Atomics, name);
    assert_equals(typeof d.value, "function", name);
    assert_equals(d.value.name, name);
    assert_equals(d.value.length, length);
    assert_false(d.enumerable);
    assert_true(d.writable && d.configurable);
    assert_throws_js(TypeError, () => new d.value(), "not a constructor");
  }
}, "wait and notify: results, and the functions' shape");

test(() => {
  const a = new Int32Array(new SharedArrayBuffer(8));
  const log = [];
  const index = { valueOf() { log.push("index"); return 1; } };
  const value = { valueOf() { log.push("value"); return 5; } };
  const timeout = { valueOf() { log.push("timeout"); return 0; } };
  assert_equals(Atomics.wait(a, index, value, timeout), "not-equal");
  assert_array_equals(log, ["index", "value", "timeout"], "converted in order, each once");
  assert_throws_js(TypeError, () => Atomics.wait(new Int32Array(4), 0, 0, 0), "not shared");
  assert_throws_js(TypeError, () => Atomics.wait(new Uint8Array(new SharedArrayBuffer(4)), 0, 0, 0), "not waitable");
  assert_throws_js(TypeError, () => Atomics.wait({}, 0, 0, 0));
  assert_throws_js(RangeError, () => Atomics.wait(a, 2, 0, 0), "out of range");
  assert_throws_js(RangeError, () => Atomics.wait(a, -1, 0, 0));
  assert_throws_js(TypeError, () => Atomics.wait(a, 0, 1n, 0), "ToInt32 of a BigInt");
  assert_throws_js(TypeError, () => Atomics.wait(new BigInt64Array(new SharedArrayBuffer(8)), 0, 1, 0), "ToBigInt64 of a Number");
  assert_equals(Atomics.notify(new Int32Array(4), 0), 0, "notify over an ArrayBuffer wakes nobody");
  assert_throws_js(RangeError, () => Atomics.notify(a, 5));
  assert_throws_js(TypeError, () => Atomics.notify(new Float64Array(new SharedArrayBuffer(8)), 0));
  assert_throws_js(TypeError, () => Atomics.waitAsync(new Int32Array(4), 0, 0));
}, "arguments are checked and converted as the standard says");

promise_test(async () => {
  const a = new Int32Array(new SharedArrayBuffer(8));
  assert_object_equals(Atomics.waitAsync(a, 0, 1), { async: false, value: "not-equal" });
  assert_object_equals(Atomics.waitAsync(a, 0, 0, 0), { async: false, value: "timed-out" });
  const order = [];
  const waits = [0, 1, 2].map((i) => {
    const r = Atomics.waitAsync(a, 1, 0);
    assert_true(r.async);
    assert_true(r.value instanceof Promise);
    return r.value.then((v) => order.push(`${i}:${v}`));
  });
  const timed = Atomics.waitAsync(a, 1, 0, 10);
  assert_equals(Atomics.notify(a, 1, 2), 2, "the two longest waiting");
  await Promise.all(waits.slice(0, 2));
  assert_array_equals(order, ["0:ok", "1:ok"]);
  assert_equals(await timed.value, "timed-out");
  assert_equals(Atomics.notify(a, 1), 1, "the timed-out waiter left its list; one is left");
  await waits[2];
  assert_array_equals(order, ["0:ok", "1:ok", "2:ok"]);
}, "waitAsync: results, first-in first-out wake-ups, timeouts");

test(() => {
  // The native common call (a Number index) and the general path (an
  // index that converts through valueOf) give the same answers.
  const slow = (i) => ({ valueOf() { return i; } });
  const outcome = (f) => { try { return String(f()); } catch (e) { return e.constructor.name; } };
  const i32 = new Int32Array(new SharedArrayBuffer(16), 4);
  const i64 = new BigInt64Array(new SharedArrayBuffer(24), 8);
  i32[1] = 5;
  i64[1] = 5n;
  const views = [i32, i64, new Int32Array(4), new Float64Array(new SharedArrayBuffer(8)), new Uint8Array(new SharedArrayBuffer(4))];
  const indices = [0, 1, 1.5, -0, NaN, 2, 3, -1, 2 ** 53, Infinity];
  for (const ta of views) {
    const big = ta instanceof BigInt64Array;
    for (const i of indices) {
      for (const v of big ? [0n, 5n] : [0, 5, 5.7]) {
        for (const t of [0, -1, NaN]) {
          if (Number.isNaN(t) && ta[i | 0] === (big ? v : Math.trunc(v))) continue; // would block
          assert_equals(outcome(() => Atomics.wait(ta, i, v, t)), outcome(() => Atomics.wait(ta, slow(i), v, t)),
            `wait(${ta.constructor.name}, ${i}, ${v}, ${t})`);
        }
      }
      for (const c of [undefined, 0, 1, -3, 1.9, NaN, Infinity]) {
        assert_equals(outcome(() => Atomics.notify(ta, i, c)), outcome(() => Atomics.notify(ta, slow(i), c)),
          `notify(${ta.constructor.name}, ${i}, ${c})`);
      }
    }
  }
}, "the native common call and the general path agree");
