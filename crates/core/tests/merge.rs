//! `MessagePort::merge`: two routes become one (what a link between
//! processes does when a port comes back to the process of its peer).

use msgport::{Event, EventLoop, MergeError, MessageChannel, MessagePort, RecvError, Transfer};
use msgport_clone::{Graph, HostObject, Object, Value};
use std::time::Duration;

/// Receives until nothing more can come; the numbers, and whether `close`
/// came.
fn drain(port: &MessagePort) -> (Vec<u64>, bool) {
    port.start();
    let mut got = Vec::new();
    loop {
        match port.recv_blocking_as::<u64>(Some(Duration::from_secs(20))) {
            Ok(Event::Message(m)) => got.push(m.data),
            Ok(Event::Close) => return (got, true),
            Err(RecvError::Disentangled) | Err(RecvError::Detached) => return (got, false),
            other => panic!("{other:?}"),
        }
    }
}

/// A message that is the first transferred port.
fn one_port() -> Graph {
    let mut g = Graph::default();
    let h = g.alloc(Object::Host(HostObject::Transferred(0)));
    g.root = Value::Object(h);
    g
}

/// Two channels: x ⇄ a, b ⇄ y.
fn two() -> (MessagePort, MessagePort, MessagePort, MessagePort) {
    let (x, a) = MessageChannel::new().into_ports();
    let (b, y) = MessageChannel::new().into_ports();
    (x, a, b, y)
}

#[test]
fn what_was_queued_and_what_comes_after_arrive_once_in_order_both_ways() {
    let (x, a, b, y) = two();
    for i in 0..5 {
        x.post(&i).unwrap();
        y.post(&(100 + i)).unwrap();
    }
    a.merge(b).unwrap();
    for i in 5..10 {
        x.post(&i).unwrap();
        y.post(&(100 + i)).unwrap();
    }
    assert_eq!(x.peer_name(), Some(y.name()));
    assert_eq!(y.peer_name(), Some(x.name()));
    x.close();
    let (got, closed) = drain(&y);
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    assert!(closed, "x's close reaches y, after its messages");
    let (got, _) = drain(&x);
    assert_eq!(got, (100..110).collect::<Vec<_>>());
}

#[test]
fn posts_racing_with_the_merge_from_both_sides_lose_nothing() {
    for round in 0..20 {
        let (x, a, b, y) = two();
        const N: u64 = 20_000;
        let tx = std::thread::spawn(move || {
            for i in 0..N {
                x.post(&i).unwrap();
            }
            x
        });
        let ty = std::thread::spawn(move || {
            for i in 0..N {
                y.post(&(N + i)).unwrap();
            }
            y
        });
        // Let some of each go before the merge, more in some rounds.
        std::thread::sleep(Duration::from_micros(50 * round));
        a.merge(b).unwrap();
        let x = tx.join().unwrap();
        let y = ty.join().unwrap();
        // Read with a timeout-free check: everything is queued by now.
        x.close();
        let (got, closed) = drain(&y);
        assert_eq!(got.len() as u64, N, "round {round}");
        assert!(got.iter().copied().eq(0..N), "round {round}: out of order");
        assert!(closed);
        let (got, _) = drain(&x);
        assert!(got.iter().copied().eq(N..2 * N), "round {round}");
    }
}

#[test]
fn a_peer_closed_before_the_merge_gives_the_other_its_messages_then_close() {
    let (x, a, b, y) = two();
    x.post(&1).unwrap();
    x.post(&2).unwrap();
    x.close();
    y.post(&9).unwrap(); // reaches nobody: x is gone
    a.merge(b).unwrap();
    assert_eq!(drain(&y), (vec![1, 2], true));
    assert_eq!(y.peer_name(), None);
    // The other way: y gone.
    let (x, a, b, y) = two();
    y.post(&7).unwrap();
    drop(y);
    a.merge(b).unwrap();
    assert_eq!(drain(&x), (vec![7], true));
    // Both gone: nothing is left, nothing hangs.
    let (x, a, b, y) = two();
    drop((x, y));
    a.merge(b).unwrap();
}

