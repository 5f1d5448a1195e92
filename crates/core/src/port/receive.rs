//! Receiving: releasing tasks of the port message queue to the handles'
//! receivers (`#port-message-queue`), waiting for them, and running them
//! (StructuredDeserializeWithTransfer, then the transfer-receiving steps).
//!
//! Any number of threads and tasks may receive on one port at once: each
//! task goes to exactly one of them, and all of them learn when nothing
//! more can come (see `waiters.rs` for the protocol).

use super::waiters::Waiter;
use super::{Binding, Link, MessagePort, Port, RecvError, Task, Wake};
use crate::event::{Event, Message};
use crate::sync::{lock, Ordering};
use msgport_clone::{
    deserialize_with_shared, CloneError, DecodeOptions, Graph, SharedArrayBuffer, TransferredBuffer,
};
use std::task::Waker;
use std::time::{Duration, Instant};

/// How a receive turns a released task into the event it returns.
pub(crate) type Run<T> = fn(Task) -> Event<T>;

/// What a receiver does when nothing is releasable now.
pub(crate) enum Idle {
    /// Register and wait: something may still come.
    Wait,
    /// Check again: the state changed under the lock.
    Retry,
}

impl MessagePort {
    /// Takes the next releasable task, or tells why none can ever come.
    /// `ignore_enabled` is `try_recv`'s `receiveMessageOnPort` behaviour.
    ///
    /// Takes from `taken` first; when it is empty, moves the releasable run
    /// at the head of `state.queue` into it under one lock.
    pub(crate) fn take_task(&self, ignore_enabled: bool) -> Result<Option<Task>, RecvError> {
        let mut tk = lock(&self.port.taken);
        if !self.live() {
            return Err(RecvError::Detached);
        }
        if let Some(front) = tk.tasks.front() {
            let releasable = matches!(front, Task::Close { .. })
                || ignore_enabled
                || self.port.started.load(Ordering::Acquire);
            if !releasable {
                return Ok(None);
            }
            let task = tk.tasks.pop_front().expect("front exists");
            tk.bytes -= task.size();
            self.port
                .taken_len
                .store(tk.tasks.len() as u64, Ordering::Release);
            if self.port.drain_watch.load(Ordering::Acquire) != 0 {
                let drained = self.port.drained(&mut lock(&self.port.state), tk.bytes);
                drop(tk);
                drained.into_iter().for_each(Waker::wake);
            }
            return Ok(Some(task));
        }
        let mut s = lock(&self.port.state);
        if matches!(s.binding, Binding::Loop(_)) {
            return Err(RecvError::BoundToLoop);
        }
        // `pop` hands back the senders to wake (taken is empty here, so its
        // count is the whole queue's); moving the batch below keeps the total.
        let Some((task, drained)) = self.port.pop(&mut s, ignore_enabled) else {
            if s.queue.is_empty() {
                match s.link {
                    Link::Closed | Link::Merged(_) => return Err(RecvError::Detached),
                    Link::Disentangled => return Err(RecvError::Disentangled),
                    Link::Entangled(_) => {}
                }
            }
            return Ok(None);
        };
        if s.enabled && !s.queue.is_empty() {
            // Take the rest of the queue in O(1): swap the deques (both keep
            // their capacity, so neither side reallocates in a steady stream).
            debug_assert!(tk.tasks.is_empty());
            std::mem::swap(&mut tk.tasks, &mut s.queue);
            tk.bytes = s.queued_bytes;
            s.queued_bytes = 0;
            self.port.queued.store(0, Ordering::Release);
            self.port
                .taken_len
                .store(tk.tasks.len() as u64, Ordering::Release);
        }
        drop(s);
        drop(tk);
        drained.into_iter().for_each(Waker::wake);
        Ok(Some(task))
    }

    /// Decides, under the `state` lock, whether a receiver that found
    /// nothing may wait, and registers it if so (`register` gets the waiter
    /// list). Anything that changes the answer after this point wakes it.
    pub(crate) fn wait_or_retry(
        &self,
        register: impl FnOnce(&mut super::waiters::Waiters),
    ) -> Result<Idle, RecvError> {
        let mut s = lock(&self.port.state);
        if matches!(s.binding, Binding::Loop(_)) {
            return Err(RecvError::BoundToLoop);
        }
        let taken = self.port.taken_len.load(Ordering::Acquire) > 0;
        let ended = s.queue.is_empty() && !matches!(s.link, Link::Entangled(_));
        if !self.live() || taken || Port::front_ready(&s) || ended {
            return Ok(Idle::Retry);
        }
        register(&mut s.waiters);
        Ok(Idle::Wait)
    }

