//! Wire bytes → any `Deserialize` type, with no intermediate value.
//!
//! Strings and ArrayBuffer bytes are borrowed from the input where possible.
//! A back-reference (`^`) to an object already read is expanded by reading
//! that object again (serde types are trees); a cycle is an error, and the
//! total expansion is bounded so that a small hostile input cannot make the
//! decoder do exponential work.

use crate::encode::{DEFAULT_MAX_DEPTH, SHALLOW, STACK_GROW, STACK_RED_ZONE};
use crate::error::{CloneError, Result};
use crate::wire::{error_tag, tag, Reader, WireStr};
use serde::de::{self, IntoDeserializer, Visitor};

mod access;

use access::{ArrayItems, Enum, Items, Props};

/// Deserializes any `Deserialize` type from V8 wire bytes.
///
/// ```
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Msg { i: u32, s: String }
/// // Bytes of Node's `v8.serialize({i: 1, s: "hello"})`.
/// let m: Msg = msgport_clone::from_bytes(b"\xFF\x0Fo\"\x01iI\x02\"\x01s\"\x05hello{\x02").unwrap();
/// assert_eq!(m, Msg { i: 1, s: "hello".into() });
/// ```
pub fn from_bytes<'de, T: de::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    let mut d = Deserializer::new(bytes)?;
    let v = T::deserialize(&mut d)?;
    if d.r.input[d.r.pos..].iter().any(|&b| b != tag::PADDING) {
        return Err(CloneError::TrailingBytes(d.r.remaining()));
    }
    Ok(v)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// An ArrayBuffer whose bytes are at `data`.
    Buffer,
    /// A view; `pos` is where its buffer's expression starts.
    View,
    Other,
}

/// An object seen so far, by wire id (16 bytes: inputs are < 4 GiB, as
/// every V8 length is a u32).
#[derive(Debug, Clone, Copy)]
struct Obj {
    pos: u32,
    data: (u32, u32),
    kind: Kind,
    open: bool,
}

/// The serde deserializer; see [`from_bytes`].
#[derive(Debug)]
pub struct Deserializer<'de> {
    r: Reader<'de>,
    /// Objects by wire id; inline for small messages (no allocation).
    objs: smallvec::SmallVec<[Obj; 8]>,
    replay: u32,
    depth: usize,
    /// Values still allowed to be read while expanding back-references.
    budget: usize,
}

impl<'de> Deserializer<'de> {
    /// A deserializer over `bytes` (header checked).
    #[inline]
    pub fn new(bytes: &'de [u8]) -> Result<Self> {
        if u32::try_from(bytes.len()).is_err() {
            return Err(CloneError::Custom("input larger than 4 GiB".into()));
        }
        Ok(Deserializer {
            r: Reader::new(bytes)?,
            objs: smallvec::SmallVec::new(),
            replay: 0,
            depth: 0,
            budget: bytes.len().saturating_mul(16).max(1 << 16),
        })
    }

    fn register(&mut self, pos: usize, kind: Kind) -> Option<usize> {
        if self.replay > 0 {
            return None;
        }
        self.objs.push(Obj {
            pos: pos as u32, // inputs are < 4 GiB (checked in `new`)
            kind,
            open: true,
            data: (0, 0),
        });
        Some(self.objs.len() - 1)
    }

