//! The native side of the web globals: the `host` object the preludes
//! (`src/prelude/*.js`) are given, the table of this context's ports, and
//! Workers. The rules of ports live in the msgport crate; this module maps
//! JS ids to `msgport::MessagePort` handles and JS values to graphs.
#![forbid(unsafe_code)]

use crate::clone::Fail;
use crate::engine::{classes::Classes, intrinsics::Hooks};
use crate::runtime::signal::Signal;
use msgport::{EventLoop, MessagePort, PortName};
use rquickjs::{Ctx, Object, Persistent, Value};
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
        /// The report as the worker would print it (the value and the
        /// frames of its stack), if it was an exception.
        report: Option<String>,
        /// The worker's name.
        worker: String,
    },
    /// A worker whose script could not be fetched, parsed or started (HTML
    /// `#run-a-worker`: "if script is null or its error to rethrow is not
    /// null"): a plain `error` event at its Worker object, never reported
    /// as an exception of this context. `text` is printed if the Worker
    /// object has no `error` listener.
    WorkerFailed {
        port: u32,
        text: String,
        /// The worker's name.
        worker: String,
    },
    /// A new connection to this shared worker: the inside port of a
    /// SharedWorker object's channel, for a `connect` event.
    Connect { port: MessagePort },
    /// A post for this context's BroadcastChannels of one name
    /// (`HostState::broadcasts` says which of them it is for).
    Broadcast { post: msgport::HubPost },
    /// The thread of the dedicated worker whose Worker object has the port
    /// id `port` has ended: it is joined now (its memory goes back at
    /// once, not at the end of the run).
    WorkerExited { port: u32 },
    /// `Atomics.notify` woke this context's `Atomics.waitAsync` waiter `id`
    /// (`runtime::atomics`): its promise resolves to "ok".
    AtomicsWoken { id: u32 },
}

/// Tasks from other threads, with the wake-up line of their context.
pub(crate) struct Inbox {
    tasks: Mutex<VecDeque<HostTask>>,
    /// How many tasks are queued: the loop looks at it each turn, without
    /// the lock. (Counted up before the wake, so a task pushed after a
    /// look still wakes the loop.)
    queued: std::sync::atomic::AtomicUsize,
    signal: Arc<Signal>,
    /// The worker global scope's closing flag (HTML `#dom-workerglobalscope-closing`),
    /// seen from other threads: a closing shared worker takes no new
    /// connections (HTML `#dom-sharedworker`), one is started instead.
    closing: std::sync::atomic::AtomicBool,
}

