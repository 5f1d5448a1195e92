//! The standard's rules for channels and ports
//! (<https://html.spec.whatwg.org/multipage/web-messaging.html#channel-messaging>)
//! that are observable outside JavaScript. The item numbers in the test
//! names count those rules in the order the standard gives them (channels,
//! posting, the port message queue, transfer, close, messageerror).

use msgport::clone::{ArrayBuffer, Graph, HostObject, Object, ObjectId, Value};
use msgport::{
    CloneError, Event, EventLoop, MessageChannel, MessagePort, PortCollection, RecvError, Transfer,
};
use std::time::Duration;

fn text(port: &MessagePort) -> Option<String> {
    match port.try_recv_as::<String>().unwrap() {
        Some(Event::Message(m)) => Some(m.data),
        Some(other) => panic!("expected a message, got {other:?}"),
        None => None,
    }
}

fn recv_text(port: &MessagePort) -> String {
    match port
        .recv_blocking_as::<String>(Some(Duration::from_secs(10)))
        .unwrap()
    {
        Event::Message(m) => m.data,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// A message carrying `n` ports as `{ports: [p0, p1, …]}`.
fn ports_message(n: u32) -> Graph {
    let mut g = Graph::default();
    let hs: Vec<Value> = (0..n)
        .map(|i| Value::Object(g.alloc(Object::Host(HostObject::Transferred(i)))))
        .collect();
    let arr = g.array(hs);
    g.root = Value::Object(g.object(vec![("ports".into(), Value::Object(arr))]));
    g
}

fn take_ports(port: &MessagePort) -> Vec<MessagePort> {
    match port.recv_blocking(Some(Duration::from_secs(10))).unwrap() {
        Event::Message(m) => m.ports,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn item_1_2_channel_has_two_distinct_entangled_ports() {
    let ch = MessageChannel::new();
    assert_ne!(ch.port1.name(), ch.port2.name());
    assert!(ch.port1.is_entangled() && ch.port2.is_entangled());
    assert!(!ch.port1.is_detached() && !ch.port1.has_been_shipped());
}

#[test]
fn item_7_14_messages_go_to_the_peer_in_fifo_order() {
    let ch = MessageChannel::new();
    for i in 0..100 {
        ch.port1.post(&format!("m{i}")).unwrap();
    }
    assert_eq!(text(&ch.port1), None, "never to the sender itself");
    for i in 0..100 {
        assert_eq!(recv_text(&ch.port2), format!("m{i}"));
    }
    // And the other direction.
    ch.port2.post(&"back").unwrap();
    assert_eq!(recv_text(&ch.port1), "back");
}

#[test]
fn item_8_9_12_queue_is_disabled_until_started() {
    let ch = MessageChannel::new();
    let el = EventLoop::new(|| {});
    el.bind(&ch.port2);
    ch.port1.post(&"a").unwrap();
    ch.port1.post(&"b").unwrap();
    // Bound but not started: the loop releases nothing.
    assert!(el.next_task().is_none());
    ch.port2.start();
    ch.port2.start(); // twice is harmless
    let got: Vec<String> = std::iter::from_fn(|| el.next_task())
        .map(|(_, e)| match e {
            Event::Message(m) => msgport::clone::from_graph(&m.data).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        ["a", "b"],
        "posted before start, delivered after, in order, once"
    );
    assert!(el.next_task().is_none());
}

#[test]
fn item_15_global_posting_order_across_unshipped_ports() {
    let el = EventLoop::new(|| {});
    let chans: Vec<MessageChannel> = (0..4).map(|_| MessageChannel::new()).collect();
    for c in &chans {
        el.bind(&c.port2);
        c.port2.start();
    }
    let mut expected = Vec::new();
    for i in 0..40usize {
        let c = &chans[(i * 7) % 4];
        c.port1.post(&i).unwrap();
        expected.push(c.port2.name());
    }
    let got: Vec<_> = std::iter::from_fn(|| el.next_task())
        .map(|(n, _)| n)
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn item_21_data_is_a_deep_copy() {
    let ch = MessageChannel::new();
    let mut g = Graph::default();
    let o = g.object(vec![("x".into(), Value::from(1))]);
    g.root = Value::Object(o);
    ch.port1.post_message(&mut g, &[]).unwrap();
    g.set_property(o, "x", Value::from(2));
    let Event::Message(m) = ch.port2.recv_blocking(None).unwrap() else {
        panic!()
    };
    let Value::Object(r) = m.data.root else {
        panic!()
    };
    assert_eq!(m.data.property(r, "x"), Some(&Value::from(1)));
}

#[test]
fn item_22_25_26_transferred_port_talks_to_its_old_peer_and_the_original_is_dead() {
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    carrier
        .port1
        .post_message(&mut ports_message(1), &[Transfer::Port(&ch.port2)])
        .unwrap();
    // The sender's handle is dead at once.
    assert!(ch.port2.is_detached());
    ch.port2.post(&"from the dead handle").unwrap();
    assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Detached);
    let moved = take_ports(&carrier.port2).pop().unwrap();
    assert_eq!(moved.name(), ch.port2.name(), "same port, new handle");
    assert!(moved.has_been_shipped() && ch.port1.has_been_shipped());
    ch.port1.post(&"to moved").unwrap();
    assert_eq!(recv_text(&moved), "to moved");
    moved.post(&"from moved").unwrap();
    assert_eq!(recv_text(&ch.port1), "from moved");
    assert_eq!(
        text(&ch.port1),
        None,
        "the dead handle's post reached nobody"
    );
}

#[test]
fn item_23_24_ports_keep_transfer_list_order_and_identity() {
    let carrier = MessageChannel::new();
    let (a, b, c) = (
        MessageChannel::new(),
        MessageChannel::new(),
        MessageChannel::new(),
    );
    let mut g = ports_message(3);
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![1, 2, 3])));
    let names = [a.port1.name(), b.port1.name(), c.port1.name()];
    carrier
        .port1
        .post_message(
            &mut g,
            &[
                Transfer::Port(&a.port1),
                Transfer::ArrayBuffer(buf),
                Transfer::Port(&b.port1),
                Transfer::Port(&c.port1),
            ],
        )
        .unwrap();
    let Event::Message(m) = carrier.port2.recv_blocking(None).unwrap() else {
        panic!()
    };
    assert_eq!(
        m.ports.iter().map(|p| p.name()).collect::<Vec<_>>(),
        names,
        "only ports, in order"
    );
    // data.ports[i] refers to event.ports[i].
    let Value::Object(root) = m.data.root else {
        panic!()
    };
    let Some(Value::Object(arr)) = m.data.property(root, "ports") else {
        panic!()
    };
    for i in 0..3u32 {
        let Some(Value::Object(h)) = m.data.property(*arr, i) else {
            panic!()
        };
        assert_eq!(
            m.data.get(*h),
            Some(&Object::Host(HostObject::Transferred(i)))
        );
    }
}

#[test]
fn item_27_30_31_33_transfer_list_errors() {
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    // 31: the source port in its own list; nothing is detached.
    let mut g = Graph::default();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![7])));
    let e = carrier
        .port1
        .post_message(
            &mut g,
            &[Transfer::ArrayBuffer(buf), Transfer::Port(&carrier.port1)],
        )
        .unwrap_err();
    assert_eq!(e, msgport::PostError::SourcePort);
    assert!(matches!(g.get(buf), Some(Object::ArrayBuffer(b)) if !b.detached));
    assert!(!carrier.port1.is_detached());
    // 33: duplicates.
    let e = carrier
        .port1
        .post_message(
            &mut Graph::default(),
            &[Transfer::Port(&ch.port1), Transfer::Port(&ch.port1)],
        )
        .unwrap_err();
    assert_eq!(e, CloneError::DuplicateTransfer { index: 1 });
    assert!(!ch.port1.is_detached());
    // 30: a port in the value but not in the list.
    let e = carrier
        .port1
        .post_message(&mut ports_message(1), &[])
        .unwrap_err();
    assert_eq!(e, CloneError::MissingTransfer(0));
    // 27: re-transferring a transferred port.
    carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port1)])
        .unwrap();
    let e = carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port1)])
        .unwrap_err();
    assert_eq!(e, CloneError::DetachedTransfer { index: 0 });
}

