//! The host functions of BroadcastChannel (HTML
//! `#broadcasting-to-other-browsing-contexts`) and of port collections.

#![forbid(unsafe_code)]

use crate::clone;
use crate::engine::ffi::Usv;
use crate::runtime::host::{hooks, throw_data_clone_error, throw_fail, with_classes, Shared};
use rquickjs::{Ctx, Function, Object, Value};

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    // BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts),
    // through this context's `msgport::BroadcastHub`, which keeps the
    // standard's rules: this only says which channels exist and listen.
    let s = host.clone();
    h.set(
        "bcJoin",
        Function::new(ctx.clone(), move |Usv(name): Usv| -> u32 {
            let mut st = s.borrow_mut();
            let local = st.next_port;
            st.next_port += 1;
            st.broadcasts().join(local, &name);
            local
        })?,
    )?;
    let s = host.clone();
    h.set(
        "bcListening",
        Function::new(ctx.clone(), move |id: u32, on: bool| {
            s.borrow_mut().broadcasts().set_listening(id, on);
        })?,
    )?;
    let s = host.clone();
    h.set(
        "bcPost",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, id: u32, message: Value<'js>| -> rquickjs::Result<()> {
                let hooks = hooks(&ctx, &s)?;
                let ser = with_classes(&s, |c| clone::serialize(&ctx, c, &hooks, message, &[]))
                    .map_err(|e| throw_fail(&ctx, &s, e))?;
                // A record: SharedArrayBuffers travel beside the bytes.
                let record = msgport_clone::to_record(&ser.graph)
                    .map_err(|e| throw_data_clone_error(&ctx, &s, &e))?;
                let mut st = s.borrow_mut();
                // A worker that called close() broadcasts nothing more.
                if st.closing {
                    return Ok(());
                }
                // (A channel that closed meanwhile posts nothing: the
                // prelude threw InvalidStateError before serializing.)
                let _ = st.broadcasts().post(id, record.bytes, record.shared);
                Ok(())
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "bcLeave",
        Function::new(ctx.clone(), move |id: u32| {
            s.borrow_mut().leave_broadcast(id);
        })?,
    )?;
    let s = host.clone();
    h.set(
        "queued",
        Function::new(ctx.clone(), move |id: u32| -> u32 {
            s.borrow().ports.get(&id).map_or(0, |p| p.queued().0 as u32)
        })?,
    )?;
    h.set(
        "gc",
        Function::new(ctx.clone(), |ctx: Ctx<'js>| {
            crate::engine::ffi::run_gc(&ctx)
        })?,
    )?;
    let s = host.clone();
    h.set(
        "broadcast",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, ids: Vec<u32>, message: Value<'js>| -> rquickjs::Result<u32> {
                let hooks = hooks(&ctx, &s)?;
                let ser = with_classes(&s, |c| clone::serialize(&ctx, c, &hooks, message, &[]))
                    .map_err(|e| throw_fail(&ctx, &s, e))?;
                // Serialized once; every live port gets the same bytes.
                let all = msgport::PortCollection::new();
                let st = s.borrow();
                for id in ids {
                    if let Some(p) = st.ports.get(&id) {
                        all.add(p);
                    }
                }
                all.broadcast_graph(&ser.graph)
                    .map(|n| n as u32)
                    .map_err(|e| throw_data_clone_error(&ctx, &s, &e))
            },
        )?,
    )?;
    Ok(())
}
