//! Event objects and the current-event cell as engine objects of
//! msgport's own classes (DOM `#interface-event`, HTML `#dom-window-event`),
//! and the C functions the prelude calls on them.

use super::native::throw_type_error;
use rquickjs::qjs;
use std::sync::atomic::{AtomicU32, Ordering};

// ---- Event objects -------------------------------------------------------
//
// An Event object (DOM `#interface-event`) is an object of msgport's event
// class whose opaque word is its state: a JS object (the prelude's; its
// fields are the standard's flags, type, target…), owned by the event. The
// prelude finds it through `host.eventState(event)`, one C call, where it
// used a WeakMap; the delivery of a message makes both natively.

/// The engine class of Event objects.
pub(super) static EVENT_CLASS: AtomicU32 = AtomicU32::new(0);

/// The engine class of Event objects (registered by [`install`](super::native::install)).
pub(crate) fn event_class() -> u32 {
    EVENT_CLASS.load(Ordering::Acquire)
}

/// A delivered message event's state before anyone asked for it: what
/// the state object would hold beyond its prototype's fields. Most
/// listeners never look at more than `data`, so the object is made only
/// when the prelude first asks ([`event_state`]).
pub(crate) struct LazyState {
    /// The prototype of the state object (the port's constant fields).
    pub(crate) proto: qjs::JSValue,
    pub(crate) data: qjs::JSValue,
    pub(crate) time_stamp: qjs::JSValue,
    /// The port, while the event is being dispatched at it.
    pub(crate) dispatching_at: Option<qjs::JSValue>,
}

/// An event's opaque word: the state object's pointer, or a
/// `Box<LazyState>` pointer with the low bit set.
enum Word {
    State(qjs::JSValue),
    Lazy(*mut LazyState),
}

/// The opaque word of `v` if it is an Event object.
///
/// # Safety
/// `v` is live.
unsafe fn word(v: qjs::JSValue) -> Option<Word> {
    // SAFETY: (the caller's) `v` is live; `JS_GetOpaque` reads an object's
    // class before its word, and nothing of anything else.
    let p = unsafe { qjs::JS_GetOpaque(v, EVENT_CLASS.load(Ordering::Relaxed)) } as usize;
    match p {
        0 => None,
        p if p & 1 == 1 => Some(Word::Lazy((p & !1) as *mut LazyState)),
        p => Some(Word::State(qjs::JS_MKPTR(qjs::JS_TAG_OBJECT, p as *mut _))),
    }
}

/// Whether `v` is an Event object (of msgport's event class).
///
/// # Safety
/// `v` is live.
pub(super) unsafe fn is_event(v: qjs::JSValue) -> bool {
    // SAFETY: (the caller's) `v` is live.
    unsafe { word(v) }.is_some()
}

