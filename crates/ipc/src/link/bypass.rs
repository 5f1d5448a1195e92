//! Bypassing a proxy between two links: a node whose bridge of one link
//! is entangled with its bridge of another link forwards between two
//! other nodes. It introduces them to each other (a socket pair, one end
//! to each, beside `Introduce`), moves both ends to a new route on that
//! link, and leaves. The protocol and its picture are in `route.rs`;
//! here, each frame's handling: the proxy's side first, then the ends'.

use super::{Link, LinkError};
use crate::frame::{Frame, RouteId};
use crate::node::Node;
use crate::route::{Bypass, RETRIES};
use msgport::MessagePort;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

/// The most live links one peer may have introduced this node to.
pub(crate) const MAX_INTROS: usize = 64;

/// A bypass this node is the proxy of: two routes, one on each of two
/// links, whose bridges here are entangled with each other.
pub(crate) struct Job {
    /// The two routes: side 0 and side 1, each with its link.
    sides: [(Weak<Link>, RouteId); 2],
    state: Mutex<JobState>,
}

#[derive(Default)]
struct JobState {
    /// Each side's answer: `BypassAck` (true) or `BypassNo` (false).
    answers: [Option<bool>; 2],
    /// Whether a side refused because it no longer has the introduction.
    stale: bool,
    /// The introduction the ends move to (0: both ends are in one node),
    /// set once both routes are marked.
    intro: u128,
    /// The bridges of the sides whose `BypassEnd` is written, kept until
    /// both are: dropping one would close the other, and its route would
    /// forward that as a `Close`.
    ended: Vec<Arc<MessagePort>>,
}

impl Job {
    fn state(&self) -> std::sync::MutexGuard<'_, JobState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Clears `route`'s part in `job` on `link`, if it still has it; returns
/// whether the peer had acknowledged it, and whether we refused the
/// peer's `Splice` of it meanwhile (`Route::owed`, cleared).
fn unmark(link: &Link, route: RouteId, job: &Arc<Job>) -> (bool, bool) {
    let mut routes = link.routes();
    let Some(r) = routes.by_route.get_mut(&route) else {
        return (false, false);
    };
    match &r.bypass {
        Some(Bypass::Proxy { job: j, acked, .. }) if Arc::ptr_eq(j, job) => {
            let acked = *acked;
            r.bypass = None;
            (acked, std::mem::take(&mut r.owed))
        }
        _ => (false, false),
    }
}

/// After a merge that entangled the ports named `joined`: if both are
/// bridges, this node is a proxy between their routes, and asks for a
/// splice or a bypass.
pub(super) fn after_merge(joined: (Option<msgport::PortName>, Option<msgport::PortName>)) {
    let (Some(p), Some(_)) = joined else { return };
    for link in Node::get().links() {
        let route = link.routes().by_port.get(&p).copied();
        if let Some(route) = route {
            link.proxy_check(route);
            return;
        }
    }
}

impl Link {
    /// The writer's note that `opened` routes carry shipped ports: checked
    /// for a proxy by the next pull, with no lock held.
    pub(super) fn ship_check(&self, opened: Vec<RouteId>) {
        if opened.is_empty() {
            return;
        }
        self.shipped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(opened);
        // After the routes are in the list: a check that sees the flag
        // finds them (one that missed it sees it next time; `dirty` makes
        // sure there is a next time).
        self.shipped_noted.store(true, Ordering::Release);
        self.dirty.store(true, Ordering::SeqCst);
    }

    /// Checks the routes [`Link::ship_check`] noted (on every pull of the
    /// writer: without a note, one atomic swap and no lock).
    pub(super) fn check_shipped(&self) {
        if !self.shipped_noted.swap(false, Ordering::Acquire) {
            return;
        }
        let opened = std::mem::take(&mut *self.shipped.lock().unwrap_or_else(|e| e.into_inner()));
        for b in opened {
            self.ask_bypass(b);
        }
    }

