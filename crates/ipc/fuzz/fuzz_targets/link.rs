//! Well-formed frames in any order from two hostile peers into live links
//! of this node, with ports moved between the two links by the node's
//! user (so that the node becomes a proxy, introduces, splices): whatever
//! the peers say, no panic, no hang, and the node's other link works on.
//!
//! The input is a program: each byte picks an operation, the next ones
//! its operands. Route names come from a small pool (the bootstrap
//! routes, routes the node opened and announced, a few constants), so
//! that frames meet the routes they name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msgport::{Event, MessagePort};
use msgport_ipc::frame::{decode, Frame, Limits, RouteId, Splitter};
use msgport_ipc::transport::{unix::UnixTransport, Transport};
use msgport_ipc::Listener;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;
use std::time::Duration;

/// The input, read as operands.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
    fn pick(&mut self, n: usize) -> usize {
        self.byte().map_or(0, |b| b as usize % n.max(1))
    }
}

/// One raw peer: its socket, the frames it read from us, route names.
struct Peer {
    s: UnixStream,
    split: Splitter,
    routes: Vec<RouteId>,
    seq: u64,
    /// The other ends of sockets the node was introduced to by us.
    intros: Vec<UnixStream>,
}

fn token_hex(l: &Listener) -> String {
    l.invitation().to_string().rsplit_once('#').unwrap().1.to_string()
}

fn join(l: &Listener, node: u128) -> (Peer, MessagePort) {
    let mut s = UnixStream::connect(l.invitation().path()).unwrap();
    let hex = token_hex(l);
    let mut token = [0u8; 32];
    for (i, t) in token.iter_mut().enumerate() {
        *t = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    let mut out = Vec::new();
    Frame::Hello { node, token }.encode(&mut out);
    s.write_all(&out).unwrap();
    let port = l.accept().unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
    s.read_exact(&mut body).unwrap();
    let Ok(Frame::Welcome { route, .. }) = decode(&body, &Limits::default()) else {
        panic!("no Welcome")
    };
    s.set_nonblocking(true).unwrap();
    let peer = Peer {
        s,
        split: Splitter::new(),
        routes: vec![route, RouteId(1), RouteId(2)],
        seq: 0,
        intros: Vec::new(),
    };
    (peer, port)
}

impl Peer {
    /// Reads what the node wrote, learning the routes it names.
    fn drain(&mut self) {
        let mut buf = [0u8; 65536];
        loop {
            match self.s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => self.split.push(&buf[..n]),
            }
        }
        while let Ok(Some(bytes)) = self.split.next_frame(&Limits::default()) {
            let f = decode(bytes, &Limits::default());
            let named: Vec<RouteId> = match f {
                Ok(Frame::Message { route, ports, .. }) => {
                    let mut v = ports;
                    v.push(route);
                    v
                }
                Ok(Frame::Bypass { route, new, .. }) => vec![route, new],
                Ok(Frame::Splice { a, b }) => vec![a, b],
                _ => vec![],
            };
            for r in named {
                if !self.routes.contains(&r) && self.routes.len() < 32 {
                    self.routes.push(r);
                }
            }
        }
    }

    fn send(&mut self, f: &Frame) {
        let mut out = Vec::new();
        f.encode(&mut out);
        // Nonblocking: a node that does not read is not waited for.
        let _ = self.s.write_all(&out);
    }
}

/// This process's threads.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// The threads there were once the witness link was up: every link an
/// input makes closes with it, and its two threads end.
fn baseline() -> usize {
    static B: OnceLock<usize> = OnceLock::new();
    *B.get_or_init(|| {
        witness();
        threads()
    })
}

/// A link that must keep working whatever the others do.
fn witness() -> &'static (std::sync::Mutex<Peer>, MessagePort, Listener) {
    static W: OnceLock<(std::sync::Mutex<Peer>, MessagePort, Listener)> = OnceLock::new();
    W.get_or_init(|| {
        let l = Listener::bind_private().unwrap();
        let (peer, port) = join(&l, 7);
        (std::sync::Mutex::new(peer), port, l)
    })
}

fn frame(inp: &mut Input<'_>, p: &Peer) -> Frame {
    let r = |inp: &mut Input<'_>| p.routes[inp.pick(p.routes.len())];
    let n = |inp: &mut Input<'_>| inp.byte().unwrap_or(0) as u64 % 4;
    match inp.pick(14) {
        0 | 1 => Frame::Message {
            route: r(inp),
            seq: n(inp),
            bytes: msgport::clone::to_bytes(&"m").unwrap(),
            ports: if inp.pick(2) == 0 { vec![] } else { vec![RouteId(inp.pick(8) as u128 + 100)] },
            buffers: vec![],
        },
        2 => Frame::Close { route: r(inp), sent: n(inp) },
        3 => Frame::Pause { route: r(inp) },
        4 => Frame::Resume { route: r(inp) },
        5 => Frame::Splice { a: r(inp), b: r(inp) },
        6 => Frame::SpliceAck { a: r(inp), b: r(inp) },
        7 => Frame::SpliceEnd { a: r(inp), b: r(inp), sent_a: n(inp), sent_b: n(inp) },
        8 => Frame::SpliceNo { a: r(inp), b: r(inp) },
        9 => Frame::Bypass { route: r(inp), intro: inp.pick(3) as u128, new: r(inp) },
        10 => Frame::BypassAck { route: r(inp) },
        11 => Frame::BypassNo { route: r(inp), stale: inp.pick(2) == 1 },
        12 => Frame::BypassEnd { route: r(inp), sent: n(inp) },
        _ => Frame::BypassCancel { route: r(inp) },
    }
}

