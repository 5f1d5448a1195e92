//! The direct writer and reader against the general path and V8.

use super::*;
use crate::engine::classes::Classes;
use crate::engine::natives::Natives;
use rquickjs::{Context, Object, Runtime, Value};

/// Messages the direct writer takes: its bytes must be V8's own.
const TAKEN: &[&str] = &[
    "({})",
    "({i: 1, s: 'hello'})",
    "({a: -0, b: NaN, c: 1.5, d: 2**31, e: -(2**31), f: 2**31 - 1, g: Infinity, h: 1e300})",
    "({t: true, f: false, n: null, u: undefined})",
    "({'é': 'ÿ', '€': '日本語😀', x: 'a\\u0000b', '': ''})",
    "({1: 'one', 0: 'zero', b: {c: {d: {}}}, 2147483646: 'top'})",
    "(() => { const s = {x: 1}; return {a: s, b: s, c: {s}}; })()",
    "(() => { const o = {n: 'cycle'}; o.self = o; o.inner = {o}; return o; })()",
    "(() => { const l = []; for (let i = 0; i < 40; i++) l.push({i}); const o = {}; l.forEach((x, i) => { o['k' + i] = x; o['again' + i] = l[(i * 7) % 40]; }); return o; })()",
    "'plain string'",
    "'€uro'",
    "42",
    "-7.25",
    "null",
    "Object.defineProperty({a: 1}, 'hidden', {value: 2, enumerable: false})",
    "({long: 'x'.repeat(300), wide: '日'.repeat(300)})",
    "[]",
    "[1, 2]",
    "({a: [1]})",
    "[1.5, 2]",
    "[-0, 1]",
    "[1, 2.5, 'a', null, undefined, true]",
    "[[], [[]], {x: [{}]}]",
    "(() => { const a = [1]; return [a, a, {a}]; })()",
    "(() => { const a = []; a.push(a, {a}); return a; })()",
    "(() => { const a = []; for (let i = 0; i < 300; i++) a.push(i % 7 ? i : 'k' + i); return a; })()",
    "({d: new Date(0)})",
    "[0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n), {b: 12345n}]",
    "[new Date(1700000000123), new Date(-1e12), new Date(NaN)]",
    "(() => { const d = new Date(5); return {d, again: [d]}; })()",
    // Maps, Sets, RegExps, wrappers, large BigInts, arrays that are not
    // dense or have names, Errors (issue 14, item 2).
    "new Map()",
    "({a: [1, new Map()]})",
    "new Map([[1, 'a'], ['k', {x: 1}], [{}, [new Set([2])]]])",
    "new Set([1, 'a', {}, null, 2.5])",
    "(() => { const m = new Map(); m.set(m, m); const s = new Set([m]); s.add(s); return [m, s, m]; })()",
    "[/ab+c/gi, /x/dmsuy, /[\\d]+/v, /été/]",
    "(() => { const r = /a/g; return {r, again: r}; })()",
    "[new Number(1.5), new Number(-0), new String('sé'), new Boolean(true), new Boolean(false), Object(5n), Object(2n ** 80n)]",
    "({b: 2n ** 70n})",
    "[-(2n ** 70n)]",
    "[2n ** 64n, 2n ** 128n - 1n, -(2n ** 63n), 2n ** 63n, 12345678901234567890123n]",
    "[1, , 3]",
    "new Array(3)",
    "Object.assign([1], {x: 2})",
    "(() => { const a = [1, 'two']; a.extra = {y: [a]}; return a; })()",
    "(() => { const a = []; a[5] = 1; a.k = 2; a[2] = 'x'; return a; })()",
    "(() => { const e = new TypeError('boom'); Object.defineProperty(e, 'stack', {value: 'S', writable: true, configurable: true}); return e; })()",
    "(() => { const e = new RangeError('r', {cause: {n: 1}}); Object.defineProperty(e, 'stack', {value: 'T', writable: true, configurable: true}); return [e, e]; })()",
    "(() => { const e = new Error('self'); Object.defineProperty(e, 'stack', {value: 'U', writable: true, configurable: true}); e.cause = e; return e; })()",
    "['Eval', 'Reference', 'Syntax', 'URI', 'Aggregate'].map((n) => { const e = n === 'Aggregate' ? new AggregateError([], 'm') : new globalThis[n + 'Error']('m'); Object.defineProperty(e, 'stack', {value: n, writable: true, configurable: true}); return e; })",
    "(() => { const e = new Error('no stack'); Object.defineProperty(e, 'stack', {value: 7, writable: true, configurable: true}); return e; })()",
];

