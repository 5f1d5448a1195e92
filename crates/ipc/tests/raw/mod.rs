//! A raw peer for the hostile tests: a Unix socket that speaks the frame
//! protocol by hand.
#![allow(dead_code)]

use msgport::Event;
use msgport_ipc::frame::{Frame, RouteId};
use msgport_ipc::Listener;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

pub fn token_of(l: &Listener) -> [u8; 32] {
    let s = l.invitation().to_string();
    let hex = s.rsplit_once('#').unwrap().1;
    let mut t = [0u8; 32];
    for (i, b) in t.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    t
}

/// Reads one frame, exactly its bytes (a batch may hold several).
pub fn read_frame(s: &mut UnixStream) -> Frame {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
    s.read_exact(&mut body).unwrap();
    msgport_ipc::frame::decode(&body, &Default::default()).unwrap()
}

/// A raw peer admitted by `l`: its stream, the port it bootstrapped on
/// our side, and that route's id.
pub fn raw_peer(l: &Listener) -> (UnixStream, msgport::MessagePort, RouteId) {
    raw_peer_named(l, 1)
}

/// [`raw_peer`] with the node name it gives in its `Hello`.
pub fn raw_peer_named(l: &Listener, node: u128) -> (UnixStream, msgport::MessagePort, RouteId) {
    let mut s = UnixStream::connect(l.invitation().path()).unwrap();
    // A frame that never comes fails the test instead of hanging it.
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = Vec::new();
    Frame::Hello {
        node,
        token: token_of(l),
    }
    .encode(&mut out);
    s.write_all(&out).unwrap();
    let port = l.accept().unwrap();
    let Frame::Welcome { route, .. } = read_frame(&mut s) else {
        panic!()
    };
    (s, port, route)
}

pub fn send(s: &mut UnixStream, f: Frame) {
    let mut out = Vec::new();
    f.encode(&mut out);
    s.write_all(&out).unwrap();
}

pub fn message(route: RouteId, seq: u64, value: &str) -> Frame {
    Frame::Message {
        route,
        seq,
        bytes: msgport::clone::to_bytes(&value).unwrap(),
        ports: vec![],
        buffers: vec![],
    }
}

pub fn expect_text(port: &msgport::MessagePort, text: &str) {
    match port.recv_timeout_as::<String>(Duration::from_secs(5)) {
        Ok(Event::Message(m)) => assert_eq!(m.data, text),
        other => panic!("{other:?}"),
    }
}

pub fn expect_close(port: &msgport::MessagePort) {
    match port.recv_timeout(Duration::from_secs(5)) {
        Ok(Event::Close) => {}
        other => panic!("expected close, got {other:?}"),
    }
}

/// A raw peer with a random node name (to find its link in `links()`),
/// and the listener that admitted it.
pub fn named_raw_peer() -> (Listener, u128, UnixStream, msgport::MessagePort, RouteId) {
    let l = Listener::bind_private().unwrap();
    let name: u128 = rand::random();
    let (s, port, route) = raw_peer_named(&l, name);
    (l, name, s, port, route)
}

/// Reads frames until one that `want` accepts (others, e.g. the echo of
/// a message, are skipped).
pub fn read_until(s: &mut UnixStream, want: impl Fn(&Frame) -> bool) -> Frame {
    loop {
        let f = read_frame(s);
        if want(&f) {
            return f;
        }
    }
}

/// Each bad frame closes its link only: the port bootstrapped on it gets
/// `close`; a port on another link still works.
pub fn closes_only_its_link(
    bad: impl FnOnce(&mut UnixStream, RouteId),
    why: impl Fn(&msgport_ipc::LinkError) -> bool,
) {
    let l = Listener::bind_private().unwrap();
    let (mut good, good_port, good_route) = raw_peer(&l);
    let name: u128 = rand::random();
    let (mut s, port, route) = raw_peer_named(&l, name);
    bad(&mut s, route);
    // Valid frames before the bad one were delivered (kept, so that
    // their ports stay open); then `close`.
    let mut delivered = Vec::new();
    loop {
        match port.recv_timeout(Duration::from_secs(5)) {
            Ok(Event::Message(m)) => delivered.push(m),
            Ok(Event::Close) => break,
            other => panic!("expected close, got {other:?}"),
        }
    }
    // The link's typed error says what the peer did.
    let closed = msgport_ipc::links()
        .into_iter()
        .find(|l| l.peer == name)
        .and_then(|l| l.closed)
        .expect("the closed link is reported");
    assert!(why(&closed), "{closed:?}");
    send(&mut good, message(good_route, 0, "still here"));
    expect_text(&good_port, "still here");
}

/// The raw peer sends us `n` ports on the bootstrap route (its first
/// message there), as new routes; returns each route with our port of it.
pub fn routes_from(
    s: &mut UnixStream,
    port: &msgport::MessagePort,
    route: RouteId,
    n: usize,
) -> Vec<(RouteId, msgport::MessagePort)> {
    let ids: Vec<RouteId> = (0..n).map(|_| RouteId(rand::random())).collect();
    send(
        s,
        Frame::Message {
            route,
            seq: 0,
            bytes: msgport::clone::to_bytes(&"routes").unwrap(),
            ports: ids.clone(),
            buffers: vec![],
        },
    );
    let Ok(Event::Message(m)) = port.recv_timeout(Duration::from_secs(5)) else {
        panic!("no message with the ports")
    };
    assert_eq!(m.ports.len(), n);
    ids.into_iter().zip(m.ports).collect()
}

/// Sends `Introduce{intro, node}` on `s` with one end of a new socket
/// pair beside it; returns the other end, as the introduced node.
pub fn introduce(s: &UnixStream, intro: u128, node: u128) -> UnixStream {
    use msgport_ipc::transport::{unix::UnixTransport, Transport};
    use rustix::fd::AsFd;
    let (mine, theirs) = UnixStream::pair().unwrap();
    let mut out = Vec::new();
    Frame::Introduce { intro, node }.encode(&mut out);
    UnixTransport::new(s.try_clone().unwrap())
        .send(&out, &[theirs.as_fd()])
        .unwrap();
    mine.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    mine
}