    fn close(&mut self, id: Option<usize>) {
        if let Some(i) = id {
            self.objs[i].open = false;
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > DEFAULT_MAX_DEPTH {
            return Err(CloneError::TooDeep(DEFAULT_MAX_DEPTH));
        }
        if self.replay > 0 {
            self.budget = self.budget.checked_sub(1).ok_or(CloneError::Custom(
                "shared references expand to too large a tree".into(),
            ))?;
        }
        Ok(())
    }

    #[inline]
    fn tag_skipping_verify(&mut self) -> Result<(usize, u8)> {
        // Fast path: a plain tag byte.
        if let Some(&t) = self.r.input.get(self.r.pos) {
            if t != tag::PADDING && t != tag::VERIFY_OBJECT_COUNT {
                self.r.pos += 1;
                return Ok((self.r.pos - 1, t));
            }
        }
        loop {
            let at = self.r.pos;
            let t = self.r.tag()?;
            if t != tag::VERIFY_OBJECT_COUNT {
                return Ok((at, t));
            }
            self.r.varint32()?;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.r.peek_tag()
    }

    fn visit_str<V: Visitor<'de>>(s: WireStr<'de>, v: V) -> Result<V::Value> {
        if let Some(b) = s.as_borrowed_str() {
            return v.visit_borrowed_str(b);
        }
        match s.to_string_strict() {
            Some(owned) => v.visit_string(owned),
            None => Err(CloneError::Custom(
                "string holds a lone surrogate, which a Rust String cannot".into(),
            )),
        }
    }

    fn bigint<V: Visitor<'de>>(&mut self, v: V) -> Result<V::Value> {
        let (neg, digits) = self.r.bigint_body()?;
        let significant = digits.iter().rposition(|&d| d != 0).map_or(0, |p| p + 1);
        if significant > 2 {
            return Err(CloneError::Custom("BigInt does not fit in 128 bits".into()));
        }
        let mag = u128::from(digits.first().copied().unwrap_or(0))
            | (u128::from(digits.get(1).copied().unwrap_or(0)) << 64);
        if !neg {
            if let Ok(x) = u64::try_from(mag) {
                return v.visit_u64(x);
            }
            return v.visit_u128(mag);
        }
        if mag <= 1 << 63 {
            return v.visit_i64((mag as i128).wrapping_neg() as i64);
        }
        if mag <= 1 << 127 {
            return v.visit_i128((mag as i128).wrapping_neg());
        }
        Err(CloneError::Custom("BigInt does not fit in 128 bits".into()))
    }

