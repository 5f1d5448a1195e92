//! The native side of the web globals: the `host` object the preludes
//! (`src/prelude/*.js`) are given, the table of this context's ports, and
//! Workers. The rules of ports live in the msgport crate; this module maps
//! JS ids to `msgport::MessagePort` handles and JS values to graphs.
#![forbid(unsafe_code)]

use crate::clone::{self, Fail};
use crate::engine::{classes::Classes, ffi::Lent, intrinsics::Hooks};
use crate::runtime::signal::Signal;
use crate::runtime::{JsRuntime, LoopState, WorkerInit, WorkerKind};
use msgport::{Event, EventLoop, MessageChannel, MessagePort, PortName, Transfer};
use msgport_clone::CloneError;
use rquickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Persistent, TypedArray, Value};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// Something another thread asks this context to do.
pub(crate) enum HostTask {
    /// A worker's uncaught exception, for the `error` event of its Worker
    /// object (the port id of the Worker object).
    WorkerError {
        port: u32,
        message: String,
        filename: String,
        lineno: u32,
        colno: u32,
    },
    /// A new connection to this shared worker: the inside port of a
    /// SharedWorker object's channel, for a `connect` event.
    Connect { port: MessagePort },
    /// A message for this context's BroadcastChannel `channel`.
    Broadcast {
        channel: u32,
        message: msgport::Broadcast,
    },
}

/// Tasks from other threads, with the wake-up line of their context.
pub(crate) struct Inbox {
    tasks: Mutex<VecDeque<HostTask>>,
    /// How many tasks are queued: the loop looks at it each turn, without
    /// the lock. (Counted up before the wake, so a task pushed after a
    /// look still wakes the loop.)
    queued: std::sync::atomic::AtomicUsize,
    signal: Arc<Signal>,
}

impl Inbox {
    /// An empty inbox that wakes `signal`.
    pub(crate) fn new(signal: Arc<Signal>) -> Arc<Self> {
        Arc::new(Inbox {
            tasks: Mutex::new(VecDeque::new()),
            queued: std::sync::atomic::AtomicUsize::new(0),
            signal,
        })
    }

    pub(crate) fn push(&self, t: HostTask) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.push_back(t);
        self.queued
            .store(tasks.len(), std::sync::atomic::Ordering::Release);
        drop(tasks);
        self.signal.wake();
    }
    fn pop(&self) -> Option<HostTask> {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        let t = tasks.pop_front();
        self.queued
            .store(tasks.len(), std::sync::atomic::Ordering::Release);
        t
    }
    /// Whether no task is queued (a task pushed meanwhile wakes the loop).
    pub(crate) fn is_empty(&self) -> bool {
        self.queued.load(std::sync::atomic::Ordering::Acquire) == 0
    }
}

/// A worker started by this context (or, for a shared worker, by the run).
pub(crate) struct WorkerHandle {
    pub(crate) signal: Arc<Signal>,
    pub(crate) thread: Option<std::thread::JoinHandle<()>>,
}

/// Where a worker reports to.
#[derive(Clone)]
pub(crate) struct ParentLink {
    pub(crate) inbox: Arc<Inbox>,
    /// The port id of the Worker object in the parent.
    pub(crate) port: u32,
}

