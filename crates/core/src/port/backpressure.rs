//! Backpressure and observability: how much a peer has not yet taken, and
//! a future that waits until it drains under a high-water mark. Posting
//! itself never blocks (the standard's `postMessage` cannot).

use super::MessagePort;
use crate::sync::{lock, Ordering};

impl MessagePort {
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
        if s.queued_bytes + tk.bytes < mark || s.peer().is_none() {
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
}
