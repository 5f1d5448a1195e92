//! SharedArrayBuffers whose memory several runtimes (a window and its
//! workers, each a QuickJS runtime on its own thread) share: QuickJS
//! allocates every SharedArrayBuffer's memory through the hooks installed
//! here, as a [`SharedBlock`] (counted, freed by its last holder), so the
//! structured clone can hand the same memory to another runtime
//! (HTML `#structuredserializeinternal`, the SharedArrayBuffer steps).
//!
//! Soundness rests on one fact: in a runtime registered here, every
//! SharedArrayBuffer's data pointer is a block's ([`SharedBlock::into_raw`]),
//! because the hooks are installed before the runtime's first script runs
//! and QuickJS makes SharedArrayBuffers only through them, or through
//! [`new_shared_array_buffer`], which passes a block's pointer (QuickJS
//! then takes a reference with `sab_dup`). [`block_of`] and
//! [`new_shared_array_buffer`] refuse runtimes that are not registered,
//! and objects of any other class.

use msgport_clone::{SharedArrayBuffer, SharedBlock};
use rquickjs::{qjs, Ctx, Value};
use std::cell::RefCell;
use std::ffi::c_void;
use std::num::NonZeroU64;
use std::ptr::NonNull;

thread_local! {
    /// The runtimes of this thread whose SharedArrayBuffers are blocks,
    /// with the engine's class id of SharedArrayBuffer. An entry goes when
    /// its [`Registered`] guard drops (at the latest when the runtime does).
    static RUNTIMES: RefCell<Vec<(usize, u32)>> = const { RefCell::new(Vec::new()) };
}

/// `sab_alloc`: a new zeroed block of the runtime's agent cluster.
unsafe extern "C" fn sab_alloc(opaque: *mut c_void, size: qjs::size_t) -> *mut c_void {
    // `opaque` is the cluster id, stored as an address by `install`.
    let made = NonZeroU64::new(opaque as u64)
        .zip(usize::try_from(size).ok())
        .and_then(|(c, size)| SharedBlock::new_in(size, c));
    made.map_or(std::ptr::null_mut(), |b| b.into_raw().as_ptr().cast())
}

/// `sab_free`: QuickJS gives back its reference.
unsafe extern "C" fn sab_free(_opaque: *mut c_void, ptr: *mut c_void) {
    if let Some(p) = NonNull::new(ptr.cast::<u8>()) {
        // SAFETY: QuickJS frees only data pointers it got from `sab_alloc`
        // or took a reference to with `sab_dup` (see the module doc), once
        // per reference.
        drop(unsafe { SharedBlock::from_raw(p) });
    }
}

/// `sab_dup`: QuickJS takes a reference (a SharedArrayBuffer object made
/// over memory it was given).
unsafe extern "C" fn sab_dup(_opaque: *mut c_void, ptr: *mut c_void) {
    if let Some(p) = NonNull::new(ptr.cast::<u8>()) {
        // SAFETY: only [`new_shared_array_buffer`] gives QuickJS memory
        // for a SharedArrayBuffer: a block's data, kept alive by the
        // caller's `SharedArrayBuffer` for the whole call.
        let taken = unsafe { SharedBlock::clone_raw(p) };
        // Kept until `sab_free` takes it back.
        let _ = taken.into_raw();
    }
}

/// While alive, the runtime it was made for is registered (see [`install`]).
pub(crate) struct Registered {
    rt: usize,
}

impl Drop for Registered {
    fn drop(&mut self) {
        // (A thread-local already gone: the thread ends, nothing to forget.)
        let _ = RUNTIMES.try_with(|r| r.borrow_mut().retain(|(rt, _)| *rt != self.rt));
    }
}

