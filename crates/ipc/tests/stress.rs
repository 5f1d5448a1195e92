//! Many processes, many ports, random moves, closes and a SIGKILL: every
//! sender's messages reach the receiver exactly once and in order,
//! wherever the receiving port went in between, and the ports of the
//! killed process close.
//!
//! `MSGPORT_IPC_STRESS_MESSAGES` sets the total (default 1,000,000);
//! `MSGPORT_IPC_STRESS_MOVE_WITHIN`, how many messages at most a child
//! reads before it moves a port on (default 20,000; smaller, more moves).

mod common;

use common::child;
use msgport::{Event, MessageChannel, MessagePort};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

#[derive(Serialize, Deserialize, Debug)]
enum ToChild {
    /// Read channel `id` from `next` on.
    Take {
        id: usize,
        port: MessagePort,
        next: u64,
        seed: u64,
    },
    /// Post `n` numbers from 0 on the port (the sending end of a channel
    /// whose receiving end moves among the other children), then close it.
    Send { port: MessagePort, n: u64 },
    /// Flush and exit.
    Exit,
}

#[derive(Serialize, Deserialize, Debug)]
enum ToParent {
    /// Channel `id`'s port, moved on mid-stream: `next` is due next.
    Moved {
        id: usize,
        port: MessagePort,
        next: u64,
    },
    /// Channel `id` closed after `next` messages.
    Done { id: usize, next: u64 },
    /// A message out of order or repeated.
    Bad { id: usize, expected: u64, got: u64 },
}

#[test]
fn child_entry() {
    common::run_role(&[("stress", stress_child), ("sink", sink_child)]);
}

/// Reads the ports it is given; moves each on after a random count, with
/// probability three quarters (so that a channel moves three times on average).
fn stress_child() {
    // Links among the children close whenever they are empty for 30 ms:
    // the idle close races the bypasses that make them all along.
    let bounds = msgport_ipc::Bounds {
        idle_close: Some(Duration::from_millis(30)),
        ..Default::default()
    };
    let parent = Arc::new(msgport_ipc::parent_port_with_bounds(bounds).unwrap());
    while let Ok(Event::Message(m)) = parent.recv_blocking_as::<ToChild>(None) {
        let (id, port, mut next, seed) = match m.data {
            ToChild::Take {
                id,
                port,
                next,
                seed,
            } => (id, port, next, seed),
            ToChild::Send { port, n } => {
                std::thread::spawn(move || send(&port, n));
                continue;
            }
            ToChild::Exit => break,
        };
        let parent = parent.clone();
        std::thread::spawn(move || {
            let mut rng = SmallRng::seed_from_u64(seed);
            let within: u64 = std::env::var("MSGPORT_IPC_STRESS_MOVE_WITHIN")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(20_000)
                .max(2);
            let move_after = if rng.random_bool(0.75) {
                Some(rng.random_range(1..within))
            } else {
                None
            };
            let mut read = 0u64;
            loop {
                if move_after == Some(read) {
                    parent.post(&ToParent::Moved { id, port, next }).unwrap();
                    return;
                }
                match port.recv_blocking_as::<u64>(None) {
                    Ok(Event::Message(m)) if m.data == next => {
                        next += 1;
                        read += 1;
                    }
                    Ok(Event::Message(m)) => {
                        parent
                            .post(&ToParent::Bad {
                                id,
                                expected: next,
                                got: m.data,
                            })
                            .unwrap();
                        return;
                    }
                    _ => {
                        parent.post(&ToParent::Done { id, next }).unwrap();
                        return;
                    }
                }
            }
        });
    }
    msgport_ipc::flush(Duration::from_secs(5));
}

