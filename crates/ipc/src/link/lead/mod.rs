//! Who reads a link's socket: the reader thread, or a thread blocked on
//! one of the link's ports (a leader/follower reader).
//!
//! A message from another process used to cost two wake-ups: the kernel
//! woke the link's reader thread, which posted at the bridge and woke the
//! user's thread blocked in `recv_blocking`. A raw socket costs one, and
//! on a busy machine each wake-up waits for a core. So the link lends its
//! *read role* to the thread that waits: the bridges carry a
//! [`WaitHook`], the blocked receive calls it, and the thread polls the
//! socket beside its own signal, reads and dispatches every frame that
//! comes (for any port of the link, as the reader thread would) until its
//! own port has a task, then gives the role back.
//!
//! # The role
//!
//! The read state (the splitter and the descriptors received ahead of
//! their frames) is in `RoleInner::state` while nobody reads, and out
//! of it, owned by the reader, while somebody does: whoever took it is the
//! only thread that reads the socket, so frames stay whole and in order.
//!
//! ```text
//!                 socket readable (the reader thread's epoll)
//!        Vacant ─────────────────────────────────────────────▶ Thread
//!        │  ▲  ◀──────────── gives back after one read ───────┘
//!  takes │  │ the linger timer: lingered LINGER (socket back in the set)
//!        ▼  │
//!        Waiter ◀────── takes (no system call) ────── Lingering
//!           └──── gives back (its port has a task, or ───▶ ▲
//!                 its deadline passed; first follower rung)
//! ```
//!
//! - **Vacant**: nobody reads; the socket is in the reader thread's epoll
//!   set, so bytes that come now wake the reader thread, which takes the
//!   role for one read. A blocked receiver takes the role at once, taking
//!   the socket out of that set first: while a receiver leads, bytes wake
//!   the receiver only.
//! - **Thread**: the reader thread reads once (up to 256 KiB, every whole
//!   frame handled) and gives the role back. A receiver that wants the
//!   role meanwhile joins `followers` and is rung then.
//! - **Waiter**: a blocked receiver leads. Frames for other ports are
//!   dispatched by it (their receivers are woken as the reader thread
//!   would wake them); followers sleep on their own signal until their
//!   port has a task or the role is free again. With no deadline the
//!   leader waits in a *blocking read* of the socket (the transport's
//!   receive timeout, `role::SLICE` = 2 ms, makes it look at its signal
//!   now and then; its signal is not written meanwhile), because a thread
//!   woken from a blocking read has its bytes at once, where `poll` and
//!   then `read` cost an idle round trip a third more; after four reads
//!   in a row that found nothing, or with a deadline, it `poll`s the
//!   socket beside its signal's eventfd instead.
//! - **Lingering**: a leader gave the role back less than `LINGER` (1 ms)
//!   ago. Nobody reads and the socket stays out of the reader thread's
//!   set, so a thread in a request/answer loop, which blocks again soon,
//!   takes the role back with no system call, and its answer, should it
//!   come before the thread blocks, wakes nobody (on a busy machine the
//!   reader thread read 5–20% of the answers, a third thread's wake-up
//!   each; and the set's two `epoll_ctl`s per message are gone). Any
//!   blocked receiver takes a lingering role; followers are rung as it
//!   begins. The leader that gave the role back set the linger timer (a
//!   `timerfd` in the reader thread's set) unless it was set; when it
//!   rings, the reader thread makes a role that has lingered `LINGER`
//!   vacant and puts the socket back in its set (bytes already there wake
//!   it at once), or sets the timer again for the rest. So a frame for a
//!   port that nobody blocks on (an asynchronous receiver, a proxy's
//!   route) waits at most about `LINGER` after a receiver returned. With
//!   no timer (none could be made), a leader gives the role back vacant.
//!
//! The role and its signals are in `role.rs`, generic over the kernel
//! (`os.rs`), so that a shuttle model (`sim.rs`, under `--cfg shuttle`)
//! runs this very code against a simulated socket, eventfds and epoll set.
//!
//! Invariants, all under `Role::inner`:
//! - `state.is_some()` exactly when `holder` is `Vacant` or `Lingering`;
//! - while `holder` is `Lingering`, the linger timer is set
//!   (`timer_set`): the role never lingers with nothing to end it;
//! - the socket is in `epoll` exactly when `holder` is `Vacant` or
//!   `Thread` (so that a leader and the reader thread are never both
//!   woken by the same bytes);
//! - once `dead`, nobody takes the role again: the link is closed and
//!   every route's user port got `close`.

mod os;
mod role;
#[cfg(all(shuttle, test))]
mod sim;

use super::writer::as_node;
use super::{Link, LinkError};
use crate::frame::Splitter;
use msgport::WaitHook;
use os::{Os, Real};
use rustix::fd::OwnedFd;
use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::task::{Wake, Waker};
use std::time::Instant;

pub(crate) use role::thread_reads;

/// A link's read role.
pub(crate) type Role = role::Role<Real, Box<ReadState>>;

/// What whoever reads owns: the bytes not yet split into frames, and the
/// descriptors received ahead of the frames that name them.
pub(crate) struct ReadState {
    pub(in crate::link) split: Splitter,
    pub(in crate::link) fds: VecDeque<OwnedFd>,
    pub(in crate::link) got: Vec<OwnedFd>,
}

impl ReadState {
    pub(in crate::link) fn new(split: Splitter) -> Box<Self> {
        Box::new(ReadState {
            split,
            fds: VecDeque::new(),
            got: Vec::new(),
        })
    }
}

impl role::Reader for Link {
    type O = Real;
    type S = Box<ReadState>;
    fn role(&self) -> &Role {
        &self.role
    }
    fn socket(&self) -> Option<rustix::fd::BorrowedFd<'_>> {
        self.transport.poll_fd()
    }
    fn read_once(&self, state: &mut Box<ReadState>, lent: bool) -> Result<(), LinkError> {
        super::reader::read_once(self, state, lent)
    }
    fn read_waiting(&self, state: &mut Box<ReadState>) -> Option<Result<bool, LinkError>> {
        // The socket's receive timeout, set by the first leader that
        // reads this way (the other readers read only what is there).
        let ready = *self
            .recv_timeout_set
            .get_or_init(|| self.transport.set_recv_timeout(role::SLICE));
        ready.then(|| super::reader::read(self, state, true))
    }
    fn is_dead(&self) -> bool {
        Link::is_dead(self)
    }
    fn die(&self, why: LinkError) {
        Link::die(self, why)
    }
}

/// The hook set on every bridge of a link.
pub(crate) struct LinkHook {
    pub(in crate::link) link: Weak<Link>,
}

/// The waker of a thread with no signal.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

impl WaitHook for LinkHook {
    fn waker(&self) -> Waker {
        match Real::current() {
            Some(s) => Waker::from(s),
            None => Waker::from(Arc::new(Unpark(std::thread::current()))),
        }
    }

    fn wait(&self, deadline: Option<Instant>) {
        let Some(me) = Real::current() else {
            match deadline {
                Some(d) => std::thread::park_timeout(d.saturating_duration_since(Instant::now())),
                None => std::thread::park(),
            }
            return;
        };
        match self.link.upgrade() {
            // Frames are read as the node's work (`as_node`).
            Some(link) => as_node(|| role::wait_on(&*link, &me, deadline)),
            None => {
                me.sleep_beside(None, deadline);
            }
        }
    }
}
