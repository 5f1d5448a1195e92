//! The embedding API for event loops (a JS runtime, a GUI loop, a custom
//! executor): ports are bound to a loop, which is woken when one of them has
//! a task, and pulls exactly one task at a time.

use crate::event::Event;
use crate::port::{Binding, MessagePort, Port, PortName, Task, Wake};
use crate::sync::{lock, Arc, Rank, Ranked};
use msgport_clone::Graph;

/// A port of the ready heap, keyed by the stamp of its front task when it
/// was listed (the earliest stamp first).
struct Ready {
    stamp: u64,
    port: Arc<Port>,
}

impl PartialEq for Ready {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ready {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest stamp.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .stamp
            .cmp(&self.stamp)
            .then_with(|| Arc::as_ptr(&other.port).cmp(&Arc::as_ptr(&self.port)))
    }
}

/// Shared state of an [`EventLoop`].
pub(crate) struct LoopInner {
    /// Ports that may have a releasable task, each at most once (a port
    /// is listed while its `state.in_ready` is set), by the stamp of its
    /// front task: choosing the next task is O(log n) in the number of
    /// ports with work. An entry whose port moved to another owner, or
    /// whose front task is no longer releasable, is dropped when it comes
    /// up; one whose front stamp changed is listed again under the new
    /// one. Ranked first in the lock order: ports' `state` locks are taken
    /// while it is held.
    ready: Ranked<std::collections::BinaryHeap<Ready>>,
    wake: Box<dyn Fn() + Send + Sync>,
}

impl LoopInner {
    pub(crate) fn make_ready(&self, p: Arc<Port>) {
        let mut ready = lock(&self.ready);
        let stamp = Port::front_stamp(&lock(&p.state));
        ready.push(Ready { stamp, port: p });
        drop(ready);
        (self.wake)();
    }
}

/// A set of ports whose tasks one event loop runs.
///
/// Among the ports of one loop, tasks are released in global posting order
/// (each task is stamped when it is queued), which gives the standard's
/// *unshipped port message queue* ordering for never-shipped ports and a
/// valid ordering for shipped ones.
///
/// ```
/// use msgport::{Event, EventLoop, MessageChannel};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// let wakes = Arc::new(AtomicUsize::new(0));
/// let w = wakes.clone();
/// let el = EventLoop::new(move || { w.fetch_add(1, Ordering::SeqCst); });
/// let a = MessageChannel::new();
/// let b = MessageChannel::new();
/// el.bind(&a.port2);
/// el.bind(&b.port2);
/// a.port2.start();
/// b.port2.start();
/// a.port1.post(&"first").unwrap();
/// b.port1.post(&"second").unwrap();
/// a.port1.post(&"third").unwrap();
/// assert!(wakes.load(Ordering::SeqCst) > 0);
/// let order: Vec<_> = std::iter::from_fn(|| el.next_task()).map(|(name, _)| name).collect();
/// assert_eq!(order, [a.port2.name(), b.port2.name(), a.port2.name()]);
/// ```
#[derive(Clone)]
pub struct EventLoop {
    inner: Arc<LoopInner>,
}

impl EventLoop {
    /// A loop; `wake` is called (from any thread) when a bound port gets a
    /// task it can release. It must be cheap and must not call back into the loop.
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Self {
        EventLoop {
            inner: Arc::new(LoopInner {
                ready: Ranked::new(Rank::LoopReady, std::collections::BinaryHeap::new()),
                wake: Box::new(wake),
            }),
        }
    }

    /// Binds a port to this loop: from now on its tasks are pulled with
    /// [`EventLoop::next_task`], and only so: receiving through the port's
    /// handle returns [`RecvError::BoundToLoop`](crate::RecvError), and
    /// threads or tasks waiting on it are woken to learn so. A transfer
    /// unbinds it (the new owner binds the received port to its own loop).
    ///
    /// ```
    /// use msgport::{EventLoop, MessageChannel, RecvError};
    /// let ch = MessageChannel::new();
    /// let el = EventLoop::new(|| {});
    /// el.bind(&ch.port2);
    /// assert_eq!(ch.port2.try_recv().unwrap_err(), RecvError::BoundToLoop);
    /// ```
    pub fn bind(&self, port: &MessagePort) {
        if !port.is_live_handle() {
            return;
        }
        port.port
            .rebind(Binding::Loop(Arc::downgrade(&self.inner)))
            .run();
        let wake = {
            let mut s = lock(&port.port.state);
            if Port::front_ready(&s) {
                port.port.wake(&mut s, false)
            } else {
                Wake::Nothing
            }
        };
        wake.run();
    }

