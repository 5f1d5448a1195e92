//! Sleeping, waking, and knowing when nothing can happen any more.
//!
//! Every context of one run (the main script and its workers, each on its
//! own thread) has a [`Signal`]; all signals of a run share a [`Group`].
//! A context that has no task to run and no timer pending goes *idle*; any
//! wake (a port of its event loop got a task, a worker reported an error)
//! makes it busy again. When the last busy context goes idle, no task can
//! ever be queued again: every context's loop ends (DESIGN.md: "the process
//! exits when nothing can happen any more").
//!
//! **Invariant:** `busy` counts the contexts of the group that are neither
//! idle nor ended; it changes only under the group's lock, and a wake
//! re-counts an idle context *before* the waker can go idle itself, so a
//! message in flight always keeps its receiver counted.
#![forbid(unsafe_code)]

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Default)]
struct GroupState {
    busy: usize,
    done: bool,
}

/// The contexts of one run.
#[derive(Default)]
pub(crate) struct Group {
    state: Mutex<GroupState>,
    cv: Condvar,
    /// The run's BroadcastChannels.
    pub(crate) broadcasts: msgport::BroadcastGroup,
    /// The run's shared workers, by script URL and name.
    shared_workers: Mutex<Vec<SharedWorkerEntry>>,
    /// Where the run's contexts write (set by its main context).
    output: std::sync::OnceLock<crate::runtime::SharedOutput>,
    /// Every timer keeps the run alive, as in a page, which lives until it
    /// is closed (the test runner's runs: a test may wait for an
    /// `AbortSignal.timeout`).
    pub(crate) page_like_timers: AtomicBool,
    /// The directories scripts, modules and workers of the run may be
    /// read from (`None`: any).
    read_roots: Mutex<Option<Arc<[std::path::PathBuf]>>>,
    /// Where a `file:` URL's absolute path is looked up when nothing is
    /// there (the test runner's `--wpt-root`: `/resources/testharness.js`).
    path_root: Mutex<Option<Arc<std::path::Path>>>,
    /// The run's import map (`--import-map`), for every context's modules.
    pub(crate) import_map: Mutex<Option<Arc<crate::runtime::import_map::ImportMap>>>,
    /// The run's blob URL store.
    pub(crate) blob_urls: crate::runtime::blob_urls::BlobUrls,
}

struct SharedWorkerEntry {
    url: String,
    name: String,
    /// Its WorkerOptions' `type` (module or classic) and `credentials`:
    /// a SharedWorker asking for other ones is refused.
    options: (bool, String),
    /// Also held by the worker's context while it runs.
    inbox: Arc<crate::runtime::host::Inbox>,
    handle: Option<crate::runtime::host::WorkerHandle>,
}

impl Group {
    /// Confines the run's file reads to `roots` (canonical paths).
    pub(crate) fn set_read_roots(&self, roots: Arc<[std::path::PathBuf]>) {
        *self.read_roots.lock().unwrap_or_else(|e| e.into_inner()) = Some(roots);
    }

    /// Sets where absolute paths of `file:` URLs are also looked up.
    pub(crate) fn set_path_root(&self, root: Arc<std::path::Path>) {
        *self.path_root.lock().unwrap_or_else(|e| e.into_inner()) = Some(root);
    }

