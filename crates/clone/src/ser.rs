//! serde → wire bytes, with no intermediate value.
//!
//! Mapping (the JS value a Rust value becomes):
//!
//! | Rust | JavaScript |
//! |---|---|
//! | `bool` | boolean |
//! | integers in ±2^53, `f32`, `f64` | number (`I` when in the i32 range, as V8) |
//! | integers beyond ±2^53 | BigInt (lossless) |
//! | `char`, `str` | string |
//! | bytes (`serde_bytes`) | `Uint8Array` over its own `ArrayBuffer` |
//! | `None`, `()`, unit struct | `null` |
//! | `Some(x)`, newtype struct | `x` |
//! | sequences, tuples | dense Array |
//! | maps | `Map` (keys keep their types) |
//! | structs | plain object |
//! | unit variant | its name as a string |
//! | other variants | `{ Name: content }` (externally tagged, like serde_json) |

use crate::encode::{DEFAULT_MAX_DEPTH, SHALLOW, STACK_GROW, STACK_RED_ZONE};
use crate::error::{CloneError, Result};
use crate::wire::{host_kind, tag, Writer};
use serde::ser::{self, Serialize};

/// Serializes any `Serialize` value straight to V8 wire bytes.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Msg { i: u32, s: &'static str }
/// let bytes = msgport_clone::to_bytes(&Msg { i: 1, s: "hello" }).unwrap();
/// // The same bytes Node's `v8.serialize({i: 1, s: "hello"})` gives.
/// assert_eq!(bytes, b"\xFF\x0Fo\"\x01iI\x02\"\x01s\"\x05hello{\x02");
/// ```
pub fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut s = Serializer::over(Writer::with_header());
    value.serialize(&mut s)?;
    Ok(s.w.buf)
}

/// Like [`to_bytes`], but into `buf` (cleared first), reusing its
/// allocation: a sender of many small messages allocates nothing. On an
/// error `buf` holds an incomplete record.
///
/// ```
/// let mut buf = Vec::new();
/// msgport_clone::to_bytes_into(&(1, "a"), &mut buf).unwrap();
/// assert_eq!(buf, msgport_clone::to_bytes(&(1, "a")).unwrap());
/// msgport_clone::to_bytes_into(&true, &mut buf).unwrap();
/// assert_eq!(buf, b"\xFF\x0FT");
/// ```
pub fn to_bytes_into<T: Serialize + ?Sized>(value: &T, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    let mut s = Serializer::over(Writer::over(std::mem::take(buf)));
    let r = value.serialize(&mut s);
    *buf = s.w.buf;
    r.map(|_| ())
}

/// The serde serializer; see [`to_bytes`].
///
/// Nesting is limited as decoding is: a value nested deeper than
/// [`DEFAULT_MAX_DEPTH`] objects, arrays and maps is
/// [`CloneError::TooDeep`] here, so that nothing is sent that no receiver
/// would read; the stack grows as needed up to that depth.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Node { next: Option<Box<Node>> }
/// let mut n = Node { next: None };
/// for _ in 0..10_000 { n = Node { next: Some(Box::new(n)) }; }
/// let err = msgport_clone::to_bytes(&n).unwrap_err();
/// assert_eq!(err, msgport_clone::CloneError::TooDeep(msgport_clone::DEFAULT_MAX_DEPTH));
/// # // Dropping a deep Box chain recurses too: unlink it iteratively.
/// # let mut cur = n.next.take();
/// # while let Some(mut b) = cur { cur = b.next.take(); }
/// ```
#[derive(Debug)]
pub struct Serializer {
    w: Writer,
    /// Objects, arrays and maps open around the value being written.
    depth: usize,
    /// Set by a [`slot`](crate::slot) newtype: the next `u32` is its index.
    slot: Option<Slot>,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Host,
    Buffer,
}

const MAX_SAFE: i128 = (1 << 53) - 1;

impl Serializer {
    fn over(w: Writer) -> Self {
        Serializer {
            w,
            depth: 0,
            slot: None,
        }
    }

    /// Opens an object, array or map level.
    #[inline]
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > DEFAULT_MAX_DEPTH {
            return Err(CloneError::TooDeep(DEFAULT_MAX_DEPTH));
        }
        Ok(())
    }

    /// Serializes a nested value, growing the stack when it runs low (a
    /// value may nest up to [`DEFAULT_MAX_DEPTH`] levels on any thread).
    #[inline]
    fn nested<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        if self.depth < SHALLOW {
            value.serialize(self)
        } else {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || value.serialize(self))
        }
    }

    fn int(&mut self, v: i128) {
        if (-MAX_SAFE..=MAX_SAFE).contains(&v) {
            self.w.number(v as f64);
        } else {
            self.w.tag(tag::BIGINT);
            let neg = v < 0;
            let mag = v.unsigned_abs();
            let lo = mag as u64;
            let hi = (mag >> 64) as u64;
            if hi == 0 {
                self.w.bigint_body(neg, &[lo]);
            } else {
                self.w.bigint_body(neg, &[lo, hi]);
            }
        }
    }

    fn u128(&mut self, v: u128) {
        if v <= MAX_SAFE as u128 {
            self.w.number(v as f64);
        } else {
            self.w.tag(tag::BIGINT);
            let lo = v as u64;
            let hi = (v >> 64) as u64;
            if hi == 0 {
                self.w.bigint_body(false, &[lo]);
            } else {
                self.w.bigint_body(false, &[lo, hi]);
            }
        }
    }

    fn begin_object_with_key(&mut self, key: &str) -> Result<()> {
        self.enter()?;
        self.w.tag(tag::BEGIN_JS_OBJECT);
        self.w.str(key);
        Ok(())
    }
}

