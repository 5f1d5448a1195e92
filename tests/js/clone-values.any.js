// HTML #safe-passing-of-structured-data: structured clone of values (through structuredClone
// and through a MessageChannel).
function roundTrip(v) { return structuredClone(v); }

test(() => {
  assert_true(Object.is(roundTrip(-0), -0));
  assert_true(Number.isNaN(roundTrip(NaN)));
  assert_equals(roundTrip(Infinity), Infinity);
  assert_equals(roundTrip(123456789012345678901234567890n), 123456789012345678901234567890n);
  assert_equals(roundTrip(-5n), -5n);
  assert_equals(roundTrip(""), "");
  const lone = "a\uD800b\uDFFF";
  assert_equals(roundTrip(lone), lone);
  assert_equals(roundTrip({ [lone]: lone })[lone], lone, "as a key too");
}, "56: -0, NaN, Infinity, BigInt, '' and lone surrogates round-trip exactly");

test(() => {
  const w = roundTrip([new Boolean(false), new Number(-0), new String("s"), Object(7n)]);
  assert_true(w[0] instanceof Boolean); assert_equals(w[0].valueOf(), false);
  assert_true(w[1] instanceof Number); assert_true(Object.is(w[1].valueOf(), -0));
  assert_true(w[2] instanceof String); assert_equals(w[2].valueOf(), "s");
  assert_equals(typeof w[3], "object"); assert_equals(w[3].valueOf(), 7n);
}, "57: wrapper objects round-trip as wrappers");

test(() => {
  assert_equals(roundTrip(new Date(12345)).getTime(), 12345);
  assert_true(Number.isNaN(roundTrip(new Date(NaN)).getTime()));
}, "58: Date, an invalid one too");

test(() => {
  const r = /a+b/gimsuy;
  r.lastIndex = 3;
  const c = roundTrip(r);
  assert_equals(c.source, "a+b");
  assert_equals(c.flags, r.flags);
  assert_equals(c.lastIndex, 0);
}, "59: RegExp keeps source and flags, lastIndex resets");

test(() => {
  assert_throws_dom("DataCloneError", () => roundTrip(Symbol("s")));
  const c = roundTrip({ [Symbol("k")]: 1, a: 2 });
  assert_equals(Object.getOwnPropertySymbols(c).length, 0);
  assert_equals(c.a, 2);
}, "60: symbols throw; symbol keys are dropped");

test(() => {
  assert_throws_dom("DataCloneError", () => roundTrip(function () {}));
  assert_throws_dom("DataCloneError", () => roundTrip(class {}));
  assert_throws_dom("DataCloneError", () => roundTrip((() => 1).bind(null)));
  assert_throws_dom("DataCloneError", () => roundTrip(Promise.resolve()));
  assert_throws_dom("DataCloneError", () => roundTrip(new WeakMap()));
  assert_throws_dom("DataCloneError", () => roundTrip(new WeakSet()));
  assert_throws_dom("DataCloneError", () => roundTrip(new WeakRef({})));
  assert_throws_dom("DataCloneError", () => roundTrip(Object(Symbol())));
  assert_throws_dom("DataCloneError", () => roundTrip(new Proxy({}, {})));
  assert_throws_dom("DataCloneError", () => roundTrip(new Proxy([], {})));
}, "61–63: functions, promises, weak collections, symbol wrappers and proxies throw");

test(() => {
  const b = new ArrayBuffer(4);
  structuredClone(b, { transfer: [b] });
  assert_throws_dom("DataCloneError", () => roundTrip(b));
  const r = new ArrayBuffer(8, { maxByteLength: 8 });
  const view = new Uint8Array(r, 4, 4);
  r.resize(2);
  assert_throws_dom("DataCloneError", () => roundTrip(view));
}, "64: a detached buffer and an out-of-bounds view throw");

test(() => {
  const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  if (typeof Float16Array === "function") kinds.push(Float16Array);
  for (const K of kinds) {
    const buf = new ArrayBuffer(64);
    const v = new K(buf, 8, 4);
    v[1] = K === BigInt64Array || K === BigUint64Array ? 5n : 5;
    const c = roundTrip(v);
    assert_equals(c.constructor, K, K.name);
    assert_equals(c.length, 4, K.name + " length");
    assert_equals(c.byteOffset, 8, K.name + " byteOffset");
    assert_equals(c[1], v[1], K.name + " value");
    assert_equals(c.buffer.byteLength, 64, K.name + " whole buffer");
  }
  const dv = roundTrip(new DataView(new ArrayBuffer(16), 2, 5));
  assert_equals(dv.byteOffset, 2);
  assert_equals(dv.byteLength, 5);
}, "65: typed arrays of every kind and DataView keep type, offset, length and values");

