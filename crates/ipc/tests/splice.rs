//! A proxy made by a merge, not by shipping a port: a port that goes
//! K1 → P → K2 → P → K1 leaves P, the parent, holding two bridges of the
//! link to K1 entangled with each other; P asks K1 to splice them, and
//! the two ends end up entangled inside K1. In a binary of their own,
//! one at a time, so that `links()` reports one test's links only.

mod common;

use common::{child, Cmd, Reply};
use msgport::{Event, MessageChannel, MessagePort};
use std::time::{Duration, Instant};

#[test]
fn child_entry() {
    common::run_role(&[("serve", common::serve)]);
}

/// One test at a time (see the module docs).
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits until this process's links hold `routes` routes in all, with at
/// least `spliced` routes spliced or bypassed away.
fn settle(routes: usize, spliced: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let links = msgport_ipc::links();
        let open: Vec<_> = links.iter().filter(|l| l.closed.is_none()).collect();
        let r: usize = open.iter().map(|l| l.routes).sum();
        let s: u64 = open.iter().map(|l| l.spliced + l.bypassed).sum();
        if r == routes && s >= spliced {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "routes {r}, spliced {s}: {links:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn reply(port: &MessagePort) -> Reply {
    match port.recv_timeout_as::<Reply>(Duration::from_secs(20)) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_port_back_in_its_peers_process_by_way_of_a_sibling_leaves_no_proxy() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let (k1, p1) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let (k2, p2) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let (c1, c2) = MessageChannel::new().into_ports();
    p1.post(&Cmd::Read {
        port: c1,
        from: 0,
        n: 100,
    })
    .unwrap();
    // c2 goes to K2 and comes back (K2's proxy is spliced away), then on
    // to K1, where its peer is.
    p2.post(&Cmd::Return(c2)).unwrap();
    let Reply::Returned(back) = reply(&p2) else {
        panic!()
    };
    p1.post(&Cmd::Hold(back)).unwrap();
    // Both of this process's proxies go (spliced away, or bypassed if K2
    // took the route to K1 first): only the two bootstrap routes are left.
    settle(2, 2);
    // The two ends talk inside K1, every message once and in order.
    p1.post(&Cmd::WriteHeld(100)).unwrap();
    assert_eq!(reply(&p1), Reply::Read(100));
    for (mut k, p) in [(k1, p1), (k2, p2)] {
        p.post(&Cmd::Exit).unwrap();
        assert!(k.wait().unwrap().success());
    }
}

#[test]
fn splices_that_cross_still_leave_one_route() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let (k, p) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    for round in 0..10 {
        // Both ends go to the child, which sends one straight back: this
        // process asks to splice (a, b) while the child asks to splice
        // (a, d), crossing on route a.
        let (c1, c2) = MessageChannel::new().into_ports();
        p.post(&Cmd::Return(c1)).unwrap();
        p.post(&Cmd::Hold(c2)).unwrap();
        let Reply::Returned(back) = reply(&p) else {
            panic!()
        };
        // One route is left between the ends, whoever won.
        settle(2, 0);
        p.post(&Cmd::WriteHeld(50)).unwrap();
        for i in 0..50u64 {
            match back.recv_timeout_as::<u64>(Duration::from_secs(20)) {
                Ok(Event::Message(m)) => assert_eq!(m.data, i, "round {round}"),
                other => panic!("round {round}, {i}: {other:?}"),
            }
        }
        drop(back);
        settle(1, 0);
    }
    p.post(&Cmd::Exit).unwrap();
    let mut k = k;
    assert!(k.wait().unwrap().success());
}
