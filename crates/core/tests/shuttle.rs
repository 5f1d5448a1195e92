//! Model checking of the router's races with shuttle: every port lock,
//! atomic and park in msgport comes from shuttle under the `shuttle`
//! feature, so these tests explore interleavings of send, transfer, start
//! and close. Run: `cargo test -p msgport --features shuttle --test shuttle`.
#![cfg(feature = "shuttle")]

use msgport::clone::Graph;
use msgport::{Event, MessageChannel, MessagePort, RecvError, Transfer};
use shuttle::thread;

const ITERATIONS: usize = 2000;

/// Receives until the port can receive nothing more; returns the messages.
fn collect(port: &MessagePort) -> (Vec<u32>, bool) {
    let mut got = Vec::new();
    loop {
        match port.recv_blocking_as::<u32>(None) {
            Ok(Event::Message(m)) => got.push(m.data),
            Ok(Event::Close) => return (got, true),
            Ok(Event::MessageError(e)) => panic!("{e}"),
            Err(RecvError::Disentangled) | Err(RecvError::Detached) => return (got, false),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn send_then_close_races_with_receive() {
    shuttle::check_random(
        || {
            let (a, b) = MessageChannel::new().into_ports();
            let t = thread::spawn(move || {
                for i in 0..3 {
                    a.post(&i).unwrap();
                }
                a.close();
            });
            let (got, closed) = collect(&b);
            t.join().unwrap();
            assert_eq!(got, [0, 1, 2]);
            assert!(closed, "close must be delivered after the messages");
        },
        ITERATIONS,
    );
}

#[test]
fn transfer_races_with_sends_from_the_peer() {
    shuttle::check_random(
        || {
            let (c1, c2) = MessageChannel::new().into_ports();
            let (p1, p2) = MessageChannel::new().into_ports();
            let sender = thread::spawn(move || {
                for i in 0..4 {
                    p1.post(&i).unwrap();
                }
                p1.close();
            });
            let mover = thread::spawn(move || {
                c1.post_message(&mut Graph::default(), &[Transfer::Port(&p2)])
                    .unwrap();
                assert!(p2.is_detached());
                c1
            });
            let receiver = thread::spawn(move || {
                let Ok(Event::Message(m)) = c2.recv_blocking(None) else {
                    panic!("no carrier message")
                };
                let moved = m.ports.into_iter().next().unwrap();
                collect(&moved)
            });
            sender.join().unwrap();
            let _c1 = mover.join().unwrap();
            let (got, closed) = receiver.join().unwrap();
            assert_eq!(got, [0, 1, 2, 3], "exactly once, in order, across the move");
            assert!(closed);
        },
        ITERATIONS,
    );
}

#[test]
fn both_ends_close_at_once() {
    shuttle::check_random(
        || {
            let (a, b) = MessageChannel::new().into_ports();
            let t = thread::spawn(move || {
                a.post(&1).unwrap();
                a.close();
                a
            });
            b.post(&2).unwrap();
            b.close();
            let a = t.join().unwrap();
            // Whatever was queued is still there, at most one message each.
            for p in [&a, &b] {
                let mut n = 0;
                while let Ok(Some(e)) = p.try_recv() {
                    if matches!(e, Event::Message(_)) {
                        n += 1;
                    }
                }
                assert!(n <= 1);
            }
        },
        ITERATIONS,
    );
}

#[test]
fn start_and_send_race_without_losing_a_wakeup() {
    shuttle::check_pct(
        || {
            let (a, b) = MessageChannel::new().into_ports();
            let t = thread::spawn(move || {
                a.post(&7).unwrap();
                a
            });
            // recv_blocking starts the queue and parks; the post must wake it.
            match b.recv_blocking_as::<u32>(None) {
                Ok(Event::Message(m)) => assert_eq!(m.data, 7),
                other => panic!("{other:?}"),
            }
            drop(t.join().unwrap());
        },
        ITERATIONS,
        3,
    );
}

#[test]
fn peer_closes_while_the_port_is_in_flight() {
    shuttle::check_random(
        || {
            let (c1, c2) = MessageChannel::new().into_ports();
            let (p1, p2) = MessageChannel::new().into_ports();
            let closer = thread::spawn(move || {
                p1.post(&1).unwrap();
                drop(p1);
            });
            c1.post_message(&mut Graph::default(), &[Transfer::Port(&p2)])
                .unwrap();
            let receiver = thread::spawn(move || {
                let Ok(Event::Message(m)) = c2.recv_blocking(None) else {
                    panic!()
                };
                collect(&m.ports.into_iter().next().unwrap())
            });
            closer.join().unwrap();
            let (got, closed) = receiver.join().unwrap();
            assert_eq!(got, [1]);
            assert!(closed, "the close follows the port to its new owner");
            drop(c1);
        },
        ITERATIONS,
    );
}