    /// Where absolute paths of `file:` URLs are also looked up.
    pub(crate) fn path_root(&self) -> Option<Arc<std::path::Path>> {
        self.path_root
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The directories the run may read code from (`None`: any).
    pub(crate) fn read_roots(&self) -> Option<Arc<[std::path::PathBuf]>> {
        self.read_roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The run's output, for its workers; set once, by the main context.
    pub(crate) fn set_output(&self, out: crate::runtime::SharedOutput) {
        let _ = self.output.set(out);
    }

    pub(crate) fn output(&self) -> Option<crate::runtime::SharedOutput> {
        self.output.get().cloned()
    }

    fn lock(&self) -> MutexGuard<'_, GroupState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `port` to the run's shared worker for (`url`, `name`) as a
    /// `connect` task, starting the worker with `spawn` if none is running
    /// (HTML `#dom-sharedworker`: one worker per URL and name).
    /// Connects a SharedWorker object's port to the shared worker of `url`
    /// and `name`, starting it if none runs (HTML `#dom-sharedworker`).
    /// `false`: one runs with other `options` (type, credentials), so the
    /// connection is refused (the caller fires `error`).
    pub(crate) fn connect_shared_worker(
        self: &Arc<Self>,
        url: &str,
        name: &str,
        options: (bool, &str),
        port: msgport::MessagePort,
        spawn: impl FnOnce(
            Arc<crate::runtime::host::Inbox>,
            Arc<Signal>,
        ) -> crate::runtime::host::WorkerHandle,
    ) -> bool {
        let mut list = self
            .shared_workers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // A worker whose context ended holds its inbox no more.
        list.retain(|e| Arc::strong_count(&e.inbox) > 1 || e.handle.is_some());
        let task = crate::runtime::host::HostTask::Connect { port };
        // A worker that called close() takes no new connection, even if its
        // thread has not ended yet: a new one is started.
        let live = list.iter().find(|e| {
            e.url == url
                && e.name == name
                && Arc::strong_count(&e.inbox) > 1
                && !e.inbox.is_closing()
        });
        if let Some(e) = live {
            if e.options.0 != options.0 || e.options.1 != options.1 {
                return false;
            }
            e.inbox.push(task);
            return true;
        }
        // A shared worker is an agent cluster of its own (HTML
        // `#obtain-a-worker-agent`: a new cluster for a shared worker).
        let signal = Signal::new(self.clone(), new_agent_cluster());
        let inbox = crate::runtime::host::Inbox::new(signal.clone());
        // Queued before the worker starts: handled once its script has run.
        inbox.push(task);
        let handle = spawn(inbox.clone(), signal);
        list.push(SharedWorkerEntry {
            url: url.to_string(),
            name: name.to_string(),
            options: (options.0, options.1.to_string()),
            inbox,
            handle: Some(handle),
        });
        true
    }

    /// The shared workers' handles, for the end of the run.
    pub(crate) fn take_shared_workers(&self) -> Vec<crate::runtime::host::WorkerHandle> {
        let mut list = self
            .shared_workers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        list.drain(..).filter_map(|mut e| e.handle.take()).collect()
    }
}

/// How long a context waits for a wake before it sleeps.
const SPIN: Duration = Duration::from_micros(50);

/// How long of that it spins without yielding. A process allowed a single
/// core (an affinity mask, a one-CPU container) yields between spins from
/// the start: its peer can only answer on this very core. With more cores
/// it does not yield: measured beside CPU-bound processes, yielding handed
/// the core to them and made round trips 4× slower (BENCHMARKS.md).
fn spin_alone() -> Duration {
    static ALONE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *ALONE.get_or_init(|| match std::thread::available_parallelism() {
        Ok(n) if n.get() > 1 => SPIN,
        _ => Duration::ZERO,
    })
}

/// The highest spin score (see [`Signal::spin_pays`]).
const SPIN_SCORE_MAX: u32 = 8;

/// Why [`Signal::wait`] returned.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Woken {
    /// Something was queued (or the deadline passed): look again.
    Look,
    /// Nothing can happen any more, or this context was terminated.
    Stop,
}

/// One context's wake-up line.
pub(crate) struct Signal {
    group: Arc<Group>,
    /// A wake arrived since the context last looked. Changed under the group lock.
    pending: AtomicBool,
    /// How well waiting before sleeping has paid off lately (0: not at
    /// all; see [`Signal::spin_pays`]). Only this context's thread uses it.
    spin_score: AtomicU32,
    spin_skips: AtomicU32,
    /// The context is idle (not counted in `busy`). Changed under the group lock.
    idle: AtomicBool,
    ended: AtomicBool,
    /// `worker.terminate()`, the worker's `close()`, or the end of the run.
    terminated: Arc<AtomicBool>,
    /// The dedicated workers this context started: terminating it
    /// terminates them (HTML: a worker's owner set). Pushed by this
    /// context's thread, read by whichever thread terminates it.
    children: Mutex<Vec<std::sync::Weak<Signal>>>,
    /// The context's agent cluster (HTML `#integration-with-the-javascript-agent-cluster-formalism`):
    /// a window and the dedicated workers it starts (and theirs) share one;
    /// each shared worker starts its own. SharedArrayBuffers stay in theirs.
    cluster: NonZeroU64,
}

/// A new agent cluster's id (never 0: that is memory made by Rust code).
pub(crate) fn new_agent_cluster() -> NonZeroU64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NonZeroU64::new(NEXT.fetch_add(1, Ordering::Relaxed)).expect("2^64 clusters")
}

