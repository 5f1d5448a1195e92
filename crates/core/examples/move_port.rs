//! The main demo until the JS runtime lands: a port moves to another thread
//! while messages are in flight, and everything arrives, in order.
//!
//! `cargo run -p msgport --example move_port`

use msgport::clone::{Graph, HostObject, Object, Value};
use msgport::{Event, MessageChannel, Transfer};

fn main() {
    let (to_worker, worker_inbox) = MessageChannel::new().into_ports();
    let (talker, traveller) = MessageChannel::new().into_ports();

    // Messages sent to `traveller` before it moves…
    for i in 1..=3 {
        talker
            .post(&format!("queued before the move #{i}"))
            .unwrap();
    }

    let worker = std::thread::spawn(move || {
        // The worker receives the port inside a message: {greeting, port}.
        let Ok(Event::Message(m)) = worker_inbox.recv_blocking(None) else {
            panic!("no message")
        };
        let Value::Object(root) = m.data.root else {
            panic!()
        };
        println!(
            "worker: got {:?} and {} port(s)",
            m.data.property(root, "greeting"),
            m.ports.len()
        );
        let port = m.ports.into_iter().next().unwrap();
        // …arrive here, followed by those sent while it was in flight.
        loop {
            match port.recv_blocking_as::<String>(None) {
                Ok(Event::Message(m)) => {
                    println!("worker: {}", m.data);
                    port.post(&format!("ack: {}", m.data)).unwrap();
                }
                Ok(Event::Close) => {
                    println!("worker: the other side closed; done");
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
    });

    // Send the port; it is detached here at once.
    let mut msg = Graph::default();
    let p = msg.alloc(Object::Host(HostObject::Transferred(0)));
    msg.root = Value::Object(msg.object(vec![
        ("greeting".into(), Value::from("here is a port")),
        ("port".into(), Value::Object(p)),
    ]));
    to_worker
        .post_message(&mut msg, &[Transfer::Port(&traveller)])
        .unwrap();
    println!(
        "main: traveller detached after transfer: {}",
        traveller.is_detached()
    );

    for i in 1..=3 {
        talker.post(&format!("sent while in flight #{i}")).unwrap();
    }
    for _ in 0..6 {
        match talker.recv_blocking_as::<String>(None).unwrap() {
            Event::Message(m) => println!("main: {}", m.data),
            other => panic!("{other:?}"),
        }
    }
    drop(talker); // fires `close` at the worker's end
    worker.join().unwrap();
}
