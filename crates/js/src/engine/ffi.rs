//! Small safe wrappers of single engine calls: classes and identities,
//! typed arrays and ArrayBuffers (and moving their bytes in and out of the
//! engine without a copy), the collector, the stack limit, new arrays and
//! objects. With the handles ([`super::handles`]) and the property helpers
//! ([`super::properties`]), re-exported here, this is the engine API the
//! rest of the crate uses.

pub(crate) use super::handles::{Borrowed, Lent, Owned, OwnedAtom};
pub(crate) use super::properties::{
    array_length, copy_array_length, copy_data_properties, copy_dense_elements,
    copy_listed_properties, define_data_property, define_data_property_atom, dense_length,
    has_own_property, own_property, KeyTable, OwnProperty, PropKey, INDEX_ATOM,
};
use msgport_clone::DataBlock;
use rquickjs::{qjs, ArrayBuffer, Ctx, Object, Value};

/// The engine's class id of an object (`JS_GetClassID`): which built-in
/// internal slots it has.
pub(crate) fn class_id(v: &Value<'_>) -> u32 {
    // SAFETY: `JS_GetClassID` only reads the tag and, for objects, the
    // class field of a live object that `v` keeps alive.
    unsafe { qjs::JS_GetClassID(v.as_raw()) }
}

/// The address of an object, as its identity for the structured-clone
/// memory map. Only meaningful while the object is kept alive (the caller
/// holds a reference for the whole walk).
pub(crate) fn object_address(o: &Object<'_>) -> usize {
    const _: () = assert!(
        std::mem::size_of::<qjs::JSValue>() == 16,
        "msgport-js needs the unboxed JSValue layout"
    );
    // SAFETY: reads the pointer field of an object-tagged value; on the
    // 64-bit targets msgport supports `JSValue` is a `{union, tag}` struct
    // (no NaN boxing: checked above).
    unsafe { o.as_raw().u.ptr as usize }
}

/// A copy of a typed array's bytes (empty if detached).
pub(crate) fn typed_array_bytes<T>(t: &rquickjs::TypedArray<'_, T>) -> Vec<u8> {
    // SAFETY: the slice is copied at once, before any JavaScript can run
    // again (and so before the buffer could be detached or resized).
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
/// is false; a detached buffer counts as out of bounds).
pub(crate) fn typed_array_in_bounds(ctx: &rquickjs::Ctx<'_>, v: &Value<'_>) -> bool {
    // SAFETY: `ctx` and `v` are live; `JS_GetTypedArrayBuffer` either
    // returns a new reference to the buffer, freed here, or raises an
    // exception, which is taken and freed here so that no pending
    // exception leaks into the caller.
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

/// Whether an ArrayBuffer is detached (its bytes are gone).
pub(crate) fn is_detached(ab: &ArrayBuffer<'_>) -> bool {
    ab.as_raw().is_none()
}

/// A JS string as Rust text, with each lone surrogate (which has no UTF-8
/// form) replaced by U+FFFD: WebIDL's conversion to USVString, which is
/// what the host's string parameters are (console text, names, URLs).
pub(crate) fn usv_string(s: &rquickjs::String<'_>) -> String {
    let ctx = s.ctx();
    let mut len: qjs::size_t = 0;
    // SAFETY: `ctx` and `s` are live; `JS_ToCStringLen2` returns a buffer
    // of `len` bytes the engine owns until `JS_FreeCString` (below), or
    // null when out of memory. Lone surrogates come out as their 3-byte
    // generalized UTF-8 form (ED A0..BF xx).
    unsafe {
        let p = qjs::JS_ToCStringLen2(ctx.as_raw().as_ptr(), &mut len, s.as_raw(), false);
        if p.is_null() {
            return String::new();
        }
        let bytes = std::slice::from_raw_parts(p.cast::<u8>(), len as usize);
        let out = wtf8_to_usv(bytes);
        qjs::JS_FreeCString(ctx.as_raw().as_ptr(), p);
        out
    }
}

/// Generalized UTF-8 (UTF-8 that may hold surrogate code points) to text,
/// each surrogate code point replaced by U+FFFD.
fn wtf8_to_usv(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == 0xED && bytes.get(i + 1).is_some_and(|b| (0xA0..=0xBF).contains(b)) {
                    out.extend_from_slice("\u{FFFD}".as_bytes());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
    }
}

/// A host function's string parameter, converted as WebIDL's USVString
/// (ToString, then lone surrogates to U+FFFD): it never fails on text a
/// script can make.
pub(crate) struct Usv(pub(crate) String);

impl<'js> rquickjs::FromJs<'js> for Usv {
    fn from_js(ctx: &Ctx<'js>, v: Value<'js>) -> rquickjs::Result<Self> {
        let s: rquickjs::Coerced<rquickjs::String<'js>> = rquickjs::FromJs::from_js(ctx, v)?;
        Ok(Usv(usv_string(&s.0)))
    }
}

/// What a value is as a Proxy: `None` if it is not one, `Some(None)` if it
/// is revoked, else its target. Runs no trap.
pub(crate) fn proxy_target<'js>(v: &Value<'js>) -> Option<Option<Value<'js>>> {
    // SAFETY: reads the class of a live value.
    if !unsafe { qjs::JS_IsProxy(v.as_raw()) } {
        return None;
    }
    let ctx = v.ctx();
    // SAFETY: `v` is a live proxy of `ctx`; the result is a new reference
    // (taken over by the `Value`) or, for a revoked proxy, an exception,
    // which is taken and freed here so that none stays pending.
    unsafe {
        let c = ctx.as_raw().as_ptr();
        let t = qjs::JS_GetProxyTarget(c, v.as_raw());
        if qjs::JS_IsException(t) {
            qjs::JS_FreeValue(c, qjs::JS_GetException(c));
            return Some(None);
        }
        Some(Some(Value::from_raw(ctx.clone(), t)))
    }
}