    /// A receiver registered under `key` leaves: removes its entry, and if
    /// it was already woken (the entry is gone) while a task is releasable,
    /// passes the wake-up on to another waiter, so that no task waits while
    /// a receiver sleeps.
    pub(crate) fn leave(&self, key: u64) {
        let wake = {
            let mut s = lock(&self.port.state);
            if s.waiters.remove(key) || s.waiters.is_empty() {
                Wake::Nothing
            } else if self.port.taken_len.load(Ordering::Acquire) > 0 || Port::front_ready(&s) {
                self.port.wake(&mut s, false)
            } else {
                Wake::Nothing
            }
        };
        wake.run();
    }

    /// Runs a released task: decodes the message (StructuredDeserializeWithTransfer,
    /// then the transfer-receiving steps of its ports), or reports messageerror.
    pub(crate) fn run_task<T>(
        task: Task,
        decode: impl FnOnce(
            &[u8],
            Vec<TransferredBuffer>,
            Vec<SharedArrayBuffer>,
            usize,
        ) -> Result<T, CloneError>,
    ) -> Event<T> {
        match task {
            Task::Close { .. } => Event::Close,
            Task::Message {
                payload, extras, ..
            } => {
                let (buffers, shared, ports) = match extras {
                    Some(e) => (e.buffers, e.shared, e.ports),
                    None => (Vec::new(), Vec::new(), Vec::new()),
                };
                match decode(payload.bytes(), buffers, shared, ports.len()) {
                    Ok(data) => Event::Message(Message {
                        data,
                        ports: ports.into_iter().map(super::ShippedPort::receive).collect(),
                    }),
                    // The transferred ports are dropped, i.e. closed.
                    Err(e) => Event::MessageError(e),
                }
            }
        }
    }

    pub(crate) fn decode_graph(
        bytes: &[u8],
        buffers: Vec<TransferredBuffer>,
        shared: Vec<SharedArrayBuffer>,
        ports: usize,
    ) -> Result<Graph, CloneError> {
        deserialize_with_shared(bytes, buffers, shared, ports, DecodeOptions::default())
    }

    pub(crate) fn run_graph(task: Task) -> Event<Graph> {
        Self::run_task(task, Self::decode_graph)
    }

    /// Receives without waiting, whether or not the port was started, like
    /// Node's `receiveMessageOnPort`. `Ok(None)`: nothing queued now.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel, RecvError};
    /// let ch = MessageChannel::new();
    /// assert!(ch.port2.try_recv().unwrap().is_none());
    /// ch.port1.post(&[1, 2, 3]).unwrap();
    /// let Some(Event::Message(m)) = ch.port2.try_recv().unwrap() else { panic!() };
    /// assert_eq!(msgport::clone::from_graph::<Vec<i32>>(&m.data).unwrap(), [1, 2, 3]);
    /// drop(ch.port1);
    /// assert!(matches!(ch.port2.try_recv().unwrap(), Some(Event::Close)));
    /// assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::Disentangled);
    /// ```
    pub fn try_recv(&self) -> Result<Option<Event>, RecvError> {
        Ok(self.take_task(true)?.map(Self::run_graph))
    }

    /// [`MessagePort::try_recv`] into a serde type (see
    /// [`MessagePort::recv_blocking_as`] for what a typed receive gives).
    pub fn try_recv_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<Event<T>>, RecvError> {
        Ok(self.take_task(true)?.map(crate::typed::run::<T>))
    }

    /// Waits for the next event, for at most `timeout` (`None`: no limit).
    /// Asking to receive is listening: like assigning `onmessage`, it starts
    /// the port message queue. Spins briefly before parking the thread
    /// (waking a parked thread is the slow part).
    ///
    /// ```
    /// use msgport::{MessageChannel, RecvError};
    /// use std::time::Duration;
    /// let ch = MessageChannel::new();
    /// let err = ch.port2.recv_blocking(Some(Duration::from_millis(10))).unwrap_err();
    /// assert_eq!(err, RecvError::Timeout);
    /// ```
    pub fn recv_blocking(&self, timeout: Option<Duration>) -> Result<Event, RecvError> {
        self.blocking(timeout.map(|d| Instant::now() + d))
            .map(Self::run_graph)
    }