impl Signal {
    /// A new busy context of `group`, in the agent cluster `cluster`.
    pub(crate) fn new(group: Arc<Group>, cluster: NonZeroU64) -> Arc<Self> {
        group.lock().busy += 1;
        Arc::new(Signal {
            cluster,
            group,
            pending: AtomicBool::new(false),
            spin_score: AtomicU32::new(SPIN_SCORE_MAX),
            spin_skips: AtomicU32::new(0),
            idle: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            terminated: Arc::new(AtomicBool::new(false)),
            children: Mutex::new(Vec::new()),
        })
    }

    /// A dedicated worker this context starts (see `children`).
    pub(crate) fn adopt(&self, child: &Arc<Signal>) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children.retain(|c| c.strong_count() > 0);
        children.push(Arc::downgrade(child));
    }

    /// A fresh group with one (busy) context.
    pub(crate) fn root() -> Arc<Self> {
        Signal::new(Arc::new(Group::default()), new_agent_cluster())
    }

    /// The context's agent cluster.
    pub(crate) fn cluster(&self) -> NonZeroU64 {
        self.cluster
    }

    pub(crate) fn group(&self) -> &Arc<Group> {
        &self.group
    }

    /// The flag the engine's interrupt handler polls.
    pub(crate) fn terminated_flag(&self) -> Arc<AtomicBool> {
        self.terminated.clone()
    }

    pub(crate) fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }

    /// Clears `terminated` (the test runner does, to let the harness write
    /// its timeout report after a stopped run).
    pub(crate) fn reset_terminated(&self) {
        self.terminated.store(false, Ordering::Release);
    }

    /// Something for this context arrived (from any thread).
    pub(crate) fn wake(&self) {
        if self.pending.load(Ordering::Acquire) {
            return;
        }
        let mut g = self.group.lock();
        self.pending.store(true, Ordering::Release);
        if self.idle.swap(false, Ordering::AcqRel) && !self.ended.load(Ordering::Acquire) {
            g.busy += 1;
        }
        drop(g);
        self.group.cv.notify_all();
    }

    /// Stops this context (its loop ends at the next check; running script
    /// is interrupted).
    pub(crate) fn terminate(&self) {
        self.terminated.store(true, Ordering::Release);
        // A thread blocked in Atomics.wait wakes too.
        crate::runtime::atomics::interrupt(crate::runtime::atomics::stop_key(&self.terminated));
        let _g = self.group.lock();
        drop(_g);
        self.group.cv.notify_all();
    }

    /// A worker's `terminate()` (HTML `#terminate-a-worker`), from its
    /// parent: the worker is stopped and no longer counts towards the run.
    /// The run does not wait for its thread, which may be inside a long
    /// native call: the engine polls the flag only between calls and loop
    /// iterations (README, `Worker`, gives the bound). Its port to the
    /// parent is closed by then, so nothing it still does reaches the
    /// program.
    pub(crate) fn terminate_worker(&self) {
        self.terminate();
        self.end();
        // Its own workers go with it: its thread may be unable to stop
        // them for a while (in a native call), and they must not hold the
        // run meanwhile.
        let children =
            std::mem::take(&mut *self.children.lock().unwrap_or_else(|e| e.into_inner()));
        for child in children.iter().filter_map(std::sync::Weak::upgrade) {
            child.terminate_worker();
        }
    }

    /// Whether waiting before sleeping has been paying off lately (see
    /// [`Signal::wait`]): a score that a wait answered within the spin
    /// raises and one that had to sleep lowers; after a run of misses the
    /// context sleeps at once, and tries spinning again now and then.
    fn spin_pays(&self) -> bool {
        let score = self.spin_score.load(Ordering::Relaxed);
        if score > 0 {
            return true;
        }
        // Retry every 64th wait, to notice when spinning pays again.
        self.spin_skips.fetch_add(1, Ordering::Relaxed) % 64 == 63
    }

    /// Waits until `done()` or for a short while, whichever comes first,
    /// before the caller sleeps; returns whether `done()` came. Waking a
    /// parked thread costs tens of microseconds, and an answer often comes
    /// sooner (DESIGN.md, "The JS runtime"). But a waiting thread must not
    /// hold a core its peer needs (both on one core, or a busy machine):
    /// between short spins it yields, which hands the core to any thread
    /// that can run, and it waits so only while waiting has been paying
    /// off. The context's message waits and its `Atomics.wait` share the
    /// score.
    pub(crate) fn spin_while(&self, done: impl Fn() -> bool, deadline: Option<Instant>) -> bool {
        if !self.spin_pays() {
            return false;
        }
        let start = Instant::now();
        let (yield_after, spin_until) = (start + spin_alone(), start + SPIN);
        loop {
            let now = Instant::now();
            if now >= spin_until || deadline.is_some_and(|d| now >= d) {
                break;
            }
            if done() {
                self.spun(true);
                return true;
            }
            for _ in 0..64 {
                std::hint::spin_loop();
            }
            if now >= yield_after {
                std::thread::yield_now();
            }
        }
        let answered = done();
        self.spun(answered);
        answered
    }

    fn spun(&self, answered: bool) {
        let score = self.spin_score.load(Ordering::Relaxed);
        let next = if answered {
            (score + 1).min(SPIN_SCORE_MAX)
        } else {
            score.saturating_sub(2)
        };
        self.spin_score.store(next, Ordering::Relaxed);
    }

    /// Clears the pending flag before the context looks for work, so a wake
    /// that comes after the look is not lost.
    pub(crate) fn begin_look(&self) {
        self.pending.store(false, Ordering::Release);
    }

    /// Waits for a wake. With a deadline (a timer that keeps the run alive
    /// is pending) the context stays busy; without one it is idle, and if
    /// it was the last busy context of the group, the whole run is over.
    /// An idle context still wakes at `idle_deadline` (a timer that does
    /// not keep the run alive), counted busy again, unless the run is over
    /// by then.
    pub(crate) fn wait(&self, deadline: Option<Instant>, idle_deadline: Option<Instant>) -> Woken {
        // Wait briefly before sleeping (see `spin_while`).
        self.spin_while(
            || self.pending.load(Ordering::Acquire) || self.is_terminated(),
            deadline,
        );
        let mut g = self.group.lock();
        loop {
            if g.done || self.is_terminated() {
                return Woken::Stop;
            }
            if self.pending.swap(false, Ordering::AcqRel) {
                return Woken::Look;
            }
            match deadline {
                Some(d) => {
                    // (A timer that does not keep the run alive may be due
                    // sooner: the context is busy anyway.)
                    let d = idle_deadline.map_or(d, |i| i.min(d));
                    let now = Instant::now();
                    if now >= d {
                        return Woken::Look;
                    }
                    g = self
                        .group
                        .cv
                        .wait_timeout(g, (d - now).min(Duration::from_secs(3600)))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                None => {
                    if !self.idle.swap(true, Ordering::AcqRel) {
                        g.busy -= 1;
                        if g.busy == 0 {
                            g.done = true;
                            self.group.cv.notify_all();
                            return Woken::Stop;
                        }
                    }
                    let now = Instant::now();
                    g = match idle_deadline {
                        Some(d) if d <= now => {
                            if g.done {
                                return Woken::Stop;
                            }
                            if self.idle.swap(false, Ordering::AcqRel) {
                                g.busy += 1;
                            }
                            return Woken::Look;
                        }
                        Some(d) => {
                            self.group
                                .cv
                                .wait_timeout(g, (d - now).min(Duration::from_secs(3600)))
                                .unwrap_or_else(|e| e.into_inner())
                                .0
                        }
                        None => self.group.cv.wait(g).unwrap_or_else(|e| e.into_inner()),
                    };
                    if !self.idle.load(Ordering::Acquire) {
                        // A waker counted us busy again.
                        continue;
                    }
                }
            }
        }
    }

    /// The context's loop has ended for good: it no longer counts.
    pub(crate) fn end(&self) {
        let mut g = self.group.lock();
        if self.ended.swap(true, Ordering::AcqRel) {
            return;
        }
        if !self.idle.load(Ordering::Acquire) {
            g.busy -= 1;
            if g.busy == 0 {
                g.done = true;
            }
        }
        drop(g);
        self.group.cv.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_idle_context_ends_the_run() {
        let a = Signal::root();
        let b = Signal::new(a.group().clone(), a.cluster());
        let b2 = b.clone();
        let t = std::thread::spawn(move || b2.wait(None, None));
        // b is idle; a goes idle last: the run is over for both.
        assert_eq!(a.wait(None, None), Woken::Stop);
        assert_eq!(t.join().unwrap(), Woken::Stop);
    }

    #[test]
    fn a_wake_before_idling_keeps_the_receiver_counted() {
        let a = Signal::root();
        let b = Signal::new(a.group().clone(), a.cluster());
        b.wake(); // a message for b is in flight
        let b2 = b.clone();
        let t = std::thread::spawn(move || {
            // b sees its wake and runs it; then goes idle.
            assert_eq!(b2.wait(None, None), Woken::Look);
            b2.wait(None, None)
        });
        assert_eq!(a.wait(None, None), Woken::Stop);
        assert_eq!(t.join().unwrap(), Woken::Stop);
    }

    #[test]
    fn timed_waits_keep_the_run_alive() {
        let a = Signal::root();
        let deadline = Instant::now() + Duration::from_millis(5);
        assert_eq!(a.wait(Some(deadline), None), Woken::Look);
        assert!(Instant::now() >= deadline);
        assert_eq!(a.wait(None, None), Woken::Stop);
    }

    #[test]
    fn a_timer_that_does_not_keep_the_run_alive_wakes_only_a_live_run() {
        // Alone: the run is over at once.
        let a = Signal::root();
        let soon = Instant::now() + Duration::from_millis(20);
        assert_eq!(a.wait(None, Some(soon)), Woken::Stop);
        // With another busy context: woken at the deadline, counted busy.
        let a = Signal::root();
        let b = Signal::new(a.group().clone(), a.cluster());
        let soon = Instant::now() + Duration::from_millis(20);
        assert_eq!(a.wait(None, Some(soon)), Woken::Look);
        assert!(Instant::now() >= soon);
        assert_eq!(a.group().lock().busy, 2, "counted busy again");
        a.end();
        b.end();
    }

    #[test]
    fn a_context_stops_spinning_when_spinning_does_not_pay_and_tries_again_later() {
        let a = Signal::root();
        assert!(a.spin_pays(), "spins at first");
        for _ in 0..SPIN_SCORE_MAX {
            a.spun(false);
        }
        let tries = (0..128).filter(|_| a.spin_pays()).count();
        assert_eq!(tries, 2, "one try in 64 waits");
        a.spun(true);
        assert!(a.spin_pays(), "an answered spin brings spinning back");
        a.end();
    }
}
