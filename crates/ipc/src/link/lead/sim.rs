//! A model of the read role under shuttle (`--cfg shuttle`): the role's
//! own code ([`role`]) against a simulated kernel — one socket, eventfds,
//! the reader thread's epoll set — whose every wait is on shuttle's
//! condition variable, so a lost wake-up or a role nobody holds while
//! bytes wait is a deadlock shuttle reports. Run:
//!
//! ```sh
//! RUSTFLAGS="--cfg shuttle" cargo test -p msgport-ipc --lib lead::sim --target-dir target/shuttle
//! ```

use super::os::{Os, Ready};
use super::role::Signal;
use shuttle::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// The simulated kernel of one model run.
pub(crate) struct Kernel {
    st: Mutex<KState>,
    cv: Condvar,
}

#[derive(Default)]
struct KState {
    /// Each eventfd's counter.
    events: Vec<u64>,
    /// The socket's unread messages (each the receiver it is for).
    socket: VecDeque<usize>,
    /// The peer's end is closed: readable, and a read says so.
    shut: bool,
    /// The socket is in the reader thread's set.
    watched: bool,
    /// Puts of the socket in the set that work (then they fail).
    puts_left: Option<u32>,
    /// How many times a lingering role was asked whether it had lingered
    /// long enough (every other answer is no).
    lingers: u32,
}

impl Kernel {
    fn lock(&self) -> MutexGuard<'_, KState> {
        self.st.lock().unwrap()
    }
    fn changed(&self) {
        self.cv.notify_all();
    }
}

std::thread_local! {
    /// The kernel of the model run on this OS thread (shuttle runs all
    /// the threads of one run on one OS thread; tests run side by side on
    /// others).
    static CURRENT: std::cell::RefCell<Option<Arc<Kernel>>> = const { std::cell::RefCell::new(None) };
}

fn kernel() -> Arc<Kernel> {
    CURRENT.with(|c| c.borrow().clone()).expect("a model run")
}

pub(crate) struct Sim;

#[derive(Clone, Copy)]
pub(crate) struct SimSock;

pub(crate) struct SimEvent {
    k: Arc<Kernel>,
    id: usize,
}

pub(crate) struct SimEpoll {
    k: Arc<Kernel>,
    bell: usize,
    timer: Option<usize>,
}

fn readable(st: &KState) -> bool {
    !st.socket.is_empty() || st.shut
}

impl Os for Sim {
    type Sock<'a> = SimSock;
    type Event = SimEvent;
    type Epoll = SimEpoll;

    fn event() -> Option<SimEvent> {
        let k = kernel();
        let id = {
            let mut st = k.lock();
            st.events.push(0);
            st.events.len() - 1
        };
        Some(SimEvent { k, id })
    }

    fn write(e: &SimEvent) {
        e.k.lock().events[e.id] += 1;
        e.k.changed();
    }

    fn clear(e: &SimEvent) {
        e.k.lock().events[e.id] = 0;
    }

    /// A deadline passes at once (shuttle has no clock): the caller's
    /// timeout path runs at every point the scheduler picks.
    fn poll(e: &SimEvent, sock: Option<SimSock>, deadline: Option<Instant>) -> (bool, bool) {
        let mut st = e.k.lock();
        loop {
            let ev = st.events[e.id] > 0;
            let s = sock.is_some() && readable(&st);
            if ev || s || deadline.is_some() {
                return (ev, s);
            }
            st = e.k.cv.wait(st).unwrap();
        }
    }

    /// A timer is an eventfd that rings as it is set: shuttle has no
    /// clock, so it rings at whatever point the scheduler lets the reader
    /// thread see it.
    fn timer() -> Option<SimEvent> {
        Self::event()
    }

    fn arm(t: &SimEvent, _: std::time::Duration) {
        Self::write(t);
    }

    /// Every other time, no: both of the reader thread's paths run.
    fn lingered(_: Instant) -> bool {
        let k = kernel();
        let mut st = k.lock();
        st.lingers += 1;
        st.lingers % 2 == 0
    }

    fn epoll(bell: &SimEvent, timer: Option<&SimEvent>) -> Option<SimEpoll> {
        Some(SimEpoll {
            k: bell.k.clone(),
            bell: bell.id,
            timer: timer.map(|t| t.id),
        })
    }