/// Per-context native state.
pub(crate) struct HostState {
    ports: FxHashMap<u32, MessagePort>,
    names: FxHashMap<PortName, u32>,
    next_port: u32,
    pub(crate) event_loop: EventLoop,
    pub(crate) signal: Arc<Signal>,
    pub(crate) inbox: Arc<Inbox>,
    workers: HashMap<u32, WorkerHandle>,
    /// Ports handed in from Rust (`JsRuntime::add_port`): their peers are
    /// outside the run, so each keeps the run alive (as a context that is
    /// always busy) until it closes, is collected, or moves away.
    pub(crate) external: HashMap<u32, Arc<Signal>>,
    /// This context's open BroadcastChannels, by local id (msgport's
    /// `BroadcastGroup` of the run keeps the standard's rules).
    broadcasts: HashMap<u32, msgport::BroadcastChannel>,
    /// `close()` in a worker: finish the current task, then stop.
    pub(crate) closing: bool,
    /// The URL scripts and workers resolve against.
    pub(crate) base_url: String,
    /// This context is a worker: its implicit port and its parent.
    pub(crate) worker: Option<(u32, String, ParentLink)>,
    /// This context is a shared worker: its name.
    pub(crate) shared: Option<String>,
    /// Shared, so that a serialization (which may run getters, which may
    /// call back into the host) holds no borrow of this state.
    classes: Option<Rc<Classes>>,
    hooks: Option<Rc<crate::engine::intrinsics::StoredHooks>>,
    pub(crate) internal: Option<Persistent<Object<'static>>>,
    /// `MessagePort.prototype`, for the port objects made natively.
    port_proto: Option<Persistent<Object<'static>>>,
    /// The prelude's `postMessage` for a call with a transfer argument
    /// (its overloads and sequence conversion are WebIDL's, in JS).
    post_slow: Option<Persistent<Function<'static>>>,
    /// The prelude's reader of what the engine's API cannot read, for the
    /// direct writer (an ArrayBuffer's flags, a Date's time value).
    slot_reader: Option<crate::engine::wire::SlotReader>,
    /// Ports whose messages are delivered natively (crates/js/src/deliver.rs).
    fast: Option<crate::engine::deliver::FastTargets>,
    /// The direct writer's and reader's caches (crates/js/src/wire_cache.rs;
    /// they hold atoms and values). In a cell of its own: the reader runs
    /// while the event loop is borrowed from this state.
    wire: RefCell<Option<crate::engine::wire::Caches>>,
}

impl HostState {
    pub(crate) fn new(signal: Arc<Signal>, base_url: String) -> Self {
        let s = signal.clone();
        HostState {
            ports: FxHashMap::default(),
            names: FxHashMap::default(),
            next_port: 1,
            event_loop: EventLoop::new(move || s.wake()),
            inbox: Inbox::new(signal.clone()),
            signal,
            workers: HashMap::new(),
            broadcasts: HashMap::new(),
            external: HashMap::new(),
            closing: false,
            base_url,
            worker: None,
            shared: None,
            classes: None,
            hooks: None,
            internal: None,
            port_proto: None,
            post_slow: None,
            slot_reader: None,
            fast: None,
            wire: RefCell::new(None),
        }
    }

    /// Adopts a port: binds it to this context's loop, gives it an id.
    pub(crate) fn register(&mut self, port: MessagePort) -> u32 {
        self.event_loop.bind(&port);
        let id = self.next_port;
        self.next_port += 1;
        self.names.insert(port.name(), id);
        self.ports.insert(id, port);
        id
    }

    /// Enables the port message queue of port `id`.
    pub(crate) fn start_port(&self, id: u32) {
        if let Some(p) = self.ports.get(&id) {
            p.start();
        }
    }

    /// BroadcastChannel `id` of this context closed (or was collected): it
    /// gets nothing more.
    fn leave_broadcast(&mut self, id: u32) {
        if let Some(channel) = self.broadcasts.remove(&id) {
            channel.close();
        }
    }

    /// A port from Rust no longer keeps the run alive.
    pub(crate) fn release_external(&mut self, id: u32) {
        if let Some(s) = self.external.remove(&id) {
            s.end();
        }
    }

    pub(crate) fn unregister(&mut self, id: u32) -> Option<MessagePort> {
        self.release_external(id);
        let p = self.ports.remove(&id)?;
        self.names.remove(&p.name());
        Some(p)
    }

    /// Stops every worker this context started and waits for their threads;
    /// the run's first context stops the shared workers too.
    pub(crate) fn stop_workers(&mut self) -> Vec<std::thread::JoinHandle<()>> {
        let shared = if self.worker.is_none() && self.shared.is_none() {
            self.signal.group().take_shared_workers()
        } else {
            Vec::new()
        };
        self.workers
            .drain()
            .map(|(_, w)| w)
            .chain(shared)
            .filter_map(|mut w| {
                w.signal.terminate();
                w.thread.take()
            })
            .collect()
    }