/// The state object of an Event object (borrowed from the event), made
/// now if it was still lazy; `Ok(None)` for anything else.
///
/// # Safety
/// `c` is a live context and `v` a live value of it. The state returned
/// is borrowed from the event: valid while the event lives.
pub(crate) unsafe fn event_state(
    c: *mut qjs::JSContext,
    v: qjs::JSValue,
) -> rquickjs::Result<Option<qjs::JSValue>> {
    // SAFETY: `v` is live (the caller's).
    match unsafe { word(v) } {
        None => Ok(None),
        Some(Word::State(s)) => Ok(Some(s)),
        // SAFETY: the opaque word is only ever set here and by
        // `new_event` / `new_lazy_event`, to an object the event owns a
        // reference to or to a box it owns. Making the object takes the
        // box's references over (the fields are duplicated into the
        // object, then the box is freed once) after the word changed.
        Some(Word::Lazy(p)) => unsafe {
            let lazy = &*p;
            let s = qjs::JS_NewObjectProto(c, lazy.proto);
            if qjs::JS_IsException(s) {
                return Err(rquickjs::Error::Exception);
            }
            let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
            let mut ok = qjs::JS_DefinePropertyValueStr(
                c,
                s,
                c"data".as_ptr(),
                qjs::JS_DupValue(c, lazy.data),
                flags,
            ) >= 0
                && qjs::JS_DefinePropertyValueStr(
                    c,
                    s,
                    c"timeStamp".as_ptr(),
                    qjs::JS_DupValue(c, lazy.time_stamp),
                    flags,
                ) >= 0;
            if let (true, Some(port)) = (ok, lazy.dispatching_at) {
                ok = qjs::JS_DefinePropertyValueStr(
                    c,
                    s,
                    c"currentTarget".as_ptr(),
                    qjs::JS_DupValue(c, port),
                    flags,
                ) >= 0
                    && qjs::JS_DefinePropertyValueStr(
                        c,
                        s,
                        c"phase".as_ptr(),
                        qjs::JS_MKVAL(qjs::JS_TAG_INT, 2),
                        flags,
                    ) >= 0
                    && qjs::JS_DefinePropertyValueStr(
                        c,
                        s,
                        c"dispatching".as_ptr(),
                        qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 1),
                        flags,
                    ) >= 0;
            }
            if !ok {
                qjs::JS_FreeValue(c, s);
                return Err(rquickjs::Error::Exception);
            }
            qjs::JS_SetOpaque(v, s.u.ptr);
            free_lazy(qjs::JS_GetRuntime(c), p);
            Ok(Some(s))
        },
    }
}

/// Whether the event `v` still has a lazy state; if so, marks it as no
/// longer being dispatched (see [`LazyState::dispatching_at`]).
///
/// # Safety
/// `rt` is a live runtime and `v` a live value of it.
pub(crate) unsafe fn end_lazy_dispatch(rt: *mut qjs::JSRuntime, v: qjs::JSValue) -> bool {
    // SAFETY: `v` is live (the caller's).
    match unsafe { word(v) } {
        // SAFETY: the box is the event's (see `event_state`), alive while
        // the event is; the port reference it held is freed once, as it
        // is taken out.
        Some(Word::Lazy(p)) => unsafe {
            if let Some(port) = (*p).dispatching_at.take() {
                qjs::JS_FreeValueRT(rt, port);
            }
            true
        },
        _ => false,
    }
}

/// Frees a lazy state and the references it holds.
///
/// # Safety
/// `p` is a box made by [`new_lazy_event`], of the live runtime `rt`, and
/// nothing uses it afterwards (it is freed once).
unsafe fn free_lazy(rt: *mut qjs::JSRuntime, p: *mut LazyState) {
    // SAFETY: (the caller's) the box and its references are this call's.
    unsafe {
        let lazy = Box::from_raw(p);
        qjs::JS_FreeValueRT(rt, lazy.proto);
        qjs::JS_FreeValueRT(rt, lazy.data);
        qjs::JS_FreeValueRT(rt, lazy.time_stamp);
        if let Some(port) = lazy.dispatching_at {
            qjs::JS_FreeValueRT(rt, port);
        }
    }
}

/// Frees the event's state.
///
/// # Safety
/// Called by the engine only, once, when the event `v` dies.
pub(super) unsafe extern "C" fn event_finalizer(rt: *mut qjs::JSRuntime, v: qjs::JSValue) {
    // SAFETY: the event's own reference or box (see `event_state`),
    // released once as the event dies.
    unsafe {
        match word(v) {
            Some(Word::State(s)) => qjs::JS_FreeValueRT(rt, s),
            Some(Word::Lazy(p)) => free_lazy(rt, p),
            None => {}
        }
    }
}

