//! The ends of a bypass (see `bypass.rs` for the proxy's side, and
//! `route.rs` for the protocol): an end moves from its route to the
//! proxy to a new route on the link the proxy introduced, receiving what
//! the proxy still forwards on the old route until `BypassEnd`, and
//! sending on the new one from the other end's `BypassGo`.

use super::bypass::MAX_INTROS;
use super::{Link, LinkError};
use crate::frame::{Frame, RouteId};
use crate::node::Node;
use crate::route::{Bypass, Route};
use crate::transport::unix::UnixTransport;
use rustix::fd::OwnedFd;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

impl Link {
    /// `Introduce{intro, node}` with its socket: a link to `node`, known
    /// on this link as `intro`.
    pub(super) fn on_introduce(
        &self,
        intro: u128,
        node: u128,
        socket: OwnedFd,
    ) -> Result<(), LinkError> {
        let me = Node::get();
        if intro == 0 || node == me.name || node == self.peer {
            return Err(LinkError::Protocol("an introduction to no other node"));
        }
        if !self.bounds.introductions {
            // Not taken: a `Bypass` naming it is refused as stale.
            drop(socket);
            return Ok(());
        }
        let mut intros = self.intros.lock().unwrap_or_else(|e| e.into_inner());
        intros.retain(|_, l| l.upgrade().is_some_and(|l| !l.is_dead()));
        if intros.contains_key(&intro) {
            return Err(LinkError::Protocol("an introduction named twice"));
        }
        if intros.len() >= MAX_INTROS {
            return Err(LinkError::Protocol("too many introductions"));
        }
        let transport = Arc::new(UnixTransport::new(socket.into()));
        // A link that cannot start (no thread) is not kept: a `Bypass`
        // naming it is refused as stale, and the proxy stays.
        if let Ok((link, _)) = Link::start(
            node,
            transport,
            crate::frame::Splitter::new(),
            self.bounds,
            true,
            None,
        ) {
            me.add(link.clone());
            intros.insert(intro, Arc::downgrade(&link));
        }
        Ok(())
    }

    /// `Bypass{route, intro, new}`: our end of `route` moves to `new` on
    /// the introduced link (or, with `intro` 0, waits to be merged with
    /// the other end in this node). Answers `BypassAck` or `BypassNo`.
    pub(super) fn on_bypass(&self, route: RouteId, intro: u128, new: RouteId) {
        let answer = match self.leave(route, intro, new) {
            Ok(()) => Frame::BypassAck { route },
            Err(stale) => Frame::BypassNo { route, stale },
        };
        self.send_control(answer);
    }

    /// Marks `route` as leaving for `new`, and homes its bridge there;
    /// `Err(stale)` if it cannot (`stale`: no such introduction).
    fn leave(&self, route: RouteId, intro: u128, new: RouteId) -> Result<(), bool> {
        let to = if intro == 0 {
            None
        } else {
            let intros = self.intros.lock().unwrap_or_else(|e| e.into_inner());
            let link = intros.get(&intro).and_then(Weak::upgrade);
            Some(link.filter(|l| !l.is_dead()).ok_or(true)?)
        };
        let bridge = {
            let mut routes = self.routes();
            let r = routes
                .by_route
                .get_mut(&route)
                .filter(|r| !r.busy())
                .ok_or(false)?;
            r.bypass = Some(Bypass::Leaving {
                to: to.as_ref().map(Arc::downgrade),
                new,
            });
            if to.is_none() {
                // Parked here until the merge.
                r.rehome(&self.event_loop);
            }
            r.bridge.clone()
        };
        let Some(to) = to else { return Ok(()) };
        let placed = {
            let mut routes = to.routes();
            // A link whose nodes are agreeing to close it takes no route
            // (see `idle.rs`): refused as stale, the proxy introduces anew.
            if routes.closing {
                drop(routes);
                if let Some(r) = self.routes().by_route.get_mut(&route) {
                    r.bypass = None;
                }
                return Err(true);
            }
            let free = !to.is_dead()
                && !routes.by_route.contains_key(&new)
                && !routes.by_port.contains_key(&bridge.name())
                && routes.by_route.len() < to.bounds.max_routes;
            if free {
                let mut r = Route::new(bridge.clone());
                r.bypass = Some(Bypass::Arriving {
                    go_sent: false,
                    go_got: false,
                });
                // Parked until `BypassGo`: a task the old link's writer
                // already took is written before our `BypassAck`.
                r.rehome(&to.event_loop);
                bridge.set_wait_hook(to.hook.clone());
                routes.by_port.insert(bridge.name(), new);
                routes.by_route.insert(new, r);
                routes.opened += 1;
            }
            free
        };
        if !placed {
            if let Some(r) = self.routes().by_route.get_mut(&route) {
                r.bypass = None;
            }
            return Err(false);
        }
        Ok(())
    }
}

