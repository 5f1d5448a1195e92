//! Low-level pieces of V8's ValueSerializer format, version 15: tags,
//! varints, strings, and a bounds-checked reader. Shared by the `Graph`
//! codec, the serde codec and the JS binding; knows nothing of values.
//!
//! Layout reminders (from V8's `value-serializer.cc`, confirmed against Node):
//! - header `FF 0F`;
//! - integers in the 32-bit Smi range are `I` + zigzag varint, other numbers `N` + f64 LE;
//! - strings are `"` + varint length + Latin-1 bytes, or `c` + varint byte length +
//!   UTF-16LE, preceded by a `00` padding byte when needed so the code units
//!   start at an even offset of the whole buffer;
//! - every object gets the next id (0, 1, …) when first written; `^` + id refers back.

/// Wire format version written by this crate.
pub const VERSION: u32 = 15;
/// Oldest version the decoder reads.
pub const MIN_VERSION: u32 = 13;

/// Serialization tags (V8 `SerializationTag`).
#[allow(missing_docs)]
pub mod tag {
    pub const VERSION: u8 = 0xFF;
    pub const PADDING: u8 = 0x00;
    pub const VERIFY_OBJECT_COUNT: u8 = b'?';
    pub const THE_HOLE: u8 = b'-';
    pub const UNDEFINED: u8 = b'_';
    pub const NULL: u8 = b'0';
    pub const TRUE: u8 = b'T';
    pub const FALSE: u8 = b'F';
    pub const INT32: u8 = b'I';
    pub const UINT32: u8 = b'U';
    pub const DOUBLE: u8 = b'N';
    pub const BIGINT: u8 = b'Z';
    pub const UTF8_STRING: u8 = b'S';
    pub const ONE_BYTE_STRING: u8 = b'"';
    pub const TWO_BYTE_STRING: u8 = b'c';
    pub const OBJECT_REFERENCE: u8 = b'^';
    pub const BEGIN_JS_OBJECT: u8 = b'o';
    pub const END_JS_OBJECT: u8 = b'{';
    pub const BEGIN_SPARSE_JS_ARRAY: u8 = b'a';
    pub const END_SPARSE_JS_ARRAY: u8 = b'@';
    pub const BEGIN_DENSE_JS_ARRAY: u8 = b'A';
    pub const END_DENSE_JS_ARRAY: u8 = b'$';
    pub const DATE: u8 = b'D';
    pub const TRUE_OBJECT: u8 = b'y';
    pub const FALSE_OBJECT: u8 = b'x';
    pub const NUMBER_OBJECT: u8 = b'n';
    pub const BIGINT_OBJECT: u8 = b'z';
    pub const STRING_OBJECT: u8 = b's';
    pub const REGEXP: u8 = b'R';
    pub const BEGIN_JS_MAP: u8 = b';';
    pub const END_JS_MAP: u8 = b':';
    pub const BEGIN_JS_SET: u8 = b'\'';
    pub const END_JS_SET: u8 = b',';
    pub const ARRAY_BUFFER: u8 = b'B';
    pub const RESIZABLE_ARRAY_BUFFER: u8 = b'~';
    pub const ARRAY_BUFFER_TRANSFER: u8 = b't';
    pub const ARRAY_BUFFER_VIEW: u8 = b'V';
    pub const SHARED_ARRAY_BUFFER: u8 = b'u';
    pub const SHARED_OBJECT: u8 = b'p';
    pub const WASM_MODULE_TRANSFER: u8 = b'w';
    pub const HOST_OBJECT: u8 = b'\\';
    pub const WASM_MEMORY_TRANSFER: u8 = b'm';
    pub const ERROR: u8 = b'r';
}