impl Inbox {
    /// An empty inbox that wakes `signal`.
    pub(crate) fn new(signal: Arc<Signal>) -> Arc<Self> {
        Arc::new(Inbox {
            tasks: Mutex::new(VecDeque::new()),
            queued: std::sync::atomic::AtomicUsize::new(0),
            signal,
            closing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Sets the closing flag of the context this inbox belongs to.
    pub(crate) fn set_closing(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether the context this inbox belongs to is closing.
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn push(&self, t: HostTask) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.push_back(t);
        self.queued
            .store(tasks.len(), std::sync::atomic::Ordering::Release);
        drop(tasks);
        self.signal.wake();
    }
    pub(crate) fn pop(&self) -> Option<HostTask> {
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
    /// The blob URLs this context made (in the run's store until revoked;
    /// the rest go when the context ends).
    pub(crate) blob_urls_made: Vec<String>,
    pub(crate) ports: FxHashMap<u32, MessagePort>,
    pub(crate) names: FxHashMap<PortName, u32>,
    pub(crate) next_port: u32,
    pub(crate) event_loop: EventLoop,
    pub(crate) signal: Arc<Signal>,
    pub(crate) inbox: Arc<Inbox>,
    /// The id of this context's latest `Atomics.waitAsync` waiter.
    pub(crate) next_waiter: u32,
    pub(crate) workers: HashMap<u32, WorkerHandle>,
    /// Ports handed in from Rust (`JsRuntime::add_port`): their peers are
    /// outside the run, so each keeps the run alive (as a context that is
    /// always busy) until it closes, is collected, or moves away.
    pub(crate) external: HashMap<u32, Arc<Signal>>,
    /// This context's BroadcastChannels (made at the first one): the
    /// standard's rules are msgport's (`msgport::BroadcastHub`).
    broadcasts: Option<msgport::BroadcastHub>,
    /// `close()` in a worker: finish the current task, then stop.
    pub(crate) closing: bool,
    /// The URL scripts and workers resolve against.
    pub(crate) base_url: String,
    /// Unique to this context in the process: what tells its opaque
    /// origin (a `data:` worker's) from every other.
    pub(crate) context_key: u64,
    /// This context is a worker: its implicit port and its parent.
    pub(crate) worker: Option<(u32, String, ParentLink)>,
    /// This context is a shared worker: its name.
    pub(crate) shared: Option<String>,
    /// Shared, so that a serialization (which may run getters, which may
    /// call back into the host) holds no borrow of this state.
    pub(crate) classes: Option<Rc<Classes>>,
    pub(crate) hooks: Option<Rc<crate::engine::intrinsics::StoredHooks>>,
    pub(crate) internal: Option<Persistent<Object<'static>>>,
    /// `MessagePort.prototype`, for the port objects made natively.
    pub(crate) port_proto: Option<Persistent<Object<'static>>>,
    /// The native built-ins the fast paths call (captured by the prelude):
    /// what the engine's API cannot read or make (a Date's time value, a
    /// Map's entries, a RegExp's source…).
    pub(crate) natives: Option<std::rc::Rc<crate::engine::natives::Natives>>,
    /// Ports whose messages are delivered natively (crates/js/src/engine/deliver.rs).
    pub(crate) fast: Option<crate::engine::deliver::FastTargets>,
    /// The direct writer's and reader's caches (crates/js/src/engine/wire/cache.rs;
    /// they hold atoms and values). In a cell of its own: the reader runs
    /// while the event loop is borrowed from this state.
    pub(crate) wire: RefCell<Option<crate::engine::wire::Caches>>,
}

impl HostState {
    /// What the direct wire writer needs of this context (`None` before
    /// the prelude has told the classes).
    pub(crate) fn wire_env(&self) -> Option<crate::engine::wire::Env<'_>> {
        Some(crate::engine::wire::Env {
            classes: self.classes.as_ref()?,
            object_proto: self.hooks.as_ref().map_or(0, |k| k.object_proto()),
            natives: self.natives.as_deref(),
        })
    }

    pub(crate) fn new(signal: Arc<Signal>, base_url: String) -> Self {
        crate::runtime::modules::set_context_base(&base_url);
        let s = signal.clone();
        HostState {
            blob_urls_made: Vec::new(),
            ports: FxHashMap::default(),
            names: FxHashMap::default(),
            next_port: 1,
            event_loop: EventLoop::new(move || s.wake()),
            inbox: Inbox::new(signal.clone()),
            next_waiter: 0,
            signal,
            workers: HashMap::new(),
            broadcasts: None,
            external: HashMap::new(),
            closing: false,
            base_url,
            context_key: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
            worker: None,
            shared: None,
            classes: None,
            hooks: None,
            internal: None,
            port_proto: None,
            natives: None,
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
    /// `close()` of the BroadcastChannel `id` (or its collection): it
    /// gets nothing more; the hub leaves the run's group with its last
    /// channel.
    pub(crate) fn leave_broadcast(&mut self, id: u32) {
        if let Some(hub) = &mut self.broadcasts {
            hub.leave(id);
        }
    }

    /// This context's BroadcastChannels: a post from another context is
    /// one task on its inbox; once the context has ended (its inbox is
    /// gone) its members leave the run's group.
    pub(crate) fn broadcasts(&mut self) -> &mut msgport::BroadcastHub {
        self.broadcasts.get_or_insert_with(|| {
            let inbox = Arc::downgrade(&self.inbox);
            let origin = broadcast_origin(&self.base_url, self.context_key);
            let group = &self.signal.group().broadcasts;
            msgport::BroadcastHub::new(group, &origin, move |post| match inbox.upgrade() {
                Some(inbox) => {
                    inbox.push(HostTask::Broadcast { post });
                    true
                }
                None => false,
            })
        })
    }

    /// How messages for this context are decoded: a SharedArrayBuffer of
    /// another agent cluster is a DataCloneError here, so `messageerror`
    /// (HTML `#structureddeserialize`).
    pub(crate) fn decode_options(&self) -> msgport_clone::DecodeOptions {
        msgport_clone::DecodeOptions {
            agent_cluster: Some(self.signal.cluster()),
            ..Default::default()
        }
    }

    /// The hub, if a BroadcastChannel was ever made here.
    pub(crate) fn broadcast_hub(&self) -> Option<&msgport::BroadcastHub> {
        self.broadcasts.as_ref()
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

    /// Whether this context is a worker's, dedicated or shared.
    pub(crate) fn in_worker(&self) -> bool {
        self.worker.is_some() || self.shared.is_some()
    }

    /// Stops every worker this context started and waits for their threads;
    /// the run's first context stops the shared workers too.
    pub(crate) fn stop_workers(&mut self) -> Vec<std::thread::JoinHandle<()>> {
        let shared = if !self.in_worker() {
            self.signal.group().take_shared_workers()
        } else {
            Vec::new()
        };
        self.workers
            .drain()
            .map(|(_, w)| w)
            .chain(shared)
            .filter_map(|mut w| {
                w.signal.terminate_worker();
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
        self.natives = None;
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
pub(crate) fn throw_fail<'js>(ctx: &Ctx<'js>, host: &Shared, e: Fail) -> rquickjs::Error {
    match e {
        Fail::Js(e) => e,
        Fail::Clone(e) => throw_data_clone_error(ctx, host, &e),
    }
}

pub(crate) fn throw_data_clone_error<'js>(
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

pub(crate) fn hooks<'js>(ctx: &Ctx<'js>, host: &Shared) -> rquickjs::Result<Hooks<'js>> {
    let h = host.borrow();
    Ok(h.hooks
        .as_ref()
        .ok_or(rquickjs::Error::Unknown)?
        .restore(ctx))
}

/// Runs `f` (a serialization, which may run user code that calls back into
/// the host) with the class table, holding no borrow of the host state.
pub(crate) fn with_classes<R>(host: &Shared, f: impl FnOnce(&Classes) -> R) -> R {
    let classes = host
        .borrow()
        .classes
        .clone()
        .expect("classes learnt at start-up");
    f(&classes)
}

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
