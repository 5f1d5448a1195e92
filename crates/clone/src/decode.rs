//! Wire bytes → Graph: StructuredDeserializeWithTransfer
//! (`#structureddeserializewithtransfer`) for untrusted input.
//!
//! Hostile-input rules: every length is checked against the bytes that
//! remain before anything is allocated; nesting is bounded; every loop
//! consumes input; back-references must name an object already created.

use crate::block::DataBlock;
use crate::encode::{DEFAULT_MAX_DEPTH, SHALLOW, STACK_GROW, STACK_RED_ZONE};
use crate::error::{CloneError, Result};
use crate::transfer::TransferredBuffer;
use crate::value::*;
use crate::wire::{error_tag, host_kind, tag, Reader, WireStr};
use crate::JsString;
use num_bigint::{BigInt, BigUint, Sign};
use std::num::NonZeroU64;

/// Limits for decoding untrusted bytes, and the realm decoded into.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Deepest nesting of objects accepted (default 3000).
    pub max_depth: usize,
    /// The agent cluster of the realm the value is for. With `Some`, a
    /// SharedArrayBuffer made in another cluster is a DataCloneError
    /// (HTML `#structureddeserialize`, the SharedArrayBuffer steps);
    /// `None` (the default, Rust code, which is no agent) takes any.
    pub agent_cluster: Option<NonZeroU64>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_depth: DEFAULT_MAX_DEPTH,
            agent_cluster: None,
        }
    }
}

/// Decodes bytes produced with no transfer list.
///
/// ```
/// use msgport_clone::{from_bytes_graph, Value};
/// let g = from_bytes_graph(&[0xFF, 0x0F, b'"', 2, b'h', b'i']).unwrap();
/// assert_eq!(g.root, Value::from("hi"));
/// ```
pub fn from_bytes_graph(bytes: &[u8]) -> Result<Graph> {
    deserialize_with_transfer(bytes, Vec::new(), 0, DecodeOptions::default())
}

/// StructuredDeserializeWithTransfer: the transferred buffers become the
/// first objects of the graph (ids `0..buffers.len()`, taking over the bytes
/// without a copy), and `host_count` transferred host objects may be
/// referred to as [`HostObject::Transferred`].
pub fn deserialize_with_transfer(
    bytes: &[u8],
    buffers: Vec<TransferredBuffer>,
    host_count: usize,
    opts: DecodeOptions,
) -> Result<Graph> {
    deserialize_with_shared(bytes, buffers, Vec::new(), host_count, opts)
}

/// [`deserialize_with_transfer`] of a record that holds SharedArrayBuffers
/// ([`Record::shared`](crate::Record::shared)): the value's `u` entries
/// refer to `shared` by index and share its memory. An index with no
/// entry (the memory stayed in another process) is a DataCloneError, as
/// is memory of another agent cluster than `opts.agent_cluster`.
///
/// ```
/// use msgport_clone::*;
/// let mut g = Graph::default();
/// let block = SharedBlock::new(4).unwrap();
/// let sab = g.alloc(Object::SharedArrayBuffer(SharedArrayBuffer::new(block.clone())));
/// g.root = Value::Object(sab);
/// let rec = serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap();
/// assert_eq!(rec.shared.len(), 1);
/// let back = deserialize_with_shared(&rec.bytes, vec![], rec.shared, 0, Default::default()).unwrap();
/// let Value::Object(id) = back.root else { panic!() };
/// let Some(Object::SharedArrayBuffer(b)) = back.get(id) else { panic!() };
/// assert!(b.block.same(&block));
/// // Without its record the memory is not there.
/// assert_eq!(from_bytes_graph(&rec.bytes).unwrap_err(), CloneError::SharedArrayBuffer);
/// ```
pub fn deserialize_with_shared(
    bytes: &[u8],
    buffers: Vec<TransferredBuffer>,
    shared: Vec<SharedArrayBuffer>,
    host_count: usize,
    opts: DecodeOptions,
) -> Result<Graph> {
    let mut d = Decoder {
        shared,
        cluster: opts.agent_cluster,
        interned: None,
        keys: None,
        keys_made: 0,
        long_made: 0,
        scratch: Vec::new(),
        open: Open::Other,
        r: Reader::new(bytes)?,
        g: Graph::default(),
        wire: Vec::new(),
        depth: 0,
        max_depth: opts.max_depth,
        transferred: Vec::new(),
        host_count,
    };
    // Most objects take 30+ bytes on the wire; this rarely reallocates and
    // never reserves more than a few times the input's size.
    d.g.objects.reserve(bytes.len() / 32);
    // A property takes 7-10 wire bytes in typical data (2 at the least).
    d.g.properties.reserve(bytes.len() / 8);
    for b in buffers {
        let id = d.g.alloc(Object::ArrayBuffer(ArrayBuffer {
            data: b.data,
            max_byte_length: b.max_byte_length,
            detached: false,
        }));
        d.transferred.push(id);
    }
    let root = d.value()?;
    if d.r.input[d.r.pos..].iter().any(|&b| b != tag::PADDING) {
        return Err(CloneError::TrailingBytes(d.r.remaining()));
    }
    d.g.root = root;
    Ok(d.g)
}

