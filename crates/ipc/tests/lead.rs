//! Who reads a link (`link/lead/`): a thread blocked on one of the
//! link's ports reads the socket itself, for every port of the link;
//! followers wait for their own ports; a leader's deadline, a malformed
//! frame or a dead peer hand the role back or close the link, and nothing
//! is lost or stuck.

mod common;
mod raw;

use common::{child, reply, Cmd, Reply};
use msgport::{Event, MessageChannel, MessagePort, RecvError};
use msgport_ipc::frame::RouteId;
use msgport_ipc::LinkStats;
use rand::Rng;
use raw::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn child_entry() {
    common::run_role(&[("serve", common::serve)]);
}

fn link_of(name: u128) -> LinkStats {
    msgport_ipc::links()
        .into_iter()
        .find(|l| l.peer == name)
        .expect("the link is listed")
}

/// Long enough for a thread to be asleep in its receive.
const SETTLE: Duration = Duration::from_millis(150);

#[test]
fn a_blocked_receiver_reads_the_socket_itself() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let t = std::thread::spawn(move || {
        expect_text(&port, "late");
        port
    });
    std::thread::sleep(SETTLE);
    send(&mut s, message(route, 0, "late"));
    let _port = t.join().unwrap();
    // The only bytes after the handshake were read by the receiving thread.
    let stats = link_of(name);
    assert_eq!((stats.reads, stats.lent_reads), (1, 1), "{stats:?}");
}

#[test]
fn a_leader_reads_for_the_other_ports_of_its_link() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let mut routes = routes_from(&mut s, &port, route, 2).into_iter();
    let (r1, p1) = routes.next().unwrap();
    let (r2, p2) = routes.next().unwrap();
    let before = link_of(name);
    // p1's thread leads: nothing comes for p1 for a while.
    let leader = std::thread::spawn(move || {
        expect_text(&p1, "at last");
        p1
    });
    std::thread::sleep(SETTLE);
    for i in 0..100u64 {
        send(&mut s, message(r2, i, &i.to_string()));
    }
    // p2 is only polled (no thread waits on it): its messages come because
    // p1's thread dispatches them.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut next = 0u64;
    while next < 100 {
        assert!(Instant::now() < deadline, "p2 got {next} of 100");
        match p2.try_recv_as::<String>() {
            Ok(Some(Event::Message(m))) => {
                assert_eq!(m.data, next.to_string(), "in order, exactly once");
                next += 1;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            other => panic!("{other:?}"),
        }
    }
    send(&mut s, message(r1, 0, "at last"));
    let _p1 = leader.join().unwrap();
    let stats = link_of(name);
    assert_eq!(
        stats.reads - before.reads,
        stats.lent_reads - before.lent_reads,
        "every read was the leader's: {stats:?}"
    );
}

