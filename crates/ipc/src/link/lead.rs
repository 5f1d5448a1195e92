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
//! their frames) is in [`RoleInner::state`] while nobody reads, and out
//! of it, owned by the reader, while somebody does: whoever took it is the
//! only thread that reads the socket, so frames stay whole and in order.
//!
//! ```text
//!                 socket readable (the reader thread's epoll)
//!        Vacant ─────────────────────────────────────────────▶ Thread
//!        │  ▲  ◀──────────── gives back after one read ───────┘
//!  takes │  │ gives back (its port has a task, or its deadline passed;
//!        ▼  │             the first follower is rung)
//!        Waiter
//! ```
//!
//! - **Vacant**: nobody reads; the socket is in the reader thread's epoll
//!   set, so bytes that come now wake the reader thread, which takes the
//!   role for one read. A blocked receiver takes the role at once, taking
//!   the socket out of that set first: while a receiver leads, bytes wake
//!   the receiver only, and a thread in a request/answer loop takes the
//!   role back between two answers without waking anybody.
//! - **Thread**: the reader thread reads once (up to 256 KiB, every whole
//!   frame handled) and gives the role back. A receiver that wants the
//!   role meanwhile joins `followers` and is rung then.
//! - **Waiter**: a blocked receiver leads. Frames for other ports are
//!   dispatched by it (their receivers are woken as the reader thread
//!   would wake them); followers sleep on their own signal until their
//!   port has a task or the role is vacant again.
//!
//! Invariants, all under `Role::inner`:
//! - `state.is_some()` exactly when `holder` is `Vacant`;
//! - the socket is in `epoll` exactly when `holder` is not `Waiter` (so
//!   that a leader and the reader thread are never both woken by the
//!   same bytes);
//! - once `dead`, nobody takes the role again: the link is closed and
//!   every route's user port got `close`.

use super::writer::as_node;
use super::Link;
use crate::frame::Splitter;
use msgport::WaitHook;
use rustix::event::{epoll, poll, PollFd, PollFlags, Timespec};
use rustix::fd::OwnedFd;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Wake, Waker};
use std::time::Instant;

/// What whoever reads owns: the bytes not yet split into frames, and the
/// descriptors received ahead of the frames that name them.
pub(crate) struct ReadState {
    pub(super) split: Splitter,
    pub(super) fds: VecDeque<OwnedFd>,
    pub(super) got: Vec<OwnedFd>,
}

