//! Model checking of the router's races with shuttle: every lock, atomic,
//! condition variable and park in msgport comes from shuttle under
//! `--cfg shuttle`, so these tests explore interleavings of send, receive
//! (by one or many waiters), transfer, start, close, event loops,
//! backpressure and BroadcastChannel. Run:
//!
//! ```sh
//! RUSTFLAGS="--cfg shuttle" cargo test -p msgport --test shuttle --target-dir target/shuttle
//! ```
#![cfg(shuttle)]

use msgport::clone::Graph;
use msgport::{BroadcastGroup, Event, EventLoop, MessageChannel, MessagePort, RecvError, Transfer};
use shuttle::sync::Arc;
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
            Ok(Event::Mismatch(m)) => panic!("{m:?}"),
            Err(RecvError::Disentangled) | Err(RecvError::Detached) => return (got, false),
            Err(e) => panic!("{e}"),
        }
    }
}

/// `n` threads receive on `rx` until it ends; returns every message they
/// got (sorted) and how many of them saw the close event.
fn collect_in_threads(rx: MessagePort, n: usize, send: impl FnOnce()) -> (Vec<u32>, usize) {
    let rx = Arc::new(rx);
    let receivers: Vec<_> = (0..n)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || collect(&rx))
        })
        .collect();
    send();
    let mut all = Vec::new();
    let mut closes = 0;
    for r in receivers {
        let (got, closed) = r.join().unwrap();
        all.extend(got);
        closes += usize::from(closed);
    }
    all.sort();
    (all, closes)
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

#[test]
fn many_blocking_receivers_share_messages_and_all_see_the_end() {
    // Fewer tasks (one message, one close) than waiters: only a close that
    // wakes every waiter lets them all return.
    shuttle::check_random(
        || {
            let (tx, rx) = MessageChannel::new().into_ports();
            let (all, closes) = collect_in_threads(rx, 3, move || {
                tx.post(&1).unwrap();
                drop(tx);
            });
            assert_eq!(all, [1], "the message exactly once");
            assert_eq!(closes, 1, "one close event, and every receiver returned");
        },
        ITERATIONS,
    );
}

#[test]
fn a_close_with_nothing_queued_wakes_every_waiter() {
    shuttle::check_pct(
        || {
            let (tx, rx) = MessageChannel::new().into_ports();
            let rx = Arc::new(rx);
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let rx = rx.clone();
                    thread::spawn(move || collect(&rx))
                })
                .collect();
            drop(tx);
            let closes: usize = receivers
                .into_iter()
                .map(|r| usize::from(r.join().unwrap().1))
                .sum();
            assert_eq!(closes, 1);
        },
        ITERATIONS,
        3,
    );
}

#[test]
fn async_receivers_and_a_cancelled_one_lose_no_wake_up() {
    // The quitter may be the waiter the message wakes; it leaves without
    // taking it. The port stays open until the other waiter reports the
    // message, so a wake-up that is not passed on is a deadlock here.
    shuttle::check_pct(
        || {
            let (tx, rx) = MessageChannel::new().into_ports();
            let rx = Arc::new(rx);
            let (report, reports) = shuttle::sync::mpsc::channel::<u32>();
            let quitter = {
                let (rx, report) = (rx.clone(), report.clone());
                thread::spawn(move || {
                    let waker = futures::task::noop_waker();
                    let mut cx = std::task::Context::from_waker(&waker);
                    let mut f = rx.recv_as::<u32>();
                    let first = std::pin::Pin::new(&mut f).poll(&mut cx);
                    drop(f);
                    if let std::task::Poll::Ready(Ok(Event::Message(m))) = first {
                        report.send(m.data).unwrap();
                    }
                })
            };
            let waiter = {
                let rx = rx.clone();
                thread::spawn(move || loop {
                    match shuttle::future::block_on(rx.recv_as::<u32>()) {
                        Ok(Event::Message(m)) => report.send(m.data).unwrap(),
                        Ok(Event::Close) => {}
                        Ok(other) => panic!("{other:?}"),
                        Err(_) => return,
                    }
                })
            };
            tx.post(&5).unwrap();
            assert_eq!(reports.recv().unwrap(), 5);
            drop(tx);
            quitter.join().unwrap();
            waiter.join().unwrap();
            assert!(reports.try_recv().is_err(), "delivered once");
        },
        ITERATIONS,
        3,
    );
}

