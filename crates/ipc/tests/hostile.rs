//! A hostile peer: a raw socket that speaks the frame protocol, or does
//! not. Whatever it sends, only its own link closes, with the node and
//! every other link working on.

use msgport::Event;
use msgport_ipc::frame::FrameError;
use msgport_ipc::frame::{BufferDesc, Frame, RouteId};
use msgport_ipc::transport::{unix::UnixTransport, Transport};
use msgport_ipc::{IpcError, LinkError, Listener, RegionError};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

mod raw;
use raw::*;

#[test]
fn a_process_without_the_token_gets_nothing() {
    let l = Listener::bind_private().unwrap();
    let mut s = UnixStream::connect(l.invitation().path()).unwrap();
    let mut out = Vec::new();
    Frame::Hello {
        node: 1,
        token: [0; 32],
    }
    .encode(&mut out);
    s.write_all(&out).unwrap();
    assert!(matches!(l.accept(), Err(IpcError::BadToken)));
    // Closed without a word.
    let mut buf = [0u8; 16];
    assert_eq!(s.read(&mut buf).unwrap(), 0);
    // Garbage instead of a Hello.
    let mut s = UnixStream::connect(l.invitation().path()).unwrap();
    s.write_all(&[9, 0, 0, 0, 77, 1, 2, 3, 4, 5, 6, 7, 8])
        .unwrap();
    assert!(matches!(l.accept(), Err(IpcError::Handshake(_))));
    // The listener still admits the right token.
    let inv = l.invitation().clone();
    let t = std::thread::spawn(move || msgport_ipc::connect(&inv).unwrap());
    let ours = l.accept().unwrap();
    let theirs = t.join().unwrap();
    ours.post(&"in").unwrap();
    expect_text(&theirs, "in");
}

#[test]
fn listen_and_connect_join_two_ports() {
    let l = Listener::bind_private().unwrap();
    let text = l.invitation().to_string();
    let t = std::thread::spawn(move || msgport_ipc::connect(&text.parse().unwrap()).unwrap());
    let a = l.accept().unwrap();
    let b = t.join().unwrap();
    assert!(msgport_ipc::is_remote(&a) && msgport_ipc::is_remote(&b));
    b.post(&"hi").unwrap();
    expect_text(&a, "hi");
    drop(b);
    expect_close(&a);
}

#[test]
fn a_good_frame_is_delivered_and_an_unknown_route_is_dropped() {
    let l = Listener::bind_private().unwrap();
    let name: u128 = rand::random();
    let (mut s, port, route) = raw_peer_named(&l, name);
    send(&mut s, message(RouteId(12345), 0, "nobody"));
    send(&mut s, message(route, 0, "first"));
    expect_text(&port, "first");
    // Dropped, and counted.
    let stats = msgport_ipc::links()
        .into_iter()
        .find(|l| l.peer == name)
        .unwrap();
    assert_eq!(stats.unknown_route, 1);
    assert_eq!(stats.routes, 1);
    assert!(stats.closed.is_none());
    send(&mut s, Frame::Close { route, sent: 1 });
    expect_close(&port);
}

#[test]
fn a_peer_can_address_only_routes_of_its_own_link() {
    let l = Listener::bind_private().unwrap();
    let (_s1, p1, r1) = raw_peer(&l);
    let (mut s2, p2, r2) = raw_peer(&l);
    // Link 2 names link 1's route: dropped, never delivered to p1.
    send(&mut s2, message(r1, 0, "stolen"));
    send(&mut s2, message(r2, 0, "own"));
    expect_text(&p2, "own");
    assert!(matches!(
        p1.recv_timeout(Duration::from_millis(100)),
        Err(msgport::RecvError::Timeout)
    ));
}

#[test]
fn an_unknown_frame_kind_closes_the_link() {
    closes_only_its_link(
        |s, _| s.write_all(&[1, 0, 0, 0, 99]).unwrap(),
        |e| matches!(e, LinkError::Frame(FrameError::UnknownKind(99))),
    );
}

#[test]
fn a_frame_over_the_size_limit_closes_the_link_before_its_bytes_come() {
    closes_only_its_link(
        |s, _| s.write_all(&u32::MAX.to_le_bytes()).unwrap(),
        |e| matches!(e, LinkError::Frame(FrameError::TooLarge(_))),
    );
}

