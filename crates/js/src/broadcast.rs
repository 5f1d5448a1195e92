//! BroadcastChannel's process-wide side (HTML
//! `#broadcasting-to-other-browsing-contexts`): which BroadcastChannel
//! objects exist, in every context (the main script and each worker), by
//! name and origin, in creation order.
//!
//! A post serializes once; the destinations are every other open channel
//! with the same name and origin, each getting a task in its own context's
//! inbox. Pushing in creation order gives the standard's order for the
//! channels of one event loop.

use crate::host::{HostTask, Inbox};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

struct Member {
    /// Creation order, unique in the process.
    key: u64,
    name: Arc<str>,
    origin: Arc<str>,
    inbox: Weak<Inbox>,
    /// The channel's id in its own context.
    local: u32,
}

static MEMBERS: Mutex<Vec<Member>> = Mutex::new(Vec::new());
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

fn members() -> std::sync::MutexGuard<'static, Vec<Member>> {
    MEMBERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A new BroadcastChannel `local` of the context whose inbox is `inbox`;
/// returns its process-wide key.
pub(crate) fn join(name: &str, origin: &str, inbox: &Arc<Inbox>, local: u32) -> u64 {
    let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
    let mut m = members();
    // Channels of contexts that ended go with the next join.
    m.retain(|x| x.inbox.strong_count() > 0);
    m.push(Member {
        key,
        name: name.into(),
        origin: origin.into(),
        inbox: Arc::downgrade(inbox),
        local,
    });
    key
}

/// A closed (or collected) channel: it gets nothing more.
pub(crate) fn leave(key: u64) {
    members().retain(|x| x.key != key);
}

/// The postMessage steps after serialization: a task for every other
/// channel with the source's name and origin. Returns how many.
pub(crate) fn post(source: u64, bytes: Vec<u8>) -> usize {
    let bytes: Arc<[u8]> = bytes.into();
    let targets: Vec<(Arc<Inbox>, u32, Arc<str>)> = {
        let m = members();
        let Some(src) = m.iter().find(|x| x.key == source) else {
            return 0;
        };
        m.iter()
            .filter(|x| x.key != source && x.name == src.name && x.origin == src.origin)
            .filter_map(|x| Some((x.inbox.upgrade()?, x.local, src.origin.clone())))
            .collect()
    };
    let n = targets.len();
    // Pushed outside the registry's lock: a push wakes another context.
    for (inbox, local, origin) in targets {
        inbox.push(HostTask::Broadcast {
            channel: local,
            bytes: bytes.clone(),
            origin,
        });
    }
    n
}