#[test]
fn item_32_target_port_in_transfer_list_drops_the_message_but_detaches() {
    let ch = MessageChannel::new();
    let mut g = Graph::default();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![1, 2])));
    g.root = Value::Object(buf);
    ch.port1
        .post_message(
            &mut g,
            &[Transfer::ArrayBuffer(buf), Transfer::Port(&ch.port2)],
        )
        .unwrap();
    assert!(matches!(g.get(buf), Some(Object::ArrayBuffer(b)) if b.detached));
    assert!(ch.port2.is_detached());
    // The channel is lost: the shipped port was dropped with the message, so
    // port1 gets `close` and never the message.
    match ch
        .port1
        .recv_blocking(Some(Duration::from_secs(10)))
        .unwrap()
    {
        Event::Close => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn item_28_29_queued_messages_follow_the_port_and_it_starts_disabled() {
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    let el = EventLoop::new(|| {});
    el.bind(&ch.port2);
    ch.port2.start();
    ch.port1.post(&"queued 1").unwrap();
    ch.port1.post(&"queued 2").unwrap();
    // Transfer port2 with its two queued messages.
    carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port2)])
        .unwrap();
    ch.port1.post(&"in flight").unwrap();
    assert!(el.next_task().is_none(), "the old loop no longer owns it");
    let moved = take_ports(&carrier.port2).pop().unwrap();
    let el2 = EventLoop::new(|| {});
    el2.bind(&moved);
    assert!(
        el2.next_task().is_none(),
        "the received port's queue starts disabled"
    );
    moved.start();
    let got: Vec<String> = std::iter::from_fn(|| el2.next_task())
        .map(|(_, e)| match e {
            Event::Message(m) => msgport::clone::from_graph(&m.data).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, ["queued 1", "queued 2", "in flight"]);
}

