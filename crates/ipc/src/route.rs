//! The routes of one link: which local bridge port each route ends at.
//!
//! # The route of a port across processes
//!
//! A port whose peer lives in another process is entangled, in its own
//! process, with a **bridge**: a port the node holds, bound to the link's
//! event loop. The two bridges of a route, one per process, forward to
//! each other over the link:
//!
//! ```text
//!   process A                                              process B
//!   user port a ⇄ bridge a ══ route r (link A–B) ══ bridge b ⇄ user port b
//!     (anyone's)   (node A)                           (node B)   (anyone's)
//! ```
//!
//! What `a` posts is queued at bridge `a`, read in order by A's writer,
//! sent as `Message{r, seq}`, and posted by B's reader at bridge `b`,
//! which queues it at `b`. A port inside a message opens a new route: the
//! sender's node makes the shipped port itself the bridge of the new route
//! (its queue, with everything already posted to it, is read from there
//! on), and the receiver's node makes a fresh channel, one end the new
//! bridge, the other the port handed to the receiver. A port that moves
//! on again leaves its bridge behind as a **proxy** in the middle process.
//!
//! # Fields and invariants (all under `Routes`' mutex in the link)
//!
//! - `by_route[r]` exists from the frame that opened `r` (or the
//!   bootstrap) until either side's `Close{r}` or the link's death.
//! - `by_port[bridge.name()] == r` exactly when `by_route[r]` holds that
//!   bridge: the writer finds a task's route by its port's name.
//! - `sent` counts the `Message` frames written on `r`; `received` those
//!   read. A frame whose `seq` is not `received` is a protocol error
//!   (the stream is ordered: a gap means a hostile or broken peer).
//! - Flow: the receiving side sends `Pause` when the user's port holds more
//!   than `Bounds::pause_bytes` and `Resume` once it holds less than half
//!   (`paused_by_us`); the sending side then parks the bridge on a loop of
//!   its own (`parked`), so its messages wait where they were posted and
//!   its sender sees them in `peer_queued`. A peer that goes on sending
//!   past `Bounds::max_held_bytes` breaks the protocol.
//! - A route is only ever used on the link it was opened on: a frame for
//!   a route of another link finds nothing and is dropped (counted).
//! - `splice` is `Some` on both routes of a splice or on neither (until
//!   one closes); a route is in at most one splice or bypass (`busy`).
//! - `bypass`: `Proxy` on P's two routes from `Bypass` until `BypassEnd`
//!   or the refusal; `Leaving` on an end's old route from `BypassAck` until
//!   `BypassEnd`, `BypassCancel`, its `Close` or its link's death, and
//!   then `Arriving` on the new route is settled (`None`) or closed with it;
//!   a `Leaving` route's bridge is also the bridge of its `Arriving` route
//!   (both hold the `Arc`). The bridge is bound where `Route::rehome` says. The merging side
//!   keeps its bridge parked from `Splice` to `SpliceEnd` (a `Resume`
//!   does not unpark it); the proxy accepts no `Message` on a route once
//!   `SpliceAck` came.
//!
//! # A port that comes back: the splice
//!
//! When a node ships a port whose peer is one of its own bridges on the
//! same link, it becomes a proxy between two routes of that link, and
//! the port's peer and the port are now both in the other node:
//!
//! ```text
//!   node O                                  node P (the proxy)
//!   q ⇄ u ══ route a ═══════════════════════ x ⇄ y ══ route b ══ v ⇄ r
//!   (q and r, O's users' ports; u, v, x, y bridges)        back in node O
//! ```
//!
//! P sends `Splice{a, b}` after the message that opened `b`. O parks `u`
//! and `v` (what q and r post from now on waits there) and answers
//! `SpliceAck`: nothing more comes from O on `a` or `b`. P forwards what
//! it still holds (the queues of `x` and `y`), then sends
//! `SpliceEnd{a, b, sent}` and forgets both routes, dropping `x` and `y`
//! without a `Close`. O, on `SpliceEnd`, checks it received every
//! message, forgets both routes and merges `u` and `v`
//! ([`msgport::MessagePort::merge`]): `q ⇄ r`, everything still parked at
//! `u` and `v` queued behind what came through P. No proxy is left, and
//! each side receives every message once and in order. A `Splice` that
//! finds a route gone or already in a splice is answered `SpliceNo`, and
//! the routes keep their proxy. Two splices that cross (each node a proxy
//! of a route the other wants to splice) are both refused; then the node
//! with the greater name asks again (at most [`RETRIES`] times per route),
//! and the other, which does not, answers it.

