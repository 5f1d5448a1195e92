//! Many receivers on one port: threads, tokio tasks and both at once. Each
//! message reaches exactly one receiver, every receiver learns of the
//! close, no wake-up is lost when a receiver leaves (timeout, a dropped
//! future), and a port bound to an event loop is received by the loop alone.

use futures::task::{waker, ArcWake};
use msgport::{Event, EventLoop, MessageChannel, MessagePort, RecvError};
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::time::Duration;

/// Receives on `port` until it can receive nothing more; returns the
/// messages and how the wait ended.
fn drain(port: &MessagePort) -> (Vec<u32>, Option<RecvError>, bool) {
    let mut got = Vec::new();
    let mut closed = false;
    loop {
        match port.recv_blocking_as::<u32>(None) {
            Ok(Event::Message(m)) => got.push(m.data),
            Ok(Event::Close) => closed = true,
            Ok(other) => panic!("{other:?}"),
            Err(e) => return (got, Some(e), closed),
        }
    }
}

#[test]
fn four_threads_on_one_port_share_the_messages_and_all_see_the_end() {
    for round in 0..20 {
        let (tx, rx) = MessageChannel::new().into_ports();
        let rx = Arc::new(rx);
        let start = Arc::new(Barrier::new(5));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (rx, start) = (rx.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    drain(&rx)
                })
            })
            .collect();
        start.wait();
        let n = 2_000u32;
        for i in 0..n {
            tx.post(&i).unwrap();
            if round % 2 == 0 && i % 500 == 0 {
                // Let the receivers park, so that wake-ups are exercised.
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        drop(tx);
        let mut all = Vec::new();
        let mut closes = 0;
        for t in threads {
            let (got, end, closed) = t.join().unwrap();
            assert_eq!(end, Some(RecvError::Disentangled));
            closes += usize::from(closed);
            all.extend(got);
        }
        assert_eq!(closes, 1, "the close event reaches exactly one receiver");
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>(), "each message exactly once");
    }
}

#[test]
fn threads_waiting_with_timeouts_all_return_at_close() {
    let (tx, rx) = MessageChannel::new().into_ports();
    let rx = Arc::new(rx);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || loop {
                match rx.recv_timeout(Duration::from_secs(30)) {
                    Ok(Event::Close) => continue,
                    Ok(_) => panic!("no message was sent"),
                    Err(e) => return e,
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(20));
    let t0 = std::time::Instant::now();
    drop(tx);
    for t in threads {
        assert_eq!(t.join().unwrap(), RecvError::Disentangled);
    }
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "woken at close, not at the timeout"
    );
}

#[test]
fn closing_the_receiving_port_wakes_every_waiter() {
    let (_tx, rx) = MessageChannel::new().into_ports();
    let rx = Arc::new(rx);
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || rx.recv_blocking(None).unwrap_err())
        })
        .collect();
    std::thread::sleep(Duration::from_millis(20));
    rx.close();
    for t in threads {
        assert_eq!(t.join().unwrap(), RecvError::Detached);
    }
}