impl Link {
    /// `BypassEnd{route, sent}`: everything the proxy forwarded on `route`
    /// came. The route is forgotten without a `Close`; its bridge lives on
    /// at its new route, where the other end may now send (`BypassGo`),
    /// or, if the other end is in this node, is merged with it.
    pub(super) fn on_bypass_end(&self, route: RouteId, sent: u64) -> Result<(), LinkError> {
        let mut end = {
            let mut routes = self.routes();
            let Some(r) = routes.by_route.get(&route) else {
                self.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            if !matches!(r.bypass, Some(Bypass::Leaving { .. })) {
                return Err(LinkError::Protocol("BypassEnd for no Bypass"));
            }
            if r.received != sent {
                return Err(LinkError::Protocol(
                    "BypassEnd does not follow the route's last message",
                ));
            }
            match routes.remove(route) {
                Some(r) => r,
                None => return Ok(()),
            }
        };
        self.counters.bypassed.fetch_add(1, Ordering::Relaxed);
        let Some(Bypass::Leaving { to, new }) = end.bypass.take() else {
            return Ok(());
        };
        let Some(to) = to else {
            self.merge_here(end, new);
            return Ok(());
        };
        // Dropped after the new route's part is settled: if that route
        // closed meanwhile, this was the bridge's last holder, and the
        // user's port gets `close` after every message.
        let _end = end;
        let Some(to) = to.upgrade() else {
            return Ok(());
        };
        let settled = {
            let mut routes = to.routes();
            let Some(r) = routes.by_route.get_mut(&new) else {
                return Ok(());
            };
            match &mut r.bypass {
                Some(Bypass::Arriving { go_sent, go_got }) => {
                    *go_sent = true;
                    let settled = *go_got;
                    if settled {
                        r.bypass = None;
                    }
                    settled
                }
                _ => return Ok(()),
            }
        };
        to.send_control(Frame::BypassGo { route: new });
        if settled {
            to.proxy_check(new);
        }
        Ok(())
    }

    /// The end of a bypass whose other end is in this node: the first to
    /// get its `BypassEnd` waits in the node under the proxy's name and
    /// `new`; the second merges with it (its messages, parked until now,
    /// queued behind what came through the proxy).
    fn merge_here(&self, end: Route, new: RouteId) {
        let Ok(bridge) = Arc::try_unwrap(end.bridge) else {
            // The reader (this thread) holds the only other handles, and
            // not now.
            return;
        };
        let key = (self.peer, new);
        let other = {
            let mut merges = Node::get().merges.lock().unwrap_or_else(|e| e.into_inner());
            match merges.remove(&key) {
                Some(o) => o,
                None => {
                    merges.insert(key, bridge);
                    return;
                }
            }
        };
        let joined = (bridge.peer_name(), other.peer_name());
        // Both are live bridges this node holds.
        let _ = bridge.merge(other);
        drop(end.parked);
        // The two ports now entangled may be bridges themselves: this
        // node is then a proxy again.
        super::bypass::after_merge(joined);
    }

    /// `BypassGo{route}` on the introduced link: the other end received
    /// everything the proxy forwarded; our bridge sends on `route` now.
    pub(super) fn on_bypass_go(&self, route: RouteId) -> Result<(), LinkError> {
        let settled = {
            let mut routes = self.routes();
            let Some(r) = routes.by_route.get_mut(&route) else {
                self.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            let Some(Bypass::Arriving { go_sent, go_got }) = &mut r.bypass else {
                return Err(LinkError::Protocol("BypassGo for no bypass"));
            };
            if *go_got {
                return Err(LinkError::Protocol("BypassGo twice"));
            }
            *go_got = true;
            let settled = *go_sent;
            if settled {
                r.bypass = None;
            }
            r.rehome(&self.event_loop);
            settled
        };
        if settled {
            self.proxy_check(route);
        }
        Ok(())
    }

    /// `BypassCancel{route}`: the other end refused; our end of `route`
    /// stays, and sends on it again.
    pub(super) fn on_bypass_cancel(&self, route: RouteId) -> Result<(), LinkError> {
        let (to, new) = {
            let mut routes = self.routes();
            let Some(r) = routes.by_route.get_mut(&route) else {
                self.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            let Some(Bypass::Leaving { to, new }) = r.bypass.take() else {
                return Err(LinkError::Protocol("BypassCancel for no Bypass"));
            };
            if to.is_none() {
                r.rehome(&self.event_loop);
                return Ok(());
            }
            (to, new)
        };
        // The new route was never used: no `BypassEnd` came, so we sent no
        // `BypassGo`. Its part is dropped once the bridge is home again.
        let arrived = to.and_then(|l| l.upgrade()).and_then(|l| {
            let mut routes = l.routes();
            match routes.by_route.get(&new) {
                Some(r) if matches!(r.bypass, Some(Bypass::Arriving { .. })) => routes.remove(new),
                _ => None,
            }
        });
        if let Some(r) = self.routes().by_route.get_mut(&route) {
            r.rehome(&self.event_loop);
            r.bridge.set_wait_hook(self.hook.clone());
        }
        drop(arrived);
        Ok(())
    }

    /// Drops a route's end forgotten here (closed, or its link died); if
    /// it was leaving for a new route, that route closes too (the bridge
    /// goes with it, and the other end learns by `Close`).
    pub(super) fn dispose(&self, mut end: Route) {
        if let Some(Bypass::Leaving { to, new }) = end.bypass.take() {
            match to {
                Some(to) => {
                    if let Some(to) = to.upgrade() {
                        to.close_moved(new);
                    }
                }
                None => {
                    let waiting = Node::get()
                        .merges
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&(self.peer, new));
                    drop(waiting);
                }
            }
        }
        drop(end);
    }

    /// Closes `route`, the new route of a bypass whose old one closed
    /// before `BypassEnd`: the peer gets `Close`.
    fn close_moved(&self, route: RouteId) {
        let end = {
            let mut routes = self.routes();
            match routes.by_route.get(&route) {
                Some(r) if matches!(r.bypass, Some(Bypass::Arriving { .. })) => {
                    let sent = r.sent;
                    routes.remove(route).map(|r| (r, sent))
                }
                _ => None,
            }
        };
        if let Some((end, sent)) = end {
            self.send_control(Frame::Close { route, sent });
            drop(end);
        }
    }
}
