//! The system calls of the read role, behind a trait so that a model
//! (`sim.rs`, under `--cfg shuttle`) can stand in for the kernel.

use super::role::Signal;
use rustix::event::{epoll, poll, PollFd, PollFlags, Timespec};
use rustix::fd::{BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the read role asks of the kernel: an eventfd per thread (and one
/// bell per link), `poll` of an eventfd beside the socket, and the reader
/// thread's epoll set, which holds the bell and, at times, the socket.
pub(crate) trait Os: Sized + Send + Sync + 'static {
    /// A borrowed socket.
    type Sock<'a>: Copy;
    /// An eventfd.
    type Event: Send + Sync;
    /// The reader thread's epoll set.
    type Epoll: Send + Sync;
    fn event() -> Option<Self::Event>;
    fn write(e: &Self::Event);
    fn clear(e: &Self::Event);
    /// Waits until `e` or `sock` is readable, or `deadline` passes (or a
    /// signal interrupts): whether each is readable.
    fn poll(
        e: &Self::Event,
        sock: Option<Self::Sock<'_>>,
        deadline: Option<Instant>,
    ) -> (bool, bool);
    /// A one-shot timer (a `timerfd`), `None` if none can be made.
    fn timer() -> Option<Self::Event>;
    /// Makes `timer` ring once, `after` from now.
    fn arm(timer: &Self::Event, after: Duration);
    /// Whether a lingering role that began at `since` has lingered
    /// [`LINGER`] or more.
    fn lingered(since: Instant) -> bool;
    /// A set holding `bell` and, if any, `timer`.
    fn epoll(bell: &Self::Event, timer: Option<&Self::Event>) -> Option<Self::Epoll>;
    /// Puts `sock` in the set (`on`) or takes it out; whether that worked.
    fn watch(ep: &Self::Epoll, sock: Self::Sock<'_>, on: bool) -> bool;
    /// Waits on the set: what is ready.
    fn wait(ep: &Self::Epoll) -> Ready;
    /// Whether `sock` has bytes (or its end) now.
    fn readable_now(sock: Self::Sock<'_>) -> bool;
    /// The calling thread's signal, made on first use.
    fn current() -> Option<Arc<Signal<Self>>>;
}

/// What woke the reader thread (the bell wakes it with neither).
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Ready {
    /// The socket has bytes, or its end.
    pub(crate) socket: bool,
    /// The linger timer rang.
    pub(crate) timer: bool,
}

/// How long the role may linger (see `role.rs`): the longest a frame for
/// a port that no thread blocks on waits, after a blocked receiver
/// returned, before the reader thread watches the socket again.
pub(crate) const LINGER: Duration = Duration::from_millis(1);

/// The kernel.
pub(crate) struct Real;

/// Event data of the socket in the epoll set.
const SOCKET: u64 = 0;
/// Event data of the bell.
const BELL: u64 = 1;
/// Event data of the linger timer.
const TIMER: u64 = 2;

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

impl Os for Real {
    type Sock<'a> = BorrowedFd<'a>;
    type Event = OwnedFd;
    type Epoll = OwnedFd;

    fn event() -> Option<OwnedFd> {
        use rustix::event::{eventfd, EventfdFlags};
        eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).ok()
    }

    fn write(e: &OwnedFd) {
        // EAGAIN only when the counter would overflow: rung anyway.
        let _ = rustix::io::write(e, &1u64.to_ne_bytes());
    }

    fn clear(e: &OwnedFd) {
        let mut b = [0u8; 8];
        let _ = rustix::io::read(e, &mut b);
    }

    fn poll(e: &OwnedFd, sock: Option<BorrowedFd<'_>>, deadline: Option<Instant>) -> (bool, bool) {
        let mut fds = [PollFd::new(e, PollFlags::IN), PollFd::new(e, PollFlags::IN)];
        let n = match &sock {
            Some(fd) => {
                fds[1] = PollFd::new(fd, PollFlags::IN);
                2
            }
            None => 1,
        };
        poll_until(&mut fds[..n], deadline);
        (
            !fds[0].revents().is_empty(),
            n == 2 && !fds[1].revents().is_empty(),
        )
    }

    fn timer() -> Option<OwnedFd> {
        use rustix::time::{timerfd_create, TimerfdClockId, TimerfdFlags};
        timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK,
        )
        .ok()
    }

    fn arm(timer: &OwnedFd, after: Duration) {
        use rustix::time::{timerfd_settime, Itimerspec, TimerfdTimerFlags};
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // A zero value would disarm it: at least a nanosecond.
        let value = Timespec::try_from(after.max(Duration::from_nanos(1))).unwrap_or(zero);
        let spec = Itimerspec {
            it_interval: zero,
            it_value: value,
        };
        // Fails only for a bad descriptor or value, neither possible here.
        let _ = timerfd_settime(timer, TimerfdTimerFlags::empty(), &spec);
    }

    fn lingered(since: Instant) -> bool {
        since.elapsed() >= LINGER
    }

    fn epoll(bell: &OwnedFd, timer: Option<&OwnedFd>) -> Option<OwnedFd> {
        let ep = epoll::create(epoll::CreateFlags::CLOEXEC).ok()?;
        epoll::add(
            &ep,
            bell,
            epoll::EventData::new_u64(BELL),
            epoll::EventFlags::IN,
        )
        .ok()?;
        if let Some(t) = timer {
            epoll::add(
                &ep,
                t,
                epoll::EventData::new_u64(TIMER),
                epoll::EventFlags::IN,
            )
            .ok()?;
        }
        Some(ep)
    }

    fn watch(ep: &OwnedFd, sock: BorrowedFd<'_>, on: bool) -> bool {
        if on {
            epoll::add(
                ep,
                sock,
                epoll::EventData::new_u64(SOCKET),
                epoll::EventFlags::IN,
            )
            .is_ok()
        } else {
            epoll::delete(ep, sock).is_ok()
        }
    }

    fn wait(ep: &OwnedFd) -> Ready {
        let mut events: Vec<epoll::Event> = Vec::with_capacity(3);
        let _ = epoll::wait(ep, rustix::buffer::spare_capacity(&mut events), None);
        Ready {
            socket: events.iter().any(|e| e.data.u64() == SOCKET),
            timer: events.iter().any(|e| e.data.u64() == TIMER),
        }
    }

    fn readable_now(sock: BorrowedFd<'_>) -> bool {
        let mut fds = [PollFd::new(&sock, PollFlags::IN)];
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        poll(&mut fds, Some(&zero)).unwrap_or(0) > 0
    }

    fn current() -> Option<Arc<Signal<Real>>> {
        thread_local! {
            static MINE: Option<Arc<Signal<Real>>> = Signal::new().map(Arc::new);
        }
        MINE.try_with(Clone::clone).ok().flatten()
    }
}
