//! Synchronization primitives, swapped for shuttle's under `--cfg shuttle`
//! so that the router's races can be model-checked (`tests/shuttle.rs`):
//!
//! ```sh
//! RUSTFLAGS="--cfg shuttle" cargo test -p msgport --test shuttle --target-dir target/shuttle
//! ```
//!
//! It is a `cfg`, not a Cargo feature: features unify across a dependency
//! graph, so a feature would let any crate in a user's build swap the
//! production locks for the model checker's.
//!
//! # Lock order
//!
//! Every lock of the crate has a rank ([`Rank`]), and a thread takes locks
//! only in increasing rank, never two of the same rank:
//!
//! **`PortCollection` list → event loop `ready` list → port `taken` →
//! port `state` → leaves**
//!
//! (leaves: a `BroadcastGroup`'s members, a broadcast queue, a `Buffer`;
//! nothing is locked while one is held). In particular no
//! code holds the `state` locks of two ports at once: a port looks at its
//! peer only after releasing its own. Debug builds check the order on every
//! acquisition ([`lock`] panics on a violation), so the whole test suite
//! checks it.
//!
//! **The one exception** is [`lock_group`], which a merge of routes
//! (`port/merge.rs`) uses: the `state` locks of up to four ports at once,
//! taken in address order with nothing else held. It cannot deadlock
//! with the rest of the crate, which never holds two of them (so never
//! waits for one while holding another), nor with another merge, which
//! takes its locks in the same order.

#[cfg(shuttle)]
pub(crate) use shuttle::{
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Arc, Condvar, Mutex, MutexGuard, Weak,
    },
    thread,
};

#[cfg(not(shuttle))]
pub(crate) use std::{
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Arc, Condvar, Mutex, MutexGuard, Weak,
    },
    thread::{self, Thread},
};

/// How a blocked receiver thread sleeps and is woken: the thread's own
/// park token.
#[cfg(not(shuttle))]
#[derive(Clone)]
pub(crate) struct Parker(Thread);

#[cfg(not(shuttle))]
impl Parker {
    /// The calling thread's parker.
    pub(crate) fn current() -> Self {
        Parker(thread::current())
    }
    pub(crate) fn park(&self) {
        thread::park();
    }
    pub(crate) fn park_timeout(&self, d: std::time::Duration) {
        thread::park_timeout(d);
    }
    pub(crate) fn unpark(&self) {
        self.0.unpark();
    }
}

/// Under shuttle, a token behind a condition variable: shuttle lets `park`
/// return spuriously at any step, which would hide a lost wake-up, while
/// its condition variables wake only when notified, so a lost wake-up is a
/// deadlock the model checker reports.
#[cfg(shuttle)]
#[derive(Clone)]
pub(crate) struct Parker(Arc<(Mutex<bool>, Condvar)>);

#[cfg(shuttle)]
impl Parker {
    pub(crate) fn current() -> Self {
        Parker(Arc::new((Mutex::new(false), Condvar::new())))
    }
    pub(crate) fn park(&self) {
        let (token, cv) = &*self.0;
        let mut t = plain(token);
        while !*t {
            t = cv.wait(t).unwrap_or_else(|e| e.into_inner());
        }
        *t = false;
    }
    /// shuttle has no clock: a timed wait is a yield.
    pub(crate) fn park_timeout(&self, _: std::time::Duration) {
        thread::yield_now();
    }
    pub(crate) fn unpark(&self) {
        let (token, cv) = &*self.0;
        *plain(token) = true;
        cv.notify_one();
    }
}

/// The rank of a lock in the crate's one lock order (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// A `PortCollection`'s list (ports are looked at while it is held).
    Collection = 0,
    /// `LoopInner::ready`.
    LoopReady = 1,
    /// `Port::taken`.
    Taken = 2,
    /// `Port::state`.
    State = 3,
}

/// A mutex with a rank in the lock order.
pub(crate) struct Ranked<T> {
    rank: Rank,
    inner: Mutex<T>,
}

impl<T> Ranked<T> {
    pub(crate) fn new(rank: Rank, value: T) -> Self {
        Ranked {
            rank,
            inner: Mutex::new(value),
        }
    }
}

/// A held [`Ranked`] lock.
pub(crate) struct Guard<'a, T> {
    inner: MutexGuard<'a, T>,
    #[cfg(all(debug_assertions, not(shuttle)))]
    rank: Rank,
}

impl<T> std::ops::Deref for Guard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> std::ops::DerefMut for Guard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

#[cfg(all(debug_assertions, not(shuttle)))]
mod order {
    use super::Rank;
    use std::cell::RefCell;