use std::future::Future;

#[test]
fn an_event_loop_sees_every_task_in_order() {
    shuttle::check_random(
        || {
            let woken = Arc::new(shuttle::sync::atomic::AtomicUsize::new(0));
            let w = woken.clone();
            let el = EventLoop::new(move || {
                w.fetch_add(1, shuttle::sync::atomic::Ordering::SeqCst);
            });
            let (a1, a2) = MessageChannel::new().into_ports();
            let (b1, b2) = MessageChannel::new().into_ports();
            el.bind(&a2);
            el.bind(&b2);
            a2.start();
            b2.start();
            let ta = thread::spawn(move || {
                a1.post(&1).unwrap();
                a1.post(&2).unwrap();
            });
            let tb = thread::spawn(move || {
                b1.post(&10).unwrap();
            });
            let mut from_a = Vec::new();
            let mut from_b = Vec::new();
            let mut closes = 0;
            while closes < 2 {
                match el.next_task() {
                    Some((name, Event::Message(m))) => {
                        let v: u32 = msgport::clone::from_graph(&m.data).unwrap();
                        if name == a2.name() {
                            from_a.push(v)
                        } else {
                            from_b.push(v)
                        }
                    }
                    Some((_, Event::Close)) => closes += 1,
                    Some((_, other)) => panic!("{other:?}"),
                    None => thread::yield_now(),
                }
            }
            ta.join().unwrap();
            tb.join().unwrap();
            assert_eq!((from_a, from_b), (vec![1, 2], vec![10]));
            assert!(woken.load(shuttle::sync::atomic::Ordering::SeqCst) > 0);
        },
        ITERATIONS,
    );
}

#[test]
fn ready_resolves_once_the_peer_drains() {
    shuttle::check_random(
        || {
            let (tx, rx) = MessageChannel::new().into_ports();
            tx.set_high_water_mark(Some(16));
            let producer = thread::spawn(move || {
                for i in 0..4u32 {
                    shuttle::future::block_on(tx.ready());
                    tx.post(&format!("message {i:>10}")).unwrap();
                }
            });
            let mut got = 0;
            while got < 4 {
                match rx.recv_blocking_as::<String>(None) {
                    Ok(Event::Message(_)) => got += 1,
                    other => panic!("{other:?}"),
                }
            }
            producer.join().unwrap();
        },
        ITERATIONS,
    );
}

#[test]
fn broadcast_delivers_once_to_each_other_channel_and_close_wakes() {
    shuttle::check_random(
        || {
            let group = BroadcastGroup::new();
            let a = group.channel("n", "o");
            let b = Arc::new(group.channel("n", "o"));
            let c = group.channel("n", "o");
            let listener = {
                let b = b.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    while let Some(m) = b.recv_blocking(None) {
                        got.push(m.data_as::<u32>().unwrap());
                    }
                    got
                })
            };
            let poster = thread::spawn(move || {
                a.post(&1).unwrap();
                a
            });
            c.post(&2).unwrap();
            let _a = poster.join().unwrap();
            // Let the listener take what it can, then close it.
            thread::yield_now();
            b.close();
            let mut got = listener.join().unwrap();
            got.sort_unstable();
            // Closing drops undelivered messages (the standard's delivery
            // skips a closed channel): what arrived, arrived once.
            let n = got.len();
            got.dedup();
            assert_eq!(got.len(), n, "a broadcast delivered twice");
            assert!(got.iter().all(|v| [1, 2].contains(v)));
        },
        ITERATIONS,
    );
}

