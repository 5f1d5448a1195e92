//! Merging two routes into one: Mojo's `MergePorts`
//! (`mojo/core/ports/node.h`), which the standard needs no name for
//! because it is invisible to scripts: a chain of ports that forwards
//! messages is shortened, and the two ends of the chain become entangled
//! as if they had been made by one `new MessageChannel()`.
//!
//! A link between processes uses it when a port comes back to the process
//! that holds its peer: that process then holds two *bridges* (ports of
//! its own, each entangled with a user's port) whose routes meet in the
//! other process. Merging the bridges entangles the two user ports
//! directly, and the routes go.
//!
//! ```text
//!   before:  x ⇄ a        b ⇄ y      (a, b: the merged ports, held by
//!                                      the caller; x, y: anyone's)
//!   after:   x ⇄ y                    a → Merged(y), b → Merged(x)
//!            a's queue (what x posted) appended to y's queue,
//!            b's queue (what y posted) appended to x's queue.
//! ```
//!
//! # Why it is safe against everything else
//!
//! The merge takes the `state` locks of `a`, `b`, `x` and `y` together
//! ([`lock_group`], the crate's one exception to "never two ports'
//! `state` at once"), after checking what it read of the links. So:
//! - a post from `x` either was queued at `a` before the merge (and is
//!   moved, in order, ahead of everything later) or comes after it. A post
//!   reaches `a` after the merge only from a handle that cached `a` as its
//!   peer; it finds `Merged(y)` and is queued at `y`, after the moved
//!   ones (`Port::queue_from`). A handle that sees `Port::merged` looks up
//!   its new peer before posting, so a merged port costs posts nothing
//!   once the handle has seen the flag.
//! - a close of `x` either completed before (then `a` is disentangled and
//!   its queue ends with the close, which `y` inherits) or starts after
//!   (then it finds `y` as its peer and closes it, the ordinary way), or
//!   is half-way (`x` is `Closed` but `a` still names it: `x` counts as
//!   gone, and its disentangle, which finds `a` no longer pointing at it,
//!   does nothing).

use super::state::{next_stamp, State};
use super::{Binding, Link, MessagePort, Port, Task, Wake};
use crate::sync::{lock, lock_group, Arc, Ordering, Weak};
use std::task::Waker;

/// Why [`MessagePort::merge`] did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// A port to merge was detached (transferred away or closed).
    #[error("a port to merge is detached")]
    Detached,
}

/// What a merge hands back to run after its locks are released.
#[derive(Default)]
struct After {
    wakes: Vec<Wake>,
    drained: Vec<Waker>,
    /// Tasks that reach nobody: dropped outside the locks (a port inside
    /// one closes, which locks ports).
    dropped: Vec<Task>,
}

impl After {
    fn run(self) {
        self.drained.into_iter().for_each(Waker::wake);
        self.wakes.into_iter().for_each(Wake::run);
        drop(self.dropped);
    }
}

impl MessagePort {
    /// Merges this port's route with `other`'s: this port's peer and
    /// `other`'s peer become entangled with each other, and both handles
    /// go (Mojo's `MergePorts`). Messages queued at this port (what its
    /// peer posted and nobody read here) are queued at `other`'s peer,
    /// after what that peer already holds, and the other way round; so
    /// each peer receives everything the other posted, exactly once and in
    /// order, whether it was posted before the merge or after. Neither
    /// peer sees any event of the merge.
    ///
    /// If one peer is gone (closed or dropped), the other receives what is
    /// queued for it and then `close`, as if its peer had closed; if both
    /// are gone, or the two ports are entangled with each other, they are
    /// simply closed.
    ///
    /// A link between processes uses this when a port it carried comes
    /// back to the process that holds its peer, so that no proxy is left.
    ///
    /// Errors: [`MergeError::Detached`] if either handle was transferred
    /// away or closed; the other port is then closed.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let (x, a) = MessageChannel::new().into_ports();
    /// let (b, y) = MessageChannel::new().into_ports();
    /// x.post(&1).unwrap(); // queued at a
    /// a.merge(b).unwrap();
    /// x.post(&2).unwrap(); // now queued at y
    /// y.start();
    /// for want in [1, 2] {
    ///     let Event::Message(m) = y.recv_blocking_as::<i32>(None).unwrap() else { panic!() };
    ///     assert_eq!(m.data, want);
    /// }
    /// assert_eq!(x.peer_name(), Some(y.name()));
    /// ```
    pub fn merge(mut self, mut other: MessagePort) -> Result<(), MergeError> {
        if !self.live() || !other.live() {
            return Err(MergeError::Detached);
        }
        // From here the merge decides what becomes of both ports: dropping
        // the handles closes nothing.
        self.owning = false;
        other.owning = false;
        let (a, b) = (self.port.clone(), other.port.clone());
        // Nobody receives from either any more: bound to a loop that does
        // not exist (which also moves `taken` back into `state.queue`).
        a.rebind(Binding::Loop(Weak::new())).run();
        b.rebind(Binding::Loop(Weak::new())).run();
        loop {
            let x = lock(&a.state).peer().cloned();
            let y = lock(&b.state).peer().cloned();
            if let Some(after) = try_merge(&a, &b, x.as_ref(), y.as_ref()) {
                after.run();
                return Ok(());
            }
            // A link changed between the reads and the locks (a peer's
            // close completed): read again.
            crate::sync::thread::yield_now();
        }
    }
}