#[test]
fn a_sequence_gap_closes_the_link() {
    closes_only_its_link(
        |s, r| send(s, message(r, 5, "early")),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("sequence")),
    );
}

#[test]
fn a_handshake_frame_on_an_open_link_closes_it() {
    closes_only_its_link(
        |s, _| {
            send(
                s,
                Frame::Hello {
                    node: 3,
                    token: [0; 32],
                },
            )
        },
        |e| matches!(e, LinkError::Protocol(m) if m.contains("handshake")),
    );
}

#[test]
fn a_close_that_skips_messages_closes_the_link() {
    closes_only_its_link(
        |s, r| send(s, Frame::Close { route: r, sent: 3 }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("close")),
    );
}

#[test]
fn a_route_opened_twice_closes_the_link() {
    closes_only_its_link(
        |s, r| {
            let f = |seq| Frame::Message {
                route: r,
                seq,
                bytes: msgport::clone::to_bytes(&0).unwrap(),
                ports: vec![RouteId(77)],
                buffers: vec![],
            };
            send(s, f(0));
            send(s, f(1));
        },
        |e| matches!(e, LinkError::Protocol(m) if m.contains("twice")),
    );
}

/// A message with one 1 MiB buffer said to be in a memfd.
fn region_message(route: RouteId) -> Frame {
    Frame::Message {
        route,
        seq: 0,
        bytes: msgport::clone::to_bytes(&0).unwrap(),
        ports: vec![],
        buffers: vec![BufferDesc {
            len: 1 << 20,
            max: None,
            inline: None,
        }],
    }
}

#[test]
fn a_region_buffer_without_a_descriptor_closes_the_link() {
    closes_only_its_link(
        |s, r| send(s, region_message(r)),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("descriptor")),
    );
}

#[test]
fn an_unsealed_memfd_closes_the_link() {
    closes_only_its_link(
        |s, r| {
            let fd = rustix::fs::memfd_create("x", rustix::fs::MemfdFlags::CLOEXEC).unwrap();
            rustix::fs::ftruncate(&fd, 1 << 20).unwrap();
            let mut out = Vec::new();
            region_message(r).encode(&mut out);
            let t = UnixTransport::new(s.try_clone().unwrap());
            use rustix::fd::AsFd;
            t.send(&out, &[fd.as_fd()]).unwrap();
        },
        |e| matches!(e, LinkError::Region(RegionError::NotSealed)),
    );
}

#[test]
fn descriptors_that_no_frame_claims_are_bounded() {
    closes_only_its_link(
        |s, _| {
            let t = UnixTransport::new(s.try_clone().unwrap());
            let fds: Vec<_> = (0..32)
                .map(|_| rustix::fs::memfd_create("x", rustix::fs::MemfdFlags::CLOEXEC).unwrap())
                .collect();
            use rustix::fd::AsFd;
            let b: Vec<_> = fds.iter().map(|f| f.as_fd()).collect();
            // A zero-length Close frame body is not sent: 1 byte of garbage per
            // group would close the link for another reason; so send frames
            // for an unknown route, each with 32 descriptors.
            for _ in 0..40 {
                let mut out = Vec::new();
                Frame::Close {
                    route: RouteId(1),
                    sent: 0,
                }
                .encode(&mut out);
                if t.send(&out, &b).is_err() {
                    break;
                }
            }
        },
        |e| matches!(e, LinkError::Protocol(m) if m.contains("descriptors")),
    );
}

#[test]
fn nothing_of_a_dead_link_can_be_claimed_by_a_new_one() {
    let l = Listener::bind_private().unwrap();
    let (s1, p1, r1) = raw_peer(&l);
    // The first peer dies: its port here closes.
    drop(s1);
    expect_close(&p1);
    // A newcomer that names the dead link's route reaches nothing: not p1
    // (closed, and no message arrives), and no port appears anywhere.
    let (mut s2, p2, r2) = raw_peer(&l);
    send(&mut s2, message(r1, 0, "claimed?"));
    send(&mut s2, message(r2, 0, "own"));
    expect_text(&p2, "own");
    assert!(matches!(
        p1.try_recv(),
        Err(msgport::RecvError::Disentangled)
    ));
    assert!(!p1.is_entangled());
}

