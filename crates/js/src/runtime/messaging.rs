//! Posting and delivering: a message from JavaScript to its port (the
//! direct writer first, else the general path), `structuredClone`, and the
//! tasks of this context's ports and inbox (HTML `#message-ports`, "the
//! port message queue"; `#dom-structuredclone`).

#![forbid(unsafe_code)]

use crate::clone::{self, Fail};
use crate::engine::ffi::Lent;
use crate::runtime::host::internal;
use crate::runtime::host::{
    hooks, throw_data_clone_error, throw_fail, with_classes, HostTask, Shared,
};
use msgport::{Event, MessagePort, Transfer};
use msgport_clone::CloneError;
use rquickjs::{Ctx, Function, Object, Value};
use std::cell::RefCell;

/// `postMessage` on the port `id` (-1: a shipped port, whose messages reach
/// nobody but are still serialized, transferables detached).
pub(crate) fn post<'js>(
    ctx: Ctx<'js>,
    host: &Shared,
    id: i32,
    message: Value<'js>,
    transfer: Vec<Value<'js>>,
) -> rquickjs::Result<()> {
    let hooks = hooks(&ctx, host)?;
    let ser = with_classes(host, |c| {
        clone::serialize(&ctx, c, &hooks, message, &transfer)
    })
    .map_err(|e| throw_fail(&ctx, host, e))?;
    let mut ser = ser;
    let result = {
        let mut h = host.borrow_mut();
        // No live port (a shipped one): serialized, detached, dropped.
        let source = h.ports.get(&(id as u32)).filter(|_| id >= 0);
        let mut list: Vec<Transfer<'_>> = Vec::with_capacity(ser.ports.len() + ser.buffers.len());
        for (o, pid) in &ser.ports {
            match h.ports.get(&(*pid as u32)) {
                Some(p) => list.push(Transfer::Port(p)),
                None => {
                    let index = transfer
                        .iter()
                        .position(|t| t.as_object() == Some(o))
                        .unwrap_or(0);
                    return Err(throw_data_clone_error(
                        &ctx,
                        host,
                        &CloneError::DetachedTransfer { index },
                    ));
                }
            }
        }
        list.extend(
            ser.buffers
                .iter()
                .map(|(_, oid)| Transfer::ArrayBuffer(*oid)),
        );
        // ArrayBuffers are detached (their bytes moved) only once posting
        // cannot fail any more.
        let r = match source {
            Some(source) => source.check_transfer(&list).and_then(|()| {
                ser.detach_buffers();
                source.post_message(&mut ser.graph, &list)
            }),
            None => {
                ser.detach_buffers();
                MessagePort::post_message_to_nobody(&mut ser.graph, &list)
            }
        };
        drop(list);
        if r.is_ok() {
            for (_, pid) in &ser.ports {
                h.unregister(*pid as u32);
            }
        }
        r
    };
    if let Err(e) = result {
        return Err(throw_data_clone_error(&ctx, host, &e));
    }
    for (p, _) in ser.ports {
        hooks.detach_port()?.call::<_, ()>((p,))?;
    }
    Ok(())
}

thread_local! {
    /// The direct serializer's buffer, reused by every post of the thread.
    static POST_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The context's host, as the engine's C functions see it.
pub(crate) struct PortPoster(pub(crate) Shared);

impl crate::engine::native::Poster for PortPoster {
    /// `postMessage(message, transfer)` on the port `id` (-1: shipped),
    /// called from [`crate::engine::native`]: with no transfer argument
    /// (or an empty array), the message is written straight to wire bytes
    /// ([`crate::engine::wire`]) when it can be, else it takes the general
    /// path; with one, the prelude's `postMessage` (`slow`) converts it.
    fn post_message<'js>(
        &self,
        ctx: &Ctx<'js>,
        this: Lent<'_, 'js>,
        id: i32,
        message: Lent<'_, 'js>,
        transfer: Option<Lent<'_, 'js>>,
        slow: Lent<'_, 'js>,
    ) -> rquickjs::Result<()> {
        let host = &self.0;
        // An empty array converts to an empty transfer list without
        // running anything a script could change: the same as none.
        let empty = |t: &Lent<'_, 'js>| {
            let h = host.borrow();
            h.natives
                .as_deref()
                .is_some_and(|n| n.is_original_empty_array(ctx, *t))
        };
        if let Some(t) = transfer.filter(|t| !t.is_undefined() && !empty(t)) {
            let slow = slow
                .to_value()
                .into_function()
                .ok_or(rquickjs::Error::Unknown)?;
            return slow.call((
                rquickjs::function::This(this.to_value()),
                message.to_value(),
                t.to_value(),
            ));
        }
        if post_direct(ctx, host, id, message)? {
            return Ok(());
        }
        post(ctx.clone(), host, id, message.to_value(), Vec::new())
    }
}