/// Where the properties of the innermost open object (plain object or
/// array) go. A leaf object's properties, the common case, are written
/// once, straight into the graph's arena, where they end up contiguous.
/// When an object begins inside one that writes to the arena, the outer
/// one's properties so far move to `scratch` and it continues there, to be
/// copied back at its end; nested objects so cost one copy each of their
/// parents' properties, never of the leaves'.
#[derive(Clone, Copy)]
enum Open {
    /// Into `g.properties`, from this index.
    Arena(usize),
    /// Into `scratch`, from this index.
    Scratch(usize),
    /// Not a property list (a Map, Set, Error or the root).
    Other,
}

/// Keys (and long strings) read before their caches are used.
const KEY_CACHE_AFTER: u32 = 32;

/// A cached string: its wire bytes and the shared string.
type Interned<'a> = (&'a [u8], JsString);
/// A cached key: its wire bytes and the key.
type InternedKey<'a> = (&'a [u8], PropertyKey);

struct Decoder<'a> {
    r: Reader<'a>,
    /// Recently seen Latin-1 keys too long to store inline in a `JsString`,
    /// shared rather than allocated again (V8 internalizes keys).
    /// Direct-mapped by length and first and last byte: objects of one shape
    /// repeat their keys, so a hit costs one short compare, no hashing.
    /// Made at the first such key: small messages never pay for it.
    interned: Option<Box<[Option<Interned<'a>>; 256]>>,
    /// Recently seen Latin-1 keys, direct-mapped as `interned` is. (The two
    /// tables' lookups are written out twice on purpose: one generic cache
    /// for both measured 5% slower on the benchmark graph.)
    keys: Option<Box<[Option<InternedKey<'a>>; 256]>>,
    /// Latin-1 keys read so far.
    keys_made: u32,
    /// Strings read so far that `interned` could hold.
    long_made: u32,
    /// Properties of open objects that had to move out of the arena because
    /// an object nested in them began (see [`Open`]), innermost last.
    scratch: Vec<(PropertyKey, Value)>,
    /// Where the innermost open object's properties are being written.
    open: Open,
    g: Graph,
    /// Wire id → graph object.
    wire: Vec<ObjectId>,
    depth: usize,
    max_depth: usize,
    transferred: Vec<ObjectId>,
    host_count: usize,
    /// The record's SharedArrayBuffers (`u` + index).
    shared: Vec<SharedArrayBuffer>,
    /// The receiving realm's agent cluster (`None`: no check).
    cluster: Option<NonZeroU64>,
}

fn js_string(s: WireStr<'_>) -> JsString {
    s.to_js_string()
}

fn number_key(n: f64) -> PropertyKey {
    if n >= 0.0 && n <= f64::from(u32::MAX - 1) && n.fract() == 0.0 {
        PropertyKey::Index(n as u32)
    } else {
        let mut buf = ryu_js::Buffer::new();
        PropertyKey::String(JsString::from(buf.format(n)))
    }
}

impl<'a> Decoder<'a> {
    fn new_object(&mut self, o: Object) -> ObjectId {
        let id = self.g.alloc(o);
        self.wire.push(id);
        id
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(CloneError::TooDeep(self.max_depth));
        }
        Ok(())
    }

    fn bigint(&mut self) -> Result<BigInt> {
        let (neg, digits) = self.r.bigint_body()?;
        let mag = BigUint::from_slice(
            &digits
                .iter()
                .flat_map(|d| [*d as u32, (*d >> 32) as u32])
                .collect::<Vec<u32>>(),
        );
        Ok(BigInt::from_biguint(
            if neg { Sign::Minus } else { Sign::Plus },
            mag,
        ))
    }

    fn value(&mut self) -> Result<Value> {
        let mut at = self.r.pos;
        let mut t = self.r.tag()?;
        while t == tag::VERIFY_OBJECT_COUNT {
            self.r.varint32()?;
            at = self.r.pos;
            t = self.r.tag()?;
        }
        self.value_after(t, at)
    }

    /// The value whose tag `t` (at `at`) was just read.
    fn value_after(&mut self, t: u8, at: usize) -> Result<Value> {
        let v = match t {
            tag::UNDEFINED => Value::Undefined,
            tag::NULL => Value::Null,
            tag::TRUE => Value::Bool(true),
            tag::FALSE => Value::Bool(false),
            tag::INT32 => Value::Number(f64::from(self.r.zigzag()?)),
            tag::UINT32 => Value::Number(f64::from(self.r.varint32()?)),
            tag::DOUBLE => Value::Number(self.r.double()?),
            tag::BIGINT => Value::BigInt(Box::new(self.bigint()?)),
            tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::UTF8_STRING => {
                Value::String(js_string(self.r.string_body(t)?))
            }
            tag::VERIFY_OBJECT_COUNT => {
                self.r.varint32()?;
                return self.value();
            }
            _ => Value::Object(self.object(t, at)?),
        };
        // A view follows the buffer it views (even a back-referenced one).
        if let Value::Object(id) = v {
            if matches!(
                self.g.get(id),
                Some(Object::ArrayBuffer(_) | Object::SharedArrayBuffer(_))
            ) && self.r.eat_tag(tag::ARRAY_BUFFER_VIEW)
            {
                return Ok(Value::Object(self.view(id)?));
            }
        }
        Ok(v)
    }

    fn view(&mut self, buffer: ObjectId) -> Result<ObjectId> {
        let at = self.r.pos;
        let sub = self.r.byte()?;
        let kind = ViewKind::from_subtag(sub).ok_or(CloneError::UnexpectedTag { tag: sub, at })?;
        let byte_offset = self.r.varint32()? as usize;
        let byte_length = self.r.varint32()? as usize;
        let flags = if self.r.version >= 14 {
            self.r.varint32()?
        } else {
            0
        };
        let (len, resizable) = match self.g.get(buffer) {
            Some(Object::ArrayBuffer(b)) => (b.data.len(), b.max_byte_length.is_some()),
            Some(Object::SharedArrayBuffer(b)) => (b.byte_length, b.max_byte_length.is_some()),
            _ => unreachable!("checked by caller"),
        };
        let end = byte_offset.checked_add(byte_length);
        if end.is_none_or(|e| e > len) {
            return Err(self.r.malformed("view out of bounds of its buffer"));
        }
        let size = kind.element_size();
        if byte_offset % size != 0 || byte_length % size != 0 {
            return Err(self.r.malformed("view not aligned to its element size"));
        }
        if flags & !3 != 0 || (flags & 1 == 1 && !resizable) {
            return Err(self.r.malformed("bad view flags"));
        }
        Ok(self.new_object(Object::View(View {
            kind,
            buffer,
            byte_offset,
            byte_length,
            length_tracking: flags & 1 == 1,
        })))
    }

    #[inline(always)]
    fn key(&mut self) -> Result<PropertyKey> {
        let at = self.r.pos;
        let t = self.r.tag()?;
        Ok(match t {
            tag::INT32 => number_key(f64::from(self.r.zigzag()?)),
            tag::UINT32 => number_key(f64::from(self.r.varint32()?)),
            tag::DOUBLE => number_key(self.r.double()?),
            tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::UTF8_STRING => {
                let w = self.r.string_body(t)?;
                match w {
                    // Only a key starting with a digit can be an array index.
                    WireStr::Latin1(b) if !b.first().is_some_and(u8::is_ascii_digit) => {
                        self.latin1_key(b)
                    }
                    _ => PropertyKey::from_string(self.string(w)),
                }
            }
            _ => return Err(CloneError::UnexpectedTag { tag: t, at }),
        })
    }

    /// A Latin-1 key that cannot be an index, shared with an earlier equal
    /// one: objects of one shape repeat their keys, and copying a made key
    /// is cheaper than making it again.
    #[inline(always)]
    fn latin1_key(&mut self, b: &'a [u8]) -> PropertyKey {
        // A small message makes its few keys directly: the table is worth
        // its 8 KiB (made, zeroed and dropped) only for bigger graphs.
        self.keys_made += 1;
        if b.is_empty() || b.len() > 64 || self.keys_made <= KEY_CACHE_AFTER {
            return PropertyKey::String(self.string(WireStr::Latin1(b)));
        }
        let slot = (b.len() * 31 + usize::from(b[0]) * 7 + usize::from(b[b.len() - 1])) & 255;
        let table = self
            .keys
            .get_or_insert_with(|| Box::new([const { None }; 256]));
        if let Some((k, key)) = &table[slot] {
            if *k == b {
                return key.clone();
            }
        }
        let key = PropertyKey::String(js_string(WireStr::Latin1(b)));
        table[slot] = Some((b, key.clone()));
        key
    }

    /// A string, shared with an earlier equal one if it is short Latin-1.
    fn string(&mut self, w: WireStr<'a>) -> JsString {
        match w {
            WireStr::Latin1(b)
                if b.len() > crate::string::INLINE && b.len() <= 64 && {
                    self.long_made += 1;
                    self.long_made > KEY_CACHE_AFTER
                } =>
            {
                let slot =
                    (b.len() * 31 + usize::from(b[0]) * 7 + usize::from(b[b.len() - 1])) & 255;
                let table = self
                    .interned
                    .get_or_insert_with(|| Box::new([const { None }; 256]));
                if let Some((k, s)) = &table[slot] {
                    if *k == b {
                        return s.clone();
                    }
                }
                let s = js_string(w);
                table[slot] = Some((b, s.clone()));
                s
            }
            _ => js_string(w),
        }
    }

    /// Starts a property list: a parent writing to the arena moves to
    /// `scratch` first. Returns the parent's state, for [`Self::close_props`].
    fn open_props(&mut self) -> Open {
        self.spill_open();
        let parent = self.open;
        self.open = Open::Arena(self.g.properties.len());
        parent
    }

    /// Another property of the innermost open object.
    #[inline]
    fn push_prop(&mut self, k: PropertyKey, v: Value) {
        match self.open {
            Open::Arena(_) => push_pair(&mut self.g.properties, k, v),
            _ => push_pair(&mut self.scratch, k, v),
        }
    }

    /// The properties of the innermost open object so far.
    fn open_slice(&self) -> &[(PropertyKey, Value)] {
        match self.open {
            Open::Arena(start) => &self.g.properties[start..],
            Open::Scratch(start) => &self.scratch[start..],
            Open::Other => &[],
        }
    }

    /// Ends the innermost property list, restoring `parent`; returns its run.
    fn close_props(&mut self, parent: Open) -> Props {
        let props = match self.open {
            Open::Arena(start) => Props {
                start: start as u32,
                len: (self.g.properties.len() - start) as u32,
            },
            Open::Scratch(start) => {
                let scratch = &mut self.scratch;
                self.g.new_props(scratch.drain(start..))
            }
            Open::Other => Props::EMPTY,
        };
        self.open = parent;
        props
    }

    /// Starts something that is not a property list (its nested objects
    /// must not move anything); returns the parent's state.
    fn open_other(&mut self) -> Open {
        self.spill_open();
        std::mem::replace(&mut self.open, Open::Other)
    }

    /// An object begins inside the open one: if that one writes to the
    /// arena, its properties so far move to `scratch`, where it continues.
    fn spill_open(&mut self) {
        if let Open::Arena(start) = self.open {
            let at = self.scratch.len();
            self.scratch.extend(self.g.properties.drain(start..));
            self.open = Open::Scratch(at);
        }
    }

    /// Reads a value as the open object's property `k`. The common
    /// primitives are made in place: a `Value` returned through `Result`
    /// is copied a few times more, and each copy of a freshly written
    /// value stalls (this made decoding a typical graph 15% faster).
    #[inline]
    fn push_value(&mut self, k: PropertyKey) -> Result<()> {
        let at = self.r.pos;
        match self.r.tag()? {
            tag::INT32 => {
                let i = self.r.zigzag()?;
                self.push_prop(k, Value::Number(f64::from(i)));
            }
            tag::DOUBLE => {
                let x = self.r.double()?;
                self.push_prop(k, Value::Number(x));
            }
            tag::ONE_BYTE_STRING => {
                let b = self.r.string_body(tag::ONE_BYTE_STRING)?;
                self.push_prop(k, Value::String(b.to_js_string()));
            }
            t => {
                let v = self.value_after(t, at)?;
                self.push_prop(k, v);
            }
        }
        Ok(())
    }

    /// Reads `key value` pairs up to `end` into the open object; returns how many.
    fn props_until(&mut self, end: u8) -> Result<u32> {
        let mut n = 0u32;
        while !self.r.eat_tag(end) {
            let k = self.key()?;
            self.push_value(k)?;
            n += 1;
        }
        Ok(n)
    }

    fn put(&mut self, id: ObjectId, o: Object) {
        self.g.objects[id.0 as usize] = o;
    }

    fn object(&mut self, t: u8, at: usize) -> Result<ObjectId> {
        // Nesting is bounded by `max_depth`; this keeps that bound safe on
        // any thread's stack, debug builds included.
        if self.depth < SHALLOW {
            return self.object_inner(t, at);
        }
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.object_inner(t, at))
    }

    fn object_inner(&mut self, t: u8, at: usize) -> Result<ObjectId> {
        match t {
            tag::OBJECT_REFERENCE => {
                let n = self.r.varint32()?;
                self.wire
                    .get(n as usize)
                    .copied()
                    .ok_or(CloneError::InvalidReference(n))
            }
            tag::TRUE_OBJECT => Ok(self.new_object(Object::Boolean(true))),
            tag::FALSE_OBJECT => Ok(self.new_object(Object::Boolean(false))),
            tag::NUMBER_OBJECT => {
                let n = self.r.double()?;
                Ok(self.new_object(Object::Number(n)))
            }
            tag::BIGINT_OBJECT => {
                let b = self.bigint()?;
                Ok(self.new_object(Object::BigInt(Box::new(b))))
            }
            tag::STRING_OBJECT => {
                let s = js_string(self.r.string()?);
                Ok(self.new_object(Object::String(s)))
            }
            tag::DATE => {
                let d = self.r.double()?;
                Ok(self.new_object(Object::Date(d)))
            }
            tag::REGEXP => {
                let source = js_string(self.r.string()?);
                let flags = self.r.varint32()?;
                if flags & !RegExpFlags::ALL != 0 {
                    return Err(self.r.malformed("unknown RegExp flags"));
                }
                Ok(self.new_object(Object::RegExp {
                    source,
                    flags: RegExpFlags(flags),
                }))
            }
            tag::ARRAY_BUFFER => {
                let len = self.r.varint32()? as usize;
                let data = self.r.bytes(len)?.to_vec();
                Ok(self.new_object(Object::ArrayBuffer(ArrayBuffer::new(data))))
            }
            tag::RESIZABLE_ARRAY_BUFFER => {
                let len = self.r.varint32()? as usize;
                let max = self.r.varint32()? as usize;
                if len > max {
                    return Err(self
                        .r
                        .malformed("resizable ArrayBuffer longer than its maximum"));
                }
                let data: DataBlock = self.r.bytes(len)?.to_vec().into();
                Ok(self.new_object(Object::ArrayBuffer(ArrayBuffer {
                    data,
                    max_byte_length: Some(max),
                    detached: false,
                })))
            }
            tag::ARRAY_BUFFER_TRANSFER => {
                let i = self.r.varint32()?;
                let id = *self
                    .transferred
                    .get(i as usize)
                    .ok_or(CloneError::MissingTransfer(i))?;
                self.wire.push(id);
                Ok(id)
            }
            tag::BEGIN_JS_OBJECT => {
                self.enter()?;
                let id = self.new_object(Object::Object(Props::EMPTY));
                let parent = self.open_props();
                let n = self.props_until(tag::END_JS_OBJECT)?;
                if self.r.varint32()? != n {
                    return Err(self.r.malformed("object property count mismatch"));
                }
                let props = self.close_props(parent);
                self.put(id, Object::Object(props));
                self.depth -= 1;
                Ok(id)
            }
            tag::BEGIN_DENSE_JS_ARRAY => {
                self.enter()?;
                let len = self.r.varint32()?;
                let id = self.new_object(Object::Array(Array::default()));
                let parent = self.open_props();
                let mut elems = 0;
                for i in 0..len {
                    if self.r.eat_tag(tag::THE_HOLE) {
                        continue;
                    }
                    self.push_value(PropertyKey::Index(i))?;
                    elems += 1;
                }
                let n = self.props_until(tag::END_DENSE_JS_ARRAY)?;
                let (num, length) = (self.r.varint32()?, self.r.varint32()?);
                if num != n || length != len {
                    return Err(self.r.malformed("dense array count mismatch"));
                }
                let length = array_length(len, &self.open_slice()[elems..]);
                let props = self.close_props(parent);
                self.put(
                    id,
                    Object::Array(Array {
                        length,
                        properties: props,
                    }),
                );
                self.depth -= 1;
                Ok(id)
            }
            tag::BEGIN_SPARSE_JS_ARRAY => {
                self.enter()?;
                let len = self.r.varint32()?;
                let id = self.new_object(Object::Array(Array::default()));
                let parent = self.open_props();
                let n = self.props_until(tag::END_SPARSE_JS_ARRAY)?;
                let (num, length) = (self.r.varint32()?, self.r.varint32()?);
                if num != n || length != len {
                    return Err(self.r.malformed("sparse array count mismatch"));
                }
                let length = array_length(len, self.open_slice());
                let props = self.close_props(parent);
                self.put(
                    id,
                    Object::Array(Array {
                        length,
                        properties: props,
                    }),
                );
                self.depth -= 1;
                Ok(id)
            }
            tag::BEGIN_JS_MAP => {
                self.enter()?;
                let id = self.new_object(Object::Map(Vec::new()));
                let parent = self.open_other();
                let mut entries = Vec::new();
                while !self.r.eat_tag(tag::END_JS_MAP) {
                    let k = self.value()?;
                    let v = self.value()?;
                    entries.push((k, v));
                }
                if self.r.varint32()? as usize != 2 * entries.len() {
                    return Err(self.r.malformed("map entry count mismatch"));
                }
                self.open = parent;
                self.put(id, Object::Map(entries));
                self.depth -= 1;
                Ok(id)
            }
            tag::BEGIN_JS_SET => {
                self.enter()?;
                let id = self.new_object(Object::Set(Vec::new()));
                let parent = self.open_other();
                let mut items = Vec::new();
                while !self.r.eat_tag(tag::END_JS_SET) {
                    items.push(self.value()?);
                }
                if self.r.varint32()? as usize != items.len() {
                    return Err(self.r.malformed("set entry count mismatch"));
                }
                self.open = parent;
                self.put(id, Object::Set(items));
                self.depth -= 1;
                Ok(id)
            }
            tag::ERROR => {
                self.enter()?;
                let id = self.new_object(Object::Error(Box::default()));
                let parent = self.open_other();
                let mut e = ErrorValue::default();
                loop {
                    let at = self.r.pos;
                    match self.r.byte()? {
                        error_tag::EVAL_ERROR_PROTOTYPE => e.name = ErrorName::EvalError,
                        error_tag::RANGE_ERROR_PROTOTYPE => e.name = ErrorName::RangeError,
                        error_tag::REFERENCE_ERROR_PROTOTYPE => e.name = ErrorName::ReferenceError,
                        error_tag::SYNTAX_ERROR_PROTOTYPE => e.name = ErrorName::SyntaxError,
                        error_tag::TYPE_ERROR_PROTOTYPE => e.name = ErrorName::TypeError,
                        error_tag::URI_ERROR_PROTOTYPE => e.name = ErrorName::URIError,
                        error_tag::MESSAGE => e.message = Some(js_string(self.r.string()?)),
                        error_tag::STACK => e.stack = Some(js_string(self.r.string()?)),
                        error_tag::CAUSE => e.cause = Some(self.value()?),
                        error_tag::END => break,
                        other => return Err(CloneError::UnexpectedTag { tag: other, at }),
                    }
                }
                self.open = parent;
                self.put(id, Object::Error(Box::new(e)));
                self.depth -= 1;
                Ok(id)
            }
            tag::HOST_OBJECT => {
                let kind = self.r.varint32()?;
                let host = match kind {
                    host_kind::TRANSFERRED => {
                        let n = self.r.varint32()?;
                        if n as usize >= self.host_count {
                            return Err(CloneError::MissingTransfer(n));
                        }
                        HostObject::Transferred(n)
                    }
                    host_kind::BLOB => HostObject::Blob(Box::new(self.blob_body()?)),
                    host_kind::FILE => {
                        let name = js_string(self.r.string()?);
                        let last_modified = self.r.double()?;
                        HostObject::File(Box::new(File {
                            name,
                            last_modified,
                            blob: self.blob_body()?,
                        }))
                    }
                    host_kind::DOM_EXCEPTION => {
                        let name = js_string(self.r.string()?);
                        let message = js_string(self.r.string()?);
                        HostObject::DomException(Box::new(DomException { name, message }))
                    }
                    _ => return Err(self.r.malformed("unknown host object kind")),
                };
                Ok(self.new_object(Object::Host(host)))
            }
            tag::SHARED_ARRAY_BUFFER => {
                let i = self.r.varint32()? as usize;
                let sab = self.shared.get(i).ok_or(CloneError::SharedArrayBuffer)?;
                if !sab.is_consistent() {
                    return Err(self.r.malformed("SharedArrayBuffer longer than its memory"));
                }
                if self.cluster.is_some_and(|c| !sab.block.may_enter(c)) {
                    return Err(CloneError::SharedArrayBuffer);
                }
                let sab = sab.clone();
                Ok(self.new_object(Object::SharedArrayBuffer(sab)))
            }
            tag::SHARED_OBJECT => Err(CloneError::UnsupportedObject("a shared object".into())),
            tag::WASM_MODULE_TRANSFER | tag::WASM_MEMORY_TRANSFER => {
                Err(CloneError::NotExposed("WebAssembly".into()))
            }
            _ => Err(CloneError::UnexpectedTag { tag: t, at }),
        }
    }

    fn blob_body(&mut self) -> Result<Blob> {
        let mime_type = js_string(self.r.string()?);
        let len = self.r.varint32()? as usize;
        let data = self.r.bytes(len)?.to_vec();
        Ok(Blob { mime_type, data })
    }
}

/// `list.push((k, v))`, with the key and the value written into place
/// one by one. Pushing the tuple builds it on the stack first, and the
/// compiler copies that 48-byte temporary in 16-byte pieces that straddle
/// its fields, which stalls the store-to-load forwarding of each piece
/// (a third of the whole decode time on the benchmark graph).
#[inline]
fn push_pair(list: &mut Vec<(PropertyKey, Value)>, k: PropertyKey, v: Value) {
    list.reserve(1);
    let len = list.len();
    // SAFETY: `reserve` made room for one more element at `len`; both
    // fields are written before `set_len` makes the element visible, and
    // `k` and `v` are moved in (not dropped here).
    unsafe {
        let slot = list.as_mut_ptr().add(len);
        std::ptr::addr_of_mut!((*slot).0).write(k);
        std::ptr::addr_of_mut!((*slot).1).write(v);
        list.set_len(len + 1);
    }
}

/// An array's length grows to cover any index property beyond it.
fn array_length(len: u32, props: &[(PropertyKey, Value)]) -> u32 {
    props
        .iter()
        .filter_map(|(k, _)| match k {
            PropertyKey::Index(i) => Some(i + 1),
            _ => None,
        })
        .fold(len, u32::max)
}
