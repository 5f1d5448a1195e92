//! A duplex stream with a child process: the parent posts `N` small
//! messages as fast as it can while a second thread receives the child's
//! echo of each; the child echoes every message as it receives it (it
//! reads a stream and writes one). Prints messages per second each way.
//!
//! ```sh
//! cargo run --release -p msgport-ipc --example duplex [N]
//! ```

use msgport::Event;
use std::time::Instant;

fn main() {
    if std::env::var_os("DUPLEX_CHILD").is_some() {
        let p = msgport_ipc::parent_port().unwrap();
        while let Ok(Event::Message(m)) = p.recv_blocking_as::<u64>(None) {
            p.post(&m.data).unwrap();
        }
        if let Some(link) = msgport_ipc::links().first() {
            eprintln!(
                "duplex: the child's writes {} (inline {})",
                link.writes, link.inline_writes
            );
        }
        return;
    }
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let me = std::env::current_exe().unwrap();
    let (mut kid, port) =
        msgport_ipc::spawn(std::process::Command::new(me).env("DUPLEX_CHILD", "1")).unwrap();
    let port = std::sync::Arc::new(port);
    let t = Instant::now();
    let rx = {
        let port = port.clone();
        std::thread::spawn(move || {
            for i in 0..n {
                match port.recv_blocking_as::<u64>(None) {
                    Ok(Event::Message(m)) => assert_eq!(m.data, i, "in order"),
                    other => panic!("{other:?}"),
                }
            }
        })
    };
    for i in 0..n {
        port.post(&i).unwrap();
    }
    rx.join().unwrap();
    let secs = t.elapsed().as_secs_f64();
    let link = msgport_ipc::links().remove(0);
    println!(
        "duplex: {n} messages each way in {:.1} ms: {:.2} M msgs/s each way | parent's writes {} (inline {})",
        secs * 1e3,
        n as f64 / secs / 1e6,
        link.writes,
        link.inline_writes
    );
    drop(port);
    kid.wait().unwrap();
}