/// A post without a transfer list of a message the direct writer takes
/// (crates/js/src/engine/wire/) to the port `id`; `Ok(false)`: the
/// message needs the general path, and nothing happened.
pub(crate) fn post_direct(
    ctx: &Ctx<'_>,
    host: &Shared,
    id: i32,
    message: Lent<'_, '_>,
) -> rquickjs::Result<bool> {
    POST_BUFFER.with(|cell| -> rquickjs::Result<bool> {
        // A post from inside a post cannot happen (no JavaScript runs
        // here), but would take the general path.
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return Ok(false);
        };
        buf.clear();
        // Large cloned buffers' copies, sent beside the bytes.
        let mut aside = Vec::new();
        // (The writer runs no JavaScript, so nothing else needs the state.)
        let wrote = {
            let h = host.borrow();
            // Busy: a structuredClone's direct copy holds it (it runs no
            // user code, so this cannot happen, but the general path is
            // always correct).
            let Ok(mut caches) = h.wire.try_borrow_mut() else {
                return Ok(false);
            };
            let caches = caches.get_or_insert_with(|| crate::engine::wire::Caches::new(ctx));
            let Some(env) = h.wire_env() else {
                return Ok(false);
            };
            crate::engine::wire::write(ctx, &env, message, &mut buf, caches, Some(&mut aside))?
        };
        if !wrote {
            return Ok(false);
        }
        // A shipped or disentangled port's message reaches nobody.
        // (Posting wakes the target's loop; it runs no JavaScript and
        // does not touch this context's state.)
        if let Ok(id) = u32::try_from(id) {
            if let Some(p) = host.borrow().ports.get(&id) {
                if aside.is_empty() {
                    p.post_serialized_from(&mut buf);
                } else {
                    p.post_transferred(std::mem::take(&mut *buf), aside, Vec::new());
                }
            }
        }
        Ok(true)
    })
}

/// `structuredClone(value, {transfer})` (HTML `#dom-structuredclone`):
/// serialize with transfer, then deserialize in the same realm.
pub(crate) fn structured_clone<'js>(
    ctx: Ctx<'js>,
    host: &Shared,
    value: Value<'js>,
    transfer: Vec<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let hooks = hooks(&ctx, host)?;
    if transfer.is_empty() {
        // Most clones need no wire: copied directly when possible.
        let copied = {
            let h = host.borrow();
            let classes = h.classes.as_ref().expect("classes learnt at start-up");
            // The shape keepers (engine/wire/cache.rs) serve copies too.
            let mut wire = h.wire.try_borrow_mut().ok();
            let shapes = wire.as_mut().map(|w| {
                &mut w
                    .get_or_insert_with(|| crate::engine::wire::Caches::new(&ctx))
                    .shapes
            });
            // The direct copier runs no user code (built-in slots are read
            // through the prelude's captured intrinsics), so no JavaScript
            // can call back into the host while this borrow is held.
            match h.natives.as_deref() {
                Some(natives) => {
                    crate::engine::direct::clone(&ctx, classes, &hooks, natives, &value, shapes)?
                }
                None => None,
            }
        };
        if let Some(v) = copied {
            return Ok(v);
        }
        // Values with kinds the copier leaves (buffers, views, Errors,
        // sparse arrays…): through the direct wire writer and reader,
        // which run no user code either.
        if let Some(v) = wire_clone(&ctx, host, &value)? {
            return Ok(v);
        }
    }
    let ser = with_classes(host, |c| {
        clone::serialize(&ctx, c, &hooks, value, &transfer)
    })
    .map_err(|e| throw_fail(&ctx, host, e))?;
    // Transferred ports become new MessagePort objects over the same native port.
    let detach = hooks.detach_port()?.clone();
    let mut fresh = Vec::with_capacity(ser.ports.len());
    for (obj, pid) in &ser.ports {
        detach.call::<_, ()>((obj.clone(),))?;
        let p: Object = hooks.make_port()?.call((*pid,))?;
        fresh.push(p);
    }
    let mut ser = ser;
    ser.detach_buffers();
    clone::deserialize(&ctx, &hooks, &mut ser.graph, &fresh).map_err(|e| throw_fail(&ctx, host, e))
}

