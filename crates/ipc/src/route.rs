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
//!   one closes); a route is in at most one splice. The merging side
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
    /// Binds the bridge to a loop of its own that nobody pulls (if it is
    /// not already): what the user's port posts waits at the bridge,
    /// visible to its sender in `peer_queued`. For `Pause`, and for the
    /// merging side of a splice.
    pub(crate) fn park(&mut self) {
        if self.parked.is_none() {
            let lp = EventLoop::new(|| {});
            lp.bind(&self.bridge);
            self.parked = Some(lp);
        }
    }
}

/// The routes of one link.
#[derive(Default)]
pub(crate) struct Routes {
    pub(crate) by_route: HashMap<RouteId, Route>,
    pub(crate) by_port: HashMap<PortName, RouteId>,
}

impl Routes {
    /// Makes `bridge` the end of `route` here: bound to the link's loop,
    /// its queue enabled (everything queued there is forwarded, in order).
    pub(crate) fn open(&mut self, route: RouteId, bridge: MessagePort, lp: &EventLoop) {
        lp.bind(&bridge);
        bridge.start();
        self.by_port.insert(bridge.name(), route);
        self.by_route.insert(
            route,
            Route {
                bridge: Arc::new(bridge),
                sent: 0,
                received: 0,
                paused_by_us: false,
                after_pause: 0,
                unchecked: 0,
                parked: None,
                splice: None,
                refused: 0,
            },
        );
    }

    /// Forgets `route`; its bridge is returned, to be dropped (closed)
    /// after the lock is released.
    pub(crate) fn remove(&mut self, route: RouteId) -> Option<Arc<MessagePort>> {
        let r = self.by_route.remove(&route)?;
        self.by_port.remove(&r.bridge.name());
        Some(r.bridge)
    }

    /// Every bridge, the routes forgotten (the link died).
    pub(crate) fn drain(&mut self) -> Vec<Arc<MessagePort>> {
        self.by_port.clear();
        self.by_route.drain().map(|(_, r)| r.bridge).collect()
    }
}