    /// Drops every port (closing them) and persistent value: before the
    /// runtime goes.
    pub(crate) fn clear(&mut self) {
        self.ports.clear();
        self.names.clear();
        self.internal = None;
        self.hooks = None;
        self.port_proto = None;
        self.post_slow = None;
        self.slot_reader = None;
        self.fast = None;
        *self.wire.get_mut() = None;
    }
}

pub(crate) type Shared = Rc<RefCell<HostState>>;

/// The preludes' private `internal` object.
pub(crate) fn internal<'js>(ctx: &Ctx<'js>, host: &Shared) -> rquickjs::Result<Object<'js>> {
    let p = host
        .borrow()
        .internal
        .clone()
        .ok_or(rquickjs::Error::Unknown)?;
    p.restore(ctx)
}

/// Throws `e` in JS: a DataCloneError DOMException, or the exception a
/// getter threw.
fn throw_fail<'js>(ctx: &Ctx<'js>, host: &Shared, e: Fail) -> rquickjs::Error {
    match e {
        Fail::Js(e) => e,
        Fail::Clone(e) => throw_data_clone_error(ctx, host, &e),
    }
}

fn throw_data_clone_error<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
    e: &dyn std::fmt::Display,
) -> rquickjs::Error {
    let text = e.to_string();
    let msg = text
        .strip_prefix("DataCloneError: ")
        .unwrap_or(&text)
        .to_string();
    let made = (|| -> rquickjs::Result<Value<'js>> {
        let ctor: rquickjs::Constructor = internal(ctx, host)?.get("DOMException")?;
        ctor.construct((msg.clone(), "DataCloneError"))
    })();
    match made {
        Ok(v) => ctx.throw(v),
        Err(e) => e,
    }
}

fn hooks<'js>(ctx: &Ctx<'js>, host: &Shared) -> rquickjs::Result<Hooks<'js>> {
    let h = host.borrow();
    Ok(h.hooks
        .as_ref()
        .ok_or(rquickjs::Error::Unknown)?
        .restore(ctx))
}

/// Runs `f` (a serialization, which may run user code that calls back into
/// the host) with the class table, holding no borrow of the host state.
fn with_classes<R>(host: &Shared, f: impl FnOnce(&Classes) -> R) -> R {
    let classes = host
        .borrow()
        .classes
        .clone()
        .expect("classes learnt at start-up");
    f(&classes)
}