/// Makes `ctx`'s runtime allocate every SharedArrayBuffer as a block of
/// the agent cluster `cluster`. Call before any script runs in the runtime.
pub(crate) fn install(ctx: &Ctx<'_>, cluster: NonZeroU64) -> rquickjs::Result<Registered> {
    let c = ctx.as_raw().as_ptr();
    let funcs = qjs::JSSharedArrayBufferFunctions {
        sab_alloc: Some(sab_alloc),
        sab_free: Some(sab_free),
        sab_dup: Some(sab_dup),
        sab_opaque: cluster.get() as usize as *mut c_void,
    };
    // SAFETY: `ctx` is live; QuickJS copies the table. The functions never
    // unwind (no panic path: allocation failure returns null).
    let rt = unsafe {
        let rt = qjs::JS_GetRuntime(c);
        qjs::JS_SetSharedArrayBufferFunctions(rt, &funcs);
        // Every context may block in Atomics.wait (runtime/atomics: msgport's
        // own waiter lists; the engine's `wait` is reached only for the
        // arguments the prelude leaves to it to reject, and this keeps its
        // errors those of the arguments, not "cannot block").
        qjs::JS_SetCanBlock(rt, true);
        rt as usize
    };
    // The class id, learnt from a SharedArrayBuffer made over a block.
    let sample = SharedBlock::new_in(0, cluster).ok_or(rquickjs::Error::Allocation)?;
    // SAFETY: the hooks are installed (so QuickJS takes its own reference
    // with `sab_dup`); the block outlives the call.
    let made = unsafe {
        qjs::JS_NewArrayBuffer(c, sample.as_ptr(), 0, 0, None, std::ptr::null_mut(), true)
    };
    let class = super::ffi::class_id(&owned(ctx, made)?);
    RUNTIMES.with(|r| r.borrow_mut().push((rt, class)));
    Ok(Registered { rt })
}

/// The engine's class id of SharedArrayBuffer in `ctx`'s runtime, if the
/// runtime is registered.
fn sab_class(ctx: &Ctx<'_>) -> Option<u32> {
    // SAFETY: reads the runtime pointer of a live context.
    let rt = unsafe { qjs::JS_GetRuntime(ctx.as_raw().as_ptr()) } as usize;
    RUNTIMES.with(|r| r.borrow().iter().find(|(x, _)| *x == rt).map(|(_, c)| *c))
}

/// The memory and length of `v`, a SharedArrayBuffer of `ctx`'s runtime;
/// `None` for anything else, or in a runtime whose hooks are not ours.
pub(crate) fn block_of(ctx: &Ctx<'_>, v: &Value<'_>) -> Option<(SharedBlock, usize)> {
    let class = sab_class(ctx)?;
    if super::ffi::class_id(v) != class {
        return None;
    }
    let mut len: qjs::size_t = 0;
    // SAFETY: `v` is a live SharedArrayBuffer (checked class), which
    // cannot be detached, so this raises nothing.
    let data = unsafe { qjs::JS_GetArrayBuffer(ctx.as_raw().as_ptr(), &mut len, v.as_raw()) };
    let data = NonNull::new(data)?;
    // SAFETY: in a registered runtime a SharedArrayBuffer's data is a
    // block's (module doc), and `v` holds a reference to it.
    Some((unsafe { SharedBlock::clone_raw(data) }, len as usize))
}

/// What `Atomics.wait` and `notify` need of an Int32Array or BigInt64Array
/// over a SharedArrayBuffer of this runtime, read natively: whether it is
/// the 64-bit kind, its memory, its byte offset and its length in
/// elements. `None` for anything else (an out-of-bounds view included),
/// which the general path then checks as the standard says.
pub(crate) fn waitable_view(
    ctx: &Ctx<'_>,
    v: &Value<'_>,
) -> Option<(bool, SharedBlock, usize, usize)> {
    // SAFETY: reads the class (and for a typed array its kind) of a live value.
    let kind = unsafe { qjs::JS_GetTypedArrayType(v.as_raw()) };
    let big = match u32::try_from(kind).ok()? {
        qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_INT32 => false,
        qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_BIG_INT64 => true,
        _ => return None,
    };
    let c = ctx.as_raw().as_ptr();
    let (mut offset, mut length, mut size): (qjs::size_t, qjs::size_t, qjs::size_t) = (0, 0, 0);
    // SAFETY: `v` is a live typed array; the call runs no JavaScript and
    // returns a new reference to its buffer, or raises (a view out of
    // bounds), and then the exception is taken and freed here.
    let buffer =
        unsafe { qjs::JS_GetTypedArrayBuffer(c, v.as_raw(), &mut offset, &mut length, &mut size) };
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(buffer) } {
        // SAFETY: the pending exception of a live context, freed at once.
        unsafe { qjs::JS_FreeValue(c, qjs::JS_GetException(c)) };
        return None;
    }
    let buffer = owned(ctx, buffer).ok()?;
    let (block, _) = block_of(ctx, &buffer)?;
    let size = (size as usize).max(1);
    Some((big, block, offset as usize, length as usize / size))
}

