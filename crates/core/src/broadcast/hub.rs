//! Many BroadcastChannels of one event loop behind one member of the
//! group per name: what a JavaScript context (or any embedder with its own
//! event loop) makes of `new BroadcastChannel(name)`.
//!
//! The rules here are the standard's (HTML
//! `#dom-broadcastchannel-postmessage`), for channels that live in one
//! event loop:
//! - a post goes to the other channels of its name, and the group's other
//!   members, once: one [`HubPost`] per event loop, not one per channel;
//! - its destinations are the channels open when it was posted (step 5),
//!   in creation order (step 6), not the poster;
//! - one that closed since, or that cannot observe it (no `message` or
//!   `messageerror` listener: unobservable, so skipped), gets nothing
//!   (step 7's "if destination's closed flag is true, abort").
//!
//! ```
//! use msgport::{BroadcastGroup, BroadcastHub, HubPost};
//! use std::sync::{Arc, Mutex};
//! let group = BroadcastGroup::new();
//! let queued: Arc<Mutex<Vec<HubPost>>> = Arc::default();
//! let q = queued.clone();
//! let mut hub = BroadcastHub::new(&group, "https://example.com", move |p| {
//!     q.lock().unwrap().push(p); // an event loop would queue a task
//!     true
//! });
//! for id in [1, 2, 3] {
//!     hub.join(id, "news");
//!     hub.set_listening(id, true);
//! }
//! hub.post(2, msgport::clone::to_bytes(&"hi").unwrap(), Vec::new()).unwrap();
//! let post = queued.lock().unwrap().pop().unwrap();
//! assert_eq!(hub.destinations(&post), [1, 3]); // creation order, not the poster
//! ```

use super::{Broadcast, BroadcastChannel, BroadcastError, BroadcastGroup};
use crate::sync::{Arc, AtomicU32, Ordering};
use msgport_clone::SharedArrayBuffer;
use std::collections::{HashMap, HashSet};

/// A post for the channels of one name of a [`BroadcastHub`]: the
/// message, and which of the hub's channels it is for.
#[derive(Clone, Debug)]
pub struct HubPost {
    name: Arc<str>,
    message: Broadcast,
    /// The newest channel of the name when it was posted (ids increase).
    upto: u32,
    /// The posting channel, if it is one of this hub's.
    exclude: Option<u32>,
}

impl HubPost {
    /// The channels' name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The message (its `data` decodes the value; its origin).
    pub fn message(&self) -> &Broadcast {
        &self.message
    }
}

/// The channels of one name.
struct Name {
    /// The hub's member of the group for this name.
    channel: BroadcastChannel,
    /// The channels' ids, in creation order.
    members: Vec<u32>,
    /// Those that can observe a delivery.
    listening: HashSet<u32>,
    /// The newest member, read by the group's delivery on other threads.
    newest: Arc<AtomicU32>,
}

type Deliver = Arc<dyn Fn(HubPost) -> bool + Send + Sync>;

/// The BroadcastChannels of one event loop, by id (see the module docs).
/// Ids are the embedder's, and must increase with creation.
pub struct BroadcastHub {
    group: BroadcastGroup,
    origin: Arc<str>,
    deliver: Deliver,
    names: HashMap<u32, Arc<str>>,
    by_name: HashMap<Arc<str>, Name>,
}

impl BroadcastHub {
    /// A hub of `group` for channels of `origin`. `deliver` gets every
    /// post for the hub's channels, from any thread, this hub's own
    /// included (an event loop queues a task that calls
    /// [`BroadcastHub::destinations`]); it returns `false` once it can take
    /// nothing more, and the hub's members then leave the group.
    pub fn new(
        group: &BroadcastGroup,
        origin: &str,
        deliver: impl Fn(HubPost) -> bool + Send + Sync + 'static,
    ) -> Self {
        BroadcastHub {
            group: group.clone(),
            origin: origin.into(),
            deliver: Arc::new(deliver),
            names: HashMap::new(),
            by_name: HashMap::new(),
        }
    }

