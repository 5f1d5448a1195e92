//! BroadcastChannel (HTML `#broadcasting-to-other-browsing-contexts`):
//! every channel of one name and origin hears what the others post.
//!
//! The standard's rules, here for Rust and for the JS runtime alike:
//! - a post is serialized once, then its bytes are shared by every
//!   destination (`#dom-broadcastchannel-postmessage` steps 3–5);
//! - the destinations are the *other* open channels with the source's name
//!   and origin, in creation order (steps 5–6: "sort destinations … in
//!   creation order"; the source itself is excluded);
//! - a closed channel posts nothing (`InvalidStateError`, step 2) and
//!   receives nothing more, even what was posted before it closed but not
//!   yet delivered to it (step 7's "if destination's closed flag is true,
//!   abort");
//! - which channels can hear each other at all is a [`BroadcastGroup`]: one
//!   per storage partition in a browser, one per `msgport run` in the JS
//!   runtime.
//!
//! ```
//! use msgport::BroadcastGroup;
//! let group = BroadcastGroup::new();
//! let a = group.channel("news", "https://example.com");
//! let b = group.channel("news", "https://example.com");
//! let other = group.channel("news", "https://elsewhere.example");
//! assert_eq!(a.post(&"hello").unwrap(), 1); // b only: not a itself, not another origin
//! let m = b.try_recv().unwrap();
//! assert_eq!(m.data_as::<String>().unwrap(), "hello");
//! assert_eq!(m.origin(), "https://example.com");
//! assert!(other.try_recv().is_none() && a.try_recv().is_none());
//! ```

mod hub;

pub use hub::{BroadcastHub, HubPost};

use crate::sync::{plain as lock, Arc, AtomicBool, AtomicU64, Condvar, Mutex, Ordering, Weak};
use msgport_clone::{
    deserialize_with_shared, from_bytes, to_bytes, to_record, CloneError, DecodeOptions, Graph,
    SharedArrayBuffer,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A message received on a [`BroadcastChannel`]: the wire bytes, shared by
/// every channel that received the post, and the origin of its poster.
#[derive(Clone, Debug)]
pub struct Broadcast {
    bytes: Arc<[u8]>,
    /// SharedArrayBuffers of the value (`u` + index), shared by every
    /// channel that received the post (so they share the memory too).
    shared: Arc<[SharedArrayBuffer]>,
    origin: Arc<str>,
}

impl Broadcast {
    /// A message of `bytes` from `origin`, for an embedder that delivers a
    /// post to channels of its own without the group (the JS runtime, to
    /// the other channels of the posting context).
    pub fn new(bytes: Arc<[u8]>, origin: &str) -> Self {
        Self::with_shared(bytes, Arc::from(Vec::new()), origin)
    }

    /// A message of `bytes` that refers to the SharedArrayBuffers `shared`
    /// (a serialized record's [`msgport_clone::Record::shared`]).
    pub fn with_shared(bytes: Arc<[u8]>, shared: Arc<[SharedArrayBuffer]>, origin: &str) -> Self {
        Broadcast {
            bytes,
            shared,
            origin: origin.into(),
        }
    }

    /// The SharedArrayBuffers the bytes refer to.
    pub fn shared(&self) -> &[SharedArrayBuffer] {
        &self.shared
    }

    /// The V8 wire bytes of the posted value.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The posting channel's origin (the event's `origin`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The value. An error here is the standard's `messageerror`.
    pub fn data(&self) -> Result<Graph, CloneError> {
        self.data_with(DecodeOptions::default())
    }

    /// The value, decoded with `opts` (a JS realm names its agent cluster,
    /// so that another cluster's SharedArrayBuffer is a `messageerror`).
    pub fn data_with(&self, opts: DecodeOptions) -> Result<Graph, CloneError> {
        deserialize_with_shared(&self.bytes, Vec::new(), self.shared.to_vec(), 0, opts)
    }

    /// The value as a serde type.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, CloneError> {
        from_bytes(&self.bytes)
    }
}

/// Why a post failed.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    /// The channel was closed (the web's `InvalidStateError`).
    #[error("the BroadcastChannel is closed")]
    Closed,
    /// The value cannot be serialized (`DataCloneError`).
    #[error(transparent)]
    Clone(#[from] CloneError),
}

/// What a channel's received messages go to.
enum Sink {
    /// The channel's own queue ([`BroadcastChannel::try_recv`]).
    Queue(Weak<Queue>),
    /// An embedder's function, e.g. an event loop's inbox. It returns
    /// `false` once it can take nothing more (its context ended).
    Deliver(Box<dyn Fn(&Broadcast) -> bool + Send + Sync>),
}

impl Sink {
    fn deliver(&self, m: &Broadcast) -> bool {
        match self {
            Sink::Queue(q) => match q.upgrade() {
                Some(q) => {
                    lock(&q.items).push_back(m.clone());
                    q.cv.notify_all();
                    true
                }
                None => false,
            },
            Sink::Deliver(f) => f(m),
        }
    }
}

#[derive(Default)]
struct Queue {
    items: Mutex<VecDeque<Broadcast>>,
    cv: Condvar,
}

struct Member {
    /// Creation order, unique in the group.
    key: u64,
    name: Arc<str>,
    origin: Arc<str>,
    sink: Arc<Sink>,
}

#[derive(Default)]
struct Registry {
    members: Mutex<Vec<Member>>,
    next_key: AtomicU64,
}

/// The channels that can hear each other (a browser's storage partition;
/// one `msgport run`). Cloning gives another handle to the same group.
#[derive(Clone, Default)]
pub struct BroadcastGroup(Arc<Registry>);

