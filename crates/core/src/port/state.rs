//! A port's state, behind its locks: the fields, their invariants, and the
//! few operations that change them together (queue a task, pop one,
//! disentangle). The picture of a route and the states are in the module
//! docs of [`crate::port`].

use super::payload::{Payload, Task};
use super::waiters::{Waiter, Waiters};
use super::PortName;
use crate::event_loop::LoopInner;
use crate::sync::{lock, Arc, AtomicBool, AtomicU64, Ordering, Rank, Ranked, Weak};
use std::collections::VecDeque;
use std::task::Waker;

/// Global posting order: every queued task gets the next stamp, so an event
/// loop can release tasks of never-shipped ports in posting order
/// (`#unshipped-port-message-queue`).
static STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn next_stamp() -> u64 {
    STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Where a port stands with respect to its peer: the explicit state of the
/// state machine (see the module docs of [`crate::port`]).
pub(crate) enum Link {
    /// Entangled with `peer`. Symmetric: the peer's link names this port
    /// (except during a disentangle, which breaks both sides one lock at a
    /// time, this side first).
    Entangled(Arc<Port>),
    /// The peer closed or was dropped (`#disentangle` run from the other
    /// side). Terminal except for `close()`, which makes it `Closed`.
    Disentangled,
    /// This port's own `close()` ran (`[[Detached]]` set by close).
    /// Terminal.
    Closed,
    /// This port was merged away ([`MessagePort::merge`](crate::MessagePort::merge)):
    /// its former peer is now entangled with the port named here. A post
    /// that still reaches this port (a handle that cached it as its peer)
    /// is queued there instead. Terminal; set together with
    /// [`Port::merged`].
    Merged(Arc<Port>),
}

/// Which event loop, if any, this port's tasks go to.
pub(crate) enum Binding {
    /// Received through the port's handles (`recv*`, `try_recv*`), by any
    /// number of waiters.
    Handles,
    /// Bound to an [`EventLoop`](crate::EventLoop): only that loop pulls
    /// tasks; handles get [`RecvError::BoundToLoop`](crate::RecvError).
    Loop(Weak<LoopInner>),
}

/// Everything of a port that changes together, under [`Port::state`].
pub(crate) struct State {
    /// Entangled, disentangled or closed. Changed only by `close()` (to
    /// `Closed`) and by the peer's disentangle (`Entangled` → `Disentangled`).
    pub(crate) link: Link,
    /// The port message queue (the part not moved into [`Port::taken`]),
    /// in queuing order. A close task is always last: nothing is queued
    /// after the peer's disentangle.
    pub(crate) queue: VecDeque<Task>,
    /// `Σ Task::size` over `queue`.
    pub(crate) queued_bytes: usize,
    /// The port message queue is enabled (`start()`). false → true by
    /// `start()`; back to false only by the transfer steps (the received
    /// port starts disabled).
    pub(crate) enabled: bool,
    /// `#has-been-shipped`: this port or its peer was transferred. Never
    /// goes back to false.
    pub(crate) shipped: bool,
    /// A [`ShippedPort`](super::ShippedPort) for this port exists: no live
    /// handle does until it is received (`epoch` was bumped).
    pub(crate) in_flight: bool,
    /// Who receives: the handles' waiters, or one event loop.
    pub(crate) binding: Binding,
    /// Receivers blocked on this port (threads and tasks). Non-empty only
    /// while `binding` is `Handles`.
    pub(crate) waiters: Waiters,
    /// The port sits in its loop's ready list. Set only by [`Port::wake`]
    /// under this lock; cleared by the loop when the port has nothing
    /// releasable, and by a change of binding.
    pub(crate) in_ready: bool,
    /// Backpressure: the high-water mark this port, as a sender, observes.
    pub(crate) high_water: Option<usize>,
    /// Senders waiting for this queue to drain below `drain_below`.
    pub(crate) drain_waiters: Vec<Waker>,
    /// The lowest mark among `drain_waiters`.
    pub(crate) drain_below: usize,
    /// What a thread blocked on this port's *peer* does instead of parking
    /// (see `hook.rs`); set by whoever owns this port (a link between
    /// processes, on its bridges).
    pub(crate) wait_hook: Option<std::sync::Arc<dyn super::WaitHook>>,
}

impl State {
    /// The entangled peer, if any.
    pub(crate) fn peer(&self) -> Option<&Arc<Port>> {
        match &self.link {
            Link::Entangled(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn closed(&self) -> bool {
        matches!(self.link, Link::Closed)
    }
}

/// The state of one port. Its handles ([`MessagePort`](crate::MessagePort))
/// and the other side's `Link` hold it by `Arc`.
pub(crate) struct Port {
    /// 128 random bits; never changes, also across transfers.
    pub(crate) name: PortName,
    /// Bumped (under `taken` and `state`) by every transfer: the one live
    /// handle is the one whose epoch equals this. Acquire/Release: a
    /// handle that sees its epoch current also sees the state of the
    /// transfer that made it.
    pub(crate) epoch: AtomicU64,
    /// `state.queue.len()`, stored under `state` after each change; read
    /// without the lock by a spinning receiver (a hint: the truth is
    /// always re-read under the lock).
    pub(crate) queued: AtomicU64,
    /// Mirrors `state.enabled` (stored under `state`), so that `start()` on
    /// a started port and the `taken` fast path take no `state` lock.
    pub(crate) started: AtomicBool,
    /// The head of the port message queue, moved out by a receiver in one
    /// lock so that sender and receiver do not trade cache lines for every
    /// message. Logically part of the queue: tasks here come before those
    /// in `state.queue`. Empty whenever `state.binding` is `Loop` (binding
    /// puts it back: event loops release from `state.queue` only).
    pub(crate) taken: Ranked<Taken>,
    /// `taken.tasks.len()`, stored under `taken`; read under `state` alone
    /// by a receiver deciding whether to wait.
    pub(crate) taken_len: AtomicU64,
    /// Non-zero while senders wait in `ready()` (mirrors whether
    /// `state.drain_waiters` is non-empty; stored under `state`), so that a
    /// receiver taking from `taken` checks the drain only when needed.
    pub(crate) drain_watch: AtomicU64,
    /// Set (under `state`) when `state.link` becomes `Merged`; never
    /// cleared. Read without the lock by a post that transfers ports
    /// from a handle that cached this port as its peer, to look up its new
    /// peer (a hint: `queue_from` follows `Merged` under the lock anyway).
    pub(crate) merged: AtomicBool,
    /// Whether `state.wait_hook` is set (stored under `state`), so that a
    /// receiver about to wait on this port's peer looks at this port's
    /// lock only when there is a hook to fetch.
    pub(crate) hooked: AtomicBool,
    pub(crate) state: Ranked<State>,
}

/// See [`Port::taken`].
#[derive(Default)]
pub(crate) struct Taken {
    pub(crate) tasks: VecDeque<Task>,
    /// `Σ Task::size` over `tasks`.
    pub(crate) bytes: usize,
}

/// A wake-up decided under a lock and performed after it is released.
pub(crate) enum Wake {
    Nothing,
    One(Waiter),
    All(Vec<Waiter>),
    Loop(Arc<LoopInner>, Arc<Port>),
}

impl Wake {
    pub(crate) fn run(self) {
        match self {
            Wake::Nothing => {}
            Wake::One(w) => w.wake(),
            Wake::All(ws) => ws.into_iter().for_each(Waiter::wake),
            Wake::Loop(l, p) => l.make_ready(p),
        }
    }
}

impl Port {
    pub(crate) fn new() -> Arc<Port> {
        Arc::new(Port {
            name: PortName::random(),
            epoch: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            started: AtomicBool::new(false),
            taken: Ranked::new(Rank::Taken, Taken::default()),
            taken_len: AtomicU64::new(0),
            drain_watch: AtomicU64::new(0),
            merged: AtomicBool::new(false),
            hooked: AtomicBool::new(false),
            state: Ranked::new(
                Rank::State,
                State {
                    link: Link::Disentangled,
                    queue: VecDeque::new(),
                    queued_bytes: 0,
                    enabled: false,
                    shipped: false,
                    in_flight: false,
                    binding: Binding::Handles,
                    waiters: Waiters::default(),
                    in_ready: false,
                    high_water: None,
                    drain_waiters: Vec::new(),
                    drain_below: 0,
                    wait_hook: None,
                },
            ),
        })
    }

    /// The stamp of the front task of `state.queue` (`u64::MAX` if none).
    pub(crate) fn front_stamp(s: &State) -> u64 {
        s.queue.front().map_or(u64::MAX, Task::stamp)
    }

    /// Whether the front task of `state.queue` may be released now.
    pub(crate) fn front_ready(s: &State) -> bool {
        match s.queue.front() {
            Some(Task::Message { .. }) => s.enabled,
            Some(Task::Close { .. }) => true,
            None => false,
        }
    }

    /// Queues a task; returns whom to wake (after the lock is released).
    pub(crate) fn enqueue(self: &Arc<Self>, s: &mut State, task: Task) -> Wake {
        let close = matches!(task, Task::Close { .. });
        s.queued_bytes += task.size();
        s.queue.push_back(task);
        self.queued.store(s.queue.len() as u64, Ordering::Release);
        if close {
            // Nothing can arrive after a close: every waiter must learn it
            // (one gets the close event, the others `Disentangled`).
            self.wake(s, true)
        } else if Port::front_ready(s) {
            self.wake(s, false)
        } else {
            Wake::Nothing
        }
    }

    /// Whom to wake for a change of this port: one waiter for a new task
    /// (each task reaches one receiver; a waiter woken for nothing waits
    /// again), every waiter when `all` (close, transfer, binding: a change
    /// that may end every wait). Waiters are one-shot (removed when woken);
    /// an event loop is listed once in its ready list.
    pub(crate) fn wake(self: &Arc<Self>, s: &mut State, all: bool) -> Wake {
        match &s.binding {
            Binding::Handles if all => Wake::All(s.waiters.take_all()),
            Binding::Handles => s.waiters.pop().map_or(Wake::Nothing, Wake::One),
            Binding::Loop(l) => match l.upgrade() {
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
    /// Returns the task and the senders to wake.
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

    /// Puts `taken` back at the head of `state.queue` and sets the binding
    /// (event loops release from `state.queue` only). Every waiter is woken:
    /// binding to a loop ends their waits with `BoundToLoop`.
    pub(crate) fn rebind(self: &Arc<Self>, binding: Binding) -> Wake {
        let mut tk = lock(&self.taken);
        let mut s = lock(&self.state);
        while let Some(t) = tk.tasks.pop_back() {
            s.queued_bytes += t.size();
            s.queue.push_front(t);
        }
        tk.bytes = 0;
        self.taken_len.store(0, Ordering::Release);
        self.queued.store(s.queue.len() as u64, Ordering::Release);
        let waiters = Wake::All(s.waiters.take_all());
        s.binding = binding;
        // The new loop has not listed the port yet.
        s.in_ready = false;
        drop(s);
        drop(tk);
        waiters
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

    /// `#disentangle`, from this side, after this side's link was taken
    /// (`old`): breaks the peer's link and queues a `close` task at the
    /// peer, after every message already queued there.
    pub(crate) fn disentangle(self: &Arc<Self>, old: Link) {
        let Link::Entangled(other) = old else { return };
        let (wake, drained) = {
            let mut o = lock(&other.state);
            match &o.link {
                Link::Entangled(p) if Arc::ptr_eq(p, self) => {
                    o.link = Link::Disentangled;
                    let drained = std::mem::take(&mut o.drain_waiters);
                    other.drain_watch.store(0, Ordering::Release);
                    let w = other.enqueue(
                        &mut o,
                        Task::Close {
                            stamp: next_stamp(),
                        },
                    );
                    (w, drained)
                }
                _ => (Wake::Nothing, Vec::new()),
            }
        };
        drained.into_iter().for_each(Waker::wake);
        wake.run();
    }

    /// Queues `payload` as a message task at `self` if `self` is still
    /// entangled with `from` (step 7 of the post message steps), or at the
    /// port `self` was merged into; otherwise the message is dropped.
    pub(crate) fn queue_from(self: &Arc<Self>, from: &Arc<Port>, task: Task) {
        let wake = {
            let mut t = lock(&self.state);
            if !t.peer().is_some_and(|p| Arc::ptr_eq(p, from)) {
                // Disentangled meanwhile (the message is dropped), or merged.
                return Self::not_entangled(t, from, task);
            }
            self.enqueue(&mut t, task)
        };
        wake.run();
    }

    /// [`Port::queue_from`] at a port no longer entangled with `from`:
    /// if it was merged, the message follows what was queued here to the
    /// port it went to, in order (the sender's handle cached this port as
    /// its peer); otherwise it reaches nobody.
    #[cold]
    #[inline(never)]
    fn not_entangled(t: crate::sync::Guard<'_, State>, from: &Arc<Port>, task: Task) {
        let Link::Merged(next) = &t.link else {
            // The message reaches nobody. It is dropped after the lock:
            // the ports it carries close, which takes their locks (the
            // parameters would drop in reverse order, the task first).
            drop(t);
            drop(task);
            return;
        };
        let next = next.clone();
        drop(t);
        next.queue_from_merged(from, task);
    }

    /// [`Port::queue_from`] along a chain of merges, without recursion.
    fn queue_from_merged(self: Arc<Self>, from: &Arc<Port>, task: Task) {
        let mut at = self;
        loop {
            let next = {
                let mut t = lock(&at.state);
                match &t.link {
                    Link::Entangled(p) if Arc::ptr_eq(p, from) => {
                        let wake = at.enqueue(&mut t, task);
                        drop(t);
                        wake.run();
                        return;
                    }
                    Link::Merged(next) => next.clone(),
                    _ => return,
                }
            };
            at = next;
        }
    }

    /// A message task for `payload`.
    pub(crate) fn message(payload: Payload, extras: Option<Box<super::Extras>>) -> Task {
        Task::Message {
            stamp: next_stamp(),
            payload,
            extras,
        }
    }
}
