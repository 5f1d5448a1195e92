//! The map of active timers (HTML `#timers`): what `setTimeout` and
//! `setInterval` add, `clearTimeout` removes, and the event loop runs when
//! due.
//!
//! Timers are kept by id, and by due time in two heaps: timers that keep
//! the run alive (`setTimeout`, `setInterval`) and timers that do not
//! (`AbortSignal.timeout`'s, as Node and Deno unreference theirs: a run
//! whose only pending thing is such a timer is over). A cleared timer
//! leaves the map at once and its heap entry is dropped when it reaches
//! the top, or when cleared entries outnumber live ones (so that clearing
//! costs no memory in the long run, whatever the delays). Ids are never
//! reused, so clearing an id that is not active does nothing at all.
//!
//! Invariant: every timer in `map` has exactly one entry in the heap of
//! its kind; `stale` counts the heap entries whose timer is gone.

#![forbid(unsafe_code)]

use rquickjs::{Function, Persistent, Value};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

/// One active timer.
pub(crate) struct Timer {
    pub(crate) func: Persistent<Function<'static>>,
    pub(crate) args: Vec<Persistent<Value<'static>>>,
    /// An interval's period.
    pub(crate) repeat: Option<Duration>,
    /// Whether the timer keeps the run alive.
    pub(crate) keep_alive: bool,
}

/// (due, id): equal deadlines run in the order they were set.
type Heap = BinaryHeap<Reverse<(Instant, u64)>>;

/// Past this many cleared entries, and more cleared than live, the heaps
/// are rebuilt.
const COMPACT_AFTER: usize = 1024;

/// The active timers of one context.
#[derive(Default)]
pub(crate) struct Timers {
    map: HashMap<u64, Timer>,
    kept: Heap,
    unkept: Heap,
    /// The last id handed out (ids start at 1).
    last_id: u64,
    stale: usize,
    /// The timer whose callback is running, and whether it was cleared
    /// meanwhile (an interval is then not scheduled again).
    running: Option<(u64, bool)>,
}

impl Timers {
    /// Adds `timer`, due after `delay`; returns its id.
    pub(crate) fn add(&mut self, timer: Timer, delay: Duration) -> u64 {
        self.last_id += 1;
        let id = self.last_id;
        self.schedule(id, timer, delay);
        id
    }

    fn schedule(&mut self, id: u64, timer: Timer, delay: Duration) {
        let heap = if timer.keep_alive {
            &mut self.kept
        } else {
            &mut self.unkept
        };
        heap.push(Reverse((Instant::now() + delay, id)));
        self.map.insert(id, timer);
    }

    /// `clearTimeout(id)` / `clearInterval(id)`.
    pub(crate) fn clear(&mut self, id: u64) {
        if self.map.remove(&id).is_some() {
            self.stale += 1;
            if self.stale > COMPACT_AFTER && self.stale > self.map.len() {
                let map = &self.map;
                self.kept.retain(|Reverse((_, id))| map.contains_key(id));
                self.unkept.retain(|Reverse((_, id))| map.contains_key(id));
                self.stale = 0;
            }
        } else if let Some((running, cleared)) = &mut self.running {
            if *running == id {
                *cleared = true;
            }
        }
    }

    /// Drops cleared entries from the top of `heap`.
    fn top(
        map: &HashMap<u64, Timer>,
        heap: &mut Heap,
        stale: &mut usize,
    ) -> Option<(Instant, u64)> {
        while let Some(&Reverse((due, id))) = heap.peek() {
            if map.contains_key(&id) {
                return Some((due, id));
            }
            heap.pop();
            *stale = stale.saturating_sub(1);
        }
        None
    }

