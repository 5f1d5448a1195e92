//! Ports and buffers inside serde types: transferred by `post`, given back
//! live by typed receives, never lost when a value does not fit, and the
//! depth limit applied on the way out as on the way in.

use msgport::clone::{from_bytes, to_bytes, CloneError, Graph, Object, Value, DEFAULT_MAX_DEPTH};
use msgport::{Buffer, Event, MessageChannel, MessagePort, RecvError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Serialize, Deserialize)]
struct Hello {
    id: u32,
    reply: MessagePort,
}

#[derive(Serialize, Deserialize)]
struct Many {
    ports: Vec<MessagePort>,
    tag: String,
}

fn recv<T: serde::de::DeserializeOwned>(p: &MessagePort) -> msgport::Message<T> {
    match p
        .recv_blocking_as::<T>(Some(Duration::from_secs(10)))
        .unwrap()
    {
        Event::Message(m) => m,
        Event::Mismatch(m) => panic!("{m:?}"),
        Event::MessageError(e) => panic!("{e}"),
        Event::Close => panic!("close"),
    }
}

fn text(p: &MessagePort) -> String {
    recv::<String>(p).data
}

#[test]
fn a_port_in_a_struct_arrives_live_and_the_original_is_detached() {
    let (a, b) = MessageChannel::new().into_ports();
    let (mine, theirs) = MessageChannel::new().into_ports();
    let msg = Hello {
        id: 7,
        reply: theirs,
    };
    a.post(&msg).unwrap();
    assert!(
        msg.reply.is_detached(),
        "transferred, so the sender's handle is dead"
    );
    let got = recv::<Hello>(&b);
    assert_eq!(got.data.id, 7);
    assert!(
        got.ports.is_empty(),
        "the port is in the value, not left over"
    );
    got.data.reply.post(&"over the moved port").unwrap();
    assert_eq!(text(&mine), "over the moved port");
    drop(msg); // dropping the dead handle closes nothing
    assert!(got.data.reply.is_entangled());
}

#[test]
fn ports_keep_their_order_and_travel_with_their_queues() {
    let (a, b) = MessageChannel::new().into_ports();
    let chans: Vec<_> = (0..5).map(|_| MessageChannel::new().into_ports()).collect();
    let (keep, send): (Vec<_>, Vec<_>) = chans.into_iter().unzip();
    // Messages queued before the move follow the port.
    for (i, k) in keep.iter().enumerate() {
        k.post(&format!("queued {i}")).unwrap();
    }
    a.post(&Many {
        ports: send,
        tag: "five".into(),
    })
    .unwrap();
    let got = recv::<Many>(&b);
    assert_eq!(got.data.tag, "five");
    for (i, p) in got.data.ports.iter().enumerate() {
        assert_eq!(text(p), format!("queued {i}"));
        p.post(&i.to_string()).unwrap();
        assert_eq!(text(&keep[i]), i.to_string());
    }
}

#[test]
fn a_port_inside_a_message_inside_a_moved_port() {
    #[derive(Serialize, Deserialize)]
    struct Outer {
        inner: MessagePort,
    }
    let (a, b) = MessageChannel::new().into_ports();
    let (c1, c2) = MessageChannel::new().into_ports();
    let (d1, d2) = MessageChannel::new().into_ports();
    // d2 rides in a message on c1 → c2, then c2 itself moves a → b.
    c1.post(&Outer { inner: d2 }).unwrap();
    a.post(&Outer { inner: c2 }).unwrap();
    let c2 = recv::<Outer>(&b).data.inner;
    let d2 = recv::<Outer>(&c2).data.inner;
    d1.post(&"deep").unwrap();
    assert_eq!(text(&d2), "deep");
}

#[test]
fn ports_the_type_does_not_hold_are_left_in_message_ports() {
    let (a, b) = MessageChannel::new().into_ports();
    let (keep, send) = MessageChannel::new().into_ports();
    a.post(&Hello { id: 1, reply: send }).unwrap();
    // Read as a type without the port: it is in `ports`, alive.
    #[derive(Deserialize)]
    struct IdOnly {
        id: u32,
    }
    let m = recv::<IdOnly>(&b);
    assert_eq!(m.data.id, 1);
    assert_eq!(m.ports.len(), 1);
    keep.post(&"still here").unwrap();
    assert_eq!(text(&m.ports[0]), "still here");
}

