//! The hot path of messaging as engine-level natives: MessagePort objects
//! with a native brand, and `MessagePort.prototype.postMessage` as a C
//! function (no JavaScript wrapper, no argument conversion layer). The
//! rules stay where they were: [`crate::runtime::host`] decides what a post does;
//! this module only gets the call there and back.
//!
//! A MessagePort object is an object of msgport's own engine class whose
//! opaque word is its port id (HTML `#message-ports`: the platform object
//! and the port it represents). So the brand check and the id cost one
//! load, where the JavaScript side needed a WeakMap lookup.
//!
//! The context's opaque pointer is this context's [`Poster`] (the host
//! state, kept by [`HostLink`]), which is how a C function finds it: the
//! engine layer knows the host only through that trait.

use super::ffi::{self, Lent};
use rquickjs::{qjs, Ctx, Object, Value};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The engine class of MessagePort objects (one id for the process; each
/// runtime registers it once).
static PORT_CLASS: AtomicU32 = AtomicU32::new(0);

/// Opaque word of a port object whose port was shipped.
const SHIPPED: usize = 1;

/// What the C functions of this module call back into: the host of a
/// context (`crate::runtime::host`), which decides what a post does.
pub(crate) trait Poster {
    /// `MessagePort.prototype.postMessage(message, transfer)` on the port
    /// `id` (-1: shipped) of the object `this`. The values are lent for
    /// the call.
    fn post_message<'js>(
        &self,
        ctx: &Ctx<'js>,
        this: Lent<'_, 'js>,
        id: i32,
        message: Lent<'_, 'js>,
        transfer: Option<Lent<'_, 'js>>,
    ) -> rquickjs::Result<()>;
}

/// The context's host, boxed so that the opaque pointer is thin.
type Host = Rc<dyn Poster>;

/// Keeps the host alive for the context's opaque pointer; released after
/// the context (it is the last field of the runtime).
pub(crate) struct HostLink(*mut Host);

impl Drop for HostLink {
    fn drop(&mut self) {
        // SAFETY: made by `Box::into_raw` in `install`, released once here.
        drop(unsafe { Box::from_raw(self.0) })
    }
}

/// Registers msgport's classes in this runtime and points the context at
/// `host`.
///
/// Class ids belong to a runtime (QuickJS-ng counts them per runtime), but
/// msgport reads them from process-wide statics on its hot paths (a port's
/// brand check is one load). So each runtime must give every class the
/// same id: the first runtime picks them, and each later one allocates ids
/// until it reaches the same ones (burning the ids in between), or fails
/// with an error if one of them is already taken by another class here.
/// An id is never read as another class's.
pub(crate) fn install(ctx: &Ctx<'_>, host: Host) -> Result<HostLink, String> {
    // SAFETY: `c` is the live context `ctx` wraps and `rt` its runtime;
    // `register` only allocates ids and registers classes in `rt` (see
    // there); the opaque pointer is a box released by `HostLink`, which
    // the runtime keeps for longer than the context.
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let rt = qjs::JS_GetRuntime(c);
        register(rt, &PORT_CLASS, c"MessagePort", None, None)?;
        register(
            rt,
            &EVENT_CLASS,
            c"Event",
            Some(event_finalizer),
            Some(event_mark),
        )?;
        register(
            rt,
            &CELL_CLASS,
            c"EventCell",
            Some(cell_finalizer),
            Some(cell_mark),
        )?;
        let raw = Box::into_raw(Box::new(host));
        qjs::JS_SetContextOpaque(c, raw.cast());
        Ok(HostLink(raw))
    }
}