/// Posts `n` numbers on `port`, holding while its peer has more than
/// 100,000 waiting: backpressure, observed as in-process.
fn send(port: &MessagePort, n: u64) {
    for i in 0..n {
        if port.post(&i).is_err() {
            return;
        }
        if i % 4096 == 0 {
            while port.peer_queued().0 > 100_000 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
}

/// Holds the ports it is given, reading slowly, until it is killed.
fn sink_child() {
    let parent = msgport_ipc::parent_port().unwrap();
    let mut held = Vec::new();
    while let Ok(Event::Message(m)) = parent.recv_blocking_as::<ToChild>(None) {
        let ToChild::Take { port, .. } = m.data else {
            break;
        };
        held.push(port);
    }
}

#[test]
fn a_million_messages_among_five_processes_with_moves_closes_and_a_kill() {
    let total: u64 = std::env::var("MSGPORT_IPC_STRESS_MESSAGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    const CHANNELS: usize = 12;
    // Every fourth channel closes early, after 3/4 of its share or more.
    let per = total / (CHANNELS as u64 - 1);
    let started = Instant::now();
    let mut kids = Vec::new();
    let mut ports = Vec::new();
    for _ in 0..3 {
        let (k, p) = msgport_ipc::spawn(&mut child("stress")).unwrap();
        kids.push(k);
        ports.push(Arc::new(p));
    }
    let (mut sink, sink_port) = msgport_ipc::spawn(&mut child("sink")).unwrap();

    // What each child says comes to one queue.
    let (tx, rx) = mpsc::channel::<ToParent>();
    for p in &ports {
        let (p, tx) = (p.clone(), tx.clone());
        std::thread::spawn(move || {
            while let Ok(Event::Message(m)) = p.recv_blocking_as::<ToParent>(None) {
                if tx.send(m.data).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);

    // Channels: the receiving ends go to the children; the sending ends
    // of the even ones stay here, those of the odd ones go to another
    // child (this process is then a proxy between two children until it
    // introduces them, and again each time a receiving end passes
    // through). Every fourth closes early, at a random count.
    let seed: u64 = std::env::var("MSGPORT_IPC_STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("stress: seed {seed} (MSGPORT_IPC_STRESS_SEED to repeat)");
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut expected = Vec::new();
    let mut senders = Vec::new();
    for id in 0..CHANNELS {
        let ch = MessageChannel::new();
        let n = if id % 4 == 3 {
            rng.random_range(per * 3 / 4..per)
        } else {
            per
        };
        expected.push(n);
        ports[id % 3]
            .post(&ToChild::Take {
                id,
                port: ch.port2,
                next: 0,
                seed: rng.random(),
            })
            .unwrap();
        let s = ch.port1;
        if id % 2 == 1 {
            ports[(id + 2) % 3]
                .post(&ToChild::Send { port: s, n })
                .unwrap();
        } else {
            senders.push(std::thread::spawn(move || send(&s, n)));
        }
    }
    // Three channels end in the sink, which is killed mid-stream: their
    // senders here get `close`.
    let mut doomed = Vec::new();
    for _ in 0..3 {
        let ch = MessageChannel::new();
        sink_port
            .post(&ToChild::Take {
                id: 99,
                port: ch.port2,
                next: 0,
                seed: 0,
            })
            .unwrap();
        for i in 0..1000u64 {
            ch.port1.post(&i).unwrap();
        }
        doomed.push(ch.port1);
    }
    std::thread::sleep(Duration::from_millis(100));
    let killed = Instant::now();
    sink.kill().unwrap();
    for d in &doomed {
        loop {
            match d.recv_timeout(Duration::from_secs(5)) {
                Ok(Event::Close) => break,
                Ok(_) => continue,
                Err(e) => panic!("a port entangled with the killed process: {e:?}"),
            }
        }
    }
    assert!(
        killed.elapsed() < Duration::from_secs(1),
        "close took {:?}",
        killed.elapsed()
    );
    sink.wait().unwrap();

    // Moves go to another child; every channel must end with its count.
    let mut done = vec![None; CHANNELS];
    let mut moves = 0;
    while done.iter().any(Option::is_none) {
        match rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the children stopped answering")
        {
            ToParent::Moved { id, port, next } => {
                moves += 1;
                let to = (id + 1 + rng.random_range(0..2)) % 3;
                ports[to]
                    .post(&ToChild::Take {
                        id,
                        port,
                        next,
                        seed: rng.random(),
                    })
                    .unwrap();
            }
            ToParent::Done { id, next } => done[id] = Some(next),
            ToParent::Bad { id, expected, got } => {
                panic!("channel {id}: expected {expected}, got {got}")
            }
        }
    }
    for s in senders {
        s.join().unwrap();
    }
    let done: Vec<u64> = done.into_iter().map(Option::unwrap).collect();
    assert_eq!(
        done, expected,
        "every channel's count, exactly once and in order"
    );
    assert!(expected.iter().sum::<u64>() >= total);
    assert!(moves > 0);
    // A port moved back here on its way to another child crossed back
    // over the link it came by: the child it left stops being a proxy.
    let spliced: u64 = msgport_ipc::links().iter().map(|l| l.spliced).sum();
    assert!(spliced > 0, "no route was spliced in {moves} moves");
    // A channel whose ends were in two children left no proxy here.
    let bypassed: u64 = msgport_ipc::links().iter().map(|l| l.bypassed).sum();
    assert!(bypassed > 0, "no route was bypassed in {moves} moves");
    eprintln!(
        "stress: {} messages on {CHANNELS} channels, {moves} moves across processes, in {:?}",
        expected.iter().sum::<u64>(),
        started.elapsed()
    );
    for p in &ports {
        p.post(&ToChild::Exit).unwrap();
    }
    for mut k in kids {
        k.wait().unwrap();
    }
}
