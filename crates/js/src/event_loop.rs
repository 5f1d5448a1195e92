//! The event loop (HTML `#event-loop-processing-model`, reduced to what a
//! shell host has): run one task, then perform a microtask checkpoint; tasks
//! are timers for now. The loop ends when no task can ever run again.

use crate::console;
use rquickjs::function::{Opt, Rest};
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Persistent, Runtime, Value};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Where `console` writes.
pub struct Output {
    /// `console.log`, `info`, `debug`.
    pub stdout: Box<dyn Write>,
    /// `console.error`, `warn`, and uncaught exceptions.
    pub stderr: Box<dyn Write>,
}

impl Output {
    /// The process's own stdout and stderr.
    pub fn std() -> Self {
        Output {
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
        }
    }
}

struct Timer {
    func: Persistent<Function<'static>>,
    args: Vec<Persistent<Value<'static>>>,
    repeat: Option<Duration>,
}

pub(crate) struct LoopState {
    /// (due, id): equal deadlines run in the order they were set.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    timers: HashMap<u64, Timer>,
    next_id: u64,
    pub(crate) out: Output,
    /// An uncaught exception happened: stop, exit non-zero.
    failed: bool,
    /// Intervals cleared from inside their own callback.
    cleared_during: std::collections::HashSet<u64>,
    /// Rejected promises with no handler yet (HTML
    /// `#unhandled-promise-rejections`): reported after the checkpoint.
    unhandled: Vec<(Persistent<Value<'static>>, String)>,
}

/// Reports an uncaught exception (stack included) and marks the run failed.
pub(crate) fn report_uncaught<'js>(
    ctx: &Ctx<'js>,
    state: &RefCell<LoopState>,
    e: &CaughtError<'js>,
) {
    let text = describe(ctx, e);
    let mut st = state.borrow_mut();
    st.failed = true;
    let _ = writeln!(st.out.stderr, "Uncaught {text}");
}

fn describe<'js>(ctx: &Ctx<'js>, e: &CaughtError<'js>) -> String {
    match e {
        CaughtError::Exception(ex) => {
            let head = console::format_value(ctx, &ex.clone().into_value(), 0);
            match ex.stack() {
                Some(stack) if !stack.is_empty() => format!("{head}\n{}", stack.trim_end()),
                _ => head,
            }
        }
        CaughtError::Value(v) => console::format_value(ctx, v, 0),
        CaughtError::Error(e) => e.to_string(),
    }
}

fn describe_value<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> String {
    match v
        .as_object()
        .and_then(|o| o.get::<_, Option<String>>("stack").ok().flatten())
    {
        Some(stack) if !stack.is_empty() => {
            format!("{}\n{}", console::format_value(ctx, v, 0), stack.trim_end())
        }
        _ => console::format_value(ctx, v, 0),
    }
}

/// A QuickJS runtime and context with msgport's globals and event loop.
pub struct JsRuntime {
    state: Rc<RefCell<LoopState>>,
    ctx: Context,
    rt: Runtime,
}

/// What a captured run printed, and its exit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// 0, or 1 after an uncaught exception.
    pub exit_code: i32,
}

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `source` as a classic script to completion of its event loop,
/// capturing its output (for tests and embedders).
pub fn run_captured(source: &str) -> Captured {
    let (out, err) = (Buf::default(), Buf::default());
    let code = match JsRuntime::new(Output {
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
    }) {
        Ok(rt) => rt.run_script("<script>", source),
        Err(e) => {
            err.0
                .borrow_mut()
                .extend_from_slice(format!("cannot start the runtime: {e}\n").as_bytes());
            1
        }
    };
    let s = |b: Buf| String::from_utf8_lossy(&b.0.borrow()).into_owned();
    Captured {
        stdout: s(out),
        stderr: s(err),
        exit_code: code,
    }
}

