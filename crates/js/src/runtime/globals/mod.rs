//! The web globals of a context, one installer per interface: each sets
//! the native functions its prelude (`src/prelude/*.js`) calls on the
//! `host` object, then the preludes run and define the globals themselves.

#![forbid(unsafe_code)]

mod atomics;
mod broadcast;
pub(crate) mod console;
mod encoding;
mod messaging;
mod platform;
mod text;
mod timers;
mod url;
mod workers;

use crate::engine::classes::Classes;
use crate::runtime::host::Shared;
use crate::runtime::LoopState;
use rquickjs::{CatchResultExt, Ctx, Function, Object, Persistent, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Makes the `host` object and runs the preludes with it.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
    state: &Rc<RefCell<LoopState>>,
) -> rquickjs::Result<()> {
    let h = Object::new(ctx.clone())?;
    let internal = Object::new(ctx.clone())?;
    let group = host.borrow().signal.group().clone();
    timers::install(ctx, &h, state, &group)?;
    messaging::install(ctx, &h, host)?;
    broadcast::install(ctx, &h, host)?;
    atomics::install(ctx, &h, host)?;
    workers::install(ctx, &h, host)?;
    encoding::install(ctx, &h)?;
    text::install(ctx, &h)?;
    platform::install(ctx, &h, host)?;
    crate::runtime::commonjs::install(ctx, &h)?;
    let s = host.clone();
    internal.set(
        "baseURL",
        Function::new(ctx.clone(), move || s.borrow().base_url.clone())?,
    )?;
    let ls = state.clone();
    let s = host.clone();
    internal.set(
        "reportException",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, e: Value<'js>| {
            crate::runtime::report_exception(&ctx, &ls, &s, e);
        })?,
    )?;
    // A microtask checkpoint inside a task (HTML #clean-up-after-running-script):
    // after an event listener the runtime called returns, with no script
    // below it, the promise reactions it queued run before the next
    // listener (`prelude/events.js`). A job that throws is reported.
    let ls = state.clone();
    let s = host.clone();
    h.set(
        "checkpoint",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>| {
            while crate::engine::ffi::is_job_pending(&ctx) {
                match crate::engine::ffi::run_pending_job(&ctx) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        let e = Err::<(), _>(e).catch(&ctx).unwrap_err();
                        if s.borrow().signal.is_terminated() {
                            break;
                        }
                        let v = crate::runtime::describe(&ctx, &e);
                        crate::runtime::report_exception(&ctx, &ls, &s, v);
                    }
                }
            }
        })?,
    )?;
    if let Some((port, name, _)) = &host.borrow().worker {
        h.set("workerPort", *port)?;
        h.set("workerName", name.as_str())?;
    }
    if let Some(name) = &host.borrow().shared {
        h.set("sharedWorkerName", name.as_str())?;
    }
    internal.set(
        "DOMException",
        ctx.globals().get::<_, Value>("DOMException")?,
    )?;

    // The files whose frames stacks leave out (`prelude/errors.js`).
    // loadLazyPreludes(): runs LAZY_PRELUDES once, then hands their
    // interfaces' prototypes (`internal.lazyPlatformPrototypes`, set by
    // platform.js once they ran) to the clone.
    let hw = host.clone();
    h.set(
        "loadLazyPreludes",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>| -> rquickjs::Result<()> {
            let internal = crate::runtime::host::internal(&ctx, &hw)?;
            let h: Object = internal.get("host")?;
            run_preludes(&ctx, LAZY_PRELUDES, &h, &internal)
        })?,
    )?;
    let hw = host.clone();
    h.set(
        "addPlatformPrototypes",
        Function::new(ctx.clone(), move |protos: Vec<Object<'js>>| {
            if let Some(hooks) = hw.borrow().hooks.clone() {
                hooks.add_platform_protos(&protos);
            }
        })?,
    )?;
    internal.set("host", h.clone())?;
    let names: Vec<&str> = PRELUDES
        .iter()
        .chain(LAZY_PRELUDES)
        .map(|(name, _)| *name)
        .collect();
    h.set("preludeNames", names)?;
    crate::runtime::globals::console::install_print(ctx, &h, state)?;
    run_preludes(ctx, PRELUDES, &h, &internal)?;
    let samples: rquickjs::Array = internal.get::<_, Function>("cloneSamples")?.call(())?;
    {
        let mut st = host.borrow_mut();
        let mut classes = Classes::learn(&samples)?;
        // Port objects are ordinary objects of their own class: their
        // brand makes them a platform object to the clone.
        classes.add_ordinary(crate::engine::native::port_class());
        classes.add_ordinary(crate::engine::events::event_class());
        st.classes = Some(Rc::new(classes));
        st.hooks = Some(Rc::new(crate::engine::intrinsics::StoredHooks::new(
            ctx, &internal,
        )?));
        st.internal = Some(Persistent::save(ctx, internal));
    }
    Ok(())
}

/// The preludes that run when a context is set up, in this order.
const PRELUDES: &[(&str, &str)] = &[
    ("errors.js", include_str!("../../prelude/errors.js")),
    ("console.js", include_str!("../../prelude/console.js")),
    ("events.js", include_str!("../../prelude/events.js")),
    ("clone.js", include_str!("../../prelude/clone.js")),
    ("messaging.js", include_str!("../../prelude/messaging.js")),
    ("scope.js", include_str!("../../prelude/scope.js")),
    ("web.js", include_str!("../../prelude/web.js")),
    ("fetch.js", include_str!("../../prelude/fetch.js")),
    ("platform.js", include_str!("../../prelude/platform.js")),
    ("atomics.js", include_str!("../../prelude/atomics.js")),
    ("commonjs.js", include_str!("../../prelude/commonjs.js")),
];

/// The preludes that run when a script first needs them (streams:
/// `internal.loadStreams` in `prelude/platform.js`), in this order.
/// Parsing them was a fifth of a context's start.
const LAZY_PRELUDES: &[(&str, &str)] = &[
    (
        "streams-readable.js",
        include_str!("../../prelude/streams-readable.js"),
    ),
    (
        "streams-writable.js",
        include_str!("../../prelude/streams-writable.js"),
    ),
    (
        "streams-transform.js",
        include_str!("../../prelude/streams-transform.js"),
    ),
];

/// Runs `list` with the `host` object and `internal`, each through its
/// process-wide bytecode.
fn run_preludes<'js>(
    ctx: &Ctx<'js>,
    list: &[(&'static str, &'static str)],
    h: &Object<'js>,
    internal: &Object<'js>,
) -> rquickjs::Result<()> {
    for (name, src) in list {
        // (Compiled once per process; later contexts read the bytecode.)
        let f: Function = crate::engine::bytecode::run_prelude(
            ctx,
            name,
            &format!("msgport:prelude/{name}"),
            src,
        )
        .inspect_err(|_| eprintln!("msgport: prelude {name} failed to compile"))?
        .into_function()
        .ok_or(rquickjs::Error::Unknown)?;
        f.call::<_, ()>((h.clone(), internal.clone()))?;
    }
    Ok(())
}