#[test]
fn a_receiver_that_times_out_leaves_no_stale_entry() {
    // Receivers that timed out must not absorb the wake-up of a later one.
    let (tx, rx) = MessageChannel::new().into_ports();
    let rx = Arc::new(rx);
    for _ in 0..3 {
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(2)).unwrap_err(),
            RecvError::Timeout
        );
    }
    let r2 = rx.clone();
    let waiter = std::thread::spawn(move || r2.recv_timeout_as::<u32>(Duration::from_secs(30)));
    std::thread::sleep(Duration::from_millis(20));
    tx.post(&9u32).unwrap();
    assert!(matches!(waiter.join().unwrap(), Ok(Event::Message(m)) if m.data == 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tokio_tasks_on_one_port() {
    let (tx, rx) = MessageChannel::new().into_ports();
    let rx = Arc::new(rx);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let mut closes = 0;
                loop {
                    match rx.recv_as::<u32>().await {
                        Ok(Event::Message(m)) => got.push(m.data),
                        Ok(Event::Close) => closes += 1,
                        Ok(other) => panic!("{other:?}"),
                        Err(e) => return (got, closes, e),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let n = 5_000u32;
    for i in 0..n {
        tx.post(&i).unwrap();
        if i % 1000 == 0 {
            tokio::task::yield_now().await;
        }
    }
    drop(tx);
    let mut all = Vec::new();
    let mut closes = 0;
    for t in tasks {
        let (got, c, end) = tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .expect("a task hung")
            .unwrap();
        assert_eq!(end, RecvError::Disentangled);
        closes += c;
        all.extend(got);
    }
    assert_eq!(closes, 1);
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recv_in_select_loses_nothing() {
    // `recv()` raced against a timer that often wins: the dropped futures
    // must neither lose a message nor strand one.
    let (tx, rx) = MessageChannel::new().into_ports();
    let n = 3_000u32;
    let producer = std::thread::spawn(move || {
        for i in 0..n {
            tx.post(&i).unwrap();
            if i % 64 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
            // Now and then a gap longer than tokio's timer resolution
            // (1 ms), so that the timer does win: the test is about the
            // futures it drops.
            if i % 512 == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    });
    let mut got = Vec::new();
    let mut timeouts = 0u32;
    while got.len() < n as usize {
        tokio::select! {
            ev = rx.recv_as::<u32>() => match ev {
                Ok(Event::Message(m)) => got.push(m.data),
                other => panic!("{other:?}"),
            },
            _ = tokio::time::sleep(Duration::from_micros(50)) => timeouts += 1,
        }
    }
    producer.join().unwrap();
    assert_eq!(got, (0..n).collect::<Vec<_>>(), "in order, none lost");
    assert!(timeouts > 0, "the timer branch must have won sometimes");
}

struct Flag(AtomicUsize);
impl ArcWake for Flag {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_woken_future_dropped_unpolled_passes_its_wake_up_on() {
    let (tx, rx) = MessageChannel::new().into_ports();
    let (fa, fb) = (
        Arc::new(Flag(AtomicUsize::new(0))),
        Arc::new(Flag(AtomicUsize::new(0))),
    );
    let (wa, wb) = (waker(fa.clone()), waker(fb.clone()));
    let mut a = rx.recv();
    let mut b = rx.recv();
    assert!(Pin::new(&mut a)
        .poll(&mut Context::from_waker(&wa))
        .is_pending());
    assert!(Pin::new(&mut b)
        .poll(&mut Context::from_waker(&wb))
        .is_pending());
    tx.post(&1).unwrap();
    // One message wakes one waiter: the oldest.
    assert_eq!(
        (fa.0.load(Ordering::SeqCst), fb.0.load(Ordering::SeqCst)),
        (1, 0)
    );
    drop(a); // cancelled without taking the message
    assert_eq!(fb.0.load(Ordering::SeqCst), 1, "the wake-up passed on to b");
    match Pin::new(&mut b).poll(&mut Context::from_waker(&wb)) {
        Poll::Ready(Ok(Event::Message(_))) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_port_bound_to_an_event_loop_is_received_by_the_loop_alone() {
    let (tx, rx) = MessageChannel::new().into_ports();
    let rx = Arc::new(rx);
    let r2 = rx.clone();
    let blocked = std::thread::spawn(move || r2.recv_blocking(None));
    std::thread::sleep(Duration::from_millis(20));
    let el = EventLoop::new(|| {});
    el.bind(&rx);
    // The blocked receiver learns it can no longer receive.
    assert_eq!(blocked.join().unwrap().unwrap_err(), RecvError::BoundToLoop);
    tx.post(&1).unwrap();
    assert_eq!(rx.try_recv().unwrap_err(), RecvError::BoundToLoop);
    assert_eq!(
        futures::executor::block_on(rx.recv()).unwrap_err(),
        RecvError::BoundToLoop
    );
    // Nothing was taken behind the loop's back.
    assert!(matches!(el.next_task(), Some((_, Event::Message(_)))));
}

#[test]
fn threads_and_tasks_mixed_with_random_timeouts() {
    use rand::{rngs::SmallRng, Rng, SeedableRng};
    let (tx, rx) = MessageChannel::new().into_ports();
    let rx = Arc::new(rx);
    let n = 20_000u32;
    let mut handles = Vec::new();
    for t in 0..4u64 {
        let rx = rx.clone();
        handles.push(std::thread::spawn(move || {
            let mut rng = SmallRng::seed_from_u64(t);
            let mut got = Vec::new();
            loop {
                let ev = if t % 2 == 0 {
                    rx.recv_timeout_as::<u32>(Duration::from_micros(rng.random_range(1..300)))
                } else {
                    futures::executor::block_on(rx.recv_as::<u32>())
                };
                match ev {
                    Ok(Event::Message(m)) => got.push(m.data),
                    Ok(Event::Close) | Err(RecvError::Timeout) => {}
                    Ok(other) => panic!("{other:?}"),
                    Err(_) => return got,
                }
            }
        }));
    }
    for i in 0..n {
        tx.post(&i).unwrap();
    }
    drop(tx);
    let mut all = HashSet::new();
    for h in handles {
        for m in h.join().unwrap() {
            assert!(all.insert(m), "{m} delivered twice");
        }
    }
    assert_eq!(all.len(), n as usize);
}

#[test]
fn a_port_in_a_thread_local_is_dropped_at_thread_exit_without_a_panic() {
    // Found by fuzzing: the lock-order check of debug builds read its own
    // thread-local while the thread's locals were being torn down.
    thread_local! {
        static KEPT: std::cell::RefCell<Option<MessagePort>> = const { std::cell::RefCell::new(None) };
    }
    let (here, there) = MessageChannel::new().into_ports();
    let t = std::thread::spawn(move || {
        // Registered before any lock is taken on this thread, so torn down
        // after the lock-order check's own local.
        KEPT.with(|k| k.borrow_mut().replace(there));
        let (a, _b) = MessageChannel::new().into_ports();
        a.post(&1).unwrap();
    });
    t.join().expect("the thread ended cleanly");
    // The port kept there was closed when the thread went.
    assert!(matches!(
        here.recv_timeout(Duration::from_secs(5)),
        Ok(Event::Close)
    ));
}