/// structuredClone through the direct wire writer and reader (no
/// transfer), or `None` if either leaves the value to the general path.
fn wire_clone<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
    value: &Value<'js>,
) -> rquickjs::Result<Option<Value<'js>>> {
    let h = host.borrow();
    let (Some(env), Some(natives)) = (h.wire_env(), h.natives.as_deref()) else {
        return Ok(None);
    };
    let Ok(mut caches) = h.wire.try_borrow_mut() else {
        return Ok(None);
    };
    let caches = caches.get_or_insert_with(|| crate::engine::wire::Caches::new(ctx));
    CLONE_BUFFER.with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return Ok(None);
        };
        buf.clear();
        let lent = crate::engine::ffi::Lent::of(value);
        if !crate::engine::wire::write(ctx, &env, lent, &mut buf, caches, None)? {
            return Ok(None);
        }
        let r = crate::engine::wire::read(ctx, &buf, caches, Some(natives));
        // A large clone's bytes are not kept for the next one.
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        r
    })
}

thread_local! {
    /// The bytes of [`wire_clone`], reused from clone to clone.
    static CLONE_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs one task of this context's ports: the message, messageerror or
/// close event, dispatched by `internal.deliver`. Returns whether there was one.
pub(crate) fn run_port_task<'js>(ctx: &Ctx<'js>, host: &Shared) -> rquickjs::Result<bool> {
    // A message of primitives and plain objects becomes JS values as its
    // bytes are read (engine/wire/); any other, a Graph first.
    let h = host.borrow();
    let next = h
        .event_loop
        .next_task_with(|bytes, buffers, shared, ports| {
            if buffers.is_empty() && shared.is_empty() && ports == 0 {
                let mut caches = h.wire.borrow_mut();
                let caches = caches.get_or_insert_with(|| crate::engine::wire::Caches::new(ctx));
                match crate::engine::wire::read(ctx, bytes, caches, h.natives.as_deref()) {
                    Ok(Some(v)) => return Ok(Decoded::Js(v)),
                    Ok(None) => {}
                    Err(e) => return Ok(Decoded::Engine(e)),
                }
            }
            let opts = h.decode_options();
            msgport_clone::deserialize_with_shared(bytes, buffers, shared, ports, opts)
                .map(Decoded::Graph)
        });
    drop(h);
    let Some((name, event)) = next else {
        return Ok(false);
    };
    let Some(id) = host.borrow().names.get(&name).copied() else {
        return Ok(true);
    };
    // The common message, read directly and without ports, to a port with
    // one listener: dispatched natively, without the clone's hooks.
    let event = match event {
        Event::Message(msgport::Message {
            data: Decoded::Js(data),
            ports,
        }) if ports.is_empty() => match fire_fast(ctx, host, id, data)? {
            None => return Ok(true),
            Some(data) => Event::Message(msgport::Message {
                data: Decoded::Js(data),
                ports,
            }),
        },
        other => other,
    };
    let hooks = hooks(ctx, host)?;
    let deliver = hooks.deliver()?.clone();
    // `messageerror` (1) or `close` (2): no data, no ports.
    let deliver_empty = |kind: i32| {
        let (null, none) = (
            Value::new_null(ctx.clone()),
            Value::new_undefined(ctx.clone()),
        );
        deliver.call::<_, Value>((id, kind, null, none)).map(drop)
    };
    match event {
        Event::Message(m) => {
            let mut objs = Vec::with_capacity(m.ports.len());
            for p in m.ports {
                let pid = host.borrow_mut().register(p);
                let o: Object = hooks.make_port()?.call((pid,))?;
                objs.push(o);
            }
            let data = match m.data {
                Decoded::Js(v) => Ok(v),
                Decoded::Engine(e) => Err(Fail::Js(e)),
                Decoded::Graph(mut g) => clone::deserialize(ctx, &hooks, &mut g, &objs),
            };
            match data {
                Ok(data) => {
                    // No array for the common message without ports.
                    let ports = if objs.is_empty() {
                        Value::new_undefined(ctx.clone())
                    } else {
                        crate::engine::ffi::array_of(
                            ctx,
                            objs.into_iter().map(Object::into_value).collect(),
                        )?
                    };
                    let data = if ports.is_undefined() {
                        match fire_fast(ctx, host, id, data)? {
                            None => return Ok(true),
                            Some(data) => data,
                        }
                    } else {
                        data
                    };
                    deliver.call::<_, Value>((id, 0, data, ports))?;
                }
                // A record the engine cannot build (a RegExp its parser
                // refuses, a BigInt past its limit): StructuredDeserialize
                // threw, which is `messageerror`.
                Err(Fail::Js(e)) => {
                    cannot_build(ctx, host, e)?;
                    deliver_empty(1)?;
                }
                Err(Fail::Clone(_)) => deliver_empty(1)?,
            }
        }
        // A typed mismatch cannot come from the engine's own decoder.
        Event::MessageError(_) | Event::Mismatch(_) => deliver_empty(1)?,
        Event::Close => {
            host.borrow_mut().unregister(id);
            deliver_empty(2)?;
        }
    }
    Ok(true)
}

