//! Ports, entanglement, the port message queue, transfer and close
//! (<https://html.spec.whatwg.org/multipage/web-messaging.html#message-ports>).
//!
//! # The state machine
//!
//! Each port's state is one [`Port`] behind its own lock; a [`MessagePort`]
//! is a handle to it. Moving a port inside the process moves *ownership
//! only*: the state and its queue stay where they are, the handle that sent
//! it dies (its epoch no longer matches), and the receiver gets a new handle.
//!
//! ```text
//!   handle A (epoch 0) ──> Port a ──peer──> Port b <── handle B (epoch 0)
//!                            │ queue: [m1 m2]  ^ queue: [..]
//!                            └───────peer──────┘
//!
//!   after A is transferred in a message:        Port a.epoch = 1
//!   handle A (epoch 0): dead — posts reach nobody, receives fail
//!   ShippedPort(a, 1) rides in the message; on delivery it becomes
//!   handle A' (epoch 1), whose queue still holds [m1 m2], now disabled.
//! ```
//!
//! States of a port (`State`):
//! - **entangled**: `peer` is `Some`; posts go to the peer's queue.
//! - **disentangled**: `peer` is `None` (own `close()`, the peer's close, or
//!   the peer vanished). Posts are dropped after serialization.
//! - **closed**: `close()` was called (`[[Detached]]`); the queue still
//!   delivers what was already in it, as the standard's tests expect.
//!
//! Invariants (all fields are guarded by `Port::state`; no code holds two
//! port locks at once, so there is no lock order to get wrong):
//! - `peer` is symmetric except transiently during close: a port checks,
//!   under the peer's lock, that the peer still points back before
//!   queuing into it, so a message is either queued before the peer's close
//!   task or dropped — never after it.
//! - `queue` holds tasks in the order they were queued; a message task is
//!   released only while `enabled`; a close task is released once it is at
//!   the front (it never overtakes a message sent before the close).
//! - `enabled` goes false→true by `start()`, and back to false only by the
//!   transfer steps (the received port starts disabled).
//! - `shipped` never goes back to false.
//! - `queued_bytes` is the sum of `Task::size` over `queue`.

use crate::event::{Event, Message};
use crate::event_loop::LoopInner;
use crate::sync::{lock, thread, Arc, AtomicBool, AtomicU64, Mutex, Ordering, Thread, Weak};
use msgport_clone::{
    deserialize_with_transfer, serialize_with_transfer, to_bytes, to_bytes_into, CloneError,
    DecodeOptions, Graph, ObjectId, Record, TransferItem, Transferable, TransferredBuffer,
};
use std::collections::VecDeque;
use std::fmt;
use std::task::Waker;

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