/// Tells the cycle collector what the event holds.
///
/// # Safety
/// Called by the engine only, on a live event, with its mark function.
pub(super) unsafe extern "C" fn event_mark(
    rt: *mut qjs::JSRuntime,
    v: qjs::JSValue,
    mark: qjs::JS_MarkFunc,
) {
    // SAFETY: the event is live, and all it holds is alive while it is;
    // marking only reports it.
    unsafe {
        match word(v) {
            Some(Word::State(s)) => qjs::JS_MarkValue(rt, s, mark),
            Some(Word::Lazy(p)) => {
                let lazy = &*p;
                for x in [lazy.proto, lazy.data, lazy.time_stamp] {
                    qjs::JS_MarkValue(rt, x, mark);
                }
                if let Some(port) = lazy.dispatching_at {
                    qjs::JS_MarkValue(rt, port, mark);
                }
            }
            None => {}
        }
    }
}

/// A new Event object with prototype `proto` and a lazy state, which it
/// owns (the values in `lazy` are references it takes over); the
/// exception value on failure (the references are freed then).
///
/// # Safety
/// `c` is a live context; `proto` and the values of `lazy` are live
/// values of it (those of `lazy` owned references).
pub(crate) unsafe fn new_lazy_event(
    c: *mut qjs::JSContext,
    proto: qjs::JSValue,
    lazy: LazyState,
) -> qjs::JSValue {
    // SAFETY: (the caller's) live `c` and `proto`;
    // `JS_NewObjectProtoClass` returns a new reference (or an exception,
    // and then the box is freed with its references); the event owns the
    // box from then on (its word), released by its finalizer.
    unsafe {
        let e = qjs::JS_NewObjectProtoClass(c, proto, EVENT_CLASS.load(Ordering::Relaxed));
        let p = Box::into_raw(Box::new(lazy));
        if qjs::JS_IsException(e) {
            free_lazy(qjs::JS_GetRuntime(c), p);
            return e;
        }
        qjs::JS_SetOpaque(e, (p as usize | 1) as *mut _);
        e
    }
}

/// A new Event object with prototype `proto` and state `state` (an
/// object; `None` if it is not one), or the exception value.
///
/// # Safety
/// `c` is a live context, `proto` and `state` live values of it.
pub(crate) unsafe fn new_event(
    c: *mut qjs::JSContext,
    proto: qjs::JSValue,
    state: qjs::JSValue,
) -> Option<qjs::JSValue> {
    // SAFETY: (the caller's) live values; `JS_NewObjectProtoClass`
    // returns a new reference or an exception; the event takes a new
    // reference to `state` as its word, released by its finalizer.
    unsafe {
        if qjs::JS_VALUE_GET_TAG(state) != qjs::JS_TAG_OBJECT {
            return None;
        }
        let e = qjs::JS_NewObjectProtoClass(c, proto, EVENT_CLASS.load(Ordering::Relaxed));
        if qjs::JS_IsException(e) {
            return Some(e);
        }
        qjs::JS_SetOpaque(e, qjs::JS_DupValue(c, state).u.ptr);
        Some(e)
    }
}

