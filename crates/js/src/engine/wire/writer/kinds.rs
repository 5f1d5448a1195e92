//! The direct writer's other kinds of objects: Maps, Sets, RegExps,
//! primitive wrappers, BigInts of any size and Errors, written as the
//! general path writes them (msgport-clone's encoder, HTML
//! `#structuredserializeinternal`), read through the captured natives
//! (engine/natives.rs), which run no user code. What would run user code
//! (an accessor on an Error, a non-string message) is left to the general
//! path, which knows the rules.

use super::{DirectWriter, MAX_DEPTH};
use crate::engine::ffi::{KeyTable, OwnProperty, Owned};
use crate::engine::natives::N;
use msgport_clone::wire::{error_tag, tag};
use rquickjs::qjs;

impl DirectWriter<'_> {
    /// A Map (`set == false`: `;`, each key and value, `:` and twice the
    /// count) or a Set (`'`, each value, `,` and the count), in insertion
    /// order.
    pub(super) fn collection(
        &mut self,
        v: qjs::JSValue,
        set: bool,
        depth: u32,
    ) -> rquickjs::Result<bool> {
        let Some(n) = self.natives else {
            return Ok(false);
        };
        if depth >= MAX_DEPTH {
            return Ok(false);
        }
        if self.written_before(v) {
            return Ok(true);
        }
        let start = self.scratch.len();
        // SAFETY: the writer's invariant (`c`, `v` live); forEach calls
        // only the collector; the entries pushed are new references that
        // `scratch` owns, freed below on every path.
        let r = unsafe { n.entries(self.c, v, set, &mut self.scratch) }.and_then(|()| {
            let count = self.scratch.len() - start;
            self.w.tag(if set {
                tag::BEGIN_JS_SET
            } else {
                tag::BEGIN_JS_MAP
            });
            for i in start..start + count {
                let e = self.scratch[i];
                if !self.value(e, depth + 1)? {
                    return Ok(false);
                }
            }
            self.w.tag(if set {
                tag::END_JS_SET
            } else {
                tag::END_JS_MAP
            });
            self.w.varint(count as u64);
            Ok(true)
        });
        for e in self.scratch.drain(start..) {
            // SAFETY: the entries' own references, freed once.
            unsafe { qjs::JS_FreeValue(self.c, e) };
        }
        r
    }

    /// An Array with holes (or whose length is not its count of
    /// elements): `a`, its length, its own enumerable properties (indices
    /// as numbers, then names), `@`, their count and the length, as
    /// msgport-clone's encoder writes an array that is not dense.
    pub(super) fn sparse_array(
        &mut self,
        v: qjs::JSValue,
        keys: &KeyTable,
        len: i64,
        depth: u32,
    ) -> rquickjs::Result<bool> {
        let Ok(len) = u32::try_from(len) else {
            return Ok(false);
        };
        self.w.tag(tag::BEGIN_SPARSE_JS_ARRAY);
        self.w.varint(u64::from(len));
        let Some(count) = self.properties(v, keys, 0, depth)? else {
            return Ok(false);
        };
        self.w.tag(tag::END_SPARSE_JS_ARRAY);
        self.w.varint(count);
        self.w.varint(u64::from(len));
        Ok(true)
    }

    /// Writes the keys and values of `v`'s (an ordinary object's or an
    /// Array's) own properties listed in
    /// `keys` from `from` on; their count, or `None` to give up (an
    /// accessor, or a value or key the direct writer does not take).
    pub(super) fn properties(
        &mut self,
        v: qjs::JSValue,
        keys: &KeyTable,
        from: usize,
        depth: u32,
    ) -> rquickjs::Result<Option<u64>> {
        let c = self.c;
        let mut count = 0;
        for i in from..keys.len() {
            let atom = keys.atom(i);
            // SAFETY: `c` and `v` are live (the writer's invariant), the
            // table keeps `atom`; `v` is an ordinary object or an Array,
            // whose own properties are read without running JavaScript.
            let value = match unsafe { crate::engine::ffi::own_property(c, v, atom)? } {
                OwnProperty::Absent => continue,
                OwnProperty::Accessor => return Ok(None),
                OwnProperty::Data(x) => Owned { c, v: x },
            };
            if !(self.key(atom)? && self.value(value.v, depth + 1)?) {
                return Ok(None);
            }
            count += 1;
        }
        Ok(Some(count))
    }

    /// A RegExp: `R`, its source and its flags.
    pub(super) fn regexp(&mut self, v: qjs::JSValue) -> rquickjs::Result<bool> {
        let Some(n) = self.natives else {
            return Ok(false);
        };
        if self.written_before(v) {
            return Ok(true);
        }
        // SAFETY: the writer's invariant; the getters read slots.
        let (source, flags) = unsafe { n.regexp(self.c, v)? };
        self.w.tag(tag::REGEXP);
        if !self.string(source.v)? {
            return Ok(false);
        }
        self.w.varint(u64::from(flags));
        Ok(true)
    }

    /// A primitive wrapper (`sub`: 0 Number, 1 String, 2 Boolean, 3
    /// BigInt): its tag and its primitive.
    pub(super) fn wrapper(&mut self, v: qjs::JSValue, sub: u8) -> rquickjs::Result<bool> {
        let Some(n) = self.natives else {
            return Ok(false);
        };
        if self.written_before(v) {
            return Ok(true);
        }
        // SAFETY: the writer's invariant; valueOf reads the slot.
        let Some(p) = (unsafe { n.wrapped(self.c, v, sub)? }) else {
            return Ok(false);
        };
        // SAFETY: reads the tag of the primitive just made.
        match (sub, unsafe { qjs::JS_VALUE_GET_TAG(p.v) }) {
            (0, qjs::JS_TAG_INT) => {
                self.w.tag(tag::NUMBER_OBJECT);
                // SAFETY: the payload the tag says.
                self.w.double(f64::from(unsafe { p.v.u.int32 }));
            }
            (0, qjs::JS_TAG_FLOAT64) => {
                self.w.tag(tag::NUMBER_OBJECT);
                // SAFETY: the payload the tag says.
                self.w.double(unsafe { p.v.u.float64 });
            }
            (1, qjs::JS_TAG_STRING) => {
                self.w.tag(tag::STRING_OBJECT);
                return self.string(p.v);
            }
            (2, qjs::JS_TAG_BOOL) => {
                // SAFETY: the payload the tag says.
                let on = unsafe { p.v.u.int32 } != 0;
                self.w.tag(if on {
                    tag::TRUE_OBJECT
                } else {
                    tag::FALSE_OBJECT
                });
            }
            (3, _) => {
                self.w.tag(tag::BIGINT_OBJECT);
                return self.bigint_body(p.v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A BigInt too large to sit in the value: `Z` and its digits.
    pub(super) fn big_bigint(&mut self, v: qjs::JSValue) -> rquickjs::Result<bool> {
        self.w.tag(tag::BIGINT);
        self.bigint_body(v)
    }

    /// A BigInt's sign and 64-bit digits (least significant first, none
    /// for zero), read through its hexadecimal form.
    fn bigint_body(&mut self, v: qjs::JSValue) -> rquickjs::Result<bool> {
        // SAFETY: reads a value's tag and the payload it says.
        if unsafe { qjs::JS_VALUE_GET_TAG(v) } == qjs::JS_TAG_SHORT_BIG_INT {
            // SAFETY: as above.
            let x = i64::from(unsafe { v.u.short_big_int });
            let digits = [x.unsigned_abs()];
            self.w
                .bigint_body(x < 0, if x == 0 { &[] } else { &digits });
            return Ok(true);
        }
        let Some(n) = self.natives else {
            return Ok(false);
        };
        // SAFETY: the writer's invariant; BigInt.prototype.toString on a
        // BigInt runs no user code.
        let hex = unsafe {
            n.call(
                self.c,
                N::BigIntToString,
                v,
                &mut [qjs::JS_MKVAL(qjs::JS_TAG_INT, 16)],
            )?
        };
        let mut len: qjs::size_t = 0;
        // SAFETY: a string the `Owned` keeps; the bytes are freed below.
        let p = unsafe { qjs::JS_ToCStringLen2(self.c, &mut len, hex.v, false) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        // SAFETY: `len` bytes at `p`, the engine's until freed below.
        let text = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        let (negative, hex_digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let digits = hex_to_digits(hex_digits);
        // SAFETY: freed once.
        unsafe { qjs::JS_FreeCString(self.c, p) };
        match digits {
            Some(d) => {
                self.w.bigint_body(negative && !d.is_empty(), &d);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// An Error: `r`, its prototype's tag (none for Error), `m` and its
    /// message, `c` and its cause, `s` and its stack, then `.`. Its
    /// `name` and `stack` are looked up the prototype chain through data
    /// properties only; an accessor anywhere (user code) or a message
    /// that is not a string (whose conversion may be) is the general
    /// path's.
    pub(super) fn error(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        if depth >= MAX_DEPTH {
            return Ok(false);
        }
        if self.written_before(v) {
            return Ok(true);
        }
        let c = self.c;
        let [name, message, stack, cause] =
            ["name", "message", "stack", "cause"].map(|k| Atom::new(c, k));
        let (Some(name), Some(message), Some(stack), Some(cause)) = (name, message, stack, cause)
        else {
            return Err(rquickjs::Error::Exception);
        };
        // SAFETY: the writer's invariant (`c`, `v` live); the atom is live.
        let name = unsafe { crate::engine::properties::data_lookup(self.c, v, name.0)? };
        let Some(name) = name else {
            return Ok(false);
        };
        let proto = match self.text(&name)?.as_deref() {
            Some("EvalError") => Some(error_tag::EVAL_ERROR_PROTOTYPE),
            Some("RangeError") => Some(error_tag::RANGE_ERROR_PROTOTYPE),
            Some("ReferenceError") => Some(error_tag::REFERENCE_ERROR_PROTOTYPE),
            Some("SyntaxError") => Some(error_tag::SYNTAX_ERROR_PROTOTYPE),
            Some("TypeError") => Some(error_tag::TYPE_ERROR_PROTOTYPE),
            Some("URIError") => Some(error_tag::URI_ERROR_PROTOTYPE),
            _ => None,
        };
        // SAFETY: the writer's invariant; `v` is an Error (an ordinary
        // object for property lookups), the atom is live.
        let message = match unsafe { crate::engine::ffi::own_property(c, v, message.0)? } {
            OwnProperty::Absent => None,
            OwnProperty::Accessor => return Ok(false),
            OwnProperty::Data(m) if is_string(m) => Some(Owned { c, v: m }),
            OwnProperty::Data(m) => {
                drop(Owned { c, v: m });
                return Ok(false);
            }
        };
        // SAFETY: as for the name.
        let stack = unsafe { crate::engine::properties::data_lookup(self.c, v, stack.0)? };
        let Some(stack) = stack else {
            return Ok(false);
        };
        // SAFETY: as for the message.
        let cause = match unsafe { crate::engine::ffi::own_property(c, v, cause.0)? } {
            OwnProperty::Absent => None,
            OwnProperty::Accessor => return Ok(false),
            OwnProperty::Data(x) => Some(Owned { c, v: x }),
        };
        self.w.tag(tag::ERROR);
        if let Some(p) = proto {
            self.w.tag(p);
        }
        if let Some(m) = message {
            self.w.tag(error_tag::MESSAGE);
            if !self.string(m.v)? {
                return Ok(false);
            }
        }
        if let Some(x) = cause {
            self.w.tag(error_tag::CAUSE);
            if !self.value(x.v, depth + 1)? {
                return Ok(false);
            }
        }
        if is_string(stack.v) {
            self.w.tag(error_tag::STACK);
            if !self.string(stack.v)? {
                return Ok(false);
            }
        }
        self.w.tag(error_tag::END);
        Ok(true)
    }

    /// The text of a string value (`None` for any other value).
    fn text(&self, v: &Owned) -> rquickjs::Result<Option<String>> {
        if !is_string(v.v) {
            return Ok(None);
        }
        let mut len: qjs::size_t = 0;
        // SAFETY: a string the `Owned` keeps; the bytes are freed below.
        let p = unsafe { qjs::JS_ToCStringLen2(self.c, &mut len, v.v, false) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        // SAFETY: `len` bytes at `p`, the engine's until freed below.
        let s = String::from_utf8_lossy(unsafe {
            std::slice::from_raw_parts(p.cast::<u8>(), len as usize)
        })
        .into_owned();
        // SAFETY: freed once.
        unsafe { qjs::JS_FreeCString(self.c, p) };
        Ok(Some(s))
    }
}

/// Whether a value is a string (flat or rope).
fn is_string(v: qjs::JSValue) -> bool {
    // SAFETY: reads a value's tag.
    let t = unsafe { qjs::JS_VALUE_GET_TAG(v) };
    matches!(t, qjs::JS_TAG_STRING | qjs::JS_TAG_STRING_ROPE)
}

/// Hexadecimal digits (most significant first) as 64-bit digits, least
/// significant first, without leading zero digits. `None` if not hex.
fn hex_to_digits(hex: &[u8]) -> Option<Vec<u64>> {
    let mut digits = Vec::with_capacity(hex.len() / 16 + 1);
    for chunk in hex.rchunks(16) {
        let s = std::str::from_utf8(chunk).ok()?;
        digits.push(u64::from_str_radix(s, 16).ok()?);
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    Some(digits)
}

/// An atom made here and freed on drop.
struct Atom(qjs::JSAtom, *mut qjs::JSContext);

impl Atom {
    fn new(c: *mut qjs::JSContext, key: &str) -> Option<Atom> {
        // SAFETY: `c` is live (the writer's invariant); a new atom, owned
        // by the `Atom`.
        let a = unsafe { qjs::JS_NewAtomLen(c, key.as_ptr().cast(), key.len() as _) };
        (a != qjs::JS_ATOM_NULL).then_some(Atom(a, c))
    }
}

impl Drop for Atom {
    fn drop(&mut self) {
        // SAFETY: the atom this value owns, freed once.
        unsafe { qjs::JS_FreeAtom(self.1, self.0) };
    }
}

#[cfg(test)]
mod tests {
    use super::hex_to_digits;

    #[test]
    fn hex_digits_are_little_endian_words_without_leading_zeros() {
        assert_eq!(hex_to_digits(b"0"), Some(vec![]));
        assert_eq!(hex_to_digits(b"ff"), Some(vec![0xff]));
        assert_eq!(hex_to_digits(b"10000000000000000"), Some(vec![0, 1]));
        assert_eq!(hex_to_digits(b"000000000000000000ab"), Some(vec![0xab]));
        assert_eq!(hex_to_digits(b"xyz"), None);
    }
}