/// Global posting order: every queued task gets the next stamp, so an event
/// loop can release tasks of never-shipped ports in posting order
/// (`#unshipped-port-message-queue`).
static STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn next_stamp() -> u64 {
    STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Payloads up to this size live inside the task: a small message then
/// costs no heap allocation that crosses threads (the sender's allocator
/// and the receiver's free would otherwise contend for every message).
const INLINE: usize = 22;

thread_local! {
    /// [`MessagePort::post`]'s serialization buffer.
    static POST_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The largest message [`Payload::out_of`] copies out of a reused buffer
/// (the buffer then keeps up to this much capacity).
const KEEP_BUFFER: usize = 64 * 1024;

/// Message bytes: inline, owned, or shared with other queues (a broadcast
/// serializes once).
pub(crate) enum Payload {
    Inline { len: u8, data: [u8; INLINE] },
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Payload {
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        if v.len() <= INLINE {
            Payload::inline(&v)
        } else {
            Payload::Owned(v)
        }
    }

    /// The bytes of a reused serialization buffer, which is left empty: a
    /// small message inline; a middling one copied into an allocation of
    /// its size, so the buffer keeps its capacity (taking it would make the
    /// next message grow a new one, reallocating a dozen times on the way
    /// to a few KiB); a large one taken, so no thread keeps a large buffer
    /// after one large message.
    #[inline]
    fn out_of(buf: &mut Vec<u8>) -> Self {
        let p = if buf.len() <= INLINE {
            Payload::inline(buf)
        } else if buf.len() <= KEEP_BUFFER {
            Payload::Owned(buf.to_vec())
        } else {
            return Payload::Owned(std::mem::take(buf));
        };
        buf.clear();
        p
    }

    /// A copy of `b`, at most [`INLINE`] bytes, inside the task.
    fn inline(b: &[u8]) -> Self {
        let mut data = [0u8; INLINE];
        data[..b.len()].copy_from_slice(b);
        Payload::Inline {
            len: b.len() as u8,
            data,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Payload::Inline { len, data } => &data[..*len as usize],
            Payload::Owned(b) => b,
            Payload::Shared(b) => b,
        }
    }
}

/// What a message carries besides its bytes (rare, so boxed).
pub(crate) struct Extras {
    pub(crate) buffers: Vec<TransferredBuffer>,
    pub(crate) ports: Vec<ShippedPort>,
}

/// One task of a port message queue.
pub(crate) enum Task {
    Message {
        stamp: u64,
        payload: Payload,
        extras: Option<Box<Extras>>,
    },
    Close {
        stamp: u64,
    },
}

impl Task {
    fn size(&self) -> usize {
        match self {
            Task::Message {
                payload, extras, ..
            } => {
                payload.bytes().len()
                    + extras
                        .as_ref()
                        .map_or(0, |e| e.buffers.iter().map(|b| b.data.len()).sum())
            }
            Task::Close { .. } => 0,
        }
    }

    pub(crate) fn stamp(&self) -> u64 {
        match self {
            Task::Message { stamp, .. } | Task::Close { stamp } => *stamp,
        }
    }
}

/// Who is told when the port has a task to release.
pub(crate) enum Owner {
    None,
    Waker(Waker),
    Thread(Thread),
    Loop(Weak<LoopInner>),
}

pub(crate) struct State {
    pub(crate) peer: Option<Arc<Port>>,
    pub(crate) queue: VecDeque<Task>,
    pub(crate) queued_bytes: usize,
    pub(crate) enabled: bool,
    pub(crate) shipped: bool,
    pub(crate) closed: bool,
    pub(crate) owner: Owner,
    /// Set while the port sits in its event loop's ready list.
    pub(crate) in_ready: bool,
    /// Backpressure: the high-water mark this port (as a sender) observes.
    pub(crate) high_water: Option<usize>,
    /// Senders waiting for this queue to drain below `drain_below`.
    pub(crate) drain_waiters: Vec<Waker>,
    pub(crate) drain_below: usize,
}

/// The state of one port (see the module docs).
pub(crate) struct Port {
    pub(crate) name: PortName,
    /// Bumped by every transfer: a handle whose epoch differs is dead.
    pub(crate) epoch: AtomicU64,
    /// Tasks in `state.queue`, readable without the lock: a spinning
    /// receiver watches this instead of contending for the lock.
    pub(crate) queued: AtomicU64,
    /// Mirrors `state.enabled` so `start()` on a started port takes no lock.
    pub(crate) started: AtomicBool,
    /// The head of the port message queue, moved out by a receiver in one
    /// lock so that sender and receiver do not trade cache lines for every
    /// message. Logically still part of the queue: tasks here come before
    /// those in `state.queue`. Lock order: `taken` before `state`.
    pub(crate) taken: Mutex<Taken>,
    /// `taken.tasks.len()`, readable under the `state` lock alone.
    pub(crate) taken_len: AtomicU64,
    /// Non-zero while senders wait in `ready()` (mirrors `state.drain_below`).
    pub(crate) drain_watch: AtomicU64,
    pub(crate) state: Mutex<State>,
}

/// See [`Port::taken`].
#[derive(Default)]
pub(crate) struct Taken {
    pub(crate) tasks: VecDeque<Task>,
    pub(crate) bytes: usize,
}

impl Port {
    fn new() -> Arc<Port> {
        Arc::new(Port {
            name: PortName::random(),
            epoch: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            started: AtomicBool::new(false),
            taken: Mutex::new(Taken::default()),
            taken_len: AtomicU64::new(0),
            drain_watch: AtomicU64::new(0),
            state: Mutex::new(State {
                peer: None,
                queue: VecDeque::new(),
                queued_bytes: 0,
                enabled: false,
                shipped: false,
                closed: false,
                owner: Owner::None,
                in_ready: false,
                high_water: None,
                drain_waiters: Vec::new(),
                drain_below: 0,
            }),
        })
    }

    /// Whether the front task may be released now.
    pub(crate) fn front_ready(s: &State) -> bool {
        match s.queue.front() {
            Some(Task::Message { .. }) => s.enabled,
            Some(Task::Close { .. }) => true,
            None => false,
        }
    }

    /// Queues a task and wakes the owner if the task can be released.
    /// Returns the owner to wake, to be woken after the lock is released.
    fn enqueue(self: &Arc<Self>, s: &mut State, task: Task) -> Wake {
        s.queued_bytes += task.size();
        s.queue.push_back(task);
        self.queued.store(s.queue.len() as u64, Ordering::Release);
        if Port::front_ready(s) {
            self.wake_owner(s)
        } else {
            Wake::Nothing
        }
    }

    /// Wakes are one-shot for a waiting thread or future (it registers
    /// again if it must wait again), persistent for an event loop.
    pub(crate) fn wake_owner(self: &Arc<Self>, s: &mut State) -> Wake {
        match &s.owner {
            Owner::None => Wake::Nothing,
            Owner::Waker(_) | Owner::Thread(_) => {
                match std::mem::replace(&mut s.owner, Owner::None) {
                    Owner::Waker(w) => Wake::Waker(w),
                    Owner::Thread(t) => Wake::Thread(t),
                    _ => unreachable!(),
                }
            }
            Owner::Loop(l) => match l.upgrade() {
                Some(l) if !s.in_ready => {
                    s.in_ready = true;
                    Wake::Loop(l, self.clone())
                }
                _ => Wake::Nothing,
            },
        }
    }

    /// Removes the front task if it may be released (or any task if
    /// `ignore_enabled`), keeping the byte count and drain waiters right.
    pub(crate) fn pop(&self, s: &mut State, ignore_enabled: bool) -> Option<(Task, Vec<Waker>)> {
        let ready = Port::front_ready(s) || (ignore_enabled && !s.queue.is_empty());
        if !ready {
            return None;
        }
        let task = s.queue.pop_front()?;
        self.queued.store(s.queue.len() as u64, Ordering::Release);
        s.queued_bytes -= task.size();
        // Ports popped here (event loops) keep nothing in `taken`.
        let drained = self.drained(s, 0);
        Some((task, drained))
    }

    /// Tasks and bytes in the port message queue (`taken` included).
    pub(crate) fn queue_size(&self) -> (usize, usize) {
        let tk = lock(&self.taken);
        let s = lock(&self.state);
        (s.queue.len() + tk.tasks.len(), s.queued_bytes + tk.bytes)
    }

    /// Puts `taken` back at the head of `state.queue` (for event loops,
    /// which release from `state.queue` only).
    pub(crate) fn untake(&self) {
        let mut tk = lock(&self.taken);
        let mut s = lock(&self.state);
        while let Some(t) = tk.tasks.pop_back() {
            s.queued_bytes += t.size();
            s.queue.push_front(t);
        }
        tk.bytes = 0;
        self.taken_len.store(0, Ordering::Release);
        self.queued.store(s.queue.len() as u64, Ordering::Release);
    }

    /// The senders to wake if the queue (with `taken_bytes` still in
    /// `taken`) has drained below their high-water mark.
    pub(crate) fn drained(&self, s: &mut State, taken_bytes: usize) -> Vec<Waker> {
        if !s.drain_waiters.is_empty() && s.queued_bytes.saturating_add(taken_bytes) < s.drain_below
        {
            self.drain_watch.store(0, Ordering::Release);
            std::mem::take(&mut s.drain_waiters)
        } else {
            Vec::new()
        }
    }

    /// Disentangles `self` from its peer (`#disentangle`): breaks both links
    /// and queues a `close` task at the other side, after every message
    /// already queued there.
    fn disentangle(self: &Arc<Self>) {
        let peer = lock(&self.state).peer.take();
        if let Some(other) = peer {
            let wake = {
                let mut o = lock(&other.state);
                if o.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, self)) {
                    o.peer = None;
                    let drained = std::mem::take(&mut o.drain_waiters);
                    let w = other.enqueue(
                        &mut o,
                        Task::Close {
                            stamp: next_stamp(),
                        },
                    );
                    drop(o);
                    drained.into_iter().for_each(Waker::wake);
                    w
                } else {
                    Wake::Nothing
                }
            };
            wake.run();
        }
    }
}