test(() => {
  const buf = new ArrayBuffer(8);
  const c = roundTrip({ a: new Uint8Array(buf), b: new Int16Array(buf, 2) });
  assert_equals(c.a.buffer, c.b.buffer);
}, "66: two views of one buffer still share it");

test(() => {
  const rab = new ArrayBuffer(8, { maxByteLength: 16 });
  const tracking = new Uint16Array(rab, 2), fixed = new Uint16Array(rab, 2, 3);
  const dvTracking = new DataView(rab, 4), dvFixed = new DataView(rab, 4, 4);
  const c = structuredClone({ tracking, fixed, dvTracking, dvFixed });
  assert_equals(c.tracking.buffer, c.fixed.buffer, "one buffer");
  assert_equals(c.tracking.buffer, c.dvTracking.buffer, "one buffer for the DataViews too");
  c.tracking.buffer.resize(14);
  assert_equals(c.tracking.length, 6, "a length-tracking view follows its buffer");
  assert_equals(c.fixed.length, 3, "a fixed view does not");
  assert_equals(c.dvTracking.byteLength, 10);
  assert_equals(c.dvFixed.byteLength, 4);
  assert_equals(rab.byteLength, 8, "the original buffer is not resized");
  assert_equals(tracking.length, 3);
}, "67: a length-tracking view stays length-tracking, a fixed one stays fixed");

test(() => {
  // At its maximum size the buffer cannot grow: the probe shrinks it, and
  // must put the bytes back.
  const rab = new ArrayBuffer(8, { maxByteLength: 8 });
  const bytes = new Uint8Array(rab);
  bytes.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const fixedToEnd = new Uint32Array(rab, 4, 1), tracking = new Uint32Array(rab, 4);
  const c = structuredClone([fixedToEnd, tracking, bytes]);
  assert_array_equals(bytes, [1, 2, 3, 4, 5, 6, 7, 8], "the source bytes are intact");
  assert_equals(rab.byteLength, 8);
  assert_array_equals(c[2], [1, 2, 3, 4, 5, 6, 7, 8], "the clone has every byte");
  c[2].buffer.resize(4);
  assert_equals(c[1].length, 0, "the tracking view follows the shrink");
  assert_equals(c[0].length, 0, "the fixed view is out of bounds");
  c[2].buffer.resize(8);
  assert_equals(c[0].length, 1, "and back in bounds");
}, "67: telling tracking from fixed views leaves a full buffer's bytes alone");

test(() => {
  const m = new Map([["z", 1], ["a", 2]]);
  const key = {};
  m.set(key, key);
  const c = roundTrip(m);
  assert_array_equals([...c.keys()].slice(0, 2), ["z", "a"]);
  const [k, v] = [...c.entries()][2];
  assert_equals(k, v, "key identity kept");
  const s = roundTrip(new Set([3, 1, 2]));
  assert_array_equals([...s], [3, 1, 2]);
}, "68–69: Map and Set keep order and identity");

test(() => {
  const o = { shared: { n: 1 } };
  o.self = o;
  o.again = o.shared;
  const c = roundTrip(o);
  assert_equals(c.self, c);
  assert_equals(c.again, c.shared);
}, "70: cycles and shared sub-objects");

test(() => {
  const a = new Array(10);
  a[3] = "x";
  a.extra = "y";
  const c = roundTrip(a);
  assert_true(Array.isArray(c));
  assert_equals(c.length, 10);
  assert_false(0 in c, "a hole stays a hole");
  assert_equals(c[3], "x");
  assert_equals(c.extra, "y");
  const p = roundTrip({ 0: "x", length: 1 });
  assert_false(Array.isArray(p));
}, "71–72: holes, lengths and non-index properties of arrays; array-likes stay objects");

test(() => {
  class K { constructor() { this.own = 1; } get proto() { return 2; } }
  const o = new K();
  Object.defineProperty(o, "hidden", { value: 3, enumerable: false });
  Object.defineProperty(o, "fixed", { value: 4, enumerable: true, writable: false, configurable: false });
  const c = roundTrip(o);
  assert_equals(Object.getPrototypeOf(c), Object.prototype);
  assert_equals(c.own, 1);
  assert_false("proto" in c);
  assert_false("hidden" in c);
  const d = Object.getOwnPropertyDescriptor(c, "fixed");
  assert_true(d.writable && d.configurable && d.enumerable);
}, "73–74: prototypes and non-enumerables are dropped; properties become plain data");

