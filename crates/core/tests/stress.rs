//! Randomized stress: 8 threads; data channels whose ends move between
//! threads (inside messages, with messages in flight) and get closed at
//! random; at least 1M messages. Invariant: for every sending end, the
//! other end sees its messages exactly once and in order, and when it sees
//! `close`, it has seen every message sent before it.

use msgport::clone::{Graph, HostObject, Object, Value};
use msgport::{Event, MessageChannel, MessagePort, RecvError, Transfer};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};

const THREADS: usize = 8;
const TARGET: u64 = 1_000_000;

/// One end of a data channel, with the bookkeeping that travels with it.
struct End {
    port: MessagePort,
    chan: u32,
    side: u8,
    next_send: u64,
    expect: u64,
}

struct Shared {
    sent: AtomicU64,
    received: AtomicU64,
    transfers: AtomicU64,
    closes: AtomicU64,
    live_ends: AtomicUsize,
    next_chan: AtomicU64,
    /// (chan, side) → how many that end sent before closing itself.
    final_sent: Mutex<HashMap<(u32, u8), u64>>,
    stop: std::sync::atomic::AtomicBool,
    /// Threads that have seen `stop` at the top of an iteration: from then
    /// on they create no channel, so once all have, `live_ends` only falls.
    acked: AtomicUsize,
}

fn carry_port(end: &End) -> Graph {
    // {chan, side, next_send, expect, port}
    let mut g = Graph::default();
    let h = g.alloc(Object::Host(HostObject::Transferred(0)));
    g.root = Value::Object(g.object(vec![
        ("chan".into(), Value::from(end.chan as f64)),
        ("side".into(), Value::from(end.side as f64)),
        ("next_send".into(), Value::from(end.next_send as f64)),
        ("expect".into(), Value::from(end.expect as f64)),
        ("port".into(), Value::Object(h)),
    ]));
    g
}

fn num(g: &Graph, key: &str) -> u64 {
    let Value::Object(o) = g.root else {
        panic!("not an object")
    };
    match g.property(o, key) {
        Some(Value::Number(n)) => *n as u64,
        other => panic!("{key}: {other:?}"),
    }
}

/// Drains one end; returns false once it is finished (saw close, or detached).
fn drain(end: &mut End, sh: &Shared) -> bool {
    loop {
        match end.port.try_recv_as::<(u32, u8, u64)>() {
            Ok(Some(Event::Message(m))) => {
                let (chan, side, seq) = m.data;
                assert_eq!(
                    (chan, side),
                    (end.chan, 1 - end.side),
                    "message from a foreign channel"
                );
                assert_eq!(
                    seq, end.expect,
                    "chan {chan} side {side}: lost, duplicated or reordered"
                );
                end.expect += 1;
                sh.received.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Some(Event::Close)) => {
                let finals = sh.final_sent.lock().unwrap();
                let sent = finals
                    .get(&(end.chan, 1 - end.side))
                    .copied()
                    .expect("close from an end that did not record its count");
                assert_eq!(
                    end.expect, sent,
                    "chan {}: close overtook messages",
                    end.chan
                );
                return false;
            }
            Ok(Some(Event::MessageError(e))) => panic!("messageerror: {e}"),
            Ok(Some(Event::Mismatch(m))) => panic!("mismatch: {m:?}"),
            Ok(None) => return true,
            Err(RecvError::Disentangled) | Err(RecvError::Detached) => return false,
            Err(e) => panic!("{e}"),
        }
    }
}

fn close_end(mut end: End, sh: &Shared) {
    sh.final_sent
        .lock()
        .unwrap()
        .insert((end.chan, end.side), end.next_send);
    end.port.close();
    sh.closes.fetch_add(1, Ordering::Relaxed);
    // The closing side still gets what was already queued.
    drain(&mut end, sh);
    sh.live_ends.fetch_sub(1, Ordering::SeqCst);
}

fn new_channel(sh: &Shared) -> (End, End) {
    let chan = sh.next_chan.fetch_add(1, Ordering::Relaxed) as u32;
    let (a, b) = MessageChannel::new().into_ports();
    sh.live_ends.fetch_add(2, Ordering::SeqCst);
    (
        End {
            port: a,
            chan,
            side: 0,
            next_send: 0,
            expect: 0,
        },
        End {
            port: b,
            chan,
            side: 1,
            next_send: 0,
            expect: 0,
        },
    )
}