/// A wake-up decided under a lock and performed after it is released.
pub(crate) enum Wake {
    Nothing,
    Waker(Waker),
    Thread(Thread),
    Loop(Arc<LoopInner>, Arc<Port>),
}

impl Wake {
    pub(crate) fn run(self) {
        match self {
            Wake::Nothing => {}
            Wake::Waker(w) => w.wake(),
            Wake::Thread(t) => t.unpark(),
            Wake::Loop(l, p) => l.make_ready(p),
        }
    }
}

/// An entry of a transfer list (`postMessage(msg, transfer)`).
///
/// ```
/// use msgport::{Event, MessageChannel, Transfer};
/// use msgport::clone::{ArrayBuffer, Graph, Object, Value};
/// let ch = MessageChannel::new();
/// let mut msg = Graph::default();
/// let buf = msg.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![7; 1024])));
/// msg.root = Value::Object(buf);
/// ch.port1.post_message(&mut msg, &[Transfer::ArrayBuffer(buf)]).unwrap();
/// // Moved, not copied: the sender's buffer is detached.
/// assert!(matches!(msg.get(buf), Some(Object::ArrayBuffer(b)) if b.detached));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Transfer<'a> {
    /// A port, referred to in the message as
    /// [`HostObject::Transferred`](msgport_clone::HostObject::Transferred)`(n)`
    /// where `n` counts the ports of the list.
    Port(&'a MessagePort),
    /// An ArrayBuffer of the message graph; its bytes move, uncopied.
    ArrayBuffer(ObjectId),
}

/// A port in flight: the data holder of the transfer steps
/// (`#transferMessagePort`). Users never build one: it is what
/// `MessagePort`'s [`Transferable`] impl hands to the serializer, and it
/// becomes a live `MessagePort` in the receiver's `Message::ports`. If the message carrying it is dropped without
/// being received, the port is closed (as if collected), which fires
/// `close` at its peer.
pub struct ShippedPort(MessagePort);