#[test]
fn item_38_transferred_buffer_is_detached_and_arrives_whole() {
    let ch = MessageChannel::new();
    let mut g = Graph::default();
    let data: Vec<u8> = (0..=255).collect();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(data.clone())));
    g.root = Value::Object(buf);
    ch.port1
        .post_message(&mut g, &[Transfer::ArrayBuffer(buf)])
        .unwrap();
    assert!(matches!(g.get(buf), Some(Object::ArrayBuffer(b)) if b.detached && b.data.is_empty()));
    let Event::Message(m) = ch.port2.recv_blocking(None).unwrap() else {
        panic!()
    };
    let Value::Object(id) = m.data.root else {
        panic!()
    };
    assert!(matches!(m.data.get(id), Some(Object::ArrayBuffer(b)) if b.data == data));
}

#[test]
fn item_41_42_45_47_53_close_fires_once_at_the_peer_only() {
    let ch = MessageChannel::new();
    ch.port1.close();
    ch.port1.close(); // twice: nothing more
    assert!(ch.port1.is_detached());
    // Posting either way does not fail and delivers nothing.
    ch.port2.post(&"to closed").unwrap();
    ch.port1.post(&"from closed").unwrap();
    match ch
        .port2
        .recv_blocking(Some(Duration::from_secs(5)))
        .unwrap()
    {
        Event::Close => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Disentangled);
    assert_eq!(
        ch.port1.try_recv().unwrap_err(),
        RecvError::Detached,
        "no close event at the closing side"
    );
    // Closing a disentangled port fires nothing anywhere.
    ch.port2.close();
    assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Detached);
}

#[test]
fn item_43_44_messages_in_flight_survive_a_close() {
    let ch = MessageChannel::new();
    ch.port1.post(&"one").unwrap();
    ch.port1.post(&"two").unwrap();
    ch.port1.close();
    // The receiver gets both, then close.
    assert_eq!(recv_text(&ch.port2), "one");
    assert_eq!(recv_text(&ch.port2), "two");
    assert!(matches!(
        ch.port2.recv_blocking(None).unwrap(),
        Event::Close
    ));
    // Closing the receiving side while messages are queued there keeps them.
    let ch = MessageChannel::new();
    ch.port1.post(&"a").unwrap();
    ch.port1.post(&"b").unwrap();
    assert_eq!(recv_text(&ch.port2), "a");
    ch.port2.close(); // as if inside onmessage
    assert_eq!(recv_text(&ch.port2), "b");
    assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Detached);
}

