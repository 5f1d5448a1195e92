//! Closing introduced links nobody uses.
//!
//! A proxy that leaves a route introduces its two peers to each other (a
//! link of their own: `bypass.rs`). Once the routes on such a link are
//! gone, it still holds a socket and two threads on each side. A node
//! closes it when both sides agree that it is empty:
//!
//! ```text
//!   X (idle for Bounds::idle_close)          Y
//!   closing = true ──────── Idle ──────────▶ empty?  yes: closing = true,
//!                                                     closes the link
//!   reads the end: closed (LinkError::Idle) ◀────────┘
//!                                            no:  ◀── IdleNo
//!   closing = false (looks again later)
//! ```
//!
//! Invariants, under the link's `routes` lock:
//! - `closing` is set only on an empty link, and while it is set no
//!   route opens there by a bypass (`moving.rs` refuses a `Bypass` onto
//!   it as stale, and the proxy introduces the two nodes anew). Routes
//!   open on a link only by a bypass or by a message on a route of the
//!   link; so when both sides are empty and closing, nothing can be in
//!   flight that the close would lose.
//! - Both sending `Idle` at once: each, closing and empty, takes the
//!   other's `Idle` as agreement.
//! - `IdleNo` comes only after our `Idle` (anything else is a protocol
//!   error).
//!
//! One watcher thread per process (`msgport-ipc-idle`) looks at every
//! introduced link a few times per `idle_close`; it runs while any link
//! it watches is open. A link counts as idle when two looks at least
//! `idle_close` apart found it empty with no route opened between them
//! (`Routes::opened`).

use super::{Link, LinkError};
use crate::frame::Frame;
use crate::node::Node;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether the watcher thread runs.
static WATCHER: Mutex<bool> = Mutex::new(false);

/// Starts the watcher thread unless it runs (called once a link it must
/// watch is listed in the node).
pub(crate) fn watch_idle() {
    let mut running = WATCHER.lock().unwrap_or_else(|e| e.into_inner());
    if *running {
        return;
    }
    // No thread, no closing of idle links: they stay open, as with
    // `idle_close: None`.
    *running = std::thread::Builder::new()
        .name("msgport-ipc-idle".into())
        .spawn(watch)
        .is_ok();
}

/// The watched links, or `None` (and the watcher marked stopped) if
/// there are none.
fn watched() -> Option<Vec<Arc<Link>>> {
    let pick = || {
        Node::get()
            .links()
            .into_iter()
            .filter(|l| l.closes_when_idle() && !l.is_dead())
            .collect::<Vec<_>>()
    };
    let links = pick();
    if !links.is_empty() {
        return Some(links);
    }
    // Looked at again under the lock: a link listed since has called
    // `watch_idle`, which waits for it.
    let mut running = WATCHER.lock().unwrap_or_else(|e| e.into_inner());
    let links = pick();
    if links.is_empty() {
        *running = false;
        return None;
    }
    Some(links)
}

fn watch() {
    while let Some(links) = watched() {
        let now = Instant::now();
        let mut tick = Duration::from_secs(1);
        for l in &links {
            l.idle_check(now);
            if let Some(after) = l.bounds.idle_close {
                tick = tick.min(after / 4);
            }
        }
        // Not held while asleep: a link that closes meanwhile goes now.
        drop(links);
        std::thread::sleep(tick.max(Duration::from_millis(5)));
    }
}

impl Link {
    /// Whether the watcher looks at this link: an introduced one whose
    /// bounds close it when idle.
    pub(crate) fn closes_when_idle(&self) -> bool {
        self.introduced && self.bounds.idle_close.is_some()
    }

    /// The watcher's look: an introduced link found empty, with no route
    /// opened, `idle_close` after it was first found so, asks its peer to
    /// close it (`Idle`).
    fn idle_check(&self, now: Instant) {
        let Some(after) = self.bounds.idle_close else {
            return;
        };
        if self.is_dead() {
            return;
        }
        {
            let mut routes = self.routes();
            if routes.closing {
                return;
            }
            if !routes.by_route.is_empty() {
                routes.empty_since = None;
                return;
            }
            let opened = routes.opened;
            match routes.empty_since {
                Some((since, then)) if then == opened => {
                    if now.saturating_duration_since(since) < after {
                        return;
                    }
                    routes.closing = true;
                }
                _ => {
                    routes.empty_since = Some((now, opened));
                    return;
                }
            }
        }
        self.send_control(Frame::Idle);
    }

    /// `Idle`: the peer has no route here and opens none. If this node has
    /// none either (and closes idle links), the link closes (the peer
    /// reads its end); otherwise `IdleNo`.
    pub(super) fn on_idle(&self) -> Result<(), LinkError> {
        let agree = self.closes_when_idle() && {
            let mut routes = self.routes();
            let empty = routes.by_route.is_empty();
            routes.closing |= empty;
            empty
        };
        if agree {
            return Err(LinkError::Idle);
        }
        self.send_control(Frame::IdleNo);
        Ok(())
    }

    /// `IdleNo`: the peer keeps the link; routes may open here again.
    pub(super) fn on_idle_no(&self) -> Result<(), LinkError> {
        let mut routes = self.routes();
        if !routes.closing {
            return Err(LinkError::Protocol("an IdleNo for no Idle"));
        }
        routes.closing = false;
        routes.empty_since = None;
        Ok(())
    }
}
