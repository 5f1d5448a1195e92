//! StructuredSerialize straight from JS values to wire bytes, for the
//! messages most programs post (HTML `#structuredserializeinternal`).
//!
//! The general path ([`crate::clone`]) builds msgport-clone's
//! [`Graph`](msgport_clone::Graph) first and then encodes it, converting
//! every key, string and number twice. A `postMessage` with no transfer list
//! whose message is made of primitives and plain objects (the prototype is
//! `Object.prototype`, every own enumerable property is a data property) is
//! written here in one pass, with the same bytes.
//!
//! Anything else (an accessor, which is user code; an Array, Map, Date or any
//! other kind; a symbol; a string with a lone surrogate; a key that looks
//! like an index; nesting deeper than [`MAX_DEPTH`]) makes [`write`] give up
//! and return `false`, and the caller runs the general path from the start.
//! Giving up is never observable: until then no JavaScript has run (keys
//! are listed and data properties read by the engine), and the bytes
//! written so far are thrown away. The general path is the reference for
//! every rule.

use crate::direct::AddressHasher;
use msgport_clone::wire::{tag, Writer};
use rquickjs::{qjs, Ctx};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Deeper messages are left to the general path (which has no limit).
pub(crate) const MAX_DEPTH: u32 = 64;

/// Objects written so far, by address → wire id. A short list is searched
/// linearly; past [`LINEAR`] objects a map takes over.
const LINEAR: usize = 16;

struct W<'a> {
    c: *mut qjs::JSContext,
    w: &'a mut Writer,
    plain_class: u32,
    object_proto: usize,
    seen: Vec<usize>,
    map: Option<HashMap<usize, u32, BuildHasherDefault<AddressHasher>>>,
}

/// Writes `value` (header included) into `buf`, which must be empty.
/// `Ok(false)`: the value needs the general path; `buf` holds garbage.
/// `plain_class` is the engine's class id of ordinary objects and
/// `object_proto` the address of `Object.prototype`. Errors are the
/// engine's (out of memory).
pub(crate) fn write(
    ctx: &Ctx<'_>,
    plain_class: u32,
    object_proto: usize,
    value: qjs::JSValue,
    buf: &mut Vec<u8>,
) -> rquickjs::Result<bool> {
    let mut w = Writer::over(std::mem::take(buf));
    let r = W {
        c: ctx.as_raw().as_ptr(),
        w: &mut w,
        plain_class,
        object_proto,
        seen: Vec::new(),
        map: None,
    }
    .value(value, 0);
    *buf = w.buf;
    r
}