/// Sends an end, with its bookkeeping, to a random thread's mailbox (maybe
/// this thread's own): the port moves with its messages in flight.
fn ship(end: End, txs: &[MessagePort], rng: &mut SmallRng, sh: &Shared) {
    let to = rng.random_range(0..THREADS);
    txs[to]
        .post_message(&mut carry_port(&end), &[Transfer::Port(&end.port)])
        .unwrap();
    assert!(end.port.is_detached());
    sh.transfers.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn stress_ports_moving_between_threads() {
    let seed: u64 = std::env::var("MSGPORT_STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("stress seed {seed} (rerun with MSGPORT_STRESS_SEED={seed})");
    let sh = Arc::new(Shared {
        sent: AtomicU64::new(0),
        received: AtomicU64::new(0),
        transfers: AtomicU64::new(0),
        closes: AtomicU64::new(0),
        live_ends: AtomicUsize::new(0),
        next_chan: AtomicU64::new(0),
        final_sent: Mutex::new(HashMap::new()),
        stop: false.into(),
        acked: AtomicUsize::new(0),
    });
    // mailbox[i][j]: thread i posts on mail_tx[i][j]; thread j receives on mail_rx[j][i].
    let mut mail_tx: Vec<Vec<Option<MessagePort>>> = (0..THREADS)
        .map(|_| (0..THREADS).map(|_| None).collect())
        .collect();
    let mut mail_rx: Vec<Vec<MessagePort>> = (0..THREADS).map(|_| Vec::new()).collect();
    for row in mail_tx.iter_mut() {
        for (j, slot) in row.iter_mut().enumerate() {
            let (tx, rx) = MessageChannel::new().into_ports();
            *slot = Some(tx);
            mail_rx[j].push(rx);
        }
    }
    // Initial data channels: two per thread, ends scattered.
    let mut initial: Vec<Vec<End>> = (0..THREADS).map(|_| Vec::new()).collect();
    for k in 0..THREADS * 2 {
        let (a, b) = new_channel(&sh);
        initial[k % THREADS].push(a);
        initial[(k * 3 + 1) % THREADS].push(b);
    }
    let barrier = Arc::new(Barrier::new(THREADS));
    let mut handles = Vec::new();
    for (me, (txs, (rxs, ends))) in mail_tx
        .into_iter()
        .zip(mail_rx.into_iter().zip(initial))
        .enumerate()
    {
        let sh = sh.clone();
        let barrier = barrier.clone();
        let txs: Vec<MessagePort> = txs.into_iter().map(Option::unwrap).collect();
        handles.push(std::thread::spawn(move || {
            let mut rng =
                SmallRng::seed_from_u64(seed ^ (me as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut ends = ends;
            let mut acked = false;
            barrier.wait();
            loop {
                let stopping = sh.stop.load(Ordering::SeqCst);
                if stopping && !acked {
                    acked = true;
                    sh.acked.fetch_add(1, Ordering::SeqCst);
                }
                // Ports arriving from other threads.
                for rx in &rxs {
                    while let Ok(Some(ev)) = rx.try_recv() {
                        let m = match ev {
                            Event::Message(m) => m,
                            // Another thread finished and dropped its mailbox
                            // ports: only at shutdown, when no end is in flight.
                            Event::Close => {
                                assert_eq!(
                                    sh.live_ends.load(Ordering::SeqCst),
                                    0,
                                    "a thread left while ends were in flight"
                                );
                                continue;
                            }
                            Event::MessageError(e) => panic!("mailbox messageerror {e}"),
                            Event::Mismatch(m) => panic!("mailbox mismatch {m:?}"),
                        };
                        let port = m
                            .ports
                            .into_iter()
                            .next()
                            .expect("a mailbox message carries a port");
                        let end = End {
                            port,
                            chan: num(&m.data, "chan") as u32,
                            side: num(&m.data, "side") as u8,
                            next_send: num(&m.data, "next_send"),
                            expect: num(&m.data, "expect"),
                        };
                        ends.push(end);
                    }
                }
                if stopping {
                    for end in ends.drain(..) {
                        close_end(end, &sh);
                    }
                    if sh.acked.load(Ordering::SeqCst) == THREADS
                        && sh.live_ends.load(Ordering::SeqCst) == 0
                    {
                        break;
                    }
                    std::thread::yield_now();
                    continue;
                }
                // Send a burst on each end, then drain each.
                let mut i = 0;
                while i < ends.len() {
                    let burst = rng.random_range(0..5);
                    for _ in 0..burst {
                        let e = &mut ends[i];
                        e.port.post(&(e.chan, e.side, e.next_send)).unwrap();
                        e.next_send += 1;
                    }
                    sh.sent.fetch_add(burst, Ordering::Relaxed);
                    if drain(&mut ends[i], &sh) {
                        i += 1;
                    } else {
                        // The peer closed: this end is finished; start a fresh channel.
                        ends.swap_remove(i);
                        sh.live_ends.fetch_sub(1, Ordering::SeqCst);
                        let (a, b) = new_channel(&sh);
                        ends.push(a);
                        ship(b, &txs, &mut rng, &sh);
                    }
                }
                // Move an end to a random thread (maybe this one), messages in flight.
                if !ends.is_empty() && rng.random_bool(0.6) {
                    let k = rng.random_range(0..ends.len());
                    ship(ends.swap_remove(k), &txs, &mut rng, &sh);
                }
                // Close an end now and then.
                if !ends.is_empty() && rng.random_bool(0.01) {
                    let k = rng.random_range(0..ends.len());
                    close_end(ends.swap_remove(k), &sh);
                    let (a, b) = new_channel(&sh);
                    ends.push(a);
                    ship(b, &txs, &mut rng, &sh);
                }
                if sh.sent.load(Ordering::Relaxed) >= TARGET {
                    sh.stop.store(true, Ordering::SeqCst);
                }
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let (sent, received) = (
        sh.sent.load(Ordering::SeqCst),
        sh.received.load(Ordering::SeqCst),
    );
    eprintln!(
        "sent {sent}, received {received}, transfers {}, closes {}",
        sh.transfers.load(Ordering::SeqCst),
        sh.closes.load(Ordering::SeqCst)
    );
    assert!(sent >= TARGET);
    assert!(
        sh.transfers.load(Ordering::SeqCst) > 8_000,
        "too few transfers to mean anything"
    );
    assert!(
        sh.closes.load(Ordering::SeqCst) > 100,
        "too few closes to mean anything"
    );
    // Messages are only lost when their receiver closed before reading them
    // (which `close_end` drains anyway), so nearly all must arrive.
    assert!(received * 100 >= sent * 99, "received {received} of {sent}");
}