/// Registers the class `slot` in `rt` under the process-wide id (see
/// [`install`]).
///
/// # Safety
/// `rt` is a live runtime, used by this thread only.
unsafe fn register(
    rt: *mut qjs::JSRuntime,
    slot: &AtomicU32,
    name: &'static std::ffi::CStr,
    finalizer: qjs::JSClassFinalizer,
    gc_mark: qjs::JSClassGCMark,
) -> Result<(), String> {
    let taken = || format!("the class id of {name:?} is taken in this runtime");
    let mut id = slot.load(Ordering::Acquire);
    // This runtime's newest id, if this call allocated one already.
    let mut fresh = 0;
    if id == 0 {
        // SAFETY: `rt` is live; a zero id asks for a new one.
        unsafe { qjs::JS_NewClassID(rt, &mut fresh) };
        id = match slot.compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => fresh,
            Err(stored) => stored,
        };
    }
    // SAFETY: `rt` is live; these calls read and update its class table
    // only.
    unsafe {
        if qjs::JS_IsRegisteredClass(rt, id) {
            return Err(taken());
        }
        // Allocate this runtime's ids up to `id`, so that nobody else here
        // is handed it later. An id below the runtime's next one was handed
        // out already: it is only safe if it is ours (a previous call on
        // this runtime would have registered it, so it is not).
        while fresh != id {
            if fresh > id {
                return Err(taken());
            }
            fresh = 0;
            qjs::JS_NewClassID(rt, &mut fresh);
        }
        let def = qjs::JSClassDef {
            class_name: name.as_ptr(),
            finalizer,
            gc_mark,
            call: None,
            exotic: std::ptr::null_mut(),
        };
        if qjs::JS_NewClass(rt, id, &def) < 0 {
            return Err(format!("cannot register the class {name:?}"));
        }
    }
    Ok(())
}

// ---- Event objects -------------------------------------------------------
//
// An Event object (DOM `#interface-event`) is an object of msgport's event
// class whose opaque word is its state: a JS object (the prelude's; its
// fields are the standard's flags, type, target…), owned by the event. The
// prelude finds it through `host.eventState(event)`, one C call, where it
// used a WeakMap; the delivery of a message makes both natively.

/// The engine class of Event objects.
static EVENT_CLASS: AtomicU32 = AtomicU32::new(0);

/// The engine class of Event objects (registered by [`install`]).
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
unsafe extern "C" fn event_finalizer(rt: *mut qjs::JSRuntime, v: qjs::JSValue) {
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
unsafe extern "C" fn event_mark(rt: *mut qjs::JSRuntime, v: qjs::JSValue, mark: qjs::JS_MarkFunc) {
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
unsafe extern "C" fn host_new_event(
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
unsafe extern "C" fn host_event_state(
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
unsafe extern "C" fn message_event_data(
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
static CELL_CLASS: AtomicU32 = AtomicU32::new(0);

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
unsafe extern "C" fn cell_finalizer(rt: *mut qjs::JSRuntime, v: qjs::JSValue) {
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
unsafe extern "C" fn cell_mark(rt: *mut qjs::JSRuntime, v: qjs::JSValue, mark: qjs::JS_MarkFunc) {
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
unsafe extern "C" fn host_new_event_cell(
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

/// The C functions of the `host` object: `(name, function, length)`.
pub(crate) fn host_functions<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    let list: [(&str, &std::ffi::CStr, qjs::JSCFunction, i32); 4] = [
        ("newEvent", c"newEvent", Some(host_new_event), 2),
        ("eventState", c"eventState", Some(host_event_state), 1),
        ("messageEventData", c"get data", Some(message_event_data), 0),
        (
            "newEventCell",
            c"newEventCell",
            Some(host_new_event_cell),
            0,
        ),
    ];
    for (key, name, f, len) in list {
        let v = c_function(ctx, name, f, len)?;
        host.set(key, v)?;
    }
    Ok(())
}

/// A C function as a JS function value.
fn c_function<'js>(
    ctx: &Ctx<'js>,
    name: &std::ffi::CStr,
    f: qjs::JSCFunction,
    length: i32,
) -> rquickjs::Result<Value<'js>> {
    // SAFETY: `ctx` is live; `JS_NewCFunction2` returns a new reference
    // (or an exception), taken over by the `Value`. `f` is one of this
    // module's C functions, which uphold the engine's calling convention.
    unsafe {
        let v = qjs::JS_NewCFunction2(
            ctx.as_raw().as_ptr(),
            f,
            name.as_ptr(),
            length,
            qjs::JSCFunctionEnum_JS_CFUNC_generic,
            0,
        );
        if qjs::JS_IsException(v) {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), v))
    }
}

/// The engine class of MessagePort objects (registered by [`install`]).
pub(crate) fn port_class() -> u32 {
    PORT_CLASS.load(Ordering::Acquire)
}

/// A new MessagePort object for the native port `id`, with prototype
/// `proto`.
pub(crate) fn new_port_object<'js>(
    ctx: &Ctx<'js>,
    proto: &Object<'js>,
    id: u32,
) -> rquickjs::Result<Object<'js>> {
    // SAFETY: `ctx` and `proto` are live; `JS_NewObjectProtoClass` returns
    // a new reference (or an exception), taken over by the `Value`; the
    // port class's opaque word is a plain number (no finalizer frees it).
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let o = qjs::JS_NewObjectProtoClass(c, proto.as_raw(), PORT_CLASS.load(Ordering::Acquire));
        if qjs::JS_IsException(o) {
            return Err(rquickjs::Error::Exception);
        }
        qjs::JS_SetOpaque(o, (id as usize + 2) as *mut _);
        Ok(Value::from_raw(ctx.clone(), o)
            .into_object()
            .expect("an object"))
    }
}

