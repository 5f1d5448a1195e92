//! `Atomics.wait`, `Atomics.waitAsync` and `Atomics.notify` across the
//! process's agents (ECMA-262 `#sec-atomics.wait`, `#sec-atomics.waitasync`,
//! `#sec-atomics.notify`, the waiter lists of `#sec-waiterlist-objects`).
//!
//! QuickJS has its own `wait` and `notify`, but nothing can wake one of its
//! waiters but a `notify` of the same address: a worker blocked in
//! `Atomics.wait` could not be terminated (HTML `#terminate-a-worker`), and
//! it has no `waitAsync`. So every context's prelude (`prelude/atomics.js`)
//! puts these in their place, with the same argument conversions, and the
//! waiting is done here:
//!
//! - one waiter list per (shared block, byte index), all behind one lock
//!   (the standard's critical section): a waiter compares the value and
//!   joins its list under the lock, and a notifier takes waiters off under
//!   it, so no notification is lost between the comparison and the wait;
//! - a list is first in, first out: `notify(…, n)` wakes the `n` longest
//!   waiting, synchronous and asynchronous alike;
//! - a synchronous waiter sleeps on its own condition variable; the
//!   termination of its context ([`interrupt`]) wakes it too;
//! - an asynchronous waiter is a task for its context's inbox
//!   ([`HostTask::AtomicsWoken`]); its timeout is the prelude's timer,
//!   which takes it off with [`cancel`].
//!
//! A waiter holds a reference to its block, so the address that names the
//! list is not reused while it waits.

#![forbid(unsafe_code)]

use crate::runtime::host::{HostTask, Inbox};
use crate::runtime::signal::Signal;
use msgport_clone::SharedBlock;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use sync::{Arc, AtomicBool, Condvar, Mutex, MutexGuard, Ordering, Weak};

#[cfg(all(shuttle, test))]
mod model;

/// std's primitives, or shuttle's for the model (`model.rs`).
#[cfg(not(all(shuttle, test)))]
mod sync {
    pub(super) use std::sync::atomic::{AtomicBool, Ordering};
    pub(super) use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
}
#[cfg(all(shuttle, test))]
mod sync {
    pub(super) use shuttle::sync::atomic::{AtomicBool, Ordering};
    pub(super) use shuttle::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
}

/// The value a waiter expects: `Int32Array`'s or `BigInt64Array`'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Expected {
    I32(i32),
    I64(i64),
}

/// What a wait ended with (the strings `Atomics.wait` returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    NotEqual,
    TimedOut,
    Ok,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::NotEqual => "not-equal",
            Outcome::TimedOut => "timed-out",
            Outcome::Ok => "ok",
        }
    }
}

enum Wakes {
    /// A thread blocked in `Atomics.wait`; `stop` names its context's
    /// termination flag (see [`interrupt`]).
    Thread { cv: Arc<Condvar>, stop: usize },
    /// A pending `Atomics.waitAsync` promise of the context whose inbox
    /// this is, by its id there.
    Task { inbox: Weak<Inbox>, id: u32 },
}

struct Waiter {
    /// Set, under the lock, by the notify that took it off its list; read
    /// without it by a thread that spins before sleeping.
    notified: AtomicBool,
    /// The thread sleeps on its condition variable (set under the lock):
    /// only then does a notify signal it.
    sleeping: AtomicBool,
    wakes: Wakes,
    /// Keeps the memory (and so the list's name) alive.
    _block: SharedBlock,
}

type Key = (usize, usize);

#[derive(Default)]
struct Lists {
    by_place: HashMap<Key, VecDeque<Arc<Waiter>>>,
}

/// Every waiter list of the process, and the critical section.
#[cfg(not(all(shuttle, test)))]
fn lists() -> MutexGuard<'static, Lists> {
    static LISTS: std::sync::LazyLock<Mutex<Lists>> = std::sync::LazyLock::new(Mutex::default);
    LISTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The same, made afresh for each execution of the model.
#[cfg(all(shuttle, test))]
fn lists() -> MutexGuard<'static, Lists> {
    shuttle::lazy_static! {
        static ref LISTS: Mutex<Lists> = Mutex::default();
    }
    LISTS.lock().unwrap_or_else(|e| e.into_inner())
}

