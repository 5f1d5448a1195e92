//! The hot path of messaging as engine-level natives: MessagePort and
//! Worker objects with a native brand, and the `postMessage` of
//! MessagePort, Worker and DedicatedWorkerGlobalScope as C functions (no
//! JavaScript wrapper, no argument conversion layer). The
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

use super::events::{
    cell_finalizer, cell_mark, event_finalizer, event_mark, host_event_state, host_new_event,
    host_new_event_cell, is_event, message_event_data, CELL_CLASS, EVENT_CLASS,
};
use super::ffi::{self, Lent};
use rquickjs::{qjs, Ctx, Object, Value};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The engine class of MessagePort objects (one id for the process; each
/// runtime registers it once).
static PORT_CLASS: AtomicU32 = AtomicU32::new(0);

/// The engine class of Worker objects (as [`PORT_CLASS`]): the opaque
/// word is the id of the port to the worker.
static WORKER_CLASS: AtomicU32 = AtomicU32::new(0);

/// Opaque word of a port object whose port was shipped.
const SHIPPED: usize = 1;

/// Whose `postMessage` a native post function is (its magic number):
/// where it finds the port id, and what its errors say.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PostTarget {
    /// `MessagePort.prototype.postMessage`: the id is `this`'s, a port
    /// object's (HTML `#dom-messageport-postmessage`).
    Port = 0,
    /// `Worker.prototype.postMessage`: the id is `this`'s, a Worker
    /// object's (HTML `#dom-worker-postmessage`).
    Worker = 1,
    /// `DedicatedWorkerGlobalScope.prototype.postMessage`: the id is the
    /// function's own (the worker's port; HTML
    /// `#dom-dedicatedworkerglobalscope-postmessage`), whatever `this`.
    Scope = 2,
}

impl PostTarget {
    /// The target whose number (magic) is `magic`.
    pub(crate) fn of(magic: std::ffi::c_int) -> Option<PostTarget> {
        [PostTarget::Port, PostTarget::Worker, PostTarget::Scope]
            .into_iter()
            .find(|t| *t as std::ffi::c_int == magic)
    }

    fn brand_error(self) -> &'static std::ffi::CStr {
        match self {
            PostTarget::Port => c"Illegal invocation: not a MessagePort",
            PostTarget::Worker => c"Illegal invocation: not a Worker",
            PostTarget::Scope => c"Illegal invocation",
        }
    }

    fn arity_error(self) -> &'static std::ffi::CStr {
        match self {
            PostTarget::Port => c"Failed to execute 'postMessage' on 'MessagePort': 1 argument required, but only 0 present.",
            PostTarget::Worker => c"Failed to execute 'postMessage' on 'Worker': 1 argument required, but only 0 present.",
            PostTarget::Scope => c"Failed to execute 'postMessage' on 'DedicatedWorkerGlobalScope': 1 argument required, but only 0 present.",
        }
    }
}

/// What the C functions of this module call back into: the host of a
/// context (`crate::runtime::host`), which decides what a post does.
pub(crate) trait Poster {
    /// `postMessage(message, transfer)` of MessagePort, Worker or
    /// DedicatedWorkerGlobalScope on the port `id` (-1: shipped), called
    /// on `this`; `slow` is the prelude's own `postMessage` of that
    /// interface, for a call whose transfer list needs converting. The
    /// values are lent for the call.
    fn post_message<'js>(
        &self,
        ctx: &Ctx<'js>,
        this: Lent<'_, 'js>,
        id: i32,
        message: Lent<'_, 'js>,
        transfer: Option<Lent<'_, 'js>>,
        slow: Lent<'_, 'js>,
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
        register(rt, &WORKER_CLASS, c"Worker", None, None)?;
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

/// The platform objects of msgport's own engine classes whose opaque word
/// is a port id.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Brand {
    /// A MessagePort object: its port.
    Port,
    /// A Worker object: its port to the worker (the Worker constructor
    /// returns one in place of the ordinary object its `super()` made).
    Worker,
}

/// A new object of `brand` for the port `id`, with prototype `proto`.
pub(crate) fn new_object<'js>(
    ctx: &Ctx<'js>,
    proto: &Object<'js>,
    brand: Brand,
    id: u32,
) -> rquickjs::Result<Object<'js>> {
    let class = match brand {
        Brand::Port => &PORT_CLASS,
        Brand::Worker => &WORKER_CLASS,
    };
    new_branded(ctx, proto, class, id)
}

