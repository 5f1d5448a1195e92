//! Every raw QuickJS call of msgport-js, in one small audited module
//! (DESIGN.md, "The JS runtime"). Each function states why it is sound.

use msgport_clone::DataBlock;
use rquickjs::{qjs, ArrayBuffer, Ctx, Object, Value};

/// A new reference to a value, released when dropped (no context
/// reference of its own, unlike a `Value`: the reader makes several per
/// message; the native delivery too).
pub(crate) struct Owned {
    pub(crate) c: *mut qjs::JSContext,
    pub(crate) v: qjs::JSValue,
}

impl Owned {
    pub(crate) fn into_raw(self) -> qjs::JSValue {
        let v = self.v;
        std::mem::forget(self);
        v
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // Sound: the reference this owns, given back once.
        unsafe { qjs::JS_FreeValue(self.c, self.v) };
    }
}

/// The engine's class id of an object (`JS_GetClassID`): which built-in
/// internal slots it has. Sound: `JS_GetClassID` only reads the tag and,
/// for objects, the class field of a live object that `v` keeps alive.
pub(crate) fn class_id(v: &Value<'_>) -> u32 {
    unsafe { qjs::JS_GetClassID(v.as_raw()) }
}

/// The address of an object, as its identity for the structured-clone
/// memory map. Only meaningful while the object is kept alive (the caller
/// holds a reference for the whole walk). Sound: reads the pointer field of
/// an object-tagged value; on the 64-bit targets msgport supports `JSValue`
/// is a `{union, tag}` struct (no NaN boxing).
pub(crate) fn object_address(o: &Object<'_>) -> usize {
    const _: () = assert!(
        std::mem::size_of::<qjs::JSValue>() == 16,
        "msgport-js needs the unboxed JSValue layout"
    );
    unsafe { o.as_raw().u.ptr as usize }
}

/// CreateDataProperty(`o`, `key`, `v`): defines an own enumerable, writable,
/// configurable data property without running setters (a key such as
/// `__proto__` stays an own property, as the structured-deserialize steps
/// require). Sound: the value is duplicated before `JS_DefinePropertyValue*`
/// takes ownership of it; the atom made from `key` is freed after use.
pub(crate) fn define_data_property<'js>(
    ctx: &rquickjs::Ctx<'js>,
    o: &Object<'js>,
    key: PropKey<'_, 'js>,
    v: &Value<'js>,
) -> rquickjs::Result<()> {
    let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
    let r = unsafe {
        let c = ctx.as_raw().as_ptr();
        let val = qjs::JS_DupValue(c, v.as_raw());
        match key {
            PropKey::Index(i) => qjs::JS_DefinePropertyValueUint32(c, o.as_raw(), i, val, flags),
            PropKey::Value(k) => {
                let atom = qjs::JS_ValueToAtom(c, k.as_raw());
                let r = qjs::JS_DefinePropertyValue(c, o.as_raw(), atom, val, flags);
                qjs::JS_FreeAtom(c, atom);
                r
            }
        }
    };
    if r < 0 {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(())
    }
}

/// A property key for [`define_data_property`].
pub(crate) enum PropKey<'a, 'js> {
    Index(u32),
    /// A JS string value (for keys that are not valid UTF-8, e.g. lone surrogates).
    Value(&'a Value<'js>),
}

/// A copy of a typed array's bytes (empty if detached). Sound: the slice
/// is copied before any JavaScript can run again.
pub(crate) fn typed_array_bytes<T>(t: &rquickjs::TypedArray<'_, T>) -> Vec<u8> {
    unsafe { t.as_bytes() }
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

/// A copy of a Uint16Array's code units.
pub(crate) fn typed_array_u16(t: &rquickjs::TypedArray<'_, u16>) -> Vec<u16> {
    typed_array_bytes(t)
        .chunks_exact(2)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]))
        .collect()
}