    /// The next timer to run, of either kind: (due, id).
    pub(crate) fn next(&mut self) -> Option<(Instant, u64)> {
        let a = Self::top(&self.map, &mut self.kept, &mut self.stale);
        let b = Self::top(&self.map, &mut self.unkept, &mut self.stale);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When the next timer that keeps the run alive is due.
    pub(crate) fn next_kept(&mut self) -> Option<Instant> {
        Self::top(&self.map, &mut self.kept, &mut self.stale).map(|(due, _)| due)
    }

    /// When the next timer that does not keep the run alive is due.
    pub(crate) fn next_unkept(&mut self) -> Option<Instant> {
        Self::top(&self.map, &mut self.unkept, &mut self.stale).map(|(due, _)| due)
    }

    /// Takes the timer `id` out to run it (`None` if it was cleared); its
    /// heap entry must have been the top, which this pops.
    pub(crate) fn start(&mut self, id: u64) -> Option<Timer> {
        for heap in [&mut self.kept, &mut self.unkept] {
            if heap.peek().is_some_and(|Reverse((_, top))| *top == id) {
                heap.pop();
                break;
            }
        }
        let timer = self.map.remove(&id)?;
        self.running = Some((id, false));
        Some(timer)
    }

    /// The callback of the timer `id` returned: an interval is scheduled
    /// again unless it was cleared meanwhile.
    pub(crate) fn finish(&mut self, id: u64, timer: Option<Timer>) {
        let cleared = matches!(self.running.take(), Some((r, true)) if r == id);
        if let Some(timer) = timer.filter(|_| !cleared) {
            if let Some(period) = timer.repeat {
                self.schedule(id, timer, period);
            }
        }
    }

    /// Whether any timer is active.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Drops every timer (their values must go before the runtime).
    pub(crate) fn clear_all(&mut self) {
        self.map.clear();
        self.kept.clear();
        self.unkept.clear();
        self.stale = 0;
    }

    #[cfg(test)]
    fn heap_len(&self) -> usize {
        self.kept.len() + self.unkept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(ctx: &rquickjs::Ctx<'_>, repeat: Option<Duration>, keep_alive: bool) -> Timer {
        let f: Function = ctx.eval("() => {}").unwrap();
        Timer {
            func: Persistent::save(ctx, f),
            args: Vec::new(),
            repeat,
            keep_alive,
        }
    }

    fn with_ctx(f: impl FnOnce(&rquickjs::Ctx<'_>)) {
        let rt = rquickjs::Runtime::new().unwrap();
        let ctx = rquickjs::Context::full(&rt).unwrap();
        ctx.with(|ctx| f(&ctx));
    }

    #[test]
    fn cleared_timers_are_not_due_and_unknown_ids_change_nothing() {
        with_ctx(|ctx| {
            let mut t = Timers::default();
            let a = t.add(timer(ctx, None, true), Duration::from_secs(3));
            let b = t.add(timer(ctx, None, true), Duration::from_secs(5));
            t.clear(a);
            assert_eq!(t.next_kept().map(|_| t.next().unwrap().1), Some(b));
            t.clear(b);
            assert_eq!(t.next(), None);
            assert_eq!(t.next_kept(), None);
            // Unknown ids: nothing is stored, nothing later is affected.
            for id in 0..10_000 {
                t.clear(id);
            }
            let c = t.add(timer(ctx, Some(Duration::ZERO), true), Duration::ZERO);
            assert!(c > b);
            let (_, id) = t.next().unwrap();
            let run = t.start(id);
            t.finish(id, run);
            assert_eq!(t.next().map(|(_, id)| id), Some(c), "the interval runs on");
            t.clear_all();
        });
    }

    #[test]
    fn an_interval_cleared_by_its_own_callback_stops() {
        with_ctx(|ctx| {
            let mut t = Timers::default();
            let id = t.add(timer(ctx, Some(Duration::ZERO), true), Duration::ZERO);
            let run = t.start(id);
            t.clear(id);
            t.finish(id, run);
            assert!(t.is_empty());
            assert_eq!(t.next(), None);
        });
    }

    #[test]
    fn unkept_timers_run_but_do_not_count_as_keeping_the_run() {
        with_ctx(|ctx| {
            let mut t = Timers::default();
            let id = t.add(timer(ctx, None, false), Duration::ZERO);
            assert_eq!(t.next_kept(), None);
            assert!(t.next_unkept().is_some());
            assert_eq!(t.next().map(|(_, i)| i), Some(id));
            t.clear_all();
        });
    }

    #[test]
    fn clearing_many_long_timers_leaves_no_entries_behind() {
        with_ctx(|ctx| {
            let mut t = Timers::default();
            for _ in 0..10_000 {
                let id = t.add(timer(ctx, None, true), Duration::from_secs(60));
                t.clear(id);
            }
            assert!(t.heap_len() <= 2 * COMPACT_AFTER, "{}", t.heap_len());
        });
    }
}