#[test]
fn a_value_that_does_not_fit_comes_back_with_its_ports() {
    let (a, b) = MessageChannel::new().into_ports();
    let (keep, send) = MessageChannel::new().into_ports();
    a.post(&Hello { id: 3, reply: send }).unwrap();
    // The port is claimed first, then `id` fails: the port must not close.
    #[derive(Deserialize, Debug)]
    struct Wrong {
        #[allow(dead_code)]
        reply: MessagePort,
        #[allow(dead_code)]
        id: String,
    }
    let Event::Mismatch(m) = b.recv_blocking_as::<Wrong>(None).unwrap() else {
        panic!("expected a mismatch")
    };
    assert!(
        m.error().to_string().contains("invalid type"),
        "{}",
        m.error()
    );
    assert_eq!(m.ports().len(), 1);
    assert!(
        m.ports()[0].is_entangled(),
        "the port was given back, not closed"
    );
    assert_eq!(
        keep.try_recv().unwrap().map(|e| matches!(e, Event::Close)),
        None
    );
    let Event::Message(right) = m.read_as::<Hello>() else {
        panic!()
    };
    keep.post(&"after the mismatch").unwrap();
    assert_eq!(text(&right.data.reply), "after the mismatch");
}

#[test]
fn a_mismatch_reads_as_a_graph_with_its_ports() {
    let (a, b) = MessageChannel::new().into_ports();
    let (_keep, send) = MessageChannel::new().into_ports();
    a.post(&Hello { id: 4, reply: send }).unwrap();
    let Event::Mismatch(m) = b.recv_blocking_as::<u64>(None).unwrap() else {
        panic!()
    };
    let g = m.into_graph().unwrap();
    assert_eq!(g.ports.len(), 1);
    let Value::Object(root) = g.data.root else {
        panic!()
    };
    assert!(matches!(g.data.get(root), Some(Object::Object(_))));
}

#[test]
fn a_failed_post_detaches_nothing() {
    struct Fails;
    impl Serialize for Fails {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }
    #[derive(Serialize)]
    struct Msg {
        port: MessagePort,
        buf: Buffer,
        bad: Fails,
    }
    let (a, _b) = MessageChannel::new().into_ports();
    let (keep, send) = MessageChannel::new().into_ports();
    let msg = Msg {
        port: send,
        buf: Buffer::new(vec![1, 2, 3]),
        bad: Fails,
    };
    assert!(a.post(&msg).is_err());
    assert!(!msg.port.is_detached() && msg.port.is_entangled());
    assert_eq!(msg.buf.len(), 3);
    msg.port.post(&"alive").unwrap();
    assert_eq!(text(&keep), "alive");
}

#[test]
fn transfer_list_errors_of_serde_values() {
    let (a, b) = MessageChannel::new().into_ports();
    // The posting port inside its own message.
    #[derive(Serialize)]
    struct Ref<'a> {
        p: &'a MessagePort,
    }
    assert_eq!(
        a.post(&Ref { p: &a }).unwrap_err(),
        msgport::PostError::SourcePort
    );
    // A closed port.
    let (c, _d) = MessageChannel::new().into_ports();
    c.close();
    assert_eq!(
        a.post(&Ref { p: &c }).unwrap_err(),
        CloneError::DetachedTransfer { index: 0 }
    );
    // A detached buffer.
    let buf = Buffer::new(vec![0; 8]);
    buf.take();
    assert_eq!(a.post(&buf).unwrap_err(), CloneError::DetachedArrayBuffer);
    // The peer inside the message: serialized, detached, dropped.
    let (e, f) = MessageChannel::new().into_ports();
    a.post(&(&b, &e)).unwrap();
    assert!(b.is_detached() && e.is_detached());
    assert!(matches!(
        f.recv_blocking(Some(Duration::from_secs(5))),
        Ok(Event::Close)
    ));
}

#[test]
fn the_same_port_twice_is_one_transfer() {
    #[derive(Serialize)]
    struct Twice<'a>(&'a MessagePort, &'a MessagePort);
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Back(MessagePort, MessagePort);
    let (a, b) = MessageChannel::new().into_ports();
    let (keep, send) = MessageChannel::new().into_ports();
    a.post(&Twice(&send, &send)).unwrap();
    let Event::Mismatch(m) = b.recv_blocking_as::<Back>(None).unwrap() else {
        panic!("one port cannot be read twice into a tree")
    };
    assert!(
        m.error().to_string().contains("read twice"),
        "{}",
        m.error()
    );
    let g = m.into_graph().unwrap();
    assert_eq!(g.ports.len(), 1);
    keep.post(&1).unwrap();
    assert!(matches!(
        g.ports[0].recv_blocking(None),
        Ok(Event::Message(_))
    ));
}