impl BroadcastGroup {
    /// A new, empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// `new BroadcastChannel(name)` for a context of `origin`: a channel
    /// with its own queue.
    pub fn channel(&self, name: &str, origin: &str) -> BroadcastChannel {
        let queue = Arc::new(Queue::default());
        let sink = Sink::Queue(Arc::downgrade(&queue));
        self.join(name, origin, sink, Some(queue))
    }

    /// A channel whose messages go to `deliver` (called on the posting
    /// thread, outside any lock) instead of a queue: how an event loop
    /// turns them into tasks. `deliver` returns `false` once it can take
    /// nothing more; the channel is then dropped from the group.
    pub fn channel_with(
        &self,
        name: &str,
        origin: &str,
        deliver: impl Fn(&Broadcast) -> bool + Send + Sync + 'static,
    ) -> BroadcastChannel {
        self.join(name, origin, Sink::Deliver(Box::new(deliver)), None)
    }

    fn join(
        &self,
        name: &str,
        origin: &str,
        sink: Sink,
        queue: Option<Arc<Queue>>,
    ) -> BroadcastChannel {
        let key = self.0.next_key.fetch_add(1, Ordering::Relaxed);
        let name: Arc<str> = name.into();
        let origin: Arc<str> = origin.into();
        lock(&self.0.members).push(Member {
            key,
            name: name.clone(),
            origin: origin.clone(),
            sink: Arc::new(sink),
        });
        BroadcastChannel {
            group: self.0.clone(),
            key,
            name,
            origin,
            queue,
            closed: AtomicBool::new(false),
        }
    }

    /// How many channels are open in the group.
    pub fn len(&self) -> usize {
        lock(&self.0.members).len()
    }

    /// Whether no channel is open in the group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One BroadcastChannel. Dropping it closes it.
pub struct BroadcastChannel {
    group: Arc<Registry>,
    key: u64,
    name: Arc<str>,
    origin: Arc<str>,
    queue: Option<Arc<Queue>>,
    closed: AtomicBool,
}

impl std::fmt::Debug for BroadcastChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BroadcastChannel")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl BroadcastChannel {
    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The origin it was made for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `postMessage` (`#dom-broadcastchannel-postmessage`) of a dynamic
    /// value. Returns how many channels it was delivered to.
    pub fn post_message(&self, value: &Graph) -> Result<usize, BroadcastError> {
        self.check_open()?;
        // A record: SharedArrayBuffers' memory travels beside the bytes.
        let record = to_record(value)?;
        Ok(self.post_shared(record.bytes, record.shared))
    }

    /// `postMessage` of a serde value.
    pub fn post<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<usize, BroadcastError> {
        self.check_open()?;
        Ok(self.post_serialized(to_bytes(value)?))
    }

    fn check_open(&self) -> Result<(), BroadcastError> {
        if self.is_closed() {
            Err(BroadcastError::Closed)
        } else {
            Ok(())
        }
    }

    /// Delivers wire bytes (already serialized, e.g. by a JS engine) to
    /// every other open channel with this one's name and origin, in
    /// creation order; nothing if this channel is closed. Returns how many.
    pub fn post_serialized(&self, bytes: Vec<u8>) -> usize {
        self.post_shared(bytes, Vec::new())
    }

    /// [`BroadcastChannel::post_serialized`] of bytes that refer to the
    /// SharedArrayBuffers `shared` (a serialized record's), whose memory
    /// every receiver shares.
    pub fn post_shared(&self, bytes: Vec<u8>, shared: Vec<SharedArrayBuffer>) -> usize {
        self.post_shared_arc(bytes.into(), shared.into())
    }

    fn post_shared_arc(&self, bytes: Arc<[u8]>, shared: Arc<[SharedArrayBuffer]>) -> usize {
        if self.is_closed() {
            return 0;
        }
        let message = Broadcast {
            bytes,
            shared,
            origin: self.origin.clone(),
        };
        // The destinations, in creation order (the members are kept so).
        let targets: Vec<(u64, Arc<Sink>)> = lock(&self.group.members)
            .iter()
            .filter(|m| m.key != self.key && m.name == self.name && m.origin == self.origin)
            .map(|m| (m.key, m.sink.clone()))
            .collect();
        // Delivered outside the lock: a delivery may wake another thread,
        // or (for an embedder) post in turn.
        let mut delivered = 0;
        let mut gone = Vec::new();
        for (key, sink) in targets {
            if sink.deliver(&message) {
                delivered += 1;
            } else {
                gone.push(key);
            }
        }
        if !gone.is_empty() {
            lock(&self.group.members).retain(|m| !gone.contains(&m.key));
        }
        delivered
    }

    /// `close()`: the channel posts nothing more, and what is still queued
    /// for it is dropped, as the standard's delivery step skips a closed
    /// destination.
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        lock(&self.group.members).retain(|m| m.key != self.key);
        if let Some(q) = &self.queue {
            lock(&q.items).clear();
            q.cv.notify_all();
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The next received message, if one is queued. Always `None` for a
    /// channel made with [`BroadcastGroup::channel_with`].
    pub fn try_recv(&self) -> Option<Broadcast> {
        lock(&self.queue.as_ref()?.items).pop_front()
    }

    /// Waits for the next message, up to `timeout` (forever with `None`).
    /// `None` on timeout, or once the channel is closed.
    pub fn recv_blocking(&self, timeout: Option<Duration>) -> Option<Broadcast> {
        let q = self.queue.as_ref()?;
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut items = lock(&q.items);
        loop {
            if let Some(m) = items.pop_front() {
                return Some(m);
            }
            if self.is_closed() {
                return None;
            }
            items = match deadline {
                None => q.cv.wait(items).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    q.cv.wait_timeout(items, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

impl Drop for BroadcastChannel {
    fn drop(&mut self) {
        self.close();
    }
}
