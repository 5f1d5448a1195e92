//! The preludes as bytecode: each script of `src/prelude` is written out
//! with `JS_WriteObject` by the second context of the process that
//! compiles it, and every later context (each worker's) reads that
//! bytecode back instead of parsing the text again. Parsing the preludes
//! was most of what a new context cost. (The first context only compiles:
//! a run with no workers does not pay for the writing.)
//!
//! The bytes are QuickJS's own serialization of a compiled script, made
//! by this process from this crate's constant sources: they are trusted
//! input, as `JS_READ_OBJ_BYTECODE` requires (nothing from a script or
//! from outside the process is ever read as bytecode). Debug information
//! and source text are kept, so stacks name `msgport:prelude/…` files
//! (which `prelude/errors.js` leaves out) and functions print as before.

use rquickjs::{qjs, Ctx, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The preludes compiled so far, by file name: `None` once compiled,
/// their bytecode once compiled twice.
type Cache = Mutex<HashMap<&'static str, Option<Arc<[u8]>>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Runs the prelude script `source` (strict mode), named `filename`, and
/// returns its completion value (a prelude is one function expression):
/// from the process's bytecode of it if there is some (under `key`), else
/// compiled now (and its bytecode kept for the next context).
pub(crate) fn run_prelude<'js>(
    ctx: &Ctx<'js>,
    key: &'static str,
    filename: &str,
    source: &str,
) -> rquickjs::Result<Value<'js>> {
    let c = ctx.as_raw().as_ptr();
    let known = cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned();
    let compiled = match known.clone().flatten() {
        // SAFETY: `c` is live; `bytes` is bytecode this process wrote
        // with JS_WriteObject from one of its own constant scripts
        // (trusted, as JS_READ_OBJ_BYTECODE requires) and outlives the
        // call, which copies what it keeps. The result is a new reference
        // (the compiled script) or an exception.
        Some(bytes) => unsafe {
            qjs::JS_ReadObject(
                c,
                bytes.as_ptr(),
                bytes.len() as _,
                qjs::JS_READ_OBJ_BYTECODE as i32,
            )
        },
        None => {
            let compiled = compile(ctx, filename, source)?;
            let bytes = if known.is_some() {
                write(ctx, compiled)
            } else {
                None
            };
            let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
            let entry = cache.entry(key).or_insert(None);
            if entry.is_none() {
                *entry = bytes;
            }
            compiled
        }
    };
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(compiled) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: `compiled` is a compiled script this function owns;
    // JS_EvalFunction consumes that reference and returns the completion
    // value (a new reference, handed to the `Value`) or an exception. No
    // borrowed value is held across this call, which runs JavaScript.
    let v = unsafe { qjs::JS_EvalFunction(c, compiled) };
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(v) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: `v` is a new reference of this context, handed over.
    Ok(unsafe { Value::from_raw(ctx.clone(), v) })
}

/// `source` compiled as a strict-mode global script (a new reference), or
/// the pending exception.
fn compile(ctx: &Ctx<'_>, filename: &str, source: &str) -> rquickjs::Result<qjs::JSValue> {
    let name = std::ffi::CString::new(filename)?;
    // JS_Eval reads `len` bytes and needs a NUL after them.
    let mut src = Vec::with_capacity(source.len() + 1);
    src.extend_from_slice(source.as_bytes());
    src.push(0);
    // SAFETY: `ctx` is live; `src` holds `source.len()` bytes and a NUL
    // after them, and `name` is a C string; both outlive the call. With
    // COMPILE_ONLY the result is the compiled script (a new reference) or
    // an exception; no JavaScript runs.
    let v = unsafe {
        qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            src.as_ptr().cast(),
            source.len() as _,
            name.as_ptr(),
            (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_STRICT | qjs::JS_EVAL_FLAG_COMPILE_ONLY)
                as i32,
        )
    };
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(v) } {
        return Err(rquickjs::Error::Exception);
    }
    Ok(v)
}

/// The bytecode of the compiled script `compiled` (borrowed), or `None`
/// if the engine could not write it (out of memory: the next context then
/// compiles again).
fn write(ctx: &Ctx<'_>, compiled: qjs::JSValue) -> Option<Arc<[u8]>> {
    let c = ctx.as_raw().as_ptr();
    let mut len: qjs::size_t = 0;
    // SAFETY: `c` is live and `compiled` a live compiled script it only
    // reads; the result is a buffer of `len` bytes the engine allocated
    // for us (null on failure, with an exception pending, cleared below).
    let buf =
        unsafe { qjs::JS_WriteObject(c, &mut len, compiled, qjs::JS_WRITE_OBJ_BYTECODE as i32) };
    if buf.is_null() {
        // SAFETY: `c` is live; the pending exception is taken and freed.
        unsafe { qjs::JS_FreeValue(c, qjs::JS_GetException(c)) };
        return None;
    }
    // SAFETY: `buf` holds `len` initialized bytes (JS_WriteObject's
    // output), copied before it is freed with the context's allocator,
    // which made it.
    let bytes: Arc<[u8]> = unsafe {
        let b = Arc::from(std::slice::from_raw_parts(buf, len as usize));
        qjs::js_free(c, buf.cast());
        b
    };
    Some(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prelude_read_from_bytecode_behaves_as_the_compiled_one() {
        const SRC: &str = "(function (x) { function inner() { return new Error('e').stack; } return [x * 2, inner.toString(), inner()]; })";
        let run = || {
            let rt = rquickjs::Runtime::new().unwrap();
            let ctx = rquickjs::Context::full(&rt).unwrap();
            ctx.with(|ctx| {
                let f = super::run_prelude(
                    &ctx,
                    "test-bytecode.js",
                    "msgport:prelude/test-bytecode.js",
                    SRC,
                )
                .unwrap()
                .into_function()
                .unwrap();
                let out: Vec<rquickjs::Value> = f.call((21,)).unwrap();
                let n: i32 = out[0].get().unwrap();
                let text: String = out[1].get().unwrap();
                let stack: String = out[2].get().unwrap();
                (n, text, stack)
            })
        };
        let first = run();
        let cached = || {
            super::cache()
                .lock()
                .unwrap()
                .get("test-bytecode.js")
                .cloned()
        };
        assert_eq!(cached(), Some(None), "the first context only compiles");
        let second = run();
        assert!(
            matches!(cached(), Some(Some(_))),
            "the second one writes the bytecode"
        );
        let third = run();
        assert_eq!(second, third, "read from bytecode");
        assert_eq!(first.0, 42);
        assert_eq!(
            first, second,
            "read from bytecode: same result, source text and stack"
        );
        assert!(
            first.1.contains("new Error('e')"),
            "source text kept: {}",
            first.1
        );
        assert!(
            first.2.contains("msgport:prelude/test-bytecode.js"),
            "debug info kept: {}",
            first.2
        );
    }
}
