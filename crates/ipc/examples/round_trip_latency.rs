//! Round-trip latency of a 64-byte message to a child process and back,
//! msgport-ipc beside a raw Unix socket in the same run: median and 90th
//! percentile of each, their ratio, and who read the link (the receiving
//! thread itself, or the link's reader thread).
//!
//! ```sh
//! cargo run --release -p msgport-ipc --example round_trip_latency
//! ```
//!
//! `ROUNDS` (default 20000) sets the number of round trips of each;
//! `BUSY=n` runs `n` CPU-bound processes beside the measurement (a busy
//! machine: with `n` at the number of cores, every wake-up waits for a
//! core someone else wants); `ONLY=msgport` or `ONLY=raw` runs one side
//! (for `perf stat` or `strace -c`).

use msgport::Event;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Instant;

const CHILD: &str = "ROUND_TRIP_LATENCY_CHILD";
const RAW: &str = "ROUND_TRIP_LATENCY_RAW";
const SPIN: &str = "ROUND_TRIP_LATENCY_SPIN";

/// (median, 90th percentile) in microseconds.
fn percentiles(mut lat: Vec<u64>) -> (f64, f64) {
    lat.sort_unstable();
    let at = |q: usize| lat[lat.len() * q / 100] as f64 / 1000.0;
    if std::env::var_os("DETAIL").is_some() {
        let mean = lat.iter().sum::<u64>() as f64 / lat.len() as f64 / 1000.0;
        eprintln!(
            "  p10 {:.1} p25 {:.1} p50 {:.1} p75 {:.1} p90 {:.1} p99 {:.1} mean {:.1} µs",
            at(10),
            at(25),
            at(50),
            at(75),
            at(90),
            at(99),
            mean
        );
    }
    (at(50), at(90))
}

fn timed(rounds: usize, mut once: impl FnMut()) -> Vec<u64> {
    for _ in 0..rounds / 20 {
        once();
    }
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            once();
            t.elapsed().as_nanos() as u64
        })
        .collect()
}

fn main() {
    if std::env::var_os(SPIN).is_some() {
        // A CPU-bound neighbour, until killed.
        let mut x = 0u64;
        loop {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    if let Ok(path) = std::env::var(RAW) {
        let mut s = UnixStream::connect(path).unwrap();
        let mut b = [0u8; 64];
        while s.read_exact(&mut b).is_ok() {
            s.write_all(&b).unwrap();
        }
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        let p = msgport_ipc::parent_port().unwrap();
        while let Ok(Event::Message(m)) = p.recv_blocking_as::<String>(None) {
            p.post(&m.data).unwrap();
        }
        return;
    }
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let me = std::env::current_exe().unwrap();
    let busy: usize = std::env::var("BUSY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut spinners: Vec<_> = (0..busy)
        .map(|_| {
            std::process::Command::new(&me)
                .env(SPIN, "1")
                .spawn()
                .unwrap()
        })
        .collect();

    let only = std::env::var("ONLY").unwrap_or_default();
    let (ours, link) = if only == "raw" {
        ((f64::NAN, f64::NAN), None)
    } else {
        let (mut kid, port) =
            msgport_ipc::spawn(std::process::Command::new(&me).env(CHILD, "1")).unwrap();
        let text = "x".repeat(57); // 64 bytes on the wire with the frame header
        let ours = percentiles(timed(rounds, || {
            port.post(&text).unwrap();
            port.recv_blocking(None).unwrap();
        }));
        let link = msgport_ipc::links().remove(0);
        drop(port);
        kid.wait().unwrap();
        (ours, Some(link))
    };
    if only == "msgport" {
        let link = link.unwrap();
        println!(
            "msgport-ipc: median {:.1} µs, p90 {:.1} µs | reads {} (by the receiving thread: {}) | writes {} (inline: {})",
            ours.0, ours.1, link.reads, link.lent_reads, link.writes, link.inline_writes
        );
        return;
    }

    let path = std::env::temp_dir().join(format!("round-trip-{}.sock", std::process::id()));
    let listener = UnixListener::bind(&path).unwrap();
    let mut kid = std::process::Command::new(&me)
        .env(RAW, &path)
        .spawn()
        .unwrap();
    let (mut sock, _) = listener.accept().unwrap();
    let _ = std::fs::remove_file(&path);
    let (b, mut back) = ([7u8; 64], [0u8; 64]);
    let raw = percentiles(timed(rounds, || {
        sock.write_all(&b).unwrap();
        sock.read_exact(&mut back).unwrap();
    }));
    drop(sock);
    kid.wait().unwrap();
    for s in &mut spinners {
        let _ = s.kill();
        let _ = s.wait();
    }

    println!(
        "{}msgport-ipc: median {:.1} µs, p90 {:.1} µs | raw socket: median {:.1} µs, p90 {:.1} µs | median ratio {:.2} | reads {} (by the receiving thread: {}) | writes {} (inline: {})",
        if busy > 0 { format!("BUSY={busy} | ") } else { String::new() },
        ours.0,
        ours.1,
        raw.0,
        raw.1,
        ours.0 / raw.0,
        link.as_ref().map_or(0, |l| l.reads),
        link.as_ref().map_or(0, |l| l.lent_reads),
        link.as_ref().map_or(0, |l| l.writes),
        link.as_ref().map_or(0, |l| l.inline_writes),
    );
}
