//! Round trips of a small message with a child process, for profiling:
//! `cargo run --release -p msgport-ipc --example rtt [N]`.
use msgport::Event;
use std::time::Instant;

fn main() {
    if std::env::var("RTT_CHILD").is_ok() {
        let p = msgport_ipc::parent_port().unwrap();
        while let Ok(Event::Message(m)) = p.recv_blocking_as::<String>(None) {
            p.post(&m.data).unwrap();
        }
        return;
    }
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let (mut child, port) = msgport_ipc::spawn(
        std::process::Command::new(std::env::current_exe().unwrap()).env("RTT_CHILD", "1"),
    )
    .unwrap();
    let text = "x".repeat(61);
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        port.post(&text).unwrap();
        let Ok(Event::Message(_)) = port.recv_blocking(None) else {
            panic!()
        };
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "round trip: median {:?}, p90 {:?}, p99 {:?}",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() * 99 / 100]
    );
    drop(port);
    child.wait().unwrap();
}