/// A listener whose links pause a route at 64 KiB held and tolerate
/// 128 KiB (and one 64 KiB frame) after a pause.
fn tight_listener() -> Listener {
    let mut l = Listener::bind_private().unwrap();
    l.set_bounds(msgport_ipc::Bounds {
        frame: msgport_ipc::frame::Limits {
            max_frame: 64 << 10,
            ..Default::default()
        },
        pause_bytes: 64 << 10,
        max_after_pause: 128 << 10,
        ..Default::default()
    });
    l
}

fn chunk(route: RouteId, seq: u64) -> Frame {
    message(route, seq, &format!("{seq}:{}", "c".repeat(8 << 10)))
}

#[test]
fn a_port_that_holds_too_much_pauses_its_route_and_resumes_when_drained() {
    let l = tight_listener();
    let (mut s, port, route) = raw_peer(&l);
    for seq in 0..20 {
        send(&mut s, chunk(route, seq));
    }
    // Nobody reads: the node asks this peer to stop sending on the route.
    assert_eq!(read_frame(&mut s), Frame::Pause { route });
    // Reading drains the port below half the mark: the route resumes.
    for seq in 0..20u64 {
        match port.recv_timeout_as::<String>(Duration::from_secs(5)) {
            Ok(Event::Message(m)) => assert!(m.data.starts_with(&format!("{seq}:"))),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(read_frame(&mut s), Frame::Resume { route });
    send(&mut s, message(route, 20, "after"));
    expect_text(&port, "after");
}

#[test]
fn a_peer_that_ignores_pause_loses_its_link_and_the_node_holds_a_bounded_amount() {
    let l = tight_listener();
    let (mut good, good_port, good_route) = raw_peer(&l);
    let (mut s, port, route) = raw_peer(&l);
    // 64 KiB to the pause, then 128 KiB + one frame more at most: 60
    // chunks of 8 KiB are far past that.
    for seq in 0..60 {
        let mut out = Vec::new();
        chunk(route, seq).encode(&mut out);
        if s.write_all(&out).is_err() {
            break; // closed on us already
        }
    }
    // Nobody reads: the link closes once the peer is past its allowance,
    // and what the port holds then is bounded.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while port.is_entangled() {
        assert!(
            std::time::Instant::now() < deadline,
            "the link did not close"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let (messages, held) = port.queued();
    assert!(messages < 60, "{messages} messages held");
    assert!(held < (64 + 128 + 64 + 16) << 10, "held {held} bytes");
    // Only that link closed.
    send(&mut good, message(good_route, 0, "still here"));
    expect_text(&good_port, "still here");
}

/// The raw peer sends us two ports on the bootstrap route, as new routes
/// `(r1, r2)`; returns our two received ports.
fn two_routes_from(
    s: &mut UnixStream,
    port: &msgport::MessagePort,
    route: RouteId,
) -> (RouteId, RouteId, msgport::MessagePort, msgport::MessagePort) {
    let mut got = routes_from(s, port, route, 2).into_iter();
    let (r1, p1) = got.next().unwrap();
    let (r2, p2) = got.next().unwrap();
    (r1, r2, p1, p2)
}

#[test]
fn a_peer_that_proxies_two_routes_gets_them_spliced_and_the_ports_merge_here() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let (r1, r2, p1, p2) = two_routes_from(&mut s, &port, route);
    send(&mut s, Frame::Splice { a: r1, b: r2 });
    assert_eq!(
        read_until(&mut s, |f| matches!(f, Frame::SpliceAck { .. })),
        Frame::SpliceAck { a: r1, b: r2 }
    );
    // After the answer, what p1 posts waits here (parked), not on the wire.
    p1.post(&"after").unwrap();
    // The proxy forwards what it held (as if p1 had sent it earlier),
    // then ends the splice.
    send(&mut s, message(r2, 0, "forwarded"));
    send(
        &mut s,
        Frame::SpliceEnd {
            a: r1,
            b: r2,
            sent_a: 0,
            sent_b: 1,
        },
    );
    p2.start();
    expect_text(&p2, "forwarded");
    expect_text(&p2, "after");
    assert_eq!(p1.peer_name(), Some(p2.name()));
    assert!(!msgport_ipc::is_remote(&p1) && !msgport_ipc::is_remote(&p2));
    let link = msgport_ipc::links()
        .into_iter()
        .find(|l| l.peer == name)
        .unwrap();
    assert_eq!((link.routes, link.spliced), (1, 1), "{link:?}");
    p2.post(&"back").unwrap();
    p1.start();
    expect_text(&p1, "back");
}

/// Makes this node a proxy between two routes of the raw peer's link
/// (a port the peer sent us, sent back): returns the two routes (the
/// `Splice` for them has been read) and the other port the peer sent,
/// to keep (dropped, its route would close).
fn make_us_a_proxy(
    s: &mut UnixStream,
    port: &msgport::MessagePort,
    route: RouteId,
) -> (RouteId, RouteId, msgport::MessagePort) {
    let (r1, _r2, p1, p2) = two_routes_from(s, port, route);
    // p1's peer is our bridge of r1: sending p1 over this link makes this
    // node a proxy between r1 and the new route.
    let mut g = msgport::clone::Graph::default();
    let h = g.alloc(msgport::clone::Object::Host(
        msgport::clone::HostObject::Transferred(0),
    ));
    g.root = msgport::clone::Value::Object(h);
    port.post_message(&mut g, &[msgport::Transfer::Port(&p1)])
        .unwrap();
    let Frame::Message { ports, .. } = read_until(s, |f| matches!(f, Frame::Message { .. })) else {
        unreachable!()
    };
    let new = ports[0];
    assert_eq!(
        read_frame(s),
        Frame::Splice { a: r1, b: new },
        "the request follows the message that opened the route"
    );
    (r1, new, p2)
}

#[test]
fn a_port_sent_back_over_its_peers_link_makes_this_node_ask_for_a_splice() {
    let l = Listener::bind_private().unwrap();
    let (mut s, port, route) = raw_peer(&l);
    let (r1, new, _keep) = make_us_a_proxy(&mut s, &port, route);
    send(&mut s, Frame::SpliceAck { a: r1, b: new });
    assert_eq!(
        read_until(&mut s, |f| matches!(f, Frame::SpliceEnd { .. })),
        Frame::SpliceEnd {
            a: r1,
            b: new,
            sent_a: 0,
            sent_b: 0
        }
    );
    // Both routes are gone here: the peer's frames for them are dropped.
    send(&mut s, message(r1, 0, "late"));
    send(&mut s, message(route, 1, "still here"));
    expect_text(&port, "still here");
}

#[test]
fn a_refused_splice_is_asked_again_only_by_the_greater_node_and_a_few_times() {
    // The peer's name is less than ours: we ask again, three times.
    let l = Listener::bind_private().unwrap();
    let (mut s, port, route) = raw_peer_named(&l, 0);
    let (r1, new, _keep) = make_us_a_proxy(&mut s, &port, route);
    for _ in 0..3 {
        send(&mut s, Frame::SpliceNo { a: r1, b: new });
        assert_eq!(read_frame(&mut s), Frame::Splice { a: r1, b: new });
    }
    send(&mut s, Frame::SpliceNo { a: r1, b: new });
    // No more: the next frame is the message posted now.
    port.post(&"next").unwrap();
    assert!(matches!(read_frame(&mut s), Frame::Message { .. }));
    // A peer with the greater name: we do not ask again (it will).
    let (mut s, port, route) = raw_peer_named(&l, u128::MAX);
    let (r1, new, _keep) = make_us_a_proxy(&mut s, &port, route);
    send(&mut s, Frame::SpliceNo { a: r1, b: new });
    port.post(&"next").unwrap();
    assert!(matches!(read_frame(&mut s), Frame::Message { .. }));
    // Its own request for the same routes is then answered.
    send(&mut s, Frame::Splice { a: r1, b: new });
    assert_eq!(read_frame(&mut s), Frame::SpliceAck { a: r1, b: new });
}

#[test]
fn a_splice_of_routes_that_are_not_there_is_refused_and_the_link_stays() {
    let l = Listener::bind_private().unwrap();
    let (mut s, port, route) = raw_peer(&l);
    let (a, b) = (RouteId(5), RouteId(6));
    send(&mut s, Frame::Splice { a, b });
    assert_eq!(read_frame(&mut s), Frame::SpliceNo { a, b });
    send(&mut s, Frame::Splice { a: route, b: route });
    assert_eq!(read_frame(&mut s), Frame::SpliceNo { a: route, b: route });
    // A route already in a splice is busy.
    let (r1, r2, _p1, _p2) = two_routes_from(&mut s, &port, route);
    send(&mut s, Frame::Splice { a: r1, b: r2 });
    assert_eq!(read_frame(&mut s), Frame::SpliceAck { a: r1, b: r2 });
    send(&mut s, Frame::Splice { a: r2, b: route });
    assert_eq!(read_frame(&mut s), Frame::SpliceNo { a: r2, b: route });
    send(&mut s, message(route, 1, "fine"));
    expect_text(&port, "fine");
}

#[test]
fn an_answer_to_a_splice_nobody_asked_for_closes_the_link() {
    closes_only_its_link(
        |s, r| send(s, Frame::SpliceAck { a: r, b: r }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("SpliceAck")),
    );
    closes_only_its_link(
        |s, r| {
            send(
                s,
                Frame::SpliceEnd {
                    a: r,
                    b: r,
                    sent_a: 0,
                    sent_b: 0,
                },
            )
        },
        |e| matches!(e, LinkError::Protocol(m) if m.contains("SpliceEnd for no")),
    );
}

#[test]
fn a_splice_end_that_skips_messages_closes_the_link() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let (r1, r2, p1, _p2) = two_routes_from(&mut s, &port, route);
    send(&mut s, Frame::Splice { a: r1, b: r2 });
    read_until(&mut s, |f| matches!(f, Frame::SpliceAck { .. }));
    send(
        &mut s,
        Frame::SpliceEnd {
            a: r1,
            b: r2,
            sent_a: 3,
            sent_b: 0,
        },
    );
    expect_close(&port);
    expect_close(&p1);
    let closed = msgport_ipc::links()
        .into_iter()
        .find(|l| l.peer == name)
        .and_then(|l| l.closed)
        .unwrap();
    assert!(
        matches!(&*closed, LinkError::Protocol(m) if m.contains("last messages")),
        "{closed:?}"
    );
}

// How a link writes, seen from a raw peer (the writes counter).

/// (writes, of which inline) of the link to `name`.
fn writes_to(name: u128) -> (u64, u64) {
    let l = msgport_ipc::links()
        .into_iter()
        .find(|l| l.peer == name)
        .unwrap();
    (l.writes, l.inline_writes)
}

fn expect_frame_text(s: &mut UnixStream, route: RouteId, seq: u64, text: &str) {
    match read_frame(s) {
        Frame::Message {
            route: r,
            seq: q,
            bytes,
            ..
        } => {
            assert_eq!((r, q), (route, seq));
            assert_eq!(msgport::clone::from_bytes::<String>(&bytes).unwrap(), text);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lone_post_and_a_pair_are_written_by_the_posting_thread() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    // Past the stream window of anything written before.
    std::thread::sleep(Duration::from_millis(50));
    let (_, before) = writes_to(name);
    port.post(&"request").unwrap();
    // A second post right after it (an answer, then its port's close)
    // is not a stream yet.
    port.post(&"second").unwrap();
    // Both written by this thread: no thread's wake-up on the way.
    assert_eq!(writes_to(name).1, before + 2);
    expect_frame_text(&mut s, route, 0, "request");
    expect_frame_text(&mut s, route, 1, "second");
}

#[test]
fn a_stream_of_posts_is_written_in_batches() {
    let (_l, name, mut s, port, route) = named_raw_peer();
    let (before, _) = writes_to(name);
    const N: u64 = 10_000;
    for i in 0..N {
        port.post(&format!("m{i}")).unwrap();
    }
    for i in 0..N {
        expect_frame_text(&mut s, route, i, &format!("m{i}"));
    }
    let writes = writes_to(name).0 - before;
    assert!(writes < N / 5, "{writes} writes for {N} messages");
}