#[test]
fn merge_races_with_posts_and_a_close() {
    shuttle::check_random(
        || {
            let (x, a) = MessageChannel::new().into_ports();
            let (b, y) = MessageChannel::new().into_ports();
            let sx = thread::spawn(move || {
                for i in 0..3 {
                    x.post(&i).unwrap();
                }
                x.close();
            });
            let sy = thread::spawn(move || {
                for i in 10..13 {
                    y.post(&i).unwrap();
                }
                y
            });
            let m = thread::spawn(move || a.merge(b).unwrap());
            let y = sy.join().unwrap();
            m.join().unwrap();
            sx.join().unwrap();
            y.start();
            let (got, closed) = collect(&y);
            assert_eq!(got, [0, 1, 2], "x's messages reach y once, in order");
            assert!(closed, "then x's close");
        },
        ITERATIONS,
    );
}

#[test]
fn two_merges_sharing_a_port_chain_without_deadlock() {
    shuttle::check_random(
        || {
            // x ⇄ a   b ⇄ c   d ⇄ y: merging (a, b) and (c, d) at once
            // leaves x ⇄ y, whichever goes first.
            let (x, a) = MessageChannel::new().into_ports();
            let (b, c) = MessageChannel::new().into_ports();
            let (d, y) = MessageChannel::new().into_ports();
            let m1 = thread::spawn(move || a.merge(b).unwrap());
            let m2 = thread::spawn(move || c.merge(d).unwrap());
            x.post(&1).unwrap();
            m1.join().unwrap();
            m2.join().unwrap();
            x.post(&2).unwrap();
            assert_eq!(x.peer_name(), Some(y.name()));
            drop(x);
            y.start();
            assert_eq!(collect(&y), (vec![1, 2], true));
        },
        ITERATIONS,
    );
}

/// A wait hook built on shuttle's primitives: each thread sleeps on its
/// own token, set by the waker it was given (as msgport-ipc's link hook
/// sleeps on its thread's eventfd).
mod hooked {
    use shuttle::sync::{Condvar, Mutex};
    use std::sync::Arc as StdArc;
    use std::task::{Wake, Waker};
    use std::time::Instant;

    #[derive(Default)]
    pub struct Token {
        set: Mutex<bool>,
        cv: Condvar,
    }

    impl Wake for Token {
        fn wake(self: StdArc<Self>) {
            *self.set.lock().unwrap() = true;
            self.cv.notify_all();
        }
    }

    // shuttle's thread-locals: its threads share one OS thread.
    shuttle::thread_local! {
        static MINE: StdArc<Token> = StdArc::new(Token::default());
    }

    pub struct Hook;

    impl msgport::WaitHook for Hook {
        fn waker(&self) -> Waker {
            Waker::from(MINE.with(StdArc::clone))
        }
        fn wait(&self, _: Option<Instant>) {
            let t = MINE.with(StdArc::clone);
            let mut set = t.set.lock().unwrap();
            while !*set {
                set = t.cv.wait(set).unwrap();
            }
            *set = false;
        }
    }
}

#[test]
fn hooked_receivers_lose_no_wake_up() {
    // Two receivers wait through the peer's hook (a lost wake-up is a
    // deadlock shuttle reports): every message once, one close, all return.
    shuttle::check_random(
        || {
            let (tx, rx) = MessageChannel::new().into_ports();
            tx.set_wait_hook(Some(std::sync::Arc::new(hooked::Hook)));
            let (all, closes) = collect_in_threads(rx, 2, move || {
                for i in 0..3 {
                    tx.post(&i).unwrap();
                }
                drop(tx);
            });
            assert_eq!(all, [0, 1, 2], "each message exactly once");
            assert_eq!(closes, 1);
        },
        ITERATIONS,
    );
}
