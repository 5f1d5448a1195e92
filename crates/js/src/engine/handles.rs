//! Handles on raw engine values that say who keeps the value alive:
//!
//! - [`Owned`]: a counted reference, released on drop (no context
//!   reference of its own, unlike a `Value`: the reader and the native
//!   delivery make several per message).
//! - [`OwnedAtom`]: a counted atom, released on drop.
//! - [`Borrowed`]: an object something else keeps alive for `'a`.
//! - [`Lent`]: a value lent for a call (`'a`), with its context.
//!
//! The fields of `Owned` are visible in the engine layer only: making one
//! is a promise that the value is a new reference of that context, as
//! `Borrowed::new` and `Lent::new` are `unsafe` promises about lifetime.

use rquickjs::{qjs, Ctx, Object, Value};
use std::marker::PhantomData;

/// A new reference to a value, released when dropped.
///
/// Invariant: `v` is a reference this handle owns, of a value of the
/// live context `c` (which outlives the handle: handles are made and
/// dropped inside a call on that context).
pub(crate) struct Owned {
    pub(in crate::engine) c: *mut qjs::JSContext,
    pub(in crate::engine) v: qjs::JSValue,
}

impl Owned {
    /// The reference, handed over to the caller.
    pub(crate) fn into_raw(self) -> qjs::JSValue {
        let v = self.v;
        std::mem::forget(self);
        v
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the reference this handle owns (its invariant), given
        // back once.
        unsafe { qjs::JS_FreeValue(self.c, self.v) };
    }
}

/// An atom this code owns, freed on drop (for property keys met while
/// serializing), while the context is alive (`'js`).
pub(crate) struct OwnedAtom<'js> {
    ctx: Ctx<'js>,
    atom: qjs::JSAtom,
}

impl<'js> OwnedAtom<'js> {
    /// The atom of a string key.
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
        // SAFETY: `ctx` and `key` are live; `JS_ValueToAtom` returns a new
        // reference to an atom (or JS_ATOM_NULL with an exception), which
        // this handle owns.
        let atom = unsafe { qjs::JS_ValueToAtom(ctx.as_raw().as_ptr(), key.as_raw()) };
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(OwnedAtom {
            ctx: ctx.clone(),
            atom,
        })
    }

    /// The atom, borrowed from this handle.
    pub(crate) fn raw(&self) -> qjs::JSAtom {
        self.atom
    }
}

impl Drop for OwnedAtom<'_> {
    fn drop(&mut self) {
        // SAFETY: the reference this handle owns, given back once, while
        // its context (held by `self.ctx`) lives.
        unsafe { qjs::JS_FreeAtom(self.ctx.as_raw().as_ptr(), self.atom) }
    }
}

/// An atom for `s`, a reference the caller owns; `JS_ATOM_NULL` if the
/// engine could not make it (out of memory, with an exception pending).
fn new_atom(ctx: &Ctx<'_>, s: &str) -> u32 {
    // SAFETY: `ctx` is live; `JS_NewAtomLen` copies the `s.len()` bytes
    // at `s` and returns a reference the caller owns.
    unsafe { qjs::JS_NewAtomLen(ctx.as_raw().as_ptr(), s.as_ptr().cast(), s.len() as _) }
}

/// An object that something else keeps alive (a `Value`, a map of
/// copies, or the value being cloned while no JavaScript runs), used
/// without reference counting.
///
/// The lifetime `'a` is the owner's: a `Borrowed` cannot outlive the
/// borrow it was made from, and one made by [`Borrowed::new`] states in
/// its `SAFETY:` comment what keeps the value alive for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Borrowed<'a>(qjs::JSValue, PhantomData<&'a ()>);

impl<'a> Borrowed<'a> {
    /// `o`, borrowed for as long as the borrow of `o`.
    pub(crate) fn of(o: &'a Object<'_>) -> Self {
        Borrowed(o.as_raw(), PhantomData)
    }

    /// A raw object, borrowed.
    ///
    /// # Safety
    /// `v` is a live object, kept alive for all of `'a` by an owner that
    /// nothing run during `'a` releases.
    pub(crate) unsafe fn new(v: qjs::JSValue) -> Self {
        Borrowed(v, PhantomData)
    }

    /// The raw value, still borrowed.
    pub(crate) fn raw(self) -> qjs::JSValue {
        self.0
    }

    /// The object's identity (see [`super::ffi::object_address`]).
    pub(crate) fn address(self) -> usize {
        // SAFETY: a `Borrowed` is an object (its constructors' contract),
        // whose union holds the pointer (`object_address` checks the
        // unboxed layout).
        unsafe { self.0.u.ptr as usize }
    }

    /// The engine's class id (see [`super::ffi::class_id`]).
    pub(crate) fn class_id(self) -> u32 {
        // SAFETY: reads the class of a live object.
        unsafe { qjs::JS_GetClassID(self.0) }
    }

    /// The address of the object's prototype (`None` for null). Only for
    /// objects that are not proxies (whose trap would run).
    pub(crate) fn proto_address(self, ctx: &Ctx<'_>) -> Option<usize> {
        // SAFETY: `ctx` is live.
        unsafe { self.proto_address_raw(ctx.as_raw().as_ptr()) }
    }

    /// [`Self::proto_address`] for code that holds the raw context.
    ///
    /// # Safety
    /// `c` is the live context of the object.
    pub(crate) unsafe fn proto_address_raw(self, c: *mut qjs::JSContext) -> Option<usize> {
        // SAFETY: the object is live (this handle's invariant), `c` too
        // (the caller's); `JS_GetPrototype` returns a new reference, freed
        // at once: the prototype stays alive through the object's shape,
        // and only its address is kept.
        unsafe {
            let p = qjs::JS_GetPrototype(c, self.0);
            // Lazily: the pointer field is only initialised for an object.
            #[allow(clippy::unnecessary_lazy_evaluations)]
            let addr = (qjs::JS_VALUE_GET_TAG(p) == qjs::JS_TAG_OBJECT).then(|| p.u.ptr as usize);
            qjs::JS_FreeValue(c, p);
            addr
        }
    }

    /// A counted reference to the object, to keep.
    pub(crate) fn to_object<'js>(self, ctx: &Ctx<'js>) -> Object<'js> {
        // SAFETY: the object is live for `'a` and of `ctx`'s runtime; the
        // duplicate is a new reference, taken over by the `Value`.
        let v = unsafe {
            Value::from_raw(ctx.clone(), qjs::JS_DupValue(ctx.as_raw().as_ptr(), self.0))
        };
        v.into_object().expect("a borrowed object is an object")
    }
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
