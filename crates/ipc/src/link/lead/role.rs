//! The read role and the signals its threads sleep on (see the module
//! docs of `lead/mod.rs`), generic over the kernel ([`Os`]) and over what
//! the reader owns, so that a model can drive this very code.

use super::os::{Os, LINGER};
use crate::link::LinkError;
use std::sync::Arc;
use std::task::Wake;
use std::time::Instant;

#[cfg(not(shuttle))]
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Mutex, MutexGuard,
};

#[cfg(shuttle)]
use shuttle::sync::{
    atomic::{AtomicBool, Ordering},
    Mutex, MutexGuard,
};

/// What the role reads for: a link (`mod.rs`), or a model's.
pub(crate) trait Reader {
    type O: Os;
    /// What whoever reads owns (`ReadState` for a link).
    type S: Send;
    fn role(&self) -> &Role<Self::O, Self::S>;
    /// The socket, if it can be polled.
    fn socket(&self) -> Option<<Self::O as Os>::Sock<'_>>;
    /// Reads once (the socket has bytes) and handles every whole frame;
    /// `lent`: the caller is a receiving thread.
    fn read_once(&self, state: &mut Self::S, lent: bool) -> Result<(), LinkError>;
    /// A receiving thread's blocking read, which gives up after about
    /// [`SLICE`] with nothing (`Ok(false)`) and handles every whole frame
    /// otherwise (`Ok(true)`); `None` if this reader cannot (then the
    /// thread polls).
    fn read_waiting(&self, state: &mut Self::S) -> Option<Result<bool, LinkError>>;
    fn is_dead(&self) -> bool;
    fn die(&self, why: LinkError);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Holder {
    Vacant,
    Thread,
    Waiter,
    /// Nobody reads, and the reader thread's set does not watch the
    /// socket: a leader gave the role back less than [`LINGER`] ago.
    Lingering,
}

struct RoleInner<O: Os, S> {
    /// The read state, here exactly while `holder` is `Vacant` or
    /// `Lingering`.
    state: Option<S>,
    holder: Holder,
    /// When the role began to linger (meaningful while `Lingering`).
    since: Option<Instant>,
    /// The linger timer is set and has not rung yet.
    timer_set: bool,
    /// Waiters that want the role, oldest first; the first is rung when it
    /// becomes vacant.
    followers: Vec<Arc<Signal<O>>>,
    dead: bool,
}

/// What tells the reader thread there is something to read.
pub(crate) struct ThreadWake<O: Os> {
    /// The reader thread's set: `bell`, and the socket while no receiver
    /// leads.
    epoll: O::Epoll,
    /// Written when the link dies (always: the reader thread sleeps in
    /// the set, not on a `Signal`'s flag).
    bell: O::Event,
    /// The linger timer, in the set; `None` (no timer could be made):
    /// the role never lingers, the socket goes back in the set as a
    /// leader gives the role back.
    timer: Option<O::Event>,
}

/// A link's read role (see the module docs).
pub(crate) struct Role<O: Os, S> {
    inner: Mutex<RoleInner<O, S>>,
    /// `None` if no set or eventfd could be made, or the transport cannot
    /// be polled: then the reader thread alone reads (blocking).
    pub(crate) wake: Option<ThreadWake<O>>,
}

impl<O: Os, S: Send> Role<O, S> {
    /// The reader thread holds the role first (it reads what came with
    /// the handshake, then gives the role back: [`thread_reads`]).
    pub(crate) fn new(socket: Option<O::Sock<'_>>) -> Self {
        let wake = socket.and_then(|_| {
            let bell = O::event()?;
            let timer = O::timer();
            let epoll = O::epoll(&bell, timer.as_ref())?;
            Some(ThreadWake { epoll, bell, timer })
        });
        Role {
            inner: Mutex::new(RoleInner {
                state: None,
                holder: Holder::Thread,
                since: None,
                timer_set: false,
                followers: Vec::new(),
                dead: false,
            }),
            wake,
        }
    }

    fn lock(&self) -> MutexGuard<'_, RoleInner<O, S>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the role back, and rings the first follower. A leader's
    /// role lingers: the socket stays out of the reader thread's set, so
    /// that a thread in a request/answer loop, blocking again soon, takes
    /// the role back with no system call and no other thread is woken by
    /// the answer meanwhile; the linger timer (set if it is not) has the
    /// reader thread end the lingering after [`LINGER`] ([`Self::expire`]).
    /// Without a timer, the socket goes back in the set at once (bytes
    /// already there wake the reader thread). `false` if the set refused
    /// the socket (then nobody would read while no receiver waits: the
    /// caller closes the link).
    #[must_use]
    fn give_back(&self, socket: Option<O::Sock<'_>>, state: S) -> bool {
        let mut g = self.lock();
        let mut watched = true;
        let mut next = Holder::Vacant;
        if g.holder == Holder::Waiter {
            match (&self.wake, socket) {
                (Some(ThreadWake { timer: Some(t), .. }), Some(_)) => {
                    next = Holder::Lingering;
                    g.since = Some(Instant::now());
                    if !g.timer_set {
                        g.timer_set = true;
                        O::arm(t, LINGER);
                    }
                }
                (Some(w), Some(s)) => watched = O::watch(&w.epoll, s, true),
                _ => {}
            }
        }
        g.state = Some(state);
        g.holder = next;
        if let Some(f) = g.followers.first() {
            f.ring();
        }
        watched
    }