test(() => {
  let calls = 0;
  const c = roundTrip({ get g() { calls++; return "got"; } });
  assert_equals(calls, 1);
  assert_equals(Object.getOwnPropertyDescriptor(c, "g").value, "got");
  const boom = new Error("from getter");
  assert_throws_exactly(boom, () => roundTrip({ get g() { throw boom; } }));
}, "75–76: getters run once; their exceptions propagate unchanged");

test(() => {
  const c = roundTrip({ b: 1, 2: "two", a: 2, 1: "one" });
  assert_array_equals(Object.keys(c), ["1", "2", "b", "a"]);
}, "77: property order");

test(() => {
  const o = { get a() { delete this.b; this.added = true; return 1; }, b: 2, c: 3 };
  const c = structuredClone(o);
  assert_array_equals(Object.keys(c), ["a", "c"], "b was deleted by a's getter; added is new");
  assert_equals(c.a, 1);
  // Skipped even when the prototype has a property of that name.
  const withProto = Object.setPrototypeOf({ get a() { delete this.b; return 1; }, b: 2 }, { b: "inherited" });
  assert_array_equals(Object.keys(structuredClone(withProto)), ["a"]);
  // An own property whose value is undefined is kept.
  assert_true("u" in structuredClone({ u: undefined }));
  const arr = [1, 2, 3];
  Object.defineProperty(arr, 0, { get() { arr.length = 1; return "first"; }, enumerable: true, configurable: true });
  const ca = structuredClone(arr);
  assert_equals(ca.length, 3, "an array keeps its length");
  assert_equals(ca[0], "first");
  assert_false(1 in ca, "deleted elements become holes");
}, "78: a property deleted by an earlier getter is skipped; one added during serialization is not included");

