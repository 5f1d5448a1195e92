//! Ports, entanglement, the port message queue, transfer and close
//! (<https://html.spec.whatwg.org/multipage/web-messaging.html#message-ports>).
//!
//! # The state machine
//!
//! Each port's state is one `Port` (in `state.rs`) behind its own locks; a
//! [`MessagePort`] is a handle to it. Moving a port inside the process
//! moves *ownership only*: the state and its queue stay where they are, the
//! handle that sent it dies (its epoch no longer matches), and the receiver
//! gets a new handle.
//!
//! ## A route
//!
//! ```text
//!   handle A ──────┐                                     ┌────── handle B
//!   (epoch == a.epoch)                                   (epoch == b.epoch)
//!                  ▼                                     ▼
//!            ┌─────────────┐  link: Entangled(b)  ┌─────────────┐
//!            │   Port a    │ ───────────────────▶ │   Port b    │
//!            │ taken │queue│ ◀─────────────────── │ taken │queue│
//!            └─────────────┘  link: Entangled(a)  └─────────────┘
//!        a's queue holds what B posted;     b's queue holds what A posted.
//!
//!   A is transferred inside a message:   a.epoch += 1, a.in_flight = true
//!   handle A (old epoch): dead — posts reach nobody, receives fail.
//!   ShippedPort(a) rides in the message; received, it is handle A'
//!   (the new epoch), and a's queue, with everything B posted meanwhile,
//!   is A's to read, disabled until started.
//! ```
//!
//! ## States
//!
//! Two independent parts. The link (`State::link`, an explicit enum):
//!
//! ```text
//!   Entangled(peer) ──(peer's close() or drop: #disentangle)──▶ Disentangled
//!     │    │  ▲                                                     │
//!     │    └──┘ (the peer merged away: Entangled(peer's new peer))  │
//!     │                                                             │
//!     ├──────────────(own close() or drop)──▶ Closed ◀───(close())──┘
//!     └──(this port merged away: MessagePort::merge)──▶ Merged(next)
//! ```
//!
//! `Merged` is terminal and only the ports a link between processes held
//! as bridges reach it (`merge.rs` has the picture): a post that still
//! arrives there goes on to `next`.
//!
//! and who holds the port: one live handle (`in_flight == false`), or a
//! [`ShippedPort`] inside a message (`in_flight == true`, no live handle).
//! Transfer goes held → in flight; receiving goes back; a `ShippedPort`
//! dropped undelivered closes the port. A closed port cannot be
//! transferred (`DataCloneError`); a disentangled one can (an orphan).
//!
//! What each state allows:
//! - **Entangled**: posts are queued at the peer; receiving waits for them.
//! - **Disentangled**: posts are serialized and dropped; the queue still
//!   delivers what it holds, then the `close` event, then receiving returns
//!   [`RecvError::Disentangled`].
//! - **Closed** (`[[Detached]]`): as disentangled, and the handle reports
//!   `is_detached()`; the queue still delivers what it holds, as the
//!   standard's tests expect, then [`RecvError::Detached`].
//!
//! Fields, with their invariants and what guards each, are documented on
//! `State` and `Port` (`state.rs`). The main ones:
//! - the link is symmetric except transiently during a disentangle; a port
//!   queues into its peer only after checking, under the peer's lock, that
//!   the peer still points back, so a message is queued before the peer's
//!   close task or dropped — never after it;
//! - the queue (`taken`, then `state.queue`) holds tasks in queuing order;
//!   a message task is released only while enabled; a close task is always
//!   last and released when it reaches the front;
//! - receiving goes either to the handles' waiters (any number; each task
//!   to exactly one, see `waiters.rs`) or to one bound event loop, never
//!   both.
//!
//! ## Locks
//!
//! The crate's one lock order is in `sync.rs`: loop `ready` → `taken` →
//! `state`; never two ports' `state` at once. Debug builds check it.

mod backpressure;
mod hook;
mod merge;
mod payload;
mod post;
mod receive;
mod state;
mod transfer;
mod waiters;

pub use hook::WaitHook;
pub use merge::MergeError;
pub(crate) use payload::{Extras, Payload, Task};
pub use post::{PostError, Transfer};
pub(crate) use receive::{Idle, Run};
pub(crate) use state::{Binding, Link, Port, Wake};
pub use transfer::ShippedPort;

use crate::sync::{lock, Arc, Ordering};
use std::fmt;

/// A port's name: 128 random bits, unguessable (a capability for the
/// process links to come). A transferred port keeps its name.
///
/// ```
/// let a = msgport::MessageChannel::new();
/// let b = msgport::MessageChannel::new();
/// assert_ne!(a.port1.name(), b.port1.name());
/// println!("{:?}", a.port1.name()); // PortName(5f0c…), 32 hex digits
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortName(pub u128);