    /// Pulls one task: the releasable task with the earliest stamp among the
    /// bound ports. Returns the port it belongs to and its event.
    pub fn next_task(&self) -> Option<(PortName, Event<Graph>)> {
        let (name, task) = self.next_raw()?;
        Some((name, MessagePort::run_task(task, MessagePort::decode_graph)))
    }

    /// [`EventLoop::next_task`] with the embedder's own decoder: for a
    /// message, `decode` gets the wire bytes, the transferred ArrayBuffers,
    /// the SharedArrayBuffers (see [`msgport_clone::deserialize_with_shared`])
    /// and the number of transferred ports, and makes the value the event
    /// carries (a JS engine makes its objects straight from the bytes). An
    /// error becomes the `messageerror` event, as with the built-in
    /// decoder, and the message's ports are closed.
    ///
    /// ```
    /// use msgport::{Event, EventLoop, MessageChannel};
    /// let lp = EventLoop::new(|| {});
    /// let ch = MessageChannel::new();
    /// lp.bind(&ch.port2);
    /// ch.port2.start();
    /// ch.port1.post(&"hi").unwrap();
    /// let (_, ev) = lp.next_task_with(|bytes, _, _, _| Ok(bytes.len())).unwrap();
    /// assert!(matches!(ev, Event::Message(m) if m.data == msgport::clone::to_bytes(&"hi").unwrap().len()));
    /// ```
    pub fn next_task_with<T>(
        &self,
        decode: impl FnOnce(
            &[u8],
            Vec<msgport_clone::TransferredBuffer>,
            Vec<msgport_clone::SharedArrayBuffer>,
            usize,
        ) -> Result<T, crate::CloneError>,
    ) -> Option<(PortName, Event<T>)> {
        let (name, task) = self.next_raw()?;
        Some((name, MessagePort::run_task(task, decode)))
    }

    /// The ready list's invariant: nothing is dropped while it is locked.
    /// Dropping a port's last reference drops its queue, whose messages may
    /// carry ports; those close, and closing wakes their peers, possibly on
    /// this very loop, which would lock the list again. So removed entries
    /// are set aside (`gone`) and dropped after the lock is released.
    fn next_raw(&self) -> Option<(PortName, Task)> {
        let mut gone: Vec<Arc<Port>> = Vec::new();
        let found = self.pick(&mut gone);
        drop(gone);
        let (port, task, drained) = found?;
        drained.into_iter().for_each(std::task::Waker::wake);
        Some((port.name, task))
    }

    /// Pops the releasable task with the earliest stamp (see [`LoopInner::ready`]).
    #[allow(clippy::type_complexity)]
    fn pick(&self, gone: &mut Vec<Arc<Port>>) -> Option<(Arc<Port>, Task, Vec<std::task::Waker>)> {
        let mut ready = lock(&self.inner.ready);
        loop {
            let entry = ready.pop()?;
            let mut s = lock(&entry.port.state);
            let bound_here = matches!(&s.binding, Binding::Loop(l) if std::ptr::eq(l.as_ptr(), Arc::as_ptr(&self.inner)));
            if !bound_here {
                // Moved to another owner, which keeps its own `in_ready`.
                drop(s);
                gone.push(entry.port);
                continue;
            }
            if !Port::front_ready(&s) {
                s.in_ready = false;
                drop(s);
                gone.push(entry.port);
                continue;
            }
            let stamp = Port::front_stamp(&s);
            if stamp != entry.stamp {
                // Listed before its front task changed: listed again, in
                // its place.
                drop(s);
                ready.push(Ready {
                    stamp,
                    port: entry.port,
                });
                continue;
            }
            let Some((task, drained)) = entry.port.pop(&mut s, false) else {
                s.in_ready = false;
                drop(s);
                gone.push(entry.port);
                continue;
            };
            if Port::front_ready(&s) {
                let next = Port::front_stamp(&s);
                drop(s);
                ready.push(Ready {
                    stamp: next,
                    port: entry.port.clone(),
                });
            } else {
                s.in_ready = false;
                drop(s);
            }
            drop(ready);
            return Some((entry.port, task, drained));
        }
    }

    /// Whether any bound port has a task to release now.
    pub fn has_ready(&self) -> bool {
        lock(&self.inner.ready)
            .iter()
            .any(|r| Port::front_ready(&lock(&r.port.state)))
    }
}
