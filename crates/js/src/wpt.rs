//! Running one testharness.js test in a fresh runtime: the part of
//! `msgport test` that needs the engine. Finding files, `// META:` lines,
//! expectations and printing live in the CLI.
//!
//! A test runs in the main context ("window" scope: testharness.js picks its
//! shell environment) or inside a dedicated worker, whose results the main
//! context collects with testharness.js's own `fetch_tests_from_worker`.
#![forbid(unsafe_code)]

use crate::engine::ffi::Usv;
use crate::runtime::{JsRuntime, Output};
use rquickjs::Function;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// The origin `run_test` serves a web root from (see `run_test`).
pub use crate::runtime::WEB_ORIGIN;

/// Where a test file runs (WPT's `global=` values that a shell host has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The main context (`window`, `shadowrealm`-free shells).
    Window,
    /// A dedicated worker started by the main context.
    DedicatedWorker,
    /// A shared worker the main context connects to.
    SharedWorker,
}

impl Scope {
    /// The WPT name of the scope.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Window => "window",
            Scope::DedicatedWorker => "dedicatedworker",
            Scope::SharedWorker => "sharedworker",
        }
    }
}

/// A subtest's (or the harness's) outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed (or, for the harness, ERROR).
    Fail,
    /// Did not finish in time.
    Timeout,
    /// Never ran.
    NotRun,
    /// A precondition did not hold (counted as neither pass nor fail).
    PreconditionFailed,
}

impl Status {
    /// The word printed for it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Timeout => "TIMEOUT",
            Status::NotRun => "NOTRUN",
            Status::PreconditionFailed => "PRECONDITION_FAILED",
        }
    }
    /// The status a word printed by [`Status::word`] names.
    pub fn from_word(word: &str) -> Option<Status> {
        [
            Status::Pass,
            Status::Fail,
            Status::Timeout,
            Status::NotRun,
            Status::PreconditionFailed,
        ]
        .into_iter()
        .find(|s| s.word() == word)
    }

    fn of_test(code: i32) -> Status {
        match code {
            0 => Status::Pass,
            1 => Status::Fail,
            2 => Status::Timeout,
            4 => Status::PreconditionFailed,
            _ => Status::NotRun,
        }
    }
}

/// One subtest's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Subtest {
    /// The subtest's name.
    pub name: String,
    /// Its outcome.
    pub status: Status,
    /// The failure message, if any.
    pub message: String,
}

/// The results of one test file in one scope.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every subtest, in the order they finished.
    pub subtests: Vec<Subtest>,
    /// The harness's status, when it is not OK (an error outside any
    /// subtest, or the file's timeout): printed as a subtest of its own.
    pub harness: Option<Subtest>,
    /// What the test printed, and uncaught errors.
    pub stdout: String,
    /// What the test wrote to stderr.
    pub stderr: String,
}

#[derive(Default)]
struct Collected {
    subtests: Vec<Subtest>,
    complete: Option<(i32, String)>,
}

use crate::runtime::Buf;

const REPORTER: &str = r#"
(function () {
  var seen = new Set();
  add_result_callback(function (t) {
    seen.add(t);
    __msgport_wpt_result(String(t.name), t.status, t.message == null ? "" : String(t.message));
  });
  add_completion_callback(function (tests, status) {
    // Subtests that never reported: unfinished when the harness timed out.
    tests.forEach(function (t) {
      if (seen.has(t)) return;
      var code = status.status === 2 && t.status === t.NOTRUN ? 2 : t.status;
      __msgport_wpt_result(String(t.name), code, t.message == null ? "" : String(t.message));
    });
    // Listed in definition order, as wptrunner lists them (results come
    // in the order they finish).
    __msgport_wpt_order(tests.map(function (t) { return String(t.name); }));
    __msgport_wpt_complete(status.status, status.message == null ? "" : String(status.message));
  });
})();
"#;

fn global_object(scope: Scope) -> String {
    let (w, k) = match scope {
        Scope::Window => ("true", "false"),
        Scope::DedicatedWorker | Scope::SharedWorker => ("false", "true"),
    };
    format!(
        "self.GLOBAL = {{ isWindow: function () {{ return {w}; }}, isWorker: function () {{ return {k}; }}, isShadowRealm: function () {{ return false; }} }};"
    )
}

