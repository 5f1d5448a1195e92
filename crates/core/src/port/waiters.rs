//! The receivers blocked on one port: threads in `recv_blocking` and tasks
//! awaiting `recv()`, any number of each.
//!
//! The protocol, all under the port's `state` lock:
//! - a receiver registers only after checking, under that lock, that
//!   nothing is releasable and the port can still receive (so a task queued
//!   later must find it in the list);
//! - a new task wakes (and removes) the oldest waiter; a change that may
//!   end every wait (close, the peer's close, transfer, binding to a loop)
//!   wakes them all;
//! - a woken waiter takes a task or registers again; one that leaves
//!   without taking (timeout, a dropped future) after it may have been
//!   woken passes the wake-up on if a task is releasable, so no task waits
//!   while a receiver sleeps (see `MessagePort::leave`).

use crate::sync::Parker;
use std::collections::VecDeque;
use std::task::Waker;

/// One blocked receiver.
pub(crate) enum Waiter {
    Thread(Parker),
    Task(Waker),
}

impl Waiter {
    pub(crate) fn wake(self) {
        match self {
            Waiter::Thread(t) => t.unpark(),
            Waiter::Task(w) => w.wake(),
        }
    }
}

/// The list, oldest first; each entry has a key so that its receiver can
/// update or remove it.
#[derive(Default)]
pub(crate) struct Waiters {
    list: VecDeque<(u64, Waiter)>,
    next_key: u64,
}

impl Waiters {
    /// Registers a waiter; returns its key.
    pub(crate) fn add(&mut self, w: Waiter) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        self.list.push_back((key, w));
        key
    }

    /// Registers `waker` under `key` again: replaced in place if the entry
    /// is still listed (a re-polled future keeps its place), added anew if
    /// it was woken meanwhile. Returns the key to keep.
    pub(crate) fn renew(&mut self, key: Option<u64>, waker: &Waker) -> u64 {
        if let Some(k) = key {
            if let Some((_, Waiter::Task(w))) = self.list.iter_mut().find(|(e, _)| *e == k) {
                if !w.will_wake(waker) {
                    *w = waker.clone();
                }
                return k;
            }
        }
        self.add(Waiter::Task(waker.clone()))
    }

    /// Removes the entry `key`; `false` if it is not listed (it was woken).
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        match self.list.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                self.list.remove(i);
                true
            }
            None => false,
        }
    }

    /// The oldest waiter, removed.
    pub(crate) fn pop(&mut self) -> Option<Waiter> {
        self.list.pop_front().map(|(_, w)| w)
    }

    /// Every waiter, removed.
    pub(crate) fn take_all(&mut self) -> Vec<Waiter> {
        self.list.drain(..).map(|(_, w)| w).collect()
    }

    /// Whether the entry `key` is still listed (not woken yet).
    pub(crate) fn contains(&self, key: u64) -> bool {
        self.list.iter().any(|(k, _)| *k == key)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}