#[test]
fn item_48_49_closed_ports_cannot_move_but_orphans_can() {
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    ch.port1.close();
    let e = carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port1)])
        .unwrap_err();
    assert_eq!(e, CloneError::DetachedTransfer { index: 0 });
    // port2's peer is closed: port2 may still be transferred; it has no peer.
    carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port2)])
        .unwrap();
    let moved = take_ports(&carrier.port2).pop().unwrap();
    assert!(!moved.is_entangled());
    moved.post(&"nowhere").unwrap();
    // Its queue still holds the close event it had, then nothing.
    assert!(matches!(moved.recv_blocking(None).unwrap(), Event::Close));
    assert_eq!(moved.try_recv().unwrap_err(), RecvError::Disentangled);
}

#[test]
fn item_50_51_posting_to_a_closed_peer_still_serializes_and_detaches() {
    let ch = MessageChannel::new();
    ch.port2.close();
    // An uncloneable value still fails.
    let mut bad = Graph::new(Value::Object(ObjectId(5)));
    assert!(ch.port1.post_message(&mut bad, &[]).is_err());
    // Transferred buffers are still detached.
    let mut g = Graph::default();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![1])));
    ch.port1
        .post_message(&mut g, &[Transfer::ArrayBuffer(buf)])
        .unwrap();
    assert!(matches!(g.get(buf), Some(Object::ArrayBuffer(b)) if b.detached));
}

#[test]
fn item_52_dropping_a_port_fires_close_at_its_peer() {
    let ch = MessageChannel::new();
    let (a, b) = ch.into_ports();
    a.post(&"last words").unwrap();
    drop(a);
    assert_eq!(recv_text(&b), "last words");
    assert!(matches!(b.recv_blocking(None).unwrap(), Event::Close));
    // A port shipped in a message that is never received closes as well.
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port2)])
        .unwrap();
    drop(carrier); // the message (and the shipped port in it) is dropped
    assert!(matches!(
        ch.port1
            .recv_blocking(Some(Duration::from_secs(5)))
            .unwrap(),
        Event::Close
    ));
}

#[test]
fn item_54_55_messageerror_then_later_messages_still_flow() {
    let ch = MessageChannel::new();
    // Bytes that StructuredDeserialize cannot read: messageerror.
    ch.port1.post_serialized(vec![0xFF, 0x0F, b'o', 0x22]);
    // A valid message whose value is not a u32: given back, not lost.
    ch.port1.post(&"not a number").unwrap();
    ch.port1.post(&7u32).unwrap();
    match ch.port2.recv_blocking_as::<u32>(None).unwrap() {
        Event::MessageError(e) => assert!(matches!(e, CloneError::Truncated(_)), "{e:?}"),
        other => panic!("{other:?}"),
    }
    match ch.port2.recv_blocking_as::<u32>(None).unwrap() {
        Event::Mismatch(m) => {
            assert!(matches!(m.error(), CloneError::Custom(_)));
            assert!(matches!(m.read_as::<String>(), Event::Message(s) if s.data == "not a number"));
        }
        other => panic!("{other:?}"),
    }
    match ch.port2.recv_blocking_as::<u32>(None).unwrap() {
        Event::Message(m) => assert_eq!(m.data, 7),
        other => panic!("{other:?}"),
    }
}

#[test]
fn recv_blocking_times_out_and_wakes_on_close_from_another_thread() {
    let ch = MessageChannel::new();
    assert_eq!(
        ch.port2
            .recv_blocking(Some(Duration::from_millis(20)))
            .unwrap_err(),
        RecvError::Timeout
    );
    let (a, b) = ch.into_ports();
    let t = std::thread::spawn(move || b.recv_blocking(None).map(|e| matches!(e, Event::Close)));
    std::thread::sleep(Duration::from_millis(100));
    drop(a);
    assert_eq!(t.join().unwrap(), Ok(true));
}

#[test]
fn a_blocked_receiver_learns_its_handle_was_closed() {
    let ch = MessageChannel::new();
    let (a, b) = ch.into_ports();
    let b = std::sync::Arc::new(b);
    let b2 = b.clone();
    let t = std::thread::spawn(move || b2.recv_blocking(None).map(|_| ()));
    std::thread::sleep(Duration::from_millis(100));
    b.close();
    assert_eq!(t.join().unwrap(), Err(RecvError::Detached));
    drop(a);
}

