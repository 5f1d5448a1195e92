//! The direct writer and reader against the general path and V8.

use super::*;
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
];

/// Messages the direct writer takes but the direct reader leaves to the
/// general decoder: an array that holds itself (the reader makes an
/// array after its elements).
const READ_BY_THE_GENERAL_DECODER: &[&str] =
    &["(() => { const a = []; a.push(a, {a}); return a; })()"];

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
    "[1, , 3]",
    "Object.assign([1], {x: 2})",
    "Object.defineProperty([1, 2], 1, {get() { return 2; }, enumerable: true})",
    "({a: [1, new Map()]})",
    "({get g() { return 1; }})",
    "({s: Symbol('s')})",
    "({b: 2n ** 70n})",
    "'\\ud800'",
    "({a: 'x\\udc00'})",
    "({2147483648: 1})",
    "({'01': 1})",
    "Object.create(null)",
    "new (class K { constructor() { this.x = 1; } })()",
    "new Map()",
    "(() => { let o = {}; for (let i = 0; i < 70; i++) o = {o}; return o; })()",
    "({f() {}})",
];

/// The engine's class id of plain objects and `Object.prototype`'s
/// address, as the host passes them to [`write()`].
fn plain_class_and_proto(ctx: &rquickjs::Ctx<'_>) -> (u32, usize) {
    let plain = crate::engine::ffi::class_id(&ctx.eval::<Value, _>("({})").unwrap());
    let proto: Object = ctx.eval("Object.prototype").unwrap();
    (plain, crate::engine::ffi::object_address(&proto))
}

/// A new runtime and context, and what [`write()`] needs there; the
/// caches are dropped before the runtime (whose own check then finds
/// any leaked object).
fn with_writer(f: impl FnOnce(&rquickjs::Ctx<'_>, u32, usize, &SlotReader, &mut Caches)) {
    let rt = Runtime::new().unwrap();
    let ctx = Context::full(&rt).unwrap();
    ctx.with(|ctx| {
        let (plain, proto) = plain_class_and_proto(&ctx);
        let check = slot_reader(&ctx);
        let mut caches = Caches::new(&ctx);
        f(&ctx, plain, proto, &check, &mut caches);
    });
}

/// The bytes the direct writer writes for `v` (which it must take).
fn written<'js>(
    ctx: &rquickjs::Ctx<'js>,
    plain: u32,
    proto: usize,
    check: &SlotReader,
    caches: &mut Caches,
    v: &Value<'js>,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    let taken = write(
        ctx,
        plain,
        proto,
        Some(check),
        crate::engine::ffi::Lent::of(v),
        &mut bytes,
        caches,
    );
    assert!(taken.unwrap(), "left to the general path");
    bytes
}

