//! Round trips of a small message with a child process, for profiling:
//! `cargo run --release -p msgport-ipc --example rtt [N] [move]`. With
//! `move`, each round trip sends a new channel's end, answered on it.
use msgport::{Event, MessageChannel, MessagePort};
use std::time::Instant;

fn main() {
    if std::env::var("RTT_CHILD").is_ok() {
        let p = msgport_ipc::parent_port().unwrap();
        if std::env::var("RTT_MOVE").is_ok() {
            let keep = std::env::var("RTT_KEEP").is_ok();
            let mut kept = Vec::new();
            while let Ok(Event::Message(m)) = p.recv_blocking_as::<MessagePort>(None) {
                m.data.post(&"ok").unwrap();
                if keep {
                    kept.push(m.data);
                }
            }
        } else {
            while let Ok(Event::Message(m)) = p.recv_blocking_as::<String>(None) {
                p.post(&m.data).unwrap();
            }
        }
        return;
    }
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let moving = args.next().as_deref() == Some("move");
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.env("RTT_CHILD", "1");
    if moving {
        cmd.env("RTT_MOVE", "1");
    }
    let (mut child, port) = msgport_ipc::spawn(&mut cmd).unwrap();
    let text = "x".repeat(61);
    let keep = std::env::var("RTT_KEEP").is_ok();
    let mut kept = Vec::new();
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        if moving {
            let ch = MessageChannel::new();
            port.post(&ch.port2).unwrap();
            let Ok(Event::Message(_)) = ch.port1.recv_blocking(None) else {
                panic!()
            };
            if keep {
                kept.push(ch.port1);
            }
        } else {
            port.post(&text).unwrap();
            let Ok(Event::Message(_)) = port.recv_blocking(None) else {
                panic!()
            };
        }
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{}: median {:?}, p90 {:?}, p99 {:?}",
        if moving {
            "moving a port"
        } else {
            "round trip"
        },
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() * 99 / 100]
    );
    drop(port);
    child.wait().unwrap();
}