impl fmt::Debug for ShippedPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShippedPort({:?})", self.0.port.name)
    }
}

impl ShippedPort {
    /// The transfer-receiving steps: a live handle for the new owner.
    pub(crate) fn receive(self) -> MessagePort {
        self.0
    }
}

/// One end of a channel: the standard's `MessagePort`
/// (<https://html.spec.whatwg.org/multipage/web-messaging.html#message-ports>).
///
/// `Send` and `Sync`: a port may be used from any thread and moved between
/// threads directly, or transferred inside a message to another port.
/// Dropping the (live) handle closes the port, which fires `close` at its peer.
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
    /// port's peer never changes except to become `None` (entanglement is
    /// fixed at creation; close only unlinks), so posting uses this without
    /// taking the port's lock, and `queue_task` checks under the peer's lock
    /// that the link still holds.
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
        lock(&a.state).peer = Some(b.clone());
        lock(&b.state).peer = Some(a.clone());
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
pub enum RecvError {
    /// The handle was transferred away (or closed) and its queue is drained.
    #[error("the port is detached (transferred or closed) and nothing is left to receive")]
    Detached,
    /// The port has no peer and its queue is drained: nothing can ever arrive.
    #[error("the port is disentangled and nothing is left to receive")]
    Disentangled,
    /// `recv_blocking` waited for its whole timeout.
    #[error("timed out")]
    Timeout,
}

impl MessagePort {
    pub(crate) fn from_parts(port: Arc<Port>, epoch: u64, owning: bool) -> Self {
        let peer = lock(&port.state).peer.clone();
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
        !self.live() || lock(&self.port.state).closed
    }

    /// Whether the port still has a peer (and this handle is live).
    pub fn is_entangled(&self) -> bool {
        self.live() && lock(&self.port.state).peer.is_some()
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
            if Port::front_ready(&s) {
                self.port.wake_owner(&mut s)
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
        {
            let mut s = lock(&self.port.state);
            if s.closed {
                return;
            }
            s.closed = true;
        }
        self.port.disentangle();
        // A receiver parked on this port must learn that nothing more can come.
        let wake = self.port.wake_owner(&mut lock(&self.port.state));
        wake.run();
    }

    /// The peer to post to, or `None` if posts from this handle reach
    /// nobody. Lock-free: whether the link still holds is checked when the
    /// task is queued.
    fn target(&self) -> Option<&Arc<Port>> {
        if !self.live() {
            return None;
        }
        self.peer.as_ref()
    }

    /// The current peer, read under the lock (for observability).
    fn current_peer(&self) -> Option<Arc<Port>> {
        if !self.live() {
            return None;
        }
        lock(&self.port.state).peer.clone()
    }

    /// The message port post message steps
    /// (`#message-port-post-message-steps`) for a dynamic value.
    ///
    /// Ports in `transfer` are detached here and re-appear, in order, in the
    /// receiver's `Message::ports`; ArrayBuffers in `transfer` move into the
    /// message without a copy and are detached in `value`.
    ///
    /// Errors: this port in its own transfer list
    /// ([`CloneError::TransferSourcePort`], nothing detached), or any
    /// DataCloneError of serialization. Posting never blocks and never fails
    /// because of the peer: with no peer, or with the peer in the transfer
    /// list, the message is serialized (transferables detached) and dropped.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel, Transfer};
    /// use msgport_clone::{Graph, HostObject, Object, Value};
    /// let a = MessageChannel::new();
    /// let b = MessageChannel::new();
    /// // Send b.port2 through a, as event.ports[0].
    /// let mut msg = Graph::default();
    /// let h = msg.alloc(Object::Host(HostObject::Transferred(0)));
    /// msg.root = Value::Object(msg.object(vec![("port".into(), Value::Object(h))]));
    /// a.port1.post_message(&mut msg, &[Transfer::Port(&b.port2)]).unwrap();
    /// assert!(b.port2.is_detached());
    /// let Event::Message(m) = a.port2.recv_blocking(None).unwrap() else { panic!() };
    /// let moved = m.ports.into_iter().next().unwrap();
    /// b.port1.post(&42).unwrap();
    /// assert!(matches!(moved.recv_blocking_as::<i32>(None).unwrap(), Event::Message(m) if m.data == 42));
    /// ```
    pub fn post_message(
        &self,
        value: &mut Graph,
        transfer: &[Transfer<'_>],
    ) -> Result<(), CloneError> {
        self.check_transfer(transfer)?;
        let target = self.target();
        // Step 4: the target port in the transfer list dooms the message.
        let doomed = target.is_some_and(|t| {
            transfer
                .iter()
                .any(|x| matches!(x, Transfer::Port(p) if Arc::ptr_eq(&p.port, t)))
        });
        let items: Vec<TransferItem<'_, MessagePort>> = transfer
            .iter()
            .map(|t| match *t {
                Transfer::Port(p) => TransferItem::Host(p),
                Transfer::ArrayBuffer(id) => TransferItem::ArrayBuffer(id),
            })
            .collect();
        let record = serialize_with_transfer(value, &items)?;
        match target {
            Some(t) if !doomed => {
                self.deliver(t, record);
                Ok(())
            }
            // Step 6: no target, or doomed: drop silently (shipped ports close).
            _ => Ok(()),
        }
    }

    /// The check [`MessagePort::post_message`] makes before anything else
    /// (`#message-port-post-message-steps`, step 2): this port in its own
    /// transfer list is a DataCloneError. An embedder that must detach
    /// transferables itself before posting (a JS engine moving an
    /// ArrayBuffer's memory) calls it first, so that posting cannot then fail
    /// on a message whose transferables are already detached.
    ///
    /// ```
    /// use msgport::{MessageChannel, Transfer};
    /// let c = MessageChannel::new();
    /// assert!(c.port1.check_transfer(&[Transfer::Port(&c.port1)]).is_err());
    /// assert!(c.port1.check_transfer(&[Transfer::Port(&c.port2)]).is_ok());
    /// ```
    pub fn check_transfer(&self, transfer: &[Transfer<'_>]) -> Result<(), CloneError> {
        if transfer
            .iter()
            .any(|t| matches!(t, Transfer::Port(p) if Arc::ptr_eq(&p.port, &self.port)))
        {
            return Err(CloneError::TransferSourcePort);
        }
        Ok(())
    }

    /// Posts any serde value (no transfer list).
    pub fn post<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<(), CloneError> {
        // Serialized into a reused per-thread buffer: a small message is
        // then copied into its task and allocates nothing.
        let payload = POST_BUFFER.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                to_bytes_into(value, &mut buf)?;
                Ok::<_, CloneError>(Payload::out_of(&mut buf))
            }
            // A `Serialize` impl that posts from inside `post`.
            Err(_) => Ok(Payload::from_vec(to_bytes(value)?)),
        })?;
        self.post_payload(payload);
        Ok(())
    }