test(() => {
  const c = roundTrip(Object.prototype);
  assert_equals(Object.getPrototypeOf(c), Object.prototype);
  assert_equals(Object.keys(c).length, 0);
  class P { #secret = 1; visible = 2; }
  assert_equals(JSON.stringify(roundTrip(new P())), '{"visible":2}');
}, "79–80: Object.prototype and objects with private fields");

test(() => {
  for (const E of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) {
    const c = roundTrip(new E("m"));
    assert_equals(Object.getPrototypeOf(c), E.prototype, E.name);
    assert_equals(c.message, "m");
    const d = Object.getOwnPropertyDescriptor(c, "message");
    assert_false(d.enumerable, "message is not enumerable");
    assert_false(Object.prototype.hasOwnProperty.call(c, "name"), "name is not own");
  }
  const custom = new Error("c");
  custom.name = "MyError";
  assert_equals(Object.getPrototypeOf(roundTrip(custom)), Error.prototype);
  const withCause = roundTrip(new Error("x", { cause: { deep: 1 } }));
  assert_equals(withCause.cause.deep, 1);
}, "81–84: errors keep their type and message; custom names become Error");

promise_test(async () => {
  const f = new File(["hello"], "h.txt", { type: "text/plain", lastModified: 42 });
  const c = roundTrip({ f, b: new Blob(["ab"], { type: "x/y" }) });
  assert_true(c.f instanceof File);
  assert_equals(c.f.name, "h.txt");
  assert_equals(c.f.lastModified, 42);
  assert_equals(c.f.type, "text/plain");
  assert_equals(await c.f.text(), "hello");
  assert_true(c.b instanceof Blob);
  assert_equals(c.b.type, "x/y");
  assert_equals(await c.b.text(), "ab");
}, "86: Blob and File clone with contents, type, name and lastModified");

async_test((t) => {
  const e = new DOMException("it broke", "DataCloneError");
  const c = structuredClone(e);
  assert_not_equals(c, e);
  assert_true(c instanceof DOMException);
  assert_equals(c.name, "DataCloneError");
  assert_equals(c.message, "it broke");
  assert_equals(c.code, 25, "the legacy code follows the name");
  const custom = structuredClone(new DOMException("m", "MadeUpError"));
  assert_equals(custom.name, "MadeUpError");
  assert_equals(custom.code, 0);
  const ch = new MessageChannel();
  ch.port2.onmessage = t.step_func_done((ev) => {
    assert_true(ev.data.e instanceof DOMException);
    assert_equals(ev.data.e.name, "AbortError");
    assert_equals(ev.data.e.message, "stop");
    assert_equals(ev.data.e, ev.data.again, "identity kept");
  });
  const a = new DOMException("stop", "AbortError");
  ch.port1.postMessage({ e: a, again: a });
}, "85: DOMException clones with its name and message");

test(() => {
  const ch = new MessageChannel();
  assert_throws_dom("DataCloneError", () => roundTrip(ch.port1));
  assert_throws_dom("DataCloneError", () => roundTrip(new Event("x")));
  assert_throws_dom("DataCloneError", () => roundTrip(new AbortController()));
  // Every interface of the host, not only the messaging ones.
  for (const v of [crypto, crypto.subtle, new PromiseRejectionEvent("x", { promise: Promise.resolve() }),
    new Headers(), new PortCollection(), performance.mark("m"), new TextEncoder()])
    assert_throws_dom("DataCloneError", () => roundTrip(v), Object.prototype.toString.call(v));
  performance.clearMarks("m");
}, "87: non-serializable platform objects throw");

test(() => {
  const sab = new SharedArrayBuffer(4);
  const c = roundTrip(sab);
  assert_equals(Object.prototype.toString.call(c), "[object SharedArrayBuffer]");
  new Uint8Array(c)[0] = 1;
  assert_equals(new Uint8Array(sab)[0], 1, "a clone shares the memory");
  assert_throws_dom("DataCloneError", () => structuredClone(1, { transfer: [sab] }));
}, "88: a SharedArrayBuffer is shared in a value, and never transferable");

test(() => {
  const o = { a: [1] };
  const c = structuredClone(o);
  assert_not_equals(c, o);
  assert_not_equals(c.a, o.a);
  assert_throws_js(TypeError, () => structuredClone());
  assert_equals(structuredClone(5, {}), 5);
}, "89: structuredClone without options deep-clones");

test(() => {
  // structuredClone copies most values directly and leaves the rest to the
  // general serialize/deserialize path, started over from the beginning.
  // Nothing may tell the two apart: a getter anywhere runs exactly once,
  // and the result is the same.
  let calls = 0;
  const deep = { level: 0 };
  let cur = deep;
  for (let i = 1; i < 50; i++) { cur.next = { level: i, list: [i, "s" + i] }; cur = cur.next; }
  cur.last = { get g() { calls++; return { made: "by getter" }; } };
  const c = structuredClone(deep);
  assert_equals(calls, 1, "the getter ran once");
  let n = c;
  for (let i = 0; i < 49; i++) n = n.next;
  assert_equals(n.level, 49);
  assert_equals(n.last.g.made, "by getter");
  assert_true(Object.getOwnPropertyDescriptor(n.last, "g").writable, "a data property now");

  calls = 0;
  const bad = { a: { get g() { calls++; return 1; } }, b: [1, 2, Symbol("late")] };
  assert_throws_dom("DataCloneError", () => structuredClone(bad));
  assert_equals(calls, 1, "the getter before the symbol ran once");

  calls = 0;
  const m = new Map([["k", { get g() { calls++; return 2; } }]]);
  assert_equals(structuredClone(m).get("k").g, 2);
  assert_equals(calls, 1, "a getter inside a Map ran once");

  // Depth first, as the standard's recursion (and V8): a nested object's
  // getters run before its parent's later properties are read.
  const order = [];
  structuredClone({ p: { q: { get g() { order.push("deep"); return 1; } } }, get r() { order.push("r"); return 1; } });
  assert_array_equals(order, ["deep", "r"]);
}, "the direct copy and the general path agree: getters run once, errors at the same point");

test(() => {
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const shared = { s: 1 };
  const c = structuredClone({ a: buf, b: buf, o: shared, p: shared, e: [new TypeError("t")] });
  assert_equals(c.a, c.b, "one buffer");
  assert_equals(c.o, c.p, "one object");
  assert_array_equals(new Uint8Array(c.a), [1, 2, 3]);
  assert_true(c.e[0] instanceof TypeError);

  const holes = [1, 2];
  holes.length = 5;
  const h = structuredClone(holes);
  assert_equals(h.length, 5);
  assert_false(4 in h, "trailing holes stay holes");
  assert_array_equals(Object.keys(h), ["0", "1"]);

  const own = JSON.parse('{"__proto__": {"x": 1}, "y": 2}');
  const co = structuredClone(own);
  assert_equals(Object.getPrototypeOf(co), Object.prototype, "__proto__ is only a key");
  assert_true(Object.prototype.hasOwnProperty.call(co, "__proto__"));
  assert_equals(Object.getOwnPropertyDescriptor(co, "__proto__").value.x, 1);

  const nullProto = Object.assign(Object.create(null), { z: 3 });
  assert_equals(Object.getPrototypeOf(structuredClone(nullProto)), Object.prototype);

  const { port1 } = new MessageChannel();
  assert_throws_dom("DataCloneError", () => structuredClone({ deep: [{ port1 }] }), "a MessagePort without transfer");
  const blob = structuredClone({ deep: [new Blob(["hi"], { type: "text/plain" })] }).deep[0];
  assert_true(blob instanceof Blob);
  assert_equals(blob.type, "text/plain");
  port1.close();
}, "values the direct copy leaves to the general path keep every rule: shared buffers, errors, holes, __proto__ keys, null prototypes, platform objects");

test(() => {
  // WebIDL: a platform object is one by its brand, so a subclass instance
  // is cloned as its platform class (and a non-serializable one throws).
  class MyFile extends File {}
  const f = structuredClone(new MyFile(["ab"], "n.txt", { type: "text/plain", lastModified: 7 }));
  assert_equals(Object.getPrototypeOf(f), File.prototype, "the closest serializable class");
  assert_equals(f.name, "n.txt");
  assert_equals(f.size, 2);
  class MyBlob extends Blob {}
  assert_equals(Object.getPrototypeOf(structuredClone({ b: new MyBlob(["x"]) }).b), Blob.prototype);
  class MyEvent extends Event {}
  assert_throws_dom("DataCloneError", () => structuredClone(new MyEvent("x")));
  class MyTarget extends EventTarget {}
  assert_throws_dom("DataCloneError", () => structuredClone([new MyTarget()]));
  const { port1 } = new MessageChannel();
  class Holder { constructor() { this.p = port1; } }
  assert_throws_dom("DataCloneError", () => structuredClone(new Holder()), "a port inside a class instance");
  port1.close();
  // An ordinary object whose prototype chain only looks like a platform
  // class's through a proxy is not inspected through the proxy's traps.
  let trapped = false;
  const sneaky = Object.create(new Proxy({}, { getPrototypeOf() { trapped = true; return Event.prototype; } }));
  sneaky.v = 1;
  assert_equals(structuredClone(sneaky).v, 1);
  assert_false(trapped, "no getPrototypeOf trap ran");
}, "subclass instances of platform classes clone as their class or throw; prototype chains are walked without proxy traps");

promise_test(async () => {
  // structuredClone copies directly; a message goes through the wire format.
  // For values the direct copy handles, both must give the same result.
  const shared = { s: "shared" };
  const cyc = { name: "cyc" };
  cyc.self = cyc;
  const sparse = [1, , 3];
  sparse.length = 6;
  sparse.extra = "x";
  const values = [
    undefined, null, true, 0, -0, NaN, 1.5, -12n, 2n ** 70n, "", "\uD800", "\uDBFF\uDFFD", "é".repeat(40),
    [undefined, null, true, false, "", 0.2, -0, NaN, Infinity, -Infinity, 9007199254740994, -0n],
    { "undefined": undefined, "0.2": 0.2, "-0": -0, "NaN": NaN, 2: "two", 1: "one", b: "b", a: "a" },
    [new Boolean(false), new Number(-0), new String("\uD800"), Object(-9007199254740994n)],
    { d: new Date(-8.64e15), d2: new Date(NaN), r: /fo\/o\n/gimsuy, e: new RegExp("") },
    new Map([[1, shared], [shared, [shared]], ["k", new Set([shared, 1, "1"])]]),
    sparse, cyc, [shared, shared, { again: shared }],
    Object.assign(Object.create(null), { n: 1 }), new (class K { constructor() { this.own = 1; } })(),
    Object.prototype,
  ];
  const { port1, port2 } = new MessageChannel();
  for (const v of values) {
    const direct = structuredClone(v);
    const viaPort = await new Promise((resolve) => { port2.onmessage = (e) => resolve(e.data); port1.postMessage(v); });
    assert_same_structure(direct, viaPort, String(typeof v === "object" && v ? Object.prototype.toString.call(v) : typeof v));
  }
  port1.close();
}, "structuredClone's direct copy and the wire format's round trip agree, value by value");

// Deep comparison of two clones: same types, prototypes, own property
// descriptors (in order), SameValue for primitives, and the same sharing.
function assert_same_structure(a, b, what, seen = new Map()) {
  if (typeof a !== "object" || a === null) {
    assert_true(Object.is(a, b), `${what}: ${String(a)} vs ${String(b)}`);
    return;
  }
  assert_equals(typeof b, "object", what);
  if (seen.has(a)) { assert_equals(seen.get(a), b, `${what}: the same sharing`); return; }
  seen.set(a, b);
  assert_equals(Object.getPrototypeOf(a), Object.getPrototypeOf(b), `${what}: prototype`);
  assert_equals(Object.prototype.toString.call(a), Object.prototype.toString.call(b), `${what}: class`);
  if (a instanceof Date) assert_true(Object.is(a.getTime(), b.getTime()), `${what}: time`);
  if (a instanceof RegExp) { assert_equals(a.source, b.source); assert_equals(a.flags, b.flags); assert_equals(a.lastIndex, b.lastIndex); }
  if (a instanceof Number || a instanceof String || a instanceof Boolean || typeof a.valueOf() === "bigint")
    assert_true(Object.is(a.valueOf(), b.valueOf()), `${what}: wrapped value`);
  if (a instanceof Map) {
    const ea = [...a], eb = [...b];
    assert_equals(ea.length, eb.length, `${what}: size`);
    ea.forEach(([k, v], i) => { assert_same_structure(k, eb[i][0], `${what} key ${i}`, seen); assert_same_structure(v, eb[i][1], `${what} value ${i}`, seen); });
  }
  if (a instanceof Set) {
    const ea = [...a], eb = [...b];
    assert_equals(ea.length, eb.length, `${what}: size`);
    ea.forEach((v, i) => assert_same_structure(v, eb[i], `${what} item ${i}`, seen));
  }
  const ka = Reflect.ownKeys(a), kb = Reflect.ownKeys(b);
  assert_array_equals(ka, kb, `${what}: own keys`);
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k), db = Object.getOwnPropertyDescriptor(b, k);
    for (const f of ["writable", "enumerable", "configurable"]) assert_equals(da[f], db[f], `${what}.${String(k)}: ${f}`);
    if ("value" in da) assert_same_structure(da.value, db.value, `${what}.${String(k)}`, seen);
  }
}