/// The port id of a MessagePort object: `Some(-1)` once shipped, `None`
/// for anything that is not a MessagePort. Sound: `JS_GetOpaque` checks
/// the class before it reads the word.
pub(crate) fn port_id(v: &Value<'_>) -> Option<i32> {
    // SAFETY: `v` is live.
    unsafe { port_id_raw(v.as_raw()) }
}

/// [`port_id`] of a raw value.
///
/// # Safety
/// `v` is live.
unsafe fn port_id_raw(v: qjs::JSValue) -> Option<i32> {
    // SAFETY: `v` is live (the caller's); `JS_GetOpaque` reads an
    // object's class before its word, and nothing of anything else.
    match unsafe { qjs::JS_GetOpaque(v, PORT_CLASS.load(Ordering::Relaxed)) } as usize {
        0 => None,
        SHIPPED => Some(-1),
        w => Some((w - 2) as i32),
    }
}

/// The interface of a platform object of one of msgport's native classes
/// (a MessagePort, an Event), told by its class whatever its prototype:
/// such objects are never serializable.
pub(crate) fn platform_interface(o: &Object<'_>) -> Option<&'static str> {
    platform_interface_of(ffi::Borrowed::of(o))
}

/// [`platform_interface`] of a borrowed object.
pub(crate) fn platform_interface_of(o: ffi::Borrowed<'_>) -> Option<&'static str> {
    let v = o.raw();
    // SAFETY: `o` is a live object (a `Borrowed`'s invariant).
    let (port, event) = unsafe { (port_id_raw(v), word(v)) };
    if port.is_some() {
        Some("MessagePort")
    } else if event.is_some() {
        Some("Event")
    } else {
        None
    }
}

/// Marks a MessagePort object as shipped (its port moved away).
pub(crate) fn set_port_shipped(o: &Object<'_>) {
    if port_id(o).is_some() {
        // SAFETY: the object is live and of the port class (checked
        // above), whose opaque word is a plain number.
        unsafe { qjs::JS_SetOpaque(o.as_raw(), SHIPPED as *mut _) };
    }
}

/// `MessagePort.prototype.postMessage` (HTML `#dom-messageport-postmessage`),
/// a C function of length 1.
pub(crate) fn post_message_function<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Value<'js>> {
    c_function(ctx, c"postMessage", Some(post_message), 1)
}

/// Throws a TypeError with `msg`.
///
/// # Safety
/// `c` is a live context.
unsafe fn throw_type_error(c: *mut qjs::JSContext, msg: &std::ffi::CStr) -> qjs::JSValue {
    // SAFETY: `c` is live; `%s` with a NUL-terminated string.
    unsafe { qjs::JS_ThrowTypeError(c, c"%s".as_ptr(), msg.as_ptr()) }
}

/// The engine's result for a Rust result: `undefined`, or the pending
/// exception (any other error becomes an InternalError).
///
/// # Safety
/// `c` is a live context.
unsafe fn result(c: *mut qjs::JSContext, r: rquickjs::Result<()>) -> qjs::JSValue {
    match r {
        Ok(()) => qjs::JS_UNDEFINED,
        Err(rquickjs::Error::Exception) => qjs::JS_EXCEPTION,
        Err(e) => {
            let msg = std::ffi::CString::new(e.to_string()).unwrap_or_default();
            // SAFETY: `c` is live; `%s` with a NUL-terminated string.
            unsafe { qjs::JS_ThrowInternalError(c, c"%s".as_ptr(), msg.as_ptr()) }
        }
    }
}

/// The host of the context `c` (set by [`install`]).
///
/// # Safety
/// `c` is a live context that [`install`] pointed at a host.
unsafe fn host_of(c: *mut qjs::JSContext) -> Host {
    // SAFETY: (the caller's) `c` is a context `install` pointed at a
    // `Host`, which `HostLink` keeps for longer than the context; the
    // clone is a count of its own, so the call below cannot outlive it.
    unsafe { Rc::clone(&*(qjs::JS_GetContextOpaque(c) as *const Host)) }
}

/// `MessagePort.prototype.postMessage`.
///
/// # Safety
/// Called by the engine only, with `argc` valid arguments at `argv` and a
/// live `this`, all borrowed for the call, in a context set up by
/// [`install`].
unsafe extern "C" fn post_message(
    c: *mut qjs::JSContext,
    this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // Web IDL: the brand first, then the argument count.
    // SAFETY: `this` is live for the call.
    let Some(id) = (unsafe { port_id_raw(this) }) else {
        // SAFETY: `c` is the live context of the call.
        return unsafe { throw_type_error(c, c"Illegal invocation: not a MessagePort") };
    };
    if argc < 1 {
        // SAFETY: as above.
        return unsafe {
            throw_type_error(
                c,
                c"Failed to execute 'postMessage' on 'MessagePort': 1 argument required, but only 0 present.",
            )
        };
    }
    // SAFETY: the engine calls this with a live, non-null context that
    // `install` set up; `this` and the `argc` arguments at `argv` are live
    // for the call, which is as long as the lent values are used.
    unsafe {
        let ctx = Ctx::from_raw(NonNull::new_unchecked(c));
        let host = host_of(c);
        let this = Lent::new(&ctx, this);
        let message = Lent::new(&ctx, *argv);
        let transfer = (argc >= 2).then(|| Lent::new(&ctx, *argv.add(1)));
        let r = host.post_message(&ctx, this, id, message, transfer);
        result(c, r)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// A host that takes no posts (these tests post nothing).
    struct NoPosts;

    impl Poster for NoPosts {
        fn post_message<'js>(
            &self,
            _: &Ctx<'js>,
            _: Lent<'_, 'js>,
            _: i32,
            _: Lent<'_, 'js>,
            _: Option<Lent<'_, 'js>>,
        ) -> rquickjs::Result<()> {
            Err(rquickjs::Error::Unknown)
        }
    }

    /// A runtime and context whose runtime has handed out `extra` class
    /// ids before msgport registers its classes.
    fn install_after(extra: usize) -> Result<(), String> {
        // A first run fixes the process-wide ids.
        assert_eq!(crate::run_captured("new MessageChannel()").exit_code, 0);
        let rt = rquickjs::Runtime::new().unwrap();
        let ctx = rquickjs::Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            // SAFETY: the live runtime of `ctx`; ids are only counted.
            unsafe {
                let raw = qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
                for _ in 0..extra {
                    let mut id = 0;
                    qjs::JS_NewClassID(raw, &mut id);
                }
            }
            install(&ctx, Rc::new(NoPosts)).map(drop)
        })
    }

    #[test]
    fn a_runtime_whose_class_ids_lag_burns_up_to_msgports() {
        install_after(0).unwrap();
    }

    #[test]
    fn a_runtime_that_handed_out_msgports_ids_to_others_is_refused() {
        let err = install_after(64).unwrap_err();
        assert!(err.contains("taken in this runtime"), "{err}");
    }
}
