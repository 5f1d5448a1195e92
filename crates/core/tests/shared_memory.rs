//! SharedArrayBuffers through msgport's Rust API: a port and a
//! BroadcastChannel deliver the same memory (never a copy), a typed
//! receive that cannot read one keeps it for the dynamic value, and
//! another thread sees every write.

use msgport::clone::{Graph, Object, SharedArrayBuffer, SharedBlock, Value};
use msgport::{BroadcastGroup, Event, MessageChannel, PortCollection};
use std::sync::atomic::Ordering;

fn with_sab(block: &SharedBlock) -> Graph {
    let mut g = Graph::default();
    let b = g.alloc(Object::SharedArrayBuffer(SharedArrayBuffer::new(
        block.clone(),
    )));
    let o = g.object(vec![("memory".into(), Value::Object(b))]);
    g.root = Value::Object(o);
    g
}

fn the_block(g: &Graph) -> SharedBlock {
    g.objects
        .iter()
        .find_map(|o| match o {
            Object::SharedArrayBuffer(s) => Some(s.block.clone()),
            _ => None,
        })
        .expect("a SharedArrayBuffer in the value")
}

#[test]
fn a_port_delivers_the_same_memory_to_another_thread() {
    let ch = MessageChannel::new();
    let block = SharedBlock::new(8).unwrap();
    ch.port1.post_message(&mut with_sab(&block), &[]).unwrap();
    let got = std::thread::spawn(move || match ch.port2.recv_blocking(None).unwrap() {
        Event::Message(m) => {
            let b = the_block(&m.data);
            b.bytes()[0].store(3, Ordering::Release);
            b
        }
        other => panic!("{other:?}"),
    })
    .join()
    .unwrap();
    assert!(got.same(&block));
    assert_eq!(block.bytes()[0].load(Ordering::Acquire), 3);
}

#[test]
fn a_typed_receive_that_cannot_read_it_keeps_it_for_the_graph() {
    let ch = MessageChannel::new();
    let block = SharedBlock::new(4).unwrap();
    ch.port1.post_message(&mut with_sab(&block), &[]).unwrap();
    let Event::Mismatch(m) = ch.port2.recv_blocking_as::<u32>(None).unwrap() else {
        panic!("a u32 cannot be read from it")
    };
    let g = m.into_graph().unwrap().data;
    assert!(the_block(&g).same(&block));
}

#[test]
fn a_broadcast_shares_the_memory_with_every_receiver() {
    let group = BroadcastGroup::new();
    let a = group.channel("mem", "o");
    let b = group.channel("mem", "o");
    let c = group.channel("mem", "o");
    let block = SharedBlock::new(2).unwrap();
    assert_eq!(a.post_message(&with_sab(&block)).unwrap(), 2);
    for ch in [&b, &c] {
        let m = ch.try_recv().unwrap();
        assert_eq!(m.shared().len(), 1);
        assert!(the_block(&m.data().unwrap()).same(&block));
    }
}

#[test]
fn undelivered_messages_give_their_references_back() {
    let ch = MessageChannel::new();
    let block = SharedBlock::new(1).unwrap();
    for _ in 0..10 {
        ch.port1.post_message(&mut with_sab(&block), &[]).unwrap();
    }
    assert_eq!(block.holders(), 11, "each queued message holds one");
    let Event::Message(m) = ch.port2.recv_blocking(None).unwrap() else {
        panic!()
    };
    drop(m);
    assert_eq!(block.holders(), 10);
    // The rest go with the channel.
    drop(ch);
    assert_eq!(block.holders(), 1);
}

#[test]
fn a_port_collection_shares_the_memory_with_every_port() {
    let (a, b) = (MessageChannel::new(), MessageChannel::new());
    let all = PortCollection::new();
    all.add(&a.port1);
    all.add(&b.port1);
    let block = SharedBlock::new(4).unwrap();
    assert_eq!(all.broadcast_graph(&with_sab(&block)).unwrap(), 2);
    for port in [&a.port2, &b.port2] {
        let Event::Message(m) = port.recv_blocking(None).unwrap() else {
            panic!()
        };
        assert!(the_block(&m.data).same(&block));
    }
}