fuzz_target!(|data: &[u8]| {
    let w = witness();
    let base = baseline();
    let mut l = Listener::bind_private().unwrap();
    // Introduced links ask to close as soon as they are found empty
    // twice: the idle close runs beside everything else.
    l.set_bounds(msgport_ipc::Bounds {
        idle_close: Some(std::time::Duration::from_millis(1)),
        ..Default::default()
    });
    let (mut a, pa) = join(&l, 1000 + data.len() as u128);
    let (mut b, pb) = join(&l, 2000 + data.len() as u128);
    let mut held: Vec<MessagePort> = vec![pa, pb];
    let mut inp = Input(data);
    let mut steps = 0;
    while let Some(op) = inp.byte() {
        steps += 1;
        if steps > 64 {
            break;
        }
        let peer = if op & 1 == 0 { &mut a } else { &mut b };
        match op >> 1 {
            // A frame from a peer (most operations).
            0..=79 => {
                let f = frame(&mut inp, peer);
                peer.send(&f);
            }
            // A well-sequenced message, to move things along.
            80..=89 => {
                let route = peer.routes[0];
                let f = Frame::Message {
                    route,
                    seq: peer.seq,
                    bytes: msgport::clone::to_bytes(&"s").unwrap(),
                    ports: vec![RouteId(inp.pick(8) as u128 + 200)],
                    buffers: vec![],
                };
                peer.seq += 1;
                peer.send(&f);
            }
            // An introduction, with its socket.
            90..=99 => {
                let (mine, theirs) = UnixStream::pair().unwrap();
                let mut out = Vec::new();
                Frame::Introduce { intro: inp.pick(3) as u128, node: 5000 + inp.pick(4) as u128 }
                    .encode(&mut out);
                let t = UnixTransport::new(peer.s.try_clone().unwrap());
                let _ = t.try_send(&out, &[theirs.as_fd()]);
                mine.set_nonblocking(true).unwrap();
                peer.intros.push(mine);
            }
            // On an introduced link: a frame about the new routes.
            100..=109 => {
                let route = peer.routes[inp.pick(peer.routes.len())];
                let f = match inp.pick(5) {
                    0 => Frame::BypassGo { route },
                    1 => Frame::Close { route, sent: 0 },
                    // The idle close, asked or refused at any point.
                    2 => Frame::Idle,
                    3 => Frame::IdleNo,
                    _ => Frame::Message {
                        route,
                        seq: 0,
                        bytes: msgport::clone::to_bytes(&"i").unwrap(),
                        ports: vec![],
                        buffers: vec![],
                    },
                };
                if let Some(s) = peer.intros.last_mut() {
                    let mut out = Vec::new();
                    f.encode(&mut out);
                    let _ = s.write_all(&out);
                }
            }
            // The node's user: take what arrived, post, wait on a port (and
            // so read the link), move ports between the two links (the node
            // becomes a proxy), or drop one.
            _ => {
                for _ in 0..held.len() {
                    let p = held.remove(0);
                    while let Ok(Some(Event::Message(m))) = p.try_recv() {
                        held.extend(m.ports);
                    }
                    held.push(p);
                }
                held.truncate(64);
                let i = inp.pick(held.len());
                match inp.pick(4) {
                    0 => {
                        let _ = held[i].post(&"u");
                    }
                    // A blocking receive with a short deadline: this
                    // thread takes the link's read role and reads the
                    // peer's frames itself (`link/lead/`).
                    3 => {
                        if let Ok(Event::Message(m)) = held[i].recv_timeout(Duration::from_micros(300)) {
                            held.extend(m.ports);
                        }
                    }
                    1 if held.len() > 2 => {
                        let moved = held.remove(i.max(2).min(held.len() - 1));
                        let to = inp.pick(2);
                        let t = msgport::Transfer::Port(&moved);
                        let _ = held[to].post_message(&mut msgport::clone::to_graph(&"p").unwrap(), &[t]);
                    }
                    _ if held.len() > 2 => drop(held.remove(i.max(2).min(held.len() - 1))),
                    _ => {}
                }
            }
        }
        a.drain();
        b.drain();
    }
    drop(held);
    drop((a, b));
    // The node and its other link are fine.
    let (peer, port, _) = w;
    let mut peer = peer.lock().unwrap();
    let route = peer.routes[0];
    let seq = peer.seq;
    peer.seq += 1;
    peer.s.set_nonblocking(false).unwrap();
    peer.send(&Frame::Message {
        route,
        seq,
        bytes: msgport::clone::to_bytes(&"alive").unwrap(),
        ports: vec![],
        buffers: vec![],
    });
    peer.s.set_nonblocking(true).unwrap();
    match port.recv_timeout_as::<String>(Duration::from_secs(10)) {
        Ok(Event::Message(m)) => assert_eq!(m.data, "alive"),
        other => panic!("the witness link stopped: {other:?}"),
    }
    // Every link this input made (its two peers', the introduced ones)
    // closed with its peer's socket: their threads end, none is left.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while threads() > base {
        assert!(
            std::time::Instant::now() < deadline,
            "{} threads left over from closed links",
            threads() - base
        );
        std::thread::sleep(Duration::from_millis(1));
    }
});
