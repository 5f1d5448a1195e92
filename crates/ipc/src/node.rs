//! The node: one per process, named by 128 random bits, holding its links.

use crate::frame::RouteId;
use crate::link::{Link, LinkStats};
use msgport::MessagePort;
use rustix::fd::OwnedFd;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// This process's node.
pub(crate) struct Node {
    pub(crate) name: u128,
    links: Mutex<Vec<Arc<Link>>>,
    /// The next link's [`Link::id`].
    next_link: AtomicU64,
    /// The introductions this node made as a proxy: the two links' ids
    /// (lower first) → the introduction's name. Reused for every bypass
    /// between the same two links; forgotten when either link closes or a
    /// peer says it no longer has it.
    intros: Mutex<HashMap<(u64, u64), u128>>,
    /// Ends of bypasses whose other end is in this node too, waiting for
    /// it (see `link/bypass.rs`): (the proxy's node, the new route) → the
    /// bridge that got its `BypassEnd` first.
    pub(crate) merges: Mutex<HashMap<(u128, RouteId), MessagePort>>,
    /// The last [`CLOSED_KEPT`] links that closed, as they ended.
    closed: Mutex<std::collections::VecDeque<LinkStats>>,
}

/// How many closed links [`links`] still reports.
const CLOSED_KEPT: usize = 16;

impl Node {
    pub(crate) fn get() -> &'static Node {
        static NODE: OnceLock<Node> = OnceLock::new();
        NODE.get_or_init(|| Node {
            name: rand::random(),
            links: Mutex::new(Vec::new()),
            next_link: AtomicU64::new(1),
            intros: Mutex::new(HashMap::new()),
            merges: Mutex::new(HashMap::new()),
            closed: Mutex::new(std::collections::VecDeque::new()),
        })
    }

    pub(crate) fn links(&self) -> Vec<Arc<Link>> {
        self.links.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn add(&self, link: Arc<Link>) {
        let watch = link.closes_when_idle();
        self.links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(link);
        // After it is listed: the idle watcher, if it is about to stop,
        // sees it, or stops first and is started again here.
        if watch {
            crate::link::watch_idle();
        }
    }

    /// A name for a new link, unique in this process.
    pub(crate) fn link_id(&self) -> u64 {
        self.next_link.fetch_add(1, Ordering::Relaxed)
    }

    /// The introduction between the peers of links `a` and `b`: its name.
    /// A new one is made with a fresh socket pair, whose two ends `send`
    /// queues (beside `Introduce`) on the two links while the record is
    /// locked, so that no `Bypass` naming it can go out before them.
    pub(crate) fn intro(
        &self,
        a: &Link,
        b: &Link,
        send: impl FnOnce(u128, OwnedFd, OwnedFd),
    ) -> std::io::Result<u128> {
        let key = (a.id.min(b.id), a.id.max(b.id));
        let mut intros = self.intros.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = intros.get(&key) {
            return Ok(i);
        }
        let (x, y) = std::os::unix::net::UnixStream::pair()?;
        let i = rand::random::<u128>() | 1;
        intros.insert(key, i);
        send(i, OwnedFd::from(x), OwnedFd::from(y));
        Ok(i)
    }

    /// Forgets introduction `i` (a peer no longer has its link).
    pub(crate) fn forget_intro(&self, i: u128) {
        self.intros
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, v| *v != i);
    }

    /// Drops a dead link from the list; its last figures and the reason
    /// it closed are kept among the recent closed ones.
    pub(crate) fn forget(&self, link: &Link) {
        self.intros
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| k.0 != link.id && k.1 != link.id);
        self.links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|l| !std::ptr::eq(Arc::as_ptr(l), link));
        let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        if closed.len() == CLOSED_KEPT {
            closed.pop_front();
        }
        closed.push_back(link.stats());
    }
}

/// Whether `port`'s peer lives in another process (it is entangled with
/// a bridge of one of this process's links).
///
/// ```
/// let ch = msgport::MessageChannel::new();
/// assert!(!msgport_ipc::is_remote(&ch.port1));
/// ```
pub fn is_remote(port: &MessagePort) -> bool {
    Node::get().links().iter().any(|l| l.bridges_to(port))
}

/// Waits until everything posted to ports whose peers live in other
/// processes has been written to those processes (or their links closed),
/// at most `timeout`. Returns whether it all was. Call it before a
/// process exits on purpose: what is still queued when a process ends is
/// lost with it, as in a browser tab that is closed.
pub fn flush(timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if Node::get().links().iter().all(|l| l.idle()) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// This process's node name (128 random bits).
pub fn node_name() -> u128 {
    Node::get().name
}

/// The node names of the processes this one has open links to, one entry
/// per link.
pub fn peers() -> Vec<u128> {
    Node::get().links().iter().map(|l| l.peer).collect()
}

/// This process's links: the open ones, then the last 16 that closed
/// (oldest first), each with why it closed — a [`LinkError`](crate::LinkError)
/// says whether the peer went away or broke the protocol, and how.
///
/// ```
/// assert!(msgport_ipc::links().iter().all(|l| l.closed.is_none() || l.routes == 0));
/// ```
pub fn links() -> Vec<LinkStats> {
    let node = Node::get();
    let mut out: Vec<LinkStats> = node.links().iter().map(|l| l.stats()).collect();
    out.extend(
        node.closed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned(),
    );
    out
}
