// Arrays through the three copiers: structuredClone's direct copier (no
// transfer list), the general path (structuredClone with a transfer list)
// and a MessagePort's wire. Dense arrays take the copiers' fast paths
// (elements set in place, numbers written and read in a tight loop);
// every other shape must come out the same (HTML #structuredserializeinternal:
// own enumerable string keys, indices first; a hole stays a hole).

function general(v) {
  const spare = new ArrayBuffer(1);
  return structuredClone([v, spare], { transfer: [spare] })[0];
}
function viaPort(v) {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port2.onmessage = (e) => { port1.close(); port2.close(); resolve(e.data); };
    port1.postMessage(v);
  });
}
// A description of an array copy: length, own keys in order, each own
// property's attributes and value (nested arrays by their path, shared
// ones by their first path).
function shape(a, seen = new Map(), path = "$") {
  if (typeof a !== "object" || a === null) return Object.is(a, -0) ? "-0" : typeof a === "bigint" ? `${a}n` : JSON.stringify(a) ?? String(a);
  if (seen.has(a)) return `@${seen.get(a)}`;
  seen.set(a, path);
  const proto = Object.getPrototypeOf(a) === Array.prototype ? "Array" : Object.getPrototypeOf(a) === Object.prototype ? "Object" : "other";
  const parts = Reflect.ownKeys(a).map((k) => {
    const d = Object.getOwnPropertyDescriptor(a, k);
    const flags = `${d.writable ? "w" : ""}${d.enumerable ? "e" : ""}${d.configurable ? "c" : ""}${d.get || d.set ? "a" : ""}`;
    return `${String(k)}:${flags}=${k === "length" ? d.value : shape(d.value, seen, `${path}.${String(k)}`)}`;
  });
  return `${proto}{${parts.join(",")}}`;
}

const cases = {
  "empty": () => [],
  "numbers": () => [1, -0, 2.5, NaN, Infinity, 2 ** 31, -(2 ** 31), 2 ** 53],
  "small ints": () => Array.from({ length: 1000 }, (_, i) => i - 500),
  "doubles": () => Array.from({ length: 1000 }, (_, i) => i / 3),
  "ints and doubles": () => [1, 2, 3.5, 4, 5.25],
  "mixed": () => [1, "two", true, null, undefined, 3n, { x: 1 }, [2, [3]]],
  "holes": () => [1, , 3, , , 6],
  "leading hole": () => { const a = [, 1]; return a; },
  "trailing holes": () => { const a = [1, 2]; a.length = 5; return a; },
  "only length": () => new Array(7),
  "named properties": () => { const a = [1, 2, 3]; a.name = "x"; a.other = { y: 1 }; return a; },
  "named, no elements": () => { const a = []; a.k = 1; return a; },
  "holes and a name": () => { const a = [, 1]; a.x = 2; return a; },
  "non-enumerable element": () => { const a = [1, 2, 3]; Object.defineProperty(a, 1, { value: 9, enumerable: false, writable: true, configurable: true }); return a; },
  "read-only element": () => { const a = [1, 2, 3]; Object.defineProperty(a, 0, { value: 7, writable: false }); return a; },
  "frozen": () => Object.freeze([1, { z: 2 }]),
  "self reference": () => { const a = [1]; a.push(a); return a; },
  "shared inner": () => { const inner = [1, 2]; return [inner, inner, { inner }]; },
  "nested dense": () => Array.from({ length: 50 }, (_, i) => Array.from({ length: 20 }, (_, j) => i * j + 0.5)),
  "sparse and large": () => { const a = []; a[100000] = 1; return a; },
  "array of strings": () => Array.from({ length: 300 }, (_, i) => "s" + i + "é".repeat(i % 3)),
};

for (const [name, make] of Object.entries(cases)) {
  promise_test(async () => {
    const v = make();
    const want = shape(general(v));
    assert_equals(shape(structuredClone(v)), want, "structuredClone's direct copier and the general path");
    assert_equals(shape(await viaPort(v)), want, "a port and the general path");
  }, `an array, ${name}: the same copy by every path`);
}

test(() => {
  // An element that is an accessor: the getter runs once, on the general
  // path, and its value is copied.
  let calls = 0;
  const a = [1, 2, 3];
  Object.defineProperty(a, 1, { get() { calls++; return "got"; }, enumerable: true, configurable: true });
  const c = structuredClone(a);
  assert_equals(calls, 1, "the getter ran once");
  assert_array_equals(c, [1, "got", 3]);
  assert_true(Object.getOwnPropertyDescriptor(c, 1).writable, "the copy's element is a data property");
}, "an accessor element runs once and is copied as data");

test(() => {
  // An index setter on Array.prototype must not run for the copy's
  // elements: they are defined, not assigned.
  let ran = 0;
  for (const i of [0, 1, 2, 5]) Object.defineProperty(Array.prototype, i, { set() { ran++; }, get() { return "inherited"; }, configurable: true });
  try {
    const c = structuredClone([10, 20, 30]);
    const s = structuredClone(Object.assign([10, , 30], { x: 1 }));
    assert_equals(ran, 0, "no setter ran");
    assert_array_equals(Object.keys(c), ["0", "1", "2"]);
    assert_equals(c[1], 20);
    assert_false(Object.hasOwn(s, 1), "a hole stays a hole (and reads the inherited getter)");
  } finally {
    for (const i of [0, 1, 2, 5]) delete Array.prototype[i];
  }
}, "Array.prototype index accessors change nothing of a copy");

test(() => {
  const a = Array.from({ length: 100000 }, (_, i) => i * 0.5);
  const c = structuredClone(a);
  assert_equals(c.length, a.length);
  for (let i = 0; i < a.length; i += 997) assert_equals(c[i], a[i]);
  c.push(1);
  assert_equals(c.length, 100001, "the copy is an ordinary growable array");
  assert_equals(a.length, 100000, "the original is untouched");
}, "a long dense array copies whole and grows as any array");