    /// [`MessagePort::recv_blocking`] into a serde type.
    ///
    /// A message whose value does not fit `T` is not lost: it comes back as
    /// [`Event::Mismatch`], with its ports, to be read another way.
    /// [`MessagePort`]s and [`Buffer`](crate::Buffer)s inside `T` are the
    /// ones the message transferred; transferred ports that `T` does not
    /// hold are in [`Message::ports`].
    pub fn recv_blocking_as<T: serde::de::DeserializeOwned>(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Event<T>, RecvError> {
        self.blocking(timeout.map(|d| Instant::now() + d))
            .map(crate::typed::run::<T>)
    }

    /// Waits at most `timeout` for the next event ([`RecvError::Timeout`]
    /// after it).
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// use std::time::Duration;
    /// let ch = MessageChannel::new();
    /// ch.port1.post(&1).unwrap();
    /// assert!(matches!(ch.port2.recv_timeout(Duration::from_secs(5)), Ok(Event::Message(_))));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Event, RecvError> {
        self.recv_blocking(Some(timeout))
    }

    /// [`MessagePort::recv_timeout`] into a serde type.
    pub fn recv_timeout_as<T: serde::de::DeserializeOwned>(
        &self,
        timeout: Duration,
    ) -> Result<Event<T>, RecvError> {
        self.recv_blocking_as(Some(timeout))
    }

    /// Waits until `deadline` at the latest for the next event.
    ///
    /// ```
    /// use msgport::{MessageChannel, RecvError};
    /// use std::time::{Duration, Instant};
    /// let ch = MessageChannel::new();
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert_eq!(ch.port2.recv_deadline(deadline).unwrap_err(), RecvError::Timeout);
    /// assert!(Instant::now() >= deadline);
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<Event, RecvError> {
        self.blocking(Some(deadline)).map(Self::run_graph)
    }

    /// [`MessagePort::recv_deadline`] into a serde type.
    pub fn recv_deadline_as<T: serde::de::DeserializeOwned>(
        &self,
        deadline: Instant,
    ) -> Result<Event<T>, RecvError> {
        self.blocking(Some(deadline)).map(crate::typed::run::<T>)
    }

    fn blocking(&self, deadline: Option<Instant>) -> Result<Task, RecvError> {
        self.start();
        // The common case in a stream: a task is ready, no clock needed.
        if let Some(t) = self.take_task(false)? {
            return Ok(t);
        }
        // A hook is the better wait: its thread may read for the peer (no
        // spin, which would leave the reading to another thread).
        if let Some(hook) = self.peer_wait_hook() {
            return self.blocking_hooked(&*hook, deadline);
        }
        #[cfg(not(shuttle))]
        if spin::worth_it() {
            let spin_until = Instant::now() + Duration::from_micros(50);
            loop {
                if let Some(t) = self.take_task(false)? {
                    spin::paid(true);
                    return Ok(t);
                }
                // Spin on the lock-free count, not on the lock.
                let mut n = 0u32;
                while self.port.queued.load(Ordering::Acquire) == 0 && n < 256 {
                    std::hint::spin_loop();
                    n += 1;
                }
                if Instant::now() >= spin_until {
                    spin::paid(false);
                    break;
                }
            }
        }
        let mut key: Option<u64> = None;
        let parker = crate::sync::Parker::current();
        let result = loop {
            match self.take_task(false) {
                Ok(Some(t)) => break Ok(t),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
            let registered = self.wait_or_retry(|w| {
                if !key.is_some_and(|k| w.contains(k)) {
                    key = Some(w.add(Waiter::Thread(parker.clone())));
                }
            });
            match registered {
                Ok(Idle::Retry) => continue,
                Ok(Idle::Wait) => {}
                Err(e) => break Err(e),
            }
            match deadline {
                None => parker.park(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break self.time_out(&mut key);
                    }
                    parker.park_timeout(d - now);
                }
            }
        };
        if let Some(k) = key {
            self.leave(k);
        }
        result
    }

