//! `cargo bench -p msgport --bench ports`
//!
//! msgport against crossbeam-channel (the physical floor for an in-process
//! channel) in the same run: a cross-thread stream of small serde messages,
//! a cross-thread ping-pong, and the transfer of a 256 MiB buffer. Criterion
//! measures each; a side-by-side table with ratios is printed at the end.

use criterion::{black_box, Criterion};
use msgport::clone::{ArrayBuffer, Graph, Object, ObjectId, Value};
use msgport::{Event, MessageChannel, Transfer};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[derive(Serialize, Deserialize, Clone, Debug)]
struct Small {
    i: u32,
    s: String,
}

const STREAM: u32 = 200_000;

fn msgport_stream(n: u32) -> Duration {
    let (tx, rx) = MessageChannel::new().into_ports();
    rx.start();
    let consumer = std::thread::spawn(move || {
        let mut got = 0;
        while got < n {
            match rx.recv_blocking_as::<Small>(None).unwrap() {
                Event::Message(m) => {
                    black_box(m.data.i);
                    got += 1;
                }
                other => panic!("{other:?}"),
            }
        }
        rx
    });
    let t = Instant::now();
    for i in 0..n {
        tx.post(&Small {
            i,
            s: "hello".into(),
        })
        .unwrap();
    }
    let _rx = consumer.join().unwrap();
    t.elapsed()
}

fn crossbeam_stream(n: u32) -> Duration {
    let (tx, rx) = crossbeam_channel::unbounded::<Small>();
    let consumer = std::thread::spawn(move || {
        for _ in 0..n {
            black_box(rx.recv().unwrap().i);
        }
    });
    let t = Instant::now();
    for i in 0..n {
        tx.send(Small {
            i,
            s: "hello".into(),
        })
        .unwrap();
    }
    consumer.join().unwrap();
    t.elapsed()
}

/// Median round trip over `n` ping-pongs.
fn msgport_pingpong(n: usize) -> Duration {
    let (a, b) = MessageChannel::new().into_ports();
    let echo = std::thread::spawn(move || {
        while let Ok(Event::Message(m)) = b.recv_blocking_as::<u32>(None) {
            b.post(&m.data).unwrap();
        }
    });
    let mut rtts = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let t = Instant::now();
        a.post(&i).unwrap();
        let Event::Message(_) = a.recv_blocking_as::<u32>(None).unwrap() else {
            panic!()
        };
        rtts.push(t.elapsed());
    }
    drop(a);
    echo.join().unwrap();
    rtts.sort();
    rtts[n / 2]
}

fn crossbeam_pingpong(n: usize) -> Duration {
    let (tx1, rx1) = crossbeam_channel::bounded::<u32>(1);
    let (tx2, rx2) = crossbeam_channel::bounded::<u32>(1);
    let echo = std::thread::spawn(move || {
        while let Ok(v) = rx1.recv() {
            tx2.send(v).unwrap();
        }
    });
    let mut rtts = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let t = Instant::now();
        tx1.send(i).unwrap();
        rx2.recv().unwrap();
        rtts.push(t.elapsed());
    }
    drop(tx1);
    echo.join().unwrap();
    rtts.sort();
    rtts[n / 2]
}

/// Posts a graph holding a 256 MiB buffer with it in the transfer list and
/// receives it on the other side; returns the time and the buffer.
fn transfer_once(ch: &MessageChannel, data: Vec<u8>) -> (Duration, Vec<u8>) {
    let mut g = Graph::default();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(data)));
    g.root = Value::Object(buf);
    let t = Instant::now();
    ch.port1
        .post_message(&mut g, &[Transfer::ArrayBuffer(buf)])
        .unwrap();
    let Some(Event::Message(mut m)) = ch.port2.try_recv().unwrap() else {
        panic!()
    };
    let elapsed = t.elapsed();
    let Some(Object::ArrayBuffer(b)) = m.data.get_mut(ObjectId(0)) else {
        panic!()
    };
    (elapsed, std::mem::take(&mut b.data).into_vec())
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    c.bench_function("stream/msgport 200k small serde messages", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| msgport_stream(STREAM)).sum())
    });
    c.bench_function("stream/crossbeam 200k small structs", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| crossbeam_stream(STREAM)).sum())
    });
    c.bench_function("pingpong/msgport median of 2000", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| msgport_pingpong(2000)).sum())
    });
    c.bench_function("pingpong/crossbeam median of 2000", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| crossbeam_pingpong(2000)).sum())
    });
    let ch = MessageChannel::new();
    let mut data = vec![1u8; 256 << 20];
    c.bench_function("transfer/256 MiB ArrayBuffer", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (t, back) = transfer_once(&ch, std::mem::take(&mut data));
                data = back;
                total += t;
            }
            total
        })
    });
    c.final_summary();

    // Side by side, same run: medians of 5 runs each.
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    // The table's streams are longer than criterion's samples: 1M messages,
    // median of 7, alternating the two sides.
    const TABLE_STREAM: u32 = 1_000_000;
    let mut msg_runs = Vec::new();
    let mut cb_runs = Vec::new();
    for _ in 0..7 {
        msg_runs.push(msgport_stream(TABLE_STREAM));
        cb_runs.push(crossbeam_stream(TABLE_STREAM));
    }
    let ms = median(msg_runs);
    let cs = median(cb_runs);
    let mp = median((0..5).map(|_| msgport_pingpong(5000)).collect());
    let cp = median((0..5).map(|_| crossbeam_pingpong(5000)).collect());
    let tr = median(
        (0..9)
            .map(|_| {
                let (t, back) = transfer_once(&ch, std::mem::take(&mut data));
                data = back;
                t
            })
            .collect(),
    );
    let small = {
        let (t, _) = transfer_once(&ch, vec![1u8; 16]);
        t
    };
    assert_eq!(data.len(), 256 << 20, "the buffer came back whole");
    let rate = |d: Duration| TABLE_STREAM as f64 / d.as_secs_f64() / 1e6;
    println!("\nside by side, same run");
    println!(
        "{:<44} {:>14} {:>14} {:>8}",
        "case", "msgport", "crossbeam", "ratio"
    );
    println!(
        "{:<44} {:>11.2} M/s {:>11.2} M/s {:>7.2}x",
        "stream of {i, s:'hello'} (msgs/s)",
        rate(ms),
        rate(cs),
        cs.as_secs_f64() / ms.as_secs_f64()
    );
    println!(
        "{:<44} {:>12.2}µs {:>12.2}µs {:>7.2}x",
        "ping-pong median round trip",
        mp.as_secs_f64() * 1e6,
        cp.as_secs_f64() * 1e6,
        cp.as_secs_f64() / mp.as_secs_f64()
    );
    println!(
        "{:<44} {:>12.2}µs {:>14}",
        "transfer 256 MiB ArrayBuffer (post+receive)",
        tr.as_secs_f64() * 1e6,
        "-"
    );
    println!(
        "{:<44} {:>12.2}µs {:>14}",
        "transfer 16 B ArrayBuffer (post+receive)",
        small.as_secs_f64() * 1e6,
        "-"
    );
}
