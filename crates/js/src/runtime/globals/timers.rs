//! Timers and microtasks (HTML `#timers`, `#microtask-queuing`), and the
//! other globals the event loop itself provides.

#![forbid(unsafe_code)]

use crate::runtime::{LoopState, Timer};
use rquickjs::context::EvalOptions;
use rquickjs::function::{Opt, Rest};
use rquickjs::Object;
use rquickjs::{Ctx, Function, Persistent, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// WebIDL `long` (`#abstract-opdef-converttoint`): a number (already
/// ToNumber'd) truncated and wrapped into 32 bits; NaN and ±∞ are 0.
fn idl_long(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    let m = x.trunc().rem_euclid(4294967296.0);
    (if m >= 2147483648.0 {
        m - 4294967296.0
    } else {
        m
    }) as i32
}

/// `setTimeout`'s delay (HTML `#timers`): `long timeout = 0`, and a
/// negative one is 0. So a delay past 2^31−1 ms wraps, as in browsers.
fn delay_of(ms: Option<f64>) -> Duration {
    let ms = idl_long(ms.unwrap_or(0.0)).max(0);
    Duration::from_millis(ms as u64)
}

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    h: &Object<'js>,
    state: &Rc<RefCell<LoopState>>,
    group: &std::sync::Arc<crate::runtime::signal::Group>,
) -> rquickjs::Result<()> {
    let g = ctx.globals();
    for (name, repeat) in [("setTimeout", false), ("setInterval", true)] {
        let st = state.clone();
        g.set(
            name,
            Function::new(
                ctx.clone(),
                move |ctx: Ctx<'js>,
                      handler: Value<'js>,
                      ms: Opt<Value<'js>>,
                      args: Rest<Value<'js>>|
                      -> rquickjs::Result<u64> {
                    // HTML #timer-initialisation-steps: a handler that is not
                    // a function is a string of script, run at global scope.
                    let f = match handler.as_function() {
                        Some(f) => f.clone(),
                        None => {
                            let code: rquickjs::Coerced<String> = handler.get()?;
                            let code = code.0;
                            Function::new(ctx.clone(), move |ctx: Ctx<'js>| {
                                let mut opts = EvalOptions::default();
                                opts.strict = false;
                                ctx.eval_with_options::<(), _>(code.clone(), opts)
                            })?
                        }
                    };
                    // WebIDL converts the handler (above), then the timeout.
                    let ms = match ms.0 {
                        Some(v) => Some(v.get::<rquickjs::convert::Coerced<f64>>()?.0),
                        None => None,
                    };
                    let d = delay_of(ms);
                    let timer = Timer {
                        func: Persistent::save(&ctx, f),
                        args: args
                            .0
                            .into_iter()
                            .map(|a| Persistent::save(&ctx, a))
                            .collect(),
                        repeat: repeat.then_some(d),
                        keep_alive: true,
                    };
                    Ok(st.borrow_mut().timers.add(timer, d))
                },
            )?,
        )?;
    }
    for name in ["clearTimeout", "clearInterval"] {
        let st = state.clone();
        g.set(
            name,
            Function::new(
                ctx.clone(),
                move |id: Opt<rquickjs::convert::Coerced<f64>>| {
                    // `long id = 0`: converted as WebIDL does; ids start at 1.
                    let id = idl_long(id.0.map_or(0.0, |v| v.0));
                    if id >= 1 {
                        st.borrow_mut().timers.clear(id as u64);
                    }
                },
            )?,
        )?;
    }
    // A timer that does not keep the run alive (`AbortSignal.timeout`'s).
    let st = state.clone();
    let page_like = group.clone();
    h.set(
        "setTimerUnkept",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, f: Function<'js>, ms: f64| -> u64 {
                let d = delay_of(Some(ms));
                let timer = Timer {
                    func: Persistent::save(&ctx, f),
                    args: Vec::new(),
                    repeat: None,
                    keep_alive: page_like
                        .page_like_timers
                        .load(std::sync::atomic::Ordering::Relaxed),
                };
                st.borrow_mut().timers.add(timer, d)
            },
        )?,
    )?;
    // queueMicrotask(cb): a microtask through the engine's own job queue.
    ctx.eval::<(), _>(
        r#"Object.defineProperty(globalThis, "queueMicrotask", {
            value: function queueMicrotask(callback) {
                if (typeof callback !== "function") throw new TypeError("queueMicrotask: argument is not a function");
                Promise.resolve().then(() => callback());
            }, writable: true, configurable: true, enumerable: true });"#,
    )?;
    Ok(())
}