/// A new object of the class in `class` (the port or the worker class)
/// whose opaque word says `id`.
fn new_branded<'js>(
    ctx: &Ctx<'js>,
    proto: &Object<'js>,
    class: &AtomicU32,
    id: u32,
) -> rquickjs::Result<Object<'js>> {
    // SAFETY: `ctx` and `proto` are live; `JS_NewObjectProtoClass` returns
    // a new reference (or an exception), taken over by the `Value`; both
    // classes' opaque word is a plain number (no finalizer frees it).
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let o = qjs::JS_NewObjectProtoClass(c, proto.as_raw(), class.load(Ordering::Acquire));
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
    // SAFETY: (the caller's) `v` is live.
    unsafe { branded_id(v, &PORT_CLASS) }
}

/// The id in the opaque word of `v` if it is an object of the class in
/// `class`: `Some(-1)` once shipped, `None` for anything else.
///
/// # Safety
/// `v` is live.
unsafe fn branded_id(v: qjs::JSValue, class: &AtomicU32) -> Option<i32> {
    // SAFETY: `v` is live (the caller's); `JS_GetOpaque` reads an
    // object's class before its word, and nothing of anything else.
    match unsafe { qjs::JS_GetOpaque(v, class.load(Ordering::Relaxed)) } as usize {
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
    let (port, worker, event) =
        unsafe { (port_id_raw(v), branded_id(v, &WORKER_CLASS), is_event(v)) };
    if port.is_some() {
        Some("MessagePort")
    } else if worker.is_some() {
        Some("Worker")
    } else if event {
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

/// The native `postMessage` of `target`, a C function of length 1 named
/// `postMessage` whose data is `slow` (the prelude's own, for a transfer
/// list to convert) and, for [`PostTarget::Scope`], the port id `id`.
pub(crate) fn post_message_function<'js>(
    ctx: &Ctx<'js>,
    target: PostTarget,
    slow: &rquickjs::Function<'js>,
    id: u32,
) -> rquickjs::Result<Value<'js>> {
    let id = Value::new_int(ctx.clone(), id as i32);
    let mut data = [slow.as_raw(), id.as_raw()];
    // SAFETY: `ctx` is live; `data` holds two live values (the function,
    // borrowed, and a number), which the engine duplicates into the new
    // function; the result is a new reference (or an exception), taken
    // over by the `Value`. `post_message` upholds the engine's calling
    // convention for C functions with data.
    unsafe {
        let v = qjs::JS_NewCFunctionData2(
            ctx.as_raw().as_ptr(),
            Some(post_message),
            c"postMessage".as_ptr(),
            1,
            target as std::ffi::c_int,
            2,
            data.as_mut_ptr(),
        );
        if qjs::JS_IsException(v) {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), v))
    }
}

/// Throws a TypeError with `msg`.
///
/// # Safety
/// `c` is a live context.
pub(super) unsafe fn throw_type_error(
    c: *mut qjs::JSContext,
    msg: &std::ffi::CStr,
) -> qjs::JSValue {
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

/// `postMessage` of MessagePort, Worker and DedicatedWorkerGlobalScope
/// (see [`post_message_function`]).
///
/// # Safety
/// Called by the engine only, with `argc` valid arguments at `argv`, a
/// live `this` and the two data values [`post_message_function`] gave at
/// `data`, all borrowed for the call, in a context set up by [`install`].
unsafe extern "C" fn post_message(
    c: *mut qjs::JSContext,
    this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
    magic: std::ffi::c_int,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    let Some(target) = PostTarget::of(magic) else {
        // SAFETY: `c` is the live context of the call.
        return unsafe { throw_type_error(c, c"Illegal invocation") };
    };
    // Web IDL: the brand first, then the argument count.
    // SAFETY: `this` and the data are live for the call.
    let id = unsafe {
        match target {
            PostTarget::Port => port_id_raw(this),
            PostTarget::Worker => branded_id(this, &WORKER_CLASS),
            PostTarget::Scope => {
                let mut id = 0;
                qjs::JS_ToInt32(c, &mut id, *data.add(1));
                Some(id)
            }
        }
    };
    let Some(id) = id else {
        // SAFETY: `c` is the live context of the call.
        return unsafe { throw_type_error(c, target.brand_error()) };
    };
    if argc < 1 {
        // SAFETY: as above.
        return unsafe { throw_type_error(c, target.arity_error()) };
    }
    // SAFETY: the engine calls this with a live, non-null context that
    // `install` set up; `this`, the `argc` arguments at `argv` and the
    // data are live for the call, which is as long as the lent values
    // are used.
    unsafe {
        let ctx = Ctx::from_raw(NonNull::new_unchecked(c));
        let host = host_of(c);
        let this = Lent::new(&ctx, this);
        let message = Lent::new(&ctx, *argv);
        let transfer = (argc >= 2).then(|| Lent::new(&ctx, *argv.add(1)));
        let slow = Lent::new(&ctx, *data);
        let r = host.post_message(&ctx, this, id, message, transfer, slow);
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
            _: Lent<'_, 'js>,
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