/// Holds off the cycle collector while it lives: for a structured clone,
/// whose every allocation stays reachable until it returns, so that a
/// collection in the middle could only scan, never free. The old threshold
/// comes back on drop; if the heap grew past it, the next allocation
/// collects, as it would have.
pub(crate) struct GcPause<'js> {
    ctx: Ctx<'js>,
    threshold: qjs::size_t,
}

impl<'js> GcPause<'js> {
    pub(crate) fn new(ctx: &Ctx<'js>) -> Self {
        gc_growth(ctx);
        // SAFETY: `ctx` is live; this reads and writes one field of its
        // runtime, which outlives `'js`.
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
        // SAFETY: as in `new` (the pause holds the context).
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
/// between tasks and around direct clones.
pub(crate) fn gc_growth(ctx: &Ctx<'_>) {
    // SAFETY: `ctx` is live; this reads and writes one field of its
    // runtime.
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

/// A new empty Array, as a raw new reference (the caller owns it: a
/// `Value` would also hold the context, per object of a clone).
pub(crate) fn new_array(ctx: &Ctx<'_>) -> rquickjs::Result<qjs::JSValue> {
    // SAFETY: `ctx` is live; `JS_NewArray` returns a new reference or an
    // exception, which `made` tells apart.
    made(unsafe { qjs::JS_NewArray(ctx.as_raw().as_ptr()) })
}

/// A new Array of `len` elements, each `undefined`, as a raw new
/// reference (the caller owns it): the copy of a dense Array, whose
/// elements `copy_dense_elements` replaces in place.
pub(crate) fn new_array_of_len(ctx: &Ctx<'_>, len: u32) -> rquickjs::Result<qjs::JSValue> {
    let n = std::ffi::c_int::try_from(len).map_err(|_| rquickjs::Error::Unknown)?;
    let values = vec![qjs::JS_UNDEFINED; len as usize];
    // SAFETY: `ctx` is live; `values` holds `n` values that own nothing
    // (`undefined`), which the engine copies into a new fast array; a new
    // reference or an exception, which `made` tells apart.
    made(unsafe { qjs::JS_NewArrayFrom(ctx.as_raw().as_ptr(), n, values.as_ptr()) })
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
/// it).
pub(crate) fn new_object(ctx: &Ctx<'_>) -> rquickjs::Result<qjs::JSValue> {
    // SAFETY: as in `new_array`.
    made(unsafe { qjs::JS_NewObject(ctx.as_raw().as_ptr()) })
}

fn made(v: qjs::JSValue) -> rquickjs::Result<qjs::JSValue> {
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(v) } {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(v)
    }
}

/// A full garbage collection, cycles included (`TestUtils.gc()`).
pub(crate) fn run_gc(ctx: &Ctx<'_>) {
    // SAFETY: `ctx` is live; QuickJS collects at any allocation, so a
    // collection during a native call is one it already allows (callers
    // hold no borrowed raw values across it: they hold `Value`s).
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
///
/// # Safety
/// Called by the engine only, with the `opaque` that
/// [`array_buffer_from_block`] gave it: a `Box<DataBlock>` that QuickJS
/// passes back until it releases the buffer, exactly once.
unsafe extern "C" fn block_realloc(
    _rt: *mut qjs::JSRuntime,
    opaque: *mut std::ffi::c_void,
    ptr: *mut std::ffi::c_void,
    size: qjs::size_t,
) -> *mut std::ffi::c_void {
    let boxed = opaque.cast::<DataBlock>();
    let _ = EXTERNAL.try_with(|m| m.borrow_mut().remove(&(ptr as usize)));
    if size == 0 {
        // SAFETY: the release: the box is freed once, here.
        drop(unsafe { Box::from_raw(boxed) });
        return std::ptr::null_mut();
    }
    // SAFETY: the box is live until released (above), and only the engine
    // holds its pointer; nothing else borrows the block meanwhile.
    let block = unsafe { &mut *boxed };
    let mut v = std::mem::take(block).into_vec();
    v.resize(size as usize, 0);
    *block = DataBlock::from(v);
    let new = block.as_mut_ptr();
    let _ = EXTERNAL.try_with(|m| m.borrow_mut().insert(new as usize, boxed));
    new.cast()
}

/// A new ArrayBuffer over `block`'s bytes, without copying them (small
/// fixed-length blocks excepted); `max` makes it resizable up to `max`
/// bytes (it grows through [`block_realloc`]).
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
    // SAFETY: the block is boxed, so its bytes stay put until QuickJS
    // releases or resizes the buffer through `block_realloc`, which gets
    // the box as its opaque; if the engine fails to make the buffer it
    // never took the box, which is dropped here. The new reference is
    // taken over by the `Value`.
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
/// and leaves `ab` as it was. Both paths detach through
/// `JS_DetachArrayBuffer`, which releases the memory exactly once through
/// the path that no longer owns it (an emptied box, or a skipped free).
pub(crate) fn take_array_buffer(ab: &ArrayBuffer<'_>) -> Option<DataBlock> {
    let raw = ab.as_raw()?;
    let (data, len) = (raw.as_ptr().cast::<u8>(), raw.len());
    if len < MOVE_MIN {
        return None;
    }
    let o = ab.as_object();
    // SAFETY: detaches a live ArrayBuffer of a live context.
    let detach = || unsafe { qjs::JS_DetachArrayBuffer(o.ctx().as_raw().as_ptr(), o.as_raw()) };
    let external = EXTERNAL.with(|m| m.borrow_mut().remove(&(data as usize)));
    if let Some(boxed) = external {
        // SAFETY: the map holds live boxes only (removed on release), and
        // nothing else borrows one.
        let block = std::mem::take(unsafe { &mut *boxed });
        detach();
        return Some(block);
    }
    crate::engine::alloc::steal(data, len, detach)
}

/// Compiles a classic script (sloppy mode, global code) without running
/// it (`JS_EVAL_FLAG_COMPILE_ONLY`), then runs it: HTML "create a classic
/// script" and "run a classic script" are two steps, and a worker whose
/// script does not parse is failed differently from one that throws
/// (HTML `#run-a-worker`). `Err` is the parse error (pending on the
/// context, as `Error::Exception`); `Ok(r)` is how the run went.
pub(crate) fn compile_and_run_script(
    ctx: &Ctx<'_>,
    source: &str,
    filename: &str,
) -> rquickjs::Result<rquickjs::Result<()>> {
    let name = std::ffi::CString::new(filename)?;
    // JS_Eval reads `len` bytes and needs a NUL after them.
    let mut src = Vec::with_capacity(source.len() + 1);
    src.extend_from_slice(source.as_bytes());
    src.push(0);
    // SAFETY: `ctx` is live; `src` holds `source.len()` bytes and a NUL
    // after them, and `name` is a C string; both outlive the call. With
    // COMPILE_ONLY the result is the compiled function (a new reference)
    // or an exception; no JavaScript runs.
    let compiled = made(unsafe {
        qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            src.as_ptr().cast(),
            source.len() as _,
            name.as_ptr(),
            (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32,
        )
    })?;
    // SAFETY: `compiled` is the function JS_Eval just made; JS_EvalFunction
    // takes (consumes) that reference and returns the script's completion
    // value (a new reference, freed here) or an exception. No borrowed
    // value is held across this call, which runs JavaScript.
    let completion = unsafe { qjs::JS_EvalFunction(ctx.as_raw().as_ptr(), compiled) };
    Ok(made(completion).map(|v| {
        // SAFETY: `v` is the completion value's own reference.
        unsafe { qjs::JS_FreeValue(ctx.as_raw().as_ptr(), v) }
    }))
}

/// Runs one pending job (a promise reaction) of this context's runtime,
/// from inside a native call: `Ok(true)` if one ran, `Ok(false)` if none
/// was pending, `Err` if it threw (the exception is pending on the
/// context; the runtime has this one context).
pub(crate) fn run_pending_job(ctx: &Ctx<'_>) -> rquickjs::Result<bool> {
    let mut job_ctx: *mut qjs::JSContext = std::ptr::null_mut();
    // SAFETY: `ctx` is live and its runtime outlives it; the job runs
    // JavaScript, and nothing borrowed from the engine is held across this
    // call. A job may run reentrantly from a native function: it is an
    // ordinary call of a JS function by the engine.
    let r = unsafe {
        qjs::JS_ExecutePendingJob(qjs::JS_GetRuntime(ctx.as_raw().as_ptr()), &mut job_ctx)
    };
    match r {
        0 => Ok(false),
        n if n > 0 => Ok(true),
        _ => Err(rquickjs::Error::Exception),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let rt = rquickjs::Runtime::new().unwrap();
        let ctx = rquickjs::Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            for (js, rust) in [
                ("'a\\uD800b'", "a\u{FFFD}b"),
                ("'\\uDC00'", "\u{FFFD}"),
                ("'\\uD83D\\uDE00 ok \\uDBFF'", "\u{1F600} ok \u{FFFD}"),
                ("'plain é'", "plain é"),
            ] {
                let s: rquickjs::String = ctx.eval(js).unwrap();
                assert_eq!(usv_string(&s), rust, "{js}");
                let u: Usv = ctx.eval(js).unwrap();
                assert_eq!(u.0, rust);
            }
            let n: Usv = ctx.eval("42").unwrap();
            assert_eq!(n.0, "42", "ToString");
        });
    }
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