/// Whether a typed array is within its buffer (`IsTypedArrayOutOfBounds`
/// is false; a detached buffer counts as out of bounds). Sound:
/// `JS_GetTypedArrayBuffer` either returns a new reference to the buffer,
/// freed here, or raises an exception, which is taken and freed here so no
/// pending exception leaks into the caller.
pub(crate) fn typed_array_in_bounds(ctx: &rquickjs::Ctx<'_>, v: &Value<'_>) -> bool {
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let r = qjs::JS_GetTypedArrayBuffer(
            c,
            v.as_raw(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        if qjs::JS_IsException(r) {
            let e = qjs::JS_GetException(c);
            qjs::JS_FreeValue(c, e);
            false
        } else {
            qjs::JS_FreeValue(c, r);
            true
        }
    }
}

/// An atom for `s` (freed with [`free_atom`]). Sound: `JS_NewAtomLen`
/// copies the bytes; the caller owns one reference to the atom.
pub(crate) fn new_atom(ctx: &rquickjs::Ctx<'_>, s: &str) -> u32 {
    unsafe { qjs::JS_NewAtomLen(ctx.as_raw().as_ptr(), s.as_ptr().cast(), s.len() as _) }
}

/// Releases an atom made by [`new_atom`]. Sound: frees the one reference
/// the caller owned.
pub(crate) fn free_atom(ctx: &rquickjs::Ctx<'_>, atom: u32) {
    unsafe { qjs::JS_FreeAtom(ctx.as_raw().as_ptr(), atom) }
}

/// CreateDataProperty with a key atom from [`new_atom`] (see
/// [`define_data_property`]). Sound: the value is duplicated before the
/// engine takes it; the atom stays the caller's.
pub(crate) fn define_data_property_atom<'js>(
    ctx: &rquickjs::Ctx<'js>,
    o: &Object<'js>,
    atom: u32,
    v: &Value<'js>,
) -> rquickjs::Result<()> {
    let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
    let r = unsafe {
        let c = ctx.as_raw().as_ptr();
        qjs::JS_DefinePropertyValue(c, o.as_raw(), atom, qjs::JS_DupValue(c, v.as_raw()), flags)
    };
    if r < 0 {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(())
    }
}

/// An atom this code owns, freed on drop (for property keys met while
/// serializing). Sound: `JS_ValueToAtom` returns a new reference, which
/// `Drop` gives back exactly once, while the context is alive (`'js`).
pub(crate) struct OwnedAtom<'js> {
    ctx: Ctx<'js>,
    atom: qjs::JSAtom,
}

impl<'js> OwnedAtom<'js> {
    /// The atom of a string key. Sound: see [`new_atom`].
    pub(crate) fn from_str(ctx: &Ctx<'js>, key: &str) -> rquickjs::Result<Self> {
        let atom = new_atom(ctx, key);
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(OwnedAtom {
            ctx: ctx.clone(),
            atom,
        })
    }

    /// The atom of a property key value (a string or a symbol).
    pub(crate) fn from_value(ctx: &Ctx<'js>, key: &Value<'js>) -> rquickjs::Result<Self> {
        let atom = unsafe { qjs::JS_ValueToAtom(ctx.as_raw().as_ptr(), key.as_raw()) };
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(OwnedAtom {
            ctx: ctx.clone(),
            atom,
        })
    }

    pub(crate) fn raw(&self) -> qjs::JSAtom {
        self.atom
    }
}

impl Drop for OwnedAtom<'_> {
    fn drop(&mut self) {
        unsafe { qjs::JS_FreeAtom(self.ctx.as_raw().as_ptr(), self.atom) }
    }
}

/// HasOwnProperty(`o`, key). Sound: `JS_GetOwnProperty` with no descriptor
/// only looks the property up; `atom` is kept alive by its owner. (On a
/// Proxy it would run a trap, but proxies never reach the clone's property
/// walk: they are a DataCloneError.)
pub(crate) fn has_own_property(
    ctx: &Ctx<'_>,
    o: &Object<'_>,
    atom: qjs::JSAtom,
) -> rquickjs::Result<bool> {
    let r = unsafe {
        qjs::JS_GetOwnProperty(
            ctx.as_raw().as_ptr(),
            std::ptr::null_mut(),
            o.as_raw(),
            atom,
        )
    };
    if r < 0 {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(r > 0)
    }
}

