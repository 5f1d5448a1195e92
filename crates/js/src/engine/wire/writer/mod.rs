//! The direct writer: JS values straight to wire bytes (see the module
//! above).

mod kinds;

use super::cache::{names_hash, Caches};
use crate::engine::classes::{Classes, Kind};
use crate::engine::direct::AddressHasher;
use crate::engine::ffi::{KeyTable, OwnProperty, Owned};
use crate::engine::natives::{Natives, N};
use msgport_clone::wire::{tag, Writer};
use rquickjs::{qjs, Ctx};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use crate::engine::ffi::INDEX_ATOM as TAGGED_INT;

/// Deeper messages are left to the general path (which has no limit).
pub(crate) const MAX_DEPTH: u32 = 64;

/// Objects written so far, by address → wire id. A short list is searched
/// linearly; past [`LINEAR`] objects a map takes over.
const LINEAR: usize = 16;

/// A cloned (not transferred) ArrayBuffer at least this long is copied
/// once into a block sent beside the bytes, which the receiver adopts as
/// its buffer without a copy (`t` and the block's index, as for a
/// transferred one): one copy of its bytes instead of two, into the wire
/// and out of it.
pub(crate) const ASIDE_MIN: usize = 64 << 10;

/// The writer of one message.
///
/// Invariant (what its methods rely on for their raw calls): it exists
/// only inside [`write()`], for one call, with `c` the live context of the
/// message; every value its methods are given is the message or reachable
/// from it (the caller keeps it alive, and the writer runs no JavaScript)
/// or a reference the writer owns (`scratch`).
struct DirectWriter<'a> {
    c: *mut qjs::JSContext,
    /// The elements of the arrays being written (a stack: a nested array's
    /// go above its parent's), each a reference of its own.
    scratch: Vec<qjs::JSValue>,
    w: &'a mut Writer,
    caches: &'a mut Caches,
    classes: &'a Classes,
    plain_class: u32,
    object_proto: usize,
    natives: Option<&'a Natives>,
    /// Where large buffers' copies go (see [`ASIDE_MIN`]); `None`: inline.
    aside: Option<&'a mut Vec<msgport_clone::TransferredBuffer>>,
    seen: Vec<usize>,
    map: Option<HashMap<usize, u32, BuildHasherDefault<AddressHasher>>>,
}

/// What the writer needs of the runtime: `classes` tells objects' kinds
/// by class, `object_proto` is the address of `Object.prototype`, and
/// `natives` the captured built-ins (without them, only plain objects,
/// arrays and primitives are written).
pub(crate) struct Env<'a> {
    pub(crate) classes: &'a Classes,
    pub(crate) object_proto: usize,
    pub(crate) natives: Option<&'a Natives>,
}

/// Writes `value` (header included) into `buf`, which must be empty.
/// `Ok(false)`: the value needs the general path; `buf` holds garbage.
/// With `aside`, large buffers' copies go there (see [`ASIDE_MIN`]).
/// Errors are the engine's (out of memory).
pub(crate) fn write(
    ctx: &Ctx<'_>,
    env: &Env<'_>,
    value: crate::engine::ffi::Lent<'_, '_>,
    buf: &mut Vec<u8>,
    caches: &mut Caches,
    aside: Option<&mut Vec<msgport_clone::TransferredBuffer>>,
) -> rquickjs::Result<bool> {
    let mut w = Writer::over(std::mem::take(buf));
    // The list of objects seen is reused from message to message.
    let mut seen = std::mem::take(&mut caches.seen);
    seen.clear();
    let scratch = std::mem::take(&mut caches.scratch);
    let mut writer = DirectWriter {
        c: ctx.as_raw().as_ptr(),
        scratch,
        w: &mut w,
        caches,
        classes: env.classes,
        plain_class: env.classes.plain(),
        object_proto: env.object_proto,
        natives: env.natives,
        aside,
        seen,
        map: None,
    };
    let r = writer.value(value.raw(), 0);
    writer.caches.seen = std::mem::take(&mut writer.seen);
    // (Empty again: every array's elements were freed and drained.)
    writer.caches.scratch = std::mem::take(&mut writer.scratch);
    *buf = w.buf;
    r
}

