//! Wait hooks (`MessagePort::set_wait_hook`): a thread blocked on a port
//! whose peer carries a hook waits through the hook, and loses nothing.

use msgport::{Event, MessageChannel, RecvError, WaitHook};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// A hook that sleeps on its thread's token (set by the thread's waker)
/// and counts its waits.
#[derive(Default)]
struct Counting {
    tokens: Mutex<HashMap<std::thread::ThreadId, Arc<Token>>>,
    waits: AtomicUsize,
}

impl Counting {
    fn token(&self) -> Arc<Token> {
        let mut t = self.tokens.lock().unwrap();
        t.entry(std::thread::current().id()).or_default().clone()
    }
}

#[derive(Default)]
struct Token {
    set: Mutex<bool>,
    cv: Condvar,
}

impl Wake for Token {
    fn wake(self: Arc<Self>) {
        *self.set.lock().unwrap() = true;
        self.cv.notify_all();
    }
}

impl WaitHook for Counting {
    fn waker(&self) -> Waker {
        Waker::from(self.token())
    }
    fn wait(&self, deadline: Option<Instant>) {
        self.waits.fetch_add(1, Ordering::SeqCst);
        let token = self.token();
        let mut set = token.set.lock().unwrap();
        while !*set {
            match deadline {
                None => set = token.cv.wait(set).unwrap(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return;
                    }
                    set = token.cv.wait_timeout(set, d - now).unwrap().0;
                }
            }
        }
        *set = false;
    }
}

/// A hook whose wait returns at once, always (the receive must still
/// wait for its message or its deadline, looping).
struct Spurious(AtomicUsize);

impl WaitHook for Spurious {
    fn waker(&self) -> Waker {
        Waker::noop().clone()
    }
    fn wait(&self, _: Option<Instant>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::thread::yield_now();
    }
}

#[test]
fn a_receive_on_the_peer_of_a_hooked_port_waits_through_the_hook() {
    let (a, b) = MessageChannel::new().into_ports();
    let hook = Arc::new(Counting::default());
    a.set_wait_hook(Some(hook.clone()));
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        a.post(&1u8).unwrap();
        a
    });
    let got = b.recv_timeout_as::<u8>(Duration::from_secs(10)).unwrap();
    assert_eq!(got.into_message().unwrap().data, 1);
    assert!(
        hook.waits.load(Ordering::SeqCst) >= 1,
        "the receive waited through the hook"
    );
    let a = t.join().unwrap();

    // Removed, the hook is not called any more.
    a.set_wait_hook(None);
    let before = hook.waits.load(Ordering::SeqCst);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        a.post(&2u8).unwrap();
        a
    });
    let got = b.recv_timeout_as::<u8>(Duration::from_secs(10)).unwrap();
    assert_eq!(got.into_message().unwrap().data, 2);
    assert_eq!(hook.waits.load(Ordering::SeqCst), before);
    drop(t.join().unwrap());
}

#[test]
fn a_hook_on_the_receiving_port_itself_is_not_called() {
    let (a, b) = MessageChannel::new().into_ports();
    let hook = Arc::new(Counting::default());
    b.set_wait_hook(Some(hook.clone()));
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        a.post(&1u8).unwrap();
        a
    });
    assert!(matches!(
        b.recv_timeout(Duration::from_secs(10)),
        Ok(Event::Message(_))
    ));
    assert_eq!(hook.waits.load(Ordering::SeqCst), 0);
    drop(t.join().unwrap());
}

#[test]
fn a_hook_that_returns_early_still_honours_the_deadline_and_the_message() {
    let (a, b) = MessageChannel::new().into_ports();
    let hook = Arc::new(Spurious(AtomicUsize::new(0)));
    a.set_wait_hook(Some(hook.clone()));
    let start = Instant::now();
    assert_eq!(
        b.recv_timeout(Duration::from_millis(30)).unwrap_err(),
        RecvError::Timeout
    );
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(hook.0.load(Ordering::SeqCst) > 1);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        a.post(&3u8).unwrap();
        a
    });
    let got = b.recv_timeout_as::<u8>(Duration::from_secs(10)).unwrap();
    assert_eq!(got.into_message().unwrap().data, 3);
    drop(t.join().unwrap());
}

#[test]
fn the_close_of_a_hooked_peer_ends_every_hooked_wait() {
    let (a, b) = MessageChannel::new().into_ports();
    let b = Arc::new(b);
    a.set_wait_hook(Some(Arc::new(Counting::default())));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || b.recv_timeout(Duration::from_secs(10)))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    drop(a);
    let mut closes = 0;
    for w in waiters {
        match w.join().unwrap() {
            Ok(Event::Close) => closes += 1,
            Err(RecvError::Disentangled) => {}
            other => panic!("{other:?}"),
        }
    }
    // One of them gets the close event; all of them return at once.
    assert_eq!(closes, 1);
    assert!(start.elapsed() < Duration::from_secs(5));
}