//!
//! # A proxy between two links: the bypass
//!
//! When a node's bridge of one link is entangled with its bridge of
//! another link, it forwards between two other nodes. It introduces them
//! and leaves:
//!
//! ```text
//!   before:  K1: q ⇄ u ══ route a ══ x ⇄ y ══ route b ══ v ⇄ r :K2
//!                             (P, the proxy: x and y its bridges)
//!   after:   K1: q ⇄ u ═════════════ route n (link K1–K2) ════════════ v ⇄ r :K2
//! ```
//!
//! 1. P marks `a` and `b` (`Bypass::Proxy`), sends each peer, once per
//!    pair of links, `Introduce{i, node}` with one end of a socket pair
//!    (each makes it a link to the other, known as `i`), then
//!    `Bypass{a, i, n}` to K1 and `Bypass{b, i, n}` to K2.
//! 2. Each end answers `BypassAck` — it sends nothing more on the old
//!    route: its bridge is now the end of `n` on the new link (`Arriving`,
//!    parked) while the old route stays open to receive (`Leaving`) — or
//!    `BypassNo` (the route is gone or busy, or it has no introduction
//!    `i`: `stale`).
//! 3. Both acknowledged: P writes, on each link once its bridge there has
//!    nothing left to forward, `BypassEnd{route, sent}`, and forgets the
//!    route (its two bridges go once both ends are written, without a
//!    `Close`). Either refused: P sends `BypassCancel` to the one that
//!    acknowledged, which sends on its old route again.
//! 4. An end that gets `BypassEnd` checks it received `sent` messages,
//!    forgets the old route and sends `BypassGo{n}` on the new link: the
//!    other end may now send there, as all it sent through P came first.
//!    An end sends on `n` once it gets the other's `BypassGo`, and accepts
//!    messages on `n` only once it sent its own.
//!
//! If both ends are in one node (P reached it by two links), `i` is 0 and
//! there is no socket: each end's bridge stays parked, and the second to
//! get `BypassEnd` merges with the first ([`msgport::MessagePort::merge`]).
//! A route that closes or whose link dies mid-bypass closes its new route
//! too; a node that refused retries as with splices. Links whose
//! `Bounds::introductions` is off are never bypassed: their proxy stays.
//! A node keeps at most `MAX_INTROS` live introduced links per peer, and
//! closes one that stays empty for `Bounds::idle_close` if its peer
//! agrees (`link/idle.rs`); a `Bypass` naming it then is refused as
//! stale, and the proxy introduces the two anew.

use crate::frame::RouteId;

/// How many times a node asks again for a splice that was refused.
pub(crate) const RETRIES: u8 = 3;
use msgport::{EventLoop, MessagePort, PortName};
use std::collections::HashMap;
use std::sync::Arc;

/// One route's end in this process.
pub(crate) struct Route {
    /// The node's port, entangled with the user's. Shared so that the
    /// reader posts at it after letting go of the routes' lock (the
    /// thread it wakes posts too, and takes that lock); only the reader
    /// holds a second handle, and only while it posts.
    pub(crate) bridge: Arc<MessagePort>,
    /// `Message` frames written on this route.
    pub(crate) sent: u64,
    /// `Message` frames read on this route.
    pub(crate) received: u64,
    /// We sent `Pause`: the user's port here holds too much.
    pub(crate) paused_by_us: bool,
    /// Bytes received on this route since we sent `Pause`.
    pub(crate) after_pause: usize,
    /// Bytes received since the receiving port's size was last read.
    pub(crate) unchecked: usize,
    /// The peer sent `Pause`: the bridge is bound to this loop of its own,
    /// which nobody pulls, instead of the link's, until `Resume` (or, in a
    /// splice's merging side, until the merge).
    pub(crate) parked: Option<EventLoop>,
    /// This route's part in a splice (`link/splice.rs`), if any.
    pub(crate) splice: Option<Splice>,
    /// `Splice` requests of ours for this route the peer refused.
    pub(crate) refused: u8,
    /// We refused the peer's `Splice` naming this route while a bypass of
    /// ours held it. A bypass waits for two answers, one from a third
    /// node, so the peer may spend all its retries against it: when ours
    /// ends refused, we ask again whatever the names say (cleared when
    /// read). Two splices that cross keep the names' rule: each waits for
    /// the other only.
    pub(crate) owed: bool,
    /// The peer sent `Pause` and no `Resume` since.
    pub(crate) paused_by_peer: bool,
    /// This route's part in a bypass (`link/bypass.rs`), if any.
    pub(crate) bypass: Option<Bypass>,
}

/// A route's part in a bypass: a proxy between routes of two links
/// introduces the two other nodes to each other and leaves; the ends move
/// to a new route on the introduced link (see `link/bypass.rs`).
#[derive(Clone)]
pub(crate) enum Bypass {
    /// We are the proxy: this is one of the two routes it joins, `side`
    /// of `job`; `acked` once the peer answered `BypassAck` (it then sends
    /// nothing more on this route).
    Proxy {
        job: Arc<crate::link::Job>,
        side: usize,
        acked: bool,
    },
    /// Our end of this route moves to route `new` of link `to`: `BypassAck`
    /// sent; the bridge is homed there (and parked until `BypassGo`); what
    /// the proxy still forwards arrives here until `BypassEnd`. With `to`
    /// `None` the other end is in this node too (the proxy reached it by
    /// another link): the bridge stays parked here, and at `BypassEnd` it
    /// waits under `new` in the node for the other end's, to be merged.
    Leaving {
        to: Option<std::sync::Weak<crate::link::Link>>,
        new: RouteId,
    },
    /// The new route of a bypass, until `BypassGo` is both sent (`go_sent`:
    /// we received all the proxy forwarded, so the peer's messages may
    /// come) and received (`go_got`: ours may go; the bridge is parked
    /// until then).
    Arriving { go_sent: bool, go_got: bool },
}