impl fmt::Debug for PortName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortName({:032x})", self.0)
    }
}

impl PortName {
    fn random() -> Self {
        PortName(rand::random())
    }
}

/// One end of a channel: the standard's `MessagePort`
/// (<https://html.spec.whatwg.org/multipage/web-messaging.html#message-ports>).
///
/// `Send` and `Sync`: a port may be used from any thread, by any number of
/// threads and tasks at once (each message reaches exactly one receiver;
/// all of them learn of a close), moved between threads directly, or
/// transferred inside a message to another port. Dropping the (live)
/// handle closes the port, which fires `close` at its peer.
///
/// ```
/// use msgport::{Event, MessageChannel};
/// let ch = MessageChannel::new();
/// ch.port1.post(&"hello").unwrap();
/// match ch.port2.recv_blocking_as::<String>(None).unwrap() {
///     Event::Message(m) => assert_eq!(m.data, "hello"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub struct MessagePort {
    pub(crate) port: Arc<Port>,
    /// The peer this port was entangled with when the handle was made. A
    /// port's peer changes only to go away (close unlinks) or when a merge
    /// of routes replaces it (`merge.rs`), which leaves the old peer
    /// `Merged(new)`; so posting uses this without taking the port's lock,
    /// and `Port::queue_from` checks under the peer's lock that the link
    /// still holds, following a merge to the new peer. (A handle made
    /// after the merge, e.g. by receiving the port, caches the new peer.)
    peer: Option<Arc<Port>>,
    epoch: u64,
    /// A handle lent out by a `PortCollection`: dropping it closes nothing.
    owning: bool,
}

impl fmt::Debug for MessagePort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessagePort")
            .field("name", &self.port.name)
            .field("detached", &self.is_detached())
            .finish()
    }
}

/// `new MessageChannel()` (`#dom-messagechannel`): two entangled ports.
///
/// ```
/// let ch = msgport::MessageChannel::new();
/// assert_ne!(ch.port1.name(), ch.port2.name());
/// ```
#[derive(Debug)]
pub struct MessageChannel {
    /// The first port.
    pub port1: MessagePort,
    /// The second port, entangled with the first.
    pub port2: MessagePort,
}

impl MessageChannel {
    /// Creates two ports and entangles them.
    pub fn new() -> Self {
        let a = Port::new();
        let b = Port::new();
        lock(&a.state).link = Link::Entangled(b.clone());
        lock(&b.state).link = Link::Entangled(a.clone());
        MessageChannel {
            port1: MessagePort {
                peer: Some(b.clone()),
                port: a.clone(),
                epoch: 0,
                owning: true,
            },
            port2: MessagePort {
                peer: Some(a),
                port: b,
                epoch: 0,
                owning: true,
            },
        }
    }

    /// The two ports, by value.
    pub fn into_ports(self) -> (MessagePort, MessagePort) {
        (self.port1, self.port2)
    }
}

impl Default for MessageChannel {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a receive returned no event.
///
/// ```
/// use msgport::{MessageChannel, RecvError};
/// let (a, b) = MessageChannel::new().into_ports();
/// drop(a);
/// let _close = b.try_recv().unwrap(); // the close event
/// assert_eq!(b.try_recv().unwrap_err(), RecvError::Disentangled);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecvError {
    /// The handle was transferred away (or closed) and its queue is drained.
    #[error("the port is detached (transferred or closed) and nothing is left to receive")]
    Detached,
    /// The port has no peer and its queue is drained: nothing can ever arrive.
    #[error("the port is disentangled and nothing is left to receive")]
    Disentangled,
    /// The wait reached its timeout or deadline.
    #[error("timed out waiting for an event")]
    Timeout,
    /// The port is bound to an [`EventLoop`](crate::EventLoop), which alone
    /// receives its tasks: receiving through the handle as well would take
    /// tasks from under the loop.
    #[error("the port is bound to an EventLoop, which receives its tasks")]
    BoundToLoop,
}

impl MessagePort {
    pub(crate) fn from_parts(port: Arc<Port>, epoch: u64, owning: bool) -> Self {
        let peer = lock(&port.state).peer().cloned();
        MessagePort {
            port,
            peer,
            epoch,
            owning,
        }
    }

    /// The port's name (128 random bits).
    pub fn name(&self) -> PortName {
        self.port.name
    }

    fn live(&self) -> bool {
        self.port.epoch.load(Ordering::Acquire) == self.epoch
    }

    /// `[[Detached]]`: transferred away, or closed.
    ///
    /// ```
    /// let ch = msgport::MessageChannel::new();
    /// assert!(!ch.port1.is_detached());
    /// ch.port1.close();
    /// assert!(ch.port1.is_detached() && !ch.port1.is_entangled());
    /// ```
    pub fn is_detached(&self) -> bool {
        !self.live() || lock(&self.port.state).closed()
    }

