//! Every raw QuickJS call of msgport-js, in one small audited module
//! (DESIGN.md, "The JS runtime"). Each function states why it is sound.

use rquickjs::{qjs, Object, Value};

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
