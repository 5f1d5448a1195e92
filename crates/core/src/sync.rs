//! Synchronization primitives, swapped for shuttle's under the `shuttle`
//! feature so the router's races can be model-checked (`tests/shuttle.rs`).

#[cfg(feature = "shuttle")]
pub(crate) use shuttle::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, Weak,
    },
    thread::{self, Thread},
};

#[cfg(not(feature = "shuttle"))]
pub(crate) use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, Weak,
    },
    thread::{self, Thread},
};

/// Locks, ignoring poisoning: a panic in user code never runs while a port
/// lock is held, so the state behind a poisoned lock is still consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}
