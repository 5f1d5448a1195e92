//! The built-in functions the fast paths call from Rust, captured by the
//! prelude before any user code ran (`prelude/clone.js`, `host.natives`).
//!
//! Each is a native function of the engine (a C function, not
//! JavaScript), so calling one from the direct copier or the direct wire
//! writer and reader costs a C call rather than a turn of the
//! interpreter, and runs no user code: the getters read internal slots
//! (`[[DateValue]]`, `[[OriginalSource]]`, `[[MapData]]`…), the
//! constructors make an object of the intrinsic's own prototype, and
//! `Map.prototype.forEach` calls back only [`collect`], a C function of
//! ours that runs no JavaScript either. The standard reads these slots
//! (HTML `#structuredserializeinternal`); a script that replaced the
//! globals or the prototypes' methods changes nothing here, as it changes
//! nothing on the general path (which calls the same captured functions
//! through the prelude).
//!
//! Invariant of [`Natives`]: every value in it is a reference it owns, of
//! the runtime `rt`, given back when it drops (the host state that holds
//! it is cleared before the runtime is freed); the functions are the
//! built-ins the list names, in that order.

use crate::engine::ffi::Owned;
use rquickjs::{qjs, Ctx};
use std::cell::RefCell;

/// The captured built-ins, by index (the order of the prelude's list).
#[derive(Clone, Copy)]
#[repr(usize)]
pub(crate) enum N {
    BufferDetached,
    BufferResizable,
    DateValue,
    MapCtor,
    MapSet,
    MapForEach,
    SetCtor,
    SetAdd,
    SetForEach,
    RegExpSource,
    RegExpCtor,
    NumberValue,
    StringValue,
    BooleanValue,
    BigIntValue,
    BigIntToString,
    BigIntCtor,
    ErrorProto,
    EvalErrorProto,
    RangeErrorProto,
    ReferenceErrorProto,
    SyntaxErrorProto,
    TypeErrorProto,
    UriErrorProto,
    /// An Error (for its class id, which the engine does not export).
    ErrorSample,
    ArrayProto,
    ArrayValues,
    ArrayIteratorProto,
    ArrayIteratorNext,
    /// `Symbol.iterator`'s holder: `{ [Symbol.iterator]: 0 }` (its key).
    IteratorKeyHolder,
}

/// How many built-ins the prelude hands over (the last of [`N`] + 1).
const COUNT: usize = N::IteratorKeyHolder as usize + 1;

/// The prelude's captured built-ins, plus the regexp flag getters in V8's
/// flag-bit order and the collector of `forEach`.
pub(crate) struct Natives {
    rt: *mut qjs::JSRuntime,
    fns: [qjs::JSValue; COUNT],
    /// (flag bit as V8 numbers it, the built-in getter of that flag)
    flags: Vec<(u32, qjs::JSValue)>,
    collect_map: qjs::JSValue,
    collect_set: qjs::JSValue,
    /// The engine's class id of Errors.
    error_class: u32,
    /// The atoms `Symbol.iterator` and `next`, owned.
    iterator_atom: qjs::JSAtom,
    next_atom: qjs::JSAtom,
}

thread_local! {
    /// What [`collect`] is given by a `forEach` under way: new references,
    /// moved out by [`Natives::entries`] as soon as the call returns.
    static COLLECTED: RefCell<Vec<qjs::JSValue>> = const { RefCell::new(Vec::new()) };
}

/// The callback of `Map.prototype.forEach`: pushes the key, then the value.
unsafe extern "C" fn collect_entry(
    c: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: forEach's arguments, as `collect` requires.
    unsafe { collect(c, argc, argv, true) }
}

/// The callback of `Set.prototype.forEach`: pushes the value.
unsafe extern "C" fn collect_value(
    c: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: forEach's arguments, as `collect` requires.
    unsafe { collect(c, argc, argv, false) }
}

/// # Safety
/// `argv` holds `argc` live values of the live context `c` (forEach passes
/// value, key, collection).
unsafe fn collect(
    c: *mut qjs::JSContext,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
    key_too: bool,
) -> qjs::JSValue {
    if argc < 2 || argv.is_null() {
        return qjs::JS_UNDEFINED;
    }
    // SAFETY: the caller's promise; the duplicates are new references the
    // thread's list owns.
    unsafe {
        let (value, key) = (*argv, *argv.add(1));
        COLLECTED.with(|l| {
            let mut l = l.borrow_mut();
            if key_too {
                l.push(qjs::JS_DupValue(c, key));
            }
            l.push(qjs::JS_DupValue(c, value));
        });
    }
    qjs::JS_UNDEFINED
}