/// State of an array, map or object being written.
#[derive(Debug)]
pub struct Compound<'a> {
    ser: &'a mut Serializer,
    count: u32,
    /// Declared length of an array, or the placeholder position when unknown.
    len: ArrayLen,
    /// The compound is the content of a `{ Variant: … }` wrapper.
    variant: bool,
}

#[derive(Debug)]
enum ArrayLen {
    Known(u32),
    Placeholder(usize),
    NotArray,
}

impl<'a> Compound<'a> {
    fn array(ser: &'a mut Serializer, len: Option<usize>, variant: bool) -> Result<Self> {
        ser.enter()?;
        ser.w.tag(tag::BEGIN_DENSE_JS_ARRAY);
        let len = match len {
            Some(n) => {
                let n = u32::try_from(n)
                    .map_err(|_| CloneError::Custom("array longer than 2^32 - 1".into()))?;
                ser.w.varint(u64::from(n));
                ArrayLen::Known(n)
            }
            None => ArrayLen::Placeholder(ser.w.varint5_placeholder()),
        };
        Ok(Compound {
            ser,
            count: 0,
            len,
            variant,
        })
    }

    fn end_array(self) -> Result<()> {
        let n = match self.len {
            ArrayLen::Known(n) if n != self.count => {
                return Err(CloneError::Custom(
                    "sequence length differs from the declared length".into(),
                ))
            }
            ArrayLen::Known(n) => n,
            ArrayLen::Placeholder(at) => {
                self.ser.w.patch_varint5(at, self.count);
                self.count
            }
            ArrayLen::NotArray => unreachable!(),
        };
        self.ser.w.tag(tag::END_DENSE_JS_ARRAY);
        self.ser.w.varint(0);
        self.ser.w.varint(u64::from(n));
        self.ser.depth -= 1;
        end_variant(self.ser, self.variant);
        Ok(())
    }

    fn end_object(self) -> Result<()> {
        self.ser.w.tag(tag::END_JS_OBJECT);
        self.ser.w.varint(u64::from(self.count));
        self.ser.depth -= 1;
        end_variant(self.ser, self.variant);
        Ok(())
    }

    /// A map or object (the opening tag written by the caller).
    fn pairs(ser: &'a mut Serializer, open: u8, variant: bool) -> Result<Self> {
        ser.enter()?;
        ser.w.tag(open);
        Ok(Compound {
            ser,
            count: 0,
            len: ArrayLen::NotArray,
            variant,
        })
    }
}

fn end_variant(ser: &mut Serializer, variant: bool) {
    if variant {
        ser.w.tag(tag::END_JS_OBJECT);
        ser.w.varint(1);
        ser.depth -= 1;
    }
}

impl<'a> ser::Serializer for &'a mut Serializer {
    type Ok = ();
    type Error = CloneError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.w.tag(if v { tag::TRUE } else { tag::FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i32(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i32(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.w.tag(tag::INT32);
        self.w.zigzag(v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.int(v.into());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.int(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.serialize_i32(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_i32(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        match self.slot.take() {
            None => self.w.number(v.into()),
            Some(Slot::Host) => {
                self.w.tag(tag::HOST_OBJECT);
                self.w.varint(u64::from(host_kind::TRANSFERRED));
                self.w.varint(u64::from(v));
            }
            Some(Slot::Buffer) => {
                self.w.tag(tag::ARRAY_BUFFER_TRANSFER);
                self.w.varint(u64::from(v));
            }
        }
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.u128(v.into());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.u128(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.w.number(v.into());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.w.number(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.w.str(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.w.str(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.w.tag(tag::ARRAY_BUFFER);
        self.w.varint(v.len() as u64);
        self.w.raw(v);
        self.w.tag(tag::ARRAY_BUFFER_VIEW);
        self.w.tag(b'B');
        self.w.varint(0);
        self.w.varint(v.len() as u64);
        self.w.varint(0);
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.w.tag(tag::NULL);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.w.str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        self.slot = match name {
            crate::slot::HOST => Some(Slot::Host),
            crate::slot::BUFFER => Some(Slot::Buffer),
            _ => return value.serialize(self),
        };
        let r = value.serialize(&mut *self);
        if self.slot.take().is_some() {
            return Err(CloneError::Custom(format!(
                "the newtype {name} must hold a u32 transfer-list index"
            )));
        }
        r
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.begin_object_with_key(variant)?;
        self.nested(value)?;
        end_variant(self, true);
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>> {
        Compound::array(self, len, false)
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        Compound::array(self, Some(len), false)
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        Compound::array(self, Some(len), false)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.begin_object_with_key(variant)?;
        Compound::array(self, Some(len), true)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>> {
        Compound::pairs(self, tag::BEGIN_JS_MAP, false)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>> {
        Compound::pairs(self, tag::BEGIN_JS_OBJECT, false)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>> {
        self.begin_object_with_key(variant)?;
        Compound::pairs(self, tag::BEGIN_JS_OBJECT, true)
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.count += 1;
        self.ser.nested(value)
    }
    fn end(self) -> Result<()> {
        self.end_array()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<()> {
        self.end_array()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<()> {
        self.end_array()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<()> {
        self.end_array()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.count += 1;
        self.ser.nested(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.ser.nested(value)
    }
    fn end(self) -> Result<()> {
        self.ser.w.tag(tag::END_JS_MAP);
        self.ser.w.varint(2 * u64::from(self.count));
        self.ser.depth -= 1;
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.count += 1;
        match crate::string::parse_array_index(key) {
            // V8 writes index-like keys as numbers.
            Some(i) => self.ser.w.number(f64::from(i)),
            None => self.ser.w.str(key),
        }
        self.ser.nested(value)
    }
    fn end(self) -> Result<()> {
        self.end_object()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = CloneError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<()> {
        self.end_object()
    }
}
