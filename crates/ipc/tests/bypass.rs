//! A proxy between two links leaves: the node introduces its two peers to
//! each other and the route's ends move to a link of their own, every
//! message once and in order. In a binary of their own, one at a time,
//! so that `links()` reports one test's links only.

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

/// Waits until this process's open links hold `routes` routes in all.
fn settle(routes: usize) -> Vec<msgport_ipc::LinkStats> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let links = msgport_ipc::links();
        let open: Vec<_> = links.iter().filter(|l| l.closed.is_none()).collect();
        let r: usize = open.iter().map(|l| l.routes).sum();
        if r == routes {
            return links;
        }
        assert!(Instant::now() < deadline, "routes {r}: {links:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn reply(port: &MessagePort) -> Reply {
    match port.recv_timeout_as::<Reply>(Duration::from_secs(30)) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("{other:?}"),
    }
}

/// Routes bypassed on this process's open links made by `spawn` (those of
/// the running test: the others' closed; a count over closed links would
/// change as old ones leave the list of recent ones).
fn bypassed() -> u64 {
    msgport_ipc::links()
        .iter()
        .filter(|l| l.closed.is_none() && !l.introduced)
        .map(|l| l.bypassed)
        .sum()
}

#[test]
fn both_ends_handed_to_two_children_leave_no_proxy_and_lose_nothing_mid_stream() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let (k1, p1) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let (k2, p2) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    for round in 0..3u64 {
        // The supervisor's pattern: make a channel, give one end to each
        // child. The writer starts at once, so the move may happen while
        // its messages stream through this process (or, on a slow
        // machine, after they all went through).
        let (c1, c2) = MessageChannel::new().into_ports();
        let n = 20_000 + round;
        p1.post(&Cmd::Read {
            port: c1,
            from: 0,
            n,
        })
        .unwrap();
        p2.post(&Cmd::Write { port: c2, n }).unwrap();
        assert_eq!(reply(&p1), Reply::Read(n), "round {round}");
        // No route of that channel is left here: only the two bootstrap
        // routes.
        settle(2);
    }
    // A channel that stays open: its two routes here go by a bypass (not
    // by its close), one on each link, and the messages written after
    // that take the new route.
    let before = bypassed();
    let (c1, c2) = MessageChannel::new().into_ports();
    p1.post(&Cmd::Read {
        port: c1,
        from: 0,
        n: 500,
    })
    .unwrap();
    p2.post(&Cmd::Hold(c2)).unwrap();
    settle(2);
    assert_eq!(bypassed(), before + 2, "{:?}", msgport_ipc::links());
    p2.post(&Cmd::WriteHeld(500)).unwrap();
    assert_eq!(reply(&p1), Reply::Read(500));
    for (mut k, p) in [(k1, p1), (k2, p2)] {
        p.post(&Cmd::Exit).unwrap();
        assert!(k.wait().unwrap().success());
    }
}

#[test]
fn a_proxy_that_left_is_not_missed_when_it_is_killed() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    // `kid` connects to `other` and hands us its end: for a moment it is a
    // proxy between its two links; then it introduces us to `other`.
    let (mut kid, port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let (mut other, other_port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let via = common::routed_through(&port, &other_port);
    via.post(&Cmd::Echo("through".into())).unwrap();
    assert_eq!(reply(&via), Reply::Echo("through".into()));
    // The route now runs on a link `kid` introduced, and none is left
    // through `kid`: here, the two bootstrap routes and that one; in
    // `kid`, its bootstrap route only (it wrote both `BypassEnd`s).
    let links = settle(3);
    assert!(
        links
            .iter()
            .any(|l| l.introduced && l.closed.is_none() && l.routes == 1),
        "{links:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        port.post(&Cmd::Routes).unwrap();
        if reply(&port) == Reply::Read(1) {
            break;
        }
        assert!(Instant::now() < deadline, "kid still routes the port");
        std::thread::sleep(Duration::from_millis(2));
    }
    // What `kid` wrote is in the sockets once it dies; let it write.
    std::thread::sleep(Duration::from_millis(50));
    kid.kill().unwrap();
    kid.wait().unwrap();
    assert!(matches!(
        port.recv_timeout(Duration::from_secs(5)),
        Ok(Event::Close)
    ));
    // The port does not go with it.
    for i in 0..100 {
        via.post(&Cmd::Echo(format!("after {i}"))).unwrap();
    }
    for i in 0..100 {
        assert_eq!(reply(&via), Reply::Echo(format!("after {i}")));
    }
    drop(via);
    assert_eq!(reply(&other_port), Reply::Closed);
    other_port.post(&Cmd::Exit).unwrap();
    assert!(other.wait().unwrap().success());
}

#[test]
fn a_proxy_killed_mid_bypass_leaves_its_ports_working_or_closed_never_hanging() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let (mut other, other_port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    for round in 0..5 {
        let (mut kid, port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
        let via = common::routed_through(&port, &other_port);
        // Killed at once: the bypass may be done, under way, or not begun.
        via.post(&Cmd::Echo("racing".into())).unwrap();
        kid.kill().unwrap();
        kid.wait().unwrap();
        // Either the route was moved off the dead process (the echo
        // comes back, and more after it), or it ran through it and
        // closes; within a second either way.
        let started = Instant::now();
        match via.recv_timeout_as::<Reply>(Duration::from_secs(5)) {
            Ok(Event::Message(m)) => {
                assert_eq!(m.data, Reply::Echo("racing".into()), "round {round}");
                via.post(&Cmd::Echo("after".into())).unwrap();
                match via.recv_timeout_as::<Reply>(Duration::from_secs(5)) {
                    Ok(Event::Message(m)) => assert_eq!(m.data, Reply::Echo("after".into())),
                    // The bypass was under way and its proxy died: closed.
                    Ok(Event::Close) => {}
                    other => panic!("round {round}: {other:?}"),
                }
            }
            Ok(Event::Close) => {}
            other => panic!("round {round}: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(1), "round {round}");
        drop(via);
        // `other` serves on until that port closes, then says so.
        assert_eq!(reply(&other_port), Reply::Closed, "round {round}");
    }
    other_port.post(&Cmd::Exit).unwrap();
    assert!(other.wait().unwrap().success());
}