/// Two port ids as an Array the preludes read by index (made with own
/// elements: see `ffi::array_of`).
pub(crate) fn id_pair<'js>(ctx: &Ctx<'js>, ids: [u32; 2]) -> rquickjs::Result<Value<'js>> {
    let ids = ids.map(|id| Value::new_number(ctx.clone(), f64::from(id)));
    crate::engine::ffi::array_of(ctx, ids.into())
}

/// An exception from building a received value in the engine: cleared,
/// so that the caller fires `messageerror` instead, unless the context is
/// being terminated (then the uncatchable interruption goes on) or the
/// error is not an exception (out of memory).
pub(crate) fn cannot_build(
    ctx: &Ctx<'_>,
    host: &Shared,
    e: rquickjs::Error,
) -> rquickjs::Result<()> {
    if !matches!(e, rquickjs::Error::Exception) || host.borrow().signal.is_terminated() {
        return Err(e);
    }
    drop(ctx.catch());
    Ok(())
}

/// Fires `message` with `data` (and no ports) at port `id` natively if
/// the port is registered for it (crates/js/src/engine/deliver.rs); else gives
/// the data back for the general delivery.
pub(crate) fn fire_fast<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
    id: u32,
    data: Value<'js>,
) -> rquickjs::Result<Option<Value<'js>>> {
    let fast = host
        .borrow()
        .fast
        .as_ref()
        .and_then(|f| crate::engine::deliver::prepare(ctx, f, id));
    match fast {
        Some(d) => d.fire(data).map(|()| None),
        None => Ok(Some(data)),
    }
}

/// A message as the event loop's decoder left it.
enum Decoded<'js> {
    /// Read straight into JS values.
    Js(Value<'js>),
    /// Left to the general path.
    Graph(msgport_clone::Graph),
    /// The engine failed (out of memory, or a terminated worker).
    Engine(rquickjs::Error),
}

/// A worker's error that its Worker object did not cancel: reported again
/// in this context (HTML `#runtime-script-errors-2`).
pub(crate) struct UnhandledWorkerError {
    /// What is printed if nothing handles it here either.
    pub(crate) text: String,
    pub(crate) message: String,
    pub(crate) filename: String,
    pub(crate) lineno: u32,
    pub(crate) colno: u32,
    /// The worker's script could not be fetched, parsed or started: not an
    /// exception, so no `error` event at this global.
    pub(crate) startup: bool,
}