    fn watch(ep: &SimEpoll, _: SimSock, on: bool) -> bool {
        let mut st = ep.k.lock();
        if on {
            match &mut st.puts_left {
                Some(0) => return false,
                Some(n) => *n -= 1,
                None => {}
            }
        }
        st.watched = on;
        drop(st);
        ep.k.changed();
        true
    }

    fn wait(ep: &SimEpoll) -> Ready {
        let mut st = ep.k.lock();
        loop {
            let socket = st.watched && readable(&st);
            let timer = ep.timer.is_some_and(|t| st.events[t] > 0);
            if socket || timer || st.events[ep.bell] > 0 {
                return Ready { socket, timer };
            }
            st = ep.k.cv.wait(st).unwrap();
        }
    }

    fn readable_now(_: SimSock) -> bool {
        readable(&kernel().lock())
    }

    fn current() -> Option<Arc<Signal<Sim>>> {
        // Made outside `with`: making it takes the kernel's (shuttle) lock,
        // which may switch threads, and shuttle's thread-locals must not be
        // borrowed across a switch.
        shuttle::thread_local! {
            static MINE: std::cell::OnceCell<Arc<Signal<Sim>>> = const { std::cell::OnceCell::new() };
        }
        if let Some(s) = MINE.with(|c| c.get().cloned()) {
            return Some(s);
        }
        let s = Arc::new(Signal::new().expect("a model run"));
        MINE.with(|c| c.get_or_init(|| s).clone()).into()
    }
}

mod model {
    use super::*;
    use crate::link::lead::role::{self, Reader, Role};
    use crate::link::LinkError;
    use shuttle::sync::atomic::{AtomicBool, Ordering};
    use std::task::Waker;

    /// A receiver's port: what was dispatched to it, its waker, and
    /// whether the link closed it.
    #[derive(Default)]
    struct Port {
        got: VecDeque<usize>,
        waker: Option<Waker>,
        closed: bool,
    }

    /// A link of the model: the role, and ports that the reads fill.
    struct Model {
        k: Arc<Kernel>,
        role: Role<Sim, u32>,
        ports: Vec<Mutex<Port>>,
        dead: AtomicBool,
    }

    impl Reader for Model {
        type O = Sim;
        type S = u32;
        fn role(&self) -> &Role<Sim, u32> {
            &self.role
        }
        fn socket(&self) -> Option<SimSock> {
            Some(SimSock)
        }
        /// Reads every message there and dispatches each to its port,
        /// waking the port's receiver, as a link's reader posts at a
        /// bridge; the end of the socket kills the link.
        fn read_once(&self, reads: &mut u32, _: bool) -> Result<(), LinkError> {
            let batch: Vec<usize> = {
                let mut st = self.k.lock();
                if st.socket.is_empty() && st.shut {
                    return Err(LinkError::PeerGone);
                }
                st.socket.drain(..).collect()
            };
            *reads += 1;
            for to in batch {
                let w = {
                    let mut p = self.ports[to].lock().unwrap();
                    p.got.push_back(to);
                    p.waker.take()
                };
                if let Some(w) = w {
                    w.wake();
                }
            }
            Ok(())
        }
        /// A blocking read whose timeout passes at once when the socket
        /// is empty (shuttle has no clock): both of the leader's paths
        /// run.
        fn read_waiting(&self, reads: &mut u32) -> Option<Result<bool, LinkError>> {
            if !readable(&self.k.lock()) {
                return Some(Ok(false));
            }
            Some(self.read_once(reads, true).map(|()| true))
        }
        fn is_dead(&self) -> bool {
            self.dead.load(Ordering::SeqCst)
        }
        /// Closes every port (waking its receiver), then the role.
        fn die(&self, _: LinkError) {
            if self.dead.swap(true, Ordering::SeqCst) {
                return;
            }
            for p in &self.ports {
                let w = {
                    let mut p = p.lock().unwrap();
                    p.closed = true;
                    p.waker.take()
                };
                if let Some(w) = w {
                    w.wake();
                }
            }
            self.role.close();
        }
    }

    /// Receives on port `k` until `want` messages came or it closed, as a
    /// blocking receive does: registers its waker under the port's lock,
    /// then waits through the role. Returns how many came.
    fn receive(m: &Model, k: usize, want: usize, timed: bool) -> usize {
        let me = Sim::current().unwrap();
        let mut n = 0;
        let mut turn = 0u32;
        while n < want {
            {
                let mut p = m.ports[k].lock().unwrap();
                if p.got.pop_front().is_some() {
                    n += 1;
                    continue;
                }
                if p.closed {
                    return n;
                }
                p.waker = Some(Waker::from(me.clone()));
            }
            turn += 1;
            // Some waits with a deadline: the role is given back mid-way.
            let deadline = (timed && turn % 2 == 0).then(Instant::now);
            role::wait_on(m, &me, deadline);
        }
        n
    }

