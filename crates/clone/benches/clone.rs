//! `cargo bench -p msgport-clone --bench clone`
//!
//! msgport's codec against V8's serializer (through Node) on the same values
//! in the same run: a 10,000-object graph and a message holding a 1 KiB
//! string. Criterion measures msgport; then both sides are timed with the
//! same batch-median method and a table of MB/s and ratios is printed.

use criterion::{black_box, Criterion};
use msgport_clone::{from_bytes, from_bytes_graph, to_bytes, to_bytes_graph, Graph};
use std::process::Command;
use std::time::Instant;

#[derive(serde::Serialize, serde::Deserialize)]
struct TextMessage {
    id: u32,
    body: String,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Median ns/op over 15 batches of ~20 ms, as the Node side measures.
fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    let one = t.elapsed().as_nanos().max(1) as f64;
    let n = ((20e6 / one).round() as usize).max(1);
    for _ in 0..n {
        f();
    }
    let mut batches: Vec<f64> = (0..15)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..n {
                f();
            }
            s.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    batches.sort_by(|a, b| a.partial_cmp(b).unwrap());
    batches[7]
}

fn main() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node_clone.js");
    let out = Command::new("node")
        .arg(script)
        .output()
        .expect("node is needed for the side-by-side benchmark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let node: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let graph_bytes = unhex(node["graph"]["hex"].as_str().unwrap());
    let graph: Graph = from_bytes_graph(&graph_bytes).unwrap();
    // Same value (V8 may write a runtime-computed integral double as `N` where
    // msgport writes `I`, so bytes can differ by representation only).
    assert!(
        from_bytes_graph(&to_bytes_graph(&graph).unwrap())
            .unwrap()
            .same(&graph),
        "benchmark graph does not round-trip"
    );
    let text_bytes = unhex(node["string_1k"]["hex"].as_str().unwrap());
    let text: TextMessage = from_bytes(&text_bytes).unwrap();

    let mut c = Criterion::default().configure_from_args().sample_size(30);
    c.bench_function("graph/encode", |b| {
        b.iter(|| to_bytes_graph(black_box(&graph)).unwrap())
    });
    c.bench_function("graph/decode", |b| {
        b.iter(|| from_bytes_graph(black_box(&graph_bytes)).unwrap())
    });
    c.bench_function("string_1k/encode_serde", |b| {
        b.iter(|| to_bytes(black_box(&text)).unwrap())
    });
    c.bench_function("string_1k/decode_serde", |b| {
        b.iter(|| from_bytes::<TextMessage>(black_box(&text_bytes)).unwrap())
    });
    c.bench_function("string_1k/decode_borrowed", |b| {
        b.iter(|| {
            #[derive(serde::Deserialize)]
            #[allow(dead_code)]
            struct Borrowed<'a> {
                id: u32,
                body: &'a str,
            }
            from_bytes::<Borrowed>(black_box(&text_bytes)).unwrap().id
        })
    });
    c.final_summary();

    let rows = [
        (
            "graph encode (Graph)",
            graph_bytes.len(),
            time(|| drop(black_box(to_bytes_graph(&graph).unwrap()))),
            node["graph"]["encode_ns"].as_f64().unwrap(),
        ),
        (
            "graph decode (Graph)",
            graph_bytes.len(),
            time(|| drop(black_box(from_bytes_graph(&graph_bytes).unwrap()))),
            node["graph"]["decode_ns"].as_f64().unwrap(),
        ),
        (
            "1 KiB string encode (serde)",
            text_bytes.len(),
            time(|| drop(black_box(to_bytes(&text).unwrap()))),
            node["string_1k"]["encode_ns"].as_f64().unwrap(),
        ),
        (
            "1 KiB string decode (serde)",
            text_bytes.len(),
            time(|| drop(black_box(from_bytes::<TextMessage>(&text_bytes).unwrap()))),
            node["string_1k"]["decode_ns"].as_f64().unwrap(),
        ),
    ];
    println!(
        "\nside by side, same run ({} objects, {} wire bytes in the graph)",
        node["graph_objects"],
        graph_bytes.len()
    );
    println!(
        "{:<30} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "case", "msgport µs", "msgport MB/s", "node µs", "node MB/s", "ratio"
    );
    for (name, len, ours, theirs) in rows {
        let mbs = |ns: f64| len as f64 / ns * 1e3;
        println!(
            "{:<30} {:>12.2} {:>12.0} {:>12.2} {:>12.0} {:>7.1}x",
            name,
            ours / 1e3,
            mbs(ours),
            theirs / 1e3,
            mbs(theirs),
            theirs / ours
        );
    }
}
