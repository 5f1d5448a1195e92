//! The direct reader's other kinds: Maps, Sets, RegExps, primitive
//! wrappers, BigInts and Errors, made as the general decoder makes them
//! (`crate::clone::deserialize` with the prelude's `cloneMake`), through
//! the captured natives (engine/natives.rs), which run no user code.
//! Whatever the natives refuse (a pattern that does not compile, a flag
//! the engine lacks) is left to the general decoder, which reports it.

use super::{Reader, MAX_DEPTH};
use crate::engine::ffi::Owned;
use crate::engine::natives::N;
use msgport_clone::wire::{error_tag, tag};
use rquickjs::qjs;

/// A property key read from the wire: an atom owned here.
pub(super) struct Key {
    c: *mut qjs::JSContext,
    atom: qjs::JSAtom,
}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the atom this key owns, freed once.
        unsafe { qjs::JS_FreeAtom(self.c, self.atom) };
    }
}

/// Defines `key` on `o` as an enumerable, writable, configurable data
/// property holding `v` (whose reference it takes).
pub(super) fn define(
    c: *mut qjs::JSContext,
    o: qjs::JSValue,
    key: &Key,
    v: Owned,
) -> rquickjs::Result<()> {
    // SAFETY: `c` and `o` are live (the reader's), the key's atom too; the
    // engine takes the value's reference over; `o` is an Array the reader
    // made, whose properties run no user code when defined.
    let r = unsafe {
        qjs::JS_DefinePropertyValue(
            c,
            o,
            key.atom,
            v.into_raw(),
            (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32,
        )
    };
    if r < 0 {
        return Err(rquickjs::Error::Exception);
    }
    Ok(())
}

impl Reader<'_, '_> {
    /// A key that is a name (a string not starting with a digit, which
    /// could be an index the general decoder knows the rules for).
    pub(super) fn name_key(&mut self) -> rquickjs::Result<Option<Key>> {
        let c = self.c;
        let Some((k, first)) = self.string_first()? else {
            return Ok(None);
        };
        if first.is_some_and(|u| (u16::from(b'0')..=u16::from(b'9')).contains(&u)) {
            return Ok(None);
        }
        // SAFETY: the reader's context and the key string are live; a new atom.
        let atom = unsafe { qjs::JS_ValueToAtom(c, k.v) };
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Some(Key { c, atom }))
    }

    /// A key that is a name or an index (a non-negative Smi).
    fn any_key(&mut self) -> rquickjs::Result<Option<Key>> {
        if self.b.get(self.at) != Some(&tag::INT32) {
            return self.name_key();
        }
        self.at += 1;
        match self.varint() {
            // A non-negative Smi: zigzag even.
            Some(z) if z & 1 == 0 && z <= u64::from(u32::MAX) => Ok(Some(Key {
                c: self.c,
                // SAFETY: an index atom (tagged, nothing to count).
                atom: unsafe { qjs::JS_NewAtomUInt32(self.c, (z >> 1) as u32) },
            })),
            _ => Ok(None),
        }
    }

    /// `a`, the length, key/value pairs, `@`, their count and the length:
    /// a new Array with those properties and at least that length.
    pub(super) fn sparse_array(&mut self, depth: u32) -> rquickjs::Result<Option<Owned>> {
        if depth >= MAX_DEPTH {
            return Ok(None);
        }
        let c = self.c;
        let Some(len) = self.varint().filter(|&l| l <= u64::from(u32::MAX)) else {
            return Ok(None);
        };
        // SAFETY: the reader's context is live; `made` takes the new array.
        let a = self.made(unsafe { qjs::JS_NewArray(c) })?;
        self.note(a.v);
        let mut count = 0u64;
        while self.b.get(self.at) != Some(&tag::END_SPARSE_JS_ARRAY) {
            let Some(key) = self.any_key()? else {
                return Ok(None);
            };
            let Some(v) = self.value(depth + 1)? else {
                return Ok(None);
            };
            define(c, a.v, &key, v)?;
            count += 1;
        }
        self.at += 1;
        if self.varint() != Some(count) || self.varint() != Some(len) {
            return Ok(None);
        }
        let mut now: i64 = 0;
        // SAFETY: `a` is an Array this reader made: its length is an own
        // data property, read and set without user code.
        unsafe {
            if qjs::JS_GetLength(c, a.v, &mut now) < 0 {
                return Err(rquickjs::Error::Exception);
            }
            if (len as i64) > now && qjs::JS_SetLength(c, a.v, len as i64) < 0 {
                return Err(rquickjs::Error::Exception);
            }
        }
        Ok(Some(a))
    }

    /// A Map (`;` pairs `:` 2n) or a Set (`'` values `,` n), made first
    /// (a value inside may refer back to it), filled in wire order.
    pub(super) fn collection(&mut self, set: bool, depth: u32) -> rquickjs::Result<Option<Owned>> {
        let Some(n) = self.natives else {
            return Ok(None);
        };
        if depth >= MAX_DEPTH {
            return Ok(None);
        }
        let c = self.c;
        let (ctor, add, end) = if set {
            (N::SetCtor, N::SetAdd, tag::END_JS_SET)
        } else {
            (N::MapCtor, N::MapSet, tag::END_JS_MAP)
        };
        // SAFETY: the reader's invariant (`c` live); a built-in
        // constructor with no argument runs no user code.
        let o = unsafe { n.construct(c, ctor, &mut [])? };
        self.note(o.v);
        let mut count = 0u64;
        while self.b.get(self.at) != Some(&end) {
            let Some(k) = self.value(depth + 1)? else {
                return Ok(None);
            };
            let v = if set {
                None
            } else {
                match self.value(depth + 1)? {
                    Some(v) => Some(v),
                    None => return Ok(None),
                }
            };
            let mut args = [k.v, v.as_ref().map_or(qjs::JS_UNDEFINED, |v| v.v)];
            let args = if set { &mut args[..1] } else { &mut args[..] };
            // SAFETY: `o` is a Map or a Set of this context and the
            // arguments are live values the `Owned`s hold; set/add run
            // no user code.
            drop(unsafe { n.call(c, add, o.v, args)? });
            count += if set { 1 } else { 2 };
        }
        self.at += 1;
        Ok((self.varint() == Some(count)).then_some(o))
    }

    /// `R`, a source and flags: a new RegExp.
    pub(super) fn regexp(&mut self) -> rquickjs::Result<Option<Owned>> {
        let Some(n) = self.natives else {
            return Ok(None);
        };
        let Some(source) = self.string()? else {
            return Ok(None);
        };
        let Some(bits) = self.varint() else {
            return Ok(None);
        };
        // The `l` flag (V8's linear engine) QuickJS lacks, or an unknown
        // bit: the general decoder says what that is.
        const LINEAR: u64 = 1 << 6;
        if bits & !u64::from(msgport_clone::RegExpFlags::ALL) != 0 || bits & LINEAR != 0 {
            return Ok(None);
        }
        let flags = msgport_clone::RegExpFlags(bits as u32).to_string();
        let c = self.c;
        // SAFETY: the reader's context is live; `made` takes the new string.
        let flags =
            self.made(unsafe { qjs::JS_NewStringLen(c, flags.as_ptr().cast(), flags.len() as _) })?;
        // SAFETY: the reader's invariant; the RegExp constructor given two
        // strings runs no user code.
        match unsafe { n.construct(c, N::RegExpCtor, &mut [source.v, flags.v]) } {
            Ok(r) => {
                self.note(r.v);
                Ok(Some(r))
            }
            Err(_) => {
                // A pattern that does not compile: the general decoder's.
                // SAFETY: the pending exception is taken and freed once.
                unsafe { qjs::JS_FreeValue(c, qjs::JS_GetException(c)) };
                Ok(None)
            }
        }
    }

    /// A primitive wrapper (`t`: its tag, already read).
    pub(super) fn wrapper(&mut self, t: u8) -> rquickjs::Result<Option<Owned>> {
        let c = self.c;
        let prim = match t {
            tag::TRUE_OBJECT => Owned {
                c,
                v: qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 1),
            },
            tag::FALSE_OBJECT => Owned {
                c,
                v: qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0),
            },
            tag::NUMBER_OBJECT => match self.bytes(8) {
                Some(b) => Owned {
                    c,
                    // SAFETY: a number (no reference to count).
                    v: unsafe {
                        qjs::JS_NewNumber(c, f64::from_le_bytes(b.try_into().expect("8 bytes")))
                    },
                },
                None => return Ok(None),
            },
            tag::STRING_OBJECT => match self.string()? {
                Some(s) => s,
                None => return Ok(None),
            },
            _ => match self.bigint()? {
                Some(b) => b,
                None => return Ok(None),
            },
        };
        // SAFETY: the reader's context and the primitive are live;
        // ToObject of a primitive makes its wrapper with the intrinsic
        // prototype and runs no user code.
        let o = self.made(unsafe { qjs::JS_ToObject(c, prim.v) })?;
        self.note(o.v);
        Ok(Some(o))
    }

    /// `Z` (read), a sign and length bitfield, and 64-bit digits: a BigInt.
    /// Negative ones beyond 64 bits are the general decoder's.
    pub(super) fn bigint(&mut self) -> rquickjs::Result<Option<Owned>> {
        let c = self.c;
        let Some(bitfield) = self.varint() else {
            return Ok(None);
        };
        let (negative, len) = (bitfield & 1 == 1, bitfield >> 1);
        if len % 8 != 0 {
            return Ok(None);
        }
        let Some(bytes) = self.bytes(len) else {
            return Ok(None);
        };
        let digits: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|d| u64::from_le_bytes(d.try_into().expect("8 bytes")))
            .collect();
        let top = digits.iter().rposition(|&d| d != 0).map_or(0, |i| i + 1);
        let v = match (&digits[..top], negative) {
            // SAFETY: the reader's context is live; `made` takes the new reference.
            ([], _) => unsafe { qjs::JS_NewBigInt64(c, 0) },
            // SAFETY: as above.
            ([d], false) => unsafe { qjs::JS_NewBigUint64(c, *d) },
            // SAFETY: as above.
            ([d], true) if *d <= 1 << 63 => unsafe {
                qjs::JS_NewBigInt64(c, (*d as i64).wrapping_neg())
            },
            (_, true) => return Ok(None),
            (ds, false) => {
                let Some(n) = self.natives else {
                    return Ok(None);
                };
                let mut hex = String::from("0x");
                for (i, d) in ds.iter().rev().enumerate() {
                    if i == 0 {
                        hex.push_str(&format!("{d:x}"));
                    } else {
                        hex.push_str(&format!("{d:016x}"));
                    }
                }
                // SAFETY: the reader's context is live; `made` takes it.
                let s = self.made(unsafe {
                    qjs::JS_NewStringLen(c, hex.as_ptr().cast(), hex.len() as _)
                })?;
                // SAFETY: BigInt(string) parses and runs no user code.
                return unsafe { n.call(c, N::BigIntCtor, qjs::JS_UNDEFINED, &mut [s.v]) }
                    .map(Some);
            }
        };
        self.made(v).map(Some)
    }

    /// `r`, then its prototype's tag, `m` message, `c` cause, `s` stack in
    /// any order, then `.`: a new Error of that kind with those own
    /// properties (non-enumerable, writable, configurable), in a fresh
    /// error's order, as the general decoder makes them: message, cause,
    /// stack.
    pub(super) fn error(&mut self, depth: u32) -> rquickjs::Result<Option<Owned>> {
        let Some(n) = self.natives else {
            return Ok(None);
        };
        if depth >= MAX_DEPTH {
            return Ok(None);
        }
        let c = self.c;
        let mut proto = N::ErrorProto;
        // The prototype's tag comes first, before the object is made.
        if let Some(&t) = self.b.get(self.at) {
            let p = match t {
                error_tag::EVAL_ERROR_PROTOTYPE => Some(N::EvalErrorProto),
                error_tag::RANGE_ERROR_PROTOTYPE => Some(N::RangeErrorProto),
                error_tag::REFERENCE_ERROR_PROTOTYPE => Some(N::ReferenceErrorProto),
                error_tag::SYNTAX_ERROR_PROTOTYPE => Some(N::SyntaxErrorProto),
                error_tag::TYPE_ERROR_PROTOTYPE => Some(N::TypeErrorProto),
                error_tag::URI_ERROR_PROTOTYPE => Some(N::UriErrorProto),
                _ => None,
            };
            if let Some(p) = p {
                proto = p;
                self.at += 1;
            }
        }
        // SAFETY: the reader's context is live and the prototype is one
        // of the list's (kept by it); a new object of the Error class
        // ([[ErrorData]]) with no property and no stack, as `new C()`
        // with a stack limit of 0 makes it; `made` takes it.
        let e =
            self.made(unsafe { qjs::JS_NewObjectProtoClass(c, n.get(proto), n.error_class()) })?;
        self.note(e.v);
        let (mut message, mut stack, mut cause) = (None, None, None);
        loop {
            match self.byte() {
                Some(error_tag::MESSAGE) if message.is_none() => match self.string()? {
                    Some(m) => message = Some(m),
                    None => return Ok(None),
                },
                Some(error_tag::STACK) if stack.is_none() => match self.string()? {
                    Some(s) => stack = Some(s),
                    None => return Ok(None),
                },
                Some(error_tag::CAUSE) if cause.is_none() => match self.value(depth + 1)? {
                    Some(x) => cause = Some(x),
                    None => return Ok(None),
                },
                Some(error_tag::END) => break,
                // A repeated field, a late prototype: the general decoder's.
                _ => return Ok(None),
            }
        }
        // Without a stack, the general decoder's error keeps the one its
        // construction gave it: that case is left to it.
        if stack.is_none() {
            return Ok(None);
        }
        for (key, v) in [(c"message", message), (c"cause", cause), (c"stack", stack)] {
            let Some(v) = v else { continue };
            // SAFETY: `e` is a live object of this context; the engine
            // takes the value's reference over.
            let r = unsafe {
                qjs::JS_DefinePropertyValueStr(
                    c,
                    e.v,
                    key.as_ptr(),
                    v.into_raw(),
                    (qjs::JS_PROP_WRITABLE | qjs::JS_PROP_CONFIGURABLE | qjs::JS_PROP_THROW) as i32,
                )
            };
            if r < 0 {
                return Err(rquickjs::Error::Exception);
            }
        }
        Ok(Some(e))
    }
}