#[test]
fn a_port_outside_post_is_a_whole_error() {
    let (a, _b) = MessageChannel::new().into_ports();
    let err = to_bytes(&a).unwrap_err().to_string();
    assert!(err.contains("transferred, never copied"), "{err}");
    assert!(!a.is_detached());
    let bytes = to_bytes(&("x",)).unwrap();
    let err = from_bytes::<MessagePort>(&bytes).unwrap_err().to_string();
    assert!(err.contains("expected a transferred port"), "{err}");
}

#[test]
fn a_transferred_buffer_is_not_copied() {
    let (a, b) = MessageChannel::new().into_ports();
    let v = vec![5u8; 1 << 20];
    let ptr = v.as_ptr();
    let buf = Buffer::new(v);
    a.post(&buf).unwrap();
    assert!(buf.is_detached());
    let got = recv::<Buffer>(&b).data;
    assert_eq!(got.with_bytes(|b| b.as_ptr()), ptr, "the same allocation");
    let v = got.into_vec();
    assert_eq!((v.len(), v.as_ptr()), (1 << 20, ptr));
}

#[test]
fn buffers_meet_js_values() {
    let (a, b) = MessageChannel::new().into_ports();
    // Transferred: a JS ArrayBuffer for a dynamic receiver.
    a.post(&Buffer::new(vec![1, 2, 3])).unwrap();
    let m = match b.recv_blocking(None).unwrap() {
        Event::Message(m) => m,
        other => panic!("{other:?}"),
    };
    let Value::Object(id) = m.data.root else {
        panic!()
    };
    assert!(matches!(m.data.get(id), Some(Object::ArrayBuffer(ab)) if ab.data == [1, 2, 3][..]));
    // Copied by the sender (an ArrayBuffer in the bytes): still a Buffer.
    let mut g = Graph::default();
    let ab = g.alloc(Object::ArrayBuffer(msgport::clone::ArrayBuffer::new(vec![
        9;
        4
    ])));
    g.root = Value::Object(ab);
    a.post_message(&mut g, &[]).unwrap();
    assert_eq!(recv::<Buffer>(&b).data.into_vec(), [9; 4]);
    // serde_bytes: a copied Uint8Array, also readable as a Buffer.
    a.post(&serde_bytes::Bytes::new(&[4, 5])).unwrap();
    assert_eq!(recv::<Buffer>(&b).data.into_vec(), [4, 5]);
}

#[test]
fn a_failed_typed_read_gives_back_transferred_buffers() {
    #[derive(Serialize, Deserialize)]
    struct Frame {
        pixels: Buffer,
        seq: u32,
    }
    #[derive(Deserialize, Debug)]
    struct Wrong {
        #[allow(dead_code)]
        pixels: Buffer,
        #[allow(dead_code)]
        seq: String,
    }
    let (a, b) = MessageChannel::new().into_ports();
    a.post(&Frame {
        pixels: Buffer::new(vec![3; 100]),
        seq: 1,
    })
    .unwrap();
    let Event::Mismatch(m) = b.recv_blocking_as::<Wrong>(None).unwrap() else {
        panic!()
    };
    let Event::Message(f) = m.read_as::<Frame>() else {
        panic!()
    };
    assert_eq!(f.data.pixels.into_vec(), vec![3; 100]);
}

/// `depth` nested one-element arrays around a number.
#[derive(Debug)]
struct Nest(usize);
impl Serialize for Nest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        if self.0 == 0 {
            return s.serialize_u32(1);
        }
        let mut seq = s.serialize_seq(Some(1))?;
        seq.serialize_element(&Nest(self.0 - 1))?;
        seq.end()
    }
}

#[test]
fn what_post_accepts_the_receiver_reads_and_no_more() {
    let t = std::thread::Builder::new()
        .spawn(|| {
            let (a, b) = MessageChannel::new().into_ports();
            a.post(&Nest(DEFAULT_MAX_DEPTH)).unwrap();
            assert!(matches!(b.recv_blocking(None).unwrap(), Event::Message(_)));
            a.post(&Nest(DEFAULT_MAX_DEPTH)).unwrap();
            assert!(matches!(
                b.recv_blocking_as::<serde::de::IgnoredAny>(None).unwrap(),
                Event::Message(_)
            ));
            assert_eq!(
                a.post(&Nest(DEFAULT_MAX_DEPTH + 1)).unwrap_err(),
                CloneError::TooDeep(DEFAULT_MAX_DEPTH)
            );
            // Nothing half-sent.
            assert_eq!(b.try_recv().unwrap().map(|_| ()), None);
        })
        .unwrap();
    t.join().unwrap();
}

