// Randomly made messages (a seeded generator) through a MessagePort must
// arrive as structuredClone copies them: the same kinds, prototypes, keys
// in order, contents, holes and sharing (HTML #structuredserializeinternal,
// #structureddeserialize). The port's direct wire and the general path,
// and structuredClone's own copier, are three implementations: each
// message checks them against each other.

function generator(seed) {
  let s = seed >>> 0;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const pick = (list) => list[next() % list.length];
  const names = ["a", "b", "id", "name", "__proto__", "constructor", "é", "日本", "k" + seed % 7, "", "x y"];
  const strings = ["", "hello", "é", "日本語", "😀", "a\u0000b", "x".repeat(40), "\ud7ff", "line\nbreak"];
  const numbers = [0, -0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 1.5, NaN, Infinity, -Infinity, 1e300, 5e-324];
  function value(depth, pool) {
    const r = next() % (depth > 3 ? 6 : 14);
    switch (r) {
      case 0: return pick(numbers);
      case 1: return pick(strings);
      case 2: return pick([true, false, null, undefined]);
      case 3: return next() % 1000;
      case 4: return pool.length && next() % 2 ? pick(pool) : pick(strings) + next() % 10;
      case 5: return BigInt(next() % 1000) * (next() % 2 ? 1n : -1n);
      case 6: case 7: {
        const o = {};
        pool.push(o);
        const n = next() % 5;
        for (let i = 0; i < n; i++) o[pick(names)] = value(depth + 1, pool);
        return o;
      }
      case 8: case 9: {
        const a = [];
        pool.push(a);
        const n = next() % 5;
        for (let i = 0; i < n; i++) a.push(value(depth + 1, pool));
        if (next() % 6 === 0) a[n + 2] = "after a hole";
        if (next() % 8 === 0) a.extra = "property";
        return a;
      }
      case 10: {
        const K = pick([Uint8Array, Int16Array, Float64Array, BigInt64Array, Uint8ClampedArray]);
        const t = new K(next() % 6);
        for (let i = 0; i < t.length; i++) t[i] = K === BigInt64Array ? BigInt(next() % 50) : next() % 300;
        pool.push(t);
        return next() % 4 === 0 && t.length > 1 ? new K(t.buffer, K.BYTES_PER_ELEMENT, 1) : t;
      }
      case 11: return new Date(next() % 1e12);
      case 12: { const m = new Map([[pick(strings), value(depth + 1, pool)]]); pool.push(m); return m; }
      default: return pool.length ? pick(pool) : {};
    }
  }
  return () => value(0, []);
}

// Whether a and b are equal copies of one original, object for object.
function sameCopy(a, b, pairs = new Map(), path = "message") {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== "object" || a === null) {
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (b === null) return `${path}: null`;
  if (pairs.has(a)) return pairs.get(a) === b ? null : `${path}: sharing differs`;
  pairs.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  if (ArrayBuffer.isView(a)) {
    if (a.byteOffset !== b.byteOffset || a.length !== b.length) return `${path}: view shape`;
    const sub = sameCopy(a.buffer, b.buffer, pairs, path + ".buffer");
    if (sub) return sub;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `${path}[${i}]`;
    return null;
  }
  if (a instanceof ArrayBuffer) {
    const x = new Uint8Array(a), y = new Uint8Array(b);
    return x.length === y.length && x.every((v, i) => v === y[i]) ? null : `${path}: bytes`;
  }
  if (a instanceof Date) return Object.is(a.getTime(), b.getTime()) ? null : `${path}: date`;
  if (a instanceof Map) {
    const x = [...a], y = [...b];
    if (x.length !== y.length) return `${path}: map size`;
    for (let i = 0; i < x.length; i++) {
      const sub = sameCopy(x[i][0], y[i][0], pairs, path + ".key") || sameCopy(x[i][1], y[i][1], pairs, path + ".value");
      if (sub) return sub;
    }
    return null;
  }
  if (Array.isArray(a) && a.length !== b.length) return `${path}: length`;
  const ka = Reflect.ownKeys(a), kb = Reflect.ownKeys(b);
  if (ka.join("\u0001") !== kb.join("\u0001")) return `${path}: keys ${ka} vs ${kb}`;
  for (const k of ka) {
    if (Array.isArray(a) && k === "length") continue;
    const sub = sameCopy(a[k], b[k], pairs, `${path}.${String(k)}`);
    if (sub) return sub;
  }
  return null;
}

promise_test(async () => {
  const make = generator(20261124);
  const sent = [];
  for (let i = 0; i < 400; i++) sent.push(make());
  const { port1, port2 } = new MessageChannel();
  const got = await new Promise((resolve) => {
    const list = [];
    port2.onmessage = (e) => { list.push(e.data); if (list.length === sent.length) resolve(list); };
    for (const m of sent) port1.postMessage(m);
  });
  port1.close();
  for (let i = 0; i < sent.length; i++) {
    // (Against a copy, not the original: a copy loses prototypes other
    // than the built-ins', e.g. of an object that got one through a
    // "__proto__" key.)
    const problem = sameCopy(structuredClone(sent[i]), got[i]);
    assert_equals(problem, null, `message ${i}`);
  }
}, "400 random messages arrive as structuredClone copies them");
