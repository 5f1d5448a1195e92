//! Flow control per route: `Pause` and `Resume`.
//!
//! The receiving node posts what arrives at the user's port at once; when
//! that port holds more than `Bounds::pause_bytes`, it sends `Pause` and
//! watches the port (a drain waker from msgport's `ready()`); once the
//! port holds less than half, the waker asks the link to check, and
//! `Resume` goes out. The sending node parks a paused route's bridge on an
//! event loop of its own that nobody pulls: the messages wait where they
//! were posted, and the sender sees them in `peer_queued` (and `ready()`).
//! Nothing else on the link waits: a port that is not read never holds up
//! another. A peer that keeps sending past `Bounds::max_after_pause` (and
//! one frame) after `Pause` breaks the protocol and loses its link.

use super::Link;
use crate::frame::{Frame, RouteId};
use msgport::MessagePort;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::task::{Context, Poll, Wake, Waker};

/// Wakes a link to check its paused routes.
struct DrainWake(Weak<Link>);

impl Wake for DrainWake {
    fn wake(self: std::sync::Arc<Self>) {
        if let Some(l) = self.0.upgrade() {
            l.resume_check.store(true, Ordering::SeqCst);
            l.kick();
        }
    }
}

impl Link {
    /// Queues a control frame for the writer and wakes it.
    pub(super) fn send_control(&self, f: Frame) {
        self.queue_control(f, None);
        self.kick();
    }

    /// Queues a control frame with a descriptor to go beside it, without
    /// waking the writer (a later `send_control` does).
    pub(super) fn queue_control(&self, f: Frame, fd: Option<rustix::fd::OwnedFd>) {
        self.control
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((f, fd));
    }

    /// Asks to be told (through `resume_check`) when the port entangled
    /// with `bridge` holds less than half the pause mark.
    pub(super) fn watch_drain(&self, bridge: &MessagePort) {
        bridge.set_high_water_mark(Some(self.bounds.pause_bytes / 2));
        let waker = Waker::from(std::sync::Arc::new(DrainWake(self.me.clone())));
        let mut cx = Context::from_waker(&waker);
        let mut ready = std::pin::pin!(bridge.ready());
        if let Poll::Ready(()) = ready.as_mut().poll(&mut cx) {
            self.resume_check.store(true, Ordering::SeqCst);
        }
    }

    /// The writer's part: control frames first, then `Resume` for every
    /// paused route that drained (the others are watched again).
    pub(super) fn emit_control(&self, batch: &mut Vec<u8>, fds: &mut Vec<rustix::fd::OwnedFd>) {
        let frames = std::mem::take(&mut *self.control.lock().unwrap_or_else(|e| e.into_inner()));
        for (f, fd) in frames {
            f.encode(batch);
            fds.extend(fd);
        }
        if !self.resume_check.swap(false, Ordering::SeqCst) {
            return;
        }
        let mut routes = self.routes();
        for (id, r) in routes.by_route.iter_mut().filter(|(_, r)| r.paused_by_us) {
            if r.bridge.peer_queued().1 < self.bounds.pause_bytes / 2 {
                r.paused_by_us = false;
                r.after_pause = 0;
                Frame::Resume { route: *id }.encode(batch);
            } else {
                self.watch_drain(&r.bridge);
            }
        }
    }

    /// `Pause` from the peer: park the route's bridge.
    pub(super) fn pause(&self, route: RouteId) {
        self.paused_by_peer(route, true);
    }

    /// `Resume` from the peer: the bridge goes back to the link's loop
    /// (unless a splice or a bypass still holds it).
    pub(super) fn resume(&self, route: RouteId) {
        self.paused_by_peer(route, false);
    }

    fn paused_by_peer(&self, route: RouteId, paused: bool) {
        let mut routes = self.routes();
        if let Some(r) = routes.by_route.get_mut(&route) {
            r.paused_by_peer = paused;
            r.rehome(&self.event_loop);
        }
    }
}