impl Natives {
    /// Takes the prelude's list (`fns`: the built-ins in [`N`]'s order;
    /// `flags`: [bit, getter, bit, getter…]). `None` if it is malformed
    /// (the fast paths then stay off).
    pub(crate) fn new(
        ctx: &Ctx<'_>,
        fns: &rquickjs::Array<'_>,
        flags: &rquickjs::Array<'_>,
    ) -> rquickjs::Result<Option<Self>> {
        let c = ctx.as_raw().as_ptr();
        if fns.len() != COUNT || !flags.len().is_multiple_of(2) {
            return Ok(None);
        }
        let dup = |v: rquickjs::Value<'_>| {
            // SAFETY: a new reference to a live value, owned by `Natives`.
            unsafe { qjs::JS_DupValue(c, v.as_raw()) }
        };
        let mut list = Vec::with_capacity(COUNT);
        for v in fns.iter::<rquickjs::Value>() {
            list.push(v?);
        }
        if list.iter().any(|v| !v.is_object()) {
            return Ok(None);
        }
        let mut fl = Vec::new();
        let mut it = flags.iter::<rquickjs::Value>();
        while let (Some(bit), Some(f)) = (it.next(), it.next()) {
            let (bit, f) = (bit?, f?);
            let (Some(bit), true) = (bit.as_int(), f.is_function()) else {
                return Ok(None);
            };
            fl.push((bit as u32, f));
        }
        // SAFETY: `c` is live; each is a new function (or an exception,
        // checked below), owned by `Natives`.
        let (collect_map, collect_set) = unsafe {
            (
                qjs::JS_NewCFunction2(
                    c,
                    Some(collect_entry),
                    c"".as_ptr(),
                    2,
                    qjs::JSCFunctionEnum_JS_CFUNC_generic,
                    0,
                ),
                qjs::JS_NewCFunction2(
                    c,
                    Some(collect_value),
                    c"".as_ptr(),
                    1,
                    qjs::JSCFunctionEnum_JS_CFUNC_generic,
                    0,
                ),
            )
        };
        let natives = Natives {
            // SAFETY: reads the live context's runtime.
            rt: unsafe { qjs::JS_GetRuntime(c) },
            fns: std::array::from_fn(|i| dup(list[i].clone())),
            flags: fl.into_iter().map(|(b, f)| (b, dup(f))).collect(),
            collect_map,
            collect_set,
            // SAFETY: the class of a live object (the sample, kept above).
            error_class: unsafe { qjs::JS_GetClassID(list[N::ErrorSample as usize].as_raw()) },
            // SAFETY: `c` is live; new atoms, owned by `Natives`.
            iterator_atom: unsafe { first_key(c, list[N::IteratorKeyHolder as usize].as_raw()) },
            // SAFETY: as above.
            next_atom: unsafe { qjs::JS_NewAtomLen(c, c"next".as_ptr(), 4) },
        };
        if natives.iterator_atom == qjs::JS_ATOM_NULL || natives.next_atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        // SAFETY: reads values' tags.
        if unsafe { qjs::JS_IsException(collect_map) || qjs::JS_IsException(collect_set) } {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Some(natives))
    }

    /// Whether `v` is an empty Array whose conversion to a Web IDL
    /// sequence runs nothing a script could have changed: an Array (not a
    /// proxy) of length 0 with the original `Array.prototype`, no own
    /// `@@iterator`, the prototype's `@@iterator` the original `values`,
    /// and the array iterators' `next` the original one. Converting it
    /// then gives an empty sequence and calls only built-ins, so the
    /// conversion may be skipped (RPC libraries post with `[]` every
    /// time). Every read here is of a data property or a slot.
    pub(crate) fn is_original_empty_array(
        &self,
        ctx: &Ctx<'_>,
        v: crate::engine::handles::Lent<'_, '_>,
    ) -> bool {
        use crate::engine::ffi::OwnProperty;
        let (c, v) = (ctx.as_raw().as_ptr(), v.raw());
        // SAFETY: `c` is the live context of the call (the list's runtime:
        // a runtime's host state holds its own list) and `v` is lent for
        // it; class and tag queries; an Array's
        // length is an own data property (no JavaScript runs); the
        // prototype is a new reference, freed at once (only compared).
        unsafe {
            if qjs::JS_VALUE_GET_TAG(v) != qjs::JS_TAG_OBJECT
                || qjs::JS_IsProxy(v)
                || !qjs::JS_IsArray(v)
            {
                return false;
            }
            let mut len: i64 = -1;
            if qjs::JS_GetLength(c, v, &mut len) < 0 {
                qjs::JS_FreeValue(c, qjs::JS_GetException(c));
                return false;
            }
            let proto = qjs::JS_GetPrototype(c, v);
            let same_proto = qjs::JS_VALUE_GET_TAG(proto) == qjs::JS_TAG_OBJECT
                && proto.u.ptr == self.get(N::ArrayProto).u.ptr;
            qjs::JS_FreeValue(c, proto);
            if len != 0 || !same_proto {
                return false;
            }
            let is = |o: qjs::JSValue, key: qjs::JSAtom, want: Option<N>| -> bool {
                match crate::engine::ffi::own_property(c, o, key) {
                    Ok(OwnProperty::Absent) => want.is_none(),
                    Ok(OwnProperty::Data(x)) => {
                        let same = want.is_some_and(|w| {
                            qjs::JS_VALUE_GET_TAG(x) == qjs::JS_TAG_OBJECT
                                && x.u.ptr == self.get(w).u.ptr
                        });
                        qjs::JS_FreeValue(c, x);
                        same
                    }
                    Ok(OwnProperty::Accessor) => false,
                    Err(_) => {
                        qjs::JS_FreeValue(c, qjs::JS_GetException(c));
                        false
                    }
                }
            };
            is(v, self.iterator_atom, None)
                && is(
                    self.get(N::ArrayProto),
                    self.iterator_atom,
                    Some(N::ArrayValues),
                )
                && is(
                    self.get(N::ArrayIteratorProto),
                    self.next_atom,
                    Some(N::ArrayIteratorNext),
                )
        }
    }

    /// The engine's class id of Errors.
    pub(crate) fn error_class(&self) -> u32 {
        self.error_class
    }

    /// The built-in `which`, borrowed from the list (which keeps it).
    pub(crate) fn get(&self, which: N) -> qjs::JSValue {
        self.fns[which as usize]
    }

    /// Calls the built-in `which` with `this` and `args`: a new reference,
    /// or `Err` with the engine's exception pending.
    ///
    /// # Safety
    /// `c` is a live context of the runtime the list belongs to, and
    /// `this` and `args` are values the caller keeps alive for the call.
    pub(crate) unsafe fn call(
        &self,
        c: *mut qjs::JSContext,
        which: N,
        this: qjs::JSValue,
        args: &mut [qjs::JSValue],
    ) -> rquickjs::Result<Owned> {
        // SAFETY: the caller's promise; the built-in runs no user code.
        let v = unsafe { call_raw(c, self.fns[which as usize], this, args) };
        owned(c, v)
    }

    /// Calls the built-in `which` as a constructor with `args`.
    ///
    /// # Safety
    /// As [`Self::call`].
    pub(crate) unsafe fn construct(
        &self,
        c: *mut qjs::JSContext,
        which: N,
        args: &mut [qjs::JSValue],
    ) -> rquickjs::Result<Owned> {
        // SAFETY: the caller's promise; a built-in constructor given
        // primitives (or nothing) runs no user code.
        let v = unsafe {
            qjs::JS_CallConstructor(
                c,
                self.fns[which as usize],
                args.len() as _,
                args.as_mut_ptr(),
            )
        };
        owned(c, v)
    }

    /// The primitive a wrapper holds (`sub`: 0 Number, 1 String, 2
    /// Boolean, 3 BigInt, as `Kind::Wrapper` numbers them), read from its
    /// slot by the built-in `valueOf`; `None` for another `sub`.
    ///
    /// # Safety
    /// As [`Self::call`]; `o` is a wrapper of that kind.
    pub(crate) unsafe fn wrapped(
        &self,
        c: *mut qjs::JSContext,
        o: qjs::JSValue,
        sub: u8,
    ) -> rquickjs::Result<Option<Owned>> {
        let which = [
            N::NumberValue,
            N::StringValue,
            N::BooleanValue,
            N::BigIntValue,
        ];
        let Some(&which) = which.get(usize::from(sub)) else {
            return Ok(None);
        };
        // SAFETY: the caller's promise; valueOf reads the slot.
        unsafe { self.call(c, which, o, &mut []) }.map(Some)
    }

    /// The entries of a Map (key, value, key, value…) or the values of a
    /// Set, pushed onto `out` as new references the caller owns.
    ///
    /// # Safety
    /// As [`Self::call`]; `o` is a Map (`set == false`) or a Set.
    pub(crate) unsafe fn entries(
        &self,
        c: *mut qjs::JSContext,
        o: qjs::JSValue,
        set: bool,
        out: &mut Vec<qjs::JSValue>,
    ) -> rquickjs::Result<()> {
        let (each, f) = if set {
            (N::SetForEach, self.collect_set)
        } else {
            (N::MapForEach, self.collect_map)
        };
        // SAFETY: the caller's promise; forEach calls only `collect`.
        let r = unsafe { call_raw(c, self.fns[each as usize], o, &mut [f]) };
        COLLECTED.with(|l| out.append(&mut l.borrow_mut()));
        owned(c, r).map(drop)
    }

    /// A RegExp's `[[OriginalSource]]` and its flags as V8 numbers them.
    ///
    /// # Safety
    /// As [`Self::call`]; `r` is a RegExp.
    pub(crate) unsafe fn regexp(
        &self,
        c: *mut qjs::JSContext,
        r: qjs::JSValue,
    ) -> rquickjs::Result<(Owned, u32)> {
        // SAFETY: the caller's promise; the built-in getters read slots.
        let source = unsafe { self.call(c, N::RegExpSource, r, &mut [])? };
        let mut bits = 0;
        for &(bit, getter) in &self.flags {
            // SAFETY: as above.
            let on = unsafe { call_raw(c, getter, r, &mut []) };
            let on = owned(c, on)?;
            // SAFETY: reads a value's tag and the payload it says.
            if unsafe { qjs::JS_VALUE_GET_TAG(on.v) == qjs::JS_TAG_BOOL && on.v.u.int32 != 0 } {
                bits |= bit;
            }
        }
        Ok((source, bits))
    }
}