    /// Posts a message that is already in the wire format (V8 version 15
    /// bytes with no transferred objects), e.g. bytes that came from another
    /// process. Nothing is checked here: the receiver decodes them, and bytes
    /// it cannot read become a `messageerror` task (later messages still
    /// flow).
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// ch.port1.post_serialized(msgport::clone::to_bytes(&"ok").unwrap());
    /// ch.port1.post_serialized(vec![0xFF, 0x0F, 0xEE]); // an unknown tag
    /// ch.port2.start();
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data == "ok"));
    /// assert!(matches!(ch.port2.try_recv().unwrap(), Some(Event::MessageError(_))));
    /// ```
    pub fn post_serialized(&self, bytes: Vec<u8>) {
        self.post_payload(Payload::from_vec(bytes));
    }

    /// [`MessagePort::post_serialized`] for an embedder that serializes
    /// into one reused buffer: the bytes are taken out of `buf`, which is
    /// left empty. A message of up to 64 KiB is copied out (inside its task
    /// if it is small enough), and `buf` keeps its allocation for the next
    /// one; a larger one takes the allocation with it.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// let mut buf = msgport::clone::to_bytes(&7).unwrap();
    /// ch.port1.post_serialized_from(&mut buf);
    /// assert!(buf.is_empty() && buf.capacity() > 0);
    /// // A middling message is copied out: the buffer keeps its capacity.
    /// let mut buf = msgport::clone::to_bytes(&"m".repeat(1000)).unwrap();
    /// ch.port1.post_serialized_from(&mut buf);
    /// assert!(buf.is_empty() && buf.capacity() >= 1000);
    /// // A large one is taken: no thread keeps a large buffer.
    /// let mut buf = msgport::clone::to_bytes(&"L".repeat(100_000)).unwrap();
    /// ch.port1.post_serialized_from(&mut buf);
    /// assert_eq!(buf.capacity(), 0);
    /// ch.port2.start();
    /// assert!(matches!(ch.port2.try_recv_as::<i32>().unwrap(), Some(Event::Message(m)) if m.data == 7));
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data == "m".repeat(1000)));
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data.len() == 100_000));
    /// ```
    pub fn post_serialized_from(&self, buf: &mut Vec<u8>) {
        let payload = Payload::out_of(buf);
        self.post_payload(payload);
    }

    /// Posts already-serialized wire bytes.
    pub(crate) fn post_payload(&self, payload: Payload) {
        if let Some(t) = self.target() {
            self.queue_task(
                t,
                Task::Message {
                    stamp: next_stamp(),
                    payload,
                    extras: None,
                },
            );
        }
    }

    fn deliver(&self, target: &Arc<Port>, record: Record<ShippedPort>) {
        let extras = if record.buffers.is_empty() && record.hosts.is_empty() {
            None
        } else {
            Some(Box::new(Extras {
                buffers: record.buffers,
                ports: record.hosts,
            }))
        };
        let task = Task::Message {
            stamp: next_stamp(),
            payload: Payload::from_vec(record.bytes),
            extras,
        };
        self.queue_task(target, task);
    }

    /// Step 7: add a task to the target's port message queue, if the target
    /// is still entangled with this port.
    fn queue_task(&self, target: &Arc<Port>, task: Task) {
        let wake = {
            let mut t = lock(&target.state);
            if !t.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, &self.port)) {
                return; // disentangled meanwhile: the message is dropped
            }
            target.enqueue(&mut t, task)
        };
        wake.run();
    }

    // ---------------------------------------------------------------
    // Receiving
    // ---------------------------------------------------------------

    /// Takes the next releasable task, or tells why none can ever come.
    /// `ignore_enabled` is `try_recv`'s `receiveMessageOnPort` behaviour.
    ///
    /// Takes from `taken` first; when it is empty, moves the releasable run
    /// at the head of `state.queue` into it under one lock.
    pub(crate) fn take_task(&self, ignore_enabled: bool) -> Result<Option<Task>, RecvError> {
        let mut tk = lock(&self.port.taken);
        if !self.live() {
            return Err(RecvError::Detached);
        }
        if let Some(front) = tk.tasks.front() {
            let releasable = matches!(front, Task::Close { .. })
                || ignore_enabled
                || self.port.started.load(Ordering::Acquire);
            if !releasable {
                return Ok(None);
            }
            let task = tk.tasks.pop_front().expect("front exists");
            tk.bytes -= task.size();
            self.port
                .taken_len
                .store(tk.tasks.len() as u64, Ordering::Release);
            if self.port.drain_watch.load(Ordering::Acquire) != 0 {
                let drained = self.port.drained(&mut lock(&self.port.state), tk.bytes);
                drop(tk);
                drained.into_iter().for_each(Waker::wake);
            }
            return Ok(Some(task));
        }
        let mut s = lock(&self.port.state);
        // `pop` hands back the senders to wake (taken is empty here, so its
        // count is the whole queue's); moving the batch below keeps the total.
        let Some((task, drained)) = self.port.pop(&mut s, ignore_enabled) else {
            if s.queue.is_empty() {
                if s.closed {
                    return Err(RecvError::Detached);
                }
                if s.peer.is_none() {
                    return Err(RecvError::Disentangled);
                }
            }
            return Ok(None);
        };
        if s.enabled && !s.queue.is_empty() {
            // Take the rest of the queue in O(1): swap the deques (both keep
            // their capacity, so neither side reallocates in a steady stream).
            debug_assert!(tk.tasks.is_empty());
            std::mem::swap(&mut tk.tasks, &mut s.queue);
            tk.bytes = s.queued_bytes;
            s.queued_bytes = 0;
            self.port.queued.store(0, Ordering::Release);
            self.port
                .taken_len
                .store(tk.tasks.len() as u64, Ordering::Release);
        }
        drop(s);
        drop(tk);
        drained.into_iter().for_each(Waker::wake);
        Ok(Some(task))
    }

    /// Runs a released task: decodes the message (StructuredDeserializeWithTransfer,
    /// then the transfer-receiving steps of its ports), or reports messageerror.
    pub(crate) fn run_task<T>(
        task: Task,
        decode: impl FnOnce(&[u8], Vec<TransferredBuffer>, usize) -> Result<T, CloneError>,
    ) -> Event<T> {
        match task {
            Task::Close { .. } => Event::Close,
            Task::Message {
                payload, extras, ..
            } => {
                let (buffers, ports) = match extras {
                    Some(e) => (e.buffers, e.ports),
                    None => (Vec::new(), Vec::new()),
                };
                match decode(payload.bytes(), buffers, ports.len()) {
                    Ok(data) => Event::Message(Message {
                        data,
                        ports: ports.into_iter().map(ShippedPort::receive).collect(),
                    }),
                    // The transferred ports are dropped, i.e. closed.
                    Err(e) => Event::MessageError(e),
                }
            }
        }
    }

    pub(crate) fn decode_graph(
        bytes: &[u8],
        buffers: Vec<TransferredBuffer>,
        ports: usize,
    ) -> Result<Graph, CloneError> {
        deserialize_with_transfer(bytes, buffers, ports, DecodeOptions::default())
    }

    pub(crate) fn decode_serde<T: serde::de::DeserializeOwned>(
        bytes: &[u8],
        _: Vec<TransferredBuffer>,
        _: usize,
    ) -> Result<T, CloneError> {
        msgport_clone::from_bytes(bytes)
    }

    /// Receives without waiting, whether or not the port was started, like
    /// Node's `receiveMessageOnPort`. `Ok(None)`: nothing queued now.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel, RecvError};
    /// let ch = MessageChannel::new();
    /// assert!(ch.port2.try_recv().unwrap().is_none());
    /// ch.port1.post(&[1, 2, 3]).unwrap();
    /// let Some(Event::Message(m)) = ch.port2.try_recv().unwrap() else { panic!() };
    /// assert_eq!(msgport::clone::from_graph::<Vec<i32>>(&m.data).unwrap(), [1, 2, 3]);
    /// drop(ch.port1);
    /// assert!(matches!(ch.port2.try_recv().unwrap(), Some(Event::Close)));
    /// assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Disentangled);
    /// ```
    pub fn try_recv(&self) -> Result<Option<Event>, RecvError> {
        Ok(self
            .take_task(true)?
            .map(|t| Self::run_task(t, Self::decode_graph)))
    }

    /// [`MessagePort::try_recv`] into a serde type.
    pub fn try_recv_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<Event<T>>, RecvError> {
        Ok(self
            .take_task(true)?
            .map(|t| Self::run_task(t, Self::decode_serde::<T>)))
    }

    /// Waits for the next event. Asking to receive is listening: like
    /// assigning `onmessage`, it starts the port message queue. Spins briefly
    /// before parking the thread (waking a parked thread is the slow part).
    ///
    /// ```
    /// use msgport::{MessageChannel, RecvError};
    /// use std::time::Duration;
    /// let ch = MessageChannel::new();
    /// let err = ch.port2.recv_blocking(Some(Duration::from_millis(10))).unwrap_err();
    /// assert_eq!(err, RecvError::Timeout);
    /// ```
    pub fn recv_blocking(&self, timeout: Option<std::time::Duration>) -> Result<Event, RecvError> {
        self.blocking(timeout)
            .map(|t| Self::run_task(t, Self::decode_graph))
    }

    /// [`MessagePort::recv_blocking`] into a serde type.
    pub fn recv_blocking_as<T: serde::de::DeserializeOwned>(
        &self,
        timeout: Option<std::time::Duration>,
    ) -> Result<Event<T>, RecvError> {
        self.blocking(timeout)
            .map(|t| Self::run_task(t, Self::decode_serde::<T>))
    }

    fn blocking(&self, timeout: Option<std::time::Duration>) -> Result<Task, RecvError> {
        self.start();
        // The common case in a stream: a task is ready, no clock needed.
        if let Some(t) = self.take_task(false)? {
            return Ok(t);
        }
        let deadline = timeout.map(|d| std::time::Instant::now() + d);
        #[cfg(not(feature = "shuttle"))]
        {
            let spin_until = std::time::Instant::now() + std::time::Duration::from_micros(50);
            loop {
                if let Some(t) = self.take_task(false)? {
                    return Ok(t);
                }
                // Spin on the lock-free count, not on the lock.
                let mut n = 0u32;
                while self.port.queued.load(Ordering::Acquire) == 0 && n < 256 {
                    std::hint::spin_loop();
                    n += 1;
                }
                if std::time::Instant::now() >= spin_until {
                    break;
                }
            }
        }
        loop {
            if let Some(t) = self.take_task(false)? {
                return Ok(t);
            }
            {
                // Re-check under the lock before registering: anything that
                // changes the answer after this point wakes the owner.
                let mut s = lock(&self.port.state);
                let taken = self.port.taken_len.load(Ordering::Acquire) > 0;
                if !self.live()
                    || taken
                    || Port::front_ready(&s)
                    || (s.queue.is_empty() && (s.closed || s.peer.is_none()))
                {
                    continue;
                }
                s.owner = Owner::Thread(thread::current());
            }
            match deadline {
                None => thread::park(),
                Some(d) => {
                    let now = std::time::Instant::now();
                    if now >= d {
                        self.set_owner(Owner::None);
                        return Err(RecvError::Timeout);
                    }
                    #[cfg(not(feature = "shuttle"))]
                    thread::park_timeout(d - now);
                    #[cfg(feature = "shuttle")]
                    thread::park();
                }
            }
        }
    }

    /// Waits for the next event asynchronously (starting the queue, as
    /// [`MessagePort::recv_blocking`] does). Works with any executor.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// ch.port1.post(&"async").unwrap();
    /// let ev = futures::executor::block_on(ch.port2.recv_as::<String>()).unwrap();
    /// assert!(matches!(ev, Event::Message(m) if m.data == "async"));
    /// ```
    pub fn recv(&self) -> crate::recv::Recv<'_, Graph> {
        self.start();
        crate::recv::Recv::new(self, Self::decode_graph)
    }

    /// [`MessagePort::recv`] into a serde type.
    pub fn recv_as<T: serde::de::DeserializeOwned>(&self) -> crate::recv::Recv<'_, T> {
        self.start();
        crate::recv::Recv::new(self, Self::decode_serde::<T>)
    }

    // ---------------------------------------------------------------
    // Backpressure and observability
    // ---------------------------------------------------------------

    /// Messages and bytes waiting in the peer's queue (what this port has
    /// sent that the other side has not taken yet). `(0, 0)` with no peer.
    ///
    /// ```
    /// let ch = msgport::MessageChannel::new();
    /// ch.port1.post(&"x".repeat(1000)).unwrap();
    /// let (n, bytes) = ch.port1.peer_queued();
    /// assert_eq!(n, 1);
    /// assert!(bytes > 1000);
    /// assert_eq!(ch.port2.queued(), (n, bytes));
    /// ```
    pub fn peer_queued(&self) -> (usize, usize) {
        match self.current_peer() {
            Some(p) => p.queue_size(),
            None => (0, 0),
        }
    }

    /// Messages and bytes waiting in this port's own queue.
    pub fn queued(&self) -> (usize, usize) {
        self.port.queue_size()
    }

    /// Sets (or clears) the high-water mark, in bytes of the peer's queue,
    /// that [`MessagePort::ready`] waits under. Posting never blocks.
    pub fn set_high_water_mark(&self, bytes: Option<usize>) {
        lock(&self.port.state).high_water = bytes;
    }

    /// Resolves when the peer's queue holds fewer bytes than the high-water
    /// mark (at once if no mark is set or there is no peer).
    ///
    /// ```
    /// let ch = msgport::MessageChannel::new();
    /// ch.port1.set_high_water_mark(Some(64 * 1024));
    /// for i in 0..1000u32 {
    ///     // A producer that respects backpressure: wait while the peer lags.
    ///     futures::executor::block_on(ch.port1.ready());
    ///     ch.port1.post(&i).unwrap();
    ///     if i % 100 == 0 {
    ///         while let Ok(Some(_)) = ch.port2.try_recv() {}
    ///     }
    /// }
    /// assert!(ch.port1.peer_queued().1 < 64 * 1024);
    /// ```
    pub fn ready(&self) -> crate::recv::Ready<'_> {
        crate::recv::Ready { port: self }
    }

    pub(crate) fn poll_ready(&self, cx: &mut std::task::Context<'_>) -> bool {
        let Some(mark) = lock(&self.port.state).high_water else {
            return true;
        };
        let Some(peer) = self.current_peer() else {
            return true;
        };
        let tk = lock(&peer.taken);
        let mut s = lock(&peer.state);
        if s.queued_bytes + tk.bytes < mark || s.peer.is_none() {
            return true;
        }
        s.drain_below = if s.drain_waiters.is_empty() {
            mark
        } else {
            s.drain_below.min(mark)
        };
        s.drain_waiters.push(cx.waker().clone());
        peer.drain_watch.store(1, Ordering::Release);
        false
    }

    pub(crate) fn set_owner(&self, owner: Owner) {
        if self.live() {
            let mut s = lock(&self.port.state);
            // `in_ready` says the port is in its *owner's* ready list: a new
            // owner has not listed it yet.
            s.in_ready = false;
            s.owner = owner;
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
    /// the port is closed, which fires `close` at its peer.
    fn drop(&mut self) {
        if self.owning && self.live() {
            self.close();
        }
    }
}

impl Transferable for MessagePort {
    type Shipped = ShippedPort;

    fn is_detached(&self) -> bool {
        MessagePort::is_detached(self)
    }

    fn is_same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.port, &other.port)
    }

    /// The transfer steps: mark this port and its peer shipped, disable the
    /// queue for its next owner, and kill this handle.
    fn transfer(&self) -> ShippedPort {
        let (epoch, peer, old_owner) = {
            let _tk = lock(&self.port.taken);
            let mut s = lock(&self.port.state);
            s.shipped = true;
            s.enabled = false;
            self.port.started.store(false, Ordering::Release);
            let epoch = self.port.epoch.fetch_add(1, Ordering::AcqRel) + 1;
            // Wake whoever waited on the old handle (a blocked `recv`): it is
            // dead now. An event loop waits on no handle: it is not woken, and
            // the port leaves its ready list the next time the loop looks
            // (`in_ready` is reset here, so the new owner's loop can list it).
            let wake = match s.owner {
                Owner::Loop(_) => Wake::Nothing,
                _ => self.port.wake_owner(&mut s),
            };
            s.owner = Owner::None;
            s.in_ready = false;
            (epoch, s.peer.clone(), wake)
        };
        old_owner.run();
        if let Some(p) = &peer {
            lock(&p.state).shipped = true;
        }
        ShippedPort(MessagePort {
            port: self.port.clone(),
            peer,
            epoch,
            owning: true,
        })
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn a_task_is_small() {
        // Queue memory per message; see BENCHMARKS.md (memory).
        assert!(
            std::mem::size_of::<super::Task>() <= 48,
            "{}",
            std::mem::size_of::<super::Task>()
        );
    }
}
