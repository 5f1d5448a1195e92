//! The node: one per process, named by 128 random bits, holding its links.

use crate::link::Link;
use msgport::MessagePort;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// This process's node.
pub(crate) struct Node {
    pub(crate) name: u128,
    links: Mutex<Vec<Arc<Link>>>,
}

impl Node {
    pub(crate) fn get() -> &'static Node {
        static NODE: OnceLock<Node> = OnceLock::new();
        NODE.get_or_init(|| Node {
            name: rand::random(),
            links: Mutex::new(Vec::new()),
        })
    }

    fn links(&self) -> Vec<Arc<Link>> {
        self.links.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn add(&self, link: Arc<Link>) {
        self.links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(link);
    }

    /// Drops a dead link from the list.
    pub(crate) fn forget(&self, link: &Link) {
        self.links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|l| !std::ptr::eq(Arc::as_ptr(l), link));
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