impl JsRuntime {
    /// A runtime whose `console` writes to `out`.
    pub fn new(out: Output) -> rquickjs::Result<Self> {
        let rt = Runtime::new()?;
        let ctx = Context::full(&rt)?;
        let state = Rc::new(RefCell::new(LoopState {
            heap: BinaryHeap::new(),
            timers: HashMap::new(),
            next_id: 1,
            out,
            failed: false,
            cleared_during: Default::default(),
            unhandled: Vec::new(),
        }));
        ctx.with(|ctx| install_globals(&ctx, &state))?;
        let st = state.clone();
        rt.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx: Ctx<'_>, promise: Value<'_>, reason: Value<'_>, handled: bool| {
                let mut s = st.borrow_mut();
                if handled {
                    s.unhandled
                        .retain(|(p, _)| p.clone().restore(&ctx).map_or(true, |p| p != promise));
                } else {
                    let text = describe_value(&ctx, &reason);
                    s.unhandled.push((Persistent::save(&ctx, promise), text));
                }
            },
        )));
        Ok(JsRuntime { state, ctx, rt })
    }

    /// Evaluates a classic script, then runs the event loop until nothing can
    /// happen any more. Returns the process exit code.
    pub fn run_script(&self, name: &str, source: &str) -> i32 {
        let ok = self.ctx.with(|ctx| {
            let r = ctx.eval::<(), _>(source).catch(&ctx);
            self.report(&ctx, r, name)
        });
        if ok {
            self.microtask_checkpoint();
            self.run_loop();
        }
        i32::from(self.state.borrow().failed)
    }

    /// Reports an uncaught exception; returns whether the result was Ok.
    fn report<'js, T>(&self, ctx: &Ctx<'js>, r: Result<T, CaughtError<'js>>, _name: &str) -> bool {
        match r {
            Ok(_) => true,
            Err(e) => {
                report_uncaught(ctx, &self.state, &e);
                false
            }
        }
    }

    /// Runs every pending microtask (promise jobs, `queueMicrotask`).
    fn microtask_checkpoint(&self) {
        loop {
            if self.state.borrow().failed {
                return;
            }
            match self.rt.execute_pending_job() {
                Ok(true) => continue,
                Ok(false) => {
                    // Rejections still unhandled once the queue is empty are uncaught.
                    let pending = std::mem::take(&mut self.state.borrow_mut().unhandled);
                    if let Some((_, text)) = pending.into_iter().next() {
                        let mut st = self.state.borrow_mut();
                        st.failed = true;
                        let _ = writeln!(st.out.stderr, "Uncaught (in promise) {text}");
                    }
                    return;
                }
                Err(job) => {
                    job.0.with(|ctx| {
                        let e = CaughtError::from_error(&ctx, rquickjs::Error::Exception);
                        self.report::<()>(&ctx, Err(e), "<microtask>");
                    });
                    return;
                }
            }
        }
    }

    fn run_loop(&self) {
        loop {
            if self.state.borrow().failed {
                return;
            }
            let next = {
                let st = self.state.borrow();
                st.heap.peek().map(|Reverse((due, id))| (*due, *id))
            };
            let Some((due, id)) = next else { return };
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            self.state.borrow_mut().heap.pop();
            self.run_timer(id);
            self.microtask_checkpoint();
        }
    }

    /// One task: a timer's callback (a cleared timer's entry is skipped).
    fn run_timer(&self, id: u64) {
        let Some(timer) = self.state.borrow_mut().timers.remove(&id) else {
            return;
        };
        let again = timer
            .repeat
            .map(|d| (d, timer.func.clone(), timer.args.clone()));
        self.ctx.with(|ctx| {
            let call = (|| {
                let f = timer.func.restore(&ctx)?;
                let args = timer
                    .args
                    .into_iter()
                    .map(|a| a.restore(&ctx))
                    .collect::<rquickjs::Result<Vec<_>>>()?;
                f.call::<_, ()>((Rest(args),))
            })();
            self.report(&ctx, call.catch(&ctx), "<timer>");
        });
        // An interval reschedules itself unless its callback cleared it.
        if let Some((d, func, args)) = again {
            let mut st = self.state.borrow_mut();
            if st.cleared_during.remove(&id) {
                return;
            }
            st.timers.insert(
                id,
                Timer {
                    func,
                    args,
                    repeat: Some(d),
                },
            );
            st.heap.push(Reverse((Instant::now() + d, id)));
        }
    }
}

impl Drop for JsRuntime {
    fn drop(&mut self) {
        // Persistent values must go before the runtime that owns them.
        let mut st = self.state.borrow_mut();
        st.timers.clear();
        st.unhandled.clear();
        drop(st);
        self.rt.set_host_promise_rejection_tracker(None);
    }
}

/// `setTimeout`'s delay: NaN, negative and missing are 0 (HTML `#timers`).
fn delay_of(ms: Option<f64>) -> Duration {
    match ms {
        Some(ms) if ms.is_finite() && ms > 0.0 => {
            Duration::from_secs_f64(ms.min(2147483647.0) / 1000.0)
        }
        _ => Duration::ZERO,
    }
}

fn install_globals<'js>(ctx: &Ctx<'js>, state: &Rc<RefCell<LoopState>>) -> rquickjs::Result<()> {
    let g = ctx.globals();
    g.set("self", g.clone())?;
    for (name, repeat) in [("setTimeout", false), ("setInterval", true)] {
        let st = state.clone();
        g.set(
            name,
            Function::new(
                ctx.clone(),
                move |ctx: Ctx<'js>,
                      f: Function<'js>,
                      ms: Opt<f64>,
                      args: Rest<Value<'js>>|
                      -> rquickjs::Result<u64> {
                    let d = delay_of(ms.0);
                    let mut s = st.borrow_mut();
                    let id = s.next_id;
                    s.next_id += 1;
                    let timer = Timer {
                        func: Persistent::save(&ctx, f),
                        args: args
                            .0
                            .into_iter()
                            .map(|a| Persistent::save(&ctx, a))
                            .collect(),
                        repeat: repeat.then_some(d),
                    };
                    s.timers.insert(id, timer);
                    s.heap.push(Reverse((Instant::now() + d, id)));
                    Ok(id)
                },
            )?,
        )?;
    }
    for name in ["clearTimeout", "clearInterval"] {
        let st = state.clone();
        g.set(
            name,
            Function::new(ctx.clone(), move |id: Opt<f64>| {
                if let Some(id) = id.0 {
                    let mut s = st.borrow_mut();
                    let id = id as u64;
                    if s.timers.remove(&id).is_none() {
                        // Cleared from inside its own callback.
                        s.cleared_during.insert(id);
                    }
                }
            })?,
        )?;
    }
    console::install(ctx, state)?;
    // queueMicrotask(cb): a microtask through the engine's own job queue.
    ctx.eval::<(), _>(
        r#"Object.defineProperty(globalThis, "queueMicrotask", {
            value: function queueMicrotask(callback) {
                if (typeof callback !== "function") throw new TypeError("queueMicrotask: argument is not a function");
                Promise.resolve().then(() => callback());
            }, writable: true, configurable: true, enumerable: true });"#,
    )?;
    Ok(())
}
