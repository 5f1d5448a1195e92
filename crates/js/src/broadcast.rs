//! BroadcastChannel's run-wide side (HTML
//! `#broadcasting-to-other-browsing-contexts`): which BroadcastChannel
//! objects exist, in every context of one run (the main script and its
//! workers; the registry lives in the run's `signal::Group`, so two runs in
//! one process never hear each other), by name and origin, in creation order.
//!
//! A post serializes once; the destinations are every other open channel
//! with the same name and origin, each getting a task in its own context's
//! inbox. Pushing in creation order gives the standard's order for the
//! channels of one event loop.

use crate::host::{HostTask, Inbox};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

struct Member {
    /// Creation order, unique in the run.
    key: u64,
    name: Arc<str>,
    origin: Arc<str>,
    inbox: Weak<Inbox>,
    /// The channel's id in its own context.
    local: u32,
}

/// The channels of one run.
#[derive(Default)]
pub(crate) struct Registry {
    members: Mutex<Vec<Member>>,
    next_key: AtomicU64,
}

impl Registry {
    fn members(&self) -> std::sync::MutexGuard<'_, Vec<Member>> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new BroadcastChannel `local` of the context whose inbox is `inbox`;
    /// returns its run-wide key.
    pub(crate) fn join(&self, name: &str, origin: &str, inbox: &Arc<Inbox>, local: u32) -> u64 {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed) + 1;
        let mut m = self.members();
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
    pub(crate) fn leave(&self, key: u64) {
        self.members().retain(|x| x.key != key);
    }

    /// The postMessage steps after serialization: a task for every other
    /// channel with the source's name and origin. Returns how many.
    pub(crate) fn post(&self, source: u64, bytes: Vec<u8>) -> usize {
        let bytes: Arc<[u8]> = bytes.into();
        let targets: Vec<(Arc<Inbox>, u32, Arc<str>)> = {
            let m = self.members();
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
}