    /// `new BroadcastChannel(name)`: the channel `id`, newer than every
    /// channel joined before. It observes nothing until
    /// [`set_listening`](Self::set_listening).
    pub fn join(&mut self, id: u32, name: &str) {
        let name: Arc<str> = name.into();
        let entry = self.by_name.entry(name.clone()).or_insert_with(|| {
            let newest = Arc::new(AtomicU32::new(0));
            let (deliver, seen, hub_name) = (self.deliver.clone(), newest.clone(), name.clone());
            // A post of another member: for the channels made before it.
            let channel = self.group.channel_with(&name, &self.origin, move |m| {
                deliver(HubPost {
                    name: hub_name.clone(),
                    message: m.clone(),
                    upto: seen.load(Ordering::Acquire),
                    exclude: None,
                })
            });
            Name {
                channel,
                members: Vec::new(),
                listening: HashSet::new(),
                newest,
            }
        });
        entry.members.push(id);
        entry.newest.store(id, Ordering::Release);
        self.names.insert(id, name);
    }

    /// Whether channel `id` has a `message` or `messageerror` listener:
    /// only then can it observe a delivery.
    pub fn set_listening(&mut self, id: u32, on: bool) {
        let Some(n) = self.names.get(&id).and_then(|n| self.by_name.get_mut(n)) else {
            return;
        };
        if on {
            n.listening.insert(id);
        } else {
            n.listening.remove(&id);
        }
    }

    /// `close()` (or the channel's collection): it gets nothing more. The
    /// last channel of a name takes the hub's member out of the group.
    pub fn leave(&mut self, id: u32) {
        let Some(name) = self.names.remove(&id) else {
            return;
        };
        if let Some(n) = self.by_name.get_mut(&name) {
            n.members.retain(|m| *m != id);
            n.listening.remove(&id);
            if n.members.is_empty() {
                if let Some(n) = self.by_name.remove(&name) {
                    n.channel.close();
                }
            }
        }
    }

    /// `postMessage` on channel `id` of serialized `bytes` (and the
    /// SharedArrayBuffers they refer to): one [`HubPost`] for this hub's
    /// other channels of the name, and the group's other members get it.
    /// [`BroadcastError::Closed`] for a channel that left (or never joined).
    pub fn post(
        &self,
        id: u32,
        bytes: Vec<u8>,
        shared: Vec<SharedArrayBuffer>,
    ) -> Result<(), BroadcastError> {
        let name = self.names.get(&id).ok_or(BroadcastError::Closed)?;
        let n = &self.by_name[name];
        let bytes: Arc<[u8]> = bytes.into();
        let shared: Arc<[SharedArrayBuffer]> = shared.into();
        if n.members.len() > 1 {
            (self.deliver)(HubPost {
                name: name.clone(),
                message: Broadcast::with_shared(bytes.clone(), shared.clone(), &self.origin),
                upto: n.newest.load(Ordering::Acquire),
                exclude: Some(id),
            });
        }
        n.channel.post_shared_arc(bytes, shared);
        Ok(())
    }

    /// The channels `post` is for now: those open when it was posted and
    /// still open, that can observe it, but the poster, in creation order.
    pub fn destinations(&self, post: &HubPost) -> Vec<u32> {
        let Some(n) = self.by_name.get(&post.name) else {
            return Vec::new();
        };
        n.members
            .iter()
            .copied()
            .filter(|&m| m <= post.upto && Some(m) != post.exclude && n.listening.contains(&m))
            .collect()
    }

