//! `cargo bench -p msgport --bench memory`
//!
//! Heap bytes per queued small message (`{i: u32, s: "hello"}`), beyond the
//! payload, counted by a global allocator; Node's MessagePort measured in
//! the same run for comparison.

use msgport::MessageChannel;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;

// The system allocator, counting (the stats_alloc crate).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Live heap bytes since `region` began (a reallocation's growth or
/// shrinking is already in the allocated and deallocated counts).
fn live(region: &Region<'_, System>) -> isize {
    let c = region.change();
    c.bytes_allocated as isize - c.bytes_deallocated as isize
}

#[derive(serde::Serialize)]
struct Small {
    i: u32,
    s: &'static str,
}

const N: usize = 100_000;

const NODE: &str = r#"
const { MessageChannel } = require('node:worker_threads');
const N = 100000;
const { port1, port2 } = new MessageChannel();
global.gc(); global.gc();
const before = process.memoryUsage();
for (let i = 0; i < N; i++) port1.postMessage({ i, s: 'hello' });
global.gc(); global.gc();
const after = process.memoryUsage();
const d = (after.rss - before.rss) / N;
console.log(JSON.stringify({ rss_per_msg: d, heap_per_msg: (after.heapUsed + after.external - before.heapUsed - before.external) / N }));
port1.close();
"#;

fn main() {
    let ch = MessageChannel::new();
    let payload = msgport::clone::to_bytes(&Small { i: 1, s: "hello" })
        .unwrap()
        .len();
    let region = Region::new(GLOBAL);
    for i in 0..N as u32 {
        ch.port1.post(&Small { i, s: "hello" }).unwrap();
    }
    let per = live(&region) as f64 / N as f64;
    assert_eq!(ch.port2.queued().0, N);
    let node = std::process::Command::new("node")
        .args(["--expose-gc", "-e", NODE])
        .output()
        .ok()
        .filter(|o| o.status.success());
    println!(
        "msgport: {per:.1} heap bytes per queued message, payload {payload} B, overhead {:.1} B",
        per - payload as f64
    );
    match node {
        Some(o) => println!("node:    {}", String::from_utf8_lossy(&o.stdout).trim()),
        None => println!("node:    not available"),
    }
}