    /// Whether this node is a proxy at `route`'s end here (its bridge is
    /// entangled with another of this node's bridges): then asks to splice
    /// (same link) or starts a bypass (another link).
    pub(crate) fn proxy_check(&self, route: RouteId) {
        let splice = super::splice::detect(&mut self.routes(), route);
        match splice {
            Some((a, b)) => self.send_control(Frame::Splice { a, b }),
            None => self.ask_bypass(route),
        }
    }

    /// If route `b`'s bridge here is entangled with a bridge of another
    /// link, neither route busy, starts bypassing this node: marks both
    /// routes, introduces the two peers (once per pair of links) and sends
    /// each `Bypass`.
    fn ask_bypass(&self, b: RouteId) {
        let peer_port = {
            let routes = self.routes();
            match routes.by_route.get(&b) {
                Some(r) if !r.busy() => r.bridge.peer_name(),
                _ => None,
            }
        };
        let Some(p) = peer_port else { return };
        let node = Node::get();
        for other in node.links() {
            if other.id == self.id || other.is_dead() {
                continue;
            }
            let Some(a) = other.routes().by_port.get(&p).copied() else {
                continue;
            };
            self.start_bypass(&other, a, b, p);
            return;
        }
    }

    /// Marks `a` (on `other`) and `b` (here) as this node's bypass, and
    /// sends `Introduce` (if the pair is new) and `Bypass` on both links.
    fn start_bypass(&self, other: &Arc<Link>, a: RouteId, b: RouteId, p: msgport::PortName) {
        let local = other.peer == self.peer;
        let can = |l: &Link| l.transport.carries_fds() && l.bounds.introductions;
        if !(local || (can(self) && can(other))) {
            // No way (or no leave) to hand the two peers a socket: the
            // proxy stays.
            return;
        }
        let job = Arc::new(Job {
            sides: [(other.me.clone(), a), (self.me.clone(), b)],
            state: Mutex::new(JobState::default()),
        });
        let mark = |link: &Link, route: RouteId, side: usize, peer: Option<msgport::PortName>| {
            let mut routes = link.routes();
            match routes.by_route.get_mut(&route) {
                Some(r) if !r.busy() && (peer.is_none() || r.bridge.peer_name() == peer) => {
                    r.bypass = Some(Bypass::Proxy {
                        job: job.clone(),
                        side,
                        acked: false,
                    });
                    true
                }
                _ => false,
            }
        };
        if !mark(other, a, 0, None) {
            return;
        }
        if !mark(self, b, 1, Some(p)) {
            unmark(other, a, &job);
            return;
        }
        // Both routes are ours now: introduce the two peers (once per pair
        // of links; with both ends in one node, nobody).
        let intro = if local {
            0
        } else {
            let sent = Node::get().intro(other, self, |i, x, y| {
                other.queue_control(
                    Frame::Introduce {
                        intro: i,
                        node: self.peer,
                    },
                    Some(x),
                );
                self.queue_control(
                    Frame::Introduce {
                        intro: i,
                        node: other.peer,
                    },
                    Some(y),
                );
            });
            match sent {
                Ok(i) => i,
                Err(_) => {
                    // No socket pair: the proxy stays.
                    unmark(other, a, &job);
                    unmark(self, b, &job);
                    return;
                }
            }
        };
        job.state().intro = intro;
        let new = RouteId(rand::random());
        other.send_control(Frame::Bypass {
            route: a,
            intro,
            new,
        });
        self.send_control(Frame::Bypass {
            route: b,
            intro,
            new,
        });
    }

