//! StructuredSerialize straight from JS values to wire bytes, and
//! StructuredDeserialize straight back, for the messages most programs
//! post (HTML `#structuredserializeinternal`, `#structureddeserialize`).
//!
//! [`read`] is the other direction: a message of primitives (BigInts up
//! to 64 bits), plain objects, dense arrays, Dates, ArrayBuffers and typed
//! arrays (and nothing transferred) becomes JS values as
//! its bytes are read. On anything else, or any byte it does not expect,
//! it returns `None` and the general decoder (msgport-clone's, then
//! [`crate::clone::deserialize`]) reads the message from the start and
//! decides, as always, between a value and a `messageerror`. Reading runs
//! no JavaScript, so giving up is never observable.
//!
//! The general path ([`crate::clone`]) builds msgport-clone's
//! [`Graph`](msgport_clone::Graph) first and then encodes it, converting
//! every key, string and number twice. A `postMessage` with no transfer list
//! whose message is made of primitives (BigInts the engine keeps in the
//! value: 32 bits), plain objects (the prototype is
//! `Object.prototype`, every own enumerable property is a data property)
//! dense arrays (every index below the length an own enumerable data
//! property, and nothing else enumerable), Dates, and ArrayBuffers and
//! typed arrays over them (not shared, not resizable, not detached) is
//! written here in one pass, with the same bytes. What the engine's API
//! cannot read (a buffer's flags, a Date's time value) the prelude's slot
//! reader reads through captured built-ins.
//!
//! Anything else (an accessor, which is user code; an array with holes or
//! other properties; a DataView, a shared or resizable buffer; a Map, Set
//! or any other kind; a symbol; a string with
//! a lone surrogate; a key that looks like an index; nesting deeper than
//! [`MAX_DEPTH`]) makes [`write()`] give up and return `false`, and the
//! caller runs the general path from the start. Giving up is never
//! observable: until then no user code has run (keys are listed and data
//! properties read by the engine; the slot reader runs built-ins only), and the bytes written so far are thrown away. The general path is the reference for every rule.

use crate::direct::AddressHasher;
use crate::ffi::{KeyTable, OwnProperty, Owned};
use crate::wire_cache::{names_hash, Caches, SHAPE_KEYS};
use msgport_clone::wire::{tag, Writer};
use rquickjs::{qjs, Ctx};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// An atom that stands for an integer index (the engine's tagged atoms).
const TAGGED_INT: u32 = 1 << 31;

/// Deeper messages are left to the general path (which has no limit).
pub(crate) const MAX_DEPTH: u32 = 64;

/// Objects written so far, by address → wire id. A short list is searched
/// linearly; past [`LINEAR`] objects a map takes over.
const LINEAR: usize = 16;

struct W<'a> {
    c: *mut qjs::JSContext,
    /// The elements of the arrays being written (a stack: a nested array's
    /// go above its parent's), each a reference of its own.
    scratch: Vec<qjs::JSValue>,
    w: &'a mut Writer,
    caches: &'a mut Caches,
    plain_class: u32,
    object_proto: usize,
    slot_reader: Option<qjs::JSValue>,
    seen: Vec<usize>,
    map: Option<HashMap<usize, u32, BuildHasherDefault<AddressHasher>>>,
}

/// The prelude's check of an ArrayBuffer (`true`: detached or resizable,
/// which the engine's API cannot tell), held for the direct writer. Its
/// reference is given back when dropped (the host state is cleared before
/// the runtime goes).
pub(crate) struct SlotReader {
    rt: *mut qjs::JSRuntime,
    f: qjs::JSValue,
}

impl SlotReader {
    pub(crate) fn new(ctx: &Ctx<'_>, f: &rquickjs::Function<'_>) -> Self {
        let c = ctx.as_raw().as_ptr();
        // Sound: a new reference to a live function, owned here.
        SlotReader {
            rt: unsafe { qjs::JS_GetRuntime(c) },
            f: unsafe { qjs::JS_DupValue(c, f.as_raw()) },
        }
    }

    /// The function, borrowed from this holder.
    pub(crate) fn raw(&self) -> qjs::JSValue {
        self.f
    }
}

impl Drop for SlotReader {
    fn drop(&mut self) {
        // Sound: the reference taken by `new`, given back once.
        unsafe { qjs::JS_FreeValueRT(self.rt, self.f) };
    }
}