/// A new SharedArrayBuffer object over `sab`'s memory (not a copy), with
/// its length and maximum. A growable buffer of maximum 0 is made fixed
/// (QuickJS reads a maximum of 0 as none).
pub(crate) fn new_shared_array_buffer<'js>(
    ctx: &Ctx<'js>,
    sab: &SharedArrayBuffer,
) -> rquickjs::Result<Value<'js>> {
    if sab_class(ctx).is_none() {
        return Err(rquickjs::Error::new_from_js_message(
            "SharedArrayBuffer",
            "SharedArrayBuffer",
            "this runtime cannot share memory",
        ));
    }
    if !sab.is_consistent() || sab.block.len() > i32::MAX as usize {
        return Err(rquickjs::Error::new_from_js_message(
            "SharedArrayBuffer",
            "SharedArrayBuffer",
            "a SharedArrayBuffer longer than its memory",
        ));
    }
    // SAFETY: the runtime's hooks are ours (checked), so QuickJS takes a
    // reference with `sab_dup` during the call, while `sab` keeps the
    // block alive; the lengths are within the block (checked), so no
    // view over the buffer can reach past it.
    let made = unsafe {
        qjs::JS_NewArrayBuffer(
            ctx.as_raw().as_ptr(),
            sab.block.as_ptr(),
            sab.byte_length as qjs::size_t,
            sab.max_byte_length.unwrap_or(0) as qjs::size_t,
            None,
            std::ptr::null_mut(),
            true,
        )
    };
    owned(ctx, made)
}

/// A new reference returned by the engine, as a `Value` that owns it.
fn owned<'js>(ctx: &Ctx<'js>, v: qjs::JSValue) -> rquickjs::Result<Value<'js>> {
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(v) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: `v` is a new reference of `ctx`'s, taken over by the `Value`.
    Ok(unsafe { Value::from_raw(ctx.clone(), v) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    fn cluster(n: u64) -> NonZeroU64 {
        NonZeroU64::new(n).unwrap()
    }

    #[test]
    fn a_runtime_without_the_hooks_is_refused_both_ways() {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let v: Value = ctx.eval("new SharedArrayBuffer(8)").unwrap();
            assert!(block_of(&ctx, &v).is_none(), "its memory is not a block");
            let sab = SharedArrayBuffer::new(SharedBlock::new(8).unwrap());
            assert!(new_shared_array_buffer(&ctx, &sab).is_err());
        });
    }

    #[test]
    fn a_registered_runtime_shares_blocks_until_its_guard_goes() {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let guard = install(&ctx, cluster(3)).unwrap();
            let v: Value = ctx
                .eval("globalThis.s = new SharedArrayBuffer(8, {maxByteLength: 16}); new Uint8Array(s)[1] = 4; s")
                .unwrap();
            let (block, len) = block_of(&ctx, &v).expect("a block");
            assert_eq!((len, block.len(), block.cluster()), (8, 16, Some(cluster(3))));
            assert_eq!(block.to_vec()[1], 4);
            let ab: Value = ctx.eval("new ArrayBuffer(8)").unwrap();
            assert!(block_of(&ctx, &ab).is_none(), "an ArrayBuffer is no block");
            // The same memory under a second object.
            let sab = SharedArrayBuffer {
                block: block.clone(),
                byte_length: 4,
                max_byte_length: Some(16),
            };
            let again = new_shared_array_buffer(&ctx, &sab).unwrap();
            ctx.globals().set("t", again).unwrap();
            let seen: i32 = ctx
                .eval("new Uint8Array(t)[1] = 6; [t.byteLength, t.maxByteLength, new Uint8Array(s)[1]].join() === '4,16,6' ? 1 : 0")
                .unwrap();
            assert_eq!(seen, 1);
            // Lengths beyond the memory are refused, not mapped.
            let long = SharedArrayBuffer { block, byte_length: 17, max_byte_length: None };
            assert!(new_shared_array_buffer(&ctx, &long).is_err());
            drop(guard);
            assert!(block_of(&ctx, &v).is_none(), "no longer registered");
        });
    }
}