    /// The reader thread, woken by bytes, takes the role if it is vacant.
    fn take_for_thread(&self) -> Option<S> {
        let mut g = self.lock();
        if g.dead || g.holder != Holder::Vacant {
            return None;
        }
        g.holder = Holder::Thread;
        g.state.take()
    }

    /// The linger timer rang (the reader thread): a role that has
    /// lingered [`LINGER`] becomes vacant, the socket back in the set
    /// (bytes already there wake the reader thread); one that began to
    /// linger later sets the timer again for the rest. `false` if the set
    /// refused the socket (the caller closes the link).
    #[must_use]
    fn expire(&self, socket: Option<O::Sock<'_>>) -> bool {
        let mut g = self.lock();
        g.timer_set = false;
        let (Some(w), Some(s)) = (&self.wake, socket) else {
            return true;
        };
        if g.dead || g.holder != Holder::Lingering {
            // A leader that gives the role back sets the timer again.
            return true;
        }
        let since = g.since.unwrap_or_else(Instant::now);
        if !O::lingered(since) {
            if let Some(t) = &w.timer {
                g.timer_set = true;
                O::arm(t, LINGER.saturating_sub(since.elapsed()));
            }
            return true;
        }
        if !O::watch(&w.epoll, s, true) {
            return false;
        }
        g.holder = Holder::Vacant;
        true
    }