    /// `BypassAck` or `BypassNo` for a route of ours in a bypass: once both
    /// sides answered, either both routes end (when their bridges have
    /// nothing left to forward) or the bypass is off.
    pub(super) fn on_bypass_answer(
        &self,
        route: RouteId,
        ok: bool,
        stale: bool,
    ) -> Result<(), LinkError> {
        let job = {
            let mut routes = self.routes();
            let Some(r) = routes.by_route.get_mut(&route) else {
                // Closed meanwhile: the other side closes after it.
                self.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            let Some(Bypass::Proxy { job, side, acked }) = &mut r.bypass else {
                return Err(LinkError::Protocol("a Bypass answer for no Bypass"));
            };
            let mut st = job.state();
            if st.answers[*side].is_some() {
                return Err(LinkError::Protocol("a Bypass answered twice"));
            }
            st.answers[*side] = Some(ok);
            st.stale |= stale;
            *acked = ok;
            if st.answers.iter().any(Option::is_none) {
                return Ok(());
            }
            drop(st);
            job.clone()
        };
        let answers = job.state().answers;
        if answers == [Some(true); 2] {
            for (link, route) in &job.sides {
                if let Some(link) = link.upgrade() {
                    let mut ends = link.bypass_ends.lock().unwrap_or_else(|e| e.into_inner());
                    ends.push((*route, job.clone()));
                    link.bypass_ending.store(ends.len(), Ordering::Release);
                    drop(ends);
                    link.kick();
                }
            }
            return Ok(());
        }
        // Refused: the side that accepted sends on its route again.
        let (stale, intro) = {
            let st = job.state();
            (st.stale, st.intro)
        };
        if stale {
            Node::get().forget_intro(intro);
        }
        let (mut by_name, mut owed, mut within) = (true, false, true);
        for (side, (link, route)) in job.sides.iter().enumerate() {
            let Some(link) = link.upgrade() else { continue };
            let (acked, refused_theirs) = unmark(&link, *route, &job);
            owed |= refused_theirs;
            if acked {
                link.send_control(Frame::BypassCancel { route: *route });
            }
            if answers[side] == Some(false) {
                // As with splices: of two proxies that refused each other,
                // the one with the greater name asks again — or this one,
                // if it refused the other's `Splice` while it waited for
                // this answer (the other may have given up meanwhile).
                by_name &= Node::get().name > link.peer;
                let mut routes = link.routes();
                if let Some(r) = routes.by_route.get_mut(route) {
                    r.refused = r.refused.saturating_add(1);
                    within &= r.refused <= RETRIES;
                }
            }
        }
        // A stale introduction (the two closed their link as idle, or it
        // died) is made anew at once, whoever refused.
        if let (true, Some(link)) = (
            (stale || by_name || owed) && within,
            job.sides[1].0.upgrade(),
        ) {
            link.ask_bypass(job.sides[1].1);
        }
        Ok(())
    }

    /// The writer: ends each acknowledged bypass route of this link whose
    /// bridge has nothing left to forward (`BypassEnd`), and forgets it
    /// without a `Close`; the two bridges go once both sides have ended.
    pub(super) fn finish_bypasses(&self, batch: &mut Vec<u8>) {
        if self.bypass_ending.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut ends = self.bypass_ends.lock().unwrap_or_else(|e| e.into_inner());
        let mut gone = Vec::new();
        let mut routes = self.routes();
        ends.retain(|(route, job)| {
            let Some(r) = routes.by_route.get(route) else {
                // Closed: the other side closes after it.
                return false;
            };
            if r.bridge.queued().0 > 0 {
                // Still forwarding (or paused by the peer): later.
                return true;
            }
            Frame::BypassEnd {
                route: *route,
                sent: r.sent,
            }
            .encode(batch);
            if let Some(r) = routes.remove(*route) {
                let mut st = job.state();
                st.ended.push(r.bridge);
                if st.ended.len() == 2 {
                    gone.append(&mut st.ended);
                }
            }
            self.counters.bypassed.fetch_add(1, Ordering::Relaxed);
            false
        });
        self.bypass_ending.store(ends.len(), Ordering::Release);
        drop(routes);
        drop(ends);
        drop(gone);
    }
}