#[test]
fn closes_racing_with_the_merge_reach_the_other_side_exactly_once() {
    for round in 0..200 {
        let (x, a, b, y) = two();
        let tx = std::thread::spawn(move || {
            for i in 0..50u64 {
                x.post(&i).unwrap();
            }
            x.close();
        });
        if round % 2 == 0 {
            std::thread::yield_now();
        }
        a.merge(b).unwrap();
        tx.join().unwrap();
        let (got, closed) = drain(&y);
        assert!(got.iter().copied().eq(0..50), "round {round}: {got:?}");
        assert!(closed, "round {round}: the close must arrive");
        assert_eq!(y.peer_name(), None);
    }
}

#[test]
fn two_ends_of_one_channel_merge_into_nothing() {
    let (a, b) = MessageChannel::new().into_ports();
    a.post(&1).unwrap();
    a.merge(b).unwrap();
}

#[test]
fn a_detached_port_cannot_be_merged() {
    let (x, a, b, y) = two();
    let (c1, c2) = MessageChannel::new().into_ports();
    // Transfer a away: its handle is dead.
    let mut g = one_port();
    c1.post_message(&mut g, &[Transfer::Port(&a)]).unwrap();
    assert_eq!(a.merge(b), Err(MergeError::Detached));
    // b was closed with the failed merge: y learns it.
    assert_eq!(drain(&y), (vec![], true));
    drop((x, c2));
}

#[test]
fn a_port_in_flight_during_the_merge_posts_to_its_new_peer_once_received() {
    let (x, a, b, y) = two();
    let (c1, c2) = MessageChannel::new().into_ports();
    // x travels inside a message while the merge runs.
    let mut g = one_port();
    c1.post_message(&mut g, &[Transfer::Port(&x)]).unwrap();
    a.merge(b).unwrap();
    let Event::Message(m) = c2.recv_blocking(None).unwrap() else {
        panic!()
    };
    let x2 = m.ports.into_iter().next().unwrap();
    x2.post(&5).unwrap();
    y.post(&6).unwrap();
    assert_eq!(x2.peer_name(), Some(y.name()));
    drop(x2);
    assert_eq!(drain(&y), (vec![5], true));
}

#[test]
fn merges_chain_and_a_stale_handle_still_reaches_the_newest_peer() {
    let (x, a, b, y) = two();
    a.merge(b).unwrap();
    // Now merge y's route on: y ⇄ ... is x's; make a second channel whose
    // end takes x's place as the peer of z.
    let (c, z) = MessageChannel::new().into_ports();
    y.merge(c).unwrap();
    x.post(&1).unwrap();
    z.post(&2).unwrap();
    assert_eq!(x.peer_name(), Some(z.name()));
    drop(x);
    assert_eq!(drain(&z), (vec![1], true));
}

#[test]
fn a_peer_bound_to_an_event_loop_is_woken_for_what_the_merge_moves() {
    let (x, a, b, y) = two();
    let woken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let w = woken.clone();
    let lp = EventLoop::new(move || {
        w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    lp.bind(&y);
    y.start();
    x.post(&3).unwrap();
    assert!(lp.next_task().is_none(), "still queued at a");
    a.merge(b).unwrap();
    assert!(woken.load(std::sync::atomic::Ordering::SeqCst) > 0);
    assert!(lp.next_task().is_some(), "moved to y");
}

#[test]
fn a_sender_waiting_for_the_old_peer_to_drain_waits_on_the_new_one() {
    let (x, a, b, y) = two();
    x.set_high_water_mark(Some(100));
    x.post(&"m".repeat(500)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let ready = x.ready();
        tokio::pin!(ready);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), &mut ready)
                .await
                .is_err(),
            "500 bytes are queued at a"
        );
        a.merge(b).unwrap();
        // The bytes moved to y: still over the mark.
        assert_eq!(x.peer_queued().1, y.queued().1);
        assert!(x.peer_queued().1 >= 500);
        y.start();
        let _ = y.try_recv().unwrap();
        tokio::time::timeout(Duration::from_secs(5), ready)
            .await
            .expect("ready once y drained");
    });
}

#[test]
fn after_a_merge_the_new_peer_in_the_transfer_list_dooms_the_message() {
    let (x, a, b, y) = two();
    a.merge(b).unwrap();
    // x's handle was made before the merge; its peer is y now, and y in
    // the transfer list makes the post a no-op that closes y
    // (`#message-port-post-message-steps` step 4).
    let mut g = one_port();
    x.post_message(&mut g, &[Transfer::Port(&y)]).unwrap();
    assert!(y.is_detached());
    assert_eq!(
        drain(&x),
        (vec![], true),
        "y closed with the dropped message"
    );
}