#[test]
fn followers_wait_for_their_own_ports_and_all_see_the_close() {
    const PER: u64 = 50;
    let (_l, _name, mut s, port, route) = named_raw_peer();
    let routes = routes_from(&mut s, &port, route, 4);
    let ids: Vec<_> = routes.iter().map(|(r, _)| *r).collect();
    let threads: Vec<_> = routes
        .into_iter()
        .map(|(_, p)| {
            std::thread::spawn(move || {
                for i in 0..PER {
                    match p.recv_timeout_as::<String>(Duration::from_secs(10)) {
                        Ok(Event::Message(m)) => assert_eq!(m.data, i.to_string()),
                        other => panic!("message {i}: {other:?}"),
                    }
                }
                expect_close(&p);
            })
        })
        .collect();
    std::thread::sleep(SETTLE);
    // Interleaved at random across the four routes, each in its order.
    let mut sent = [0u64; 4];
    let mut rng = rand::rng();
    while sent.iter().any(|&n| n < PER) {
        let k = rng.random_range(0..4);
        if sent[k] < PER {
            send(&mut s, message(ids[k], sent[k], &sent[k].to_string()));
            sent[k] += 1;
            if rng.random_bool(0.1) {
                std::thread::sleep(Duration::from_micros(300));
            }
        }
    }
    // The peer goes: every waiting thread gets `close`.
    drop(s);
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn a_leaders_deadline_gives_the_role_back_to_the_reader_thread() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let start = Instant::now();
    assert_eq!(
        port.recv_timeout(Duration::from_millis(100)).unwrap_err(),
        RecvError::Timeout
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(100) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // Nobody waits now: the reader thread reads what comes.
    let before = link_of(name);
    send(&mut s, message(route, 0, "for the reader thread"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match port.try_recv_as::<String>() {
            Ok(Some(Event::Message(m))) => {
                assert_eq!(m.data, "for the reader thread");
                break;
            }
            Ok(None) => {
                assert!(Instant::now() < deadline, "never read");
                std::thread::sleep(Duration::from_millis(1));
            }
            other => panic!("{other:?}"),
        }
    }
    let after = link_of(name);
    assert_eq!(after.reads - before.reads, 1);
    assert_eq!(after.lent_reads, before.lent_reads, "{after:?}");
}

#[test]
fn a_malformed_frame_read_by_a_leader_closes_its_link_only() {
    let l = msgport_ipc::Listener::bind_private().unwrap();
    let (mut good, good_port, good_route) = raw_peer(&l);
    let name: u128 = rand::random();
    let (mut s, port, route) = raw_peer_named(&l, name);
    let t = std::thread::spawn(move || match port.recv_timeout(Duration::from_secs(10)) {
        Ok(Event::Close) => port,
        other => panic!("expected close, got {other:?}"),
    });
    std::thread::sleep(SETTLE);
    // A sequence gap: the second message of the route claims seq 5.
    send(&mut s, message(route, 5, "out of order"));
    let _port = t.join().unwrap();
    let stats = link_of(name);
    assert!(
        matches!(
            stats.closed.as_deref(),
            Some(msgport_ipc::LinkError::Protocol(_))
        ),
        "{stats:?}"
    );
    assert_eq!(stats.lent_reads, 1, "the leader read it: {stats:?}");
    send(&mut good, message(good_route, 0, "still here"));
    expect_text(&good_port, "still here");
}

#[test]
fn a_peer_killed_while_threads_wait_closes_every_port_within_a_second() {
    let (mut kid, port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let ends: Vec<MessagePort> = (0..3)
        .map(|_| {
            let ch = MessageChannel::new();
            port.post(&Cmd::EchoOn(ch.port2)).unwrap();
            ch.port1.post(&"ready").unwrap();
            match ch.port1.recv_timeout_as::<String>(Duration::from_secs(10)) {
                Ok(Event::Message(m)) => assert_eq!(m.data, "ready"),
                other => panic!("{other:?}"),
            }
            ch.port1
        })
        .collect();
    // Three threads wait on the link (a leader and two followers), and the
    // thread of `port` a fourth.
    let waiters: Vec<_> = ends
        .into_iter()
        .map(|p| {
            std::thread::spawn(move || {
                let r = p.recv_timeout(Duration::from_secs(10));
                (r, Instant::now())
            })
        })
        .collect();
    std::thread::sleep(SETTLE);
    let killed = Instant::now();
    kid.kill().unwrap();
    assert!(matches!(
        port.recv_timeout(Duration::from_secs(10)),
        Ok(Event::Close)
    ));
    for w in waiters {
        let (r, at) = w.join().unwrap();
        assert!(matches!(r, Ok(Event::Close)), "{r:?}");
        let took = at.duration_since(killed);
        assert!(took < Duration::from_secs(1), "{took:?}");
    }
    kid.wait().unwrap();
}

#[test]
fn threads_on_both_sides_trade_leads_without_losing_or_reordering() {
    // Four channels to a child that echoes each in its own thread; here,
    // four threads make round trips with random short deadlines (most of
    // them pass: the role changes hands all the time), sometimes in
    // bursts of three.
    const ROUNDS: u64 = 1500;
    let (mut kid, port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let ch = MessageChannel::new();
            port.post(&Cmd::EchoOn(ch.port2)).unwrap();
            let p = Arc::new(ch.port1);
            std::thread::spawn(move || {
                let mut rng = rand::rng();
                let mut expect = 0u64;
                let mut i = 0u64;
                while i < ROUNDS {
                    let burst = if rng.random_bool(0.1) { 3 } else { 1 }.min(ROUNDS - i);
                    for k in 0..burst {
                        p.post(&(i + k)).unwrap();
                    }
                    i += burst;
                    while expect < i {
                        let wait = Duration::from_micros(rng.random_range(0..300));
                        match p.recv_timeout_as::<u64>(wait) {
                            Ok(Event::Message(m)) => {
                                assert_eq!(m.data, expect, "in order, exactly once");
                                expect += 1;
                            }
                            Err(RecvError::Timeout) => {}
                            other => panic!("{other:?}"),
                        }
                    }
                }
                expect
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), ROUNDS);
    }
    let lent: u64 = msgport_ipc::links().iter().map(|l| l.lent_reads).sum();
    assert!(lent > 0, "no receiving thread ever read");
    // Our ends went with the threads: each echo thread ends, and says so.
    for _ in 0..4 {
        assert_eq!(reply(&port), Reply::Closed);
    }
    port.post(&Cmd::Exit).unwrap();
    assert!(kid.wait().unwrap().success());
}

#[test]
fn a_flood_for_other_ports_does_not_hold_a_leader_past_its_deadline() {
    let (_l, name, mut s, port, _route) = named_raw_peer();
    // The peer keeps the socket full, for a second, of messages on a route
    // this node does not have (each read and dropped, nothing kept).
    let mut batch = Vec::new();
    for seq in 0..2000 {
        message(RouteId(12345), seq, "flood").encode(&mut batch);
    }
    let flood = std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            std::io::Write::write_all(&mut s, &batch).unwrap();
        }
        s
    });
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    assert_eq!(
        port.recv_timeout(Duration::from_millis(100)).unwrap_err(),
        RecvError::Timeout
    );
    let took = start.elapsed();
    assert!(took < Duration::from_millis(600), "{took:?}");
    drop(flood.join().unwrap());
    assert!(link_of(name).unknown_route > 0);
}

