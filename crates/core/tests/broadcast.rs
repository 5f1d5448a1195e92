//! BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts).

use msgport::{BroadcastError, BroadcastGroup};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ORIGIN: &str = "https://example.com";

#[test]
fn posts_reach_the_other_channels_of_one_name_and_origin_only() {
    let g = BroadcastGroup::new();
    let a = g.channel("n", ORIGIN);
    let b = g.channel("n", ORIGIN);
    let c = g.channel("n", ORIGIN);
    let other_name = g.channel("m", ORIGIN);
    let other_origin = g.channel("n", "https://other.example");
    assert_eq!(a.post(&1).unwrap(), 2);
    assert_eq!(b.post(&2).unwrap(), 2);
    assert!(a.try_recv().map(|m| m.data_as::<i32>().unwrap()) == Some(2));
    assert!(a.try_recv().is_none(), "a does not hear itself");
    let got: Vec<i32> = std::iter::from_fn(|| c.try_recv())
        .map(|m| m.data_as().unwrap())
        .collect();
    assert_eq!(got, [1, 2], "in posting order");
    assert_eq!(b.try_recv().unwrap().data_as::<i32>().unwrap(), 1);
    assert!(other_name.try_recv().is_none());
    assert!(other_origin.try_recv().is_none());
    // Another group never hears this one.
    let elsewhere = BroadcastGroup::new().channel("n", ORIGIN);
    a.post(&3).unwrap();
    assert!(elsewhere.try_recv().is_none());
}

#[test]
fn a_post_is_serialized_once_and_shared() {
    let g = BroadcastGroup::new();
    let a = g.channel("n", ORIGIN);
    let b = g.channel("n", ORIGIN);
    let c = g.channel("n", ORIGIN);
    a.post(&"x".repeat(1000)).unwrap();
    let (mb, mc) = (b.try_recv().unwrap(), c.try_recv().unwrap());
    assert_eq!(
        mb.bytes().as_ptr(),
        mc.bytes().as_ptr(),
        "one buffer for every receiver"
    );
    assert_eq!(mb.origin(), ORIGIN);
    assert_eq!(
        mb.data().unwrap().root,
        msgport::clone::Value::from("x".repeat(1000).as_str())
    );
}

#[test]
fn delivery_follows_creation_order() {
    let g = BroadcastGroup::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let channels: Vec<_> = (0..5)
        .map(|i| {
            let seen = seen.clone();
            g.channel_with("n", ORIGIN, move |_| {
                seen.lock().unwrap().push(i);
                true
            })
        })
        .collect();
    let poster = g.channel("n", ORIGIN);
    poster.post(&0).unwrap();
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2, 3, 4]);
    drop(channels);
}

#[test]
fn a_closed_channel_posts_nothing_and_gets_nothing_more() {
    let g = BroadcastGroup::new();
    let a = g.channel("n", ORIGIN);
    let b = g.channel("n", ORIGIN);
    a.post(&1).unwrap();
    b.close();
    assert!(b.is_closed());
    assert!(
        b.try_recv().is_none(),
        "what was queued is dropped at close"
    );
    assert!(matches!(b.post(&2), Err(BroadcastError::Closed)));
    assert_eq!(b.post_serialized(msgport::clone::to_bytes(&2).unwrap()), 0);
    assert_eq!(a.post(&3).unwrap(), 0, "b is gone");
    assert!(a.try_recv().is_none());
    b.close(); // twice is fine
    assert_eq!(g.len(), 1);
    drop(a);
    assert!(g.is_empty(), "dropping closes");
}

#[test]
fn unreadable_bytes_are_a_messageerror_and_later_posts_still_flow() {
    let g = BroadcastGroup::new();
    let a = g.channel("n", ORIGIN);
    let b = g.channel("n", ORIGIN);
    assert_eq!(a.post_serialized(vec![0xFF, 0x0F, 0xEE]), 1);
    a.post(&"ok").unwrap();
    assert!(b.try_recv().unwrap().data().is_err());
    assert_eq!(b.try_recv().unwrap().data_as::<String>().unwrap(), "ok");
    assert!(matches!(a.post(&std::f64::consts::PI), Ok(1)));
}

#[test]
fn blocking_receive_across_threads_and_timeouts() {
    let g = BroadcastGroup::new();
    let rx = g.channel("n", ORIGIN);
    assert!(
        rx.recv_blocking(Some(Duration::from_millis(20))).is_none(),
        "timeout"
    );
    let tx = g.channel("n", ORIGIN);
    let t = std::thread::spawn(move || {
        for i in 0..1000u32 {
            tx.post(&i).unwrap();
        }
    });
    for i in 0..1000u32 {
        let m = rx
            .recv_blocking(Some(Duration::from_secs(10)))
            .expect("a message");
        assert_eq!(m.data_as::<u32>().unwrap(), i);
    }
    t.join().unwrap();
}

#[test]
fn embedder_sinks_can_post_and_leave() {
    let g = BroadcastGroup::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let relay_group = g.clone();
    let relay_log = log.clone();
    // A sink that posts in turn (on another name): delivery holds no lock.
    let _relay = g.channel_with("in", ORIGIN, move |m| {
        relay_log
            .lock()
            .unwrap()
            .push(m.data_as::<String>().unwrap());
        let out = relay_group.channel("out", ORIGIN);
        out.post(&"relayed").unwrap();
        true
    });
    let listener = g.channel("out", ORIGIN);
    let gone = g.channel_with("in", ORIGIN, |_| false);
    let src = g.channel("in", ORIGIN);
    assert_eq!(
        src.post(&"hi").unwrap(),
        1,
        "the sink that can take nothing more is not counted"
    );
    assert_eq!(*log.lock().unwrap(), ["hi"]);
    assert_eq!(
        listener.try_recv().unwrap().data_as::<String>().unwrap(),
        "relayed"
    );
    assert_eq!(src.post(&"again").unwrap(), 1, "and it left the group");
    drop(gone);
}