    /// After a buffer at `data`: a following view narrows it to its range.
    fn buffer_or_view<V: Visitor<'de>>(
        &mut self,
        start: usize,
        data: (usize, usize),
        v: V,
    ) -> Result<V::Value> {
        let bytes = &self.r.input[data.0..data.0 + data.1];
        if !self.r.eat_tag(tag::ARRAY_BUFFER_VIEW) {
            return v.visit_borrowed_bytes(bytes);
        }
        let id = self.register(start, Kind::View);
        let _sub = self.r.byte()?;
        let off = self.r.varint32()? as usize;
        let len = self.r.varint32()? as usize;
        if self.r.version >= 14 {
            self.r.varint32()?;
        }
        if off.checked_add(len).is_none_or(|e| e > bytes.len()) {
            return Err(self.r.malformed("view out of bounds of its buffer"));
        }
        self.close(id);
        v.visit_borrowed_bytes(&bytes[off..off + len])
    }

    fn reference<V: Visitor<'de>>(&mut self, start: usize, v: V) -> Result<V::Value> {
        let n = self.r.varint32()?;
        let obj = *self
            .objs
            .get(n as usize)
            .ok_or(CloneError::InvalidReference(n))?;
        if obj.open {
            return Err(CloneError::Custom(
                "the value is cyclic and cannot be deserialized into a tree".into(),
            ));
        }
        if obj.kind == Kind::Buffer {
            return self.buffer_or_view(start, (obj.data.0 as usize, obj.data.1 as usize), v);
        }
        let saved = self.r.pos;
        self.r.pos = obj.pos as usize;
        self.replay += 1;
        let out = self.any(v);
        self.replay -= 1;
        self.r.pos = saved;
        out
    }

    fn any<V: Visitor<'de>>(&mut self, v: V) -> Result<V::Value> {
        if self.depth < SHALLOW {
            return self.any_inner(v);
        }
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.any_inner(v))
    }

    fn any_inner<V: Visitor<'de>>(&mut self, v: V) -> Result<V::Value> {
        let (at, t) = self.tag_skipping_verify()?;
        match t {
            tag::UNDEFINED | tag::NULL => v.visit_unit(),
            tag::TRUE => v.visit_bool(true),
            tag::FALSE => v.visit_bool(false),
            tag::INT32 => v.visit_i32(self.r.zigzag()?),
            tag::UINT32 => v.visit_u32(self.r.varint32()?),
            tag::DOUBLE => v.visit_f64(self.r.double()?),
            tag::BIGINT => self.bigint(v),
            tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::UTF8_STRING => {
                let s = self.r.string_body(t)?;
                Self::visit_str(s, v)
            }
            tag::OBJECT_REFERENCE => self.reference(at, v),
            tag::TRUE_OBJECT | tag::FALSE_OBJECT => {
                let id = self.register(at, Kind::Other);
                self.close(id);
                v.visit_bool(t == tag::TRUE_OBJECT)
            }
            tag::NUMBER_OBJECT | tag::DATE => {
                let id = self.register(at, Kind::Other);
                let n = self.r.double()?;
                self.close(id);
                v.visit_f64(n)
            }
            tag::BIGINT_OBJECT => {
                let id = self.register(at, Kind::Other);
                self.close(id);
                self.bigint(v)
            }
            tag::STRING_OBJECT => {
                let id = self.register(at, Kind::Other);
                self.close(id);
                let s = self.r.string()?;
                Self::visit_str(s, v)
            }
            tag::REGEXP => {
                let id = self.register(at, Kind::Other);
                self.close(id);
                let src = self.r.string()?.to_js_string();
                let flags = crate::RegExpFlags(self.r.varint32()?);
                v.visit_string(format!("/{src}/{flags}"))
            }
            tag::ARRAY_BUFFER | tag::RESIZABLE_ARRAY_BUFFER => {
                let id = self.register(at, Kind::Buffer);
                let len = self.r.varint32()? as usize;
                if t == tag::RESIZABLE_ARRAY_BUFFER {
                    self.r.varint32()?;
                }
                let start = self.r.pos;
                self.r.bytes(len)?;
                if let Some(i) = id {
                    self.objs[i].data = (start as u32, len as u32);
                }
                self.close(id);
                self.buffer_or_view(at, (start, len), v)
            }
            tag::BEGIN_JS_OBJECT => self.pairs(at, tag::END_JS_OBJECT, v),
            tag::BEGIN_JS_MAP => self.pairs(at, tag::END_JS_MAP, v),
            tag::BEGIN_JS_SET => {
                let id = self.register(at, Kind::Other);
                self.enter()?;
                let mut access = Items {
                    de: self,
                    end: tag::END_JS_SET,
                    count: 0,
                    done: false,
                };
                let out = v.visit_seq(&mut access)?;
                let count = access.finish()?;
                if self.r.varint32()? != count {
                    return Err(self.r.malformed("set entry count mismatch"));
                }
                self.depth -= 1;
                self.close(id);
                Ok(out)
            }
            tag::BEGIN_DENSE_JS_ARRAY | tag::BEGIN_SPARSE_JS_ARRAY => {
                let id = self.register(at, Kind::Other);
                self.enter()?;
                let len = self.r.varint32()?;
                let dense = t == tag::BEGIN_DENSE_JS_ARRAY;
                if !dense && len as usize > self.r.input.len().saturating_mul(64).max(1 << 16) {
                    return Err(CloneError::Custom(
                        "sparse array too long to expand into a sequence".into(),
                    ));
                }
                let end = if dense {
                    tag::END_DENSE_JS_ARRAY
                } else {
                    tag::END_SPARSE_JS_ARRAY
                };
                let mut access = ArrayItems {
                    de: self,
                    dense,
                    len,
                    next: 0,
                    props: 0,
                };
                let out = v.visit_seq(&mut access)?;
                let props = access.finish(end)?;
                let (num, length) = (self.r.varint32()?, self.r.varint32()?);
                if num != props || length != len {
                    return Err(self.r.malformed("array count mismatch"));
                }
                self.depth -= 1;
                self.close(id);
                Ok(out)
            }
            tag::ERROR => {
                let id = self.register(at, Kind::Other);
                self.enter()?;
                let mut name = "Error";
                let mut fields: Vec<(&'static str, String)> = Vec::new();
                loop {
                    let at = self.r.pos;
                    match self.r.byte()? {
                        error_tag::EVAL_ERROR_PROTOTYPE => name = "EvalError",
                        error_tag::RANGE_ERROR_PROTOTYPE => name = "RangeError",
                        error_tag::REFERENCE_ERROR_PROTOTYPE => name = "ReferenceError",
                        error_tag::SYNTAX_ERROR_PROTOTYPE => name = "SyntaxError",
                        error_tag::TYPE_ERROR_PROTOTYPE => name = "TypeError",
                        error_tag::URI_ERROR_PROTOTYPE => name = "URIError",
                        error_tag::MESSAGE => {
                            fields.push(("message", self.r.string()?.to_js_string().to_string()))
                        }
                        error_tag::STACK => {
                            fields.push(("stack", self.r.string()?.to_js_string().to_string()))
                        }
                        error_tag::CAUSE => {
                            de::Deserialize::deserialize(&mut *self).map(|_: de::IgnoredAny| ())?;
                        }
                        error_tag::END => break,
                        other => return Err(CloneError::UnexpectedTag { tag: other, at }),
                    }
                }
                fields.insert(0, ("name", name.to_string()));
                self.depth -= 1;
                self.close(id);
                v.visit_map(de::value::MapDeserializer::new(fields.into_iter()))
            }
            tag::ARRAY_BUFFER_TRANSFER => Err(CloneError::MissingTransfer(self.r.varint32()?)),
            tag::HOST_OBJECT => Err(CloneError::Custom(format!(
                "a platform object (a transferred port, a Blob, …) at byte {at} where the type \
                 expects another value; read a port into a field of type msgport::MessagePort"
            ))),
            tag::SHARED_ARRAY_BUFFER => Err(CloneError::SharedArrayBuffer),
            _ => Err(CloneError::UnexpectedTag { tag: t, at }),
        }
    }

    /// An object's properties or a Map's entries (after the opening tag at
    /// `at`), up to `end`, as a serde map. The end tag's count is the number
    /// of properties for an object and twice the number of entries for a Map.
    fn pairs<V: Visitor<'de>>(&mut self, at: usize, end: u8, v: V) -> Result<V::Value> {
        let id = self.register(at, Kind::Other);
        self.enter()?;
        let mut access = Props {
            de: self,
            end,
            count: 0,
            done: false,
        };
        let out = v.visit_map(&mut access)?;
        let count = access.finish()?;
        let expected = if end == tag::END_JS_MAP {
            2 * count
        } else {
            count
        };
        if self.r.varint32()? != expected {
            return Err(self.r.malformed("property or entry count mismatch"));
        }
        self.depth -= 1;
        self.close(id);
        Ok(out)
    }

    /// The next byte, if it is the tag `t` (no padding before it): the
    /// common case the typed fast paths below look for.
    #[inline]
    fn plain_tag_is(&self, t: u8) -> bool {
        self.r.input.get(self.r.pos) == Some(&t)
    }

    /// Reads a number for an integer hint: integral doubles and BigInts are
    /// accepted as integers.
    fn integer<V: Visitor<'de>>(&mut self, v: V) -> Result<V::Value> {
        if self.plain_tag_is(tag::INT32) {
            self.r.pos += 1;
            return v.visit_i32(self.r.zigzag()?);
        }
        match self.peek() {
            Some(tag::DOUBLE) => {
                self.r.tag()?;
                let n = self.r.double()?;
                if n.fract() == 0.0 && n.abs() < 9.3e18 {
                    if n >= 0.0 {
                        v.visit_u64(n as u64)
                    } else {
                        v.visit_i64(n as i64)
                    }
                } else {
                    v.visit_f64(n)
                }
            }
            _ => self.any(v),
        }
    }
}

