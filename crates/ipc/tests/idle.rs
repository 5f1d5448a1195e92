//! Introduced links that no route uses close, both sides agreeing
//! (`link/idle.rs`); a later bypass between the same two processes
//! introduces them anew, and a bypass racing the close loses nothing.

mod common;

use common::{child, reply, Cmd, Reply};
use msgport::{MessageChannel, MessagePort};
use std::time::{Duration, Instant};

#[test]
fn child_entry() {
    common::run_role(&[("serve_idle", common::serve_idle)]);
}

/// Asks a child `cmd` until it answers `Read(want)`, for up to 10 s.
fn until(kid: &MessagePort, cmd: fn() -> Cmd, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        kid.post(&cmd()).unwrap();
        match reply(kid) {
            Reply::Read(n) if n == want => return,
            Reply::Read(n) => assert!(Instant::now() < deadline, "{n}, not {want}"),
            other => panic!("{other:?}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The supervisor's pattern: one end of a new channel to each child, `n`
/// numbers written by the second and read, in order, by the first. This
/// process is a proxy between its two links until it introduces the
/// children to each other.
fn hand_over(p1: &MessagePort, p2: &MessagePort, n: u64) {
    let (c1, c2) = MessageChannel::new().into_ports();
    p1.post(&Cmd::Read {
        port: c1,
        from: 0,
        n,
    })
    .unwrap();
    p2.post(&Cmd::Write { port: c2, n }).unwrap();
    assert_eq!(reply(p1), Reply::Read(n));
}

#[test]
fn an_introduced_link_closes_once_idle_on_both_sides_and_a_new_one_is_made_when_needed() {
    let (mut k1, p1) = msgport_ipc::spawn(&mut child("serve_idle")).unwrap();
    let (mut k2, p2) = msgport_ipc::spawn(&mut child("serve_idle")).unwrap();
    for round in 1..=3u64 {
        // A channel between the children, held open until they have a
        // link of their own (from the second round on, the first
        // `Bypass` names the closed link's introduction and is refused as
        // stale: the parent introduces them anew).
        let (c1, c2) = MessageChannel::new().into_ports();
        p2.post(&Cmd::Hold(c2)).unwrap();
        p1.post(&Cmd::Read {
            port: c1,
            from: 0,
            n: 1_000,
        })
        .unwrap();
        until(&p1, || Cmd::Introduced, 1);
        p2.post(&Cmd::WriteHeld(1_000)).unwrap();
        assert_eq!(reply(&p1), Reply::Read(1_000));
        // The channel is gone; after 150 ms with no route, the children's
        // link closes, on both sides, as agreed.
        until(&p1, || Cmd::Introduced, 0);
        until(&p2, || Cmd::Introduced, 0);
        until(&p1, || Cmd::IdleClosed, round);
        until(&p2, || Cmd::IdleClosed, round);
    }
    drop((p1, p2));
    k1.wait().unwrap();
    k2.wait().unwrap();
}

#[test]
fn a_link_with_a_route_stays_open() {
    let (mut k1, p1) = msgport_ipc::spawn(&mut child("serve_idle")).unwrap();
    let (mut k2, p2) = msgport_ipc::spawn(&mut child("serve_idle")).unwrap();
    // A channel between the two children that stays open, unused, for
    // well over the idle time.
    let (c1, c2) = MessageChannel::new().into_ports();
    p2.post(&Cmd::Hold(c2)).unwrap();
    p1.post(&Cmd::Read {
        port: c1,
        from: 0,
        n: 100,
    })
    .unwrap();
    until(&p1, || Cmd::Introduced, 1);
    std::thread::sleep(Duration::from_millis(600));
    p1.post(&Cmd::Introduced).unwrap();
    assert_eq!(reply(&p1), Reply::Read(1), "still open");
    p2.post(&Cmd::WriteHeld(100)).unwrap();
    assert_eq!(reply(&p1), Reply::Read(100));
    p1.post(&Cmd::IdleClosed).unwrap();
    assert_eq!(reply(&p1), Reply::Read(0), "never closed as idle");
    drop((p1, p2));
    k1.wait().unwrap();
    k2.wait().unwrap();
}

#[test]
fn hand_overs_around_the_idle_time_race_the_close_and_lose_nothing() {
    let (mut k1, p1) = msgport_ipc::spawn(&mut child("serve_idle")).unwrap();
    let (mut k2, p2) = msgport_ipc::spawn(&mut child("serve_idle")).unwrap();
    // Pauses around the 150 ms idle time (plus the watcher's tick): some
    // hand-overs find the link open, some closing, some gone.
    for round in 0..24u64 {
        hand_over(&p1, &p2, 500 + round);
        std::thread::sleep(Duration::from_millis(120 + (round * 37) % 120));
    }
    p1.post(&Cmd::IdleClosed).unwrap();
    let Reply::Read(closed) = reply(&p1) else {
        panic!()
    };
    assert!(closed > 0, "some links closed as idle");
    drop((p1, p2));
    k1.wait().unwrap();
    k2.wait().unwrap();
}