/// `postMessage` on the port `id` (-1: a shipped port, whose messages reach
/// nobody but are still serialized, transferables detached).
fn post<'js>(
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
    /// `MessagePort.prototype.postMessage(message, transfer)` on the port
    /// `id` (-1: shipped), called from [`crate::engine::native`]: with no
    /// transfer argument, the message is written straight to wire bytes
    /// ([`crate::engine::wire`]) when it can be, else it takes the general
    /// path; with one, the prelude's `postMessage` converts it.
    fn post_message<'js>(
        &self,
        ctx: &Ctx<'js>,
        this: Lent<'_, 'js>,
        id: i32,
        message: Lent<'_, 'js>,
        transfer: Option<Lent<'_, 'js>>,
    ) -> rquickjs::Result<()> {
        let host = &self.0;
        if let Some(t) = transfer.filter(|t| !t.is_undefined()) {
            let slow = host
                .borrow()
                .post_slow
                .clone()
                .ok_or(rquickjs::Error::Unknown)?;
            return slow.restore(ctx)?.call((
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
/// (crates/js/src/wire_direct.rs) to the port `id`; `Ok(false)`: the
/// message needs the general path, and nothing happened.
fn post_direct(
    ctx: &Ctx<'_>,
    host: &Shared,
    id: i32,
    message: Lent<'_, '_>,
) -> rquickjs::Result<bool> {
    let (plain, proto) = {
        let h = host.borrow();
        let proto = h.hooks.as_ref().map_or(0, |k| k.object_proto());

        (h.classes.as_ref().map_or(0, |c| c.plain()), proto)
    };
    POST_BUFFER.with(|cell| -> rquickjs::Result<bool> {
        // A post from inside a post cannot happen (no JavaScript runs
        // here), but would take the general path.
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return Ok(false);
        };
        buf.clear();
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
            crate::engine::wire::write(
                ctx,
                plain,
                proto,
                h.slot_reader.as_ref(),
                message,
                &mut buf,
                caches,
            )?
        };
        if !wrote {
            return Ok(false);
        }
        // A shipped or disentangled port's message reaches nobody.
        // (Posting wakes the target's loop; it runs no JavaScript and
        // does not touch this context's state.)
        if let Ok(id) = u32::try_from(id) {
            if let Some(p) = host.borrow().ports.get(&id) {
                p.post_serialized_from(&mut buf);
            }
        }
        Ok(true)
    })
}

/// `structuredClone(value, {transfer})` (HTML `#dom-structuredclone`):
/// serialize with transfer, then deserialize in the same realm.
fn structured_clone<'js>(
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
            // The shape keepers (wire_cache.rs) serve copies too.
            let mut wire = h.wire.try_borrow_mut().ok();
            let shapes = wire.as_mut().map(|w| {
                &mut w
                    .get_or_insert_with(|| crate::engine::wire::Caches::new(&ctx))
                    .shapes
            });
            // The direct copier runs no user code (built-in slots are read
            // through the prelude's captured intrinsics), so no JavaScript
            // can call back into the host while this borrow is held.
            crate::engine::direct::clone(&ctx, classes, &hooks, &value, shapes)?
        };
        if let Some(v) = copied {
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

/// Runs one task of this context's ports: the message, messageerror or
/// close event, dispatched by `internal.deliver`. Returns whether there was one.
pub(crate) fn run_port_task<'js>(ctx: &Ctx<'js>, host: &Shared) -> rquickjs::Result<bool> {
    // A message of primitives and plain objects becomes JS values as its
    // bytes are read (wire_direct.rs); any other, a Graph first.
    let h = host.borrow();
    let next = h.event_loop.next_task_with(|bytes, buffers, ports| {
        if buffers.is_empty() && ports == 0 {
            let mut caches = h.wire.borrow_mut();
            let caches = caches.get_or_insert_with(|| crate::engine::wire::Caches::new(ctx));
            match crate::engine::wire::read(ctx, bytes, caches) {
                Ok(Some(v)) => return Ok(Decoded::Js(v)),
                Ok(None) => {}
                Err(e) => return Ok(Decoded::Engine(e)),
            }
        }
        msgport_clone::deserialize_with_transfer(bytes, buffers, ports, Default::default())
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
fn id_pair<'js>(ctx: &Ctx<'js>, ids: [u32; 2]) -> rquickjs::Result<Value<'js>> {
    let ids = ids.map(|id| Value::new_number(ctx.clone(), f64::from(id)));
    crate::engine::ffi::array_of(ctx, ids.into())
}

/// An exception from building a received value in the engine: cleared,
/// so that the caller fires `messageerror` instead, unless the context is
/// being terminated (then the uncatchable interruption goes on) or the
/// error is not an exception (out of memory).
fn cannot_build(ctx: &Ctx<'_>, host: &Shared, e: rquickjs::Error) -> rquickjs::Result<()> {
    if !matches!(e, rquickjs::Error::Exception) || host.borrow().signal.is_terminated() {
        return Err(e);
    }
    drop(ctx.catch());
    Ok(())
}

/// Fires `message` with `data` (and no ports) at port `id` natively if
/// the port is registered for it (crates/js/src/deliver.rs); else gives
/// the data back for the general delivery.
fn fire_fast<'js>(
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

/// Runs one task another thread queued (a worker's error). Returns the
/// text to print when nobody handled the error.
pub(crate) fn run_inbox_task<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
) -> rquickjs::Result<Option<Option<String>>> {
    let task = host.borrow().inbox.pop();
    let Some(task) = task else { return Ok(None) };
    match task {
        HostTask::Connect { port } => {
            let hooks = hooks(ctx, host)?;
            let pid = host.borrow_mut().register(port);
            let p: Object = hooks.make_port()?.call((pid,))?;
            let connect: Function = internal(ctx, host)?.get("connect")?;
            connect.call::<_, ()>((p,))?;
            Ok(Some(None))
        }
        HostTask::Broadcast { channel, message } => {
            if !host.borrow().broadcasts.contains_key(&channel) {
                return Ok(Some(None)); // closed since
            }
            let hooks = hooks(ctx, host)?;
            let undefined = Value::new_undefined(ctx.clone());
            let origin = message.origin();
            let data = match message.data().map_err(Fail::Clone) {
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
            Ok(Some(None))
        }
        HostTask::WorkerError {
            port,
            message,
            filename,
            lineno,
            colno,
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
            Ok(Some((!handled).then(|| {
                if filename.is_empty() {
                    format!("{message} (in a worker)")
                } else {
                    format!("{message} (in a worker, {filename}:{lineno}:{colno})")
                }
            })))
        }
    }
}

/// Makes the `host` object and runs the preludes with it.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
    state: &Rc<RefCell<LoopState>>,
) -> rquickjs::Result<()> {
    let h = Object::new(ctx.clone())?;
    let internal = Object::new(ctx.clone())?;

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
                if transfer.0.is_none() && post_direct(&ctx, &s, id, Lent::of(&message))? {
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
    crate::engine::native::host_functions(ctx, &h)?;
    // The native delivery (crates/js/src/deliver.rs): what it needs from
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
    // The direct writer's slot reader (crates/js/src/wire_direct.rs).
    let s = host.clone();
    h.set(
        "slotReader",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, f: Function<'js>| {
            s.borrow_mut().slot_reader = Some(crate::engine::wire::SlotReader::new(&ctx, &f));
        })?,
    )?;
    // MessagePort objects are of a native class (crates/js/src/native.rs):
    // the prelude hands over the prototype and its own postMessage (for a
    // call with a transfer argument) and gets the native postMessage.
    let s = host.clone();
    h.set(
        "portClass",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, proto: Object<'js>, slow: Function<'js>| {
                let mut st = s.borrow_mut();
                st.port_proto = Some(Persistent::save(&ctx, proto));
                st.post_slow = Some(Persistent::save(&ctx, slow));
                crate::engine::native::post_message_function(&ctx)
            },
        )?,
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
            crate::engine::native::new_port_object(&ctx, &proto.restore(&ctx)?, id)
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
    // BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts).
    let s = host.clone();
    h.set(
        "bcJoin",
        Function::new(ctx.clone(), move |name: String| -> u32 {
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
    let s = host.clone();
    h.set(
        "spawnWorker",
        Function::new(
            ctx.clone(),
            move |url: String, source: Option<String>, name: String, kind: String| -> u32 {
                spawn_worker(&s, url, source, name, kind == "module")
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "spawnSharedWorker",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  url: String,
                  source: Option<String>,
                  name: String,
                  kind: String|
                  -> rquickjs::Result<Value<'js>> {
                id_pair(
                    &ctx,
                    spawn_shared_worker(&s, url, source, name, kind == "module"),
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
                w.signal.terminate();
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
            s.borrow_mut().closing = true;
        })?,
    )?;
    h.set(
        "importScript",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, url: String| -> rquickjs::Result<()> {
                let source = crate::runtime::load_source(&url)
                    .map_err(|e| Exception::throw_message(&ctx, &format!("importScripts: {e}")))?;
                let mut opts = rquickjs::context::EvalOptions::default();
                opts.strict = false;
                opts.filename = Some(url);
                ctx.eval_with_options::<(), _>(source, opts)
            },
        )?,
    )?;
    // atob/btoa (HTML #atob): forgiving-base64 decode (data-url crate) and
    // standard base64 encode over Latin-1 strings; `None` is an error.
    h.set(
        "atob",
        Function::new(ctx.clone(), move |data: String| -> Option<String> {
            let bytes = data_url::forgiving_base64::decode_to_vec(data.as_bytes()).ok()?;
            Some(bytes.into_iter().map(char::from).collect())
        })?,
    )?;
    h.set(
        "btoa",
        Function::new(ctx.clone(), move |data: String| -> Option<String> {
            let bytes: Option<Vec<u8>> = data
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect();
            Some(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                bytes?,
            ))
        })?,
    )?;
    h.set(
        "utf8Encode",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, s: String| {
            ArrayBuffer::new(ctx, s.into_bytes())
        })?,
    )?;
    h.set(
        "utf16Length",
        Function::new(ctx.clone(), move |bytes: TypedArray<'js, u8>| -> usize {
            String::from_utf8_lossy(&crate::engine::ffi::typed_array_bytes(&bytes))
                .encode_utf16()
                .count()
        })?,
    )?;
    h.set(
        "utf8Decode",
        Function::new(
            ctx.clone(),
            move |bytes: TypedArray<'js, u8>, fatal: bool, ignore_bom: bool| -> Option<String> {
                let all = crate::engine::ffi::typed_array_bytes(&bytes);
                let mut b: &[u8] = &all;
                if !ignore_bom && b.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    b = &b[3..];
                }
                if fatal {
                    std::str::from_utf8(b).ok().map(str::to_string)
                } else {
                    Some(String::from_utf8_lossy(b).into_owned())
                }
            },
        )?,
    )?;
    h.set(
        "randomBytes",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, n: usize| {
            let bytes = random_bytes(&ctx, n.min(65536))?;
            ArrayBuffer::new(ctx, bytes)
        })?,
    )?;
    // crypto.subtle.digest's hashing (WebCrypto #sha): `None` for an
    // algorithm this host does not have.
    h.set(
        "digest",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  algorithm: String,
                  data: TypedArray<'js, u8>|
                  -> rquickjs::Result<Option<ArrayBuffer<'js>>> {
                use sha2::Digest;
                let bytes = crate::engine::ffi::typed_array_bytes(&data);
                let out: Vec<u8> = match algorithm.as_str() {
                    "SHA-1" => sha1::Sha1::digest(&bytes).to_vec(),
                    "SHA-256" => sha2::Sha256::digest(&bytes).to_vec(),
                    "SHA-384" => sha2::Sha384::digest(&bytes).to_vec(),
                    "SHA-512" => sha2::Sha512::digest(&bytes).to_vec(),
                    _ => return Ok(None),
                };
                ArrayBuffer::new(ctx, out).map(Some)
            },
        )?,
    )?;
    h.set("version", env!("CARGO_PKG_VERSION"))?;
    h.set(
        "hardwareConcurrency",
        std::thread::available_parallelism().map_or(1, |n| n.get()) as u32,
    )?;
    h.set(
        "uuid",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>| -> rquickjs::Result<String> {
                let n = u128::from_le_bytes(rand_bytes(&ctx)?);
                let h = format!("{n:032x}");
                Ok(format!(
                    "{}-{}-4{}-a{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[13..16],
                    &h[17..20],
                    &h[20..32]
                ))
            },
        )?,
    )?;
    h.set(
        "urlParse",
        Function::new(
            ctx.clone(),
            move |input: String, base: Option<String>| -> Option<Vec<String>> {
                crate::url::parse(&input, base.as_deref())
            },
        )?,
    )?;
    h.set(
        "urlSet",
        Function::new(
            ctx.clone(),
            move |href: String, part: String, value: String| -> Option<Vec<String>> {
                crate::url::set(&href, &part, &value)
            },
        )?,
    )?;
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

    crate::console::install_print(ctx, &h, state)?;
    for (name, src) in PRELUDES {
        let f: Function = ctx
            .eval(*src)
            .inspect_err(|_| eprintln!("msgport: prelude {name} failed to compile"))?;
        f.call::<_, ()>((h.clone(), internal.clone()))?;
    }
    let samples: rquickjs::Array = internal.get::<_, Function>("cloneSamples")?.call(())?;
    {
        let mut st = host.borrow_mut();
        let mut classes = Classes::learn(&samples)?;
        // Port objects are ordinary objects of their own class: their
        // brand makes them a platform object to the clone.
        classes.add_ordinary(crate::engine::native::port_class());
        classes.add_ordinary(crate::engine::native::event_class());
        st.classes = Some(Rc::new(classes));
        st.hooks = Some(Rc::new(crate::engine::intrinsics::StoredHooks::new(
            ctx, &internal,
        )?));
        st.internal = Some(Persistent::save(ctx, internal));
    }
    Ok(())
}

