//! The native half of `console` (WHATWG Console Standard): where its lines
//! go. Formatting lives in `prelude/console.js`, which also gives the host
//! its inspector for uncaught values that are not Errors.
#![forbid(unsafe_code)]

use crate::engine::ffi::Usv;
use crate::runtime::LoopState;
use rquickjs::{Ctx, Function, Object, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Shows a value as `console.log` would (`{ a: 1 }`, `[ 1, 'a' ]`), through
/// the prelude's inspector; `String(v)` if it is not there (yet).
pub(crate) fn format_value<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> String {
    let inspect: Option<Function<'js>> = ctx
        .eval::<Value, _>("Symbol.for('msgport.inspect')")
        .ok()
        .and_then(|sym| ctx.globals().get::<_, Function>(sym).ok());
    if let Some(s) = inspect.and_then(|f| f.call::<_, String>((v.clone(),)).ok()) {
        return s;
    }
    let string: Option<Function<'js>> = ctx.globals().get("String").ok();
    string
        .and_then(|f| f.call::<_, String>((v.clone(),)).ok())
        .unwrap_or_else(|| "?".into())
}

/// `host.print(toStderr, text)`: one line to the context's stdout or stderr.
pub(crate) fn install_print<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Rc<RefCell<LoopState>>,
) -> rquickjs::Result<()> {
    // The target of a Proxy (without running its traps), `null` if it is
    // revoked, `undefined` if the value is not a Proxy: the inspector
    // shows a proxy as its target, as Node does.
    host.set(
        "proxyTarget",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, v: Value<'js>| -> Value<'js> {
            match crate::engine::ffi::proxy_target(&v) {
                None => Value::new_undefined(ctx),
                Some(None) => Value::new_null(ctx),
                Some(Some(target)) => target,
            }
        })?,
    )?;
    let st = state.clone();
    host.set(
        "print",
        Function::new(ctx.clone(), move |to_stderr: bool, Usv(text): Usv| {
            st.borrow().out.line(to_stderr, &text);
        })?,
    )
}
