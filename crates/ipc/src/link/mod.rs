//! A link: one peer process, its transport, its routes, and the two
//! threads that carry them (the writer reads bridges and writes frames;
//! the reader reads frames and posts at bridges).
//!
//! A link lives until its transport fails or the peer sends a frame it
//! must not (a [`LinkError`]); then every route on it closes: each user
//! port entangled with one of its bridges gets `close`, after the messages
//! already delivered. Nothing else of the node is touched.

mod bypass;
mod flow;
mod idle;
mod lead;
mod moving;
mod reader;
mod splice;
mod writer;

pub(crate) use bypass::Job;
pub(crate) use idle::watch_idle;

use crate::engine::region::RegionError;
use crate::frame::{FrameError, Limits, RouteId, Splitter};
use crate::route::Routes;
use crate::transport::Transport;
use msgport::{EventLoop, MessageChannel, MessagePort};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Why a link closed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The peer closed its end, exited or was killed.
    #[error("the peer process is gone")]
    PeerGone,
    /// Reading or writing failed.
    #[error("link i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The peer's bytes are not a frame.
    #[error("malformed frame: {0}")]
    Frame(#[from] FrameError),
    /// A buffer's memfd was refused.
    #[error("bad buffer region: {0}")]
    Region(#[from] RegionError),
    /// A frame the protocol does not allow here: a handshake frame after
    /// the handshake, a sequence gap, a route opened twice, a buffer with
    /// no descriptor, too many routes or descriptors.
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// An introduced link that no route used for `Bounds::idle_close`:
    /// both nodes agreed to close it (see `link/idle.rs`).
    #[error("closed while idle, by both nodes")]
    Idle,
}

/// Bounds a link keeps, whatever its peer sends. The defaults suit most
/// uses; a [`Listener`](crate::Listener) can be given others.
///
/// ```
/// let mut l = msgport_ipc::Listener::bind_private().unwrap();
/// l.set_bounds(msgport_ipc::Bounds { pause_bytes: 1 << 20, ..Default::default() });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// What one frame may hold.
    pub frame: Limits,
    /// The most routes open on one link.
    pub max_routes: usize,
    /// The most received descriptors waiting for their frame.
    pub max_pending_fds: usize,
    /// A route whose receiving port holds more than this many bytes is
    /// paused (`Pause`), and resumed once it holds less than half.
    pub pause_bytes: usize,
    /// How much a peer may still send on a route after it was paused (what
    /// was in flight) before that counts as ignoring `Pause`, on top of one
    /// frame.
    pub max_after_pause: usize,
    /// Whether this node may introduce the link's peer to other nodes, and
    /// accept introductions from it (see ARCHITECTURE.md, "Bypassing a
    /// proxy"). With `false` — a broker's sandboxed child that must talk
    /// to its parent only — a port moved between this link and another
    /// keeps this node as its proxy, and the peer gets no socket to
    /// anyone.
    pub introductions: bool,
    /// An introduced link (one a proxy made between this node and
    /// another) that has had no route for this long is closed, if the
    /// other node has none either: a socket and two threads on each side
    /// are given back. A later bypass between the two introduces them
    /// anew. `None` keeps introduced links open until a peer goes. Links
    /// inherit it from the link they were introduced by.
    pub idle_close: Option<std::time::Duration>,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            frame: Limits::default(),
            max_routes: 1 << 20,
            max_pending_fds: 1024,
            pause_bytes: 16 << 20,
            max_after_pause: 64 << 20,
            introductions: true,
            idle_close: Some(std::time::Duration::from_secs(5)),
        }
    }
}