const PRELUDES: &[(&str, &str)] = &[
    ("console.js", include_str!("../prelude/console.js")),
    ("events.js", include_str!("../prelude/events.js")),
    ("clone.js", include_str!("../prelude/clone.js")),
    ("messaging.js", include_str!("../prelude/messaging.js")),
    ("web.js", include_str!("../prelude/web.js")),
    ("platform.js", include_str!("../prelude/platform.js")),
];

/// Bytes from the operating system's CSPRNG (`crypto.getRandomValues`,
/// `crypto.randomUUID`, blob URLs). There is no fallback: bytes that are
/// not cryptographically random must never pass for random ones, so a
/// failure of the OS source is an exception in JavaScript.
fn random_bytes<'js>(ctx: &Ctx<'js>, n: usize) -> rquickjs::Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    match getrandom::fill(&mut out) {
        Ok(()) => Ok(out),
        Err(e) => Err(rquickjs::Exception::throw_message(
            ctx,
            &format!("crypto: the operating system's random source failed: {e}"),
        )),
    }
}

fn rand_bytes(ctx: &Ctx<'_>) -> rquickjs::Result<[u8; 16]> {
    let mut out = [0u8; 16];
    out.copy_from_slice(&random_bytes(ctx, 16)?);
    Ok(out)
}

