//! Child processes for the tests: each test binary re-runs itself with
//! `--exact child_entry` and a role in the environment.
#![allow(dead_code)]

use msgport::{Buffer, Event, MessagePort};
use serde::{Deserialize, Serialize};
use std::process::Command;
use std::time::Duration;

pub const ROLE: &str = "MSGPORT_IPC_TEST_ROLE";

/// A command for a child to run `role` (see `serve`).
pub fn child(role: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "child_entry",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env(ROLE, role)
    .stdout(std::process::Stdio::null());
    c
}

/// What the parent asks of a `serve` child.
#[derive(Serialize, Deserialize, Debug)]
pub enum Cmd {
    /// Answer `Echo` with the same text.
    Echo(String),
    /// Serve echo on this port, in a thread, until it closes; then say
    /// `Closed` on the parent port.
    EchoOn(MessagePort),
    /// Send the port back.
    Return(MessagePort),
    /// Read `n` numbers on the port (checking they count from `from`),
    /// then answer `Read` with how many.
    Read {
        port: MessagePort,
        from: u64,
        n: u64,
    },
    /// Answer with the length and a sum of the buffer's bytes.
    Sum(Buffer),
    /// Post `n` numbers on the port from 0, then close it.
    Write { port: MessagePort, n: u64 },
    /// Listen on a private socket; answer `Invitation`; serve `Cmd`s on
    /// the one port that connects, in a thread, and say `Closed` on this
    /// port when it closes.
    Listen,
    /// Connect with this invitation and answer `Returned` with the port:
    /// this process then routes between the two others.
    Connect(String),
    /// Keep this port, unread and open, for `WriteHeld`.
    Hold(MessagePort),
    /// Post `n` numbers from 0 on the held port, then close it.
    WriteHeld(u64),
    /// Answer `Read` with how many routes this process's open links hold.
    Routes,
    /// Answer `Read` with how many introduced links are open here.
    Introduced,
    /// Answer `Read` with how many introduced links closed here because
    /// both sides found them idle (of those `links()` still reports).
    IdleClosed,
    /// Exit after flushing.
    Exit,
}

/// What a `serve` child answers.
#[derive(Serialize, Deserialize, Debug)]
pub enum Reply {
    Echo(String),
    Closed,
    Returned(MessagePort),
    Read(u64),
    Sum { len: usize, sum: u64 },
    MessageError,
    Invitation(String),
}

impl PartialEq for Reply {
    /// Replies compare by value; a returned port equals any other.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Reply::Echo(a), Reply::Echo(b)) => a == b,
            (Reply::Read(a), Reply::Read(b)) => a == b,
            (Reply::Sum { len: a, sum: x }, Reply::Sum { len: b, sum: y }) => a == b && x == y,
            (Reply::Invitation(_), Reply::Invitation(_))
            | (Reply::Returned(_), Reply::Returned(_))
            | (Reply::Closed, Reply::Closed)
            | (Reply::MessageError, Reply::MessageError) => true,
            _ => false,
        }
    }
}

/// Echo on `port` until it closes.
pub fn echo(port: MessagePort) {
    port.start();
    loop {
        match port.recv_blocking(None) {
            Ok(Event::Message(m)) => {
                let mut g = m.data;
                let ports: Vec<_> = m.ports;
                let t: Vec<_> = ports.iter().map(msgport::Transfer::Port).collect();
                let _ = port.post_message(&mut g, &t);
            }
            Ok(Event::MessageError(_)) => {
                let _ = port.post(&"messageerror");
            }
            _ => return,
        }
    }
}

/// The `serve` role: obeys `Cmd`s on the parent port.
pub fn serve() {
    serve_on(msgport_ipc::parent_port().unwrap());
    msgport_ipc::flush(Duration::from_secs(5));
}

/// The `serve` role, its introduced links closing after 150 ms idle.
pub fn serve_idle() {
    let bounds = msgport_ipc::Bounds {
        idle_close: Some(Duration::from_millis(150)),
        ..Default::default()
    };
    serve_on(msgport_ipc::parent_port_with_bounds(bounds).unwrap());
    msgport_ipc::flush(Duration::from_secs(5));
}

