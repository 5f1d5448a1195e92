//! The host functions of BroadcastChannel (HTML
//! `#broadcasting-to-other-browsing-contexts`) and of port collections.

#![forbid(unsafe_code)]

use crate::clone;
use crate::engine::ffi::Usv;
use crate::runtime::host::{
    hooks, throw_data_clone_error, throw_fail, with_classes, HostTask, Shared,
};
use rquickjs::{Ctx, Function, Object, Value};
use std::sync::Arc;

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    // BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts).
    let s = host.clone();
    h.set(
        "bcJoin",
        Function::new(ctx.clone(), move |Usv(name): Usv| -> u32 {
            let mut st = s.borrow_mut();
            let local = st.next_port;
            st.next_port += 1;
            let origin = url::Url::parse(&st.base_url)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_else(|_| "null".into());
            // Delivered as a task of this context; once the context has
            // ended (its inbox is gone) the channel leaves the group.
            let inbox = Arc::downgrade(&st.inbox);
            let channel = st
                .signal
                .group()
                .broadcasts
                .channel_with(&name, &origin, move |m| {
                    let Some(inbox) = inbox.upgrade() else {
                        return false;
                    };
                    inbox.push(HostTask::Broadcast {
                        channel: local,
                        message: m.clone(),
                    });
                    true
                });
            st.broadcasts.insert(local, channel);
            local
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
                let bytes = msgport_clone::to_bytes_graph(&ser.graph)
                    .map_err(|e| throw_data_clone_error(&ctx, &s, &e))?;
                let st = s.borrow();
                // A worker that called close() broadcasts nothing more.
                if !st.closing {
                    if let Some(channel) = st.broadcasts.get(&id) {
                        channel.post_serialized(bytes);
                    }
                }
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
