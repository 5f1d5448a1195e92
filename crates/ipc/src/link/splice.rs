//! Splicing two routes of one link away when a port comes back to the
//! process that holds its peer (the protocol and its picture are in
//! `route.rs`). The proxy detects it when it opens a route; the merging
//! side parks its two bridges, and merges them once the proxy has
//! forwarded everything ([`msgport::MessagePort::merge`]).

use super::{Link, LinkError};
use crate::frame::{Frame, RouteId};
use crate::route::{Routes, Splice, RETRIES};
use std::sync::atomic::Ordering;

/// Whether route `b`'s bridge is entangled with another bridge of this
/// link, neither in a splice: this node is then a proxy between the two
/// routes. If so, both are marked and the pair `(a, b)` is returned, for
/// a `Splice{a, b}` to the peer. The writer asks this after opening a
/// route for a shipped port (the frame then follows the message that
/// opened `b`).
pub(super) fn detect(routes: &mut Routes, b: RouteId) -> Option<(RouteId, RouteId)> {
    let rb = routes.by_route.get(&b)?;
    if rb.busy() {
        return None;
    }
    let a = *routes.by_port.get(&rb.bridge.peer_name()?)?;
    let free = |r: Option<&crate::route::Route>| r.is_some_and(|r| !r.busy());
    if a == b || !free(routes.by_route.get(&a)) {
        return None;
    }
    for (id, other) in [(a, b), (b, a)] {
        if let Some(r) = routes.by_route.get_mut(&id) {
            r.splice = Some(Splice::Proxy {
                other,
                acked: false,
            });
        }
    }
    Some((a, b))
}

impl Link {
    /// `Splice{a, b}` from the peer: park both bridges and answer
    /// `SpliceAck`, or `SpliceNo` if either route is gone or busy.
    pub(super) fn on_splice(&self, a: RouteId, b: RouteId) {
        let ok = {
            let mut routes = self.routes();
            let ok = a != b
                && [a, b]
                    .iter()
                    .all(|id| routes.by_route.get(id).is_some_and(|r| !r.busy()));
            if !ok {
                for id in [a, b] {
                    if let Some(r) = routes.by_route.get_mut(&id) {
                        r.refuse_splice();
                    }
                }
            }
            if ok {
                for (id, other) in [(a, b), (b, a)] {
                    let Some(r) = routes.by_route.get_mut(&id) else {
                        continue;
                    };
                    r.splice = Some(Splice::Merge { other });
                    // What the user's port posts from now on waits here; a
                    // task the writer already took is written before the
                    // answer below (it is queued as control, which the
                    // next drain writes first).
                    r.rehome(&self.event_loop);
                }
            }
            ok
        };
        self.send_control(if ok {
            Frame::SpliceAck { a, b }
        } else {
            Frame::SpliceNo { a, b }
        });
    }

    /// `SpliceAck{a, b}`: the peer sends nothing more on them; the writer
    /// ends the splice once the bridges' queues are written.
    pub(super) fn on_splice_ack(&self, a: RouteId, b: RouteId) -> Result<(), LinkError> {
        {
            let mut routes = self.routes();
            for (id, other) in [(a, b), (b, a)] {
                match routes.by_route.get_mut(&id) {
                    // Closed meanwhile: the other closes after it.
                    None => return Ok(()),
                    Some(r)
                        if r.splice
                            == Some(Splice::Proxy {
                                other,
                                acked: false,
                            }) => {}
                    Some(_) => return Err(LinkError::Protocol("SpliceAck for no Splice")),
                }
            }
            for (id, other) in [(a, b), (b, a)] {
                if let Some(r) = routes.by_route.get_mut(&id) {
                    r.splice = Some(Splice::Proxy { other, acked: true });
                }
            }
        }
        let mut ends = self.ends.lock().unwrap_or_else(|e| e.into_inner());
        ends.push((a, b));
        self.ending.store(ends.len(), Ordering::Release);
        drop(ends);
        self.kick();
        Ok(())
    }

