//! A supervisor and its worker processes, joined by msgport ports.
//!
//! The supervisor spawns two workers (this same program, run as
//! `supervisor worker`), gives the first a stream of numbers on a fresh
//! channel, and moves that channel's receiving end to the second worker
//! mid-stream: not one number is lost or repeated. Then it kills the
//! second worker with SIGKILL, sees its ports close, and starts another.
//! Last, it hands the two ends of one channel to two workers: it
//! introduces them to each other and leaves the route, which runs
//! directly between them from then on.
//!
//! `cargo run --release -p msgport-ipc --example supervisor`

use msgport::{Event, MessageChannel, MessagePort};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[derive(Serialize, Deserialize, Debug)]
enum Job {
    /// Sum the numbers that come on `port`, starting with `first`, until
    /// told to give the port back (or it closes).
    Sum { port: MessagePort, first: u64 },
    /// Stop summing and send the port back, with the next number due.
    GiveBack,
    /// Post the numbers from 0 to `n` on `port`, then close it.
    Produce { port: MessagePort, n: u64 },
}

#[derive(Serialize, Deserialize, Debug)]
enum Report {
    /// The port, handed back mid-stream.
    Returned {
        port: MessagePort,
        next: u64,
        sum: u64,
    },
    /// The stream closed after `next` numbers.
    Finished { next: u64, sum: u64 },
}

fn worker() {
    let boss = msgport_ipc::parent_port().expect("started by the supervisor");
    let mut current: Option<(MessagePort, u64, u64)> = None;
    loop {
        // Take the numbers that are there, then look at the boss's port.
        if let Some((port, next, sum)) = current.as_mut() {
            while let Ok(Some(Event::Message(m))) = port.try_recv_as::<u64>() {
                assert_eq!(m.data, *next, "in order, exactly once");
                *sum += m.data;
                *next += 1;
            }
            if port.peer_name().is_none() {
                // Closed: drain what is left, then report.
                let (port, mut next, mut sum) = current.take().unwrap();
                while let Ok(Event::Message(m)) =
                    port.recv_timeout_as::<u64>(Duration::from_millis(100))
                {
                    sum += m.data;
                    next += 1;
                }
                boss.post(&Report::Finished { next, sum }).unwrap();
                continue;
            }
        }
        match boss.recv_timeout_as::<Job>(Duration::from_millis(1)) {
            Ok(Event::Message(m)) => match m.data {
                Job::Sum { port, first } => current = Some((port, first, 0)),
                Job::GiveBack => {
                    if let Some((port, next, sum)) = current.take() {
                        boss.post(&Report::Returned { port, next, sum }).unwrap();
                    }
                }
                Job::Produce { port, n } => {
                    std::thread::spawn(move || {
                        for i in 0..n {
                            let _ = port.post(&i);
                        }
                    });
                }
            },
            Err(msgport::RecvError::Timeout) => {}
            _ => break, // the supervisor is gone
        }
    }
    msgport_ipc::flush(Duration::from_secs(1));
}

fn spawn_worker() -> (std::process::Child, MessagePort) {
    let me = std::env::current_exe().unwrap();
    msgport_ipc::spawn(std::process::Command::new(me).arg("worker")).expect("spawn a worker")
}

fn report(port: &MessagePort) -> Report {
    match port.recv_timeout_as::<Report>(Duration::from_secs(10)) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("no report: {other:?}"),
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        return worker();
    }
    let (mut a, to_a) = spawn_worker();
    let (mut b, to_b) = spawn_worker();
    println!("supervisor: two workers, pids {} and {}", a.id(), b.id());

    // A stream of numbers; its receiving end goes to worker A.
    let numbers = MessageChannel::new();
    to_a.post(&Job::Sum {
        port: numbers.port2,
        first: 0,
    })
    .unwrap();
    const N: u64 = 200_000;
    for i in 0..N / 2 {
        numbers.port1.post(&i).unwrap();
    }
    // Mid-stream, A hands the port back; it goes on to B, with every
    // number still queued or in flight.
    to_a.post(&Job::GiveBack).unwrap();
    for i in N / 2..N {
        numbers.port1.post(&i).unwrap();
    }
    let Report::Returned {
        port,
        next,
        sum: sum_a,
    } = report(&to_a)
    else {
        panic!()
    };
    println!("supervisor: A summed the first {next} numbers and gave the port back");
    to_b.post(&Job::Sum { port, first: next }).unwrap();
    numbers.port1.close();
    let Report::Finished {
        next: end,
        sum: sum_b,
    } = report(&to_b)
    else {
        panic!()
    };
    assert_eq!(end, N);
    assert_eq!(sum_a + sum_b, N * (N - 1) / 2, "every number once");
    println!("supervisor: B summed the rest, up to {end}: the total is right");

    // B dies: its port here gets `close` at once; a new worker takes over.
    let killed = Instant::now();
    b.kill().unwrap();
    match to_b.recv_timeout(Duration::from_secs(5)) {
        Ok(Event::Close) => println!(
            "supervisor: B was killed; its port closed after {:?}",
            killed.elapsed()
        ),
        other => panic!("expected close, got {other:?}"),
    }
    b.wait().unwrap();
    let (mut c, to_c) = spawn_worker();
    let more = MessageChannel::new();
    to_c.post(&Job::Sum {
        port: more.port2,
        first: 0,
    })
    .unwrap();
    for i in 0..10u64 {
        more.port1.post(&i).unwrap();
    }
    more.port1.close();
    let Report::Finished { next, sum } = report(&to_c) else {
        panic!()
    };
    assert_eq!((next, sum), (10, 45));
    println!(
        "supervisor: a new worker (pid {}) took over and works",
        c.id()
    );

    // Both ends of one channel to two workers: A produces, C sums. The
    // supervisor introduces them and leaves the route.
    let direct = MessageChannel::new();
    to_a.post(&Job::Produce {
        port: direct.port1,
        n: N,
    })
    .unwrap();
    to_c.post(&Job::Sum {
        port: direct.port2,
        first: 0,
    })
    .unwrap();
    let Report::Finished { next, sum } = report(&to_c) else {
        panic!()
    };
    assert_eq!((next, sum), (N, N * (N - 1) / 2));
    let links = msgport_ipc::links();
    let open: Vec<_> = links.iter().filter(|l| l.closed.is_none()).collect();
    println!(
        "supervisor: A sent C {N} numbers directly; the supervisor bypassed {} routes \
         and holds {} (its two workers' own)",
        links.iter().map(|l| l.bypassed).sum::<u64>(),
        open.iter().map(|l| l.routes).sum::<usize>()
    );

    drop((to_a, to_c));
    a.wait().unwrap();
    c.wait().unwrap();
    println!("supervisor: done");
}
