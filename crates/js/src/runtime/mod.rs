//! The event loop (HTML `#event-loop-processing-model`, reduced to what a
//! shell host has): run one task, then perform a microtask checkpoint.
//! Tasks are timers, port events (one message per task) and reports from
//! other threads; timers and port events take turns, so a port that floods
//! itself cannot starve `setTimeout`. The loop ends when nothing can happen
//! any more in any context of the run (see `signal.rs` here).
#![forbid(unsafe_code)]

pub(crate) mod atomics;
mod blob_urls;
mod browser_field;
mod commonjs;
pub(crate) mod globals;
pub(crate) mod host;
pub(crate) mod import_map;
pub(crate) mod messaging;
mod modules;
mod options;
mod output;
mod packages;
mod report;
mod scripts;
pub(crate) mod signal;
mod stack;
use stack::{js_stack_size, JS_STACK, REPORT_HEADROOM};
mod timers;
mod workers;

pub use modules::WEB_ORIGIN;
pub(crate) use modules::{file_url, load_source, read_data_file, UrlLoader, UrlResolver};
pub use output::Output;
pub(crate) use output::{Buf, SharedOutput};
pub(crate) use report::{describe, describe_value, report_exception};
pub(crate) use timers::Timer;
use timers::Timers;

use crate::runtime::host::{HostState, ParentLink, Shared};
use crate::runtime::signal::{Signal, Woken};
use rquickjs::function::Rest;
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Persistent, Runtime, Value};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

pub(crate) struct LoopState {
    /// The map of active timers.
    timers: Timers,
    pub(crate) out: SharedOutput,
    /// An uncaught exception nobody handled: stop, exit non-zero.
    failed: bool,
    /// Rejected promises with no handler yet (HTML
    /// `#unhandled-promise-rejections`): reported after the checkpoint.
    unhandled: Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>,
    /// An `error` event is being fired: an exception inside its listener
    /// is printed, not fired again.
    reporting: bool,
    /// The main module's URL and the promise of its evaluation: still
    /// pending when nothing else can happen, its top-level await never
    /// settled.
    main_module: Option<(String, Persistent<rquickjs::Promise<'static>>)>,
}

/// What a worker thread starts from.
pub(crate) struct WorkerInit {
    pub(crate) url: String,
    pub(crate) source: Option<String>,
    pub(crate) name: String,
    pub(crate) module: bool,
    pub(crate) signal: Arc<Signal>,
    pub(crate) kind: WorkerKind,
}

/// A dedicated worker (its implicit port, and where it reports errors), or
/// a shared worker (the inbox its `connect` tasks arrive in).
pub(crate) enum WorkerKind {
    Dedicated {
        port: msgport::MessagePort,
        parent: ParentLink,
    },
    Shared {
        inbox: Arc<host::Inbox>,
        /// The SharedWorker object that started it: told if the script
        /// cannot be loaded (HTML `#run-a-worker`, "fire an event named
        /// error at worker").
        creator: ParentLink,
    },
}

/// A QuickJS runtime and context with msgport's globals and event loop.
pub struct JsRuntime {
    state: Rc<RefCell<LoopState>>,
    host: Shared,
    ctx: Context,
    rt: Runtime,
    /// The context's pointer to `host` (crates/js/src/engine/native.rs): dropped
    /// last, after the context.
    _link: crate::engine::native::HostLink,
    /// Keeps the runtime registered as one whose SharedArrayBuffers are
    /// shareable blocks (`engine::shared`); dropped after the runtime.
    _shared_memory: crate::engine::shared::Registered,
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

/// Runs `source` as a classic script to completion of its event loop,
/// capturing its output (for tests and embedders), its workers' included.
pub fn run_captured(source: &str) -> Captured {
    let (out, err) = (Buf::default(), Buf::default());
    let code = match JsRuntime::new(Output {
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
    }) {
        Ok(rt) => rt.run_script("<script>", source),
        Err(e) => {
            let _ = err
                .clone()
                .write_all(format!("cannot start the runtime: {e}\n").as_bytes());
            1
        }
    };
    Captured {
        stdout: out.text(),
        stderr: err.text(),
        exit_code: code,
    }
}

/// The exit code of a run whose main module's top-level await never settled (Node's).
pub const UNSETTLED_TOP_LEVEL_AWAIT: i32 = 13;

impl JsRuntime {
    /// A main-context runtime whose `console` writes to `out`; scripts
    /// resolve against the current directory.
    pub fn new(out: Output) -> Result<Self, crate::Error> {
        let base = file_url(&std::env::current_dir().unwrap_or_default().join("main.js"));
        let signal = Signal::root();
        let out = SharedOutput::new(out);
        signal.group().set_output(out.clone());
        Self::build(out, signal, base, None, None).map_err(crate::Error::engine)
    }