#[test]
fn async_recv_and_stream() {
    use futures::StreamExt;
    let ch = MessageChannel::new();
    let (a, b) = ch.into_ports();
    let t = std::thread::spawn(move || {
        for i in 0..100u32 {
            a.post(&i).unwrap();
        }
    });
    let got: Vec<u32> = futures::executor::block_on(async {
        let mut s = b.recv_as::<u32>();
        let mut got = Vec::new();
        while let Some(Event::Message(m)) = s.next().await {
            got.push(m.data);
        }
        got
    });
    t.join().unwrap();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn backpressure_counts_and_ready() {
    let ch = MessageChannel::new();
    assert_eq!(ch.port1.peer_queued(), (0, 0));
    ch.port1.post(&"x".repeat(100)).unwrap();
    ch.port1.post(&"y".repeat(100)).unwrap();
    let (n, bytes) = ch.port1.peer_queued();
    assert_eq!(n, 2);
    assert!(bytes >= 200, "{bytes}");
    assert_eq!(ch.port2.queued(), (n, bytes));
    // With no mark, ready() resolves at once; with a mark above, too.
    futures::executor::block_on(ch.port1.ready());
    ch.port1.set_high_water_mark(Some(1000));
    futures::executor::block_on(ch.port1.ready());
    // Under the mark it waits until the receiver drains.
    ch.port1.set_high_water_mark(Some(150));
    let (a, b) = ch.into_ports();
    let drainer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        while let Ok(Some(_)) = b.try_recv() {}
        b
    });
    futures::executor::block_on(a.ready());
    assert!(a.peer_queued().1 < 150);
    let _b = drainer.join().unwrap();
}

#[test]
fn port_collection_is_weak_and_broadcasts_once() {
    let chans: Vec<MessageChannel> = (0..5).map(|_| MessageChannel::new()).collect();
    let all = PortCollection::new();
    for c in &chans {
        all.add(&c.port1);
    }
    all.add(&chans[0].port1);
    assert_eq!(all.len(), 5);
    all.remove(&chans[1].port1);
    let mut seen = Vec::new();
    all.iterate(|p| seen.push(p.name()));
    assert_eq!(
        seen,
        [0, 2, 3, 4].map(|i| chans[i].port1.name()),
        "insertion order, removal honoured"
    );
    // Closed and transferred ports leave by themselves.
    chans[2].port1.close();
    let carrier = MessageChannel::new();
    carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&chans[3].port1)])
        .unwrap();
    assert_eq!(all.broadcast(&"news").unwrap(), 2);
    assert_eq!(text(&chans[0].port2).as_deref(), Some("news"));
    assert_eq!(text(&chans[4].port2).as_deref(), Some("news"));
    assert_eq!(text(&chans[1].port2), None);
    all.clear();
    assert!(all.is_empty());
    // It holds no strong reference: dropping the port frees it.
    let c = MessageChannel::new();
    all.add(&c.port1);
    drop(c);
    assert!(all.is_empty());
}

#[test]
fn ports_cross_threads_and_a_port_sent_to_its_peers_thread_works() {
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    let (c1, c2) = carrier.into_ports();
    let (p1, p2) = ch.into_ports();
    // The thread holding p1 receives p2 (its own peer) and talks to itself through it.
    let t = std::thread::spawn(move || {
        let moved = take_ports(&c2).pop().unwrap();
        moved.post(&"to my peer").unwrap();
        let got = recv_text(&p1);
        p1.post(&"and back").unwrap();
        (got, recv_text(&moved))
    });
    c1.post_message(&mut Graph::default(), &[Transfer::Port(&p2)])
        .unwrap();
    assert_eq!(
        t.join().unwrap(),
        ("to my peer".to_string(), "and back".to_string())
    );
}