/// Writes `value` (header included) into `buf`, which must be empty.
/// `Ok(false)`: the value needs the general path; `buf` holds garbage.
/// `plain_class` is the engine's class id of ordinary objects,
/// `object_proto` the address of `Object.prototype`, and `slot_reader`
/// the prelude's check of ArrayBuffers (without it, buffers and views
/// take the general path). Errors are the engine's (out of memory).
pub(crate) fn write(
    ctx: &Ctx<'_>,
    plain_class: u32,
    object_proto: usize,
    slot_reader: Option<qjs::JSValue>,
    value: qjs::JSValue,
    buf: &mut Vec<u8>,
    caches: &mut Caches,
) -> rquickjs::Result<bool> {
    let mut w = Writer::over(std::mem::take(buf));
    // The list of objects seen is reused from message to message.
    let mut seen = std::mem::take(&mut caches.seen);
    seen.clear();
    let scratch = std::mem::take(&mut caches.scratch);
    let mut writer = W {
        c: ctx.as_raw().as_ptr(),
        scratch,
        w: &mut w,
        caches,
        plain_class,
        object_proto,
        slot_reader,
        seen,
        map: None,
    };
    let r = writer.value(value, 0);
    writer.caches.seen = std::mem::take(&mut writer.seen);
    // (Empty again: every array's elements were freed and drained.)
    writer.caches.scratch = std::mem::take(&mut writer.scratch);
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
            // A BigInt the engine keeps in the value (32 bits); larger ones
            // are the general path's.
            qjs::JS_TAG_SHORT_BIG_INT => {
                let x = i64::from(unsafe { v.u.short_big_int });
                self.w.tag(tag::BIGINT);
                let digits = [x.unsigned_abs()];
                self.w
                    .bigint_body(x < 0, if x == 0 { &[] } else { &digits });
            }
            // (A plain object, the common case, is told by its class alone.)
            qjs::JS_TAG_OBJECT if unsafe { qjs::JS_GetClassID(v) } == self.plain_class => {
                return self.object(v, depth)
            }
            qjs::JS_TAG_OBJECT => return self.other_object(v, depth),
            // Ropes, BigInts, symbols: the general path's.
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// An object of another class than plain objects': an Array, a typed
    /// array, a Date or an ArrayBuffer; anything else is the general path's.
    #[inline(never)]
    fn other_object(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        // Sound: class queries on a live object.
        unsafe {
            if qjs::JS_IsArray(v) {
                self.array(v, depth)
            } else if qjs::JS_GetTypedArrayType(v) >= 0 {
                self.typed_array(v)
            } else if qjs::JS_IsDate(v) {
                self.date(v)
            } else if qjs::JS_IsArrayBuffer(v) {
                Ok(self.usable_buffer(v)? && self.array_buffer(v))
            } else {
                Ok(false)
            }
        }
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

    /// Whether the ArrayBuffer `b` (of the engine's ArrayBuffer class, so
    /// not shared) is neither detached nor resizable, as the prelude's
    /// check tells. Sound: the check runs only the captured built-in
    /// getters (no user code); its result is a new reference, freed.
    fn usable_buffer(&mut self, b: qjs::JSValue) -> rquickjs::Result<bool> {
        let Some(r) = self.read_slot(b, 0)? else {
            return Ok(false);
        };
        let unusable = unsafe { qjs::JS_VALUE_GET_TAG(r) == qjs::JS_TAG_BOOL && r.u.int32 != 0 };
        Ok(!unusable)
    }

    /// The prelude's slot reader on `o` (kind 0: a buffer's check, 1: a
    /// Date's time value); `None` without a reader. The result is a
    /// primitive (no reference to give back).
    fn read_slot(&mut self, o: qjs::JSValue, kind: i32) -> rquickjs::Result<Option<qjs::JSValue>> {
        let Some(f) = self.slot_reader else {
            return Ok(None);
        };
        let mut args = [o, qjs::JS_MKVAL(qjs::JS_TAG_INT, kind)];
        // Sound: built-in getters run (no user code); a boolean or a
        // number comes back.
        let r = unsafe { qjs::JS_Call(self.c, f, qjs::JS_UNDEFINED, 2, args.as_mut_ptr()) };
        if unsafe { qjs::JS_IsException(r) } {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Some(r))
    }

    /// A Date: `D` and its time value (an object, numbered as one).
    fn date(&mut self, d: qjs::JSValue) -> rquickjs::Result<bool> {
        if self.lookup(unsafe { d.u.ptr as usize }).is_some() {
            return Ok(self.written_before(d));
        }
        let Some(t) = self.read_slot(d, 1)? else {
            return Ok(false);
        };
        let t = match unsafe { qjs::JS_VALUE_GET_TAG(t) } {
            qjs::JS_TAG_INT => f64::from(unsafe { t.u.int32 }),
            qjs::JS_TAG_FLOAT64 => unsafe { t.u.float64 },
            _ => return Ok(false),
        };
        self.written_before(d); // records it
        self.w.tag(tag::DATE);
        self.w.double(t);
        Ok(true)
    }

    /// An ArrayBuffer known to be usable: a reference if written before,
    /// else `B`, its length and its bytes.
    fn array_buffer(&mut self, b: qjs::JSValue) -> bool {
        if self.written_before(b) {
            return true;
        }
        let mut len: qjs::size_t = 0;
        // Sound: a usable buffer's bytes, borrowed while no script runs.
        let p = unsafe { qjs::JS_GetArrayBuffer(self.c, &mut len, b) };
        self.w.tag(tag::ARRAY_BUFFER);
        self.w.varint(len as u64);
        if len > 0 {
            self.w
                .raw(unsafe { std::slice::from_raw_parts(p, len as usize) });
        }
        true
    }

    /// A typed array over a usable ArrayBuffer: its buffer (or a reference
    /// to it), then `V`, the kind, the byte offset, the byte length and no
    /// flags, as the general path writes it (V8 writes the buffer first, and
    /// numbers the buffer before the view). A view over a shared, detached
    /// or resizable buffer is the general path's.
    #[inline(never)]
    fn typed_array(&mut self, v: qjs::JSValue) -> rquickjs::Result<bool> {
        use msgport_clone::ViewKind as K;
        let kind = match unsafe { qjs::JS_GetTypedArrayType(v) } as u32 {
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT8C => K::Uint8ClampedArray,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT8 => K::Int8Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT8 => K::Uint8Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT16 => K::Int16Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT16 => K::Uint16Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT32 => K::Int32Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT32 => K::Uint32Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_BIG_INT64 => K::BigInt64Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_BIG_UINT64 => K::BigUint64Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_FLOAT16 => K::Float16Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_FLOAT32 => K::Float32Array,
            qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_FLOAT64 => K::Float64Array,
            _ => return Ok(false),
        };
        // A view written before: a reference only (before the buffer is looked at).
        if let Some(id) = self.lookup(unsafe { v.u.ptr as usize }) {
            self.w.tag(tag::OBJECT_REFERENCE);
            self.w.varint(u64::from(id));
            return Ok(true);
        }
        let c = self.c;
        let (mut offset, mut length, mut size): (qjs::size_t, qjs::size_t, qjs::size_t) = (0, 0, 0);
        // Sound: a new reference to the view's buffer (or an exception).
        let b = unsafe { qjs::JS_GetTypedArrayBuffer(c, v, &mut offset, &mut length, &mut size) };
        if unsafe { qjs::JS_IsException(b) } {
            // Out of bounds (its buffer detached or shrunk): the general
            // path's, which knows the rule. The engine's exception, thrown
            // by this query and by no script, is dropped.
            unsafe { qjs::JS_FreeValue(c, qjs::JS_GetException(c)) };
            return Ok(false);
        }
        let b = Owned { c, v: b };
        if unsafe { !qjs::JS_IsArrayBuffer(b.v) } || !self.usable_buffer(b.v)? {
            return Ok(false);
        }
        self.array_buffer(b.v);
        // Recorded after its buffer, as the general path numbers them.
        self.seen(unsafe { v.u.ptr as usize });
        self.w.tag(tag::ARRAY_BUFFER_VIEW);
        self.w.tag(kind.subtag());
        self.w.varint(offset);
        self.w.varint(length);
        self.w.varint(0);
        Ok(true)
    }

    /// The wire id of an object written before, without recording it.
    fn lookup(&self, addr: usize) -> Option<u32> {
        match &self.map {
            Some(map) => map.get(&addr).copied(),
            None => self.seen.iter().position(|&a| a == addr).map(|i| i as u32),
        }
    }

    /// Writes a reference to the object `v` if it was written before
    /// (else records it, and the caller writes it).
    fn written_before(&mut self, v: qjs::JSValue) -> bool {
        // Sound: the pointer of an object the caller keeps alive.
        match self.seen(unsafe { v.u.ptr as usize }) {
            Some(id) => {
                self.w.tag(tag::OBJECT_REFERENCE);
                self.w.varint(u64::from(id));
                true
            }
            None => false,
        }
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

    /// An ordinary object with `Object.prototype` (its class was checked
    /// by [`Self::value`]): `o`, its own enumerable string-keyed properties
    /// in order, `{` and their count.
    ///
    /// Sound: the key table owns its atoms; for an ordinary object, listing
    /// keys and reading own properties run no JavaScript; each value read
    /// is a new reference, freed once after it was written.
    fn object(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        if depth >= MAX_DEPTH
            || crate::ffi::Borrowed(v).proto_address_raw(self.c) != Some(self.object_proto)
        {
            return Ok(false);
        }
        if self.written_before(v) {
            return Ok(true);
        }
        let c = self.c;
        let keys = KeyTable::own_enumerable(c, v)?;
        self.w.tag(tag::BEGIN_JS_OBJECT);
        let mut count = 0u64;
        let mut names = 0u64;
        for i in 0..keys.len() {
            let atom = keys.atom(i);
            names = names_hash(names, atom);
            let value = match crate::ffi::own_property(c, v, atom)? {
                OwnProperty::Absent => continue,
                OwnProperty::Accessor => return Ok(false),
                OwnProperty::Data(value) => Owned { c, v: value },
            };
            if !(self.key(atom)? && self.value(value.v, depth + 1)?) {
                return Ok(false);
            }
            count += 1;
        }
        self.w.tag(tag::END_JS_OBJECT);
        self.w.varint(count);
        // The shapes of an object posted again and again are kept
        // (wire_cache.rs): its next copies, here or where it is read, find
        // them (when every name listed was written).
        if count == keys.len() as u64 {
            self.caches.shapes.note_keys(c, names, &keys)?;
        }
        Ok(true)
    }

    /// A dense Array (every index below its length an own data property,
    /// and no other own enumerable property): `A`, its length, the
    /// elements, `$`, 0 and the length again, as the general path writes
    /// it (msgport-clone's encoder: all elements as doubles when all are
    /// numbers and one is not a Smi, as V8 keeps such an array). Any other
    /// array (holes, extra properties, an accessor) is the general path's.
    ///
    /// Sound: as [`Self::object`]; the elements' values are new
    /// references kept in `scratch` and freed once on every path.
    #[inline(never)]
    fn array(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        if depth >= MAX_DEPTH {
            return Ok(false);
        }
        if self.written_before(v) {
            return Ok(true);
        }
        let c = self.c;
        let mut len: i64 = 0;
        if unsafe { qjs::JS_GetLength(c, v, &mut len) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
        let keys = KeyTable::own_enumerable(c, v)?;
        if keys.len() as i64 != len {
            return Ok(false);
        }
        let start = self.scratch.len();
        let r = self.elements(v, &keys, start, depth);
        for e in self.scratch.drain(start..) {
            unsafe { qjs::JS_FreeValue(c, e) };
        }
        r
    }

    /// The elements of [`Self::array`], read into `scratch` from `start`.
    fn elements(
        &mut self,
        v: qjs::JSValue,
        keys: &KeyTable,
        start: usize,
        depth: u32,
    ) -> rquickjs::Result<bool> {
        let c = self.c;
        let (mut numbers, mut smis) = (true, true);
        for i in 0..keys.len() {
            let atom = keys.atom(i);
            if atom != (i as u32 | TAGGED_INT) {
                return Ok(false); // not index i: a hole or a name
            }
            let e = match crate::ffi::own_property(c, v, atom)? {
                OwnProperty::Data(e) => e,
                _ => return Ok(false),
            };
            self.scratch.push(e);
            match unsafe { qjs::JS_VALUE_GET_TAG(e) } {
                qjs::JS_TAG_INT => {}
                qjs::JS_TAG_FLOAT64 => {
                    smis &= msgport_clone::wire::as_smi(unsafe { e.u.float64 }).is_some()
                }
                _ => numbers = false,
            }
        }
        let n = keys.len();
        let doubles = n > 0 && numbers && !smis;
        self.w.tag(tag::BEGIN_DENSE_JS_ARRAY);
        self.w.varint(n as u64);
        for i in 0..n {
            let e = self.scratch[start + i];
            if doubles {
                let f = match unsafe { qjs::JS_VALUE_GET_TAG(e) } {
                    qjs::JS_TAG_INT => f64::from(unsafe { e.u.int32 }),
                    _ => unsafe { e.u.float64 },
                };
                self.w.tag(tag::DOUBLE);
                self.w.double(f);
            } else if !self.value(e, depth + 1)? {
                return Ok(false);
            }
        }
        self.w.tag(tag::END_DENSE_JS_ARRAY);
        self.w.varint(0);
        self.w.varint(n as u64);
        Ok(true)
    }

    /// A property key: an integer index as a number, a name as a string.
    /// A name starting with a digit may be an index past the engine's
    /// tagged range; those are left to the general path. Sound: the
    /// C string of an atom is freed once.
    fn key(&mut self, atom: qjs::JSAtom) -> rquickjs::Result<bool> {
        if atom & TAGGED_INT != 0 {
            self.w.number(f64::from(atom & !TAGGED_INT));
            return Ok(true);
        }
        if let Some(b) = self.caches.keys.get(atom) {
            if b.first() == Some(&tag::ONE_BYTE_STRING) {
                self.w.raw(b);
                return Ok(true);
            }
        }
        let mut len: qjs::size_t = 0;
        let p = unsafe { qjs::JS_AtomToCStringLen(self.c, &mut len, atom) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        let ok = match std::str::from_utf8(bytes) {
            Ok(s) if !s.starts_with(|c: char| c.is_ascii_digit()) => {
                let start = self.w.buf.len();
                self.w.str(s);
                // A one-byte name's bytes do not depend on where they are
                // written (a two-byte one's padding does): those are cached.
                if self.w.buf[start] == tag::ONE_BYTE_STRING {
                    let written = self.w.buf[start..].to_vec();
                    self.caches.keys.put(self.c, atom, &written);
                }
                true
            }
            _ => false,
        };
        unsafe { qjs::JS_FreeCString(self.c, p) };
        Ok(ok)
    }
}

/// Reads a whole message (header included) written as [`write()`] writes
/// (or as V8 does, for the same kinds of values). `Ok(None)`: the
/// general decoder's. Errors are the engine's (out of memory).
pub(crate) fn read<'js>(
    ctx: &Ctx<'js>,
    bytes: &[u8],
    caches: &mut Caches,
) -> rquickjs::Result<Option<rquickjs::Value<'js>>> {
    let mut r = R {
        c: ctx.as_raw().as_ptr(),
        b: bytes,
        at: 0,
        objects: Vec::new(),
        elements: Vec::new(),
        caches,
    };
    if r.byte() != Some(tag::VERSION) || r.varint() != Some(u64::from(msgport_clone::wire::VERSION))
    {
        return Ok(None);
    }
    let v = r.value(0);
    for e in r.elements.drain(..).chain(r.objects.drain(..)) {
        // Sound: references the reader still owned (elements, when it gave
        // up inside an array; the back-reference table), each freed once.
        unsafe { qjs::JS_FreeValue(r.c, e) };
    }
    let v = v?;
    Ok(v.filter(|_| r.at == bytes.len())
        // Sound: a new reference, taken over by the `Value`.
        .map(|v| unsafe { rquickjs::Value::from_raw(ctx.clone(), v.into_raw()) }))
}

struct R<'a, 'c> {
    c: *mut qjs::JSContext,
    b: &'a [u8],
    at: usize,
    /// The objects read so far, by wire id, each a counted reference of
    /// its own (taken by [`R::note`], freed by [`read`] when reading ends):
    /// hostile bytes can make the value drop an object before a
    /// back-reference names it (a repeated key replaces a property), so
    /// the value being read cannot be what keeps them alive.
    /// An array's place in `objects` holds `undefined` until the array is
    /// made (after its elements): a reference to it from inside is left
    /// to the general decoder.
    objects: Vec<qjs::JSValue>,
    /// The elements of the arrays being read (a stack, as the writer's),
    /// each a reference of its own until its array takes it over; any
    /// left when reading stops are freed by [`read`].
    elements: Vec<qjs::JSValue>,
    caches: &'c mut Caches,
}

impl<'a> R<'a, '_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.b.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn bytes(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let b: &'a [u8] = self.b;
        let s = b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    /// Sound (every raw call here): each `JS_New*` returns a new reference
    /// (or an exception), taken over by an [`Owned`] at once.
    fn made(&self, v: qjs::JSValue) -> rquickjs::Result<Owned> {
        if unsafe { qjs::JS_IsException(v) } {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Owned { c: self.c, v })
    }

    /// Records an object for back-references, with a reference of its own.
    #[inline]
    fn note(&mut self, v: qjs::JSValue) {
        // Sound: `v` is a live value the caller holds; the copy is a new
        // reference, freed by `read`.
        self.objects.push(unsafe { qjs::JS_DupValue(self.c, v) });
    }

    fn value(&mut self, depth: u32) -> rquickjs::Result<Option<Owned>> {
        let c = self.c;
        let Some(t) = self.byte() else {
            return Ok(None);
        };
        let v = match t {
            tag::UNDEFINED => qjs::JS_UNDEFINED,
            tag::NULL => qjs::JS_NULL,
            tag::TRUE => qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 1),
            tag::FALSE => qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0),
            tag::INT32 => match self.varint() {
                Some(z) if z <= u64::from(u32::MAX) => {
                    let z = z as u32;
                    qjs::JS_MKVAL(qjs::JS_TAG_INT, ((z >> 1) as i32) ^ -((z & 1) as i32))
                }
                _ => return Ok(None),
            },
            tag::DOUBLE => match self.bytes(8) {
                Some(b) => unsafe {
                    qjs::JS_NewNumber(c, f64::from_le_bytes(b.try_into().expect("8 bytes")))
                },
                None => return Ok(None),
            },
            tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::PADDING => {
                self.at -= 1;
                return self.string();
            }
            tag::BEGIN_JS_OBJECT => return self.object(depth),
            tag::BEGIN_DENSE_JS_ARRAY => return self.array(depth),
            tag::ARRAY_BUFFER => return self.array_buffer(),
            tag::BIGINT => {
                // Up to one 64-bit digit; larger ones are the general decoder's.
                let Some(bitfield) = self.varint() else {
                    return Ok(None);
                };
                let negative = bitfield & 1 == 1;
                match bitfield >> 1 {
                    0 => unsafe { qjs::JS_NewBigInt64(c, 0) },
                    8 => {
                        let Some(b) = self.bytes(8) else {
                            return Ok(None);
                        };
                        let d = u64::from_le_bytes(b.try_into().expect("8 bytes"));
                        match (negative, i64::try_from(d)) {
                            (false, _) => unsafe { qjs::JS_NewBigUint64(c, d) },
                            (true, Ok(m)) => unsafe { qjs::JS_NewBigInt64(c, -m) },
                            (true, Err(_)) if d == 1 << 63 => unsafe {
                                qjs::JS_NewBigInt64(c, i64::MIN)
                            },
                            (true, Err(_)) => return Ok(None),
                        }
                    }
                    _ => return Ok(None),
                }
            }
            tag::DATE => {
                let Some(b) = self.bytes(8) else {
                    return Ok(None);
                };
                let t = f64::from_le_bytes(b.try_into().expect("8 bytes"));
                let d = self.made(unsafe { qjs::JS_NewDate(c, t) })?;
                self.note(d.v);
                return Ok(Some(d));
            }
            tag::OBJECT_REFERENCE => {
                let id = self.varint();
                let found = id
                    .and_then(|id| self.objects.get(usize::try_from(id).ok()?).copied())
                    // An array still being read (see `objects`).
                    .filter(|o| unsafe { !qjs::JS_IsUndefined(*o) });
                // Sound: a live object (see `objects`); the copy takes a reference.
                let Some(o) = found.map(|o| Owned {
                    c,
                    v: unsafe { qjs::JS_DupValue(c, o) },
                }) else {
                    return Ok(None);
                };
                // A second view over a buffer read before.
                if unsafe { qjs::JS_IsArrayBuffer(o.v) } {
                    let mut len: qjs::size_t = 0;
                    // Sound: the buffer was made by this reader (not detached).
                    unsafe { qjs::JS_GetArrayBuffer(c, &mut len, o.v) };
                    return self.maybe_view(o, len as u64);
                }
                return Ok(Some(o));
            }
            _ => return Ok(None),
        };
        self.made(v).map(Some)
    }

    /// A string: one-byte (Latin-1) or two-byte (UTF-16, after optional
    /// padding), the only string forms the writers use.
    fn string(&mut self) -> rquickjs::Result<Option<Owned>> {
        Ok(self.string_first()?.map(|(v, _)| v))
    }

    /// [`Self::string`], and its first code unit.
    fn string_first(&mut self) -> rquickjs::Result<Option<(Owned, Option<u16>)>> {
        let c = self.c;
        let mut t = self.byte();
        if t == Some(tag::PADDING) {
            t = self.byte();
        }
        let Some(n) = self.varint() else {
            return Ok(None);
        };
        let Some(b) = self.bytes(n) else {
            return Ok(None);
        };
        let first = match t {
            Some(tag::TWO_BYTE_STRING) => b.get(..2).map(|p| u16::from_le_bytes([p[0], p[1]])),
            _ => b.first().map(|&x| u16::from(x)),
        };
        let v = match t {
            Some(tag::ONE_BYTE_STRING) if b.is_ascii() => self.caches.strings.string(c, b),
            Some(tag::ONE_BYTE_STRING) => {
                let units: Vec<u16> = b.iter().map(|&x| u16::from(x)).collect();
                unsafe { qjs::JS_NewStringUTF16(c, units.as_ptr(), units.len() as qjs::size_t) }
            }
            Some(tag::TWO_BYTE_STRING) if b.len() % 2 == 0 => {
                let units: Vec<u16> = b
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .collect();
                unsafe { qjs::JS_NewStringUTF16(c, units.as_ptr(), units.len() as qjs::size_t) }
            }
            _ => return Ok(None),
        };
        Ok(Some((self.made(v)?, first)))
    }

    /// At a one-byte string: its bytes and the position after them, if it
    /// is an ASCII name that does not start with a digit (the common key).
    fn ascii_name(&self) -> Option<(&'a [u8], usize)> {
        let n = usize::from(*self.b.get(self.at + 1)?);
        if n >= 0x80 {
            return None; // a long name: the general key path
        }
        let b: &'a [u8] = self.b;
        let k = b.get(self.at + 2..self.at + 2 + n)?;
        (k.is_ascii() && !k.first().is_some_and(u8::is_ascii_digit)).then_some((k, self.at + 2 + n))
    }

    /// `B`, the length and the bytes: a new ArrayBuffer with a copy, and
    /// if `V` follows, a typed array over it (V8 writes a view as its
    /// buffer, then the view). A DataView, a view with flags (length
    /// tracking, a resizable buffer) or out of bounds is the general
    /// decoder's.
    #[inline(never)]
    fn array_buffer(&mut self) -> rquickjs::Result<Option<Owned>> {
        let c = self.c;
        let Some(len) = self.varint() else {
            return Ok(None);
        };
        let Some(bytes) = self.bytes(len) else {
            return Ok(None);
        };
        let b = self.made(unsafe {
            qjs::JS_NewArrayBufferCopy(c, bytes.as_ptr(), bytes.len() as qjs::size_t)
        })?;
        self.note(b.v);
        self.maybe_view(b, len)
    }

    /// After an ArrayBuffer `b` of `len` bytes (read, or referenced): if
    /// `V` follows, a typed array over it, else the buffer.
    fn maybe_view(&mut self, b: Owned, len: u64) -> rquickjs::Result<Option<Owned>> {
        let c = self.c;
        if self.b.get(self.at) != Some(&tag::ARRAY_BUFFER_VIEW) {
            return Ok(Some(b));
        }
        self.at += 1;
        use msgport_clone::ViewKind as K;
        let kind = match self.byte().and_then(msgport_clone::ViewKind::from_subtag) {
            Some(K::Uint8ClampedArray) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT8C,
            Some(K::Int8Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT8,
            Some(K::Uint8Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT8,
            Some(K::Int16Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT16,
            Some(K::Uint16Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT16,
            Some(K::Int32Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT32,
            Some(K::Uint32Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT32,
            Some(K::BigInt64Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_BIG_INT64,
            Some(K::BigUint64Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_BIG_UINT64,
            Some(K::Float16Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_FLOAT16,
            Some(K::Float32Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_FLOAT32,
            Some(K::Float64Array) => qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_FLOAT64,
            _ => return Ok(None),
        };
        let size = msgport_clone::ViewKind::from_subtag(self.b[self.at - 1])
            .map_or(1, msgport_clone::ViewKind::element_size) as u64;
        let (Some(offset), Some(length), Some(0)) = (self.varint(), self.varint(), self.varint())
        else {
            return Ok(None);
        };
        let fits = offset.checked_add(length).is_some_and(|end| end <= len);
        if !fits || offset % size != 0 || length % size != 0 {
            return Ok(None);
        }
        let mut args = [
            b.v,
            qjs::JS_NewFloat64(offset as f64),
            qjs::JS_NewFloat64((length / size) as f64),
        ];
        let view = self.made(unsafe { qjs::JS_NewTypedArray(c, 3, args.as_mut_ptr(), kind) })?;
        self.note(view.v);
        Ok(Some(view))
    }

    /// `A`, the length, that many elements (no hole), `$`, no
    /// properties and the length again: a new Array. Anything else (a
    /// hole, properties, a sparse array) is the general decoder's.
    #[inline(never)]
    fn array(&mut self, depth: u32) -> rquickjs::Result<Option<Owned>> {
        if depth >= MAX_DEPTH {
            return Ok(None);
        }
        let c = self.c;
        let Some(len) = self.varint() else {
            return Ok(None);
        };
        // Each element takes a byte at least: a length beyond the input is
        // garbage, rejected before anything is made.
        if len > (self.b.len() - self.at) as u64 || len > i32::MAX as u64 {
            return Ok(None);
        }
        let id = self.objects.len();
        self.objects.push(qjs::JS_UNDEFINED);
        let start = self.elements.len();
        for _ in 0..len {
            if self.b.get(self.at) == Some(&tag::THE_HOLE) {
                return Ok(None);
            }
            let Some(v) = self.value(depth + 1)? else {
                return Ok(None);
            };
            self.elements.push(v.into_raw());
        }
        let end = self.byte() == Some(tag::END_DENSE_JS_ARRAY)
            && self.varint() == Some(0)
            && self.varint() == Some(len);
        if !end {
            return Ok(None);
        }
        // The array is made at once with its elements (one allocation of
        // the right size), taking their references over, also on failure.
        let values = &self.elements[start..];
        let made =
            unsafe { qjs::JS_NewArrayFrom(c, values.len() as std::ffi::c_int, values.as_ptr()) };
        self.elements.truncate(start);
        let a = self.made(made)?;
        // Sound: a new reference for the table (its place held `undefined`).
        self.objects[id] = unsafe { qjs::JS_DupValue(c, a.v) };
        Ok(Some(a))
    }

    /// `o`, key/value pairs, `{` and their count. Keys are strings that
    /// do not start with a digit, or non-negative Smis (indices); anything
    /// else is left to the general decoder (which knows the rules for the
    /// rest).
    fn object(&mut self, depth: u32) -> rquickjs::Result<Option<Owned>> {
        if depth >= MAX_DEPTH {
            return Ok(None);
        }
        let c = self.c;
        let o = self.made(unsafe { qjs::JS_NewObject(c) })?;
        self.note(o.v);
        // The names so far, for the shape keepers (wire_cache.rs): the
        // first few, their hash, and whether all are names (not indices).
        struct Names {
            c: *mut qjs::JSContext,
            atoms: [qjs::JSAtom; SHAPE_KEYS],
            n: usize,
        }
        impl Drop for Names {
            fn drop(&mut self) {
                for &a in &self.atoms[..self.n.min(SHAPE_KEYS)] {
                    // Sound: each kept atom is owned here, freed once.
                    unsafe { qjs::JS_FreeAtom(self.c, a) };
                }
            }
        }
        let mut names = Names {
            c,
            atoms: [0; SHAPE_KEYS],
            n: 0,
        };
        let mut hash = 0u64;
        let mut only_names = true;
        let mut count = 0u64;
        loop {
            let atom = match self.b.get(self.at).copied() {
                Some(tag::END_JS_OBJECT) => {
                    self.at += 1;
                    if self.varint() != Some(count) {
                        return Ok(None);
                    }
                    if only_names && names.n <= SHAPE_KEYS {
                        self.caches.shapes.note(c, hash, &names.atoms[..names.n])?;
                    }
                    return Ok(Some(o));
                }
                Some(tag::ONE_BYTE_STRING) if self.ascii_name().is_some() => {
                    let (k, end) = self.ascii_name().expect("checked");
                    self.at = end;
                    self.caches.names.atom(c, k)
                }
                Some(tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::PADDING) => {
                    let Some((k, first)) = self.string_first()? else {
                        return Ok(None);
                    };
                    // An index-like name is the general decoder's.
                    if first.is_some_and(|u| (u16::from(b'0')..=u16::from(b'9')).contains(&u)) {
                        return Ok(None);
                    }
                    unsafe { qjs::JS_ValueToAtom(c, k.v) }
                }
                Some(tag::INT32) => {
                    self.at += 1;
                    only_names = false;
                    match self.varint() {
                        // A non-negative Smi: zigzag even.
                        Some(z) if z & 1 == 0 && z <= u64::from(u32::MAX) => unsafe {
                            qjs::JS_NewAtomUInt32(c, (z >> 1) as u32)
                        },
                        _ => return Ok(None),
                    }
                }
                _ => return Ok(None),
            };
            if atom == 0 {
                return Err(rquickjs::Error::Exception);
            }
            hash = names_hash(hash, atom);
            let v = self.value(depth + 1);
            // Sound: the atom is owned here (kept in `names` for the
            // first few, else freed now); `JS_DefinePropertyValue` takes
            // over the value's reference.
            let r = match v {
                Ok(Some(v)) => unsafe {
                    let r = qjs::JS_DefinePropertyValue(
                        c,
                        o.v,
                        atom,
                        v.into_raw(),
                        (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32,
                    );
                    if r < 0 {
                        Err(rquickjs::Error::Exception)
                    } else {
                        Ok(true)
                    }
                },
                Ok(None) => Ok(false),
                Err(e) => Err(e),
            };
            if names.n < SHAPE_KEYS {
                names.atoms[names.n] = atom;
            } else {
                unsafe { qjs::JS_FreeAtom(c, atom) };
            }
            names.n += 1;
            if !r? {
                return Ok(None);
            }
            count += 1;
        }
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
        let plain = crate::ffi::class_id(&ctx.eval::<Value, _>("({})").unwrap());
        let proto: Object = ctx.eval("Object.prototype").unwrap();
        (plain, crate::ffi::object_address(&proto))
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
    fn written(
        ctx: &rquickjs::Ctx<'_>,
        plain: u32,
        proto: usize,
        check: &SlotReader,
        caches: &mut Caches,
        v: &Value<'_>,
    ) -> Vec<u8> {
        let mut bytes = Vec::new();
        let taken = write(
            ctx,
            plain,
            proto,
            Some(check.raw()),
            v.as_raw(),
            &mut bytes,
            caches,
        );
        assert!(taken.unwrap(), "left to the general path");
        bytes
    }

    /// The prelude's buffer check, as a test script can write it.
    fn slot_reader(ctx: &rquickjs::Ctx<'_>) -> SlotReader {
        let f: rquickjs::Function = ctx
            .eval("(o, kind) => kind === 0 ? o.detached || o.resizable : Date.prototype.getTime.call(o)")
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
                        Some(check.raw()),
                        v.as_raw(),
                        &mut buf,
                        &mut caches,
                    )
                    .unwrap();
                    let mut again = Vec::new();
                    let r = write(
                        &ctx,
                        plain,
                        proto,
                        Some(check.raw()),
                        v.as_raw(),
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
                let graph = msgport_clone::deserialize_with_transfer(
                    &bytes,
                    Vec::new(),
                    0,
                    Default::default(),
                )
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
                    Some(check.raw()),
                    back.as_raw(),
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
            let bytes_of = |v: &Value| {
                let mut buf = Vec::new();
                assert!(write(
                    &ctx,
                    plain,
                    proto,
                    Some(check.raw()),
                    v.as_raw(),
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
}