/// Copies the own enumerable string-keyed properties of `src` onto `dst`
/// as data properties, in `src`'s key order. A primitive value is shared
/// as it is (primitives are immutable); an object value is replaced by
/// what `map` returns for it. Stops, returning `Ok(false)`, at the first
/// accessor property (whose getter is user code, not to be run here), at
/// a symbol value (a DataCloneError, which is the general path's to
/// raise), or when `map` returns `None`; `dst` is then incomplete. For the
/// direct structuredClone: `src` must be an ordinary object or an Array,
/// so that listing its keys and reading its data properties runs no
/// JavaScript at all.
///
/// Sound: the key table from `JS_GetOwnPropertyNames` owns its atoms and is
/// freed once, on every path, by `KeyTable`'s drop. `JS_GetOwnProperty`
/// fills all three descriptor values (undefined when absent) with new
/// references: the getter and setter are freed at once, the value is
/// either handed to `JS_DefinePropertyValue` (which takes it) or freed
/// after `map` has seen it. `src`, `dst` and what `map` returns are
/// [`Borrowed`]: kept alive by the caller until this returns, and `map`
/// may allocate (and collect) freely meanwhile.
/// An object's own enumerable string-keyed property names, as the engine
/// lists them (indices first, in order), freed when dropped.
pub(crate) struct KeyTable {
    c: *mut qjs::JSContext,
    table: *mut qjs::JSPropertyEnum,
    len: u32,
}