macro_rules! forward_integer {
    ($($m:ident)*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value> { self.integer(v) }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = CloneError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        self.any(v)
    }

    forward_integer!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128);

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        match self.peek() {
            Some(tag::NULL) | Some(tag::UNDEFINED) => {
                self.r.tag()?;
                v.visit_none()
            }
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value> {
        match name {
            crate::slot::HOST => {
                let (at, t) = self.tag_skipping_verify()?;
                if t != tag::HOST_OBJECT {
                    return Err(CloneError::Custom(format!(
                        "expected a transferred port (a host object), found the tag 0x{t:02x} at byte {at}"
                    )));
                }
                let kind = self.r.varint32()?;
                if kind != crate::wire::host_kind::TRANSFERRED {
                    return Err(CloneError::Custom(format!(
                        "expected a transferred port, found a host object of kind {kind} at byte {at}"
                    )));
                }
                let index = self.r.varint32()?;
                v.visit_newtype_struct(de::value::U32Deserializer::<CloneError>::new(index))
            }
            crate::slot::BUFFER if self.peek() == Some(tag::ARRAY_BUFFER_TRANSFER) => {
                self.tag_skipping_verify()?;
                let index = self.r.varint32()?;
                v.visit_newtype_struct(de::value::U32Deserializer::<CloneError>::new(index))
            }
            crate::slot::BUFFER => self.any(v),
            _ => v.visit_newtype_struct(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value> {
        match self.peek() {
            Some(tag::BEGIN_JS_OBJECT) => {
                let (at, _) = self.tag_skipping_verify()?;
                let id = self.register(at, Kind::Other);
                self.enter()?;
                let out = v.visit_enum(Enum { de: &mut *self })?;
                if !self.r.eat_tag(tag::END_JS_OBJECT) || self.r.varint32()? != 1 {
                    return Err(CloneError::Custom(
                        "an enum variant object must have exactly one key".into(),
                    ));
                }
                self.depth -= 1;
                self.close(id);
                Ok(out)
            }
            _ => {
                let (_, t) = self.tag_skipping_verify()?;
                let s = match t {
                    tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::UTF8_STRING => {
                        self.r.string_body(t)?
                    }
                    _ => {
                        return Err(CloneError::Custom(
                            "expected a string or a one-key object for an enum".into(),
                        ))
                    }
                };
                let name = s.to_string_strict().ok_or(CloneError::Custom(
                    "enum name holds a lone surrogate".into(),
                ))?;
                v.visit_enum(name.into_deserializer())
            }
        }
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value> {
        // Fast path: a plain object, without the general dispatch.
        if self.plain_tag_is(tag::BEGIN_JS_OBJECT) && self.depth < crate::encode::SHALLOW {
            let at = self.r.pos;
            self.r.pos += 1;
            return self.pairs(at, tag::END_JS_OBJECT, v);
        }
        self.any(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        if let Some(s) = self.r.short_ascii() {
            return v.visit_borrowed_str(s);
        }
        if self.plain_tag_is(tag::ONE_BYTE_STRING) {
            self.r.pos += 1;
            let s = self.r.string_body(tag::ONE_BYTE_STRING)?;
            return Deserializer::visit_str(s, v);
        }
        self.any(v)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        self.deserialize_str(v)
    }

    /// Skips a value. A transferred object (a port, a transferred
    /// buffer) is skipped too: a type that ignores a field holding one
    /// reads the rest of the message (the object stays with the record).
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        match self.peek() {
            Some(tag::HOST_OBJECT) => {
                let (at, _) = self.tag_skipping_verify()?;
                if self.r.varint32()? != crate::wire::host_kind::TRANSFERRED {
                    self.r.pos = at;
                    return self.any(v);
                }
                self.r.varint32()?;
                v.visit_unit()
            }
            Some(tag::ARRAY_BUFFER_TRANSFER) => {
                self.tag_skipping_verify()?;
                self.r.varint32()?;
                v.visit_unit()
            }
            _ => self.any(v),
        }
    }

    serde::forward_to_deserialize_any! {
        bool f32 f64 char bytes byte_buf unit unit_struct seq tuple
        tuple_struct map identifier
    }
}
