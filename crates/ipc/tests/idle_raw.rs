//! The idle close of an introduced link, driven by hand (`link/idle.rs`):
//! a raw peer plays the proxy that introduces this node to a second raw
//! peer; the second one answers this node's `Idle`, or sends its own.

use msgport_ipc::frame::{Frame, RouteId};
use msgport_ipc::{Bounds, LinkError, Listener};
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::Duration;

mod raw;
use raw::*;

/// A raw proxy admitted by a listener whose links (and the links they
/// introduce) close after 50 ms idle: its stream, and a port of ours
/// with its route.
fn proxy() -> (Listener, u128, UnixStream, msgport::MessagePort, RouteId) {
    let mut l = Listener::bind_private().unwrap();
    l.set_bounds(Bounds {
        idle_close: Some(Duration::from_millis(50)),
        ..Default::default()
    });
    let name: u128 = rand::random();
    let (s, port, route) = raw_peer_named(&l, name);
    (l, name, s, port, route)
}

fn link_to(node: u128) -> Option<msgport_ipc::LinkStats> {
    msgport_ipc::links().into_iter().find(|l| l.peer == node)
}

/// Waits until the link to `node` is closed; its reason.
fn closed(node: u128) -> std::sync::Arc<LinkError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(e) = link_to(node).and_then(|l| l.closed) {
            return e;
        }
        assert!(std::time::Instant::now() < deadline, "{:?}", link_to(node));
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn an_idle_introduced_link_asks_and_closes_when_the_peer_closes_its_end() {
    let (_l, _name, p, _port, _route) = proxy();
    let sibling: u128 = rand::random();
    let mut k2 = introduce(&p, 7, sibling);
    // No route on it: after 50 ms, `Idle`.
    assert_eq!(read_frame(&mut k2), Frame::Idle);
    // The sibling agrees by closing its end.
    drop(k2);
    assert!(
        matches!(*closed(sibling), LinkError::Idle),
        "{:?}",
        link_to(sibling)
    );
}

#[test]
fn a_bypass_onto_a_closing_link_is_refused_as_stale_and_idle_no_reopens_it() {
    let (_l, _name, mut p, port, route) = proxy();
    let sibling: u128 = rand::random();
    let mut k2 = introduce(&p, 8, sibling);
    assert_eq!(read_frame(&mut k2), Frame::Idle);
    // While this node waits for the answer, no route may open there.
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 8,
            new: RouteId(40),
        },
    );
    assert_eq!(
        read_until(&mut p, |f| matches!(f, Frame::BypassNo { .. })),
        Frame::BypassNo { route, stale: true }
    );
    // The sibling keeps the link: routes may open again.
    send(&mut k2, Frame::IdleNo);
    std::thread::sleep(Duration::from_millis(20));
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 8,
            new: RouteId(41),
        },
    );
    assert_eq!(
        read_until(&mut p, |f| matches!(
            f,
            Frame::BypassAck { .. } | Frame::BypassNo { .. }
        )),
        Frame::BypassAck { route }
    );
    assert!(link_to(sibling).is_some_and(|l| l.closed.is_none() && l.routes == 1));
    drop(port);
}

#[test]
fn the_peers_idle_is_agreed_to_when_empty_and_refused_with_a_route() {
    let (_l, _name, mut p, _port, route) = proxy();
    // Empty here: the link closes (this node closes its end).
    let empty: u128 = rand::random();
    let mut k2 = introduce(&p, 9, empty);
    send(&mut k2, Frame::Idle);
    assert!(matches!(*closed(empty), LinkError::Idle));
    let mut rest = Vec::new();
    k2.read_to_end(&mut rest).unwrap();
    // With a route (our end of `route` moved there): `IdleNo`.
    let busy: u128 = rand::random();
    let mut k3 = introduce(&p, 10, busy);
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 10,
            new: RouteId(50),
        },
    );
    read_until(&mut p, |f| matches!(f, Frame::BypassAck { .. }));
    send(&mut k3, Frame::Idle);
    assert_eq!(
        read_until(&mut k3, |f| matches!(f, Frame::IdleNo)),
        Frame::IdleNo
    );
    assert!(link_to(busy).is_some_and(|l| l.closed.is_none()));
}

#[test]
fn an_idle_no_for_no_idle_closes_that_link_only() {
    let (_l, _name, p, port, _route) = proxy();
    let sibling: u128 = rand::random();
    let mut k2 = introduce(&p, 11, sibling);
    send(&mut k2, Frame::IdleNo);
    assert!(matches!(*closed(sibling), LinkError::Protocol(_)));
    // The proxy's link is untouched.
    assert!(msgport_ipc::links()
        .iter()
        .any(|l| l.closed.is_none() && !l.introduced));
    drop(port);
}
