//! The host functions of the Channel Messaging API (HTML
//! `#channel-messaging`): channels, posts, `structuredClone`, port start
//! and close, the native MessagePort class and the native delivery.

#![forbid(unsafe_code)]

use crate::engine::ffi::Lent;
use crate::runtime::host::Shared;
use crate::runtime::messaging::{id_pair, post, post_direct, structured_clone};
use msgport::MessageChannel;
use rquickjs::{Ctx, Function, Object, Persistent, Value};

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    let s = host.clone();
    h.set(
        "channel",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>| -> rquickjs::Result<Value<'js>> {
                let (a, b) = MessageChannel::new().into_ports();
                let ids = {
                    let mut st = s.borrow_mut();
                    [st.register(a), st.register(b)]
                };
                id_pair(&ctx, ids)
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "post",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  id: i32,
                  message: Value<'js>,
                  transfer: rquickjs::function::Opt<Vec<Value<'js>>>| {
                // (A Worker's and a worker global's posts: the direct
                // writer first, as for a MessagePort's.)
                // An empty transfer list (`[]`, `{transfer: []}`, as RPC
                // libraries always pass) transfers nothing: the same path.
                if transfer.0.as_ref().is_none_or(Vec::is_empty)
                    && post_direct(&ctx, &s, id, Lent::of(&message))?
                {
                    return Ok(());
                }
                post(ctx, &s, id, message, transfer.0.unwrap_or_default())
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "structuredClone",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  value: Value<'js>,
                  transfer: rquickjs::function::Opt<Vec<Value<'js>>>| {
                structured_clone(ctx, &s, value, transfer.0.unwrap_or_default())
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "start",
        Function::new(ctx.clone(), move |id: u32| {
            if let Some(p) = s.borrow().ports.get(&id) {
                p.start();
            }
        })?,
    )?;
    let s = host.clone();
    h.set(
        "close",
        Function::new(ctx.clone(), move |id: u32| {
            let mut st = s.borrow_mut();
            st.release_external(id);
            if let Some(p) = st.ports.get(&id) {
                p.close();
            }
        })?,
    )?;
    crate::engine::native::host_functions(ctx, h)?;
    install_native(ctx, h, host)
}

/// The natives of the hot path: the native delivery (what it needs from
/// the prelude, and the ports registered for it), the direct writer's slot
/// reader, and the MessagePort class.
fn install_native<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    // The native delivery (crates/js/src/engine/deliver.rs): what it needs from
    // the prelude, and the ports registered for it.
    let s = host.clone();
    h.set(
        "fastEvents",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, config: Object<'js>| {
            // Set once: a delivery uses its atoms without references.
            let made = crate::engine::deliver::FastTargets::new(&ctx, &config)?;
            let mut h = s.borrow_mut();
            if h.fast.is_some() {
                return Err(rquickjs::Exception::throw_type(
                    &ctx,
                    "fastEvents: already set",
                ));
            }
            h.fast = Some(made);
            Ok::<_, rquickjs::Error>(())
        })?,
    )?;
    let s = host.clone();
    h.set(
        "setFast",
        Function::new(
            ctx.clone(),
            move |id: u32,
                  port: rquickjs::function::Opt<Object<'js>>,
                  listener: rquickjs::function::Opt<Function<'js>>,
                  state_proto: rquickjs::function::Opt<Object<'js>>| {
                if let Some(f) = &mut s.borrow_mut().fast {
                    let entry = match (port.0, listener.0, state_proto.0) {
                        (Some(p), Some(l), Some(sp)) => Some((p, l, sp)),
                        _ => None,
                    };
                    f.set(id, entry);
                }
            },
        )?,
    )?;
    // The built-ins the fast paths call (crates/js/src/engine/natives.rs).
    let s = host.clone();
    h.set(
        "natives",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, fns: rquickjs::Array<'js>, flags: rquickjs::Array<'js>| {
                let natives = crate::engine::natives::Natives::new(&ctx, &fns, &flags)?;
                s.borrow_mut().natives = natives.map(std::rc::Rc::new);
                rquickjs::Result::Ok(())
            },
        )?,
    )?;
    // MessagePort objects are of a native class (engine/native.rs):
    // the prelude hands over the prototype and its own postMessage (for a
    // call with a transfer argument) and gets the native postMessage.
    let s = host.clone();
    h.set(
        "portClass",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, proto: Object<'js>, slow: Function<'js>| {
                s.borrow_mut().port_proto = Some(Persistent::save(&ctx, proto));
                crate::engine::native::post_message_function(
                    &ctx,
                    crate::engine::native::PostTarget::Port,
                    &slow,
                    0,
                )
            },
        )?,
    )?;
    // The native postMessage of Worker (target 1) and of a dedicated
    // worker's global scope (2, for the port `id`), in place of the
    // prelude's own `slow`.
    h.set(
        "postFunction",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, target: i32, slow: Function<'js>, id: u32| {
                use crate::engine::native::PostTarget;
                let target = PostTarget::of(target)
                    .filter(|t| *t != PostTarget::Port)
                    .ok_or(rquickjs::Error::Unknown)?;
                crate::engine::native::post_message_function(&ctx, target, &slow, id)
            },
        )?,
    )?;
    // A Worker object of the native worker class, whose port is `id`.
    h.set(
        "newWorker",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, proto: Object<'js>, id: u32| {
            crate::engine::native::new_object(
                &ctx,
                &proto,
                crate::engine::native::Brand::Worker,
                id,
            )
        })?,
    )?;
    let s = host.clone();
    h.set(
        "newPort",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, id: u32| {
            let proto = s
                .borrow()
                .port_proto
                .clone()
                .ok_or(rquickjs::Error::Unknown)?;
            crate::engine::native::new_object(
                &ctx,
                &proto.restore(&ctx)?,
                crate::engine::native::Brand::Port,
                id,
            )
        })?,
    )?;
    h.set(
        "shipPort",
        Function::new(ctx.clone(), |o: Object<'js>| {
            crate::engine::native::set_port_shipped(&o)
        })?,
    )?;
    // A MessagePort object was collected (HTML #ports-and-garbage-collection):
    // its native port is dropped, which disentangles it, so the peer gets `close`.
    let s = host.clone();
    h.set(
        "forget",
        Function::new(ctx.clone(), move |id: u32| {
            s.borrow_mut().leave_broadcast(id);
            let port = s.borrow_mut().unregister(id);
            drop(port);
        })?,
    )?;
    Ok(())
}