    fn build(
        out: SharedOutput,
        signal: Arc<Signal>,
        base_url: String,
        worker: Option<(msgport::MessagePort, String, ParentLink)>,
        shared: Option<(String, Arc<host::Inbox>)>,
    ) -> rquickjs::Result<Self> {
        let rt = Runtime::new_with_alloc(crate::engine::alloc::HostAllocator)?;
        let stack = js_stack_size();
        JS_STACK.with(|s| s.set(stack));
        rt.set_max_stack_size(stack);
        let (loader, loader_host) = UrlLoader::new();
        rt.set_loader(UrlResolver, loader);
        modules::set_read_roots(signal.group().read_roots());
        modules::set_path_root(signal.group().path_root());
        modules::set_import_map(
            signal
                .group()
                .import_map
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        );
        let flag = signal.terminated_flag();
        rt.set_interrupt_handler(Some(Box::new(move || flag.load(Ordering::Relaxed))));
        let ctx = Context::full(&rt)?;
        // Before any script: every SharedArrayBuffer of the runtime is then
        // memory its agent cluster can share.
        let shared_memory =
            ctx.with(|ctx| crate::engine::shared::install(&ctx, signal.cluster()))?;
        let state = Rc::new(RefCell::new(LoopState {
            timers: Timers::default(),
            out,
            failed: false,
            unhandled: Vec::new(),
            reporting: false,
            main_module: None,
        }));
        let host = Rc::new(RefCell::new(HostState::new(signal, base_url)));
        *loader_host.borrow_mut() = Rc::downgrade(&host);
        if let Some((port, name, parent)) = worker {
            let id = host.borrow_mut().register(port);
            host.borrow_mut().worker = Some((id, name, parent));
        }
        if let Some((name, inbox)) = shared {
            let mut h = host.borrow_mut();
            h.inbox = inbox;
            h.shared = Some(name);
        }
        let link = ctx
            .with(|ctx| {
                crate::engine::native::install(&ctx, Rc::new(messaging::PortPoster(host.clone())))
            })
            .map_err(|e| rquickjs::Error::new_loading_message("msgport classes", e))?;
        ctx.with(|ctx| -> rquickjs::Result<()> {
            let r = globals::install(&ctx, &host, &state);
            r.catch(&ctx).map_err(|e| {
                let v = describe(&ctx, &e);
                rquickjs::Error::new_loading_message("msgport globals", describe_value(&ctx, &v))
            })
        })?;
        let st = state.clone();
        rt.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx: Ctx<'_>, promise: Value<'_>, reason: Value<'_>, handled: bool| {
                let mut s = st.borrow_mut();
                if handled {
                    s.unhandled
                        .retain(|(p, _)| p.clone().restore(&ctx).map_or(true, |p| p != promise));
                } else {
                    s.unhandled.push((
                        Persistent::save(&ctx, promise),
                        Persistent::save(&ctx, reason),
                    ));
                }
            },
        )));
        Ok(JsRuntime {
            state,
            host,
            ctx,
            rt,
            _link: link,
            _shared_memory: shared_memory,
        })
    }

    /// Evaluates a classic script, then runs the event loop until nothing can
    /// happen any more. Returns the process exit code.
    pub fn run_script(&self, name: &str, source: &str) -> i32 {
        self.eval_classic(name, source);
        self.finish()
    }

    /// Runs a file: an ES module when `module` is set (or the file ends in
    /// `.mjs`), else a classic script; then the event loop. Returns the exit code.
    pub fn run_file(&self, path: &std::path::Path, module: bool) -> i32 {
        let url = file_url(path);
        self.host.borrow_mut().base_url = url.clone();
        modules::set_context_base(&url);
        let source = match modules::read_file(path) {
            Ok(s) => s,
            Err(e) => {
                self.state.borrow().out.line(true, &format!("msgport: {e}"));
                return 1;
            }
        };
        // A module: `.mjs`, `"type": "module"`, or `import`/`export`
        // declarations (Node 22's detection). CommonJS: `.cjs` or `"type":
        // "commonjs"`. Anything else is a web page's classic script.
        let kind = commonjs::kind(path);
        let module =
            module || kind == commonjs::Kind::Module || modules::has_module_syntax(&source);
        if module {
            self.eval_module(&url, &source);
        } else if kind == commonjs::Kind::CommonJs {
            self.eval_commonjs_main(path, &source);
        } else {
            self.eval_classic(&url, &source);
        }
        self.finish()
    }

    /// Runs `f` inside the context (for embedders' own globals).
    /// Sets `msgport.args`, the script's command-line arguments (a frozen
    /// array of strings), in the main context. `msgport.version` is the
    /// runtime's version.
    ///
    /// ```
    /// let rt = msgport_js::JsRuntime::new(msgport_js::Output::std()).unwrap();
    /// rt.set_args(&["a".to_string(), "b c".to_string()]);
    /// assert_eq!(rt.run_script("args.js", "if (msgport.args.join('|') !== 'a|b c') throw 1;"), 0);
    /// ```
    pub fn set_args(&self, args: &[String]) {
        self.set_args_inner(args)
    }

    fn set_args_inner(&self, args: &[String]) {
        let result: rquickjs::Result<()> = self.ctx.with(|ctx| {
            let list = rquickjs::Array::new(ctx.clone())?;
            for (i, a) in args.iter().enumerate() {
                list.set(i, a.as_str())?;
            }
            let ns = rquickjs::Object::new(ctx.clone())?;
            ns.set("args", list)?;
            ns.set("version", env!("CARGO_PKG_VERSION"))?;
            let define: rquickjs::Function = ctx.eval(
                "(ns) => { Object.freeze(ns.args); Object.freeze(ns); \
                 Object.defineProperty(globalThis, 'msgport', { value: ns, writable: true, configurable: true }); }",
            )?;
            define.call((ns,))
        });
        if let Err(e) = result {
            self.state
                .borrow()
                .out
                .line(true, &format!("msgport: cannot set msgport.args: {e}"));
        }
    }

    /// Hands a Rust [`msgport::MessagePort`] to the main context as the
    /// global `name`: a MessagePort object like any other (start it, or set
    /// `onmessage`), so Rust and JavaScript talk through one channel. Its
    /// queued and in-flight messages come along; the peer may be anywhere.
    /// Since its peer is outside the run, the port keeps the run going until
    /// it is closed (on either side), collected, or transferred away.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let (rust_side, js_side) = MessageChannel::new().into_ports();
    /// let rt = msgport_js::JsRuntime::new(msgport_js::Output::std()).unwrap();
    /// rt.add_port("rust", js_side).unwrap();
    /// rust_side.post(&21).unwrap();
    /// let code = rt.run_script("echo.js", "rust.onmessage = (e) => { rust.postMessage(e.data * 2); rust.close(); };");
    /// assert_eq!(code, 0);
    /// let Event::Message(m) = rust_side.recv_blocking_as::<i32>(None).unwrap() else { panic!() };
    /// assert_eq!(m.data, 42);
    /// ```
    ///
    /// Errors: [`Error::Exception`](crate::Error) if the global cannot be
    /// set (a non-writable global of that name); the port is then closed.
    pub fn add_port(&self, name: &str, port: msgport::MessagePort) -> Result<(), crate::Error> {
        let id = {
            let mut h = self.host.borrow_mut();
            let id = h.register(port);
            let keep = Signal::new(h.signal.group().clone(), h.signal.cluster());
            h.external.insert(id, keep);
            id
        };
        let r = self.ctx.with(|ctx| {
            (|| -> rquickjs::Result<()> {
                let make: Function = host::internal(&ctx, &self.host)?.get("makePort")?;
                let p: rquickjs::Object = make.call((id,))?;
                ctx.globals().set(name, p)
            })()
            .catch(&ctx)
            .map_err(|e| crate::Error::Exception(e.to_string()))
        });
        if r.is_err() {
            let mut h = self.host.borrow_mut();
            h.external.remove(&id);
            drop(h.unregister(id));
        }
        r
    }

    pub(crate) fn with_ctx<R>(&self, f: impl FnOnce(&Ctx<'_>) -> R) -> R {
        self.ctx.with(|ctx| f(&ctx))
    }

    /// Calls `internal[name](args)` (the preludes' private helpers).
    pub(crate) fn call_internal(&self, name: &str, args: &[&str]) -> Result<(), String> {
        self.ctx.with(|ctx| {
            let r = (|| -> rquickjs::Result<()> {
                let internal = host::internal(&ctx, &self.host)?;
                let f: Function = internal.get(name)?;
                let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
                let w: Value = f.call((Rest(args),))?;
                ctx.globals().set("__msgport_internal_result", w)
            })()
            .catch(&ctx);
            r.map_err(|e| describe_value(&ctx, &describe(&ctx, &e)))
        })
    }

    /// The URL relative script and worker URLs resolve against.
    /// Makes every timer of the run keep it alive, as in a page (see
    /// `signal::Group::page_like_timers`).
    pub(crate) fn page_like_timers(&self) {
        self.host
            .borrow()
            .signal
            .group()
            .page_like_timers
            .store(true, Ordering::Relaxed);
    }

    pub(crate) fn set_base_url(&self, url: &str) {
        self.host.borrow_mut().base_url = url.to_string();
        modules::set_context_base(url);
    }

    /// A function that stops this runtime's loop (and interrupts running
    /// script) from any thread.
    pub(crate) fn stop_handle(&self) -> impl Fn() + Send + 'static {
        let signal = self.host.borrow().signal.clone();
        move || signal.terminate()
    }

    /// Makes `file:` URLs whose absolute path is not on the filesystem be
    /// looked up under `root` too, in every context of the run (see
    /// `modules::locate`).
    pub(crate) fn set_path_root(&self, root: &std::path::Path) {
        let root: Arc<std::path::Path> = root.into();
        self.host
            .borrow()
            .signal
            .group()
            .set_path_root(root.clone());
        modules::set_path_root(Some(root));
    }

    /// A function that ends the run after the task that calls it (as a
    /// worker's `close()` does: no script is interrupted).
    pub(crate) fn end_after_task(&self) -> impl Fn() + 'static {
        let host = self.host.clone();
        move || {
            let mut h = host.borrow_mut();
            h.closing = true;
            h.inbox.set_closing();
        }
    }

    /// After a stop: lets script run again (the loop stays ended).
    pub(crate) fn resume(&self) {
        self.host.borrow().signal.reset_terminated();
    }

    /// A microtask checkpoint.
    pub(crate) fn checkpoint(&self) {
        self.microtask_checkpoint();
    }

    /// The event loop until nothing can happen any more (or a stop).
    pub(crate) fn run_until_idle(&self) {
        self.microtask_checkpoint();
        self.run_loop();
    }

    /// Stops the workers and leaves the run.
    pub(crate) fn end(&self) {
        self.shutdown();
    }

    /// The rest of a run after the script: the event loop, then shutdown.
    fn finish(&self) -> i32 {
        self.microtask_checkpoint();
        self.run_loop();
        let unsettled = self.unsettled_module();
        self.shutdown();
        if self.state.borrow().failed {
            return 1;
        }
        match unsettled {
            Some(url) => {
                // As Node does (its exit code 13), with a message.
                self.state.borrow().out.line(
                    true,
                    &format!("msgport: the top-level await of {url} never settled: nothing was left that could settle it"),
                );
                UNSETTLED_TOP_LEVEL_AWAIT
            }
            None => 0,
        }
    }

    /// The main module's URL if its evaluation is still pending.
    fn unsettled_module(&self) -> Option<String> {
        let (url, promise) = self.state.borrow_mut().main_module.take()?;
        let pending = self.ctx.with(|ctx| {
            promise
                .restore(&ctx)
                .is_ok_and(|p| p.state() == rquickjs::promise::PromiseState::Pending)
        });
        pending.then_some(url)
    }

    fn shutdown(&self) {
        // File API #lifeTime: the context's blob URLs go with it.
        {
            let mut h = self.host.borrow_mut();
            let made = std::mem::take(&mut h.blob_urls_made);
            h.signal.group().blob_urls.remove_all(&made);
        }
        let threads = self.host.borrow_mut().stop_workers();
        self.host.borrow().signal.end();
        join_stopped(threads, WORKER_EXIT_GRACE);
    }

    /// Reports an uncaught exception; returns whether the result was Ok.
    fn report<'js, T>(&self, ctx: &Ctx<'js>, r: Result<T, CaughtError<'js>>) -> bool {
        match r {
            Ok(_) => true,
            Err(CaughtError::Error(rquickjs::Error::Exception)) => true,
            Err(e) => {
                if self.host.borrow().signal.is_terminated() {
                    return false;
                }
                let v = describe(ctx, &e);
                report_exception(ctx, &self.state, &self.host, v);
                false
            }
        }
    }

    /// Runs every pending microtask (promise jobs, `queueMicrotask`).
    fn microtask_checkpoint(&self) {
        loop {
            if self.stopping() {
                return;
            }
            match self.rt.execute_pending_job() {
                Ok(true) => continue,
                Ok(false) => {
                    // Rejections still unhandled once the queue is empty are uncaught.
                    let pending = std::mem::take(&mut self.state.borrow_mut().unhandled);
                    if pending.is_empty() {
                        return;
                    }
                    self.ctx.with(|ctx| {
                        for (promise, reason) in pending {
                            if let (Ok(promise), Ok(reason)) =
                                (promise.restore(&ctx), reason.restore(&ctx))
                            {
                                // `unhandledrejection` first: a listener that
                                // cancels it handles the rejection.
                                if !self.still_unhandled(&ctx, &promise, &reason) {
                                    continue;
                                }
                                let text = describe_value(&ctx, &reason);
                                let in_worker = self.host.borrow().in_worker();
                                let mut st = self.state.borrow_mut();
                                st.out.line(true, &format!("Uncaught (in promise) {text}"));
                                // A worker goes on (browsers); the main script fails (Node).
                                if !in_worker {
                                    st.failed = true;
                                    break;
                                }
                            }
                        }
                    });
                    return;
                }
                Err(job) => {
                    job.0.with(|ctx| {
                        let e = CaughtError::from_error(&ctx, rquickjs::Error::Exception);
                        self.report::<()>(&ctx, Err(e));
                    });
                }
            }
        }
    }

    /// Fires `unhandledrejection`; whether nobody canceled it. A listener's
    /// own exception is reported as usual and leaves the rejection unhandled.
    fn still_unhandled<'js>(
        &self,
        ctx: &Ctx<'js>,
        promise: &Value<'js>,
        reason: &Value<'js>,
    ) -> bool {
        let fire = host::internal(ctx, &self.host)
            .and_then(|i| i.get::<_, rquickjs::Function>("unhandledRejection"));
        fire.and_then(|f| f.call::<_, bool>((promise.clone(), reason.clone())))
            .unwrap_or(true)
    }

    /// After the `n`th port task of a turn: whether the next one may run
    /// in the same turn, because its microtask checkpoint would do nothing
    /// (no job, no rejection to report), nothing stops the loop, the inbox
    /// is empty, and no timer is due (the clock is read every 16th task
    /// only: a due timer waits at most that many messages). Saves the turn's
    /// bookkeeping (the runtime lock, the checkpoint) per message.
    fn nothing_else_waits(&self, ctx: &Ctx<'_>, n: u32) -> bool {
        let jobs = crate::engine::ffi::is_job_pending(ctx);
        if jobs || self.stopping() || !self.host.borrow().inbox.is_empty() {
            return false;
        }
        let mut st = self.state.borrow_mut();
        if !st.unhandled.is_empty() {
            return false;
        }
        match st.timers.next() {
            None => true,
            Some(_) if !n.is_multiple_of(16) => true,
            Some((due, _)) => due > Instant::now(),
        }
    }

    fn stopping(&self) -> bool {
        let h = self.host.borrow();
        self.state.borrow().failed || h.closing || h.signal.is_terminated()
    }

    fn run_loop(&self) {
        /// The most port tasks one turn runs back to back (see
        /// [`JsRuntime::nothing_else_waits`]).
        const PORT_TASKS_PER_TURN: u32 = 64;
        loop {
            if self.stopping() {
                return;
            }
            self.host.borrow().signal.begin_look();
            let mut ran = false;
            // A due timer, then a port task: they take turns.
            let due = self.state.borrow_mut().timers.next();
            if let Some((due, id)) = due {
                if due <= Instant::now() {
                    self.run_timer(id);
                    self.microtask_checkpoint();
                    ran = true;
                }
            }
            if self.stopping() {
                return;
            }
            let r = self.ctx.with(|ctx| {
                let mut ran = false;
                for n in 1..=PORT_TASKS_PER_TURN {
                    crate::engine::ffi::gc_growth(&ctx);
                    let r = messaging::run_port_task(&ctx, &self.host).catch(&ctx);
                    let did = match r {
                        Ok(b) => b,
                        Err(e) => {
                            self.report::<()>(&ctx, Err(e));
                            true
                        }
                    };
                    ran |= did;
                    if !did || !self.nothing_else_waits(&ctx, n) {
                        break;
                    }
                }
                ran
            });
            if r {
                self.microtask_checkpoint();
                ran = true;
            }
            let inbox = if self.host.borrow().inbox.is_empty() {
                Ok(None)
            } else {
                self.ctx.with(|ctx| {
                    messaging::run_inbox_task(&ctx, &self.host)
                        .catch(&ctx)
                        .map_err(|_| ())
                })
            };
            match inbox {
                Ok(Some(unhandled)) => {
                    if let Some(error) = unhandled {
                        self.worker_error_unhandled(error);
                    }
                    self.microtask_checkpoint();
                    ran = true;
                }
                Ok(None) => {}
                Err(_) => ran = true,
            }
            if ran {
                continue;
            }
            // A timer that does not keep the run alive wakes the context
            // only while something else does.
            let (deadline, unkept) = {
                let mut st = self.state.borrow_mut();
                (st.timers.next_kept(), st.timers.next_unkept())
            };
            let signal = self.host.borrow().signal.clone();
            if signal.wait(deadline, unkept) == Woken::Stop {
                return;
            }
        }
    }

    /// A worker's error that its Worker object did not cancel: reported
    /// again here, as if it had happened in this context (HTML
    /// `#runtime-script-errors-2`): an `error` event at this global; if
    /// that is not canceled either, it goes on to this context's own
    /// parent if it is a worker; in the main context it is printed and
    /// the run fails (exit code 1) unless a listener took it, as for the
    /// main script's own errors.
    fn worker_error_unhandled(&self, error: messaging::UnhandledWorkerError) {
        let outcome = if error.startup {
            None
        } else {
            self.global_error_event(&error)
        };
        if outcome == Some(2) {
            return;
        }
        let text = error.text;
        let parent = self
            .host
            .borrow()
            .worker
            .as_ref()
            .map(|(_, name, p)| (name.clone(), p.clone()));
        match parent {
            Some((name, parent)) => parent.inbox.push(host::HostTask::WorkerError {
                port: parent.port,
                message: text.clone(),
                filename: String::new(),
                lineno: 0,
                colno: 0,
                report: Some(text),
                worker: name,
            }),
            None if outcome == Some(1) => {}
            None => {
                let mut st = self.state.borrow_mut();
                st.failed = true;
                st.out.line(true, &text);
            }
        }
    }

    /// An `error` event at this global for a worker's error (0: nobody
    /// listened, 1: a listener did not cancel it, 2: canceled; `None` if
    /// it could not be fired).
    fn global_error_event(&self, error: &messaging::UnhandledWorkerError) -> Option<i32> {
        self.ctx.with(|ctx| {
            (|| -> rquickjs::Result<i32> {
                let internal = host::internal(&ctx, &self.host)?;
                let fire: rquickjs::Function = internal.get("fireError")?;
                fire.call((
                    rquickjs::Null,
                    error.message.as_str(),
                    error.filename.as_str(),
                    error.lineno,
                    error.colno,
                ))
            })()
            .catch(&ctx)
            .ok()
        })
    }

    /// One task: a timer's callback (a cleared timer's entry is skipped).
    fn run_timer(&self, id: u64) {
        let Some(timer) = self.state.borrow_mut().timers.start(id) else {
            return;
        };
        let again = timer.repeat.map(|repeat| Timer {
            func: timer.func.clone(),
            args: timer.args.clone(),
            repeat: Some(repeat),
            keep_alive: timer.keep_alive,
        });
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
            self.report(&ctx, call.catch(&ctx));
        });
        // An interval reschedules itself unless its callback cleared it.
        self.state.borrow_mut().timers.finish(id, again);
    }
}

impl Drop for JsRuntime {
    fn drop(&mut self) {
        // Persistent values must go before the runtime that owns them.
        let mut st = self.state.borrow_mut();
        st.timers.clear_all();
        st.unhandled.clear();
        st.main_module = None;
        drop(st);
        self.host.borrow_mut().clear();
        self.rt.set_host_promise_rejection_tracker(None);
    }
}

/// How long the end of a run waits for a stopped worker's thread. A worker
/// stops at the engine's next poll, which a long native call (a search
/// through a huge string, say) can delay by minutes; the run does not wait
/// for that: the thread is left to end by itself (or with the process).
const WORKER_EXIT_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Joins the threads of stopped workers that end within `grace`; the
/// others are detached.
fn join_stopped(threads: Vec<std::thread::JoinHandle<()>>, grace: std::time::Duration) {
    let deadline = std::time::Instant::now() + grace;
    for t in threads {
        while !t.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
}
