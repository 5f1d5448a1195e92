//! Rust and JavaScript on one channel: `JsRuntime::add_port`.

use msgport::clone::{Graph, HostObject, Object, Value};
use msgport::{Event, MessageChannel};
use msgport_js::{JsRuntime, Output};
use std::time::Duration;

fn recv_string(port: &msgport::MessagePort) -> String {
    match port.recv_blocking_as::<String>(Some(Duration::from_secs(10))) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn a_rust_peer_that_posts_later_keeps_the_run_going_until_the_port_closes() {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let rust = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        rust_side.post(&"late").unwrap();
        let answer = recv_string(&rust_side);
        drop(rust_side); // JS gets `close`, and then nothing can happen any more
        answer
    });
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    let code = rt.run_script(
        "embed.js",
        r#"
        if (!(rust instanceof MessagePort)) throw new Error("not a MessagePort");
        rust.onmessage = (e) => rust.postMessage("got " + e.data);
        rust.onclose = () => { globalThis.closed = true; };
        "#,
    );
    assert_eq!(code, 0);
    assert_eq!(rust.join().unwrap(), "got late");
}

#[test]
fn a_rust_port_closed_by_javascript_lets_the_run_end() {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    let code = rt.run_script("close.js", "rust.onmessage = () => {}; rust.close();");
    assert_eq!(code, 0);
    assert!(matches!(
        rust_side.recv_blocking(Some(Duration::from_secs(10))),
        Ok(Event::Close)
    ));
}

#[test]
fn an_undecodable_message_is_a_messageerror_and_later_ones_still_flow() {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    // A record that names a transferred port it does not carry: it cannot be
    // deserialized at the receiver (HTML `#message-port-post-message-steps`: messageerror).
    let mut bad = Graph::default();
    bad.root = Value::Object(bad.alloc(Object::Host(HostObject::Transferred(0))));
    let bytes = msgport::clone::to_bytes_graph(&bad);
    assert!(bytes.is_err(), "the encoder refuses it");
    // So it is written by hand: V8 header, host object tag, kind 0, index 0.
    rust_side.post_serialized(vec![0xFF, 0x0F, b'\\', 0, 0]);
    rust_side.post(&"after").unwrap();
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    let code = rt.run_script(
        "messageerror.js",
        r#"
        const seen = [];
        rust.onmessageerror = (e) => { seen.push(["messageerror", e.data, e instanceof MessageEvent, e.isTrusted]); };
        rust.onmessage = (e) => {
          seen.push(["message", e.data]);
          rust.postMessage(JSON.stringify(seen));
          rust.close();
        };
        "#,
    );
    assert_eq!(code, 0);
    assert_eq!(
        recv_string(&rust_side),
        r#"[["messageerror",null,true,true],["message","after"]]"#
    );
}

#[test]
fn an_uncaught_exception_ends_the_run_even_with_a_rust_port_open() {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = JsRuntime::new(Output::std()).unwrap();
        rt.add_port("rust", js_side).unwrap();
        let code = rt.run_script(
            "throws.js",
            "rust.onmessage = () => {}; throw new Error('fatal');",
        );
        tx.send(code).unwrap();
    });
    let code = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the run ended");
    assert_eq!(code, 1);
    drop(rust_side);
}

#[test]
fn add_port_reports_a_global_that_cannot_be_set_with_our_error_type() {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let rt = JsRuntime::new(Output::std()).unwrap();
    assert_eq!(
        rt.run_script(
            "lock.js",
            "Object.defineProperty(globalThis, 'taken', { value: 1, writable: false });"
        ),
        0
    );
    let err: msgport_js::Error = rt.add_port("taken", js_side).unwrap_err();
    assert!(matches!(err, msgport_js::Error::Exception(_)), "{err:?}");
    assert!(err.to_string().contains("JavaScript threw"), "{err}");
    // The port it could not hand over is closed, not leaked open.
    assert!(matches!(
        rust_side.recv_blocking(Some(std::time::Duration::from_secs(5))),
        Ok(Event::Close)
    ));
}

/// A large ArrayBuffer a script clones travels beside the message (copied
/// once, adopted by a JS receiver); a Rust receiver still reads it as
/// plain bytes, or as a `msgport::Buffer`, as it reads a small one.
#[test]
fn a_rust_receiver_reads_large_cloned_buffers_as_bytes() {
    #[derive(serde::Deserialize)]
    struct Got {
        #[serde(with = "serde_bytes")]
        small: Vec<u8>,
        #[serde(with = "serde_bytes")]
        large: Vec<u8>,
        again: msgport::Buffer,
    }
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    let code = rt.run_script(
        "large.js",
        r#"
        const large = new Uint8Array(1 << 20).fill(7).buffer;
        rust.postMessage({ small: new Uint8Array([1, 2, 3]).buffer, large, again: new Uint8Array(70000).fill(9).buffer });
        rust.postMessage({ small: new ArrayBuffer(1), large, again: large });
        rust.close();
        "#,
    );
    assert_eq!(code, 0);
    for round in 0..2 {
        match rust_side.recv_blocking_as::<Got>(Some(Duration::from_secs(10))) {
            Ok(Event::Message(m)) => {
                assert_eq!(m.data.large.len(), 1 << 20, "round {round}");
                assert!(m.data.large.iter().all(|&b| b == 7));
                if round == 0 {
                    assert_eq!(m.data.small, [1, 2, 3]);
                    assert_eq!(m.data.again.len(), 70000);
                    assert!(m.data.again.into_vec().iter().all(|&b| b == 9));
                } else {
                    assert_eq!(m.data.again.len(), 1 << 20, "the same buffer twice");
                }
            }
            Ok(_) | Err(_) => panic!("round {round}: expected a message"),
        }
    }
}

#[test]
fn rust_and_javascript_share_memory_through_a_shared_array_buffer() {
    use msgport::clone::{SharedArrayBuffer, SharedBlock};
    use std::sync::atomic::Ordering;
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    // Memory made by Rust belongs to no agent cluster: any realm takes it.
    let block = SharedBlock::new(8).unwrap();
    block.bytes()[0].store(20, Ordering::Relaxed);
    let mut g = Graph::default();
    let b = g.alloc(Object::SharedArrayBuffer(SharedArrayBuffer::new(
        block.clone(),
    )));
    g.root = Value::Object(b);
    rust_side.post_message(&mut g, &[]).unwrap();
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    let code = rt.run_script(
        "shared.js",
        r#"
        rust.onmessage = (e) => {
          const bytes = new Uint8Array(e.data);
          bytes[1] = bytes[0] + 1;           // into Rust's memory
          // And JavaScript's own memory, the other way.
          const mine = new SharedArrayBuffer(4);
          new Uint8Array(mine)[3] = 7;
          rust.postMessage(mine);
          rust.close();
        };
        "#,
    );
    assert_eq!(code, 0);
    assert_eq!(block.bytes()[1].load(Ordering::Relaxed), 21);
    let Ok(Event::Message(m)) = rust_side.recv_blocking(Some(Duration::from_secs(10))) else {
        panic!("expected the runtime's SharedArrayBuffer")
    };
    let theirs = m
        .data
        .objects
        .iter()
        .find_map(|o| match o {
            Object::SharedArrayBuffer(s) => Some(s.block.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(theirs.to_vec(), [0, 0, 0, 7]);
    assert!(
        theirs.cluster().is_some(),
        "made in the runtime's agent cluster"
    );
    // The runtime has ended; the memory lives on with the reference held here.
    assert_eq!(theirs.holders(), 2, "the message's graph and ours");
}