    /// Waits for `want` messages at port `k` without ever taking the
    /// role, as an asynchronous receiver does: someone else must read.
    fn await_passively(m: &Model, k: usize, want: usize) {
        let me = Sim::current().unwrap();
        let mut n = 0;
        while n < want {
            {
                let mut p = m.ports[k].lock().unwrap();
                if p.got.pop_front().is_some() {
                    n += 1;
                    continue;
                }
                p.waker = Some(Waker::from(me.clone()));
            }
            me.sleep_beside(None, None);
        }
    }

    /// `receivers` threads each wait for `per` messages (`timed`: half
    /// their waits with a deadline); the peer closes after `shut_after`
    /// messages, if given; the set takes the socket back `puts` times, if
    /// given (then refuses it). Then `passive` messages come for a port
    /// whose receiver never reads (it awaits): the reader thread must
    /// read them once the role has stopped lingering.
    fn model(
        receivers: usize,
        per: usize,
        timed: bool,
        shut_after: Option<usize>,
        puts: Option<u32>,
        passive: usize,
    ) {
        let k = Arc::new(Kernel {
            st: Mutex::new(KState {
                puts_left: puts,
                ..KState::default()
            }),
            cv: Condvar::new(),
        });
        CURRENT.with(|c| *c.borrow_mut() = Some(k.clone()));
        let m = Arc::new(Model {
            k: k.clone(),
            role: Role::new(Some(SimSock)),
            ports: (0..receivers + 1)
                .map(|_| Mutex::new(Port::default()))
                .collect(),
            dead: AtomicBool::new(false),
        });
        let reader = {
            let m = m.clone();
            shuttle::thread::spawn(move || {
                if let Err(e) = role::thread_reads(&*m, 0) {
                    m.die(e);
                }
            })
        };
        let threads: Vec<_> = (0..receivers)
            .map(|i| {
                let m = m.clone();
                shuttle::thread::spawn(move || receive(&m, i, per, timed))
            })
            .collect();
        // The peer: messages for each receiver in turn, then maybe its end.
        for j in 0..receivers * per {
            if shut_after == Some(j) {
                break;
            }
            k.lock().socket.push_back(j % receivers);
            k.changed();
            shuttle::thread::yield_now();
        }
        if shut_after.is_some() {
            k.lock().shut = true;
            k.changed();
        }
        let got: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        if shut_after.is_none() && puts.is_none() {
            assert!(got.iter().all(|&n| n == per), "{got:?}");
            for _ in 0..passive {
                k.lock().socket.push_back(receivers);
                k.changed();
            }
            await_passively(&m, receivers, passive);
        }
        m.die(LinkError::PeerGone);
        reader.join().unwrap();
        CURRENT.with(|c| *c.borrow_mut() = None);
    }

    #[test]
    fn a_leader_and_followers_get_every_message() {
        shuttle::check_random(|| model(2, 2, false, None, None, 0), 3000);
    }

    #[test]
    fn leaders_whose_deadlines_pass_hand_the_role_on() {
        shuttle::check_random(|| model(2, 2, true, None, None, 0), 3000);
    }

    #[test]
    fn the_peers_end_read_by_anyone_closes_every_port() {
        shuttle::check_random(|| model(3, 1, true, Some(2), None, 0), 3000);
    }

    #[test]
    fn a_lingering_role_ends_and_the_reader_thread_reads_for_a_port_nobody_blocks_on() {
        // Receivers leave the role lingering (both of them with and
        // without deadlines); the messages that come next are for a port
        // whose receiver never leads.
        shuttle::check_random(|| model(2, 1, false, None, None, 2), 3000);
        shuttle::check_random(|| model(2, 2, true, None, None, 1), 3000);
    }

    #[test]
    fn a_socket_the_set_will_not_take_back_closes_the_link() {
        // The first put (the reader thread's) works, the next fails: the
        // leader that gave the role back closes the link, and every
        // receiver returns.
        shuttle::check_random(|| model(2, 2, false, None, Some(1), 0), 3000);
    }
}