#[test]
fn a_role_left_lingering_by_a_receiver_ends_and_the_reader_thread_reads_for_the_others() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let mut routes = routes_from(&mut s, &port, route, 2).into_iter();
    let (r1, p1) = routes.next().unwrap();
    let (r2, p2) = routes.next().unwrap();
    // p1's thread leads, gets its message and returns: the role lingers
    // with the socket out of the reader thread's set.
    let leader = std::thread::spawn(move || {
        expect_text(&p1, "answer");
        p1
    });
    std::thread::sleep(SETTLE);
    send(&mut s, message(r1, 0, "answer"));
    let _p1 = leader.join().unwrap();
    let before = link_of(name);
    // Nobody blocks now: p2's message must still come, read by the reader
    // thread once the lingering has ended (after about a millisecond).
    send(&mut s, message(r2, 0, "for a port nobody blocks on"));
    let start = Instant::now();
    loop {
        match p2.try_recv_as::<String>() {
            Ok(Some(Event::Message(m))) => {
                assert_eq!(m.data, "for a port nobody blocks on");
                break;
            }
            Ok(None) => {
                assert!(start.elapsed() < Duration::from_secs(5), "never read");
                std::thread::sleep(Duration::from_micros(200));
            }
            other => panic!("{other:?}"),
        }
    }
    let waited = start.elapsed();
    let after = link_of(name);
    assert_eq!(after.reads - before.reads, 1, "{after:?}");
    assert_eq!(
        after.lent_reads, before.lent_reads,
        "the reader thread read it"
    );
    // The linger is a millisecond; a slow machine gets a wide margin.
    assert!(waited < Duration::from_millis(500), "{waited:?}");
}

#[test]
fn a_leader_in_a_blocking_read_sees_its_port_closed_by_another_thread() {
    // With no deadline a leader waits in a blocking read of the socket
    // (no poll of its signal); a task of its port that does not come
    // through the socket — here its own close, from another thread — is
    // seen when the read gives up, within milliseconds.
    let (_l, _name, _s, port, _route) = named_raw_peer();
    let port = Arc::new(port);
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let port = port.clone();
        std::thread::spawn(move || {
            let _ = tx.send(port.recv_blocking(None));
        });
    }
    std::thread::sleep(SETTLE);
    let closed_at = Instant::now();
    port.close();
    // A read that never gave up would hold the thread: the test fails
    // here rather than hang.
    let r = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the blocked receive returned after the close");
    assert!(
        !matches!(r, Ok(msgport::Event::Message(_))),
        "no message was sent: {r:?}"
    );
    assert!(closed_at.elapsed() < Duration::from_secs(2));
}