/// A script of a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// Loaded from a `file:` (or `data:`) URL.
    Url(String),
    /// Inline source (an HTML file's `<script>` body).
    Inline {
        /// The name in stack traces.
        name: String,
        /// The source.
        source: String,
    },
}

/// Runs the test made of `scripts` (`// META: script=`s, then the test)
/// under `harness_url` (testharness.js) in `scope`, stopping it after
/// `timeout`. Relative URLs resolve against `base_url` (the test file);
/// an absolute path that is not on the filesystem (`/resources/…`,
/// `/common/…`) is looked up under `web_root`, as wptrunner's server
/// serves the tests' tree, in scripts, workers and imports alike.
pub fn run_test(
    harness_url: &str,
    base_url: &str,
    web_root: Option<&std::path::Path>,
    scripts: &[Script],
    scope: Scope,
    timeout: Duration,
) -> Outcome {
    let (out, err) = (Buf::default(), Buf::default());
    let rt = match JsRuntime::new(Output {
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
    }) {
        Ok(rt) => rt,
        Err(e) => {
            return Outcome {
                harness: Some(Subtest {
                    name: "(harness)".into(),
                    status: Status::Fail,
                    message: format!("cannot start the runtime: {e}"),
                }),
                ..Outcome::default()
            }
        }
    };
    let collected = Rc::new(RefCell::new(Collected::default()));
    let installed = install_reporter(&rt, &collected);
    let mut outcome = Outcome::default();
    // The web root first: the harness may be served from it.
    rt.set_base_url(base_url);
    if let Some(root) = web_root {
        rt.set_path_root(root);
    }
    let harness = match crate::runtime::load_source(harness_url) {
        Ok(s) => s,
        Err(e) => {
            outcome.harness = Some(Subtest {
                name: "(harness)".into(),
                status: Status::Fail,
                message: format!("cannot load testharness.js: {e}"),
            });
            return outcome;
        }
    };
    if let Err(e) = installed {
        outcome.harness = Some(Subtest {
            name: "(harness)".into(),
            status: Status::Fail,
            message: format!("cannot install the reporter: {e}"),
        });
        return outcome;
    }
    rt.page_like_timers();
    // The watchdog: the file's timeout stops the run (and any busy loop,
    // in the scripts themselves too).
    let stop = rt.stop_handle();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if rx.recv_timeout(timeout).is_err() {
            stop();
            true
        } else {
            false
        }
    });
    run_scripts(&rt, harness_url, &harness, base_url, scripts, scope);
    rt.run_until_idle();
    let _ = tx.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    if collected.borrow().complete.is_none() {
        // Nothing can happen any more (or time is up): let the harness mark
        // what is unfinished as TIMEOUT and report.
        rt.resume();
        rt.eval_classic("<timeout>", "if (typeof timeout === 'function') timeout();");
        rt.checkpoint();
    }
    rt.end();
    let c = collected.borrow();
    outcome.subtests = c.subtests.clone();
    outcome.harness = harness_status(&c.complete, timed_out, timeout);
    outcome.stdout = out.text();
    outcome.stderr = err.text();
    outcome
}