/// Messages the direct writer takes but the direct reader leaves to the
/// general decoder: an array that holds itself (the reader makes an
/// array after its elements).
const READ_BY_THE_GENERAL_DECODER: &[&str] = &[
    "(() => { const a = []; a.push(a, {a}); return a; })()",
    "(() => { const a = [1, 'two']; a.extra = {y: [a]}; return a; })()",
    "[-(2n ** 70n)]",
    "(() => { const e = new Error('no stack'); Object.defineProperty(e, 'stack', {value: 7, writable: true, configurable: true}); return e; })()",
];

/// ArrayBuffers and typed arrays the direct writer takes. Node's
/// `v8.serialize` writes views as its own host objects, so these are
/// checked against msgport-clone's general decoder and encoder instead
/// (the same bytes after a round trip through the `Graph`).
const TAKEN_VIEWS: &[&str] = &[
    "new Uint8Array([1, 2, 3])",
    "({a: new Float64Array([1.5, 2]), b: new Int16Array(3), c: new Uint8ClampedArray(1)})",
    "(() => { const b = new ArrayBuffer(8); return [new Uint8Array(b), new Uint16Array(b, 2, 2), b]; })()",
    "new ArrayBuffer(4)",
    "new ArrayBuffer(0)",
    "(() => { const u = new Uint32Array(4); return {u, again: u, buffer: u.buffer}; })()",
    "new BigInt64Array([1n, -2n])",
    "[new Int8Array([-1]), new Float32Array([0.5]), new BigUint64Array(1)]",
];

/// Messages left to the general path (before any JavaScript runs).
const LEFT: &[&str] = &[
    "new DataView(new ArrayBuffer(2))",
    "new Uint8Array(new ArrayBuffer(4, {maxByteLength: 8}))",
    "new ArrayBuffer(4, {maxByteLength: 8})",
    "(() => { const u = new Uint8Array(4); u.buffer.transfer(); return u; })()",
    "new Uint8Array(new SharedArrayBuffer(4))",
    "Object.defineProperty([1, 2], 1, {get() { return 2; }, enumerable: true})",
    "({get g() { return 1; }})",
    "({s: Symbol('s')})",
    "'\\ud800'",
    "({a: 'x\\udc00'})",
    "({2147483648: 1})",
    "({'01': 1})",
    "Object.create(null)",
    "new (class K { constructor() { this.x = 1; } })()",
    "(() => { let o = {}; for (let i = 0; i < 70; i++) o = {o}; return o; })()",
    "({f() {}})",
    "new Map([[1, () => 1]])",
    "new Set([Symbol()])",
    "Object.defineProperty(new Error('x'), 'message', {get() { return 'm'; }})",
    "(() => { const e = new Error(); e.message = {toString() { return 'm'; }}; return e; })()",
    "(() => { const e = new Error('x'); Object.defineProperty(e, 'cause', {get() { return 1; }}); return e; })()",
    "(() => { const e = new Error('x'); delete e.stack; Object.setPrototypeOf(e, new Proxy({}, {})); return e; })()",
    "(() => { class E extends Error { get name() { return 'TypeError'; } } return new E('x'); })()",
    "Object.defineProperty([1], 'x', {get() { return 2; }, enumerable: true})",
];

/// What [`write()`] and [`read()`] need, made in a context without the
/// prelude as the prelude makes them: the classes, `Object.prototype`'s
/// address and the captured built-ins.
struct Setup {
    classes: Classes,
    proto: usize,
    natives: Natives,
}