/// Sub-tags inside an `r` (error) record.
#[allow(missing_docs)]
pub mod error_tag {
    pub const EVAL_ERROR_PROTOTYPE: u8 = b'E';
    pub const RANGE_ERROR_PROTOTYPE: u8 = b'R';
    pub const REFERENCE_ERROR_PROTOTYPE: u8 = b'F';
    pub const SYNTAX_ERROR_PROTOTYPE: u8 = b'S';
    pub const TYPE_ERROR_PROTOTYPE: u8 = b'T';
    pub const URI_ERROR_PROTOTYPE: u8 = b'U';
    pub const MESSAGE: u8 = b'm';
    pub const CAUSE: u8 = b'c';
    pub const STACK: u8 = b's';
    pub const END: u8 = b'.';
}

/// msgport's host-object payloads (after the `\` tag): a varint kind, then
/// the kind's own fields. Documented in ARCHITECTURE.md.
#[allow(missing_docs)]
pub mod host_kind {
    /// `varint index` into the record's transferred host objects (ports).
    pub const TRANSFERRED: u32 = 0;
    /// `string type, varint length, bytes`.
    pub const BLOB: u32 = 1;
    /// `string name, double lastModified, string type, varint length, bytes`.
    pub const FILE: u32 = 2;
    /// `string name, string message`.
    pub const DOM_EXCEPTION: u32 = 3;
}

/// The i32 range is V8's Smi range on 64-bit builds without pointer
/// compression (Node): such integers are written as `I`.
#[inline]
pub fn as_smi(n: f64) -> Option<i32> {
    let i = n as i32;
    if i as f64 == n && !(i == 0 && n.is_sign_negative()) {
        Some(i)
    } else {
        None
    }
}

/// Appends V8 wire primitives to a byte vector.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// A writer with the header already written.
    pub fn with_header() -> Self {
        let mut w = Writer {
            buf: Vec::with_capacity(64),
        };
        w.buf.push(tag::VERSION);
        w.varint(u64::from(VERSION));
        w
    }

    /// A writer appending to `buf` (empty), the header written.
    pub fn over(mut buf: Vec<u8>) -> Self {
        buf.push(tag::VERSION);
        let mut w = Writer { buf };
        w.varint(u64::from(VERSION));
        w
    }

    /// Writes a tag byte.
    #[inline]
    pub fn tag(&mut self, t: u8) {
        self.buf.push(t);
    }

    /// Writes an unsigned LEB128 varint.
    #[inline]
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// Writes a varint padded to 5 bytes, for a length not known yet;
    /// returns its position for [`Writer::patch_varint5`].
    pub fn varint5_placeholder(&mut self) -> usize {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x00]);
        at
    }

    /// Fills a placeholder written by [`Writer::varint5_placeholder`].
    pub fn patch_varint5(&mut self, at: usize, v: u32) {
        let mut v = v;
        for i in 0..5 {
            let more = if i < 4 { 0x80 } else { 0 };
            self.buf[at + i] = (v as u8 & 0x7F) | more;
            v >>= 7;
        }
    }

    /// Writes a zigzag-encoded varint.
    #[inline]
    pub fn zigzag(&mut self, v: i32) {
        self.varint(u64::from(((v << 1) ^ (v >> 31)) as u32));
    }

    /// Writes raw little-endian f64 bits.
    #[inline]
    pub fn double(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// Writes a number as V8 does: `I` for Smis, `N` otherwise.
    #[inline]
    pub fn number(&mut self, n: f64) {
        match as_smi(n) {
            Some(i) => {
                self.tag(tag::INT32);
                self.zigzag(i);
            }
            None => {
                self.tag(tag::DOUBLE);
                self.double(n);
            }
        }
    }

    /// Writes a Rust string as a one-byte string if every character is
    /// Latin-1, otherwise as a two-byte string.
    pub fn str(&mut self, s: &str) {
        if s.is_ascii() {
            self.tag(tag::ONE_BYTE_STRING);
            self.varint(s.len() as u64);
            self.buf.extend_from_slice(s.as_bytes());
        } else if s.chars().all(|c| (c as u32) < 0x100) {
            self.tag(tag::ONE_BYTE_STRING);
            self.varint(s.chars().count() as u64);
            self.buf.extend(s.chars().map(|c| c as u8));
        } else {
            let n = s.encode_utf16().count();
            self.two_byte_header(n);
            for u in s.encode_utf16() {
                self.buf.extend_from_slice(&u.to_le_bytes());
            }
        }
    }

    /// Writes UTF-16 code units (lone surrogates allowed).
    pub fn utf16(&mut self, units: &[u16]) {
        if units.iter().all(|&u| u < 0x100) {
            self.tag(tag::ONE_BYTE_STRING);
            self.varint(units.len() as u64);
            self.buf.extend(units.iter().map(|&u| u as u8));
        } else {
            self.two_byte_header(units.len());
            for u in units {
                self.buf.extend_from_slice(&u.to_le_bytes());
            }
        }
    }

    fn two_byte_header(&mut self, units: usize) {
        let byte_len = (units * 2) as u64;
        // V8 aligns the code units to an even offset of the buffer.
        if (self.buf.len() + 1 + varint_len(byte_len)) & 1 == 1 {
            self.tag(tag::PADDING);
        }
        self.tag(tag::TWO_BYTE_STRING);
        self.varint(byte_len);
    }

    /// Writes a BigInt (`Z` tag excluded): bitfield, then 64-bit digits LE.
    pub fn bigint_body(&mut self, negative: bool, digits: &[u64]) {
        let byte_len = (digits.len() * 8) as u64;
        self.varint((byte_len << 1) | u64::from(negative));
        for d in digits {
            self.buf.extend_from_slice(&d.to_le_bytes());
        }
    }

    /// Writes raw bytes.
    #[inline]
    pub fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}

