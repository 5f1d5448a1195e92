//! Wait hooks: what a thread blocked on a port may do meanwhile for the
//! port's peer.
//!
//! A link between processes (msgport-ipc) holds one end of each channel
//! that crosses it, a *bridge*, and a reader thread posts at the bridge
//! what the other process sent; the user's thread blocked on the other
//! end is then woken by that reader: two thread wake-ups per message where
//! a raw socket costs one. A wait hook set on the bridge lets the blocked
//! thread read the socket itself (a leader/follower reader, see
//! msgport-ipc's `link/lead/`): the kernel wakes it directly.
//!
//! The contract keeps the port's rules here: the blocked receive registers
//! the hook's [`Waker`] as an ordinary waiter of its port (`waiters.rs`),
//! so whatever queues a task for it — the hook's own reading, a local post
//! after the route was merged, a close — wakes it the usual way, and the
//! hook only decides *how* the thread sleeps until then.

use super::{lock, MessagePort, RecvError, Task};
use crate::port::receive::Idle;
use crate::sync::Ordering;
use std::task::Waker;
use std::time::Instant;

/// Work a thread waiting on a port does for the port's peer, set on the
/// peer with [`MessagePort::set_wait_hook`].
///
/// ```
/// use msgport::{MessageChannel, WaitHook};
/// use std::sync::Arc;
/// use std::task::{Wake, Waker};
/// use std::time::{Duration, Instant};
///
/// /// Sleeps on the thread's park token (what a receive does without a hook).
/// struct Park;
/// struct Unpark(std::thread::Thread);
/// impl Wake for Unpark {
///     fn wake(self: Arc<Self>) { self.0.unpark() }
/// }
/// impl WaitHook for Park {
///     fn waker(&self) -> Waker { Waker::from(Arc::new(Unpark(std::thread::current()))) }
///     fn wait(&self, deadline: Option<Instant>) {
///         match deadline {
///             Some(d) => std::thread::park_timeout(d.saturating_duration_since(Instant::now())),
///             None => std::thread::park(),
///         }
///     }
/// }
///
/// let (a, b) = MessageChannel::new().into_ports();
/// a.set_wait_hook(Some(Arc::new(Park)));
/// let t = std::thread::spawn(move || { a.post(&7).unwrap(); a });
/// let got = b.recv_timeout_as::<i32>(Duration::from_secs(5)).unwrap();
/// assert_eq!(got.into_message().unwrap().data, 7);
/// t.join().unwrap();
/// ```
pub trait WaitHook: Send + Sync {
    /// A waker for the calling thread: waking it ends that thread's
    /// [`WaitHook::wait`] (a wake that comes before the wait is not lost).
    fn waker(&self) -> Waker;
    /// Blocks the calling thread until the waker [`WaitHook::waker`] gave
    /// it is woken, or until `deadline`. It may return early: the receive
    /// looks at its port again and waits again.
    fn wait(&self, deadline: Option<Instant>);
}

impl MessagePort {
    /// Sets (or, with `None`, removes) the hook that threads blocked in
    /// [`MessagePort::recv_blocking`] and its kin on *this port's peer*
    /// call instead of parking (see [`WaitHook`]).
    pub fn set_wait_hook(&self, hook: Option<std::sync::Arc<dyn WaitHook>>) {
        let mut s = lock(&self.port.state);
        self.port.hooked.store(hook.is_some(), Ordering::Release);
        s.wait_hook = hook;
    }

    /// The hook set on this port's peer, if any. No lock unless the peer
    /// this handle cached has a hook (a bridge stays one: a route merged
    /// away makes the peer a plain port, never the other way round); then
    /// the current peer is looked up and asked, two `state` locks, one
    /// after the other.
    pub(super) fn peer_wait_hook(&self) -> Option<std::sync::Arc<dyn WaitHook>> {
        if !self.peer.as_ref()?.hooked.load(Ordering::Acquire) {
            return None;
        }
        let peer = self.current_peer()?;
        if !peer.hooked.load(Ordering::Acquire) {
            return None;
        }
        let hook = lock(&peer.state).wait_hook.clone();
        hook
    }

    /// The blocking receive when the peer has a hook: as the parked one,
    /// with the hook's waker as this thread's waiter entry and its `wait`
    /// for the park.
    pub(super) fn blocking_hooked(
        &self,
        hook: &dyn WaitHook,
        deadline: Option<Instant>,
    ) -> Result<Task, RecvError> {
        let waker = hook.waker();
        let mut key: Option<u64> = None;
        let result = loop {
            match self.take_task(false) {
                Ok(Some(t)) => break Ok(t),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
            match self.wait_or_retry(|w| key = Some(w.renew(key, &waker))) {
                Ok(Idle::Retry) => continue,
                Ok(Idle::Wait) => {}
                Err(e) => break Err(e),
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break self.time_out(&mut key);
            }
            hook.wait(deadline);
        };
        if let Some(k) = key {
            self.leave(k);
        }
        result
    }

    /// A timed wait reached its deadline: leaves first, then looks once
    /// more (a task queued before leaving is seen here, one queued after
    /// it wakes another waiter).
    pub(super) fn time_out(&self, key: &mut Option<u64>) -> Result<Task, RecvError> {
        if let Some(k) = key.take() {
            self.leave(k);
        }
        match self.take_task(false) {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(RecvError::Timeout),
            Err(e) => Err(e),
        }
    }
}