impl KeyTable {
    /// Sound: listing an ordinary object's or an Array's keys runs no
    /// JavaScript; the table owns its atoms.
    pub(crate) fn own_enumerable(
        c: *mut qjs::JSContext,
        v: qjs::JSValue,
    ) -> rquickjs::Result<Self> {
        let mut keys = KeyTable {
            c,
            table: std::ptr::null_mut(),
            len: 0,
        };
        let flags = (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY) as i32;
        if unsafe { qjs::JS_GetOwnPropertyNames(c, &mut keys.table, &mut keys.len, v, flags) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
        Ok(keys)
    }

    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// The `i`th name (`i < len`), borrowed from the table.
    pub(crate) fn atom(&self, i: usize) -> qjs::JSAtom {
        assert!(i < self.len());
        // Sound: within the table the engine made.
        unsafe { (*self.table.add(i)).atom }
    }
}

impl Drop for KeyTable {
    fn drop(&mut self) {
        if !self.table.is_null() {
            // Sound: the table and its atoms, freed once.
            unsafe { qjs::JS_FreePropertyEnum(self.c, self.table, self.len) }
        }
    }
}

/// An own property as a copy may read it.
pub(crate) enum OwnProperty {
    /// Gone (deleted since the keys were listed).
    Absent,
    /// An accessor: reading it would run user code.
    Accessor,
    /// A data property's value: a new reference the caller owns.
    Data(qjs::JSValue),
}

/// The own property `atom` of the ordinary object or Array `o`, read
/// without running JavaScript. Sound: `JS_GetOwnProperty` fills the
/// descriptor with new references; the getter and setter are freed here.
pub(crate) fn own_property(
    c: *mut qjs::JSContext,
    o: qjs::JSValue,
    atom: qjs::JSAtom,
) -> rquickjs::Result<OwnProperty> {
    let mut desc = std::mem::MaybeUninit::<qjs::JSPropertyDescriptor>::uninit();
    let r = unsafe { qjs::JS_GetOwnProperty(c, desc.as_mut_ptr(), o, atom) };
    if r < 0 {
        return Err(rquickjs::Error::Exception);
    }
    if r == 0 {
        return Ok(OwnProperty::Absent);
    }
    let desc = unsafe { desc.assume_init() };
    unsafe {
        qjs::JS_FreeValue(c, desc.getter);
        qjs::JS_FreeValue(c, desc.setter);
    }
    if desc.flags & qjs::JS_PROP_GETSET as i32 != 0 {
        unsafe { qjs::JS_FreeValue(c, desc.value) };
        return Ok(OwnProperty::Accessor);
    }
    Ok(OwnProperty::Data(desc.value))
}

pub(crate) fn copy_data_properties<'a, 'js>(
    ctx: &Ctx<'js>,
    src: Borrowed<'a>,
    dst: Borrowed<'a>,
    shapes: Option<&mut crate::engine::wire::ShapeKeepers>,
    mut map: impl FnMut(Borrowed<'a>) -> rquickjs::Result<Option<Borrowed<'a>>>,
) -> rquickjs::Result<bool> {
    let c = ctx.as_raw().as_ptr();
    let keys = KeyTable::own_enumerable(c, src.0)?;
    let define = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
    let mut names = 0u64;
    for i in 0..keys.len() {
        let atom = keys.atom(i);
        names = crate::engine::wire::names_hash(names, atom);
        let v = match own_property(c, src.0, atom)? {
            OwnProperty::Absent => continue,
            OwnProperty::Accessor => return Ok(false),
            OwnProperty::Data(v) => v,
        };
        let tag = unsafe { qjs::JS_VALUE_GET_TAG(v) };
        if tag == qjs::JS_TAG_SYMBOL {
            unsafe { qjs::JS_FreeValue(c, v) };
            return Ok(false);
        }
        let value = if tag == qjs::JS_TAG_OBJECT {
            let new = map(Borrowed(v, std::marker::PhantomData));
            unsafe { qjs::JS_FreeValue(c, v) };
            let Some(new) = new? else {
                return Ok(false);
            };
            unsafe { qjs::JS_DupValue(c, new.0) }
        } else {
            v
        };
        if unsafe { qjs::JS_DefinePropertyValue(c, dst.0, atom, value, define) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
    }
    // The copy's names, in order: its shapes are kept for the next copies.
    if let Some(shapes) = shapes {
        shapes.note_keys(c, names, &keys)?;
    }
    Ok(true)
}

/// An object that something else keeps alive (a `Value`, a map of
/// copies, or the value being cloned while no JavaScript runs), used
/// without reference counting. Valid only while that owner keeps it.
///
/// The lifetime `'a` is the owner's: a `Borrowed` cannot outlive the
/// borrow it was made from, and one made by [`Borrowed::new`] states in
/// its `SAFETY:` comment what keeps the value alive for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Borrowed<'a>(qjs::JSValue, std::marker::PhantomData<&'a ()>);

impl<'a> Borrowed<'a> {
    /// `o`, borrowed for as long as the borrow of `o`.
    pub(crate) fn of(o: &'a Object<'_>) -> Self {
        Borrowed(o.as_raw(), std::marker::PhantomData)
    }

    /// A raw object, borrowed.
    ///
    /// # Safety
    /// `v` is a live object, kept alive for all of `'a` by an owner that
    /// nothing run during `'a` releases.
    pub(crate) unsafe fn new(v: qjs::JSValue) -> Self {
        Borrowed(v, std::marker::PhantomData)
    }

    /// The raw value, still borrowed.
    pub(crate) fn raw(self) -> qjs::JSValue {
        self.0
    }

    /// The object's identity (see [`object_address`]).
    pub(crate) fn address(self) -> usize {
        unsafe { self.0.u.ptr as usize }
    }

    /// The engine's class id (see [`class_id`]).
    pub(crate) fn class_id(self) -> u32 {
        unsafe { qjs::JS_GetClassID(self.0) }
    }

    /// The address of the object's prototype (`None` for null). Only for
    /// objects that are not proxies (whose trap would run). Sound: the
    /// new reference `JS_GetPrototype` returns is freed at once; the
    /// prototype stays alive through the object's shape.
    pub(crate) fn proto_address(self, ctx: &Ctx<'_>) -> Option<usize> {
        self.proto_address_raw(ctx.as_raw().as_ptr())
    }

    /// [`Self::proto_address`] for code that holds the raw context.
    pub(crate) fn proto_address_raw(self, c: *mut qjs::JSContext) -> Option<usize> {
        unsafe {
            let p = qjs::JS_GetPrototype(c, self.0);
            // Lazily: the pointer field is only initialised for an object.
            #[allow(clippy::unnecessary_lazy_evaluations)]
            let addr = (qjs::JS_VALUE_GET_TAG(p) == qjs::JS_TAG_OBJECT).then(|| p.u.ptr as usize);
            qjs::JS_FreeValue(c, p);
            addr
        }
    }

    /// A counted reference to the object. Sound while the owner lives:
    /// the duplicate is a new reference, taken over by the `Object`.
    pub(crate) fn to_object<'js>(self, ctx: &Ctx<'js>) -> Object<'js> {
        let v = unsafe {
            Value::from_raw(ctx.clone(), qjs::JS_DupValue(ctx.as_raw().as_ptr(), self.0))
        };
        v.into_object().expect("a borrowed object is an object")
    }
}

/// Whether an ArrayBuffer is detached (its bytes are gone).
pub(crate) fn is_detached(ab: &ArrayBuffer<'_>) -> bool {
    ab.as_raw().is_none()
}

/// A value lent for the length of a call (an argument of a C function,
/// or a `Value` the caller holds), used without reference counting: the
/// lifetime `'a` is the call's, so it cannot be kept beyond it; a copy to
/// keep is [`Lent::to_value`], a counted reference.
#[derive(Clone, Copy)]
pub(crate) struct Lent<'a, 'js> {
    ctx: &'a Ctx<'js>,
    v: qjs::JSValue,
}

impl<'a, 'js> Lent<'a, 'js> {
    /// `v`, lent for as long as the borrow of `v`.
    pub(crate) fn of(v: &'a Value<'js>) -> Self {
        Lent {
            ctx: v.ctx(),
            v: v.as_raw(),
        }
    }

