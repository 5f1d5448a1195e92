//! msgport-ipc beside a raw Unix socket and Servo's ipc-channel, on the
//! same payloads, in one run:
//!
//! - `round_trip_64B`: one 64-byte message to a child process and back.
//! - `stream_32B`: 10,000 messages of 32 bytes to a child, which answers
//!   once it has them all (throughput).
//! - `move_port`: a new channel's end sent to the child, which answers on
//!   it (ipc-channel: an `IpcSender` sent, answered on).
//! - `sibling_round_trip_64B`: two children joined by a channel this
//!   process made and handed them, one end each: a 64-byte round trip
//!   between them, timed in the child that starts it. `bypassed`: this
//!   process introduced them and left; `through_the_parent`: one child
//!   may not be introduced (`Bounds::introductions` off), so this process
//!   stays the proxy.
//! - `buffer_256MiB`: 256 MiB to the child and an answer back: a msgport
//!   [`Region`] (pages move), a plain buffer (copied into a memfd once),
//!   ipc-channel's `IpcSharedMemory` (copied), the raw socket (written).
//!
//! After criterion, the memory per message queued at an unread port in
//! the child is printed.
//!
//! `cargo bench -p msgport-ipc --bench ipc` (BENCHMARKS.md has results).

use criterion::{BenchmarkId, Criterion, Throughput};
use ipc_channel::ipc::{
    self, IpcBytesReceiver, IpcBytesSender, IpcOneShotServer, IpcSender, IpcSharedMemory,
};
use msgport::{Buffer, Event, MessageChannel, MessagePort};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const ROLE: &str = "MSGPORT_IPC_BENCH_ROLE";
const STREAM: u64 = 10_000;
const BIG: usize = 256 << 20;

#[derive(Serialize, Deserialize)]
enum Cmd {
    Echo(String),
    /// Count `n` messages, then answer.
    Count(u64),
    /// About 32 bytes on the wire (checked in `main`).
    Small(String),
    /// Answer "ok" on this port.
    Answer(MessagePort),
    Big(Buffer),
    /// Hold a port unread; say how much memory `n` queued messages took.
    Hold(MessagePort, u64),
    /// Echo on this port, in a thread, until it closes.
    EchoOn(MessagePort),
    /// Keep this port for `Ping`.
    Keep(MessagePort),
    /// Make `n` round trips on the kept port; answer `Count` with the
    /// nanoseconds they took.
    Ping(u64),
}

fn me(role: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.env(ROLE, role);
    c
}

fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    s.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

// ----- children ---------------------------------------------------------