#[test]
fn messages_already_taken_by_a_receiver_follow_a_transfer_in_order() {
    // recv_blocking moves the ready run of the queue into the receiver's
    // batch buffer; it is still the head of the port message queue.
    let carrier = MessageChannel::new();
    let ch = MessageChannel::new();
    for i in 0..5 {
        ch.port1.post(&format!("m{i}")).unwrap();
    }
    assert_eq!(recv_text(&ch.port2), "m0");
    assert_eq!(
        ch.port2.queued().0,
        4,
        "buffered tasks still count as queued"
    );
    assert_eq!(ch.port1.peer_queued().0, 4);
    carrier
        .port1
        .post_message(&mut Graph::default(), &[Transfer::Port(&ch.port2)])
        .unwrap();
    ch.port1.post(&"m5").unwrap();
    let moved = take_ports(&carrier.port2).pop().unwrap();
    // Starts disabled: an event loop sees nothing until start().
    let el = EventLoop::new(|| {});
    el.bind(&moved);
    assert!(el.next_task().is_none());
    moved.start();
    let got: Vec<String> = std::iter::from_fn(|| el.next_task())
        .map(|(_, e)| match e {
            Event::Message(m) => msgport::clone::from_graph(&m.data).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, ["m1", "m2", "m3", "m4", "m5"]);
}

#[test]
fn a_close_behind_buffered_messages_waits_for_them() {
    let ch = MessageChannel::new();
    for i in 0..3 {
        ch.port1.post(&format!("m{i}")).unwrap();
    }
    assert_eq!(recv_text(&ch.port2), "m0");
    ch.port1.close();
    assert_eq!(recv_text(&ch.port2), "m1");
    assert_eq!(recv_text(&ch.port2), "m2");
    assert!(matches!(
        ch.port2.recv_blocking(None).unwrap(),
        Event::Close
    ));
    assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Disentangled);
}

#[test]
fn both_ends_of_a_channel_move_at_the_same_time() {
    let ch = MessageChannel::new();
    let (to_x, at_x) = MessageChannel::new().into_ports();
    let (to_y, at_y) = MessageChannel::new().into_ports();
    ch.port1.post(&"queued for port2 before the moves").unwrap();
    ch.port2.post(&"queued for port1 before the moves").unwrap();
    // Ship both ends at once, from two threads, to two more threads.
    let (p1, p2) = ch.into_ports();
    let s1 = std::thread::spawn(move || {
        to_x.post_message(&mut Graph::default(), &[Transfer::Port(&p1)])
            .map(|_| to_x)
    });
    let s2 = std::thread::spawn(move || {
        to_y.post_message(&mut Graph::default(), &[Transfer::Port(&p2)])
            .map(|_| to_y)
    });
    let x = std::thread::spawn(move || {
        let p = take_ports(&at_x).pop().unwrap();
        let first = recv_text(&p);
        p.post(&"from x").unwrap();
        (first, recv_text(&p))
    });
    let y = std::thread::spawn(move || {
        let p = take_ports(&at_y).pop().unwrap();
        let first = recv_text(&p);
        p.post(&"from y").unwrap();
        (first, recv_text(&p))
    });
    let _keep = (s1.join().unwrap().unwrap(), s2.join().unwrap().unwrap());
    assert_eq!(
        x.join().unwrap(),
        (
            "queued for port1 before the moves".to_string(),
            "from y".to_string()
        )
    );
    assert_eq!(
        y.join().unwrap(),
        (
            "queued for port2 before the moves".to_string(),
            "from x".to_string()
        )
    );
}

#[test]
fn a_port_moves_again_while_its_first_move_is_in_flight() {
    // P rides in a message queued at carrier A's receiving end; that end is
    // itself transferred (taking the queued message, and P with it) before
    // anyone received P. P's own messages must all arrive, in order.
    let ch = MessageChannel::new();
    let (a_tx, a_rx) = MessageChannel::new().into_ports();
    let (b_tx, b_rx) = MessageChannel::new().into_ports();
    ch.port1.post(&"1").unwrap();
    a_tx.post_message(&mut Graph::default(), &[Transfer::Port(&ch.port2)])
        .unwrap();
    ch.port1.post(&"2").unwrap();
    b_tx.post_message(&mut Graph::default(), &[Transfer::Port(&a_rx)])
        .unwrap();
    ch.port1.post(&"3").unwrap();
    let t = std::thread::spawn(move || {
        let a_rx = take_ports(&b_rx).pop().unwrap();
        let p = take_ports(&a_rx).pop().unwrap();
        (0..3).map(|_| recv_text(&p)).collect::<Vec<_>>()
    });
    assert_eq!(t.join().unwrap(), ["1", "2", "3"]);
    drop((a_tx, b_tx));
}