fn js_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Gives the test's scripts the two functions the reporter calls.
fn install_reporter(rt: &JsRuntime, collected: &Rc<RefCell<Collected>>) -> rquickjs::Result<()> {
    let end = rt.end_after_task();
    rt.with_ctx(|ctx| -> rquickjs::Result<()> {
        let g = ctx.globals();
        let c = collected.clone();
        g.set(
            "__msgport_wpt_result",
            Function::new(
                ctx.clone(),
                move |Usv(name): Usv, status: i32, Usv(message): Usv| {
                    c.borrow_mut().subtests.push(Subtest {
                        name,
                        status: Status::of_test(status),
                        message,
                    });
                },
            )?,
        )?;
        let c = collected.clone();
        g.set(
            "__msgport_wpt_order",
            Function::new(ctx.clone(), move |names: Vec<Usv>| {
                let names: Vec<String> = names.into_iter().map(|u| u.0).collect();
                let mut c = c.borrow_mut();
                // Each name's places in definition order (names may repeat).
                let mut places: std::collections::HashMap<&str, std::collections::VecDeque<usize>> =
                    std::collections::HashMap::new();
                for (i, n) in names.iter().enumerate() {
                    places.entry(n.as_str()).or_default().push_back(i);
                }
                let mut rank = |name: &str| {
                    places
                        .get_mut(name)
                        .and_then(std::collections::VecDeque::pop_front)
                        .unwrap_or(usize::MAX)
                };
                let mut ranked: Vec<(usize, Subtest)> =
                    c.subtests.drain(..).map(|s| (rank(&s.name), s)).collect();
                ranked.sort_by_key(|(r, _)| *r);
                c.subtests = ranked.into_iter().map(|(_, s)| s).collect();
            })?,
        )?;
        let c = collected.clone();
        g.set(
            "__msgport_wpt_complete",
            Function::new(ctx.clone(), move |status: i32, Usv(message): Usv| {
                c.borrow_mut().complete = Some((status, message));
                // The file is done when its harness is (as wptrunner ends
                // a test): leftover timers and workers do not hold it.
                end();
            })?,
        )?;
        Ok(())
    })
}

/// Evaluates the harness, the reporter and the test's scripts in `scope`
/// (a worker scope: in a worker made from them, reporting to the window).
fn run_scripts(
    rt: &JsRuntime,
    harness_url: &str,
    harness: &str,
    base_url: &str,
    scripts: &[Script],
    scope: Scope,
) {
    match scope {
        Scope::Window => {
            rt.eval_classic("<global>", &global_object(scope));
            rt.eval_classic(harness_url, harness);
            rt.eval_classic("<reporter>", REPORTER);
            for script in scripts {
                match script {
                    Script::Inline { name, source } => rt.eval_classic(name, source),
                    Script::Url(url) => match crate::runtime::load_source(url) {
                        Ok(src) => rt.eval_classic(url, &src),
                        Err(e) => rt.eval_classic(
                            "<loader>",
                            &format!("throw new Error({});", js_string(&e)),
                        ),
                    },
                }
            }
        }
        Scope::DedicatedWorker | Scope::SharedWorker => {
            let mut worker = global_object(scope);
            worker.push_str(&format!("\nimportScripts({});\n", js_string(harness_url)));
            for script in scripts {
                match script {
                    Script::Url(url) => {
                        worker.push_str(&format!("importScripts({});\n", js_string(url)))
                    }
                    Script::Inline { source, .. } => {
                        worker.push_str(source);
                        worker.push('\n');
                    }
                }
            }
            worker.push_str("done();\n");
            rt.eval_classic("<global>", &global_object(Scope::Window));
            rt.eval_classic(harness_url, harness);
            rt.eval_classic("<reporter>", REPORTER);
            // The worker's URL is the test's own, so its relative URLs work.
            let make = if scope == Scope::SharedWorker {
                "sharedWorkerWithSource"
            } else {
                "workerWithSource"
            };
            match rt.call_internal(make, &[base_url, &worker]) {
                Ok(()) => rt.eval_classic(
                    "<worker launcher>",
                    "fetch_tests_from_worker(__msgport_internal_result); delete self.__msgport_internal_result;",
                ),
                Err(e) => rt.eval_classic("<worker launcher>", &format!("throw new Error({});", js_string(&e))),
            }
        }
    }
}

/// The harness's own result: `None` when it completed normally.
fn harness_status(
    complete: &Option<(i32, String)>,
    timed_out: bool,
    timeout: Duration,
) -> Option<Subtest> {
    match complete {
        Some((0, _)) => None,
        Some((1, m)) => Some(Subtest {
            name: "(harness)".into(),
            status: Status::Fail,
            message: if m.is_empty() {
                "harness error".into()
            } else {
                m.clone()
            },
        }),
        Some((2, _)) | None => Some(Subtest {
            name: "(harness)".into(),
            status: Status::Timeout,
            message: if timed_out {
                format!("the file did not finish within {} s", timeout.as_secs_f64())
            } else {
                "the file stopped with tests unfinished (nothing left that could finish them)"
                    .into()
            },
        }),
        Some((_, m)) => Some(Subtest {
            name: "(harness)".into(),
            status: Status::PreconditionFailed,
            message: m.clone(),
        }),
    }
}
