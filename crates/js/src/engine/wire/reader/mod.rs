//! The direct reader: wire bytes straight to JS values (see the module
//! above).

mod kinds;

use super::cache::{names_hash, Caches, SHAPE_KEYS};
use super::writer::MAX_DEPTH;
use crate::engine::ffi::Owned;
use crate::engine::natives::Natives;
use msgport_clone::wire::tag;
use rquickjs::{qjs, Ctx};
/// Reads a whole message (header included) written as [`write()`](super::write()) writes
/// (or as V8 does, for the same kinds of values). `Ok(None)`: the
/// general decoder's. Errors are the engine's (out of memory).
/// Without `natives`, only plain objects, arrays, buffers, views, Dates
/// and primitives are read.
pub(crate) fn read<'js>(
    ctx: &Ctx<'js>,
    bytes: &[u8],
    caches: &mut Caches,
    natives: Option<&Natives>,
) -> rquickjs::Result<Option<rquickjs::Value<'js>>> {
    let mut r = Reader {
        c: ctx.as_raw().as_ptr(),
        natives,
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
        // SAFETY: references the reader still owned (elements, when it gave
        // up inside an array; the back-reference table), each freed once.
        unsafe { qjs::JS_FreeValue(r.c, e) };
    }
    let v = v?;
    Ok(v.filter(|_| r.at == bytes.len())
        // SAFETY: a new reference, taken over by the `Value`.
        .map(|v| unsafe { rquickjs::Value::from_raw(ctx.clone(), v.into_raw()) }))
}

/// The reader of one message.
///
/// Invariant: it exists only inside [`read`], for one call, with `c` the
/// live context the values are made in; every value it holds is a
/// reference it owns (`objects`, `elements`, or an `Owned`).
struct Reader<'a, 'c> {
    c: *mut qjs::JSContext,
    /// The captured built-ins, to make Maps, Sets, RegExps and Errors.
    natives: Option<&'c Natives>,
    b: &'a [u8],
    at: usize,
    /// The objects read so far, by wire id, each a counted reference of
    /// its own (taken by [`Reader::note`], freed by [`read`] when reading ends):
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

impl<'a> Reader<'a, '_> {
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

    /// SAFETY (every raw call here): each `JS_New*` returns a new reference
    /// (or an exception), taken over by an [`Owned`] at once.
    fn made(&self, v: qjs::JSValue) -> rquickjs::Result<Owned> {
        // SAFETY: reads a value's tag.
        if unsafe { qjs::JS_IsException(v) } {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Owned { c: self.c, v })
    }