/// Bytes a varint of `v` takes.
#[inline]
pub fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

use crate::error::{CloneError, Result};

/// A bounds-checked cursor over untrusted wire bytes. Every read either
/// consumes at least one byte or fails, so no loop over it can hang.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    /// The whole input.
    pub input: &'a [u8],
    /// Current position.
    pub pos: usize,
    /// Version read from the header.
    pub version: u32,
}

impl<'a> Reader<'a> {
    /// Reads the header; fails unless it names a version in
    /// [`MIN_VERSION`]`..=`[`VERSION`].
    #[inline]
    pub fn new(input: &'a [u8]) -> Result<Self> {
        let mut r = Reader {
            input,
            pos: 0,
            version: 0,
        };
        if r.input.first() != Some(&tag::VERSION) {
            return Err(CloneError::UnsupportedVersion(0));
        }
        r.pos = 1;
        let v = r.varint32()?;
        if !(MIN_VERSION..=VERSION).contains(&v) {
            return Err(CloneError::UnsupportedVersion(v));
        }
        r.version = v;
        Ok(r)
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// A malformed-input error at the current position.
    pub fn malformed(&self, what: &'static str) -> CloneError {
        CloneError::Malformed { at: self.pos, what }
    }

    /// Reads one byte.
    #[inline]
    pub fn byte(&mut self) -> Result<u8> {
        match self.input.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(CloneError::Truncated(self.pos)),
        }
    }

    /// Reads a tag, skipping padding bytes.
    #[inline]
    pub fn tag(&mut self) -> Result<u8> {
        if let Some(&t) = self.input.get(self.pos) {
            if t != tag::PADDING {
                self.pos += 1;
                return Ok(t);
            }
        }
        loop {
            let t = self.byte()?;
            if t != tag::PADDING {
                return Ok(t);
            }
        }
    }

    /// Looks at the next tag (after padding) without consuming it.
    #[inline]
    pub fn peek_tag(&self) -> Option<u8> {
        self.input[self.pos..]
            .iter()
            .copied()
            .find(|&b| b != tag::PADDING)
    }