    /// Whether channel `id` is open and can observe a delivery (a listener
    /// may close it, or stop listening, while an earlier one runs).
    pub fn is_listening(&self, id: u32) -> bool {
        self.names
            .get(&id)
            .and_then(|n| self.by_name.get(n))
            .is_some_and(|n| n.listening.contains(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    type Queued = Arc<Mutex<Vec<HubPost>>>;

    fn hub(group: &BroadcastGroup, origin: &str) -> (BroadcastHub, Queued) {
        let queued: Queued = Arc::default();
        let q = queued.clone();
        let h = BroadcastHub::new(group, origin, move |p| {
            q.lock().unwrap().push(p);
            true
        });
        (h, queued)
    }

    fn take(q: &Queued) -> Vec<HubPost> {
        std::mem::take(&mut *q.lock().unwrap())
    }

    fn bytes(s: &str) -> Vec<u8> {
        msgport_clone::to_bytes(&s).unwrap()
    }

    #[test]
    fn a_post_is_one_task_per_hub_for_the_channels_open_when_it_was_posted() {
        let group = BroadcastGroup::new();
        let (mut a, qa) = hub(&group, "o");
        let (mut b, qb) = hub(&group, "o");
        for id in [1, 2] {
            a.join(id, "n");
            a.set_listening(id, true);
        }
        for id in [10, 11, 12] {
            b.join(id, "n");
            b.set_listening(id, true);
        }
        a.post(1, bytes("x"), Vec::new()).unwrap();
        // Made after the post: not a destination.
        b.join(13, "n");
        b.set_listening(13, true);
        let (pa, pb) = (take(&qa), take(&qb));
        assert_eq!((pa.len(), pb.len()), (1, 1), "one task per hub");
        assert_eq!(a.destinations(&pa[0]), [2], "not the poster");
        assert_eq!(
            b.destinations(&pb[0]),
            [10, 11, 12],
            "creation order, none newer"
        );
        assert_eq!(pb[0].message().data_as::<String>().unwrap(), "x");
        assert_eq!(pb[0].name(), "n");
    }

    #[test]
    fn closed_and_deaf_channels_get_nothing_and_a_lone_poster_makes_no_local_task() {
        let group = BroadcastGroup::new();
        let (mut a, qa) = hub(&group, "o");
        let (mut b, qb) = hub(&group, "o");
        a.join(1, "n");
        a.set_listening(1, true);
        for id in [5, 6, 7] {
            b.join(id, "n");
        }
        b.set_listening(5, true);
        b.set_listening(7, true);
        a.post(1, bytes("y"), Vec::new()).unwrap();
        assert!(take(&qa).is_empty(), "no other channel of the name here");
        let post = take(&qb).pop().unwrap();
        b.leave(7);
        assert_eq!(
            b.destinations(&post),
            [5],
            "6 cannot observe it, 7 closed since"
        );
        assert!(b.is_listening(5) && !b.is_listening(6) && !b.is_listening(7));
        b.set_listening(5, false);
        assert!(b.destinations(&post).is_empty());
        assert!(matches!(
            b.post(7, bytes("z"), Vec::new()),
            Err(BroadcastError::Closed)
        ));
    }

    #[test]
    fn names_and_origins_partition_and_the_last_channel_leaves_the_group() {
        let group = BroadcastGroup::new();
        let (mut a, _qa) = hub(&group, "o");
        let (mut b, qb) = hub(&group, "o");
        let (mut other, qo) = hub(&group, "elsewhere");
        a.join(1, "n");
        b.join(2, "m");
        b.set_listening(2, true);
        other.join(3, "n");
        other.set_listening(3, true);
        a.post(1, bytes("p"), Vec::new()).unwrap();
        assert!(take(&qb).is_empty(), "another name");
        assert!(take(&qo).is_empty(), "another origin");
        assert_eq!(group.len(), 3);
        a.leave(1);
        assert_eq!(group.len(), 2, "a's member left with its last channel");
    }

    #[test]
    fn a_hub_whose_loop_is_gone_leaves_the_group() {
        let group = BroadcastGroup::new();
        let (mut a, _qa) = hub(&group, "o");
        let mut gone = BroadcastHub::new(&group, "o", |_| false);
        a.join(1, "n");
        gone.join(2, "n");
        assert_eq!(group.len(), 2);
        a.post(1, bytes("q"), Vec::new()).unwrap();
        assert_eq!(group.len(), 1);
    }
}
