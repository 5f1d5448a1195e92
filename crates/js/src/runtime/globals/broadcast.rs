//! The host functions of BroadcastChannel (HTML
//! `#broadcasting-to-other-browsing-contexts`) and of port collections.

#![forbid(unsafe_code)]

use crate::clone;
use crate::engine::ffi::Usv;
use crate::runtime::host::{
    hooks, throw_data_clone_error, throw_fail, with_classes, BroadcastHub, HostTask, Shared,
};
use rquickjs::{Ctx, Function, Object, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The origin a context's BroadcastChannels are partitioned by (HTML
/// `#broadcasting-to-other-browsing-contexts`: channels hear those of the
/// same origin). A `data:` worker's origin is opaque and new (HTML
/// `#concept-workerglobalscope-origin`), equal to no other context's: it
/// gets a key of its own. `file:` URLs are opaque too in the URL
/// standard, but one run's files are treated as one origin, as Node and
/// Deno do, so that a program's workers hear each other.
fn broadcast_origin(base_url: &str, context_key: u64) -> String {
    match url::Url::parse(base_url) {
        Ok(u) if u.scheme() == "data" => format!("null (data: context {context_key})"),
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => "null".into(),
    }
}

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    // BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts),
    // through one hub per name in this context (`host::BroadcastHub`).
    let s = host.clone();
    h.set(
        "bcJoin",
        Function::new(ctx.clone(), move |Usv(name): Usv| -> u32 {
            let mut st = s.borrow_mut();
            let local = st.next_port;
            st.next_port += 1;
            let name: Arc<str> = name.into();
            if !st.broadcast_hubs.contains_key(&name) {
                let origin = broadcast_origin(&st.base_url, st.context_key);
                let newest = Arc::new(AtomicU32::new(0));
                // A post from another context: one task here, for the
                // channels made before it. Once the context has ended (its
                // inbox is gone) the hub leaves the group.
                let inbox = Arc::downgrade(&st.inbox);
                let (hub_name, seen) = (name.clone(), newest.clone());
                let channel = st
                    .signal
                    .group()
                    .broadcasts
                    .channel_with(&name, &origin, move |m| {
                        let Some(inbox) = inbox.upgrade() else {
                            return false;
                        };
                        inbox.push(HostTask::Broadcast {
                            name: hub_name.clone(),
                            message: m.clone(),
                            upto: seen.load(Ordering::Acquire),
                            exclude: 0,
                        });
                        true
                    });
                st.broadcast_hubs.insert(
                    name.clone(),
                    BroadcastHub {
                        channel,
                        members: Vec::new(),
                        listening: HashSet::new(),
                        newest,
                    },
                );
            }
            if let Some(hub) = st.broadcast_hubs.get_mut(&name) {
                hub.members.push(local);
                hub.newest.store(local, Ordering::Release);
            }
            st.broadcast_names.insert(local, name);
            local
        })?,
    )?;
    let s = host.clone();
    h.set(
        "bcListening",
        Function::new(ctx.clone(), move |id: u32, on: bool| {
            let mut st = s.borrow_mut();
            let Some(name) = st.broadcast_names.get(&id).cloned() else {
                return;
            };
            if let Some(hub) = st.broadcast_hubs.get_mut(&name) {
                if on {
                    hub.listening.insert(id);
                } else {
                    hub.listening.remove(&id);
                }
            }
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
                let (bytes, shared) = (record.bytes, record.shared);
                let st = s.borrow();
                // A worker that called close() broadcasts nothing more.
                if st.closing {
                    return Ok(());
                }
                let Some(hub) = st
                    .broadcast_names
                    .get(&id)
                    .and_then(|n| st.broadcast_hubs.get(n))
                else {
                    return Ok(());
                };
                let bytes: Arc<[u8]> = bytes.into();
                // This context's other channels of the name: one task.
                if hub.members.len() > 1 {
                    st.inbox.push(HostTask::Broadcast {
                        name: st.broadcast_names[&id].clone(),
                        message: msgport::Broadcast::with_shared(
                            bytes.clone(),
                            shared.clone().into(),
                            hub.channel.origin(),
                        ),
                        upto: hub.newest.load(Ordering::Acquire),
                        exclude: id,
                    });
                }
                // The other contexts' hubs.
                hub.channel.post_shared(bytes.to_vec(), shared);
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