impl DirectWriter<'_> {
    fn value(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        // SAFETY: the tag and payload of a value the caller keeps alive.
        match unsafe { qjs::JS_VALUE_GET_TAG(v) } {
            qjs::JS_TAG_INT => {
                self.w.tag(tag::INT32);
                // SAFETY: the payload the tag just read says is there.
                self.w.zigzag(unsafe { v.u.int32 });
            }
            // SAFETY: the payload the tag just read says is there.
            qjs::JS_TAG_FLOAT64 => self.w.number(unsafe { v.u.float64 }),
            // SAFETY: the payload the tag just read says is there.
            qjs::JS_TAG_BOOL => self.w.tag(if unsafe { v.u.int32 } != 0 {
                tag::TRUE
            } else {
                tag::FALSE
            }),
            qjs::JS_TAG_NULL => self.w.tag(tag::NULL),
            qjs::JS_TAG_UNDEFINED => self.w.tag(tag::UNDEFINED),
            qjs::JS_TAG_STRING | qjs::JS_TAG_STRING_ROPE => return self.string(v),
            qjs::JS_TAG_BIG_INT => return self.big_bigint(v),
            // A BigInt the engine keeps in the value (32 bits); larger ones
            // are the general path's.
            qjs::JS_TAG_SHORT_BIG_INT => {
                // SAFETY: the payload the tag just read says is there.
                let x = i64::from(unsafe { v.u.short_big_int });
                self.w.tag(tag::BIGINT);
                let digits = [x.unsigned_abs()];
                self.w
                    .bigint_body(x < 0, if x == 0 { &[] } else { &digits });
            }
            // (A plain object, the common case, is told by its class alone.)
            // SAFETY: the class of a live object.
            qjs::JS_TAG_OBJECT if unsafe { qjs::JS_GetClassID(v) } == self.plain_class => {
                return self.object(v, depth)
            }
            qjs::JS_TAG_OBJECT => return self.other_object(v, depth),
            // Symbols: the general path's (a DataCloneError).
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// An object of another class than plain objects': an Array, a typed
    /// array, a Date, an ArrayBuffer, a Map, a Set, a RegExp, an Error or
    /// a primitive wrapper; anything else is the general path's.
    #[inline(never)]
    fn other_object(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        // SAFETY: class queries on a live object.
        unsafe {
            if qjs::JS_IsArray(v) {
                return self.array(v, depth);
            } else if qjs::JS_GetTypedArrayType(v) >= 0 {
                return self.typed_array(v);
            }
        }
        // SAFETY: the class of a live object.
        match self.classes.kind(unsafe { qjs::JS_GetClassID(v) }) {
            Kind::Date => self.date(v),
            Kind::ArrayBuffer => Ok(self.usable_buffer(v)? && self.array_buffer(v)),
            Kind::Map => self.collection(v, false, depth),
            Kind::Set => self.collection(v, true, depth),
            Kind::RegExp => self.regexp(v),
            Kind::Error => self.error(v, depth),
            Kind::Wrapper(sub) => self.wrapper(v, sub),
            _ => Ok(false),
        }
    }

    /// A string, as the general path writes it (one-byte if every
    /// character is Latin-1, else two-byte). Gives up on a lone surrogate,
    /// which has no UTF-8 form. Sound: `JS_ToCStringLen2` on a string runs
    /// no JavaScript and returns bytes owned until `JS_FreeCString`, called
    /// once on every path.
    fn string(&mut self, v: qjs::JSValue) -> rquickjs::Result<bool> {
        let mut len: qjs::size_t = 0;
        // SAFETY: the writer's invariant (`c`, `v` live); on a string this
        // runs no JavaScript, and the bytes are owned until freed below.
        let p = unsafe { qjs::JS_ToCStringLen2(self.c, &mut len, v, false) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        // SAFETY: `len` bytes at `p`, the engine's, until freed below.
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        let ok = match std::str::from_utf8(bytes) {
            Ok(s) => {
                self.w.str(s);
                true
            }
            Err(_) => false,
        };
        // SAFETY: freed once.
        unsafe { qjs::JS_FreeCString(self.c, p) };
        Ok(ok)
    }

    /// Whether the ArrayBuffer `b` (of the engine's ArrayBuffer class, so
    /// not shared) is neither detached nor resizable, as the built-in
    /// getters tell (the engine's API cannot).
    fn usable_buffer(&mut self, b: qjs::JSValue) -> rquickjs::Result<bool> {
        let Some(n) = self.natives else {
            return Ok(false);
        };
        for getter in [N::BufferDetached, N::BufferResizable] {
            // SAFETY: the writer's invariant; a built-in getter reads a slot.
            let r = unsafe { n.call(self.c, getter, b, &mut [])? };
            // SAFETY: the tag of a value, then the payload a boolean has.
            if unsafe { qjs::JS_VALUE_GET_TAG(r.v) != qjs::JS_TAG_BOOL || r.v.u.int32 != 0 } {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A Date: `D` and its time value (an object, numbered as one).
    fn date(&mut self, d: qjs::JSValue) -> rquickjs::Result<bool> {
        // SAFETY: `d` is an object (a Date): its pointer is its identity.
        if self.lookup(unsafe { d.u.ptr as usize }).is_some() {
            return Ok(self.written_before(d));
        }
        let Some(n) = self.natives else {
            return Ok(false);
        };
        // SAFETY: the writer's invariant; getTime reads [[DateValue]].
        let t = unsafe { n.call(self.c, N::DateValue, d, &mut [])? };
        // SAFETY: reads a value's tag.
        let t = match unsafe { qjs::JS_VALUE_GET_TAG(t.v) } {
            // SAFETY: the payload the tag just read says is there.
            qjs::JS_TAG_INT => f64::from(unsafe { t.v.u.int32 }),
            // SAFETY: the payload the tag just read says is there.
            qjs::JS_TAG_FLOAT64 => unsafe { t.v.u.float64 },
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
        // SAFETY: a usable buffer's bytes, borrowed while no script runs.
        let p = unsafe { qjs::JS_GetArrayBuffer(self.c, &mut len, b) };
        if let Some(aside) = self.aside.as_deref_mut() {
            if len as usize >= ASIDE_MIN {
                // SAFETY: `len` bytes at `p`, the buffer's, borrowed while no
                // script runs; copied at once.
                let bytes = unsafe { std::slice::from_raw_parts(p, len as usize) };
                self.w.tag(tag::ARRAY_BUFFER_TRANSFER);
                self.w.varint(aside.len() as u64);
                aside.push(msgport_clone::TransferredBuffer {
                    data: bytes.to_vec().into(),
                    max_byte_length: None,
                });
                return true;
            }
        }
        self.w.tag(tag::ARRAY_BUFFER);
        self.w.varint(len as u64);
        if len > 0 {
            self.w
                // SAFETY: `len` bytes at `p`, the buffer's, borrowed while no script runs.
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
        // SAFETY: a class query on a live object.
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
        // SAFETY: `v` is an object (a view): its pointer is its identity.
        if let Some(id) = self.lookup(unsafe { v.u.ptr as usize }) {
            self.w.tag(tag::OBJECT_REFERENCE);
            self.w.varint(u64::from(id));
            return Ok(true);
        }
        let c = self.c;
        let (mut offset, mut length, mut size): (qjs::size_t, qjs::size_t, qjs::size_t) = (0, 0, 0);
        // SAFETY: a new reference to the view's buffer (or an exception).
        let b = unsafe { qjs::JS_GetTypedArrayBuffer(c, v, &mut offset, &mut length, &mut size) };
        // SAFETY: reads a value's tag.
        if unsafe { qjs::JS_IsException(b) } {
            // Out of bounds (its buffer detached or shrunk): the general
            // path's, which knows the rule. The engine's exception, thrown
            // by this query and by no script, is dropped.
            // SAFETY: the pending exception is taken, and freed once.
            unsafe { qjs::JS_FreeValue(c, qjs::JS_GetException(c)) };
            return Ok(false);
        }
        let b = Owned { c, v: b };
        // SAFETY: a class query on a live object (`b` owns it).
        if unsafe { !qjs::JS_IsArrayBuffer(b.v) } || !self.usable_buffer(b.v)? {
            return Ok(false);
        }
        self.array_buffer(b.v);
        // Recorded after its buffer, as the general path numbers them.
        // SAFETY: `v` is an object (a view): its pointer is its identity.
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
        // SAFETY: the pointer of an object the caller keeps alive.
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
    /// SAFETY: the key table owns its atoms; for an ordinary object, listing
    /// keys and reading own properties run no JavaScript; each value read
    /// is a new reference, freed once after it was written.
    fn object(&mut self, v: qjs::JSValue, depth: u32) -> rquickjs::Result<bool> {
        if depth >= MAX_DEPTH {
            return Ok(false);
        }
        // SAFETY: the writer's invariant: `v` is the message or reachable
        // from it, which the caller keeps alive while the writer (which
        // runs no JavaScript) reads it, and `c` is live.
        let proto = unsafe { crate::engine::ffi::Borrowed::new(v).proto_address_raw(self.c) };
        if proto != Some(self.object_proto) {
            return Ok(false);
        }
        if self.written_before(v) {
            return Ok(true);
        }
        let c = self.c;
        // SAFETY: the writer's invariant: `c` and `v` are live.
        let keys = unsafe { KeyTable::own_enumerable(c, v)? };
        self.w.tag(tag::BEGIN_JS_OBJECT);
        let Some(count) = self.properties(v, &keys, 0, depth)? else {
            return Ok(false);
        };
        let names = (0..keys.len()).fold(0, |h, i| names_hash(h, keys.atom(i)));
        self.w.tag(tag::END_JS_OBJECT);
        self.w.varint(count);
        // The shapes of an object posted again and again are kept
        // (engine/wire/cache.rs): its next copies, here or where it is read, find
        // them (when every name listed was written).
        if count == keys.len() as u64 {
            // SAFETY: `c` is live, of the caches' runtime.
            unsafe { self.caches.shapes.note_keys(c, names, &keys)? };
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
    /// SAFETY: as [`Self::object`]; the elements' values are new
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
        // SAFETY: the writer's invariant: `c` and `v` (an Array) are live.
        let len = unsafe { crate::engine::ffi::array_length(c, v)? };
        // SAFETY: as just said.
        let keys = unsafe { KeyTable::own_enumerable(c, v)? };
        let Some(n) = crate::engine::ffi::dense_length(&keys, len) else {
            return self.sparse_array(v, &keys, len, depth);
        };
        let start = self.scratch.len();
        let r = self.elements(v, &keys, n as usize, start, depth);
        for e in self.scratch.drain(start..) {
            // SAFETY: the elements' own references (`scratch`), freed once.
            unsafe { qjs::JS_FreeValue(c, e) };
        }
        r
    }

    /// The `n` elements of [`Self::array`] (the first `n` names of
    /// `keys` are its indices), read into `scratch` from `start`.
    fn elements(
        &mut self,
        v: qjs::JSValue,
        keys: &KeyTable,
        n: usize,
        start: usize,
        depth: u32,
    ) -> rquickjs::Result<bool> {
        let c = self.c;
        let (mut numbers, mut smis) = (true, true);
        for i in 0..n {
            let atom = keys.atom(i);
            // SAFETY: `c` and `v` are live, the table keeps `atom`.
            let e = match unsafe { crate::engine::ffi::own_property(c, v, atom)? } {
                OwnProperty::Data(e) => e,
                _ => return Ok(false),
            };
            self.scratch.push(e);
            // SAFETY: reads a value's tag.
            match unsafe { qjs::JS_VALUE_GET_TAG(e) } {
                qjs::JS_TAG_INT => {}
                qjs::JS_TAG_FLOAT64 => {
                    // SAFETY: the payload the tag just read says is there.
                    smis &= msgport_clone::wire::as_smi(unsafe { e.u.float64 }).is_some()
                }
                _ => numbers = false,
            }
        }
        let doubles = n > 0 && numbers && !smis;
        self.w.tag(tag::BEGIN_DENSE_JS_ARRAY);
        self.w.varint(n as u64);
        if doubles {
            // A tag and eight bytes each: one reservation, not one per growth.
            self.w.buf.reserve(n * 9);
        }
        for i in 0..n {
            let e = self.scratch[start + i];
            if numbers {
                // Written here as `value` writes them (when not all
                // doubles), without its dispatch. SAFETY: reads a value's
                // tag, then the payload it says (the elements are all
                // numbers here).
                match (unsafe { qjs::JS_VALUE_GET_TAG(e) }, doubles) {
                    (qjs::JS_TAG_INT, false) => {
                        self.w.tag(tag::INT32);
                        // SAFETY: the payload the tag just read says is there.
                        self.w.zigzag(unsafe { e.u.int32 });
                    }
                    (qjs::JS_TAG_INT, true) => {
                        self.w.tag(tag::DOUBLE);
                        // SAFETY: the payload the tag just read says is there.
                        self.w.double(f64::from(unsafe { e.u.int32 }));
                    }
                    (_, false) => {
                        // SAFETY: the payload the tag just read says is there.
                        self.w.number(unsafe { e.u.float64 })
                    }
                    (_, true) => {
                        self.w.tag(tag::DOUBLE);
                        // SAFETY: the payload the tag just read says is there.
                        self.w.double(unsafe { e.u.float64 });
                    }
                }
            } else if !self.value(e, depth + 1)? {
                return Ok(false);
            }
        }
        // Other own properties follow the elements (msgport-clone's
        // encoder: the rest of the array's properties, then their count).
        let Some(extra) = self.properties(v, keys, n, depth)? else {
            return Ok(false);
        };
        self.w.tag(tag::END_DENSE_JS_ARRAY);
        self.w.varint(extra);
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
        // SAFETY: `c` and the atom (the caller's) are live; the bytes are
        // owned until freed below.
        let p = unsafe { qjs::JS_AtomToCStringLen(self.c, &mut len, atom) };
        if p.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        // SAFETY: `len` bytes at `p`, the engine's, until freed below.
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        let ok = match std::str::from_utf8(bytes) {
            Ok(s) if !s.starts_with(|c: char| c.is_ascii_digit()) => {
                let start = self.w.buf.len();
                self.w.str(s);
                // A one-byte name's bytes do not depend on where they are
                // written (a two-byte one's padding does): those are cached.
                if self.w.buf[start] == tag::ONE_BYTE_STRING {
                    let written = self.w.buf[start..].to_vec();
                    // SAFETY: `c` is live, of the caches' runtime; the
                    // caller keeps `atom`.
                    unsafe { self.caches.keys.put(self.c, atom, &written) };
                }
                true
            }
            _ => false,
        };
        // SAFETY: freed once.
        unsafe { qjs::JS_FreeCString(self.c, p) };
        Ok(ok)
    }
}