    /// Records an object for back-references, with a reference of its own.
    #[inline]
    fn note(&mut self, v: qjs::JSValue) {
        // SAFETY: `v` is a live value the caller holds; the copy is a new
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
                // SAFETY: a back-reference: `objects` holds a reference of its own
                // to each object read (see `Reader::objects`).
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
            tag::BEGIN_SPARSE_JS_ARRAY => return self.sparse_array(depth),
            tag::ARRAY_BUFFER => return self.array_buffer(),
            tag::BIGINT => return self.bigint(),
            tag::DATE => {
                let Some(b) = self.bytes(8) else {
                    return Ok(None);
                };
                let t = f64::from_le_bytes(b.try_into().expect("8 bytes"));
                // SAFETY: the reader's context is live; `made` takes the new reference.
                let d = self.made(unsafe { qjs::JS_NewDate(c, t) })?;
                self.note(d.v);
                return Ok(Some(d));
            }
            tag::BEGIN_JS_MAP => return self.collection(false, depth),
            tag::BEGIN_JS_SET => return self.collection(true, depth),
            tag::REGEXP => return self.regexp(),
            tag::ERROR => return self.error(depth),
            tag::TRUE_OBJECT
            | tag::FALSE_OBJECT
            | tag::NUMBER_OBJECT
            | tag::STRING_OBJECT
            | tag::BIGINT_OBJECT => return self.wrapper(t),
            tag::OBJECT_REFERENCE => {
                let id = self.varint();
                let found = id
                    .and_then(|id| self.objects.get(usize::try_from(id).ok()?).copied())
                    // An array still being read (see `objects`).
                    // SAFETY: reads a value's tag.
                    .filter(|o| unsafe { !qjs::JS_IsUndefined(*o) });
                // SAFETY: a live object (see `objects`); the copy takes a reference.
                let Some(o) = found.map(|o| Owned {
                    c,
                    // SAFETY: `objects` keeps `o` alive; the duplicate is the `Owned`'s.
                    v: unsafe { qjs::JS_DupValue(c, o) },
                }) else {
                    return Ok(None);
                };
                // A second view over a buffer read before.
                // SAFETY: a class query on a live object.
                if unsafe { qjs::JS_IsArrayBuffer(o.v) } {
                    let mut len: qjs::size_t = 0;
                    // SAFETY: the buffer was made by this reader (not detached).
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
            // SAFETY: the reader's `c` is live, of the caches' runtime.
            Some(tag::ONE_BYTE_STRING) if b.is_ascii() => unsafe {
                self.caches.strings.string(c, b)
            },
            Some(tag::ONE_BYTE_STRING) => {
                let units: Vec<u16> = b.iter().map(|&x| u16::from(x)).collect();
                // SAFETY: the reader's context is live; the engine copies the units.
                unsafe { qjs::JS_NewStringUTF16(c, units.as_ptr(), units.len() as qjs::size_t) }
            }
            Some(tag::TWO_BYTE_STRING) if b.len() % 2 == 0 => {
                let units: Vec<u16> = b
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .collect();
                // SAFETY: as above.
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
        // SAFETY: the reader's context is live; the engine copies the bytes.
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
        // SAFETY: the reader's context and `args` are live; `made` takes the
        // new reference.
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
            // A double, the commonest element of long arrays, is read
            // here as `value` reads it, without its dispatch.
            if let Some(&[tag::DOUBLE, b0, b1, b2, b3, b4, b5, b6, b7]) =
                self.b.get(self.at..self.at + 9)
            {
                self.at += 9;
                let f = f64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
                // SAFETY: the reader's context is live; a number owns nothing.
                self.elements.push(unsafe { qjs::JS_NewNumber(c, f) });
                continue;
            }
            match self.b.get(self.at) {
                Some(&tag::THE_HOLE) => return Ok(None),
                Some(&tag::INT32) => {
                    self.at += 1;
                    let Some(z) = self.varint().filter(|&z| z <= u64::from(u32::MAX)) else {
                        return Ok(None);
                    };
                    let z = z as u32;
                    let i = ((z >> 1) as i32) ^ -((z & 1) as i32);
                    self.elements.push(qjs::JS_MKVAL(qjs::JS_TAG_INT, i));
                    continue;
                }
                _ => {}
            }
            let Some(v) = self.value(depth + 1)? else {
                return Ok(None);
            };
            self.elements.push(v.into_raw());
        }
        // Named properties after the elements (read before the array is
        // made; a value that refers to the array is the general decoder's).
        let mut extras = Vec::new();
        while self.b.get(self.at) != Some(&tag::END_DENSE_JS_ARRAY) {
            let Some(key) = self.name_key()? else {
                return Ok(None);
            };
            let Some(v) = self.value(depth + 1)? else {
                return Ok(None);
            };
            extras.push((key, v));
        }
        self.at += 1;
        let end = self.varint() == Some(extras.len() as u64) && self.varint() == Some(len);
        if !end {
            return Ok(None);
        }
        // The array is made at once with its elements (one allocation of
        // the right size), taking their references over, also on failure.
        let values = &self.elements[start..];
        let made =
            // SAFETY: the reader's context is live; the engine takes the elements'
            // references over (into the array, or frees them if it fails).
            unsafe { qjs::JS_NewArrayFrom(c, values.len() as std::ffi::c_int, values.as_ptr()) };
        self.elements.truncate(start);
        let a = self.made(made)?;
        // SAFETY: a new reference for the table (its place held `undefined`).
        self.objects[id] = unsafe { qjs::JS_DupValue(c, a.v) };
        for (key, v) in extras {
            kinds::define(c, a.v, &key, v)?;
        }
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
        // SAFETY: the reader's context is live; `made` takes the new reference.
        let o = self.made(unsafe { qjs::JS_NewObject(c) })?;
        self.note(o.v);
        // The names so far, for the shape keepers (engine/wire/cache.rs): the
        // first few, their hash, and whether all are names (not indices).
        struct Names {
            c: *mut qjs::JSContext,
            atoms: [qjs::JSAtom; SHAPE_KEYS],
            n: usize,
        }
        impl Drop for Names {
            fn drop(&mut self) {
                for &a in &self.atoms[..self.n.min(SHAPE_KEYS)] {
                    // SAFETY: each kept atom is owned here, freed once.
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
                        // SAFETY: `c` is live, of the caches' runtime;
                        // `names` holds references to its atoms.
                        unsafe { self.caches.shapes.note(c, hash, &names.atoms[..names.n])? };
                    }
                    return Ok(Some(o));
                }
                Some(tag::ONE_BYTE_STRING) if self.ascii_name().is_some() => {
                    let (k, end) = self.ascii_name().expect("checked");
                    self.at = end;
                    // SAFETY: `c` is live, of the caches' runtime.
                    unsafe { self.caches.names.atom(c, k) }
                }
                Some(tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::PADDING) => {
                    let Some((k, first)) = self.string_first()? else {
                        return Ok(None);
                    };
                    // An index-like name is the general decoder's.
                    if first.is_some_and(|u| (u16::from(b'0')..=u16::from(b'9')).contains(&u)) {
                        return Ok(None);
                    }
                    // SAFETY: the reader's context and the key string are live; the atom
                    // is a new reference, freed below.
                    unsafe { qjs::JS_ValueToAtom(c, k.v) }
                }
                Some(tag::INT32) => {
                    self.at += 1;
                    only_names = false;
                    match self.varint() {
                        // A non-negative Smi: zigzag even.
                        // SAFETY: an integer index as an atom: the engine's tagged form (no
                        // reference to count).
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
            // SAFETY: the atom is owned here (kept in `names` for the
            // first few, else freed now); `JS_DefinePropertyValue` takes
            // over the value's reference.
            let r = match v {
                // SAFETY: `o` and `atom` are live; the engine takes the value's
                // reference over.
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
                // SAFETY: the atom made for this key, freed once.
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