    /// A raw value, lent.
    ///
    /// # Safety
    /// `v` is live for all of `'a` and belongs to `ctx`'s runtime.
    pub(crate) unsafe fn new(ctx: &'a Ctx<'js>, v: qjs::JSValue) -> Self {
        Lent { ctx, v }
    }

    /// Whether the value is `undefined`.
    #[inline]
    pub(crate) fn is_undefined(self) -> bool {
        // SAFETY: reads the tag of a live value.
        unsafe { qjs::JS_IsUndefined(self.v) }
    }

    /// A counted reference to the value, to keep.
    #[inline]
    pub(crate) fn to_value(self) -> Value<'js> {
        // SAFETY: the value is live for `'a` and of `ctx`'s runtime; the
        // duplicate is a new reference, taken over by the `Value`.
        unsafe {
            Value::from_raw(
                self.ctx.clone(),
                qjs::JS_DupValue(self.ctx.as_raw().as_ptr(), self.v),
            )
        }
    }

    /// The raw value, still lent (for the engine layer's fast paths).
    pub(crate) fn raw(self) -> qjs::JSValue {
        self.v
    }
}

/// Holds off the cycle collector while it lives: for a structured clone,
/// whose every allocation stays reachable until it returns, so that a
/// collection in the middle could only scan, never free. The old threshold
/// comes back on drop; if the heap grew past it, the next allocation
/// collects, as it would have. Sound: reads and writes one field of the
/// runtime, which outlives `'js`.
pub(crate) struct GcPause<'js> {
    ctx: Ctx<'js>,
    threshold: qjs::size_t,
}

impl<'js> GcPause<'js> {
    pub(crate) fn new(ctx: &Ctx<'js>) -> Self {
        gc_growth(ctx);
        let threshold = unsafe {
            let rt = qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
            let t = qjs::JS_GetGCThreshold(rt);
            qjs::JS_SetGCThreshold(rt, qjs::size_t::MAX);
            t
        };
        GcPause {
            ctx: ctx.clone(),
            threshold,
        }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        unsafe {
            let rt = qjs::JS_GetRuntime(self.ctx.as_raw().as_ptr());
            qjs::JS_SetGCThreshold(rt, self.threshold);
        }
    }
}

thread_local! {
    /// The collection threshold [`gc_growth`] last set on this thread.
    static GC_THRESHOLD_SET: std::cell::Cell<qjs::size_t> = const { std::cell::Cell::new(0) };
}

/// How much the heap may grow between two cycle collections. QuickJS
/// collects again when it is 1.5× what the last collection left; each
/// collection scans every live object, so that costs a scan of the whole
/// heap per half a heap allocated. After each collection (seen as a new
/// threshold, which only a collection sets), msgport raises the threshold
/// to 2× what survived: a third fewer scans, for at most as much garbage
/// as live data (many collectors' default; V8 keeps far more). Called
/// between tasks and around direct clones. Sound: reads and writes one
/// field of the runtime, which outlives `'js`.
pub(crate) fn gc_growth(ctx: &Ctx<'_>) {
    unsafe {
        let rt = qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
        let t = qjs::JS_GetGCThreshold(rt);
        if t != GC_THRESHOLD_SET.get() && t != qjs::size_t::MAX {
            let raised = t.saturating_add(t / 3);
            qjs::JS_SetGCThreshold(rt, raised);
            GC_THRESHOLD_SET.set(raised);
        }
    }
}