/// `new Worker(url, {name, type})`: a thread with its own runtime, joined
/// to this context by the worker's implicit MessageChannel. Returns the
/// port id of the Worker object's side.
fn spawn_worker(
    host: &Shared,
    url: String,
    source: Option<String>,
    name: String,
    module: bool,
) -> u32 {
    let (outside, inside) = MessageChannel::new().into_ports();
    let mut st = host.borrow_mut();
    let id = st.register(outside);
    let signal = Signal::new(st.signal.group().clone());
    let init = WorkerInit {
        url,
        source,
        name,
        module,
        signal,
        kind: WorkerKind::Dedicated {
            port: inside,
            parent: ParentLink {
                inbox: st.inbox.clone(),
                port: id,
            },
        },
    };
    st.workers
        .insert(id, start_worker_thread("msgport-worker", init));
    id
}

/// Runs a worker on a thread of its own; if no thread can be had, its
/// context ends at once (so the run is not kept waiting for it).
fn start_worker_thread(name: &str, init: WorkerInit) -> WorkerHandle {
    let signal = init.signal.clone();
    let thread = std::thread::Builder::new()
        .name(name.into())
        .stack_size(16 << 20)
        .spawn(move || JsRuntime::run_worker(init))
        .ok();
    if thread.is_none() {
        signal.end();
    }
    WorkerHandle { signal, thread }
}

