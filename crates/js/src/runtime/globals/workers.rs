//! The host functions of Worker and SharedWorker (HTML `#workers`):
//! starting, terminating and closing workers, `importScripts`.

#![forbid(unsafe_code)]

use crate::engine::ffi::Usv;
use crate::runtime::host::Shared;
use crate::runtime::messaging::id_pair;
use crate::runtime::workers::{spawn_shared_worker, spawn_worker};
use rquickjs::{Ctx, Function, Object, Value};

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    let s = host.clone();
    h.set(
        "spawnWorker",
        Function::new(
            ctx.clone(),
            move |Usv(url): Usv, source: Option<Usv>, Usv(name): Usv, Usv(kind): Usv| -> u32 {
                spawn_worker(&s, url, source.map(|s| s.0), name, kind == "module")
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "spawnSharedWorker",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  Usv(url): Usv,
                  source: Option<Usv>,
                  Usv(name): Usv,
                  Usv(kind): Usv,
                  Usv(credentials): Usv|
                  -> rquickjs::Result<Value<'js>> {
                id_pair(
                    &ctx,
                    spawn_shared_worker(
                        &s,
                        url,
                        source.map(|s| s.0),
                        name,
                        kind == "module",
                        &credentials,
                    ),
                )
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "terminate",
        Function::new(ctx.clone(), move |id: u32| {
            let mut st = s.borrow_mut();
            if let Some(w) = st.workers.get(&id) {
                w.signal.terminate_worker();
            }
            // The worker's side closes its port when its thread ends; ours goes now.
            if let Some(p) = st.unregister(id) {
                p.close();
            }
        })?,
    )?;
    let s = host.clone();
    h.set(
        "closeWorker",
        Function::new(ctx.clone(), move || {
            let mut st = s.borrow_mut();
            st.closing = true;
            st.inbox.set_closing();
        })?,
    )?;
    h.set(
        "importScript",
        Function::new(
            ctx.clone(),
            // `Some(why)`: the script could not be loaded (the prelude
            // throws a NetworkError); the script's own errors propagate.
            move |ctx: Ctx<'js>,
                  Usv(url): Usv,
                  source: Option<Usv>|
                  -> rquickjs::Result<Option<String>> {
                let source = match source {
                    Some(Usv(s)) => s,
                    None => match crate::runtime::load_source(&url) {
                        Ok(s) => s,
                        Err(e) => return Ok(Some(e)),
                    },
                };
                let mut opts = rquickjs::context::EvalOptions::default();
                opts.strict = false;
                opts.filename = Some(url);
                ctx.eval_with_options::<(), _>(source, opts)?;
                Ok(None)
            },
        )?,
    )?;
    Ok(())
}