/// Whether `p`'s link is `Entangled(q)`.
fn points_to(link: &Link, q: &Arc<Port>) -> bool {
    matches!(link, Link::Entangled(p) if Arc::ptr_eq(p, q))
}

/// Whether `link` is what was read before locking: entangled with `peer`,
/// or (for `None`) not entangled.
fn unchanged(link: &Link, peer: Option<&Arc<Port>>) -> bool {
    match (link, peer) {
        (Link::Entangled(p), Some(q)) => Arc::ptr_eq(p, q),
        (Link::Entangled(_), None) | (_, Some(_)) => false,
        (_, None) => true,
    }
}

/// One attempt under the group lock; `None` if the links changed since
/// they were read.
fn try_merge(
    a: &Arc<Port>,
    b: &Arc<Port>,
    x: Option<&Arc<Port>>,
    y: Option<&Arc<Port>>,
) -> Option<After> {
    let mut ports: Vec<&Arc<Port>> = vec![a, b];
    ports.extend(x);
    ports.extend(y);
    let states: Vec<_> = ports.iter().map(|p| &p.state).collect();
    let mut guards = lock_group(&states);
    let mut after = After::default();
    {
        let [ga, gb, rest @ ..] = guards.as_mut_slice() else {
            unreachable!("a and b are always locked")
        };
        let (ga, gb) = (ga.as_mut()?, gb.as_mut()?);
        if !unchanged(&ga.link, x) || !unchanged(&gb.link, y) {
            return None;
        }
        // Entangled with each other: a closed loop, joined to nothing.
        if x.is_some_and(|x| Arc::ptr_eq(x, b)) {
            ga.link = Link::Closed;
            gb.link = Link::Closed;
            after.dropped.extend(take_queue(a, ga, &mut after.drained));
            after.dropped.extend(take_queue(b, gb, &mut after.drained));
            return Some(after);
        }
        let mut rest = rest.iter_mut();
        let mut gx = x.and_then(|_| rest.next()).and_then(Option::as_mut);
        let mut gy = y.and_then(|_| rest.next()).and_then(Option::as_mut);
        if gx.is_none() != x.is_none() || gy.is_none() != y.is_none() {
            // Not four distinct ports: links that changed under us.
            return None;
        }
        // A peer that no longer points back is closing: it counts as gone.
        let x_live = gx.as_ref().is_some_and(|g| points_to(&g.link, a));
        let y_live = gy.as_ref().is_some_and(|g| points_to(&g.link, b));
        let from_x = take_queue(a, ga, &mut after.drained);
        let from_y = take_queue(b, gb, &mut after.drained);
        match (x, y) {
            (Some(x), Some(y)) if x_live && y_live => {
                let (Some(gx), Some(gy)) = (gx.take(), gy.take()) else {
                    unreachable!("checked above")
                };
                move_tasks(y, gy, from_x, &mut after);
                move_tasks(x, gx, from_y, &mut after);
                gx.link = Link::Entangled(y.clone());
                gy.link = Link::Entangled(x.clone());
                gx.shipped = true;
                gy.shipped = true;
                ga.link = Link::Merged(y.clone());
                gb.link = Link::Merged(x.clone());
                a.merged.store(true, Ordering::Relaxed);
                b.merged.store(true, Ordering::Relaxed);
            }
            _ => {
                // At most one peer is left: it gets what the other posted,
                // then `close`.
                if let (Some(x), Some(gx), true) = (x, gx, x_live) {
                    end_at(x, gx, from_y, &mut after);
                    after.dropped.extend(from_x);
                } else if let (Some(y), Some(gy), true) = (y, gy, y_live) {
                    end_at(y, gy, from_x, &mut after);
                    after.dropped.extend(from_y);
                } else {
                    after.dropped.extend(from_x);
                    after.dropped.extend(from_y);
                }
                ga.link = Link::Closed;
                gb.link = Link::Closed;
            }
        }
    }
    drop(guards);
    Some(after)
}

/// Empties `p`'s queue (its `taken` is empty: it is bound to a loop), and
/// hands its senders' drain waiters to `drained` (their peer changes).
fn take_queue(p: &Port, s: &mut State, drained: &mut Vec<Waker>) -> Vec<Task> {
    s.queued_bytes = 0;
    p.queued.store(0, Ordering::Release);
    drained.append(&mut s.drain_waiters);
    p.drain_watch.store(0, Ordering::Release);
    s.queue.drain(..).collect()
}

/// Queues `tasks` (messages; a close is left out) at `to`, each with a new
/// stamp, after what `to` holds.
fn move_tasks(to: &Arc<Port>, s: &mut State, tasks: Vec<Task>, after: &mut After) {
    for t in tasks {
        if let Task::Message {
            payload, extras, ..
        } = t
        {
            after
                .wakes
                .push(to.enqueue(s, Port::message(payload, extras)));
        }
    }
}

/// Queues `tasks` at `to`, then `close`: `to`'s peer is gone (the
/// disentangle, done here under the group lock).
fn end_at(to: &Arc<Port>, s: &mut State, tasks: Vec<Task>, after: &mut After) {
    move_tasks(to, s, tasks, after);
    s.link = Link::Disentangled;
    after.drained.append(&mut s.drain_waiters);
    to.drain_watch.store(0, Ordering::Release);
    let stamp = next_stamp();
    after.wakes.push(to.enqueue(s, Task::Close { stamp }));
}