fn key(block: &SharedBlock, byte_index: usize) -> Key {
    (block.as_ptr() as usize, byte_index)
}

/// Whether the value at `byte_index` equals `v` (`None`: no such value).
fn holds(block: &SharedBlock, byte_index: usize, v: Expected) -> Option<bool> {
    Some(match v {
        Expected::I32(v) => block.load_i32(byte_index)? == v,
        Expected::I64(v) => block.load_i64(byte_index)? == v,
    })
}

fn remove(l: &mut Lists, k: Key, w: &Arc<Waiter>) {
    if let Some(list) = l.by_place.get_mut(&k) {
        list.retain(|x| !Arc::ptr_eq(x, w));
        if list.is_empty() {
            l.by_place.remove(&k);
        }
    }
}

/// `Atomics.wait` (DoWait, synchronous) at `byte_index` of `block`, for at
/// most `timeout` (`None`: no limit), by the context of `signal` (whose
/// termination wakes it, and whose spin policy it follows before it
/// sleeps). `None` if `byte_index` is not an aligned value of the block
/// (the prelude has checked it is).
pub(crate) fn wait(
    block: &SharedBlock,
    byte_index: usize,
    v: Expected,
    timeout: Option<Duration>,
    signal: &Signal,
) -> Option<Outcome> {
    let flag = signal.terminated_flag();
    let stopped = || flag.load(std::sync::atomic::Ordering::Acquire);
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let spin = |done: &dyn Fn() -> bool| {
        signal.spin_while(done, deadline);
    };
    wait_with(
        block,
        byte_index,
        v,
        timeout,
        (stop_key(&flag), &stopped),
        &spin,
    )
}

/// The name [`interrupt`] knows a termination flag by.
pub(crate) fn stop_key(flag: &std::sync::Arc<std::sync::atomic::AtomicBool>) -> usize {
    std::sync::Arc::as_ptr(flag) as usize
}

