//! Properties read and defined without running JavaScript: the
//! CreateDataProperty of the structured-deserialize steps (ECMA-262
//! `#sec-createdataproperty`), own keys and own data properties of
//! ordinary objects and Arrays (whose listing and reading run no user
//! code), and the direct clone's copy of them.

use super::handles::{Borrowed, Owned, OwnedAtom};
use rquickjs::{qjs, Ctx, Object, Value};

/// The flags of a property made by CreateDataProperty, throwing on failure.
const DATA: i32 = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;

/// CreateDataProperty(`o`, `key`, `v`): defines an own enumerable, writable,
/// configurable data property without running setters (a key such as
/// `__proto__` stays an own property, as the structured-deserialize steps
/// require).
pub(crate) fn define_data_property<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    key: PropKey<'_, 'js>,
    v: &Value<'js>,
) -> rquickjs::Result<()> {
    // SAFETY: `ctx`, `o`, `v` and the key are live values of one context;
    // the value is duplicated before `JS_DefinePropertyValue*` takes that
    // reference over; the atom made from a key value is a new reference,
    // freed after use.
    let r = unsafe {
        let c = ctx.as_raw().as_ptr();
        let val = qjs::JS_DupValue(c, v.as_raw());
        match key {
            PropKey::Index(i) => qjs::JS_DefinePropertyValueUint32(c, o.as_raw(), i, val, DATA),
            PropKey::Value(k) => {
                let atom = qjs::JS_ValueToAtom(c, k.as_raw());
                if atom == qjs::JS_ATOM_NULL {
                    qjs::JS_FreeValue(c, val);
                    return Err(rquickjs::Error::Exception);
                }
                let r = qjs::JS_DefinePropertyValue(c, o.as_raw(), atom, val, DATA);
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

/// CreateDataProperty with a key atom (see [`define_data_property`]).
pub(crate) fn define_data_property_atom<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    atom: &OwnedAtom<'js>,
    v: &Value<'js>,
) -> rquickjs::Result<()> {
    // SAFETY: `ctx`, `o` and `v` are live; `atom` is kept by its handle
    // for the call; the value is duplicated before the engine takes it.
    let r = unsafe {
        let c = ctx.as_raw().as_ptr();
        qjs::JS_DefinePropertyValue(
            c,
            o.as_raw(),
            atom.raw(),
            qjs::JS_DupValue(c, v.as_raw()),
            DATA,
        )
    };
    if r < 0 {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(())
    }
}

/// HasOwnProperty(`o`, key). (On a Proxy it would run a trap, but proxies
/// never reach the clone's property walk: they are a DataCloneError.)
pub(crate) fn has_own_property(
    ctx: &Ctx<'_>,
    o: &Object<'_>,
    atom: &OwnedAtom<'_>,
) -> rquickjs::Result<bool> {
    // SAFETY: `ctx` and `o` are live, `atom` is kept by its handle;
    // `JS_GetOwnProperty` with no descriptor only looks the property up.
    let r = unsafe {
        qjs::JS_GetOwnProperty(
            ctx.as_raw().as_ptr(),
            std::ptr::null_mut(),
            o.as_raw(),
            atom.raw(),
        )
    };
    if r < 0 {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(r > 0)
    }
}

/// An object's own enumerable string-keyed property names, as the engine
/// lists them (indices first, in order), freed when dropped.
///
/// Invariant: `table` is null or the engine's table of `len` entries,
/// each owning its atom, of the live context `c`.
pub(crate) struct KeyTable {
    c: *mut qjs::JSContext,
    table: *mut qjs::JSPropertyEnum,
    len: u32,
}

impl KeyTable {
    /// The names of `v` (for an ordinary object or an Array, listing them
    /// runs no JavaScript).
    ///
    /// # Safety
    /// `c` is a live context and `v` a live object of it.
    pub(crate) unsafe fn own_enumerable(
        c: *mut qjs::JSContext,
        v: qjs::JSValue,
    ) -> rquickjs::Result<Self> {
        let mut keys = KeyTable {
            c,
            table: std::ptr::null_mut(),
            len: 0,
        };
        let flags = (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY) as i32;
        // SAFETY: (the caller's) `c` and `v` are live; on success the
        // engine fills the table and its length, which `keys` then owns.
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
        // SAFETY: `i` is within the table the engine made (checked above).
        unsafe { (*self.table.add(i)).atom }
    }
}

impl Drop for KeyTable {
    fn drop(&mut self) {
        if !self.table.is_null() {
            // SAFETY: the table and its atoms (this handle's), freed once.
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
/// without running JavaScript.
///
/// # Safety
/// `c` is a live context, `o` a live object of it, and `atom` an atom the
/// caller keeps alive for the call.
pub(crate) unsafe fn own_property(
    c: *mut qjs::JSContext,
    o: qjs::JSValue,
    atom: qjs::JSAtom,
) -> rquickjs::Result<OwnProperty> {
    let mut desc = std::mem::MaybeUninit::<qjs::JSPropertyDescriptor>::uninit();
    // SAFETY: (the caller's) live `c`, `o` and `atom`; the engine fills
    // the descriptor when it returns 1.
    let r = unsafe { qjs::JS_GetOwnProperty(c, desc.as_mut_ptr(), o, atom) };
    if r < 0 {
        return Err(rquickjs::Error::Exception);
    }
    if r == 0 {
        return Ok(OwnProperty::Absent);
    }
    // SAFETY: filled (r == 1), with three new references: the getter and
    // setter are freed at once, the value is the caller's or freed here.
    unsafe {
        let desc = desc.assume_init();
        qjs::JS_FreeValue(c, desc.getter);
        qjs::JS_FreeValue(c, desc.setter);
        if desc.flags & qjs::JS_PROP_GETSET as i32 != 0 {
            qjs::JS_FreeValue(c, desc.value);
            return Ok(OwnProperty::Accessor);
        }
        Ok(OwnProperty::Data(desc.value))
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
/// JavaScript at all. `map` may allocate (and collect) freely: `src`,
/// `dst` and what `map` returns are kept alive for `'a` by their owners.
pub(crate) fn copy_data_properties<'a>(
    ctx: &Ctx<'_>,
    src: Borrowed<'a>,
    dst: Borrowed<'a>,
    shapes: Option<&mut super::wire::ShapeKeepers>,
    map: impl FnMut(Borrowed<'a>) -> rquickjs::Result<Option<Borrowed<'a>>>,
) -> rquickjs::Result<bool> {
    // SAFETY: `ctx` and `src` are live.
    let keys = unsafe { KeyTable::own_enumerable(ctx.as_raw().as_ptr(), src.raw())? };
    copy_listed_properties(ctx, src, dst, &keys, 0, shapes, map)
}

/// [`copy_data_properties`] for the names of `keys` (`src`'s own
/// enumerable names) from position `from` on.
pub(crate) fn copy_listed_properties<'a>(
    ctx: &Ctx<'_>,
    src: Borrowed<'a>,
    dst: Borrowed<'a>,
    keys: &KeyTable,
    from: usize,
    shapes: Option<&mut super::wire::ShapeKeepers>,
    mut map: impl FnMut(Borrowed<'a>) -> rquickjs::Result<Option<Borrowed<'a>>>,
) -> rquickjs::Result<bool> {
    let c = ctx.as_raw().as_ptr();
    let mut names = 0u64;
    for i in from..keys.len() {
        let atom = keys.atom(i);
        names = super::wire::names_hash(names, atom);
        // SAFETY: `ctx` and `src` are live, the table keeps `atom`; what
        // `copied` returns is a reference the engine takes over.
        let value = match unsafe { copied(c, src, atom, &mut map)? } {
            Copied::Value(v) => v,
            Copied::Absent => continue,
            Copied::Stop => return Ok(false),
        };
        // SAFETY: `dst` is live; `value` is a reference the engine takes over.
        if unsafe { qjs::JS_DefinePropertyValue(c, dst.raw(), atom, value, DATA) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
    }
    // The copy's names, in order: its shapes are kept for the next copies.
    if let Some(shapes) = shapes {
        // SAFETY: `ctx` is live, and of the keepers' runtime.
        unsafe { shapes.note_keys(c, names, keys)? };
    }
    Ok(true)
}

/// The copy of one own property, as [`copied`] makes it.
enum Copied {
    /// A new reference the caller owns.
    Value(qjs::JSValue),
    /// Gone (deleted since the keys were listed).
    Absent,
    /// An accessor, a symbol, or `map` gave up: the copy stops.
    Stop,
}

/// The copy of `src`'s own data property `atom` (see
/// [`copy_data_properties`]).
///
/// # Safety
/// `c` is a live context, `src` a live ordinary object or Array of it, and
/// `atom` kept alive by the caller.
unsafe fn copied<'a>(
    c: *mut qjs::JSContext,
    src: Borrowed<'a>,
    atom: qjs::JSAtom,
    map: &mut impl FnMut(Borrowed<'a>) -> rquickjs::Result<Option<Borrowed<'a>>>,
) -> rquickjs::Result<Copied> {
    // SAFETY: (the caller's) live `c`, `src` and `atom`.
    let v = match unsafe { own_property(c, src.raw(), atom)? } {
        OwnProperty::Absent => return Ok(Copied::Absent),
        OwnProperty::Accessor => return Ok(Copied::Stop),
        OwnProperty::Data(v) => v,
    };
    // SAFETY: `v` is a reference this function owns: it is freed once, or
    // returned. An object value is borrowed by `map` only while `src`
    // (which holds it) lives, which is all of `'a`. What `map` returns is
    // live, and duplicated for the caller.
    unsafe {
        let tag = qjs::JS_VALUE_GET_TAG(v);
        if tag == qjs::JS_TAG_SYMBOL {
            qjs::JS_FreeValue(c, v);
            return Ok(Copied::Stop);
        }
        if tag != qjs::JS_TAG_OBJECT {
            return Ok(Copied::Value(v));
        }
        let new = map(Borrowed::new(v));
        qjs::JS_FreeValue(c, v);
        Ok(match new? {
            Some(n) => Copied::Value(qjs::JS_DupValue(c, n.raw())),
            None => Copied::Stop,
        })
    }
}

/// The engine's atom for an array index below 2^31: the index with this
/// bit set (its tagged integer atoms, compared by value).
pub(crate) const INDEX_ATOM: u32 = 1 << 31;

/// The length of an Array, its own data property (reading it runs no
/// JavaScript).
///
/// # Safety
/// `c` is a live context and `a` a live Array of it.
pub(crate) unsafe fn array_length(
    c: *mut qjs::JSContext,
    a: qjs::JSValue,
) -> rquickjs::Result<i64> {
    let mut length = 0i64;
    // SAFETY: (the caller's) live `c` and Array `a`.
    if unsafe { qjs::JS_GetLength(c, a, &mut length) } < 0 {
        return Err(rquickjs::Error::Exception);
    }
    Ok(length)
}

/// `length`, if an Array of that length whose own enumerable names are
/// `keys` has no hole: its first `length` names are its indices
/// `0..length`. An Array's own names list its indices first, ascending
/// (ECMA-262 `#sec-ordinaryownpropertykeys`), so index `length - 1` at
/// position `length - 1` means the positions below hold the indices
/// below. `None` for a sparse Array (or one past the engine's index atoms).
pub(crate) fn dense_length(keys: &KeyTable, length: i64) -> Option<u32> {
    let n = u32::try_from(length).ok()?;
    if n == 0 {
        return Some(0);
    }
    let last = n - 1;
    (last < INDEX_ATOM && keys.len() >= n as usize && keys.atom(last as usize) == last | INDEX_ATOM)
        .then_some(n)
}

/// Copies the `len` elements of the dense Array `src` (its first `len`
/// names in `keys`, see [`dense_length`]) into `dst`, an Array of `len`
/// elements made by `ffi::new_array_of_len`, as [`copy_data_properties`]
/// would, stopping where it would. Each element replaces the one already
/// at its index, an own writable data property of `dst`: the engine
/// writes it in place (its fast path for an index below the count) and
/// consults nothing inherited, so no setter a script put on
/// `Array.prototype` can run; defining them one by one was most of the
/// copy of an array of numbers.
pub(crate) fn copy_dense_elements<'a>(
    ctx: &Ctx<'_>,
    src: Borrowed<'a>,
    dst: Borrowed<'a>,
    keys: &KeyTable,
    len: u32,
    mut map: impl FnMut(Borrowed<'a>) -> rquickjs::Result<Option<Borrowed<'a>>>,
) -> rquickjs::Result<bool> {
    let c = ctx.as_raw().as_ptr();
    for i in 0..len {
        // SAFETY: `ctx` and `src` are live, the table keeps the atom.
        // (An element cannot be gone: nothing ran since the listing.)
        let Copied::Value(value) = (unsafe { copied(c, src, keys.atom(i as usize), &mut map)? })
        else {
            return Ok(false);
        };
        // SAFETY: `dst` is a live Array with an own element at `i` (made
        // with `len` of them, nothing removed since): the engine takes
        // `value` over and replaces that element.
        if unsafe { qjs::JS_SetPropertyUint32(c, dst.raw(), i, value) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
    }
    Ok(true)
}

/// Sets `dst`'s `length` to `src`'s, both Arrays (whose `length` is an
/// own data property: no JavaScript runs). `length` is the atom of
/// "length".
pub(crate) fn copy_array_length(
    ctx: &Ctx<'_>,
    src: Borrowed<'_>,
    dst: Borrowed<'_>,
    length: &OwnedAtom<'_>,
) -> rquickjs::Result<()> {
    // SAFETY: `ctx`, `src` and `dst` are live and `length` kept by its
    // handle; `JS_GetProperty` returns a new reference, which
    // `JS_SetProperty` takes over.
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let len = qjs::JS_GetProperty(c, src.raw(), length.raw());
        if qjs::JS_IsException(len) || qjs::JS_SetProperty(c, dst.raw(), length.raw(), len) < 0 {
            return Err(rquickjs::Error::Exception);
        }
    }
    Ok(())
}

/// How far up a prototype chain [`data_lookup`] looks.
const CHAIN: usize = 32;

/// `Get(o, key)` when it runs no user code: the first data property up
/// the prototype chain (`undefined` if none). `None`: an accessor, a proxy
/// or an over-long chain is in the way (the caller leaves the value to
/// the general path, which may run them).
///
/// # Safety
/// `c` is a live context, `o` a live object of it, and `key` an atom the
/// caller keeps alive for the call.
pub(crate) unsafe fn data_lookup(
    c: *mut qjs::JSContext,
    o: qjs::JSValue,
    key: qjs::JSAtom,
) -> rquickjs::Result<Option<Owned>> {
    let mut at = Owned {
        c,
        // SAFETY: a new reference to the live object, owned by `at`.
        v: unsafe { qjs::JS_DupValue(c, o) },
    };
    for _ in 0..CHAIN {
        // SAFETY: `at` is a live object; a proxy's lookups are traps.
        if unsafe { qjs::JS_IsProxy(at.v) } {
            return Ok(None);
        }
        // SAFETY: `c`, `at` and the atom (the caller's) are live.
        match unsafe { own_property(c, at.v, key)? } {
            OwnProperty::Data(x) => return Ok(Some(Owned { c, v: x })),
            OwnProperty::Accessor => return Ok(None),
            OwnProperty::Absent => {}
        }
        let p = Owned {
            c,
            // SAFETY: a live object; a new reference (or null, or an
            // exception), taken by an `Owned`.
            v: unsafe { qjs::JS_GetPrototype(c, at.v) },
        };
        // SAFETY: reads a value's tag.
        match unsafe { qjs::JS_VALUE_GET_TAG(p.v) } {
            qjs::JS_TAG_OBJECT => at = p,
            qjs::JS_TAG_NULL => {
                return Ok(Some(Owned {
                    c,
                    v: qjs::JS_UNDEFINED,
                }))
            }
            _ => return Err(rquickjs::Error::Exception),
        }
    }
    Ok(None)
}