/// Sets `dst`'s `length` to `src`'s, both Arrays (whose `length` is an
/// own data property: no JavaScript runs). `length` is the atom of
/// "length", owned by the caller. Sound: `JS_GetProperty` returns a new
/// reference, which `JS_SetProperty` takes over.
pub(crate) fn copy_array_length(
    ctx: &Ctx<'_>,
    src: Borrowed<'_>,
    dst: Borrowed<'_>,
    length: qjs::JSAtom,
) -> rquickjs::Result<()> {
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let len = qjs::JS_GetProperty(c, src.0, length);
        if qjs::JS_IsException(len) || qjs::JS_SetProperty(c, dst.0, length, len) < 0 {
            return Err(rquickjs::Error::Exception);
        }
    }
    Ok(())
}

/// A new empty Array, as a raw new reference (the caller owns it: a
/// `Value` would also hold the context, per object of a clone). Sound:
/// `JS_NewArray` returns a new reference or an exception.
pub(crate) fn new_array(ctx: &Ctx<'_>) -> rquickjs::Result<qjs::JSValue> {
    made(unsafe { qjs::JS_NewArray(ctx.as_raw().as_ptr()) })
}

/// Whether this context's runtime has a job (a promise reaction) pending.
#[inline]
pub(crate) fn is_job_pending(ctx: &Ctx<'_>) -> bool {
    // SAFETY: `ctx` is live; this reads its runtime's job queue.
    unsafe { qjs::JS_IsJobPending(qjs::JS_GetRuntime(ctx.as_raw().as_ptr())) }
}

/// A copy of an ArrayBuffer's bytes (`None` once detached).
pub(crate) fn array_buffer_copy(ab: &rquickjs::ArrayBuffer<'_>) -> Option<Vec<u8>> {
    // SAFETY: the slice is copied at once, before any JavaScript can run
    // again (and so before the buffer could be detached or resized).
    unsafe { ab.as_bytes() }.map(<[u8]>::to_vec)
}

/// Sets how much stack JavaScript may use on this context's runtime
/// (counted from where the runtime was last entered).
pub(crate) fn set_max_stack_size(ctx: &Ctx<'_>, size: usize) {
    // SAFETY: `ctx` is a live context; its runtime outlives it, and
    // JS_SetMaxStackSize only stores the size and recomputes the limit.
    unsafe { qjs::JS_SetMaxStackSize(qjs::JS_GetRuntime(ctx.as_raw().as_ptr()), size as _) };
}

/// A new Array holding `values`, made with own data elements
/// (`JS_NewArrayFrom`): setting elements one by one (what rquickjs's
/// `Array::set` and its `Vec` conversion do) would consult
/// `Array.prototype`, where a script may have put an index accessor.
pub(crate) fn array_of<'js>(
    ctx: &Ctx<'js>,
    values: Vec<rquickjs::Value<'js>>,
) -> rquickjs::Result<rquickjs::Value<'js>> {
    let c = ctx.as_raw().as_ptr();
    // SAFETY: each value is live; the copy is a new reference, owned by
    // `raw` (the `Value`s drop their own).
    let raw: Vec<qjs::JSValue> = values
        .iter()
        .map(|v| unsafe { qjs::JS_DupValue(c, v.as_raw()) })
        .collect();
    drop(values);
    let Ok(n) = std::ffi::c_int::try_from(raw.len()) else {
        for v in raw {
            // SAFETY: each is an owned reference, freed once here.
            unsafe { qjs::JS_FreeValue(c, v) };
        }
        return Err(rquickjs::Error::Unknown);
    };
    // SAFETY: `raw` holds `n` owned references; JS_NewArrayFrom takes them
    // over (into the array, or frees them if it fails) and returns a new
    // reference or an exception, which `made` checks.
    let v = made(unsafe { qjs::JS_NewArrayFrom(c, n, raw.as_ptr()) })?;
    // SAFETY: a new reference, taken over by the `Value`.
    Ok(unsafe { rquickjs::Value::from_raw(ctx.clone(), v) })
}

/// A new empty plain object, as a raw new reference (the caller owns
/// it). Sound: as [`new_array`].
pub(crate) fn new_object(ctx: &Ctx<'_>) -> rquickjs::Result<qjs::JSValue> {
    made(unsafe { qjs::JS_NewObject(ctx.as_raw().as_ptr()) })
}