/// What a link counts.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Frames for routes this link does not have (dropped).
    pub(crate) unknown_route: AtomicU64,
    /// Messages that could not be sent (over the frame limits, or no
    /// memfd): dropped, their ports closed.
    pub(crate) oversize: AtomicU64,
    /// Writes to the transport (each a batch of frames).
    pub(crate) writes: AtomicU64,
    pub(crate) inline_writes: AtomicU64,
    pub(crate) frames_in: AtomicU64,
    /// Reads from the transport, and those made by a thread blocked on one
    /// of the link's ports rather than by the reader thread.
    pub(crate) reads: AtomicU64,
    pub(crate) lent_reads: AtomicU64,
    /// Pairs of routes spliced away (as the proxy or the merging side).
    pub(crate) spliced: AtomicU64,
    /// Routes bypassed (as the proxy, or as an end that moved).
    pub(crate) bypassed: AtomicU64,
}

/// One link, as [`links`](crate::links) reports it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LinkStats {
    /// The peer process's node name.
    pub peer: u128,
    /// Routes (ports across this link) open now.
    pub routes: usize,
    /// Frames read.
    pub frames_in: u64,
    /// Writes to the transport, each a batch of frames.
    pub writes: u64,
    /// Of those, the writes made by a posting thread itself, with no
    /// hand-off to the link's writer thread (a lone post, or the first
    /// two of a burst); the others were batched by the writer thread.
    pub inline_writes: u64,
    /// Reads from the transport (each up to 256 KiB, every whole frame in
    /// it handled).
    pub reads: u64,
    /// Of those, the reads made by a thread blocked on one of the link's
    /// ports, which took the read role rather than wait for the reader
    /// thread to wake it (see ARCHITECTURE.md, "Who reads").
    pub lent_reads: u64,
    /// Frames for routes this link never had or had closed (dropped).
    pub unknown_route: u64,
    /// Messages that could not be sent (dropped, their ports closed).
    pub dropped: u64,
    /// Pairs of routes spliced away because a port came back to the
    /// process of its peer (this node was the proxy or the merging side).
    pub spliced: u64,
    /// Routes of this link bypassed: this node was a proxy between this
    /// link and another, introduced their two peers to each other and
    /// left (one per route it forgot), or the other end of this route
    /// moved to a link of its own with the port's peer.
    pub bypassed: u64,
    /// Whether a proxy introduced this link (rather than `spawn` or an
    /// invitation).
    pub introduced: bool,
    /// Why the link closed; `None` while it is open.
    pub closed: Option<Arc<LinkError>>,
}

/// The writer's wake-up: set by the event loop's wake, cleared by the writer.
#[derive(Default)]
struct Bell {
    rung: Mutex<bool>,
    cv: Condvar,
}

