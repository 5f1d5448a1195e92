//! A proxy made by a merge, not by shipping a port: a port that goes
//! K1 → P → K2 → P → K1 leaves P, the parent, holding two bridges of the
//! link to K1 entangled with each other; P asks K1 to splice them, and
//! the two ends end up entangled inside K1. Alone in its binary, so that
//! `links()` reports this test's links only.

mod common;

use common::{child, Cmd, Reply};
use msgport::{Event, MessageChannel, MessagePort};
use std::time::{Duration, Instant};

#[test]
fn child_entry() {
    common::run_role(&[("serve", common::serve)]);
}

fn reply(port: &MessagePort) -> Reply {
    match port.recv_timeout_as::<Reply>(Duration::from_secs(20)) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_port_back_in_its_peers_process_by_way_of_a_sibling_leaves_no_proxy() {
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
    // Both of this process's proxies go: only the two bootstrap routes
    // are left.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let links = msgport_ipc::links();
        let routes: usize = links.iter().map(|l| l.routes).sum();
        let spliced: u64 = links.iter().map(|l| l.spliced).sum();
        if routes == 2 && spliced >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "routes {routes}, spliced {spliced}: {links:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // The two ends talk inside K1, every message once and in order.
    p1.post(&Cmd::WriteHeld(100)).unwrap();
    assert_eq!(reply(&p1), Reply::Read(100));
    for (mut k, p) in [(k1, p1), (k2, p2)] {
        p.post(&Cmd::Exit).unwrap();
        assert!(k.wait().unwrap().success());
    }
}