    /// Waits for the next event asynchronously (starting the queue, as
    /// [`MessagePort::recv_blocking`] does). Works with any executor.
    ///
    /// Cancel safety: dropping the future before it completes loses no
    /// message (a task is taken from the queue only in the poll that
    /// returns it), and a wake-up it had received passes on to another
    /// receiver. So `recv()` may be used in `select!` loops.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// ch.port1.post(&"async").unwrap();
    /// let ev = futures::executor::block_on(ch.port2.recv_as::<String>()).unwrap();
    /// assert!(matches!(ev, Event::Message(m) if m.data == "async"));
    /// ```
    pub fn recv(&self) -> crate::recv::Recv<'_, Graph> {
        self.start();
        crate::recv::Recv::new(self, Self::run_graph)
    }

    /// [`MessagePort::recv`] into a serde type (see
    /// [`MessagePort::recv_blocking_as`] for what a typed receive gives).
    pub fn recv_as<T: serde::de::DeserializeOwned>(&self) -> crate::recv::Recv<'_, T> {
        self.start();
        crate::recv::Recv::new(self, crate::typed::run::<T>)
    }

    /// A [`Stream`](futures_core::Stream) of this port's events, ending
    /// when the port can receive nothing more (starts the queue).
    pub fn stream(&self) -> crate::recv::Recv<'_, Graph> {
        self.recv()
    }

    /// [`MessagePort::stream`] of a serde type.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// for i in 0..3u8 { ch.port1.post(&i).unwrap(); }
    /// drop(ch.port1);
    /// let got: Vec<u8> = futures::executor::block_on(
    ///     ch.port2.stream_as::<u8>().filter_map(|e| async move { e.into_message() }).map(|m| m.data).collect(),
    /// );
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    pub fn stream_as<T: serde::de::DeserializeOwned>(&self) -> crate::recv::Recv<'_, T> {
        self.recv_as()
    }

    /// A blocking iterator over this port's events: each `next()` waits for
    /// one, and the iterator ends when the port can receive nothing more
    /// (after the `close` event, or once detached).
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..5u32 { ch.port1.post(&i).unwrap(); }
    /// }); // port1 dropped: closed
    /// let sum: u32 = ch.port2.iter_as::<u32>().filter_map(Event::into_message).map(|m| m.data).sum();
    /// assert_eq!(sum, 10);
    /// producer.join().unwrap();
    /// ```
    pub fn iter(&self) -> crate::recv::Iter<'_, Graph> {
        crate::recv::Iter::new(self, Self::run_graph)
    }

    /// [`MessagePort::iter`] into a serde type.
    pub fn iter_as<T: serde::de::DeserializeOwned>(&self) -> crate::recv::Iter<'_, T> {
        crate::recv::Iter::new(self, crate::typed::run::<T>)
    }

    /// Blocks for one task (for [`crate::recv::Iter`]).
    pub(crate) fn blocking_task(&self) -> Result<Task, RecvError> {
        self.blocking(None)
    }
}

/// Whether a blocked receive spins before it parks, per thread. A spin
/// pays when the answer comes within it (a peer thread on another core);
/// when it does not (a peer in another process, or a machine whose cores
/// are busy, where the spin takes the very core the peer needs), the
/// thread stops spinning, and tries again one wait in 64.
#[cfg(not(shuttle))]
mod spin {
    use std::cell::Cell;

    /// The highest score: this many unanswered spins in a row stop spinning.
    const MAX: u32 = 4;

    thread_local! {
        /// (score, waits since spinning stopped)
        static STATE: Cell<(u32, u32)> = const { Cell::new((MAX, 0)) };
    }

    /// Whether to spin now. A machine with a single core never spins: the
    /// peer could only answer on this very core.
    pub(super) fn worth_it() -> bool {
        static CORES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if !*CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)) {
            return false;
        }
        STATE.with(|c| {
            let (score, idle) = c.get();
            if score > 0 {
                return true;
            }
            c.set((0, idle + 1));
            (idle + 1) % 64 == 0
        })
    }

    /// Records whether a spin was answered.
    pub(super) fn paid(answered: bool) {
        STATE.with(|c| {
            let (score, _) = c.get();
            c.set(if answered {
                (MAX, 0)
            } else {
                (score.saturating_sub(1), 0)
            });
        });
    }
}