fn setup(ctx: &rquickjs::Ctx<'_>) -> Setup {
    let samples: rquickjs::Array = ctx
        .eval(
            "[{}, [], new Error(), new Number(0), new String(''), new Boolean(false), Object(0n), new Date(0), /a/, \
              new ArrayBuffer(0), new SharedArrayBuffer(0), new Map(), new Set(), new DataView(new ArrayBuffer(0)), \
              new Int8Array(0), new Uint8Array(0), new Uint8ClampedArray(0), new Int16Array(0), new Uint16Array(0), \
              new Int32Array(0), new Uint32Array(0), new Float32Array(0), new Float64Array(0), new BigInt64Array(0), \
              new BigUint64Array(0), {}, (function () { return arguments; })(), {}]",
        )
        .unwrap();
    let classes = Classes::learn(&samples).unwrap();
    let proto: Object = ctx.eval("Object.prototype").unwrap();
    let fns: rquickjs::Array = ctx
        .eval(
            "(() => { const g = (p, n) => Object.getOwnPropertyDescriptor(p, n).get; return [ \
              g(ArrayBuffer.prototype, 'detached'), g(ArrayBuffer.prototype, 'resizable'), Date.prototype.getTime, \
              Map, Map.prototype.set, Map.prototype.forEach, Set, Set.prototype.add, Set.prototype.forEach, \
              g(RegExp.prototype, 'source'), RegExp, Number.prototype.valueOf, String.prototype.valueOf, \
              Boolean.prototype.valueOf, BigInt.prototype.valueOf, BigInt.prototype.toString, BigInt, \
              Error.prototype, EvalError.prototype, RangeError.prototype, ReferenceError.prototype, \
              SyntaxError.prototype, TypeError.prototype, URIError.prototype, new Error(), \
              Array.prototype, Array.prototype[Symbol.iterator], Object.getPrototypeOf([][Symbol.iterator]()), \
              Object.getPrototypeOf([][Symbol.iterator]()).next, {[Symbol.iterator]: 0}]; })()",
        )
        .unwrap();
    let flags: rquickjs::Array = ctx
        .eval(
            "(() => { const b = {hasIndices: 128, global: 1, ignoreCase: 2, multiline: 4, dotAll: 32, unicode: 16, unicodeSets: 256, sticky: 8}; \
              const out = []; for (const n in b) { const d = Object.getOwnPropertyDescriptor(RegExp.prototype, n); \
              if (d && d.get) out.push(b[n], d.get); } return out; })()",
        )
        .unwrap();
    Setup {
        classes,
        proto: crate::engine::ffi::object_address(&proto),
        natives: Natives::new(ctx, &fns, &flags).unwrap().unwrap(),
    }
}

/// A new runtime and context, and what [`write()`] needs there; the
/// caches are dropped before the runtime (whose own check then finds
/// any leaked object).
fn with_writer(f: impl FnOnce(&rquickjs::Ctx<'_>, &Setup, &mut Caches)) {
    let rt = Runtime::new().unwrap();
    let ctx = Context::full(&rt).unwrap();
    ctx.with(|ctx| {
        let s = setup(&ctx);
        let mut caches = Caches::new(&ctx);
        f(&ctx, &s, &mut caches);
    });
}

/// The bytes the direct writer writes for `v`, or `None` if it leaves it.
fn try_write(
    ctx: &rquickjs::Ctx<'_>,
    s: &Setup,
    caches: &mut Caches,
    v: &Value<'_>,
) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let env = Env {
        classes: &s.classes,
        object_proto: s.proto,
        natives: Some(&s.natives),
    };
    let taken = write(
        ctx,
        &env,
        crate::engine::ffi::Lent::of(v),
        &mut bytes,
        caches,
        None,
    );
    taken.unwrap().then_some(bytes)
}

/// The bytes the direct writer writes for `v` (which it must take).
fn written(ctx: &rquickjs::Ctx<'_>, s: &Setup, caches: &mut Caches, v: &Value<'_>) -> Vec<u8> {
    try_write(ctx, s, caches, v).expect("left to the general path")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn direct(exprs: &[&str]) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::new();
    with_writer(|ctx, s, _| {
        for e in exprs {
            let v: Value = ctx.eval(*e).unwrap();
            let mut caches = Caches::new(ctx);
            // Twice: the second time with the names cached.
            let first = try_write(ctx, s, &mut caches, &v);
            let again = try_write(ctx, s, &mut caches, &v);
            assert_eq!(first, again, "{e}: the same bytes with names cached");
            out.push(first);
        }
    });
    out
}

