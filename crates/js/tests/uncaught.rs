//! Uncaught errors as JavaScript users expect them (HTML
//! `#report-an-exception`, `#runtime-script-errors-2`): printed once, with
//! the program's frames only; a worker's error that nobody handles fails
//! the run, as in Node and Deno; a shared worker runs on after one.

use msgport_js::run_captured;

fn frames(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("at "))
        .collect()
}

#[test]
fn an_uncaught_error_is_printed_once_with_the_programs_frames_only() {
    let out = run_captured(
        "function inner() { throw new TypeError('boom'); }
         function outer() { inner(); }
         const et = new EventTarget();
         et.addEventListener('x', () => outer());
         et.dispatchEvent(new Event('x'));",
    );
    assert_eq!(out.exit_code, 1);
    let err = &out.stderr;
    assert_eq!(err.matches("Uncaught TypeError: boom").count(), 1, "{err}");
    let f = frames(err);
    // inner, outer, the listener, the script: each once, nothing of the
    // prelude's dispatch in between.
    assert_eq!(f.len(), 4, "{err}");
    assert!(f[0].contains("inner") && f[1].contains("outer"), "{err}");
    for frame in &f {
        assert!(frame.contains("<script>"), "not the program's: {frame}");
    }
}

#[test]
fn an_error_in_a_worker_that_nobody_handles_fails_the_run() {
    let out = run_captured(
        "new Worker('data:text/javascript,function f() { throw new Error(\"in worker\"); } f();', { name: 'w1' });",
    );
    assert_eq!(out.exit_code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Uncaught (in worker \"w1\") Error: in worker"),
        "{}",
        out.stderr
    );
    assert!(
        frames(&out.stderr).iter().any(|f| f.contains(" f ")),
        "{}",
        out.stderr
    );
    // A syntax error too.
    let out = run_captured("new Worker('data:text/javascript,let x = ;');");
    assert_eq!(out.exit_code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("SyntaxError"), "{}", out.stderr);
}

#[test]
fn a_worker_error_handled_by_its_worker_object_does_not_fail_the_run() {
    let out = run_captured(
        "const w = new Worker('data:text/javascript,throw new Error(\"handled\")');
         w.onerror = (e) => { console.log('onerror', e.message); e.preventDefault(); };",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("onerror"), "{}", out.stdout);
    assert_eq!(out.stderr, "");
}

#[test]
fn a_shared_worker_runs_on_after_an_uncaught_exception() {
    let out = run_captured(
        r#"const src = `onconnect = (e) => { const p = e.ports[0]; p.onmessage = (m) => { if (m.data === "throw") throw new Error("x"); p.postMessage("pong " + m.data); }; };`;
        const sw = new SharedWorker("data:text/javascript," + encodeURIComponent(src));
        sw.port.onmessage = (m) => { console.log(m.data); sw.port.close(); };
        sw.port.postMessage("throw");
        sw.port.postMessage("a");"#,
    );
    assert_eq!(out.stdout, "pong a\n", "{}", out.stderr);
    assert!(out.stderr.contains("Uncaught Error: x"), "{}", out.stderr);
}

#[test]
fn a_shared_worker_runs_on_after_unhandled_rejections_and_reports_each() {
    // HTML #unhandled-promise-rejections: each fires `unhandledrejection`
    // at the global and, not canceled, is reported; a shared worker, like
    // a dedicated one, goes on.
    let out = run_captured(
        r#"const src = `
          let seen = 0;
          addEventListener("unhandledrejection", () => { seen++; });
          onconnect = (e) => { const p = e.ports[0]; p.onmessage = (m) => {
            if (m.data === "reject") { Promise.reject(new Error("one")); Promise.reject(new Error("two")); return; }
            setTimeout(() => p.postMessage("pong " + m.data + " after " + seen), 0);
          }; };`;
        const sw = new SharedWorker("data:text/javascript," + encodeURIComponent(src));
        sw.port.onmessage = (m) => { console.log(m.data); sw.port.close(); };
        sw.port.postMessage("reject");
        sw.port.postMessage("a");"#,
    );
    assert_eq!(out.stdout, "pong a after 2\n", "{}", out.stderr);
    rejections_reported(&out.stderr, &["one", "two"]);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
}

#[test]
fn a_dedicated_worker_reports_every_unhandled_rejection_of_a_checkpoint() {
    let out = run_captured(
        r#"const w = new Worker("data:text/javascript," + encodeURIComponent(`
          Promise.reject(new Error("one")); Promise.reject(new Error("two"));
          setTimeout(() => postMessage("alive"), 0);`));
        w.onmessage = (m) => { console.log(m.data); w.terminate(); };"#,
    );
    assert_eq!(out.stdout, "alive\n", "{}", out.stderr);
    rejections_reported(&out.stderr, &["one", "two"]);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
}

/// Each of `messages` was reported as an unhandled rejection of an Error.
fn rejections_reported(stderr: &str, messages: &[&str]) {
    for m in messages {
        let line = format!("Uncaught (in promise) Error: {m}");
        assert!(stderr.contains(&line), "{line} not in {stderr}");
    }
}