/// One link to a peer node.
pub(crate) struct Link {
    /// This link's name in this process (see [`Node::link_id`](crate::node::Node)).
    pub(crate) id: u64,
    /// The peer node's name.
    pub(crate) peer: u128,
    /// A proxy introduced this link.
    introduced: bool,
    transport: Arc<dyn Transport>,
    pub(crate) bounds: Bounds,
    routes: Mutex<Routes>,
    /// Every bridge of this link is bound here; the writer pulls from it.
    event_loop: EventLoop,
    bell: Bell,
    /// Set once, when the link closes.
    dead: AtomicBool,
    /// Set by every wake of the event loop (see `writer.rs`).
    dirty: AtomicBool,
    /// Whoever drains the event loop into the transport holds this.
    drain: Mutex<writer::Drain>,
    /// Frames the node's threads want sent (`Pause`, `Resume`, the
    /// splice's and the bypass's), each with the descriptor that goes
    /// beside it, written before the next tasks.
    control: Mutex<Vec<(crate::frame::Frame, Option<rustix::fd::OwnedFd>)>>,
    /// Routes opened for shipped ports, to be checked for a proxy once the
    /// routes' lock is let go (see `bypass.rs`).
    shipped: Mutex<Vec<RouteId>>,
    /// `shipped` may hold routes: set after they are added, cleared by
    /// the check that takes them.
    shipped_noted: AtomicBool,
    /// The links the peer introduced this node to, by the introduction's
    /// name (see `bypass.rs`).
    intros: Mutex<std::collections::HashMap<u128, std::sync::Weak<Link>>>,
    /// Bypasses this node is the proxy of, whose route on this link is
    /// ended once its bridge's queue is written.
    bypass_ends: Mutex<Vec<(RouteId, Arc<Job>)>>,
    /// `bypass_ends.len()`, stored under it.
    bypass_ending: std::sync::atomic::AtomicUsize,
    /// Acknowledged splices this node is the proxy of, waiting for their
    /// bridges' queues to be written (see `splice.rs`).
    ends: Mutex<Vec<(RouteId, RouteId)>>,
    /// `ends.len()`, stored under `ends`: the writer looks at `ends` only
    /// when it is not zero.
    ending: std::sync::atomic::AtomicUsize,
    /// A paused route's port may have drained (see `flow.rs`).
    resume_check: AtomicBool,
    /// When a user's thread last woke this link (nanoseconds since
    /// `epoch`), and how many wakes in a row came closer than
    /// `writer::STREAMING_NS` to the one before: the stream heuristic's
    /// state (relaxed: a lost update only moves one post to the other
    /// path).
    last_kick: AtomicU64,
    quick_kicks: std::sync::atomic::AtomicU32,
    /// `counters.reads` at the last wake from a user's thread: a read
    /// between two posts makes them a conversation, not a stream.
    reads_at_kick: AtomicU64,
    epoch: std::time::Instant,
    /// This link, for the wakers it hands out.
    me: std::sync::Weak<Link>,
    /// Who reads the transport now (see `lead/mod.rs`).
    role: lead::Role,
    /// Whether the transport's receive timeout is set, for leaders'
    /// blocking reads (set by the first).
    recv_timeout_set: std::sync::OnceLock<bool>,
    /// Set on every bridge of this link, so that a thread blocked on the
    /// bridge's peer reads for the link; `None` when the transport cannot
    /// be polled or no eventfd could be made.
    pub(crate) hook: Option<Arc<dyn msgport::WaitHook>>,
    pub(crate) counters: Counters,
    /// Why it closed.
    pub(crate) error: Mutex<Option<Arc<LinkError>>>,
}

impl Link {
    /// Starts a link over `transport` (handshake done): its writer and
    /// reader threads. `leftover` holds bytes read past the handshake.
    /// `first` (the bootstrap route) is opened before the reader starts,
    /// so that a message the peer sent on it at once is not taken for one
    /// on an unknown route; its user's port is returned.
    pub(crate) fn start(
        peer: u128,
        transport: Arc<dyn Transport>,
        leftover: Splitter,
        bounds: Bounds,
        introduced: bool,
        first: Option<RouteId>,
    ) -> std::io::Result<(Arc<Link>, Option<MessagePort>)> {
        let link = Arc::new_cyclic(|me: &std::sync::Weak<Link>| {
            let weak = me.clone();
            let role = lead::Role::new(transport.poll_fd());
            let hook: Option<Arc<dyn msgport::WaitHook>> = match role.wake {
                Some(_) => Some(Arc::new(lead::LinkHook { link: me.clone() })),
                None => None,
            };
            Link {
                id: crate::node::Node::get().link_id(),
                peer,
                introduced,
                transport,
                bounds,
                routes: Mutex::new(Routes::default()),
                event_loop: EventLoop::new(move || {
                    if let Some(l) = weak.upgrade() {
                        l.kick();
                    }
                }),
                bell: Bell::default(),
                dead: AtomicBool::new(false),
                dirty: AtomicBool::new(false),
                drain: Mutex::new(writer::Drain::default()),
                control: Mutex::new(Vec::new()),
                shipped: Mutex::new(Vec::new()),
                shipped_noted: AtomicBool::new(false),
                intros: Mutex::new(std::collections::HashMap::new()),
                bypass_ends: Mutex::new(Vec::new()),
                bypass_ending: std::sync::atomic::AtomicUsize::new(0),
                ends: Mutex::new(Vec::new()),
                ending: std::sync::atomic::AtomicUsize::new(0),
                resume_check: AtomicBool::new(false),
                me: me.clone(),
                role,
                recv_timeout_set: std::sync::OnceLock::new(),
                hook,
                last_kick: AtomicU64::new(0),
                quick_kicks: std::sync::atomic::AtomicU32::new(0),
                reads_at_kick: AtomicU64::new(0),
                epoch: std::time::Instant::now(),
                counters: Counters::default(),
                error: Mutex::new(None),
            }
        });
        let port = first.map(|r| link.open_route(r));
        let w = link.clone();
        std::thread::Builder::new()
            .name("msgport-ipc-writer".into())
            .spawn(move || writer::run(&w))?;
        let r = link.clone();
        std::thread::Builder::new()
            .name("msgport-ipc-reader".into())
            .spawn(move || reader::run(&r, leftover))?;
        Ok((link, port))
    }