/// `host.newEvent(proto, state)`: a new Event object (`proto` must be an
/// object, else the realm's `fallback`, the prelude's choice).
///
/// # Safety
/// Called by the engine only, with `argc` live arguments at `argv`.
pub(super) unsafe extern "C" fn host_new_event(
    c: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: `c` is live and the two arguments read are there (`argc`
    // checked first), live for the call.
    unsafe {
        if argc < 2 || qjs::JS_VALUE_GET_TAG(*argv) != qjs::JS_TAG_OBJECT {
            return throw_type_error(c, c"newEvent: a prototype and a state object");
        }
        match new_event(c, *argv, *argv.add(1)) {
            Some(e) => e,
            None => throw_type_error(c, c"newEvent: a prototype and a state object"),
        }
    }
}

/// `host.eventState(value)`: the state of an Event object, or undefined.
///
/// # Safety
/// Called by the engine only, with `argc` live arguments at `argv`.
pub(super) unsafe extern "C" fn host_event_state(
    c: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    if argc < 1 {
        return qjs::JS_UNDEFINED;
    }
    // SAFETY: `c` and the argument are live for the call; the state is
    // borrowed from the event, and the result a new reference to it.
    unsafe {
        match event_state(c, *argv) {
            Ok(Some(s)) => qjs::JS_DupValue(c, s),
            Ok(None) => qjs::JS_UNDEFINED,
            Err(_) => qjs::JS_EXCEPTION,
        }
    }
}

/// `MessageEvent.prototype.data`'s getter (HTML `#dom-messageevent-data`):
/// a delivered event's data without making its state object.
///
/// # Safety
/// Called by the engine only, with a live `this`.
pub(super) unsafe extern "C" fn message_event_data(
    c: *mut qjs::JSContext,
    this: qjs::JSValue,
    _argc: std::ffi::c_int,
    _argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: `c` and `this` are live for the call; a lazy state's box and
    // a state object live as long as the event (see `event_state`); every
    // new reference is returned or freed. The state object's getters are
    // the prelude's own data properties (no user code runs: the object is
    // not reachable from scripts).
    unsafe {
        let state = match word(this) {
            Some(Word::Lazy(p)) => return qjs::JS_DupValue(c, (*p).data),
            Some(Word::State(s)) => s,
            None => return throw_type_error(c, c"Illegal invocation: not a MessageEvent"),
        };
        // A state object: the prelude's layout (`message` marks a MessageEvent's).
        let is_message = qjs::JS_GetPropertyStr(c, state, c"message".as_ptr());
        let yes = qjs::JS_VALUE_GET_TAG(is_message) == qjs::JS_TAG_BOOL && is_message.u.int32 != 0;
        qjs::JS_FreeValue(c, is_message);
        if !yes {
            return throw_type_error(c, c"Illegal invocation: not a MessageEvent");
        }
        qjs::JS_GetPropertyStr(c, state, c"data".as_ptr())
    }
}

// ---- The current event cell ----------------------------------------------
//
// The main context's current event (HTML `#dom-window-event`) lives in one
// object of the cell class, whose opaque word is a box holding the value:
// the prelude reads and writes it through its `event` accessor, the native
// delivery swaps it directly (two property sets per message were 2.5% of
// a stream).

/// The engine class of the current-event cell.
pub(super) static CELL_CLASS: AtomicU32 = AtomicU32::new(0);

/// The cell's box, if `v` is a cell.
///
/// # Safety
/// `v` is live.
unsafe fn cell(v: qjs::JSValue) -> Option<*mut qjs::JSValue> {
    // SAFETY: `v` is live (the caller's); `JS_GetOpaque` checks the class.
    let p = unsafe { qjs::JS_GetOpaque(v, CELL_CLASS.load(Ordering::Relaxed)) };
    (!p.is_null()).then_some(p.cast())
}

/// Puts `value` (a reference it takes over) in the cell `holder` and
/// returns the value it held (a reference the caller owns); `Err(value)`
/// if `holder` is not a cell.
///
/// # Safety
/// `holder` is live.
pub(crate) unsafe fn cell_swap(
    holder: qjs::JSValue,
    value: qjs::JSValue,
) -> Result<qjs::JSValue, qjs::JSValue> {
    // SAFETY: `holder` is live (the caller's), and its box with it; no
    // other reference to the box's value is held across this swap.
    match unsafe { cell(holder) } {
        // SAFETY: the box lives as long as the cell, which the caller keeps.
        Some(p) => Ok(unsafe { std::mem::replace(&mut *p, value) }),
        None => Err(value),
    }
}

/// Frees the cell's box and value.
///
/// # Safety
/// Called by the engine only, once, when the cell `v` dies.
pub(super) unsafe extern "C" fn cell_finalizer(rt: *mut qjs::JSRuntime, v: qjs::JSValue) {
    // SAFETY: the cell's own box and the reference in it, released once
    // as the cell dies.
    unsafe {
        if let Some(p) = cell(v) {
            let b = Box::from_raw(p);
            qjs::JS_FreeValueRT(rt, *b);
        }
    }
}

/// Tells the cycle collector what the cell holds.
///
/// # Safety
/// Called by the engine only, on a live cell, with its mark function.
pub(super) unsafe extern "C" fn cell_mark(
    rt: *mut qjs::JSRuntime,
    v: qjs::JSValue,
    mark: qjs::JS_MarkFunc,
) {
    // SAFETY: the value is alive while the cell is; marking only reports it.
    unsafe {
        if let Some(p) = cell(v) {
            qjs::JS_MarkValue(rt, *p, mark);
        }
    }
}

/// The `event` getter of a cell.
///
/// # Safety
/// Called by the engine only, with a live `this`.
unsafe extern "C" fn cell_get(
    c: *mut qjs::JSContext,
    this: qjs::JSValue,
    _argc: std::ffi::c_int,
    _argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: `this` and its box are live for the call; the result is a
    // new reference.
    unsafe {
        match cell(this) {
            Some(p) => qjs::JS_DupValue(c, *p),
            None => throw_type_error(c, c"Illegal invocation: not an event cell"),
        }
    }
}

/// The `event` setter of a cell.
///
/// # Safety
/// Called by the engine only, with a live `this` and `argc` live
/// arguments at `argv`.
unsafe extern "C" fn cell_set(
    c: *mut qjs::JSContext,
    this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: `this` and the argument (if any) are live for the call; the
    // cell takes a new reference, and the one it gives back is freed.
    unsafe {
        let v = if argc >= 1 {
            qjs::JS_DupValue(c, *argv)
        } else {
            qjs::JS_UNDEFINED
        };
        match cell_swap(this, v) {
            Ok(old) => {
                qjs::JS_FreeValue(c, old);
                qjs::JS_UNDEFINED
            }
            Err(v) => {
                qjs::JS_FreeValue(c, v);
                throw_type_error(c, c"Illegal invocation: not an event cell")
            }
        }
    }
}

/// `host.newEventCell()`: a cell holding `undefined`, with no prototype
/// and an `event` accessor.
///
/// # Safety
/// Called by the engine only, on a live context.
pub(super) unsafe extern "C" fn host_new_event_cell(
    c: *mut qjs::JSContext,
    _this: qjs::JSValue,
    _argc: std::ffi::c_int,
    _argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: `c` is live; each new reference is taken over (by the cell,
    // by `JS_DefinePropertyGetSet`) or freed on every path; the cell owns
    // its box, released by its finalizer.
    unsafe {
        let o = qjs::JS_NewObjectProtoClass(c, qjs::JS_NULL, CELL_CLASS.load(Ordering::Relaxed));
        if qjs::JS_IsException(o) {
            return o;
        }
        qjs::JS_SetOpaque(o, Box::into_raw(Box::new(qjs::JS_UNDEFINED)).cast());
        let get = qjs::JS_NewCFunction2(
            c,
            Some(cell_get),
            c"get event".as_ptr(),
            0,
            qjs::JSCFunctionEnum_JS_CFUNC_generic,
            0,
        );
        let set = qjs::JS_NewCFunction2(
            c,
            Some(cell_set),
            c"set event".as_ptr(),
            1,
            qjs::JSCFunctionEnum_JS_CFUNC_generic,
            0,
        );
        if qjs::JS_IsException(get) || qjs::JS_IsException(set) {
            qjs::JS_FreeValue(c, get);
            qjs::JS_FreeValue(c, set);
            qjs::JS_FreeValue(c, o);
            return qjs::JS_EXCEPTION;
        }
        let atom = qjs::JS_NewAtom(c, c"event".as_ptr());
        // `JS_DefinePropertyGetSet` takes the getter and setter over.
        let r = qjs::JS_DefinePropertyGetSet(c, o, atom, get, set, qjs::JS_PROP_ENUMERABLE as i32);
        qjs::JS_FreeAtom(c, atom);
        if r < 0 {
            qjs::JS_FreeValue(c, o);
            return qjs::JS_EXCEPTION;
        }
        o
    }
}