/// Runs one task another thread queued (a worker's error). Returns the
/// error when its Worker object did not cancel it.
pub(crate) fn run_inbox_task<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
) -> rquickjs::Result<Option<Option<UnhandledWorkerError>>> {
    let task = host.borrow().inbox.pop();
    let Some(task) = task else { return Ok(None) };
    match task {
        HostTask::WorkerExited { port } => {
            let handle = host.borrow_mut().workers.remove(&port);
            if let Some(thread) = handle.and_then(|mut w| w.thread.take()) {
                // (It has returned from its work: this waits for its exit.)
                let _ = thread.join();
            }
            Ok(Some(None))
        }
        HostTask::AtomicsWoken { id } => {
            let woken: Function = internal(ctx, host)?.get("atomicsWoken")?;
            woken.call::<_, ()>((id,))?;
            Ok(Some(None))
        }
        HostTask::Connect { port } => {
            let hooks = hooks(ctx, host)?;
            let pid = host.borrow_mut().register(port);
            let p: Object = hooks.make_port()?.call((pid,))?;
            let connect: Function = internal(ctx, host)?.get("connect")?;
            connect.call::<_, ()>((p,))?;
            Ok(Some(None))
        }
        HostTask::Broadcast { post } => {
            // A worker that called close() is not eligible for messaging
            // (HTML #eligible-for-messaging): what was posted since is not
            // delivered.
            if host.borrow().closing {
                return Ok(Some(None));
            }
            // The destinations (msgport's rules: the channels open when it
            // was posted, in creation order, that can observe it); each
            // gets its own copy of the data (HTML step 7, per destination).
            let targets = match host.borrow().broadcast_hub() {
                Some(hub) => hub.destinations(&post),
                None => return Ok(Some(None)),
            };
            let message = post.message();
            let opts = host.borrow().decode_options();
            let hooks = hooks(ctx, host)?;
            let origin = message.origin();
            for channel in targets {
                // Closed, or no longer listening, since an earlier one ran.
                let live = host
                    .borrow()
                    .broadcast_hub()
                    .is_some_and(|hub| hub.is_listening(channel));
                if !live {
                    continue;
                }
                let undefined = Value::new_undefined(ctx.clone());
                let data = match message.data_with(opts).map_err(Fail::Clone) {
                    Ok(mut g) => clone::deserialize(ctx, &hooks, &mut g, &[]),
                    Err(e) => Err(e),
                };
                let (kind, data) = match data {
                    Ok(data) => (0, data),
                    Err(fail) => {
                        // Bytes that do not decode, or a record the engine
                        // cannot build: `messageerror`.
                        if let Fail::Js(e) = fail {
                            cannot_build(ctx, host, e)?;
                        }
                        (1, Value::new_null(ctx.clone()))
                    }
                };
                hooks
                    .deliver()?
                    .call::<_, Value>((channel, kind, data, undefined, origin))?;
            }
            Ok(Some(None))
        }
        HostTask::WorkerFailed { port, text, worker } => {
            let hooks = hooks(ctx, host)?;
            let deliver = hooks.deliver()?;
            let handled: bool = deliver.call((
                port,
                4,
                Value::new_undefined(ctx.clone()),
                Value::new_undefined(ctx.clone()),
            ))?;
            // Nobody listens: printed, and the run fails, as an uncaught
            // exception would (this is no exception of this context, so
            // no `error` event fires at its global).
            Ok(Some((!handled).then(|| UnhandledWorkerError {
                text: format!("Uncaught (in worker {worker:?}) {text}"),
                message: text,
                filename: String::new(),
                lineno: 0,
                colno: 0,
                startup: true,
            })))
        }
        HostTask::WorkerError {
            port,
            message,
            filename,
            lineno,
            colno,
            report,
            worker,
        } => {
            let hooks = hooks(ctx, host)?;
            let deliver = hooks.deliver()?;
            let arr = crate::engine::ffi::array_of(
                ctx,
                vec![
                    rquickjs::String::from_str(ctx.clone(), &message)?.into_value(),
                    rquickjs::String::from_str(ctx.clone(), &filename)?.into_value(),
                    Value::new_number(ctx.clone(), f64::from(lineno)),
                    Value::new_number(ctx.clone(), f64::from(colno)),
                ],
            )?;
            let handled: bool = deliver.call((port, 3, arr, Value::new_undefined(ctx.clone())))?;
            // Not handled: as an uncaught exception of this context (HTML
            // `#runtime-script-errors-2`), as Node and Deno treat it.
            Ok(Some((!handled).then(|| UnhandledWorkerError {
                text: match report {
                    Some(report) => format!("Uncaught (in worker {worker:?}) {report}"),
                    None => format!("Uncaught (in worker {worker:?}) {message} ({filename})"),
                },
                message,
                filename,
                lineno,
                colno,
                startup: false,
            })))
        }
    }
}
