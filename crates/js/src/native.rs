//! The hot path of messaging as engine-level natives: MessagePort objects
//! with a native brand, and `MessagePort.prototype.postMessage` as a C
//! function (no JavaScript wrapper, no argument conversion layer). The
//! rules stay where they were: [`crate::host`] decides what a post does;
//! this module only gets the call there and back.
//!
//! A MessagePort object is an object of msgport's own engine class whose
//! opaque word is its port id (HTML `#message-ports`: the platform object
//! and the port it represents). So the brand check and the id cost one
//! load, where the JavaScript side needed a WeakMap lookup.
//!
//! The context's opaque pointer is this context's [`crate::host::Shared`]
//! state ([`HostLink`]), which is how a C function finds it.

use crate::host::{HostState, Shared};
use rquickjs::{qjs, Ctx, Object, Value};
use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The engine class of MessagePort objects (one id for the process; each
/// runtime registers it once).
static PORT_CLASS: AtomicU32 = AtomicU32::new(0);

/// Opaque word of a port object whose port was shipped.
const SHIPPED: usize = 1;

/// Keeps the host state alive for the context's opaque pointer; released
/// after the context (it is the last field of the runtime).
pub(crate) struct HostLink(*const RefCell<HostState>);

impl Drop for HostLink {
    fn drop(&mut self) {
        // Sound: made by `Rc::into_raw` in `install`, released once.
        unsafe { drop(Rc::from_raw(self.0)) }
    }
}

/// Registers the port class in this runtime and points the context at
/// `host`. Sound: `JS_NewClassID` hands out a process-wide id once (the
/// static is set on first use; a race would only waste an id, as every
/// thread then reads the one stored), and `JS_NewClass` registers it once
/// per runtime. The class has no finalizer: its opaque word is a number.
pub(crate) fn install(ctx: &Ctx<'_>, host: &Shared) -> HostLink {
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let rt = qjs::JS_GetRuntime(c);
        let mut id = PORT_CLASS.load(Ordering::Acquire);
        if id == 0 {
            qjs::JS_NewClassID(rt, &mut id);
            id = match PORT_CLASS.compare_exchange(0, id, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => id,
                Err(stored) => stored,
            };
        }
        if !qjs::JS_IsRegisteredClass(rt, id) {
            let def = qjs::JSClassDef {
                class_name: c"MessagePort".as_ptr(),
                finalizer: None,
                gc_mark: None,
                call: None,
                exotic: std::ptr::null_mut(),
            };
            qjs::JS_NewClass(rt, id, &def);
        }
        let raw = Rc::into_raw(host.clone());
        qjs::JS_SetContextOpaque(c, raw as *mut _);
        HostLink(raw)
    }
}

/// The engine class of MessagePort objects (registered by [`install`]).
pub(crate) fn port_class() -> u32 {
    PORT_CLASS.load(Ordering::Acquire)
}

/// A new MessagePort object for the native port `id`, with prototype
/// `proto`. Sound: `JS_NewObjectProtoClass` returns a new reference (or
/// an exception), taken over by the `Value`.
pub(crate) fn new_port_object<'js>(
    ctx: &Ctx<'js>,
    proto: &Object<'js>,
    id: u32,
) -> rquickjs::Result<Object<'js>> {
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
pub(crate) fn port_id(v: qjs::JSValue) -> Option<i32> {
    match unsafe { qjs::JS_GetOpaque(v, PORT_CLASS.load(Ordering::Relaxed)) } as usize {
        0 => None,
        SHIPPED => Some(-1),
        w => Some((w - 2) as i32),
    }
}

/// Marks a MessagePort object as shipped (its port moved away).
pub(crate) fn set_port_shipped(o: &Object<'_>) {
    if port_id(o.as_raw()).is_some() {
        // Sound: the object is of the port class (checked above).
        unsafe { qjs::JS_SetOpaque(o.as_raw(), SHIPPED as *mut _) };
    }
}

/// `MessagePort.prototype.postMessage` (HTML `#dom-messageport-postmessage`),
/// a C function of length 1.
pub(crate) fn post_message_function<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Value<'js>> {
    unsafe {
        let f = qjs::JS_NewCFunction2(
            ctx.as_raw().as_ptr(),
            Some(post_message),
            c"postMessage".as_ptr(),
            1,
            qjs::JSCFunctionEnum_JS_CFUNC_generic,
            0,
        );
        if qjs::JS_IsException(f) {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), f))
    }
}

/// Throws a TypeError with `msg`. Sound: `%s` with a NUL-terminated string.
unsafe fn throw_type_error(c: *mut qjs::JSContext, msg: &std::ffi::CStr) -> qjs::JSValue {
    qjs::JS_ThrowTypeError(c, c"%s".as_ptr(), msg.as_ptr())
}

/// The engine's result for a Rust result: `undefined`, or the pending
/// exception (any other error becomes an InternalError).
unsafe fn result(c: *mut qjs::JSContext, r: rquickjs::Result<()>) -> qjs::JSValue {
    match r {
        Ok(()) => qjs::JS_UNDEFINED,
        Err(rquickjs::Error::Exception) => qjs::JS_EXCEPTION,
        Err(e) => {
            let msg = std::ffi::CString::new(e.to_string()).unwrap_or_default();
            qjs::JS_ThrowInternalError(c, c"%s".as_ptr(), msg.as_ptr())
        }
    }
}

/// The host state of the context `c` (set by [`install`]). Sound: the
/// pointer is an `Rc` kept by the runtime's [`HostLink`] for longer than
/// the context; the `ManuallyDrop` borrows it without touching the count.
unsafe fn host_of(c: *mut qjs::JSContext) -> std::mem::ManuallyDrop<Shared> {
    std::mem::ManuallyDrop::new(Rc::from_raw(
        qjs::JS_GetContextOpaque(c) as *const RefCell<HostState>
    ))
}

/// Sound: the engine calls it with `argc` valid arguments at `argv` and a
/// live `this`, all borrowed for the call.
unsafe extern "C" fn post_message(
    c: *mut qjs::JSContext,
    this: qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // Web IDL: the brand first, then the argument count.
    let Some(id) = port_id(this) else {
        return throw_type_error(c, c"Illegal invocation: not a MessagePort");
    };
    if argc < 1 {
        return throw_type_error(
            c,
            c"Failed to execute 'postMessage' on 'MessagePort': 1 argument required, but only 0 present.",
        );
    }
    let ctx = Ctx::from_raw(NonNull::new_unchecked(c));
    let host = host_of(c);
    let transfer = if argc >= 2 {
        Some(*argv.add(1))
    } else {
        None
    };
    let r = crate::host::port_post_message(&ctx, &host, this, id, *argv, transfer);
    result(c, r)
}
