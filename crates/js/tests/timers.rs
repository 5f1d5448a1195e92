//! Timers as JavaScript users expect them (HTML `#timers`): a cleared
//! timer, interval or `AbortSignal.timeout` does not keep a run alive, and
//! clearing an id that is not active changes nothing.

use std::time::{Duration, Instant};

/// Runs `source`; its output and how long the run took.
fn run(source: &str) -> (msgport_js::Captured, Duration) {
    let t0 = Instant::now();
    let out = msgport_js::run_captured(source);
    (out, t0.elapsed())
}

/// Far longer than any run below takes when nothing keeps it alive.
const LONG: &str = "20000";
const QUICK: Duration = Duration::from_secs(10);

#[test]
fn a_cleared_timeout_or_interval_does_not_keep_the_run_alive() {
    for src in [
        format!("clearTimeout(setTimeout(() => console.log('ran'), {LONG}));"),
        format!("clearInterval(setInterval(() => console.log('ran'), {LONG}));"),
        // Either clear function clears either kind.
        format!("clearInterval(setTimeout(() => console.log('ran'), {LONG}));"),
        // Cleared later, from another timer.
        format!("const t = setTimeout(() => console.log('ran'), {LONG}); setTimeout(() => clearTimeout(t), 5);"),
    ] {
        let (out, took) = run(&src);
        assert_eq!((out.stdout.as_str(), out.exit_code), ("", 0), "{src}");
        assert!(took < QUICK, "{src}: took {took:?}");
    }
}

#[test]
fn abort_signal_timeout_alone_does_not_keep_the_run_alive() {
    let (out, took) = run(&format!("AbortSignal.timeout({LONG}); console.log('end');"));
    assert_eq!(out.stdout, "end\n");
    assert!(took < QUICK, "took {took:?}");
}

#[test]
fn abort_signal_timeout_still_fires_while_the_run_is_alive() {
    let (out, took) = run(&format!(
        "const keep = setTimeout(() => console.log('kept to the end'), {LONG});
         const s = AbortSignal.timeout(20);
         s.onabort = () => {{ console.log('aborted', s.reason.name); clearTimeout(keep); }};"
    ));
    assert_eq!(out.stdout, "aborted TimeoutError\n");
    assert!(took < QUICK, "took {took:?}");
}

#[test]
fn clearing_ids_that_are_not_active_changes_nothing_later() {
    let (out, _) = run(
        "for (let i = 1; i < 10000; i++) clearTimeout(i);
         for (let i = 1; i < 100; i++) clearInterval(-i);
         let n = 0;
         const id = setInterval(() => { if (++n === 3) { clearInterval(id); console.log('three'); } }, 1);
         setTimeout(() => console.log('timeout'), 1);",
    );
    assert_eq!(out.stdout, "timeout\nthree\n");
}

#[test]
fn an_interval_cleared_in_its_own_callback_stops_and_others_run() {
    let (out, _) = run(
        "let a = 0, b = 0;
         const ia = setInterval(() => { a++; clearInterval(ia); }, 1);
         const ib = setInterval(() => { if (++b === 5) { clearInterval(ib); console.log(a, b); } }, 1);",
    );
    assert_eq!(out.stdout, "1 5\n");
}