    /// `SpliceNo{a, b}`: the routes keep their proxy, unless this node
    /// has the greater name and asks again (two splices that crossed were
    /// both refused; the other node does not ask again, so it answers).
    pub(super) fn on_splice_no(&self, a: RouteId, b: RouteId) {
        let again = {
            let mut routes = self.routes();
            let mut ours = true;
            for (id, other) in [(a, b), (b, a)] {
                match routes.by_route.get_mut(&id) {
                    Some(r)
                        if r.splice
                            == Some(Splice::Proxy {
                                other,
                                acked: false,
                            }) =>
                    {
                        r.splice = None;
                        r.refused = r.refused.saturating_add(1);
                    }
                    _ => ours = false,
                }
            }
            let retry = ours
                && crate::node::Node::get().name > self.peer
                && routes
                    .by_route
                    .get(&b)
                    .is_some_and(|r| r.refused <= RETRIES);
            if retry {
                detect(&mut routes, b)
            } else {
                None
            }
        };
        if let Some((a, b)) = again {
            self.send_control(Frame::Splice { a, b });
        }
    }

    /// `SpliceEnd{a, b, ..}`: everything the proxy forwarded came; merge
    /// the two parked bridges, so that the ports they were entangled with
    /// are entangled with each other.
    pub(super) fn on_splice_end(
        &self,
        a: RouteId,
        b: RouteId,
        sent: [u64; 2],
    ) -> Result<(), LinkError> {
        let (ua, ub) = {
            let mut routes = self.routes();
            let ra = routes.by_route.get(&a);
            let rb = routes.by_route.get(&b);
            if ra.is_none() && rb.is_none() {
                self.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            let (Some(ra), Some(rb)) = (ra, rb) else {
                return Err(LinkError::Protocol("SpliceEnd for a route that closed"));
            };
            if ra.splice != Some(Splice::Merge { other: b })
                || rb.splice != Some(Splice::Merge { other: a })
            {
                return Err(LinkError::Protocol("SpliceEnd for no Splice"));
            }
            if ra.received != sent[0] || rb.received != sent[1] {
                return Err(LinkError::Protocol(
                    "SpliceEnd does not follow the routes' last messages",
                ));
            }
            (
                routes.remove(a).map(|r| r.bridge),
                routes.remove(b).map(|r| r.bridge),
            )
        };
        // The reader (this thread) holds the only other handles, and not
        // now: both unwrap.
        let ua = ua.and_then(|u| std::sync::Arc::try_unwrap(u).ok());
        let ub = ub.and_then(|u| std::sync::Arc::try_unwrap(u).ok());
        if let (Some(ua), Some(ub)) = (ua, ub) {
            let joined = (ua.peer_name(), ub.peer_name());
            // Counted first: once the merge has moved the messages, a
            // reader of `links()` may look.
            self.counters.spliced.fetch_add(1, Ordering::Relaxed);
            // Both are live bridges this node holds.
            let _ = ua.merge(ub);
            // The two ports now entangled may both be bridges (a port that
            // went K1 → P → K2 → P → K1 leaves two bridges of one link
            // entangled): this node is then a proxy again, made by the
            // merge rather than by shipping a port, and asks for a splice
            // or a bypass.
            super::bypass::after_merge(joined);
        }
        Ok(())
    }

    /// The writer, once it has no task left: ends every acknowledged
    /// splice whose two bridges have nothing left to forward.
    pub(super) fn finish_splices(&self, batch: &mut Vec<u8>) {
        if self.ending.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut ends = self.ends.lock().unwrap_or_else(|e| e.into_inner());
        let mut gone = Vec::new();
        let mut routes = self.routes();
        ends.retain(|&(a, b)| {
            let (Some(ra), Some(rb)) = (routes.by_route.get(&a), routes.by_route.get(&b)) else {
                // A route closed: the other closes after it.
                return false;
            };
            if ra.bridge.queued().0 > 0 || rb.bridge.queued().0 > 0 {
                // Still forwarding (or paused by the peer): later.
                return true;
            }
            Frame::SpliceEnd {
                a,
                b,
                sent_a: ra.sent,
                sent_b: rb.sent,
            }
            .encode(batch);
            gone.extend(routes.remove(a).map(|r| r.bridge));
            gone.extend(routes.remove(b).map(|r| r.bridge));
            self.counters.spliced.fetch_add(1, Ordering::Relaxed);
            false
        });
        self.ending.store(ends.len(), Ordering::Release);
        drop(routes);
        drop(ends);
        // The two bridges close each other; neither has a route, so no
        // `Close` frame is written for them.
        drop(gone);
    }
}