#[test]
fn a_very_deep_value_is_an_error_not_a_stack_overflow() {
    #[derive(Serialize)]
    enum List {
        Cons(u32, Box<List>),
        Nil,
    }
    // Built and dropped iteratively; posted on a thread with the default
    // (small) stack.
    let t = std::thread::spawn(|| {
        let mut l = List::Nil;
        for i in 0..100_000 {
            l = List::Cons(i, Box::new(l));
        }
        let (a, b) = MessageChannel::new().into_ports();
        let err = a.post(&l).unwrap_err();
        assert_eq!(err, CloneError::TooDeep(DEFAULT_MAX_DEPTH));
        while let List::Cons(_, next) = l {
            l = *next;
        }
        assert_eq!(b.try_recv().unwrap().map(|_| ()), None);
        drop(a);
        assert_eq!(
            b.try_recv().unwrap().map(|e| matches!(e, Event::Close)),
            Some(true)
        );
        assert_eq!(b.try_recv().unwrap_err(), RecvError::Disentangled);
    });
    t.join().unwrap();
}

#[test]
fn a_post_inside_a_serialize_impl_keeps_the_two_transfer_lists_apart() {
    // While the outer value serializes, one of its Serialize impls posts
    // another value with a port of its own on another channel.
    #[derive(Serialize)]
    struct HelloRef<'a> {
        id: u32,
        reply: &'a MessagePort,
    }
    struct PostsOnTheSide<'a> {
        side: &'a MessagePort,
        inner: &'a MessagePort,
    }
    impl Serialize for PostsOnTheSide<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.side
                .post(&HelloRef {
                    id: 2,
                    reply: self.inner,
                })
                .map_err(serde::ser::Error::custom)?;
            s.serialize_u32(1)
        }
    }
    #[derive(Serialize)]
    struct Outer<'a> {
        before: &'a MessagePort,
        sneaky: PostsOnTheSide<'a>,
        after: &'a MessagePort,
    }
    #[derive(Deserialize)]
    struct OuterBack {
        before: MessagePort,
        sneaky: u32,
        after: MessagePort,
    }
    let (a, b) = MessageChannel::new().into_ports();
    let (side_tx, side_rx) = MessageChannel::new().into_ports();
    let chans: Vec<_> = (0..3).map(|_| MessageChannel::new().into_ports()).collect();
    a.post(&Outer {
        before: &chans[0].1,
        sneaky: PostsOnTheSide {
            side: &side_tx,
            inner: &chans[1].1,
        },
        after: &chans[2].1,
    })
    .unwrap();
    let side = recv::<Hello>(&side_rx);
    let outer = recv::<OuterBack>(&b);
    assert_eq!((side.data.id, outer.data.sneaky), (2, 1));
    for (i, p) in [&outer.data.before, &side.data.reply, &outer.data.after]
        .into_iter()
        .enumerate()
    {
        chans[i].0.post(&i.to_string()).unwrap();
        assert_eq!(text(p), i.to_string(), "port {i} went with its own message");
    }
}

#[test]
fn detached_entries_are_reported_at_their_transfer_list_index_on_every_path() {
    use msgport::clone::{ArrayBuffer, HostObject, Object};
    use msgport::Transfer;
    let (a, _b) = MessageChannel::new().into_ports();
    let (closed, _peer) = MessageChannel::new().into_ports();
    closed.close();
    // The serde path: a buffer, then the closed port.
    #[derive(Serialize)]
    struct Two<'a> {
        buf: Buffer,
        port: &'a MessagePort,
    }
    let err = a
        .post(&Two {
            buf: Buffer::new(vec![1]),
            port: &closed,
        })
        .unwrap_err();
    assert_eq!(err, CloneError::DetachedTransfer { index: 1 });
    // The Graph path, the same list.
    let mut g = Graph::default();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![1])));
    let host = g.alloc(Object::Host(HostObject::Transferred(0)));
    g.root = Value::Object(g.object(vec![
        ("b".into(), Value::Object(buf)),
        ("p".into(), Value::Object(host)),
    ]));
    let err = a
        .post_message(
            &mut g,
            &[Transfer::ArrayBuffer(buf), Transfer::Port(&closed)],
        )
        .unwrap_err();
    assert_eq!(err, CloneError::DetachedTransfer { index: 1 });
}

#[test]
fn a_port_field_without_a_transferred_port_is_a_mismatch_that_says_so() {
    let (a, b) = MessageChannel::new().into_ports();
    // The right shape, but the "port" is a number: nothing was transferred.
    a.post(&(5u32, 7u32)).unwrap();
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Pair(u32, MessagePort);
    let Event::Mismatch(m) = b.recv_blocking_as::<Pair>(None).unwrap() else {
        panic!()
    };
    assert!(
        m.error()
            .to_string()
            .contains("expected a transferred port"),
        "{}",
        m.error()
    );
}