/// [`wait`], with the context's termination flag as its name and a reader,
/// and its spin before sleeping as a function (the model's are its own).
fn wait_with(
    block: &SharedBlock,
    byte_index: usize,
    v: Expected,
    timeout: Option<Duration>,
    (stop, stopped): (usize, &dyn Fn() -> bool),
    spin: &dyn Fn(&dyn Fn() -> bool),
) -> Option<Outcome> {
    // A deadline beyond what an `Instant` can hold is none at all.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut l = lists();
    if !holds(block, byte_index, v)? {
        return Some(Outcome::NotEqual);
    }
    let cv = Arc::new(Condvar::new());
    let me = Arc::new(Waiter {
        notified: AtomicBool::new(false),
        sleeping: AtomicBool::new(false),
        wakes: Wakes::Thread {
            cv: cv.clone(),
            stop,
        },
        _block: block.clone(),
    });
    let k = key(block, byte_index);
    l.by_place.entry(k).or_default().push_back(me.clone());
    if timeout != Some(Duration::ZERO) {
        // The answer often comes sooner than a sleeping thread could wake.
        drop(l);
        spin(&|| me.notified.load(Ordering::Acquire) || stopped());
        l = lists();
    }
    loop {
        if me.notified.load(Ordering::Acquire) {
            return Some(Outcome::Ok);
        }
        let left = match deadline {
            Some(d) => d.checked_duration_since(Instant::now()),
            None => Some(Duration::MAX),
        };
        if stopped() || left.is_none_or(|d| d.is_zero()) || timeout == Some(Duration::ZERO) {
            remove(&mut l, k, &me);
            return Some(Outcome::TimedOut);
        }
        let left = left.unwrap_or_default().min(Duration::from_secs(3600));
        // Under the lock, as a notify reads it: set, it is signalled.
        me.sleeping.store(true, Ordering::Relaxed);
        l = cv
            .wait_timeout(l, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        me.sleeping.store(false, Ordering::Relaxed);
    }
}

/// `Atomics.waitAsync`'s start: `Err(outcome)` when it ends at once (the
/// value differs, or a timeout of 0), else `Ok(())` and the waiter is
/// listed: a notify queues [`HostTask::AtomicsWoken`] with `id` on `inbox`.
pub(crate) fn wait_async(
    block: &SharedBlock,
    byte_index: usize,
    v: Expected,
    zero_timeout: bool,
    inbox: &Arc<Inbox>,
    id: u32,
) -> Option<Result<(), Outcome>> {
    let mut l = lists();
    if !holds(block, byte_index, v)? {
        return Some(Err(Outcome::NotEqual));
    }
    if zero_timeout {
        return Some(Err(Outcome::TimedOut));
    }
    let me = Arc::new(Waiter {
        notified: AtomicBool::new(false),
        sleeping: AtomicBool::new(false),
        wakes: Wakes::Task {
            inbox: Arc::downgrade(inbox),
            id,
        },
        _block: block.clone(),
    });
    l.by_place
        .entry(key(block, byte_index))
        .or_default()
        .push_back(me);
    Some(Ok(()))
}

/// Takes the asynchronous waiter `id` of `inbox` off its list (its
/// timeout): true if it was still waiting, false if a notify took it.
pub(crate) fn cancel(inbox: &Arc<Inbox>, id: u32) -> bool {
    let mut l = lists();
    let mut found = None;
    for (k, list) in &l.by_place {
        let hit = list.iter().find(|w| match &w.wakes {
            Wakes::Task { inbox: i, id: x } => *x == id && i.as_ptr() == Arc::as_ptr(inbox),
            Wakes::Thread { .. } => false,
        });
        if let Some(w) = hit {
            found = Some((*k, w.clone()));
            break;
        }
    }
    match found {
        Some((k, w)) => {
            remove(&mut l, k, &w);
            true
        }
        None => false,
    }
}

/// `Atomics.notify`: wakes up to `count` waiters of the list at
/// `byte_index` of `block`, the longest waiting first. Returns how many.
pub(crate) fn notify(block: &SharedBlock, byte_index: usize, count: u64) -> u64 {
    let mut l = lists();
    let k = key(block, byte_index);
    let Some(list) = l.by_place.get_mut(&k) else {
        return 0;
    };
    let mut n = 0;
    while n < count {
        let Some(w) = list.pop_front() else { break };
        w.notified.store(true, Ordering::Release);
        match &w.wakes {
            // (A thread still spinning sees the flag.)
            Wakes::Thread { cv, .. } => {
                if w.sleeping.load(Ordering::Relaxed) {
                    cv.notify_one();
                }
            }
            Wakes::Task { inbox, id } => {
                if let Some(inbox) = inbox.upgrade() {
                    inbox.push(HostTask::AtomicsWoken { id: *id });
                }
            }
        }
        n += 1;
    }
    if list.is_empty() {
        l.by_place.remove(&k);
    }
    n
}

/// The context whose termination flag is named `stop` ([`stop_key`]) is
/// being terminated (its flag is set): its thread, if blocked in
/// `Atomics.wait`, wakes and returns "timed-out"; the engine's interrupt
/// check then stops the script.
pub(crate) fn interrupt(stop: usize) {
    let l = lists();
    for list in l.by_place.values() {
        for w in list {
            if let Wakes::Thread { cv, stop: s } = &w.wakes {
                if *s == stop {
                    cv.notify_one();
                }
            }
        }
    }
}

#[cfg(all(test, not(shuttle)))]
mod tests {
    use super::*;

    fn signal() -> Arc<Signal> {
        Signal::root()
    }

    #[test]
    fn a_waiter_sees_a_different_value_at_once_and_times_out_otherwise() {
        let b = SharedBlock::new(8).unwrap();
        let stop = signal();
        assert_eq!(
            wait(&b, 0, Expected::I32(1), None, &stop),
            Some(Outcome::NotEqual)
        );
        let t = Some(Duration::from_millis(20));
        assert_eq!(
            wait(&b, 0, Expected::I32(0), t, &stop),
            Some(Outcome::TimedOut)
        );
        assert_eq!(
            wait(&b, 0, Expected::I64(0), Some(Duration::ZERO), &stop),
            Some(Outcome::TimedOut)
        );
        assert_eq!(wait(&b, 2, Expected::I32(0), t, &stop), None, "unaligned");
        assert_eq!(
            wait(&b, 8, Expected::I32(0), t, &stop),
            None,
            "out of bounds"
        );
    }

    #[test]
    fn notify_wakes_the_longest_waiting_first_and_counts() {
        let b = SharedBlock::new(4).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for i in 0..3 {
            let (mine, order) = (b.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let r = wait(&mine, 0, Expected::I32(0), None, &signal());
                order.lock().unwrap().push(i);
                r
            }));
            // Each listed before the next starts.
            while key_len(&b) < i + 1 {
                std::thread::yield_now();
            }
        }
        assert_eq!(notify(&b, 0, 1), 1);
        while order.lock().unwrap().is_empty() {
            std::thread::yield_now();
        }
        assert_eq!(*order.lock().unwrap(), [0], "first in, first out");
        assert_eq!(notify(&b, 0, u64::MAX), 2);
        for t in threads {
            assert_eq!(t.join().unwrap(), Some(Outcome::Ok));
        }
        assert_eq!(notify(&b, 0, u64::MAX), 0, "nobody left");
        assert_eq!(key_len(&b), 0);
    }

    fn key_len(b: &SharedBlock) -> usize {
        lists().by_place.get(&key(b, 0)).map_or(0, VecDeque::len)
    }

    #[test]
    fn termination_wakes_a_waiter_without_a_timeout() {
        let b = SharedBlock::new(8).unwrap();
        let stop = signal();
        let t = {
            let (b, stop) = (b.clone(), stop.clone());
            std::thread::spawn(move || wait(&b, 4, Expected::I32(0), None, &stop))
        };
        while key_len_at(&b, 4) == 0 {
            std::thread::yield_now();
        }
        stop.terminate();
        assert_eq!(t.join().unwrap(), Some(Outcome::TimedOut));
        assert_eq!(key_len_at(&b, 4), 0, "it left its list");
    }

    fn key_len_at(b: &SharedBlock, i: usize) -> usize {
        lists().by_place.get(&key(b, i)).map_or(0, VecDeque::len)
    }

    #[test]
    fn an_async_waiter_is_a_task_when_notified_and_can_be_cancelled_before() {
        let inbox = Inbox::new(crate::runtime::signal::Signal::root());
        let b = SharedBlock::new(8).unwrap();
        let v = Expected::I64(0);
        assert_eq!(
            wait_async(&b, 0, Expected::I64(1), false, &inbox, 1),
            Some(Err(Outcome::NotEqual))
        );
        assert_eq!(
            wait_async(&b, 0, v, true, &inbox, 1),
            Some(Err(Outcome::TimedOut))
        );
        assert_eq!(wait_async(&b, 0, v, false, &inbox, 7), Some(Ok(())));
        assert_eq!(wait_async(&b, 0, v, false, &inbox, 8), Some(Ok(())));
        assert!(cancel(&inbox, 8), "still waiting: taken off");
        assert!(!cancel(&inbox, 8), "only once");
        assert_eq!(notify(&b, 0, u64::MAX), 1);
        assert!(matches!(
            inbox.pop(),
            Some(HostTask::AtomicsWoken { id: 7 })
        ));
        assert!(inbox.pop().is_none());
        assert!(!cancel(&inbox, 7), "a notified waiter is no longer listed");
    }

    #[test]
    fn a_ping_pong_of_many_rounds_loses_no_wake_up() {
        // Each side stores its round, notifies, and waits until the other
        // has reached it: a lost wake-up would hang (the watchdog fails
        // the test).
        const ROUNDS: i32 = 5_000;
        let b = SharedBlock::new(8).unwrap();
        let side = |me: usize, other: usize, b: SharedBlock| {
            move || {
                let signal = Signal::root();
                for i in 1..=ROUNDS {
                    assert!(b.store_i32(me, i));
                    notify(&b, me, u64::MAX);
                    // The other side may be a round ahead already.
                    loop {
                        let seen = b.load_i32(other).unwrap();
                        if seen >= i {
                            break;
                        }
                        let r = wait(&b, other, Expected::I32(seen), None, &signal);
                        assert!(matches!(r, Some(Outcome::Ok | Outcome::NotEqual)), "{r:?}");
                    }
                }
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        for (me, other) in [(0, 4), (4, 0)] {
            let (tx, f) = (tx.clone(), side(me, other, b.clone()));
            std::thread::spawn(move || {
                f();
                tx.send(()).unwrap();
            });
        }
        for _ in 0..2 {
            rx.recv_timeout(Duration::from_secs(60))
                .expect("a side is stuck: a wake-up was lost");
        }
        assert_eq!(key_len_at(&b, 0) + key_len_at(&b, 4), 0);
    }
}