/// A raw new reference to `o`, which the caller owns. Sound: `o` is live.
pub(crate) fn dup_raw(ctx: &Ctx<'_>, o: &Object<'_>) -> qjs::JSValue {
    unsafe { qjs::JS_DupValue(ctx.as_raw().as_ptr(), o.as_raw()) }
}

fn made(v: qjs::JSValue) -> rquickjs::Result<qjs::JSValue> {
    if unsafe { qjs::JS_IsException(v) } {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(v)
    }
}

/// A full garbage collection, cycles included (`TestUtils.gc()`). Sound:
/// QuickJS collects at any allocation, so a collection during a native call
/// is one it already allows.
pub(crate) fn run_gc(ctx: &Ctx<'_>) {
    unsafe { qjs::JS_RunGC(qjs::JS_GetRuntime(ctx.as_raw().as_ptr())) }
}

/// Below this size an ArrayBuffer's bytes are copied, not moved: a copy is
/// cheaper than the bookkeeping.
const MOVE_MIN: usize = 4096;

thread_local! {
    /// ArrayBuffers made by [`array_buffer_from_block`] on this thread: their
    /// data address and the boxed block that owns the bytes.
    static EXTERNAL: std::cell::RefCell<std::collections::HashMap<usize, *mut DataBlock>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The `JSReallocArrayBufferDataFunc` of a block-backed ArrayBuffer: size 0
/// releases the block, any other size resizes it (`ArrayBuffer.prototype.transfer`).
/// Sound: `opaque` is the `Box<DataBlock>` made by [`array_buffer_from_block`],
/// which QuickJS passes back until it releases the buffer, exactly once.
unsafe extern "C" fn block_realloc(
    _rt: *mut qjs::JSRuntime,
    opaque: *mut std::ffi::c_void,
    ptr: *mut std::ffi::c_void,
    size: qjs::size_t,
) -> *mut std::ffi::c_void {
    let boxed = opaque.cast::<DataBlock>();
    let _ = EXTERNAL.try_with(|m| m.borrow_mut().remove(&(ptr as usize)));
    if size == 0 {
        drop(Box::from_raw(boxed));
        return std::ptr::null_mut();
    }
    let mut v = std::mem::take(&mut *boxed).into_vec();
    v.resize(size as usize, 0);
    *boxed = DataBlock::from(v);
    let new = (*boxed).as_mut_ptr();
    let _ = EXTERNAL.try_with(|m| m.borrow_mut().insert(new as usize, boxed));
    new.cast()
}

/// A new ArrayBuffer over `block`'s bytes, without copying them (small
/// fixed-length blocks excepted); `max` makes it resizable up to `max`
/// bytes (it grows through [`block_realloc`]). Sound: the block is boxed,
/// so its bytes stay put until QuickJS releases or resizes the buffer
/// through [`block_realloc`]; if the engine fails to make the buffer it
/// never took the box, which is dropped here.
pub(crate) fn array_buffer_from_block<'js>(
    ctx: &Ctx<'js>,
    block: DataBlock,
    max: Option<usize>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    if block.len() < MOVE_MIN && max.is_none() {
        return ArrayBuffer::new(ctx.clone(), block.into_vec());
    }
    let len = block.len();
    // (QuickJS reads a maximum of 0 as "fixed length": callers make a
    // resizable buffer of maximum 0 some other way.)
    let max_len = max.unwrap_or(0);
    let boxed = Box::into_raw(Box::new(block));
    unsafe {
        let data = (*boxed).as_mut_ptr();
        let v = qjs::JS_NewArrayBuffer(
            ctx.as_raw().as_ptr(),
            data,
            len as _,
            max_len as _,
            Some(block_realloc),
            boxed.cast(),
            false,
        );
        if qjs::JS_IsException(v) {
            drop(Box::from_raw(boxed));
            return Err(rquickjs::Error::Exception);
        }
        EXTERNAL.with(|m| m.borrow_mut().insert(data as usize, boxed));
        let v = Value::from_raw(ctx.clone(), v);
        ArrayBuffer::from_object(v.into_object().expect("an ArrayBuffer is an object"))
            .ok_or(rquickjs::Error::Exception)
    }
}