/// The prelude's buffer check, as a test script can write it.
fn slot_reader(ctx: &rquickjs::Ctx<'_>) -> SlotReader {
    let f: rquickjs::Function = ctx
        .eval(
            "(o, kind) => kind === 0 ? o.detached || o.resizable : Date.prototype.getTime.call(o)",
        )
        .unwrap();
    SlotReader::new(ctx, &f)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn direct(exprs: &[&str]) -> Vec<Option<Vec<u8>>> {
    let rt = Runtime::new().unwrap();
    let ctx = Context::full(&rt).unwrap();
    ctx.with(|ctx| {
        let (plain, proto) = plain_class_and_proto(&ctx);
        let check = slot_reader(&ctx);
        exprs
            .iter()
            .map(|e| {
                let v: Value = ctx.eval(*e).unwrap();
                let mut buf = Vec::new();
                let mut caches = Caches::new(&ctx);
                // Twice: the second time with the names cached.
                write(
                    &ctx,
                    plain,
                    proto,
                    Some(&check),
                    crate::engine::ffi::Lent::of(&v),
                    &mut buf,
                    &mut caches,
                )
                .unwrap();
                let mut again = Vec::new();
                let r = write(
                    &ctx,
                    plain,
                    proto,
                    Some(&check),
                    crate::engine::ffi::Lent::of(&v),
                    &mut again,
                    &mut caches,
                )
                .unwrap();
                assert_eq!(buf, again, "{e}: the same bytes with names cached");
                r.then_some(buf)
            })
            .collect()
    })
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
    with_writer(|ctx, plain, proto, check, caches| {
        let describe: rquickjs::Function = ctx
            .eval(
                "(v) => JSON.stringify(v, (k, x) => ArrayBuffer.isView(x)                        ? [x.constructor.name, x.byteOffset, x.length, x.buffer.byteLength, Array.from(x, String)]                        : x instanceof ArrayBuffer ? ['ArrayBuffer', Array.from(new Uint8Array(x))] : x)",
            )
            .unwrap();
        for e in TAKEN_VIEWS {
            let v: Value = ctx.eval(*e).unwrap();
            let bytes = written(ctx, plain, proto, check, caches, &v);
            let graph =
                msgport_clone::deserialize_with_transfer(&bytes, Vec::new(), 0, Default::default())
                    .unwrap_or_else(|err| panic!("{e}: {err}"));
            let again = msgport_clone::to_bytes_graph(&graph).unwrap();
            assert_eq!(hex(&again), hex(&bytes), "{e}: the general path's bytes");
            let back = read(ctx, &bytes, caches)
                .unwrap()
                .unwrap_or_else(|| panic!("{e}: not read"));
            let mut rewritten = Vec::new();
            assert!(write(
                ctx,
                plain,
                proto,
                Some(check),
                crate::engine::ffi::Lent::of(&back),
                &mut rewritten,
                caches
            )
            .unwrap());
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
        let bytes = written(ctx, plain, proto, check, caches, &v);
        let back = read(ctx, &bytes, caches).unwrap().unwrap();
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
            assert!(read(ctx, bad, caches).unwrap().is_none(), "{bad:?}");
        }
    });
}

#[test]
fn reading_is_writings_inverse_and_gives_up_on_anything_unexpected() {
    let rt = Runtime::new().unwrap();
    let ctx = Context::full(&rt).unwrap();
    ctx.with(|ctx| {
        let (plain, proto) = plain_class_and_proto(&ctx);
        let check = slot_reader(&ctx);
        let caches = std::cell::RefCell::new(Caches::new(&ctx));
        let bytes_of = |v: &Value<'_>| {
            let mut buf = Vec::new();
            assert!(write(
                &ctx,
                plain,
                proto,
                Some(&check),
                crate::engine::ffi::Lent::of(v),
                &mut buf,
                &mut caches.borrow_mut()
            )
            .unwrap());
            buf
        };
        for e in TAKEN {
            let bytes = bytes_of(&ctx.eval::<Value, _>(*e).unwrap());
            let back = read(&ctx, &bytes, &mut caches.borrow_mut()).unwrap();
            if READ_BY_THE_GENERAL_DECODER.contains(e) {
                assert!(back.is_none(), "{e}: read directly");
                continue;
            }
            let back = back.unwrap_or_else(|| panic!("{e}: not read"));
            assert_eq!(bytes_of(&back), bytes, "{e}: read then written again");
            // Every truncation, and trailing garbage, is the general decoder's.
            for n in 0..bytes.len() {
                assert!(
                    read(&ctx, &bytes[..n], &mut caches.borrow_mut())
                        .unwrap()
                        .is_none(),
                    "{e}: {n} bytes"
                );
            }
            let mut longer = bytes.clone();
            longer.push(b'_');
            assert!(
                read(&ctx, &longer, &mut caches.borrow_mut())
                    .unwrap()
                    .is_none(),
                "{e}: trailing byte"
            );
        }
        // Sharing and cycles come back as sharing and cycles.
        let shared: Value = ctx
            .eval("(() => { const s = {x: 1}; const o = {a: s, b: s}; o.me = o; return o; })()")
            .unwrap();
        let back = read(&ctx, &bytes_of(&shared), &mut caches.borrow_mut())
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
                read(&ctx, bad, &mut caches.borrow_mut()).unwrap().is_none(),
                "{bad:?}"
            );
        }
        assert!(read(
            &ctx,
            b"\xFF\x0Fo\x22\x01a\x49\x02{\x01",
            &mut caches.borrow_mut()
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
    with_writer(|ctx, plain, proto, check, caches| {
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
            let bytes = written(ctx, plain, proto, check, caches, &v);
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
                if read(ctx, &m, caches).unwrap().is_some() {
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