test(() => {
  // [[MapData]] and [[SetData]] are read directly: replaced iteration
  // methods are not called (and cannot change what is cloned).
  const mapIterProto = Object.getPrototypeOf(new Map().entries());
  const setIterProto = Object.getPrototypeOf(new Set().values());
  const mapNext = mapIterProto.next, setNext = setIterProto.next, from = Array.from;
  let called = 0;
  let m, st;
  try {
    mapIterProto.next = function () { called++; return { done: true }; };
    setIterProto.next = function () { called++; return { done: true }; };
    Array.from = () => { called++; return []; };
    m = structuredClone(new Map([[1, { a: 1 }], ["k", "v"]]));
    st = structuredClone({ s: new Set([1, 2, 3]) }).s;
  } finally {
    mapIterProto.next = mapNext;
    setIterProto.next = setNext;
    Array.from = from;
  }
  assert_equals(called, 0, "no replaced method ran");
  assert_equals(m.size, 2);
  assert_equals(m.get(1).a, 1);
  assert_array_equals([...st], [1, 2, 3]);
}, "Map and Set contents are read without calling script-replaceable iteration methods");

test(() => {
  // Deserialization makes objects with the intrinsics, not with whatever
  // the globals of those names are now.
  const saved = { Map: globalThis.Map, Set: globalThis.Set, Date: globalThis.Date, RegExp: globalThis.RegExp, Number: globalThis.Number };
  const M = Map, S = Set, D = Date, R = RegExp, N = Number;
  const value = [new M([[1, 2]]), new S([1]), new D(5), /x/g, new N(3)];
  let c;
  try {
    for (const k of Object.keys(saved)) globalThis[k] = function Impostor() { throw new Error("impostor called"); };
    c = structuredClone(value);
  } finally {
    for (const k of Object.keys(saved)) globalThis[k] = saved[k];
  }
  assert_true(c[0] instanceof M && c[0].get(1) === 2);
  assert_true(c[1] instanceof S && c[1].has(1));
  assert_true(c[2] instanceof D && c[2].getTime() === 5);
  assert_true(c[3] instanceof R && c[3].flags === "g");
  assert_true(c[4] instanceof N && c[4].valueOf() === 3);
}, "deserialization uses the intrinsic constructors, not replaced globals");