    /// A waiter takes the role if it is vacant or lingering; otherwise it
    /// becomes a follower, rung when the role is given back.
    fn try_lead(&self, socket: Option<O::Sock<'_>>, me: &Arc<Signal<O>>) -> Option<S> {
        let mut g = self.lock();
        if g.dead {
            return None;
        }
        if g.holder == Holder::Lingering {
            // The socket is out of the set already.
            g.holder = Holder::Waiter;
            g.followers.retain(|f| !Arc::ptr_eq(f, me));
            return g.state.take();
        }
        if g.holder == Holder::Vacant {
            if let (Some(w), Some(s)) = (&self.wake, socket) {
                if !O::watch(&w.epoll, s, false) {
                    // Left in the set, the reader thread would read beside
                    // us: the caller sleeps until its port has a task.
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
    fn unfollow(&self, me: &Arc<Signal<O>>) {
        let mut g = self.lock();
        let before = g.followers.len();
        g.followers.retain(|f| !Arc::ptr_eq(f, me));
        if g.followers.len() < before && matches!(g.holder, Holder::Vacant | Holder::Lingering) {
            if let Some(f) = g.followers.first() {
                f.ring();
            }
        }
    }

    /// The link died: nobody takes the role again; the reader thread and
    /// the followers are woken.
    pub(crate) fn close(&self) {
        let mut g = self.lock();
        g.dead = true;
        for f in g.followers.drain(..) {
            f.ring();
        }
        drop(g);
        if let Some(w) = &self.wake {
            O::write(&w.bell);
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
pub(crate) struct Signal<O: Os> {
    ev: O::Event,
    rung: AtomicBool,
    asleep: AtomicBool,
}

impl<O: Os> Signal<O> {
    pub(crate) fn new() -> Option<Signal<O>> {
        O::event().map(|ev| Signal {
            ev,
            rung: AtomicBool::new(false),
            asleep: AtomicBool::new(false),
        })
    }

    pub(crate) fn ring(&self) {
        self.rung.store(true, Ordering::SeqCst);
        if self.asleep.load(Ordering::SeqCst) {
            O::write(&self.ev);
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
    pub(crate) fn sleep_beside(
        &self,
        socket: Option<O::Sock<'_>>,
        deadline: Option<Instant>,
    ) -> (bool, bool) {
        self.asleep.store(true, Ordering::SeqCst);
        let mut readable = false;
        if !self.rung.load(Ordering::SeqCst) {
            let (ev, sock) = O::poll(&self.ev, socket, deadline);
            if ev {
                O::clear(&self.ev);
            }
            readable = sock;
        }
        self.asleep.store(false, Ordering::SeqCst);
        (self.take(), readable)
    }
}

impl<O: Os> Wake for Signal<O> {
    fn wake(self: Arc<Self>) {
        self.ring();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.ring();
    }
}

/// A receiver blocked on one of `r`'s ports waits: it leads if the role
/// is vacant, or follows, until its signal rings or `deadline`.
pub(crate) fn wait_on<R: Reader>(r: &R, me: &Arc<Signal<R::O>>, deadline: Option<Instant>) {
    if r.is_dead() || r.role().wake.is_none() {
        me.sleep_beside(None, deadline);
        return;
    }
    match r.role().try_lead(r.socket(), me) {
        Some(state) => lead(r, state, me, deadline),
        None => {
            // The port's waker, the role given back, or the deadline.
            me.sleep_beside(None, deadline);
            r.role().unfollow(me);
        }
    }
}

/// How long a leader's blocking read waits before it looks at its
/// signal (see [`lead`]).
pub(crate) const SLICE: std::time::Duration = std::time::Duration::from_millis(2);

/// Blocking reads in a row that find nothing before a leader polls.
const QUIET_SLICES: u32 = 4;

/// A waiter leads: reads and dispatches until its own signal rings or
/// `deadline`, then gives the role back.
///
/// With no deadline, it first waits in a blocking read of the socket
/// (given up after [`SLICE`]), not in `poll`: a thread woken from a
/// blocking read has its bytes at once, where `poll` then `read` cost an
/// idle round trip 25–45% more (BENCHMARKS.md). Its signal is not
/// written meanwhile (`asleep` stays clear): a task of its port that does
/// not come through this socket (a local close, a route moved to another
/// link) is seen when the read gives up. After [`QUIET_SLICES`] reads
/// with nothing (a long wait, which should not wake every few
/// milliseconds), and always with a deadline, it polls the socket beside
/// its signal instead.
fn lead<R: Reader>(r: &R, mut state: R::S, me: &Signal<R::O>, deadline: Option<Instant>) {
    let mut quiet = 0;
    let result = loop {
        let Some(sock) = r.socket() else {
            break Ok(());
        };
        if deadline.is_none() && quiet < QUIET_SLICES {
            if me.take() {
                break Ok(());
            }
            match r.read_waiting(&mut state) {
                Some(Ok(read)) => {
                    quiet = if read { 0 } else { quiet + 1 };
                    if me.take() {
                        break Ok(());
                    }
                    continue;
                }
                Some(Err(e)) => break Err(e),
                None => quiet = QUIET_SLICES,
            }
        }
        let (mine, readable) = me.sleep_beside(Some(sock), deadline);
        if mine {
            break Ok(());
        }
        if readable {
            if let Err(e) = r.read_once(&mut state, true) {
                break Err(e);
            }
            // A message for this thread's port rang the signal: no poll.
            if me.take() {
                break Ok(());
            }
        }
        // Looked at after a read too: a peer that keeps the socket full
        // for other ports does not hold a receive past its deadline.
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break Ok(());
        }
    };
    let watched = r.role().give_back(r.socket(), state);
    if let Err(e) = result {
        r.die(e);
    } else if !watched {
        r.die(LinkError::Io(std::io::Error::other(
            "the reader thread's epoll set refused the socket back",
        )));
    }
}

/// The reader thread's part: waits for bytes while the role is vacant,
/// takes it for one read, gives it back.
pub(crate) fn thread_reads<R: Reader>(r: &R, state: R::S) -> Result<(), LinkError> {
    let blocking = |mut state: R::S| loop {
        r.read_once(&mut state, false)?;
        if r.is_dead() {
            return Ok(());
        }
    };
    let (Some(wake), Some(sock)) = (&r.role().wake, r.socket()) else {
        // No lending: the reader thread alone reads, blocking.
        return blocking(state);
    };
    // The socket joins the set as the role becomes vacant.
    {
        let mut g = r.role().lock();
        if !<R::O as Os>::watch(&wake.epoll, sock, true) {
            // Never lent: the reader thread keeps the role.
            drop(g);
            return blocking(state);
        }
        g.state = Some(state);
        g.holder = Holder::Vacant;
        // A receiver that came before this point follows: it leads now.
        if let Some(f) = g.followers.first() {
            f.ring();
        }
    }
    loop {
        let ready = <R::O as Os>::wait(&wake.epoll);
        if r.is_dead() {
            return Ok(());
        }
        if ready.timer {
            if let Some(t) = &wake.timer {
                <R::O as Os>::clear(t);
            }
            if !r.role().expire(r.socket()) {
                return Err(LinkError::Io(std::io::Error::other(
                    "the reader thread's epoll set refused the socket back",
                )));
            }
        }
        if !ready.socket {
            continue;
        }
        let Some(mut st) = r.role().take_for_thread() else {
            continue;
        };
        // Readable when the set said so, unless a leader read it between
        // then and our taking the role: look again without blocking.
        let res = match r.socket() {
            Some(s) if <R::O as Os>::readable_now(s) => r.read_once(&mut st, false),
            _ => Ok(()),
        };
        // Held by this thread, the socket never left the set.
        let _ = r.role().give_back(r.socket(), st);
        res?;
    }
}