fn msgport_child() {
    let p = msgport_ipc::parent_port().unwrap();
    let mut kept: Option<MessagePort> = None;
    let mut counting = 0u64;
    let mut seen = 0u64;
    while let Ok(Event::Message(m)) = p.recv_blocking_as::<Cmd>(None) {
        match m.data {
            Cmd::Echo(s) => p.post(&Cmd::Echo(s)).unwrap(),
            Cmd::Count(n) => {
                counting = n;
                seen = 0;
            }
            Cmd::Small(_) => {
                seen += 1;
                if seen == counting {
                    p.post(&Cmd::Count(seen)).unwrap();
                }
            }
            Cmd::Answer(port) => port.post(&"ok").unwrap(),
            Cmd::Big(b) => p.post(&Cmd::Count(b.len() as u64)).unwrap(),
            Cmd::Hold(port, n) => {
                let before = rss();
                while (port.queued().0 as u64) < n {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let after = rss();
                p.post(&Cmd::Count(after.saturating_sub(before))).unwrap();
                drop(port);
            }
            Cmd::EchoOn(port) => {
                std::thread::spawn(move || {
                    while let Ok(Event::Message(m)) = port.recv_blocking_as::<String>(None) {
                        if port.post(&m.data).is_err() {
                            return;
                        }
                    }
                });
            }
            Cmd::Keep(port) => kept = Some(port),
            Cmd::Ping(n) => {
                let Some(port) = &kept else { continue };
                let text = "x".repeat(57);
                let t = Instant::now();
                for _ in 0..n {
                    port.post(&text).unwrap();
                    let _ = port.recv_blocking(None);
                }
                p.post(&Cmd::Count(t.elapsed().as_nanos() as u64)).unwrap();
            }
        }
    }
}

fn raw_child() {
    let mut s = UnixStream::connect(std::env::var("RAW_PATH").unwrap()).unwrap();
    let mut cmd = [0u8; 1];
    let mut buf = vec![0u8; 1 << 20];
    while s.read_exact(&mut cmd).is_ok() {
        match cmd[0] {
            b'e' => {
                let mut m = [0u8; 64];
                s.read_exact(&mut m).unwrap();
                s.write_all(&m).unwrap();
            }
            b's' => {
                // STREAM records of 32 bytes, then an ack.
                let mut left = STREAM as usize * 32;
                while left > 0 {
                    let n = s.read(&mut buf[..left.min(1 << 20)]).unwrap();
                    left -= n;
                }
                s.write_all(b"k").unwrap();
            }
            b'b' => {
                let mut left = BIG;
                while left > 0 {
                    let n = s.read(&mut buf[..left.min(1 << 20)]).unwrap();
                    left -= n;
                }
                s.write_all(b"k").unwrap();
            }
            _ => return,
        }
    }
}

#[derive(Serialize, Deserialize)]
enum IpcCmd {
    /// Where to answer.
    Hello(IpcBytesSender),
    Answer(IpcSender<String>),
    Big(IpcSharedMemory),
}

/// What the ipc-channel child sends the parent's one-shot server.
type Boot = (IpcBytesSender, IpcSender<IpcCmd>);

fn ipc_channel_child() {
    let boot: IpcSender<Boot> = IpcSender::connect(std::env::var("IPC_SERVER").unwrap()).unwrap();
    let (to_child, bytes_rx) = ipc::bytes_channel().unwrap();
    let (cmd_tx, cmd_rx) = ipc::channel::<IpcCmd>().unwrap();
    boot.send((to_child, cmd_tx)).unwrap();
    let Ok(IpcCmd::Hello(reply)) = cmd_rx.recv() else {
        return;
    };
    let r = reply.clone();
    std::thread::spawn(move || {
        // 64 bytes: echo; 32 bytes: count to STREAM, then answer.
        let mut seen = 0;
        while let Ok(m) = bytes_rx.recv() {
            if m.len() == 64 {
                r.send(&m).unwrap();
            } else {
                seen += 1;
                if seen == STREAM {
                    seen = 0;
                    r.send(b"k").unwrap();
                }
            }
        }
    });
    while let Ok(c) = cmd_rx.recv() {
        match c {
            IpcCmd::Answer(tx) => tx.send("ok".into()).unwrap(),
            IpcCmd::Big(m) => reply.send(&(m.len() as u64).to_le_bytes()).unwrap(),
            IpcCmd::Hello(_) => {}
        }
    }
}

// ----- the three contenders, each with a child ---------------------------

struct Msgport {
    child: Child,
    port: MessagePort,
}

impl Msgport {
    fn new() -> Self {
        let (child, port) = msgport_ipc::spawn(&mut me("msgport")).unwrap();
        Msgport { child, port }
    }
    fn answer(&self) -> Cmd {
        match self.port.recv_blocking_as::<Cmd>(None) {
            Ok(Event::Message(m)) => m.data,
            _ => panic!("the child is gone"),
        }
    }
}

struct Raw {
    child: Child,
    s: UnixStream,
    _dir: std::path::PathBuf,
}

impl Raw {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("msgport-bench-{}", std::process::id()));
        let _ = std::fs::create_dir(&dir);
        let path = dir.join("raw");
        let _ = std::fs::remove_file(&path);
        let l = UnixListener::bind(&path).unwrap();
        let child = me("raw").env("RAW_PATH", &path).spawn().unwrap();
        let (s, _) = l.accept().unwrap();
        Raw {
            child,
            s,
            _dir: dir,
        }
    }
}

struct IpcChannel {
    child: Child,
    to_child: IpcBytesSender,
    cmds: IpcSender<IpcCmd>,
    replies: IpcBytesReceiver,
}