impl ReadState {
    pub(super) fn new(split: Splitter) -> Box<Self> {
        Box::new(ReadState {
            split,
            fds: VecDeque::new(),
            got: Vec::new(),
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Holder {
    Vacant,
    Thread,
    Waiter,
}

struct RoleInner {
    state: Option<Box<ReadState>>,
    holder: Holder,
    /// Waiters that want the role, oldest first; the first is rung when it
    /// becomes vacant.
    followers: Vec<Arc<Signal>>,
    dead: bool,
}

/// What tells the reader thread there is something to read.
pub(crate) struct ThreadWake {
    /// The reader thread's epoll set: the socket (while no receiver
    /// leads) and `bell`.
    epoll: OwnedFd,
    /// Rung when the link dies.
    bell: Signal,
}

/// Event data of the socket in the epoll set.
const SOCKET: u64 = 0;
/// Event data of the bell.
const BELL: u64 = 1;

/// A link's read role (see the module docs).
pub(crate) struct Role {
    inner: Mutex<RoleInner>,
    /// `None` if no epoll set or eventfd could be made, or the transport
    /// cannot be polled: then the reader thread alone reads (blocking).
    pub(super) wake: Option<ThreadWake>,
}

impl Role {
    /// The reader thread holds the role first (it reads what came with
    /// the handshake, then gives the role back).
    pub(crate) fn new(socket: Option<rustix::fd::BorrowedFd<'_>>) -> Self {
        let wake = socket.and_then(|_| {
            let epoll = epoll::create(epoll::CreateFlags::CLOEXEC).ok()?;
            let bell = Signal::new()?;
            epoll::add(
                &epoll,
                &bell.fd,
                epoll::EventData::new_u64(BELL),
                epoll::EventFlags::IN,
            )
            .ok()?;
            Some(ThreadWake { epoll, bell })
        });
        Role {
            inner: Mutex::new(RoleInner {
                state: None,
                holder: Holder::Thread,
                followers: Vec::new(),
                dead: false,
            }),
            wake,
        }
    }

    fn lock(&self) -> MutexGuard<'_, RoleInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the role back: the socket goes back in the reader thread's
    /// set (bytes already there wake it), and the first follower is rung.
    fn give_back(&self, link: &Link, state: Box<ReadState>) {
        let mut g = self.lock();
        if g.holder == Holder::Waiter {
            if let (Some(w), Some(fd)) = (&self.wake, link.transport.poll_fd()) {
                // EEXIST cannot happen (a leader took it out); any other
                // failure leaves the reader thread to the bell.
                let _ = epoll::add(
                    &w.epoll,
                    fd,
                    epoll::EventData::new_u64(SOCKET),
                    epoll::EventFlags::IN,
                );
            }
        }
        g.state = Some(state);
        g.holder = Holder::Vacant;
        if let Some(f) = g.followers.first() {
            f.ring();
        }
    }

    /// The reader thread, woken by bytes, takes the role if it is vacant.
    fn take_for_thread(&self) -> Option<Box<ReadState>> {
        let mut g = self.lock();
        if g.dead || g.holder != Holder::Vacant {
            return None;
        }
        g.holder = Holder::Thread;
        g.state.take()
    }

    /// A waiter takes the role if it is vacant; otherwise it becomes a
    /// follower, rung when the role is given back.
    fn try_lead(&self, link: &Link, me: &Arc<Signal>) -> Option<Box<ReadState>> {
        let mut g = self.lock();
        if g.dead {
            return None;
        }
        if g.holder == Holder::Vacant {
            if let (Some(w), Some(fd)) = (&self.wake, link.transport.poll_fd()) {
                if epoll::delete(&w.epoll, fd).is_err() {
                    // Left in the set, the reader thread would read beside
                    // us: stay a follower of nobody (the caller sleeps).
                    return None;
                }
            }
            g.holder = Holder::Waiter;
            g.followers.retain(|f| !Arc::ptr_eq(f, me));
            return g.state.take();
        }
        if !g.followers.iter().any(|f| Arc::ptr_eq(f, me)) {
            g.followers.push(me.clone());
        }
        None
    }

    /// A follower stops waiting for the role; if the role is vacant, the
    /// next follower is rung in its place.
    fn unfollow(&self, me: &Arc<Signal>) {
        let mut g = self.lock();
        let before = g.followers.len();
        g.followers.retain(|f| !Arc::ptr_eq(f, me));
        if g.followers.len() < before && g.holder == Holder::Vacant {
            if let Some(f) = g.followers.first() {
                f.ring();
            }
        }
    }

    /// The link died: nobody takes the role again; the reader thread and
    /// the followers are woken.
    pub(super) fn close(&self) {
        let mut g = self.lock();
        g.dead = true;
        for f in g.followers.drain(..) {
            f.ring();
        }
        drop(g);
        if let Some(w) = &self.wake {
            w.bell.ring();
        }
    }
}

/// A thread's wake-up: a flag, and an eventfd written only while the
/// thread sleeps in `poll` (a leader that dispatched its own port's
/// message sees the flag, with no system call).
///
/// Dekker's handshake, both sides sequentially consistent: the sleeper
/// sets `asleep` and then looks at `rung`; the ringer sets `rung` and then
/// looks at `asleep`. One of them sees the other, so a ring is never lost.
pub(crate) struct Signal {
    fd: OwnedFd,
    rung: AtomicBool,
    asleep: AtomicBool,
}

impl Signal {
    fn new() -> Option<Signal> {
        use rustix::event::{eventfd, EventfdFlags};
        eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
            .ok()
            .map(|fd| Signal {
                fd,
                rung: AtomicBool::new(false),
                asleep: AtomicBool::new(false),
            })
    }

    /// This thread's signal (made on first use; `None` if no eventfd
    /// could be made, and then the thread parks as without a hook).
    fn current() -> Option<Arc<Signal>> {
        thread_local! {
            static MINE: Option<Arc<Signal>> = Signal::new().map(Arc::new);
        }
        MINE.try_with(Clone::clone).ok().flatten()
    }

    fn ring(&self) {
        self.rung.store(true, Ordering::SeqCst);
        if self.asleep.load(Ordering::SeqCst) {
            // EAGAIN only when the counter would overflow: rung anyway.
            let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
        }
    }

    /// Takes the ring, if any.
    fn take(&self) -> bool {
        self.rung.swap(false, Ordering::SeqCst)
    }

    /// Polls `socket` (if any) beside this signal until it is readable,
    /// the signal is rung or `deadline` passes. Returns whether the
    /// signal was rung (taking the ring) and whether the socket is
    /// readable.
    fn sleep_beside(
        &self,
        socket: Option<rustix::fd::BorrowedFd<'_>>,
        deadline: Option<Instant>,
    ) -> (bool, bool) {
        self.asleep.store(true, Ordering::SeqCst);
        let mut readable = false;
        if !self.rung.load(Ordering::SeqCst) {
            let mut fds = [
                PollFd::new(&self.fd, PollFlags::IN),
                PollFd::new(&self.fd, PollFlags::IN),
            ];
            let n = match &socket {
                Some(fd) => {
                    fds[1] = PollFd::new(fd, PollFlags::IN);
                    2
                }
                None => 1,
            };
            poll_until(&mut fds[..n], deadline);
            if !fds[0].revents().is_empty() {
                let mut b = [0u8; 8];
                let _ = rustix::io::read(&self.fd, &mut b);
            }
            readable = n == 2 && !fds[1].revents().is_empty();
        }
        self.asleep.store(false, Ordering::SeqCst);
        (self.take(), readable)
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.ring();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.ring();
    }
}

/// `poll` until `deadline` (`None`: no limit); an interrupted poll
/// returns early, as if nothing happened.
fn poll_until(fds: &mut [PollFd<'_>], deadline: Option<Instant>) -> usize {
    let timeout = deadline.map(|d| {
        Timespec::try_from(d.saturating_duration_since(Instant::now())).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        })
    });
    poll(fds, timeout.as_ref()).unwrap_or(0)
}

/// The hook set on every bridge of a link.
pub(crate) struct LinkHook {
    pub(super) link: Weak<Link>,
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
        match Signal::current() {
            Some(s) => Waker::from(s),
            None => Waker::from(Arc::new(Unpark(std::thread::current()))),
        }
    }

    fn wait(&self, deadline: Option<Instant>) {
        let Some(me) = Signal::current() else {
            match deadline {
                Some(d) => std::thread::park_timeout(d.saturating_duration_since(Instant::now())),
                None => std::thread::park(),
            }
            return;
        };
        let link = match self.link.upgrade() {
            Some(l) if !l.is_dead() && l.role.wake.is_some() => l,
            _ => {
                me.sleep_beside(None, deadline);
                return;
            }
        };
        match link.role.try_lead(&link, &me) {
            Some(state) => as_node(|| lead(&link, state, &me, deadline)),
            None => {
                // The port's waker, the role given back, or the deadline.
                drop(link);
                me.sleep_beside(None, deadline);
                if let Some(link) = self.link.upgrade() {
                    link.role.unfollow(&me);
                }
            }
        }
    }
}

/// A waiter leads: reads and dispatches until its own signal rings or
/// `deadline`, then gives the role back.
fn lead(link: &Link, mut state: Box<ReadState>, me: &Signal, deadline: Option<Instant>) {
    let result = loop {
        let Some(fd) = link.transport.poll_fd() else {
            break Ok(());
        };
        let (mine, readable) = me.sleep_beside(Some(fd), deadline);
        if mine {
            break Ok(());
        }
        if readable {
            if let Err(e) = super::reader::read_once(link, &mut state, true) {
                break Err(e);
            }
            // A message for this thread's port rang the signal: no poll.
            if me.take() {
                break Ok(());
            }
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            break Ok(());
        }
    };
    link.role.give_back(link, state);
    if let Err(e) = result {
        link.die(e);
    }
}

/// The reader thread's part: waits for bytes while the role is vacant,
/// takes it for one read, gives it back.
pub(super) fn thread_reads(link: &Link, mut state: Box<ReadState>) -> Result<(), super::LinkError> {
    let Some(wake) = &link.role.wake else {
        // No lending: the reader thread alone reads, blocking.
        loop {
            super::reader::read_once(link, &mut state, false)?;
            if link.is_dead() {
                return Ok(());
            }
        }
    };
    let Some(fd) = link.transport.poll_fd() else {
        return Ok(());
    };
    // The socket joins the set as the role becomes vacant.
    {
        let mut g = link.role.lock();
        if epoll::add(
            &wake.epoll,
            fd,
            epoll::EventData::new_u64(SOCKET),
            epoll::EventFlags::IN,
        )
        .is_err()
        {
            // Never lent: the reader thread keeps the role.
            drop(g);
            loop {
                super::reader::read_once(link, &mut state, false)?;
                if link.is_dead() {
                    return Ok(());
                }
            }
        }
        g.state = Some(state);
        g.holder = Holder::Vacant;
        // A receiver that came before this point follows: it leads now.
        if let Some(f) = g.followers.first() {
            f.ring();
        }
    }
    let mut events: Vec<epoll::Event> = Vec::with_capacity(2);
    loop {
        events.clear();
        let _ = epoll::wait(
            &wake.epoll,
            rustix::buffer::spare_capacity(&mut events),
            None,
        );
        if link.is_dead() {
            return Ok(());
        }
        if !events.iter().any(|e| e.data.u64() == SOCKET) {
            continue;
        }
        let Some(mut st) = link.role.take_for_thread() else {
            continue;
        };
        // Readable when the set said so, unless a leader read it between
        // then and our taking the role: look again without blocking.
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let ready = poll(
            &mut fds,
            Some(&Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            }),
        )
        .unwrap_or(0)
            > 0;
        let r = if ready {
            super::reader::read_once(link, &mut st, false)
        } else {
            Ok(())
        };
        link.role.give_back(link, st);
        r?;
    }
}
