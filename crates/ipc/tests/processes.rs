//! Ports between processes: each test spawns children of this very test
//! binary (see `common`), and checks one behaviour of the list.

mod common;

use common::{child, reply, Cmd, Reply};
use msgport::{Buffer, Event, MessageChannel};
use std::time::{Duration, Instant};

#[test]
fn child_entry() {
    common::run_role(&[("serve", common::serve), ("slow", slow_reader)]);
}

#[test]
fn spawn_gives_a_port_entangled_with_the_childs_parent_port() {
    let (mut kid, port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    assert!(msgport_ipc::is_remote(&port));
    port.post(&Cmd::Echo("hello".into())).unwrap();
    assert_eq!(reply(&port), Reply::Echo("hello".into()));
    port.post(&Cmd::Exit).unwrap();
    // The child flushed, exited: its end closed, so ours gets `close`.
    assert!(matches!(
        port.recv_timeout(Duration::from_secs(10)),
        Ok(Event::Close)
    ));
    assert!(kid.wait().unwrap().success());
}

/// Spawns a `serve` child.
fn serve() -> (std::process::Child, msgport::MessagePort) {
    msgport_ipc::spawn(&mut child("serve")).unwrap()
}

fn finish(mut kid: std::process::Child, port: msgport::MessagePort) {
    port.post(&Cmd::Exit).unwrap();
    assert!(kid.wait().unwrap().success());
}

#[test]
fn a_moved_port_keeps_its_queued_and_in_flight_messages_in_order() {
    let (kid, port) = serve();
    let ch = MessageChannel::new();
    // Queued before the move…
    for i in 0..1000u64 {
        ch.port1.post(&i).unwrap();
    }
    port.post(&Cmd::Read {
        port: ch.port2,
        from: 0,
        n: 3000,
    })
    .unwrap();
    // …and posted while it moves.
    for i in 1000..3000u64 {
        ch.port1.post(&i).unwrap();
    }
    assert_eq!(reply(&port), Reply::Read(3000));
    finish(kid, port);
}

#[test]
fn both_ends_of_a_channel_move_at_once() {
    let (kid, port) = serve();
    let ch = MessageChannel::new();
    // The child echoes on one end; the other end goes there too and comes
    // back: the two ends met in the child and still talk.
    port.post(&Cmd::EchoOn(ch.port1)).unwrap();
    port.post(&Cmd::Return(ch.port2)).unwrap();
    let Reply::Returned(back) = reply(&port) else {
        panic!()
    };
    back.post(&"ping").unwrap();
    assert!(
        matches!(back.recv_timeout_as::<String>(Duration::from_secs(10)), Ok(Event::Message(m)) if m.data == "ping")
    );
    drop(back);
    assert_eq!(reply(&port), Reply::Closed);
    finish(kid, port);
}

#[test]
fn a_port_sent_back_keeps_working_and_keeps_order() {
    let (kid, port) = serve();
    let ch = MessageChannel::new();
    for i in 0..100u64 {
        ch.port1.post(&i).unwrap();
    }
    port.post(&Cmd::Return(ch.port2)).unwrap();
    for i in 100..200u64 {
        ch.port1.post(&i).unwrap();
    }
    let Reply::Returned(back) = reply(&port) else {
        panic!()
    };
    for i in 0..200u64 {
        assert!(
            matches!(back.recv_timeout_as::<u64>(Duration::from_secs(10)), Ok(Event::Message(m)) if m.data == i)
        );
    }
    // And the other way.
    back.post(&7u64).unwrap();
    assert!(
        matches!(ch.port1.recv_timeout_as::<u64>(Duration::from_secs(10)), Ok(Event::Message(m)) if m.data == 7)
    );
    finish(kid, port);
}

#[test]
fn a_port_moves_through_three_processes() {
    let (ka, a) = serve();
    let (kb, b) = serve();
    let ch = MessageChannel::new();
    // A writes on one end; the other end goes to A and back, then to B,
    // which reads everything A wrote, in order.
    a.post(&Cmd::Return(ch.port2)).unwrap();
    let Reply::Returned(r) = reply(&a) else {
        panic!()
    };
    b.post(&Cmd::Read {
        port: r,
        from: 0,
        n: 500,
    })
    .unwrap();
    a.post(&Cmd::Write {
        port: ch.port1,
        n: 500,
    })
    .unwrap();
    assert_eq!(reply(&b), Reply::Read(500));
    finish(ka, a);
    finish(kb, b);
}

#[test]
fn ports_inside_messages_inside_ports() {
    let (kid, port) = serve();
    let outer = MessageChannel::new();
    port.post(&Cmd::EchoOn(outer.port2)).unwrap();
    // A port inside a message sent over a port that itself crossed.
    let inner = MessageChannel::new();
    let mut g = msgport::clone::Graph::default();
    let h = g.alloc(msgport::clone::Object::Host(
        msgport::clone::HostObject::Transferred(0),
    ));
    g.root = msgport::clone::Value::Object(h);
    outer
        .port1
        .post_message(&mut g, &[msgport::Transfer::Port(&inner.port2)])
        .unwrap();
    let Ok(Event::Message(m)) = outer.port1.recv_timeout(Duration::from_secs(10)) else {
        panic!()
    };
    let echoed = m.ports.into_iter().next().unwrap();
    assert!(msgport_ipc::is_remote(&echoed) || echoed.peer_name().is_some());
    echoed.post(&"through two hops").unwrap();
    assert!(
        matches!(inner.port1.recv_timeout_as::<String>(Duration::from_secs(10)), Ok(Event::Message(m)) if m.data == "through two hops")
    );
    finish(kid, port);
}

#[test]
fn start_close_and_messageerror_behave_as_in_process() {
    let (kid, port) = serve();
    // Bytes no one can read become messageerror there; later ones flow.
    port.post_serialized(vec![0xFF, 0x0F, 0xEE]);
    assert_eq!(reply(&port), Reply::MessageError);
    port.post(&Cmd::Echo("after".into())).unwrap();
    assert_eq!(reply(&port), Reply::Echo("after".into()));
    // Close after messages: the peer sees every message, then close.
    let ch = MessageChannel::new();
    port.post(&Cmd::EchoOn(ch.port2)).unwrap();
    for i in 0..10u64 {
        ch.port1.post(&i).unwrap();
    }
    for i in 0..10u64 {
        assert!(
            matches!(ch.port1.recv_timeout_as::<u64>(Duration::from_secs(10)), Ok(Event::Message(m)) if m.data == i)
        );
    }
    ch.port1.close();
    assert_eq!(reply(&port), Reply::Closed);
    // A port received from another process is not started: nothing is
    // released until start() (here, the typed receive starts it).
    let ch = MessageChannel::new();
    port.post(&Cmd::Return(ch.port2)).unwrap();
    let Reply::Returned(back) = reply(&port) else {
        panic!()
    };
    ch.port1.post(&1u8).unwrap();
    let lp = msgport::EventLoop::new(|| {});
    lp.bind(&back);
    std::thread::sleep(Duration::from_millis(50));
    assert!(lp.next_task().is_none(), "not started: nothing released");
    back.start();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lp.has_ready() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(matches!(lp.next_task(), Some((_, Event::Message(_)))));
    finish(kid, port);
}

#[test]
fn a_shared_array_buffer_stays_in_its_process_and_is_a_messageerror_there() {
    use msgport::clone::{Graph, Object, SharedArrayBuffer, SharedBlock, Value};
    let (kid, port) = serve();
    // Another process is another agent cluster (HTML #structureddeserialize):
    // the memory is not sent, and the receiver reports messageerror.
    let block = SharedBlock::new(8).unwrap();
    let mut g = Graph::default();
    let b = g.alloc(Object::SharedArrayBuffer(SharedArrayBuffer::new(
        block.clone(),
    )));
    g.root = Value::Object(b);
    port.post_message(&mut g, &[]).unwrap();
    assert_eq!(reply(&port), Reply::MessageError);
    port.post(&Cmd::Echo("after".into())).unwrap();
    assert_eq!(reply(&port), Reply::Echo("after".into()));
    finish(kid, port);
    // Nothing of this process keeps a reference once the message left.
    assert_eq!(block.holders(), 2, "ours and the graph's");
}

#[test]
fn buffers_cross_inline_and_in_sealed_memfds() {
    let (kid, port) = serve();
    for len in [
        0usize,
        10,
        msgport_ipc::REGION_MIN - 1,
        msgport_ipc::REGION_MIN,
        3 << 20,
    ] {
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let sum = bytes.iter().map(|b| *b as u64).sum();
        let b = Buffer::new(bytes);
        port.post(&Cmd::Sum(b)).unwrap();
        assert_eq!(reply(&port), Reply::Sum { len, sum }, "{len} bytes");
    }
    // A region moves its pages.
    let mut block = msgport_ipc::Region::new(8 << 20).unwrap().into_block();
    block[8 << 19] = 200;
    let b = Buffer::from_block(block);
    port.post(&Cmd::Sum(b)).unwrap();
    assert_eq!(
        reply(&port),
        Reply::Sum {
            len: 8 << 20,
            sum: 200
        }
    );
    finish(kid, port);
}

#[test]
fn a_killed_child_closes_every_port_entangled_with_it_within_a_second() {
    // The child may not introduce this process to others: the port routed
    // through it keeps it as its proxy (`tests/bypass.rs` has the other
    // case: a proxy that left is not missed when it dies).
    let sealed = msgport_ipc::Bounds {
        introductions: false,
        ..Default::default()
    };
    let (mut kid, port) =
        msgport_ipc::spawn_with_bounds(&mut child("serve"), Duration::from_secs(30), sealed)
            .unwrap();
    let ch = MessageChannel::new();
    port.post(&Cmd::EchoOn(ch.port2)).unwrap();
    // A port routed *through* the child: the child connects to a second
    // one and sends us its end, so it forwards between two links.
    let (other, other_port) = serve();
    let via = common::routed_through(&port, &other_port);
    via.post(&Cmd::Echo("through".into())).unwrap();
    assert_eq!(reply(&via), Reply::Echo("through".into()));
    ch.port1.post(&1u64).unwrap();
    assert!(matches!(
        ch.port1.recv_timeout_as::<u64>(Duration::from_secs(10)),
        Ok(Event::Message(_))
    ));
    let killed = Instant::now();
    kid.kill().unwrap();
    for p in [&port, &ch.port1, &via] {
        match p.recv_timeout(Duration::from_secs(5)) {
            Ok(Event::Close) => {}
            other => panic!("expected close, got {other:?}"),
        }
    }
    // The bound stated in the README: one second.
    assert!(
        killed.elapsed() < Duration::from_secs(1),
        "{:?}",
        killed.elapsed()
    );
    // The far end's port, routed through the dead child, closed too.
    assert_eq!(reply(&other_port), Reply::Closed);
    kid.wait().unwrap();
    // Posting to them is harmless.
    ch.port1.post(&2u64).unwrap();
    finish(other, other_port);
}

#[test]
fn a_port_sent_back_is_local_again_and_outlives_the_process_it_crossed() {
    let (mut kid, port) = serve();
    let ch = MessageChannel::new();
    for i in 0..50u64 {
        ch.port1.post(&i).unwrap();
    }
    port.post(&Cmd::Return(ch.port2)).unwrap();
    for i in 50..100u64 {
        ch.port1.post(&i).unwrap();
    }
    let Reply::Returned(back) = reply(&port) else {
        panic!()
    };
    for i in 100..150u64 {
        ch.port1.post(&i).unwrap();
    }
    // The splice completes soon after: the two ends are entangled here,
    // with no route (no proxy) left in either process.
    let deadline = Instant::now() + Duration::from_secs(10);
    while back.peer_name() != Some(ch.port1.name()) {
        assert!(Instant::now() < deadline, "the route was not spliced");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(!msgport_ipc::is_remote(&back) && !msgport_ipc::is_remote(&ch.port1));
    let spliced: u64 = msgport_ipc::links().iter().map(|l| l.spliced).sum();
    assert!(spliced >= 1, "the merging side counts its splices");
    for i in 150..200u64 {
        ch.port1.post(&i).unwrap();
    }
    // The process the port crossed can die: the ports are not routed
    // through it any more.
    kid.kill().unwrap();
    kid.wait().unwrap();
    for i in 0..200u64 {
        match back.recv_timeout_as::<u64>(Duration::from_secs(10)) {
            Ok(Event::Message(m)) => assert_eq!(m.data, i, "once, in order"),
            other => panic!("{i}: {other:?}"),
        }
    }
    back.post(&7u64).unwrap();
    assert!(
        matches!(ch.port1.recv_timeout_as::<u64>(Duration::from_secs(10)), Ok(Event::Message(m)) if m.data == 7)
    );
    assert!(
        matches!(back.try_recv(), Ok(None)),
        "no close: still entangled"
    );
}

#[test]
fn a_child_that_exits_without_connecting_is_an_error() {
    let mut cmd = std::process::Command::new("true");
    match msgport_ipc::spawn(&mut cmd) {
        Err(msgport_ipc::IpcError::ChildExited(_)) => {}
        other => panic!("{other:?}"),
    }
}

/// Takes a port, waits for a word on the parent port, then reads the
/// port's messages and says how many and how many bytes.
fn slow_reader() {
    let parent = msgport_ipc::parent_port().unwrap();
    let Ok(Event::Message(m)) = parent.recv_blocking_as::<msgport::MessagePort>(None) else {
        return;
    };
    let port = m.data;
    let Ok(Event::Message(n)) = parent.recv_blocking_as::<u64>(None) else {
        return;
    };
    let mut bytes = 0u64;
    for i in 0..n.data {
        match port.recv_blocking_as::<String>(None) {
            Ok(Event::Message(m)) => {
                assert!(m.data.starts_with(&format!("{i}:")), "in order");
                bytes += m.data.len() as u64;
            }
            other => panic!("{other:?}"),
        }
    }
    parent.post(&(n.data, bytes)).unwrap();
    msgport_ipc::flush(Duration::from_secs(5));
}

#[test]
fn a_reader_that_does_not_read_pushes_back_on_the_sender_and_loses_nothing() {
    let (mut kid, port) = msgport_ipc::spawn(&mut child("slow")).unwrap();
    let ch = MessageChannel::new();
    port.post(&ch.port2).unwrap();
    // 120 MiB while the reader reads nothing: the receiving node holds at
    // most 64 MiB at one port, then stops reading; the rest waits here,
    // where the sender sees it. Posting never blocks.
    const N: u64 = 2000;
    let filler = "f".repeat(60_000);
    let started = Instant::now();
    for i in 0..N {
        ch.port1.post(&format!("{i}:{filler}")).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "post never blocks"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, bytes) = ch.port1.peer_queued();
        if bytes > 20 << 20 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sender never saw backpressure ({bytes} bytes queued here)"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Then everything arrives, in order, once the reader reads.
    port.post(&N).unwrap();
    match port.recv_timeout_as::<(u64, u64)>(Duration::from_secs(60)) {
        Ok(Event::Message(m)) => assert_eq!(m.data.0, N),
        other => panic!("{other:?}"),
    }
    // And the queue here has drained.
    assert_eq!(ch.port1.peer_queued().0, 0);
    drop(port);
    kid.wait().unwrap();
}

#[test]
fn a_process_not_started_by_spawn_has_no_parent_port() {
    // (This test runs in the parent, whose environment has no invitation.)
    match msgport_ipc::parent_port() {
        Err(msgport_ipc::IpcError::NoParent(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_invitation_does_not_print_its_token_in_debug_output() {
    let l = msgport_ipc::Listener::bind_private().unwrap();
    let text = l.invitation().to_string();
    let token = text.rsplit_once('#').unwrap().1;
    assert_eq!(token.len(), 64);
    assert!(!format!("{:?}", l.invitation()).contains(token));
    // The socket and its private directory go with the listener.
    let dir = l.invitation().path().parent().unwrap().to_path_buf();
    assert!(dir.exists());
    drop(l);
    assert!(!dir.exists());
}
