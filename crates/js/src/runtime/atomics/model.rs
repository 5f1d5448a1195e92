//! Model checks of the waiter lists (`--cfg shuttle`): shuttle runs the
//! module's own code — its lock, condition variables and flags are
//! shuttle's under this cfg — over thousands of schedules, and reports a
//! deadlock if a wake-up is ever lost.
//!
//! The handshake checked: a waiter lists itself under the lock, spins
//! (here: yields a few times) watching its `notified` flag, then sets
//! `sleeping` under the lock and waits on its condition variable; a notify
//! sets `notified` under the lock and signals only a waiter it sees
//! sleeping; a termination signals every waiter of its context.
//!
//! `RUSTFLAGS="--cfg shuttle" cargo test -p msgport-js --lib atomics::model --target-dir target/shuttle`

#![forbid(unsafe_code)]

use super::{interrupt, notify, wait_with, Expected, Outcome};
use msgport_clone::SharedBlock;
use shuttle::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use shuttle::sync::Arc;
use shuttle::thread;

/// The model's spin: a few looks, yielding between them.
fn spin(done: &dyn Fn() -> bool) {
    for _ in 0..2 {
        if done() {
            return;
        }
        thread::yield_now();
    }
}

/// No spin at all: straight to sleep (shuttle reads a yield as a hint to
/// run another thread, so a spinning waiter rarely sleeps before the
/// others act; without the spin it often does).
fn no_spin(_: &dyn Fn() -> bool) {}

/// A waiter of slot 0 that expects 0, with its own termination flag.
fn waiter(block: SharedBlock, stop: Arc<AtomicBool>, spins: bool) -> Outcome {
    let key = Arc::as_ptr(&stop) as usize;
    let stopped = move || stop.load(Ordering::Acquire);
    let spin: &dyn Fn(&dyn Fn() -> bool) = if spins { &spin } else { &no_spin };
    wait_with(&block, 0, Expected::I32(0), None, (key, &stopped), spin).expect("in bounds")
}

/// `waiters` threads wait on slot 0; one stores 1 there and notifies in
/// `rounds` calls of `count` each. Every waiter must return: "ok" if a
/// notify took it, "not-equal" if it came after the store; and the
/// notifies' counts add up to the "ok"s.
fn store_then_notify(waiters: usize, rounds: usize, count: u64, spins: bool) {
    let block = SharedBlock::new(4).unwrap();
    let woken = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..waiters)
        .map(|_| {
            let block = block.clone();
            thread::spawn(move || waiter(block, Arc::new(AtomicBool::new(false)), spins))
        })
        .collect();
    {
        let (block, woken) = (block.clone(), woken.clone());
        thread::spawn(move || {
            assert!(block.store_i32(0, 1));
            for _ in 0..rounds {
                let n = notify(&block, 0, count);
                woken.fetch_add(n as usize, Ordering::SeqCst);
                thread::yield_now();
            }
        })
        .join()
        .unwrap();
    }
    let oks = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .inspect(|r| assert!(matches!(r, Outcome::Ok | Outcome::NotEqual), "{r:?}"))
        .filter(|r| *r == Outcome::Ok)
        .count();
    assert_eq!(oks, woken.load(Ordering::SeqCst));
}

#[test]
fn a_notify_of_all_loses_no_waiter() {
    shuttle::check_random(|| store_then_notify(2, 1, u64::MAX, true), 3000);
    shuttle::check_random(|| store_then_notify(2, 1, u64::MAX, false), 3000);
}

#[test]
fn notifies_of_one_each_wake_one_waiter() {
    shuttle::check_random(|| store_then_notify(2, 2, 1, true), 3000);
    shuttle::check_random(|| store_then_notify(2, 2, 1, false), 3000);
}

#[test]
fn a_terminated_context_wakes_from_a_wait_with_no_timeout() {
    shuttle::check_random(
        || {
            let block = SharedBlock::new(4).unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            let h = {
                let (block, stop) = (block.clone(), stop.clone());
                thread::spawn(move || waiter(block, stop, false))
            };
            // As `Signal::terminate` does: the flag, then the wake.
            stop.store(true, Ordering::Release);
            interrupt(Arc::as_ptr(&stop) as usize);
            assert_eq!(h.join().unwrap(), Outcome::TimedOut);
            // It left its list: a notify finds nobody.
            assert_eq!(notify(&block, 0, u64::MAX), 0);
        },
        3000,
    );
}
