// The structured clone matrix (issue 14, item 1; HTML
// #structuredserializeinternal, #structureddeserialize): every kind of
// value of the clone battery, cloned on every path msgport has — the
// direct structuredClone, the general one (a transfer list forces it),
// a same-thread port with an empty transfer list (the direct wire writer
// and reader) and with a buffer transferred beside (the general decoder),
// a worker and back, and each of those twice — comes out as the same
// value: the same brand, prototype, internal slots, own properties with
// their attributes and order, sharing and cycles.

function describe(v) {
  const seen = new Map();
  const walk = (x) => {
    if (typeof x === "bigint") return `${x}n`;
    if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
    if (x === null || typeof x !== "object") return typeof x === "string" ? JSON.stringify(x) : String(x);
    if (seen.has(x)) return `#${seen.get(x)}`;
    seen.set(x, seen.size);
    const brand = Object.prototype.toString.call(x);
    const proto = Object.getPrototypeOf(x);
    const protoName = proto === null ? "null" : (Object.getOwnPropertyDescriptor(proto, "constructor")?.value?.name ?? "?");
    const parts = [brand, protoName];
    if (x instanceof Map) parts.push("map:" + [...Map.prototype.entries.call(x)].map(([k, y]) => walk(k) + "=>" + walk(y)).join(","));
    else if (x instanceof Set) parts.push("set:" + [...Set.prototype.values.call(x)].map(walk).join(","));
    else if (x instanceof Date) parts.push("time:" + Date.prototype.getTime.call(x));
    else if (x instanceof RegExp) parts.push("re:" + x.source + "/" + x.flags + " lastIndex " + x.lastIndex);
    else if (x instanceof ArrayBuffer) parts.push("bytes:" + new Uint8Array(x).join(","));
    else if (ArrayBuffer.isView(x)) parts.push(`view ${x.byteOffset}+${x.byteLength} of ${walk(x.buffer)}`);
    else if (brand === "[object Number]" || brand === "[object String]" || brand === "[object Boolean]" || brand === "[object BigInt]") parts.push("value:" + walk(x.valueOf()));
    if (x instanceof Error && typeof Error.isError === "function") parts.push("isError:" + Error.isError(x));
    if (Array.isArray(x)) parts.push("length:" + x.length);
    for (const k of Reflect.ownKeys(x)) {
      if (ArrayBuffer.isView(x) && typeof k === "string" && /^\d+$/.test(k)) continue;
      const d = Object.getOwnPropertyDescriptor(x, k);
      const attrs = `${d.enumerable ? "e" : ""}${d.writable ? "w" : ""}${d.configurable ? "c" : ""}`;
      parts.push(`${String(k)}[${attrs}]=` + ("value" in d ? walk(d.value) : "accessor"));
    }
    return "{" + parts.join(" ") + "}";
  };
  return walk(v);
}