    /// Consumes the next tag if it is `t`.
    #[inline]
    pub fn eat_tag(&mut self, t: u8) -> bool {
        match self.input.get(self.pos) {
            Some(&b) if b == t => {
                self.pos += 1;
                return true;
            }
            Some(&b) if b != tag::PADDING => return false,
            _ => {}
        }
        let mut p = self.pos;
        while self.input.get(p) == Some(&tag::PADDING) {
            p += 1;
        }
        if self.input.get(p) == Some(&t) {
            self.pos = p + 1;
            true
        } else {
            false
        }
    }

    /// Reads a varint of at most 64 bits.
    #[inline]
    pub fn varint(&mut self) -> Result<u64> {
        // Fast path: one byte (lengths and small numbers).
        if let Some(&b) = self.input.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_slow()
    }

    #[cold]
    fn varint_slow(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            if shift < 64 {
                v |= u64::from(b & 0x7F) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            if shift > 70 {
                return Err(self.malformed("varint too long"));
            }
        }
    }

    /// Reads a varint that must fit in 32 bits (lengths, counts, ids).
    #[inline]
    pub fn varint32(&mut self) -> Result<u32> {
        let v = self.varint()?;
        u32::try_from(v).map_err(|_| self.malformed("varint exceeds 32 bits"))
    }

    /// Reads a zigzag varint.
    #[inline]
    pub fn zigzag(&mut self) -> Result<i32> {
        let v = self.varint32()?;
        Ok(((v >> 1) as i32) ^ -((v & 1) as i32))
    }

    /// Reads an f64.
    #[inline]
    pub fn double(&mut self) -> Result<f64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    /// Borrows `n` bytes, failing (without allocating) if fewer remain.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(CloneError::Truncated(self.input.len()));
        }
        let s = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Reads a short ASCII one-byte string (tag included, no padding
    /// before it) as `&str`, the common case of keys and small values;
    /// `None`, consuming nothing, for anything else. The result travels
    /// in registers: the general path's `Result<WireStr>` goes through
    /// memory, whose piecewise writes stall the next read.
    #[inline(always)]
    pub fn short_ascii(&mut self) -> Option<&'a str> {
        let rest = &self.input[self.pos..];
        let (&[t, len], body) = rest.split_first_chunk::<2>()?;
        let len = usize::from(len);
        if t != tag::ONE_BYTE_STRING || len >= 0x80 || body.len() < len {
            return None;
        }
        let b = &body[..len];
        if !b.is_ascii() {
            return None;
        }
        self.pos += 2 + len;
        // SAFETY: ASCII bytes are valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(b) })
    }

    /// Reads a string body after its tag; `t` is the tag.
    pub fn string_body(&mut self, t: u8) -> Result<WireStr<'a>> {
        let len = self.varint32()? as usize;
        let b = self.bytes(len)?;
        match t {
            tag::ONE_BYTE_STRING => Ok(WireStr::Latin1(b)),
            tag::TWO_BYTE_STRING => {
                if len % 2 != 0 {
                    return Err(self.malformed("two-byte string of odd byte length"));
                }
                Ok(WireStr::Utf16(b))
            }
            tag::UTF8_STRING => Ok(WireStr::Utf8(b)),
            _ => Err(CloneError::UnexpectedTag {
                tag: t,
                at: self.pos,
            }),
        }
    }

    /// Reads a tagged string (any of the three string tags).
    pub fn string(&mut self) -> Result<WireStr<'a>> {
        let at = self.pos;
        let t = self.tag()?;
        match t {
            tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::UTF8_STRING => self.string_body(t),
            _ => Err(CloneError::UnexpectedTag { tag: t, at }),
        }
    }

    /// Reads a BigInt body (after `Z`): sign and 64-bit digits, least significant first.
    pub fn bigint_body(&mut self) -> Result<(bool, Vec<u64>)> {
        let bitfield = self.varint32()?;
        let negative = bitfield & 1 == 1;
        let byte_len = (bitfield >> 1) as usize;
        let raw = self.bytes(byte_len)?;
        let digits = raw
            .chunks(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a[..c.len()].copy_from_slice(c);
                u64::from_le_bytes(a)
            })
            .collect();
        Ok((negative, digits))
    }
}