    pub(crate) fn routes(&self) -> MutexGuard<'_, Routes> {
        self.routes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens `route` here and returns the user's port of it.
    pub(crate) fn open_route(&self, route: RouteId) -> MessagePort {
        let (user, bridge) = MessageChannel::new().into_ports();
        if self.is_dead() {
            // The bridge goes now: the user's port gets `close`.
            return user;
        }
        self.routes()
            .open(route, bridge, &self.event_loop, &self.hook);
        user
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// Closes the link for `why`: every route's bridge is dropped (its
    /// user port gets `close`), the transport is shut down, the writer ends.
    pub(crate) fn die(&self, why: LinkError) {
        if self.dead.swap(true, Ordering::AcqRel) {
            return;
        }
        // The peer's end, read while this node waited for its answer to
        // `Idle`: the peer agreed (see `idle.rs`).
        let why = match why {
            LinkError::PeerGone if self.routes().closing => LinkError::Idle,
            why => why,
        };
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(why));
        self.transport.shutdown();
        self.role.close();
        let ends = self.routes().drain();
        for end in ends {
            self.dispose(end);
        }
        drop(std::mem::take(
            &mut *self.bypass_ends.lock().unwrap_or_else(|e| e.into_inner()),
        ));
        self.ring();
        crate::node::Node::get().forget(self);
    }

    fn ring(&self) {
        let mut rung = self.bell.rung.lock().unwrap_or_else(|e| e.into_inner());
        if !*rung {
            *rung = true;
            self.bell.cv.notify_one();
        }
    }

    /// Whether everything posted to this link's bridges has been written.
    pub(crate) fn idle(&self) -> bool {
        if self.is_dead() {
            return true;
        }
        !self.dirty.load(Ordering::SeqCst)
            && !self.event_loop.has_ready()
            && self.drain.try_lock().is_ok_and(|d| d.is_empty())
    }

    /// A snapshot of what this link did.
    pub(crate) fn stats(&self) -> LinkStats {
        let c = &self.counters;
        LinkStats {
            peer: self.peer,
            routes: self.routes().by_route.len(),
            frames_in: c.frames_in.load(Ordering::Relaxed),
            reads: c.reads.load(Ordering::Relaxed),
            lent_reads: c.lent_reads.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            inline_writes: c.inline_writes.load(Ordering::Relaxed),
            unknown_route: c.unknown_route.load(Ordering::Relaxed),
            dropped: c.oversize.load(Ordering::Relaxed),
            spliced: c.spliced.load(Ordering::Relaxed),
            bypassed: c.bypassed.load(Ordering::Relaxed),
            introduced: self.introduced,
            closed: self.error.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Whether `port` is entangled with one of this link's bridges.
    pub(crate) fn bridges_to(&self, port: &MessagePort) -> bool {
        port.peer_name()
            .is_some_and(|p| self.routes().by_port.contains_key(&p))
    }
}