/// Detaches `ab` and returns its bytes, moved out of the engine without a
/// copy when they can be: a buffer made by [`array_buffer_from_block`]
/// gives its block back; a large buffer allocated by the engine is stolen
/// from the runtime's allocator (`alloc::steal`). Otherwise returns `None`
/// and leaves `ab` as it was. Sound: both paths detach through
/// `JS_DetachArrayBuffer`, which releases the memory exactly once through
/// the path that no longer owns it (an emptied box, or a skipped free).
pub(crate) fn take_array_buffer(ab: &ArrayBuffer<'_>) -> Option<DataBlock> {
    let raw = ab.as_raw()?;
    let (data, len) = (raw.as_ptr().cast::<u8>(), raw.len());
    if len < MOVE_MIN {
        return None;
    }
    let o = ab.as_object();
    let detach = || unsafe { qjs::JS_DetachArrayBuffer(o.ctx().as_raw().as_ptr(), o.as_raw()) };
    let external = EXTERNAL.with(|m| m.borrow_mut().remove(&(data as usize)));
    if let Some(boxed) = external {
        // Safety: the map holds live boxes only (removed on release).
        let block = std::mem::take(unsafe { &mut *boxed });
        detach();
        return Some(block);
    }
    crate::engine::alloc::steal(data, len, detach)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    fn data_ptr(ab: &ArrayBuffer<'_>) -> *const u8 {
        ab.as_raw()
            .expect("attached")
            .as_ptr()
            .cast::<u8>()
            .cast_const()
    }

    #[test]
    fn a_large_buffer_moves_out_of_the_engine_and_back_in_without_a_copy() {
        let rt = Runtime::new_with_alloc(crate::engine::alloc::HostAllocator).unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let ab: ArrayBuffer = ctx
                .eval("const b = new Uint8Array(1 << 20); b[5] = 55; b.buffer")
                .unwrap();
            let engine_ptr = data_ptr(&ab);
            let block = take_array_buffer(&ab).expect("an engine-allocated large buffer moves");
            assert_eq!(block.as_ptr(), engine_ptr, "the engine's own memory");
            assert_eq!(block[5], 55);
            assert!(ab.as_raw().is_none(), "detached");
            let back = array_buffer_from_block(&ctx, block, None).unwrap();
            assert_eq!(data_ptr(&back), engine_ptr, "made over the block");
            let again =
                take_array_buffer(&back).expect("a block-backed buffer gives its block back");
            assert_eq!(again.as_ptr(), engine_ptr);
            assert!(back.as_raw().is_none());
            // The block outlives the runtime and is freed on another thread.
            std::thread::spawn(move || assert_eq!(again[5], 55))
                .join()
                .unwrap();
        });
    }

    #[test]
    fn small_and_foreign_buffers_are_not_moved() {
        let rt = Runtime::new_with_alloc(crate::engine::alloc::HostAllocator).unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let small: ArrayBuffer = ctx.eval("new ArrayBuffer(100)").unwrap();
            assert!(take_array_buffer(&small).is_none());
            assert!(small.as_raw().is_some(), "left attached");
            // A buffer over a Vec made by rquickjs itself.
            let foreign = ArrayBuffer::new(ctx.clone(), vec![1u8; 1 << 20]).unwrap();
            assert!(take_array_buffer(&foreign).is_none());
            assert!(foreign.as_raw().is_some());
        });
    }

    #[test]
    fn a_block_backed_buffer_is_released_by_the_engine() {
        let rt = Runtime::new_with_alloc(crate::engine::alloc::HostAllocator).unwrap();
        let ctx = Context::full(&rt).unwrap();
        let live = EXTERNAL.with(|m| m.borrow().len());
        ctx.with(|ctx| {
            let ab = array_buffer_from_block(&ctx, vec![3u8; 1 << 16].into(), None).unwrap();
            assert_eq!(EXTERNAL.with(|m| m.borrow().len()), live + 1);
            ctx.globals().set("kept", ab).unwrap();
            let n: usize = ctx
                .eval("new Uint8Array(kept).reduce((a, b) => a + b, 0)")
                .unwrap();
            assert_eq!(n, 3 << 16);
            ctx.eval::<(), _>("kept = null").unwrap();
        });
        rt.run_gc();
        assert_eq!(
            EXTERNAL.with(|m| m.borrow().len()),
            live,
            "released on collection"
        );
    }
}