    /// Whether the port still has a peer (and this handle is live).
    pub fn is_entangled(&self) -> bool {
        self.live() && lock(&self.port.state).peer().is_some()
    }

    /// The name of the port this one is entangled with, if any (a link to
    /// another process recognises its own ports by it).
    ///
    /// ```
    /// let ch = msgport::MessageChannel::new();
    /// assert_eq!(ch.port1.peer_name(), Some(ch.port2.name()));
    /// ch.port2.close();
    /// assert_eq!(ch.port1.peer_name(), None);
    /// ```
    pub fn peer_name(&self) -> Option<PortName> {
        self.current_peer().map(|p| p.name)
    }

    /// Whether this port or its peer has been transferred (`#has-been-shipped`).
    pub fn has_been_shipped(&self) -> bool {
        lock(&self.port.state).shipped
    }

    /// `start()`: enables the port message queue. Harmless if already enabled.
    ///
    /// ```
    /// use msgport::{EventLoop, MessageChannel};
    /// let ch = MessageChannel::new();
    /// let el = EventLoop::new(|| {});
    /// el.bind(&ch.port2);
    /// ch.port1.post(&1).unwrap();
    /// assert!(el.next_task().is_none()); // not started: nothing is released
    /// ch.port2.start();
    /// assert!(el.next_task().is_some());
    /// ```
    pub fn start(&self) {
        if self.port.started.load(Ordering::Acquire) || !self.live() {
            return;
        }
        let wake = {
            let mut s = lock(&self.port.state);
            if s.enabled {
                return;
            }
            s.enabled = true;
            self.port.started.store(true, Ordering::Release);
            // Every message queued so far became releasable: wake them all.
            if Port::front_ready(&s) {
                self.port.wake(&mut s, true)
            } else {
                Wake::Nothing
            }
        };
        wake.run();
    }

    /// `close()`: detaches the port and, if it is entangled, disentangles it;
    /// the peer gets a `close` event after every message sent before it.
    /// Messages already queued here are still delivered.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// ch.port1.post(&"bye").unwrap();
    /// ch.port1.close();
    /// assert!(ch.port1.is_detached());
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(_))));
    /// assert!(matches!(ch.port2.try_recv().unwrap(), Some(Event::Close)));
    /// ```
    pub fn close(&self) {
        if !self.live() {
            return;
        }
        let old = {
            let mut s = lock(&self.port.state);
            if s.closed() || matches!(s.link, Link::Merged(_)) {
                // A merged port stays a signpost to where its queue went.
                return;
            }
            std::mem::replace(&mut s.link, Link::Closed)
        };
        self.port.disentangle(old);
        // Receivers blocked on this port must learn that nothing more can come.
        let wake = self.port.wake(&mut lock(&self.port.state), true);
        wake.run();
    }

    /// The peer to post to, or `None` if posts from this handle reach
    /// nobody. Lock-free: whether the link still holds is checked when the
    /// task is queued (which follows a merge, see `Port::queue_from`).
    #[inline]
    fn target(&self) -> Option<&Arc<Port>> {
        if !self.live() {
            return None;
        }
        self.peer.as_ref()
    }

    /// [`MessagePort::target`] for a post that transfers ports, which
    /// must know the current peer (the peer in the transfer list dooms the
    /// message): looked up under the lock if the cached one merged away.
    fn transfer_target(&self) -> Option<std::borrow::Cow<'_, Arc<Port>>> {
        let p = self.target()?;
        if p.merged.load(Ordering::Acquire) {
            return self.current_peer().map(std::borrow::Cow::Owned);
        }
        Some(std::borrow::Cow::Borrowed(p))
    }

    /// The current peer, read under the lock (for observability).
    fn current_peer(&self) -> Option<Arc<Port>> {
        if !self.live() {
            return None;
        }
        lock(&self.port.state).peer().cloned()
    }

    /// Moves this handle's ownership into a new handle; this one is left
    /// non-owning (its drop closes nothing).
    pub(crate) fn take_handle(&mut self) -> MessagePort {
        self.owning = false;
        MessagePort {
            port: self.port.clone(),
            peer: self.peer.clone(),
            epoch: self.epoch,
            owning: true,
        }
    }

    pub(crate) fn is_live_handle(&self) -> bool {
        self.live()
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }
}

impl Drop for MessagePort {
    /// Dropping the live handle is the Rust form of garbage collection:
    /// the port is closed, which fires `close` at its peer. A handle that
    /// a typed receive handed out and then dropped because the message did
    /// not fit goes back to that receive instead (see `typed`).
    fn drop(&mut self) {
        if self.owning && self.live() {
            if crate::typed::reclaim(self) {
                return;
            }
            self.close();
        }
    }
}