/// `new SharedWorker(url, {name, type})` (HTML `#shared-workers-and-the-sharedworker-interface`):
/// a new MessageChannel whose inside port goes, as a `connect` event, to the
/// run's shared worker for (url, name), which is started if there is none.
/// Returns the port id of the outside port (`sharedWorker.port`).
fn spawn_shared_worker(
    host: &Shared,
    url: String,
    source: Option<String>,
    name: String,
    module: bool,
) -> [u32; 2] {
    let (outside, inside) = MessageChannel::new().into_ports();
    let mut st = host.borrow_mut();
    let id = st.register(outside);
    // The SharedWorker object's own id, for an `error` if the script fails.
    let object = st.next_port;
    st.next_port += 1;
    let creator = ParentLink {
        inbox: st.inbox.clone(),
        port: object,
    };
    let group = st.signal.group().clone();
    group.connect_shared_worker(&url, &name, inside, |inbox, signal| {
        let init = WorkerInit {
            url: url.clone(),
            source,
            name: name.clone(),
            module,
            signal,
            kind: WorkerKind::Shared { inbox, creator },
        };
        start_worker_thread("msgport-shared-worker", init)
    });
    [id, object]
}

/// Prints to the context's stderr (used for errors nobody handled).
pub(crate) fn print_error(state: &Rc<RefCell<LoopState>>, text: &str) {
    let st = state.borrow();
    st.out.line(true, text);
}