const withStack = (e, s) => Object.defineProperty(e, "stack", { value: s, writable: true, configurable: true });
const battery = {
  "primitives": () => [undefined, null, true, false, 0, -0, 1.5, NaN, Infinity, 2 ** 53, "", "text", "日本語😀", 0n, -5n, 2n ** 100n, -(2n ** 100n)],
  "a plain object with nesting": () => ({ a: 1, b: { c: [1, 2, { d: "e" }] }, 3: "index", "": "empty" }),
  "shared references and a cycle": () => { const s = { x: 1 }; const o = { a: s, b: [s, s] }; o.self = o; return o; },
  "an array with holes and names": () => { const a = [1, , 3]; a[10] = "ten"; a.name = "arr"; return a; },
  "a dense array with a name": () => Object.assign([1, "two", { three: 3 }], { extra: true }),
  "an empty array with a length": () => new Array(5),
  "Map": () => { const m = new Map([[1, "one"], ["k", { v: [1] }], [{}, new Set([1])]]); m.set(m, m); return m; },
  "Set": () => { const s = new Set([1, "a", { b: 2 }, null]); s.add(s); return s; },
  "Date": () => [new Date(0), new Date(1700000000123), new Date(NaN), new Date(-8.64e15)],
  "RegExp": () => { const r = /a+(b)?/giu; r.lastIndex = 3; return [r, /x/dmsy, /[\d]+/v, new RegExp("é/", "")]; },
  "primitive wrappers": () => [new Number(-0), new Number(2.5), new String("wrapped"), new Boolean(false), new Boolean(true), Object(7n), Object(2n ** 70n)],
  "Errors of every kind": () => [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((E) => new E("m " + E.name, { cause: { why: E.name } })),
  "an Error whose cause is itself": () => { const e = new Error("loop"); e.cause = e; return e; },
  "an Error with a custom name and no message": () => { const e = new Error(); e.name = "Custom"; return e; },
  "an Error without a stack": () => { const e = new TypeError("s"); delete e.stack; return e; },
  "an Error with a non-string stack": () => withStack(new RangeError("n"), 42),
  "ArrayBuffer and views sharing it": () => { const b = new ArrayBuffer(16); new Uint8Array(b).set([1, 2, 3, 4, 250]); return [b, new Uint8Array(b, 1, 3), new Float64Array(b, 8, 1), new DataView(b, 2, 4)]; },
  "typed arrays of every kind": () => [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array].map((C) => new C(C.name.startsWith("Big") ? [1n, -1n] : [1, -1, 2.5])),
  "DOMException": () => new DOMException("dom", "DataCloneError"),
  "Blob and File": () => [new Blob(["blob bytes"], { type: "text/plain" }), new File(["f"], "f.txt", { lastModified: 5 })],
  "a deep mix": () => ({ map: new Map([["d", new Date(5)], ["r", /r/g]]), set: new Set([new Number(1), [new Error("e")]]), big: 10n ** 30n, sparse: [, , new String("s")] }),
};

const worker = new Worker("resources/echo-worker.js");
const viaWorker = (v) => new Promise((resolve) => {
  worker.addEventListener("message", function on(e) { worker.removeEventListener("message", on); resolve(e.data.echo); });
  worker.postMessage(v);
});
const viaPort = (v, general) => new Promise((resolve) => {
  const { port1, port2 } = new MessageChannel();
  port2.onmessage = (e) => { port1.close(); port2.close(); resolve(e.data.v); };
  const buf = new ArrayBuffer(1);
  port1.postMessage({ v }, general ? [buf] : []);
});
const paths = {
  "structuredClone": async (v) => structuredClone(v),
  "structuredClone, general path": async (v) => structuredClone({ v, b: new ArrayBuffer(1) }, { transfer: [new ArrayBuffer(1)] }).v,
  "a port with []": (v) => viaPort(v, false),
  "a port, general path": (v) => viaPort(v, true),
  "a worker and back": viaWorker,
};

for (const [name, make] of Object.entries(battery)) {
  promise_test(async () => {
    const value = make();
    const expected = describe(await paths["structuredClone, general path"](value));
    for (const [path, send] of Object.entries(paths)) {
      const once = await send(value);
      assert_equals(describe(once), expected, `${path}, once`);
      const twice = await send(once);
      assert_equals(describe(twice), expected, `${path}, twice`);
    }
  }, `${name}: the same value on every path, cloned once and twice`);
}

// A clone is its kind, not a look-alike: checked against the original
// where the standard keeps everything (Errors too: their own keys in a
// fresh error's order, message, cause, stack).
for (const name of ["a plain object with nesting", "Map", "Set", "Date", "RegExp", "primitive wrappers", "typed arrays of every kind", "an array with holes and names", "Errors of every kind"]) {
  test(() => {
    const v = battery[name]();
    // (lastIndex is not part of a RegExp's serialization: a clone's is 0.)
    const strip = (s) => s.replace(/ lastIndex \d+/g, "").replace(/lastIndex\[w\]=\d+/g, "lastIndex");
    const d = strip(describe(v));
    assert_equals(strip(describe(structuredClone(v))), d);
  }, `${name}: a clone is indistinguishable from the original`);
}
test(() => {
  for (const e of battery["Errors of every kind"]()) {
    const c = structuredClone(structuredClone(e));
    assert_equals(Object.prototype.toString.call(c), "[object Error]");
    assert_equals(Object.getPrototypeOf(c), Object.getPrototypeOf(e));
    for (const k of ["message", "stack", "cause"]) {
      const a = Object.getOwnPropertyDescriptor(e, k), b = Object.getOwnPropertyDescriptor(c, k);
      assert_equals(describe(b.value), describe(a.value), k);
      assert_equals(`${b.enumerable}${b.writable}${b.configurable}`, `${a.enumerable}${a.writable}${a.configurable}`, k + " attributes");
    }
  }
}, "Errors cloned twice keep their kind, message, stack and cause with their attributes");