#[test]
fn a_port_listed_by_one_event_loop_moves_to_another_before_the_first_looks() {
    // Regression: the old loop had the port in its ready list when it was
    // shipped; the new loop's wake was lost until the old loop looked again.
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let old = EventLoop::new(|| {});
    let woken = Arc::new(AtomicUsize::new(0));
    let w = woken.clone();
    let new = EventLoop::new(move || {
        w.fetch_add(1, Ordering::SeqCst);
    });
    let ch = MessageChannel::new();
    old.bind(&ch.port2);
    ch.port2.start();
    ch.port1.post(&"queued before the move").unwrap();
    assert!(old.has_ready(), "listed by the old loop");
    let carrier = MessageChannel::new();
    let mut msg = ports_message(1);
    carrier
        .port1
        .post_message(&mut msg, &[Transfer::Port(&ch.port2)])
        .unwrap();
    let moved = take_ports(&carrier.port2).pop().unwrap();
    new.bind(&moved);
    moved.start();
    assert!(woken.load(Ordering::SeqCst) > 0, "the new loop was woken");
    assert!(new.has_ready());
    assert!(old.next_task().is_none(), "the old loop delivers nothing");
    match new.next_task() {
        Some((name, Event::Message(m))) => {
            assert_eq!(name, moved.name());
            assert_eq!(
                msgport::clone::from_graph::<String>(&m.data).unwrap(),
                "queued before the move"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_event_loop_survives_dropping_the_last_handle_of_a_port_whose_queue_holds_ports() {
    // Regression: the loop dropped the last reference to such a port while
    // holding its ready list; the queued message's port then closed, woke
    // its peer on the same loop, and the loop deadlocked on its own lock.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let el = EventLoop::new(|| {});
        let (a1, a2) = MessageChannel::new().into_ports();
        let (b1, b2) = MessageChannel::new().into_ports();
        el.bind(&a2);
        el.bind(&b2);
        b2.start();
        let mut msg = ports_message(1);
        a1.post_message(&mut msg, &[Transfer::Port(&b1)]).unwrap();
        // a2 is never started: its queue still holds the message carrying
        // b1 when its last handle goes (a1's handle, which caches its
        // peer, goes first).
        drop(a1);
        drop(a2);
        let mut events: Vec<_> = std::iter::from_fn(|| el.next_task()).collect();
        // Dropping a2's queue closed b1 and so woke this loop again.
        events.extend(std::iter::from_fn(|| el.next_task()));
        tx.send(
            events
                .into_iter()
                .map(|(n, e)| (n, matches!(e, Event::Close)))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        b2
    });
    let events = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the event loop deadlocked");
    assert!(
        events.iter().any(|(_, close)| *close),
        "b1, dropped with a2's queue, closed: b2 got close ({events:?})"
    );
}

/// `post` serializes into a reused per-thread buffer: messages of every
/// size, alternating, arrive intact, and a `Serialize` impl that itself
/// posts (re-entering `post` while the buffer is in use) works too.
#[test]
fn post_buffer_reuse_and_reentrant_posts() {
    let MessageChannel { port1, port2 } = MessageChannel::new();
    port2.start();
    let sizes = [0usize, 1, 5, 10, 40, 3, 1000, 2, 100_000, 7];
    for &n in &sizes {
        port1.post(&"x".repeat(n)).unwrap();
    }
    for &n in &sizes {
        assert_eq!(recv_text(&port2), "x".repeat(n));
    }

    struct Nested<'a>(&'a MessagePort);
    impl serde::Serialize for Nested<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.post(&"inner").unwrap();
            s.serialize_str("outer")
        }
    }
    port1.post(&Nested(&port1)).unwrap();
    assert_eq!(recv_text(&port2), "inner");
    assert_eq!(recv_text(&port2), "outer");
    port1.post(&"after").unwrap();
    assert_eq!(recv_text(&port2), "after");
}