impl IpcChannel {
    fn new() -> Self {
        let (server, name) = IpcOneShotServer::<Boot>::new().unwrap();
        let child = me("ipc-channel").env("IPC_SERVER", name).spawn().unwrap();
        let (_, (to_child, cmds)) = server.accept().unwrap();
        let (reply_tx, replies) = ipc::bytes_channel().unwrap();
        cmds.send(IpcCmd::Hello(reply_tx)).unwrap();
        IpcChannel {
            child,
            to_child,
            cmds,
            replies,
        }
    }
}

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("msgport") => return msgport_child(),
        Ok("raw") => return raw_child(),
        Ok("ipc-channel") => return ipc_channel_child(),
        _ => {}
    }
    let mut c = Criterion::default().configure_from_args();
    let mp = Msgport::new();
    let mut raw = Raw::new();
    let ic = IpcChannel::new();

    let text = "x".repeat(61); // 64 bytes on the wire with its header
    let mut g = c.benchmark_group("round_trip_64B");
    g.bench_function("msgport_ipc", |b| {
        b.iter(|| {
            mp.port.post(&Cmd::Echo(text.clone())).unwrap();
            mp.answer()
        })
    });
    g.bench_function("raw_unix_socket", |b| {
        let mut m = [7u8; 65];
        m[0] = b'e';
        b.iter(|| {
            raw.s.write_all(&m).unwrap();
            let mut back = [0u8; 64];
            raw.s.read_exact(&mut back).unwrap();
            back
        })
    });
    g.bench_function("ipc_channel", |b| {
        let m = [7u8; 64];
        b.iter(|| {
            ic.to_child.send(&m).unwrap();
            ic.replies.recv().unwrap()
        })
    });
    g.finish();

    let small = "s".repeat(18);
    let wire = msgport::clone::to_bytes(&Cmd::Small(small.clone()))
        .unwrap()
        .len();
    assert!((30..=34).contains(&wire), "{wire}");
    let mut g = c.benchmark_group("stream_32B");
    g.throughput(Throughput::Elements(STREAM));
    g.bench_function("msgport_ipc", |b| {
        b.iter(|| {
            mp.port.post(&Cmd::Count(STREAM)).unwrap();
            for _ in 0..STREAM {
                mp.port.post(&Cmd::Small(small.clone())).unwrap();
            }
            mp.answer()
        })
    });
    g.bench_function("raw_unix_socket", |b| {
        let m = [5u8; 32];
        b.iter(|| {
            raw.s.write_all(b"s").unwrap();
            // One write per message, as a sender of separate messages does.
            for _ in 0..STREAM {
                raw.s.write_all(&m).unwrap();
            }
            let mut k = [0u8; 1];
            raw.s.read_exact(&mut k).unwrap();
        })
    });
    g.bench_function("ipc_channel", |b| {
        let m = [5u8; 32];
        b.iter(|| {
            for _ in 0..STREAM {
                ic.to_child.send(&m).unwrap();
            }
            ic.replies.recv().unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("move_port");
    g.bench_function("msgport_ipc", |b| {
        b.iter(|| {
            let ch = MessageChannel::new();
            mp.port.post(&Cmd::Answer(ch.port2)).unwrap();
            ch.port1.recv_blocking(None).unwrap()
        })
    });
    g.bench_function("ipc_channel", |b| {
        b.iter(|| {
            let (tx, rx) = ipc::channel::<String>().unwrap();
            ic.cmds.send(IpcCmd::Answer(tx)).unwrap();
            rx.recv().unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("sibling_round_trip_64B");
    let mut siblings = Vec::new();
    for (name, introductions) in [("bypassed", true), ("through_the_parent", false)] {
        let bounds = msgport_ipc::Bounds {
            introductions,
            ..Default::default()
        };
        let (ca, a) =
            msgport_ipc::spawn_with_bounds(&mut me("msgport"), Duration::from_secs(30), bounds)
                .unwrap();
        let b = Msgport::new();
        let (x, y) = MessageChannel::new().into_ports();
        a.post(&Cmd::EchoOn(x)).unwrap();
        b.port.post(&Cmd::Keep(y)).unwrap();
        // Warm up; by then a bypass has settled.
        b.port.post(&Cmd::Ping(1000)).unwrap();
        b.answer();
        g.bench_function(name, |bch| {
            bch.iter_custom(|iters| {
                b.port.post(&Cmd::Ping(iters)).unwrap();
                match b.answer() {
                    Cmd::Count(ns) => Duration::from_nanos(ns),
                    _ => panic!("expected the time"),
                }
            })
        });
        siblings.push((ca, a, b));
    }
    g.finish();
    for (mut ca, a, b) in siblings {
        drop(a);
        let _ = ca.kill();
        let _ = ca.wait();
        let mut cb = b.child;
        drop(b.port);
        let _ = cb.kill();
        let _ = cb.wait();
    }

    let mut g = c.benchmark_group("buffer_256MiB");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("msgport_ipc", "region"), |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let mut block = msgport_ipc::Region::new(BIG).unwrap().into_block();
                block[BIG - 1] = 1;
                let buf = Buffer::from_block(block);
                let start = Instant::now();
                mp.port.post(&Cmd::Big(buf)).unwrap();
                mp.answer();
                t += start.elapsed();
            }
            t
        })
    });
    let big = vec![1u8; BIG];
    g.bench_function(BenchmarkId::new("msgport_ipc", "vec"), |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let buf = Buffer::new(big.clone());
                let start = Instant::now();
                mp.port.post(&Cmd::Big(buf)).unwrap();
                mp.answer();
                t += start.elapsed();
            }
            t
        })
    });
    g.bench_function("ipc_channel_shared_memory", |b| {
        b.iter(|| {
            ic.cmds
                .send(IpcCmd::Big(IpcSharedMemory::from_bytes(&big)))
                .unwrap();
            ic.replies.recv().unwrap()
        })
    });
    g.bench_function("raw_unix_socket", |b| {
        b.iter(|| {
            raw.s.write_all(b"b").unwrap();
            raw.s.write_all(&big).unwrap();
            let mut k = [0u8; 1];
            raw.s.read_exact(&mut k).unwrap();
        })
    });
    g.finish();
    c.final_summary();

    // Memory per message queued at an unread port in the child.
    let ch = MessageChannel::new();
    const HELD: u64 = 200_000;
    mp.port.post(&Cmd::Hold(ch.port2, HELD)).unwrap();
    for _ in 0..HELD {
        ch.port1.post(&small).unwrap();
    }
    if let Cmd::Count(bytes) = mp.answer() {
        println!(
            "memory: {:.1} bytes per queued 32-byte message in the receiving process",
            bytes as f64 / HELD as f64
        );
    }

    drop(mp.port);
    drop(raw.s);
    drop(ic);
    for mut ch in [mp.child, raw.child] {
        let _ = ch.kill();
        let _ = ch.wait();
    }
}

impl Drop for IpcChannel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