/// A route's part in a splice: two routes of one link whose ends in one
/// node (the proxy) are entangled with each other are joined in the other
/// node (the merging side), and both go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Splice {
    /// We are the proxy and sent `Splice`; `acked` once `SpliceAck` came
    /// (then the peer sends nothing more on this route, and we send
    /// `SpliceEnd` once our bridges' queues are written).
    Proxy { other: RouteId, acked: bool },
    /// We are the merging side: the bridge is parked and `SpliceAck` sent;
    /// `SpliceEnd` merges it with `other`'s.
    Merge { other: RouteId },
}

impl Route {
    /// A fresh route's end for `bridge`, not yet bound anywhere.
    pub(crate) fn new(bridge: Arc<MessagePort>) -> Route {
        Route {
            bridge,
            sent: 0,
            received: 0,
            paused_by_us: false,
            after_pause: 0,
            unchecked: 0,
            parked: None,
            splice: None,
            refused: 0,
            owed: false,
            paused_by_peer: false,
            bypass: None,
        }
    }

    /// Whether a splice or a bypass has this route.
    pub(crate) fn busy(&self) -> bool {
        self.splice.is_some() || self.bypass.is_some()
    }

    /// Refuses the peer's `Splice` naming this route (busy): notes what
    /// we owe if a bypass of ours holds it (see [`Route::owed`]).
    pub(crate) fn refuse_splice(&mut self) {
        if matches!(self.bypass, Some(Bypass::Proxy { .. })) {
            self.owed = true;
        }
    }

    /// Binds the bridge where it belongs now: to a loop of its own that
    /// nobody pulls while it must not send (the peer paused it, the
    /// merging side of a splice, a bypass's new route before `BypassGo`),
    /// so that what the user's port posts waits at the bridge, visible to
    /// its sender in `peer_queued`; otherwise to the link's loop `lp`. A
    /// `Leaving` route's bridge is homed at its new route, not here.
    pub(crate) fn rehome(&mut self, lp: &EventLoop) {
        if matches!(self.bypass, Some(Bypass::Leaving { to: Some(_), .. })) {
            return;
        }
        let hold = self.paused_by_peer
            || matches!(self.splice, Some(Splice::Merge { .. }))
            || matches!(
                self.bypass,
                Some(Bypass::Arriving { go_got: false, .. } | Bypass::Leaving { .. })
            );
        if hold {
            let lp = self.parked.get_or_insert_with(|| EventLoop::new(|| {}));
            lp.bind(&self.bridge);
        } else {
            lp.bind(&self.bridge);
            drop(self.parked.take());
        }
    }
}

/// The routes of one link.
#[derive(Default)]
pub(crate) struct Routes {
    pub(crate) by_route: HashMap<RouteId, Route>,
    pub(crate) by_port: HashMap<PortName, RouteId>,
    /// Routes ever opened here (a bypass's arriving ones too): the idle
    /// check's way to tell a link that stayed empty from one that was
    /// used between two looks (see `link/idle.rs`).
    pub(crate) opened: u64,
    /// When the idle check first saw the link empty, and `opened` then.
    pub(crate) empty_since: Option<(std::time::Instant, u64)>,
    /// `Idle` is sent or agreed to: no route may open here any more
    /// (a `Bypass` onto this link is refused as stale) until `IdleNo`.
    pub(crate) closing: bool,
}

impl Routes {
    /// Makes `bridge` the end of `route` here: bound to the link's loop,
    /// its queue enabled (everything queued there is forwarded, in order).
    /// `hook` (the link's) is what a thread blocked on the bridge's peer
    /// calls (see `link/lead/mod.rs`).
    pub(crate) fn open(
        &mut self,
        route: RouteId,
        bridge: MessagePort,
        lp: &EventLoop,
        hook: &Option<Arc<dyn msgport::WaitHook>>,
    ) {
        lp.bind(&bridge);
        bridge.set_wait_hook(hook.clone());
        bridge.start();
        self.by_port.insert(bridge.name(), route);
        self.by_route.insert(route, Route::new(Arc::new(bridge)));
        self.opened += 1;
    }

    /// Forgets `route`; its end is returned, to be dropped (its bridge
    /// closed, unless another route holds it) after the lock is released.
    pub(crate) fn remove(&mut self, route: RouteId) -> Option<Route> {
        let r = self.by_route.remove(&route)?;
        self.by_port.remove(&r.bridge.name());
        Some(r)
    }

    /// Every route's end, the routes forgotten (the link died).
    pub(crate) fn drain(&mut self) -> Vec<Route> {
        self.by_port.clear();
        self.by_route.drain().map(|(_, r)| r).collect()
    }
}