/// Obeys `Cmd`s on `parent` until it closes or says `Exit`.
pub fn serve_on(parent: MessagePort) {
    let parent = std::sync::Arc::new(parent);
    let mut held = None;
    loop {
        let ev = parent.recv_blocking_as::<Cmd>(None);
        match ev {
            Ok(Event::Message(m)) => match m.data {
                Cmd::Echo(s) => parent.post(&Reply::Echo(s)).unwrap(),
                Cmd::EchoOn(p) => {
                    let parent = parent.clone();
                    std::thread::spawn(move || {
                        echo(p);
                        parent.post(&Reply::Closed).unwrap();
                    });
                }
                Cmd::Return(p) => parent.post(&Reply::Returned(p)).unwrap(),
                Cmd::Read { port, from, n } => {
                    let parent = parent.clone();
                    std::thread::spawn(move || {
                        let mut next = from;
                        while next < from + n {
                            match port.recv_blocking_as::<u64>(None) {
                                Ok(Event::Message(m)) => {
                                    assert_eq!(m.data, next, "in order, exactly once");
                                    next += 1;
                                }
                                other => panic!("{other:?}"),
                            }
                        }
                        parent.post(&Reply::Read(next - from)).unwrap();
                    });
                }
                Cmd::Sum(b) => {
                    let (len, sum) = b.with_bytes(|x| (x.len(), x.iter().map(|v| *v as u64).sum()));
                    parent.post(&Reply::Sum { len, sum }).unwrap();
                }
                Cmd::Write { port, n } => {
                    for i in 0..n {
                        port.post(&i).unwrap();
                    }
                    drop(port);
                }
                Cmd::Listen => {
                    let l = msgport_ipc::Listener::bind_private().unwrap();
                    parent
                        .post(&Reply::Invitation(l.invitation().to_string()))
                        .unwrap();
                    let parent = parent.clone();
                    std::thread::spawn(move || {
                        let port = l.accept().unwrap();
                        serve_on(port);
                        parent.post(&Reply::Closed).unwrap();
                    });
                }
                Cmd::Connect(inv) => {
                    let port = msgport_ipc::connect(&inv.parse().unwrap()).unwrap();
                    parent.post(&Reply::Returned(port)).unwrap();
                }
                Cmd::Hold(p) => held = Some(p),
                Cmd::WriteHeld(n) => {
                    if let Some(port) = held.take() {
                        for i in 0..n {
                            port.post(&i).unwrap();
                        }
                    }
                }
                Cmd::Routes => {
                    let routes: usize = msgport_ipc::links()
                        .iter()
                        .filter(|l| l.closed.is_none())
                        .map(|l| l.routes)
                        .sum();
                    parent.post(&Reply::Read(routes as u64)).unwrap();
                }
                Cmd::Introduced => parent.post(&Reply::Read(introduced(false))).unwrap(),
                Cmd::IdleClosed => parent.post(&Reply::Read(introduced(true))).unwrap(),
                Cmd::Exit => break,
            },
            Ok(Event::MessageError(_)) => parent.post(&Reply::MessageError).unwrap(),
            _ => break,
        }
    }
}

/// How many introduced links are open here, or (`idle`) closed because
/// both sides found them idle.
pub fn introduced(idle: bool) -> u64 {
    msgport_ipc::links()
        .iter()
        .filter(|l| l.introduced)
        .filter(|l| match &l.closed {
            None => !idle,
            Some(e) => idle && matches!(**e, msgport_ipc::LinkError::Idle),
        })
        .count() as u64
}

/// Runs the role named in the environment, if any, and exits.
pub fn run_role(roles: &[(&str, fn())]) {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    for (name, f) in roles {
        if *name == role {
            f();
            std::process::exit(0);
        }
    }
    panic!("unknown role {role}");
}

/// The next event on `port` as a `Reply`, within 20 s.
pub fn reply(port: &MessagePort) -> Reply {
    match port.recv_timeout_as::<Reply>(Duration::from_secs(20)) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// A port routed through the child at `kid`: it asks the child at
/// `other` to listen, `kid` to connect to it, and returns the end `kid`
/// hands back. `kid` is then, for a moment at least, a proxy between
/// its two links (until it introduces this process to `other`, if it
/// may).
pub fn routed_through(kid: &MessagePort, other: &MessagePort) -> MessagePort {
    other.post(&Cmd::Listen).unwrap();
    let Reply::Invitation(inv) = reply(other) else {
        panic!("expected an invitation")
    };
    kid.post(&Cmd::Connect(inv)).unwrap();
    let Reply::Returned(via) = reply(kid) else {
        panic!("expected the port back")
    };
    via
}