#[test]
fn the_direct_bytes_are_v8s() {
    use std::io::Write;
    // One expression per line on stdin; one hex line per expression out.
    let script = "const v8 = require('v8'); \
        for (const e of require('fs').readFileSync(0, 'utf8').split('\\n').filter(Boolean)) \
        console.log(v8.serialize(eval(e)).toString('hex'));";
    let mut node = std::process::Command::new("node")
        .args(["-e", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node (the oracle) runs");
    node.stdin
        .take()
        .unwrap()
        .write_all(TAKEN.join("\n").as_bytes())
        .unwrap();
    let out = node.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v8: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(v8.len(), TAKEN.len());
    for ((e, ours), theirs) in TAKEN.iter().zip(direct(TAKEN)).zip(v8) {
        let ours = ours.unwrap_or_else(|| panic!("{e}: left to the general path"));
        assert_eq!(hex(&ours), theirs, "{e}");
    }
}

/// ArrayBuffers and typed arrays: the general decoder and encoder give
/// back the very bytes the direct writer wrote; the direct reader makes
/// what writes the same bytes again, with the same contents and views.
#[test]
fn views_are_the_general_paths_bytes_and_read_back() {
    with_writer(|ctx, s, caches| {
        let describe: rquickjs::Function = ctx
            .eval(
                "(v) => JSON.stringify(v, (k, x) => ArrayBuffer.isView(x)                        ? [x.constructor.name, x.byteOffset, x.length, x.buffer.byteLength, Array.from(x, String)]                        : x instanceof ArrayBuffer ? ['ArrayBuffer', Array.from(new Uint8Array(x))] : x)",
            )
            .unwrap();
        for e in TAKEN_VIEWS {
            let v: Value = ctx.eval(*e).unwrap();
            let bytes = written(ctx, s, caches, &v);
            let graph =
                msgport_clone::deserialize_with_transfer(&bytes, Vec::new(), 0, Default::default())
                    .unwrap_or_else(|err| panic!("{e}: {err}"));
            let again = msgport_clone::to_bytes_graph(&graph).unwrap();
            assert_eq!(hex(&again), hex(&bytes), "{e}: the general path's bytes");
            let back = read(ctx, &bytes, caches, Some(&s.natives))
                .unwrap()
                .unwrap_or_else(|| panic!("{e}: not read"));
            let rewritten = written(ctx, s, caches, &back);
            assert_eq!(hex(&rewritten), hex(&bytes), "{e}: read then written again");
            let (a, b): (String, String) = (
                describe.call((v.clone(),)).unwrap(),
                describe.call((back.clone(),)).unwrap(),
            );
            assert_eq!(a, b, "{e}: contents and views");
        }
        // Sharing survives: two views over one buffer read as one buffer.
        let v: Value = ctx
            .eval("(() => { const b = new ArrayBuffer(8); return [new Uint8Array(b), new Uint16Array(b, 2, 2), b]; })()")
            .unwrap();
        let bytes = written(ctx, s, caches, &v);
        let back = read(ctx, &bytes, caches, Some(&s.natives))
            .unwrap()
            .unwrap();
        let shared: rquickjs::Function = ctx
            .eval("(a) => a[0].buffer === a[1].buffer && a[1].buffer === a[2] && (a[0][3] = 7, a[1][0] === 7 << 8)")
            .unwrap();
        assert!(shared.call::<_, bool>((back,)).unwrap());
        // A view whose offset or length does not fit its buffer, or has
        // flags, is the general decoder's.
        for bad in [
            &b"\xFF\x0FB\x02\x01\x02VB\x01\x02\x00"[..], // past the end
            b"\xFF\x0FB\x04\x01\x02\x03\x04VW\x01\x02\x00", // misaligned
            b"\xFF\x0FB\x02\x01\x02VB\x00\x02\x01",      // length tracking
            b"\xFF\x0FB\x02\x01\x02V?\x00\x02\x00",      // a DataView
            b"\xFF\x0FB\x09\x01",                        // short
        ] {
            assert!(
                read(ctx, bad, caches, Some(&s.natives)).unwrap().is_none(),
                "{bad:?}"
            );
        }
    });
}

#[test]
fn reading_is_writings_inverse_and_gives_up_on_anything_unexpected() {
    let rt = Runtime::new().unwrap();
    let ctx = Context::full(&rt).unwrap();
    ctx.with(|ctx| {
        let s = setup(&ctx);
        let caches = std::cell::RefCell::new(Caches::new(&ctx));
        let bytes_of = |v: &Value<'_>| written(&ctx, &s, &mut caches.borrow_mut(), v);
        for e in TAKEN {
            let bytes = bytes_of(&ctx.eval::<Value, _>(*e).unwrap());
            let back = read(&ctx, &bytes, &mut caches.borrow_mut(), Some(&s.natives)).unwrap();
            if READ_BY_THE_GENERAL_DECODER.contains(e) {
                assert!(back.is_none(), "{e}: read directly");
                continue;
            }
            let back = back.unwrap_or_else(|| panic!("{e}: not read"));
            assert_eq!(bytes_of(&back), bytes, "{e}: read then written again");
            // Every truncation, and trailing garbage, is the general decoder's.
            for n in 0..bytes.len() {
                assert!(
                    read(
                        &ctx,
                        &bytes[..n],
                        &mut caches.borrow_mut(),
                        Some(&s.natives)
                    )
                    .unwrap()
                    .is_none(),
                    "{e}: {n} bytes"
                );
            }
            let mut longer = bytes.clone();
            longer.push(b'_');
            assert!(
                read(&ctx, &longer, &mut caches.borrow_mut(), Some(&s.natives))
                    .unwrap()
                    .is_none(),
                "{e}: trailing byte"
            );
        }
        // Sharing and cycles come back as sharing and cycles.
        let shared: Value = ctx
            .eval("(() => { const s = {x: 1}; const o = {a: s, b: s}; o.me = o; return o; })()")
            .unwrap();
        let back = read(
            &ctx,
            &bytes_of(&shared),
            &mut caches.borrow_mut(),
            Some(&s.natives),
        )
        .unwrap()
        .unwrap();
        let check: rquickjs::Function = ctx
            .eval("(o) => o.a === o.b && o.me === o && o.a.x === 1")
            .unwrap();
        assert!(check.call::<_, bool>((back,)).unwrap());
        // A wrong property count, a reference to no object, a version
        // other than 15, a key that looks like an index.
        for bad in [
            &b"\xFF\x0Fo\x22\x01a\x49\x02{\x02"[..],
            b"\xFF\x0F^\x00",
            b"\xFF\x0Do{\x00",
            b"\xFF\x0Fo\x22\x011\x49\x02{\x01",
        ] {
            assert!(
                read(&ctx, bad, &mut caches.borrow_mut(), Some(&s.natives))
                    .unwrap()
                    .is_none(),
                "{bad:?}"
            );
        }
        assert!(read(
            &ctx,
            b"\xFF\x0Fo\x22\x01a\x49\x02{\x01",
            &mut caches.borrow_mut(),
            Some(&s.natives)
        )
        .unwrap()
        .is_some());
    });
}

/// Mutated messages (bytes changed, dropped, duplicated, over and over,
/// with the caches warm): the reader never panics, and everything it
/// made or gave up on is freed — the runtime's own check at the end
/// (QuickJS asserts that no object is left) fails on any leak.
#[test]
fn mutated_messages_neither_panic_nor_leak() {
    with_writer(|ctx, s, caches| {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut read_some = 0;
        for e in TAKEN.iter().chain(TAKEN_VIEWS) {
            let v: Value = ctx.eval(*e).unwrap();
            let bytes = written(ctx, s, caches, &v);
            for _ in 0..300 {
                let mut m = bytes.clone();
                for _ in 0..1 + next() % 3 {
                    let at = (next() as usize) % m.len().max(1);
                    match next() % 3 {
                        0 if !m.is_empty() => m[at] = next() as u8,
                        1 if !m.is_empty() => {
                            m.remove(at);
                        }
                        _ => m.insert(at.min(m.len()), next() as u8),
                    }
                }
                if read(ctx, &m, caches, Some(&s.natives)).unwrap().is_some() {
                    read_some += 1;
                }
            }
        }
        // Some mutations are still messages (a changed number or letter).
        assert!(read_some > 0);
    });
}

#[test]
fn everything_else_is_left_to_the_general_path() {
    for (e, r) in LEFT.iter().zip(direct(LEFT)) {
        assert!(r.is_none(), "{e} was written directly");
    }
}