/// A string as it lies on the wire, not yet converted.
#[derive(Debug, Clone, Copy)]
pub enum WireStr<'a> {
    /// One byte per code unit.
    Latin1(&'a [u8]),
    /// UTF-16LE code units.
    Utf16(&'a [u8]),
    /// Legacy UTF-8 (read only).
    Utf8(&'a [u8]),
}

impl<'a> WireStr<'a> {
    /// The string as `&str` without copying, when it is ASCII or valid UTF-8.
    pub fn as_borrowed_str(&self) -> Option<&'a str> {
        match *self {
            WireStr::Latin1(b) if b.is_ascii() => {
                // SAFETY: ASCII bytes are valid UTF-8.
                Some(unsafe { std::str::from_utf8_unchecked(b) })
            }
            WireStr::Utf8(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// The code units.
    pub fn to_utf16(&self) -> Vec<u16> {
        match *self {
            WireStr::Latin1(b) => b.iter().map(|&c| u16::from(c)).collect(),
            WireStr::Utf16(b) => b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
            WireStr::Utf8(b) => String::from_utf8_lossy(b).encode_utf16().collect(),
        }
    }

    /// Converts to a [`crate::JsString`].
    pub fn to_js_string(&self) -> crate::JsString {
        match *self {
            WireStr::Latin1(b) => crate::JsString::from_latin1(b),
            WireStr::Utf8(b) => crate::JsString::from(String::from_utf8_lossy(b).into_owned()),
            WireStr::Utf16(_) => crate::JsString::from_utf16(&self.to_utf16()),
        }
    }

    /// Converts to a Rust `String`, or `None` if it holds a lone surrogate.
    pub fn to_string_strict(&self) -> Option<String> {
        match *self {
            WireStr::Latin1(b) => Some(b.iter().map(|&c| c as char).collect()),
            WireStr::Utf16(_) => String::from_utf16(&self.to_utf16()).ok(),
            WireStr::Utf8(b) => String::from_utf8(b.to_vec()).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut w = Writer::default();
            w.buf.extend_from_slice(&[0xFF, 15]);
            w.varint(v);
            assert_eq!(w.buf.len() - 2, varint_len(v));
            let mut r = Reader::new(&w.buf).unwrap();
            assert_eq!(r.varint().unwrap(), v);
        }
        for v in [0i32, -1, 1, i32::MIN, i32::MAX] {
            let mut w = Writer::with_header();
            w.zigzag(v);
            let mut r = Reader::new(&w.buf).unwrap();
            assert_eq!(r.zigzag().unwrap(), v);
        }
    }

    #[test]
    fn placeholder_varint_reads_back() {
        let mut w = Writer::with_header();
        let at = w.varint5_placeholder();
        w.patch_varint5(at, 123_456);
        let mut r = Reader::new(&w.buf).unwrap();
        assert_eq!(r.varint().unwrap(), 123_456);
    }

    #[test]
    fn smi_range() {
        assert_eq!(as_smi(5.0), Some(5));
        assert_eq!(as_smi(-0.0), None);
        assert_eq!(as_smi(2147483648.0), None);
        assert_eq!(as_smi(1.5), None);
        assert_eq!(as_smi(f64::NAN), None);
    }

    #[test]
    fn overlong_varint_is_an_error() {
        let mut b = vec![0xFF, 15];
        b.extend(std::iter::repeat_n(0xFF, 20));
        let mut r = Reader::new(&b).unwrap();
        assert!(matches!(r.varint(), Err(CloneError::Malformed { .. })));
    }
}