/// The first own key of `o` as a new atom (`JS_ATOM_NULL` if none).
///
/// # Safety
/// `c` is live and `o` a live ordinary object of it.
unsafe fn first_key(c: *mut qjs::JSContext, o: qjs::JSValue) -> qjs::JSAtom {
    let mut tab: *mut qjs::JSPropertyEnum = std::ptr::null_mut();
    let mut len: u32 = 0;
    let flags = (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_SYMBOL_MASK) as i32;
    // SAFETY: the caller's promise; the table is freed below, after its
    // first atom was duplicated.
    unsafe {
        if qjs::JS_GetOwnPropertyNames(c, &mut tab, &mut len, o, flags) < 0 {
            return qjs::JS_ATOM_NULL;
        }
        let atom = if len > 0 {
            qjs::JS_DupAtom(c, (*tab).atom)
        } else {
            qjs::JS_ATOM_NULL
        };
        qjs::JS_FreePropertyEnum(c, tab, len);
        atom
    }
}

/// `f.call(this, ...args)` on a native function.
///
/// # Safety
/// `c` is live and `f`, `this`, `args` are live values of it.
unsafe fn call_raw(
    c: *mut qjs::JSContext,
    f: qjs::JSValue,
    this: qjs::JSValue,
    args: &mut [qjs::JSValue],
) -> qjs::JSValue {
    // SAFETY: the caller's promise.
    unsafe { qjs::JS_Call(c, f, this, args.len() as _, args.as_mut_ptr()) }
}

/// A call's result as an [`Owned`], or `Err` on an exception.
fn owned(c: *mut qjs::JSContext, v: qjs::JSValue) -> rquickjs::Result<Owned> {
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(v) } {
        return Err(rquickjs::Error::Exception);
    }
    Ok(Owned { c, v })
}

impl Drop for Natives {
    fn drop(&mut self) {
        let all = self.fns.iter().chain(self.flags.iter().map(|(_, f)| f));
        for &v in all.chain([&self.collect_map, &self.collect_set]) {
            // SAFETY: the list's own references (its invariant), each
            // given back once.
            unsafe { qjs::JS_FreeValueRT(self.rt, v) };
        }
        for a in [self.iterator_atom, self.next_atom] {
            // SAFETY: atoms the list owns, freed once.
            unsafe { qjs::JS_FreeAtomRT(self.rt, a) };
        }
    }
}