impl W<'_> {
    fn value(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        // Sound: the tag and payload of a value the caller keeps alive.
        match unsafe { qjs::JS_VALUE_GET_TAG(v) } {
            qjs::JS_TAG_INT => {
                self.w.tag(tag::INT32);
                self.w.zigzag(unsafe { v.u.int32 });
            }
            qjs::JS_TAG_FLOAT64 => self.w.number(unsafe { v.u.float64 }),
            qjs::JS_TAG_BOOL => self.w.tag(if unsafe { v.u.int32 } != 0 {
                tag::TRUE
            } else {
                tag::FALSE
            }),
            qjs::JS_TAG_NULL => self.w.tag(tag::NULL),
            qjs::JS_TAG_UNDEFINED => self.w.tag(tag::UNDEFINED),
            qjs::JS_TAG_STRING => return self.string(v),
            qjs::JS_TAG_OBJECT => return self.object(v, depth),
            // Ropes, BigInts, symbols: the general path's.
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A string, as the general path writes it (one-byte if every
    /// character is Latin-1, else two-byte). Gives up on a lone surrogate,
    /// which has no UTF-8 form. Sound: `JS_ToCStringLen2` on a string runs
    /// no JavaScript and returns bytes owned until `JS_FreeCString`, called
    /// once on every path.
    fn string(&mut self, v: qjs::JSValue) -> rquickjs::Result<bool> {
        let mut len: qjs::size_t = 0;
        let p = unsafe { qjs::JS_ToCStringLen2(self.c, &mut len, v, false) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        let ok = match std::str::from_utf8(bytes) {
            Ok(s) => {
                self.w.str(s);
                true
            }
            Err(_) => false,
        };
        unsafe { qjs::JS_FreeCString(self.c, p) };
        Ok(ok)
    }

    /// The wire id of an object already written, else records it.
    fn seen(&mut self, addr: usize) -> Option<u32> {
        if let Some(map) = &mut self.map {
            let next = map.len() as u32;
            return match map.entry(addr) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(next);
                    None
                }
            };
        }
        if let Some(i) = self.seen.iter().position(|&a| a == addr) {
            return Some(i as u32);
        }
        self.seen.push(addr);
        if self.seen.len() > LINEAR {
            self.map = Some(
                self.seen
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| (a, i as u32))
                    .collect(),
            );
        }
        None
    }

    /// An ordinary object with `Object.prototype`: `o`, its own enumerable
    /// string-keyed properties in order, `{` and their count.
    ///
    /// Sound: the key table from `JS_GetOwnPropertyNames` owns its atoms
    /// and is freed once on every path by `KeyTable`'s drop. For an
    /// ordinary object, listing keys and `JS_GetOwnProperty` run no
    /// JavaScript; the descriptor's three values are new references, each
    /// freed once (the value after it was written).
    fn object(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        if depth >= MAX_DEPTH || unsafe { qjs::JS_GetClassID(v) } != self.plain_class {
            return Ok(false);
        }
        let proto = unsafe {
            let p = qjs::JS_GetPrototype(self.c, v);
            let addr = if qjs::JS_VALUE_GET_TAG(p) == qjs::JS_TAG_OBJECT {
                p.u.ptr as usize
            } else {
                0
            };
            qjs::JS_FreeValue(self.c, p);
            addr
        };
        if proto != self.object_proto {
            return Ok(false);
        }
        if let Some(id) = self.seen(unsafe { v.u.ptr as usize }) {
            self.w.tag(tag::OBJECT_REFERENCE);
            self.w.varint(u64::from(id));
            return Ok(true);
        }
        struct KeyTable(*mut qjs::JSContext, *mut qjs::JSPropertyEnum, u32);
        impl Drop for KeyTable {
            fn drop(&mut self) {
                if !self.1.is_null() {
                    unsafe { qjs::JS_FreePropertyEnum(self.0, self.1, self.2) }
                }
            }
        }
        let c = self.c;
        let mut keys = KeyTable(c, std::ptr::null_mut(), 0);
        let flags = (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY) as i32;
        if unsafe { qjs::JS_GetOwnPropertyNames(c, &mut keys.1, &mut keys.2, v, flags) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
        self.w.tag(tag::BEGIN_JS_OBJECT);
        let mut count = 0u64;
        for i in 0..keys.2 as usize {
            let atom = unsafe { (*keys.1.add(i)).atom };
            let mut desc = std::mem::MaybeUninit::<qjs::JSPropertyDescriptor>::uninit();
            let r = unsafe { qjs::JS_GetOwnProperty(c, desc.as_mut_ptr(), v, atom) };
            if r < 0 {
                return Err(rquickjs::Error::Exception);
            }
            if r == 0 {
                continue;
            }
            let desc = unsafe { desc.assume_init() };
            unsafe {
                qjs::JS_FreeValue(c, desc.getter);
                qjs::JS_FreeValue(c, desc.setter);
            }
            let accessor = desc.flags & qjs::JS_PROP_GETSET as i32 != 0;
            let written = if accessor {
                Ok(false)
            } else {
                match self.key(atom) {
                    Ok(true) => self.value(desc.value, depth + 1),
                    other => other,
                }
            };
            unsafe { qjs::JS_FreeValue(c, desc.value) };
            if !written? {
                return Ok(false);
            }
            count += 1;
        }
        self.w.tag(tag::END_JS_OBJECT);
        self.w.varint(count);
        Ok(true)
    }

    /// A property key: an integer index as a number, a name as a string.
    /// A name starting with a digit may be an index past the engine's
    /// tagged range; those are left to the general path. Sound: the
    /// C string of an atom is freed once.
    fn key(&mut self, atom: qjs::JSAtom) -> rquickjs::Result<bool> {
        const TAGGED_INT: u32 = 1 << 31;
        if atom & TAGGED_INT != 0 {
            self.w.number(f64::from(atom & !TAGGED_INT));
            return Ok(true);
        }
        let mut len: qjs::size_t = 0;
        let p = unsafe { qjs::JS_AtomToCStringLen(self.c, &mut len, atom) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        let ok = match std::str::from_utf8(bytes) {
            Ok(s) if !s.starts_with(|c: char| c.is_ascii_digit()) => {
                self.w.str(s);
                true
            }
            _ => false,
        };
        unsafe { qjs::JS_FreeCString(self.c, p) };
        Ok(ok)
    }
}

#[cfg(test)]
mod tests {
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
    ];

    /// Messages left to the general path (before any JavaScript runs).
    const LEFT: &[&str] = &[
        "[1, 2]",
        "({a: [1]})",
        "({get g() { return 1; }})",
        "({s: Symbol('s')})",
        "({b: 1n})",
        "'\\ud800'",
        "({a: 'x\\udc00'})",
        "({2147483648: 1})",
        "({'01': 1})",
        "Object.create(null)",
        "new (class K { constructor() { this.x = 1; } })()",
        "new Map()",
        "({d: new Date(0)})",
        "(() => { let o = {}; for (let i = 0; i < 70; i++) o = {o}; return o; })()",
        "({f() {}})",
    ];

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn direct(exprs: &[&str]) -> Vec<Option<Vec<u8>>> {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let plain = crate::ffi::class_id(&ctx.eval::<Value, _>("({})").unwrap());
            let proto: Object = ctx.eval("Object.prototype").unwrap();
            let proto = crate::ffi::object_address(&proto);
            exprs
                .iter()
                .map(|e| {
                    let v: Value = ctx.eval(*e).unwrap();
                    let mut buf = Vec::new();
                    write(&ctx, plain, proto, v.as_raw(), &mut buf)
                        .unwrap()
                        .then_some(buf)
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
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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

    #[test]
    fn everything_else_is_left_to_the_general_path() {
        for (e, r) in LEFT.iter().zip(direct(LEFT)) {
            assert!(r.is_none(), "{e} was written directly");
        }
    }
}