    thread_local! {
        /// Ranks of the locks this thread holds, in acquisition order.
        static HELD: RefCell<Vec<Rank>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn acquire(rank: Rank) {
        // `try_with`: a port may be dropped (and so lock) while the
        // thread's locals are being torn down, after this one; the check
        // is then skipped, never a panic.
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(&top) = h.iter().max() {
                assert!(
                    rank > top,
                    "lock order violated: taking a {rank:?} lock while holding a {top:?} lock"
                );
            }
            h.push(rank);
        });
    }

    /// The locks of one group after its first: same rank, allowed.
    pub(super) fn acquire_more(rank: Rank) {
        let _ = HELD.try_with(|h| h.borrow_mut().push(rank));
    }

    pub(super) fn release(rank: Rank) {
        // `try_with`: a guard may be dropped during thread-local teardown.
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(i) = h.iter().rposition(|&r| r == rank) {
                h.remove(i);
            }
        });
    }
}

#[cfg(all(debug_assertions, not(shuttle)))]
impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        order::release(self.rank);
    }
}

/// Locks `m`, ignoring poisoning: a panic in user code never runs while a
/// port lock is held, so the state behind a poisoned lock is consistent.
/// Debug builds check the lock order.
#[inline]
pub(crate) fn lock<T>(m: &Ranked<T>) -> Guard<'_, T> {
    #[cfg(all(debug_assertions, not(shuttle)))]
    order::acquire(m.rank);
    #[cfg(not(all(debug_assertions, not(shuttle))))]
    let _ = m.rank;
    Guard {
        inner: plain(&m.inner),
        #[cfg(all(debug_assertions, not(shuttle)))]
        rank: m.rank,
    }
}

/// Locks every mutex of `ms` (all of one rank; duplicates are locked
/// once), in address order, and returns the guards in the order of `ms`,
/// `None` for a duplicate's later places. See the module docs: only a
/// merge of routes does this, holding nothing else.
pub(crate) fn lock_group<'a, T>(ms: &[&'a Ranked<T>]) -> Vec<Option<Guard<'a, T>>> {
    let mut order: Vec<usize> = (0..ms.len()).collect();
    order.sort_by_key(|&i| ms[i] as *const Ranked<T> as usize);
    let mut guards: Vec<Option<Guard<'a, T>>> = (0..ms.len()).map(|_| None).collect();
    let mut last: Option<usize> = None;
    for (n, i) in order.into_iter().enumerate() {
        let addr = ms[i] as *const Ranked<T> as usize;
        if last == Some(addr) {
            continue;
        }
        last = Some(addr);
        #[cfg(all(debug_assertions, not(shuttle)))]
        if n == 0 {
            order::acquire(ms[i].rank);
        } else {
            order::acquire_more(ms[i].rank);
        }
        #[cfg(not(all(debug_assertions, not(shuttle))))]
        let _ = n;
        guards[i] = Some(Guard {
            inner: plain(&ms[i].inner),
            #[cfg(all(debug_assertions, not(shuttle)))]
            rank: ms[i].rank,
        });
    }
    guards
}

/// Locks a leaf mutex (one under which nothing else is locked), ignoring
/// poisoning.
#[inline]
pub(crate) fn plain<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[cfg(all(test, debug_assertions, not(shuttle)))]
mod tests {
    use super::*;

    #[test]
    fn increasing_ranks_are_allowed() {
        let a = Ranked::new(Rank::Taken, 1);
        let b = Ranked::new(Rank::State, 2);
        let ga = lock(&a);
        let gb = lock(&b);
        assert_eq!(*ga + *gb, 3);
    }

    #[test]
    fn two_locks_of_one_rank_panic() {
        let a = Ranked::new(Rank::State, ());
        let b = Ranked::new(Rank::State, ());
        let r = std::panic::catch_unwind(|| {
            let _ga = lock(&a);
            let _gb = lock(&b);
        });
        assert!(r.is_err(), "two port state locks at once must be caught");
    }

    #[test]
    fn a_group_of_one_rank_locks_in_address_order_once_each() {
        let a = Ranked::new(Rank::State, 1);
        let b = Ranked::new(Rank::State, 2);
        {
            let g = lock_group(&[&b, &a, &b]);
            assert_eq!(g.iter().flatten().map(|g| **g).sum::<i32>(), 3);
            assert!(g[2].is_none(), "a duplicate is locked once");
        }
        // Every guard of the group was released: a new lock is fine.
        drop(lock(&a));
        let t = Ranked::new(Rank::Taken, ());
        let r = std::panic::catch_unwind(|| {
            let _g = lock_group(&[&a, &b]);
            let _gt = lock(&t);
        });
        assert!(r.is_err(), "a lower rank after a group must be caught");
    }

    #[test]
    fn decreasing_ranks_panic_and_release_is_tracked() {
        let t = Ranked::new(Rank::Taken, ());
        let s = Ranked::new(Rank::State, ());
        {
            let _gs = lock(&s);
        }
        // Released: taking `taken` now is fine.
        drop(lock(&t));
        let r = std::panic::catch_unwind(|| {
            let _gs = lock(&s);
            let _gt = lock(&t);
        });
        assert!(r.is_err(), "taken after state must be caught");
    }
}
