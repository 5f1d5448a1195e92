//! The event loop's observable order and the runtime's exit behaviour.

use msgport_js::run_captured;

fn lines(src: &str) -> Vec<String> {
    let out = run_captured(src);
    assert_eq!(out.exit_code, 0, "stderr: {}", out.stderr);
    out.stdout.lines().map(String::from).collect()
}

#[test]
fn script_then_microtasks_then_timers() {
    let got = lines(
        r#"
        setTimeout(() => console.log("timeout 0"), 0);
        Promise.resolve().then(() => console.log("promise"));
        queueMicrotask(() => console.log("microtask"));
        console.log("script");
        "#,
    );
    assert_eq!(got, ["script", "promise", "microtask", "timeout 0"]);
}

#[test]
fn a_microtask_checkpoint_follows_every_task() {
    let got = lines(
        r#"
        setTimeout(() => { console.log("t1"); Promise.resolve().then(() => console.log("after t1")); }, 0);
        setTimeout(() => console.log("t2"), 0);
        "#,
    );
    assert_eq!(got, ["t1", "after t1", "t2"]);
}

#[test]
fn timers_run_by_deadline_then_by_order_set() {
    let got = lines(
        r#"
        setTimeout(() => console.log("30"), 30);
        setTimeout(() => console.log("10"), 10);
        setTimeout(() => console.log("0a"), 0);
        setTimeout(() => console.log("0b"), -5);
        setTimeout((a, b) => console.log("args", a, b), 1, "x", 2);
        "#,
    );
    assert_eq!(got, ["0a", "0b", "args x 2", "10", "30"]);
}

#[test]
fn intervals_repeat_until_cleared_and_clear_timeout_cancels() {
    let got = lines(
        r#"
        let n = 0;
        const id = setInterval(() => { n++; console.log("tick", n); if (n === 3) clearInterval(id); }, 1);
        const t = setTimeout(() => console.log("never"), 5);
        clearTimeout(t);
        clearTimeout(12345); // unknown ids are ignored
        "#,
    );
    assert_eq!(got, ["tick 1", "tick 2", "tick 3"]);
}

#[test]
fn uncaught_exceptions_print_the_stack_and_fail_the_run() {
    let out = run_captured("function boom() { throw new TypeError('bad thing'); }\nconsole.log('before'); boom(); console.log('after');");
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stdout, "before\n");
    assert!(
        out.stderr.starts_with("Uncaught TypeError: bad thing"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("boom"),
        "stack trace missing: {}",
        out.stderr
    );
    // In a timer: the loop stops there.
    let out = run_captured("setTimeout(() => { throw new Error('in timer') }, 0); setTimeout(() => console.log('later'), 5);");
    assert_eq!((out.exit_code, out.stdout.as_str()), (1, ""));
    assert!(out.stderr.contains("in timer"));
    // A rejected promise nobody handles.
    let out = run_captured("Promise.reject(new RangeError('nope'));");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr
            .contains("Uncaught (in promise) RangeError: nope"),
        "{}",
        out.stderr
    );
    // A rejection that is handled later in the same checkpoint is fine.
    let out = run_captured("const p = Promise.reject(1); p.catch(() => console.log('handled'));");
    assert_eq!(
        (out.exit_code, out.stdout.as_str()),
        (0, "handled\n"),
        "{}",
        out.stderr
    );
    // An unhandledrejection listener that cancels handles the rejection;
    // one that does not leaves it uncaught.
    let out = run_captured(
        "addEventListener('unhandledrejection', (e) => { console.log('saw', e.reason); e.preventDefault(); }); Promise.reject(7);",
    );
    assert_eq!(
        (out.exit_code, out.stdout.as_str()),
        (0, "saw 7\n"),
        "{}",
        out.stderr
    );
    let out = run_captured(
        "onunhandledrejection = (e) => console.log('saw', e.reason); Promise.reject(8);",
    );
    assert_eq!((out.exit_code, out.stdout.as_str()), (1, "saw 8\n"));
    assert!(
        out.stderr.contains("Uncaught (in promise) 8"),
        "{}",
        out.stderr
    );
    // The main global's onerror: returning true cancels the report.
    let out = run_captured(
        "onerror = (msg, file, line, col, err) => { console.log('caught', err.message); return true; }; setTimeout(() => { throw new Error('t') }, 0); setTimeout(() => console.log('goes on'), 5);",
    );
    assert_eq!(
        (out.exit_code, out.stdout.as_str()),
        (0, "caught t\ngoes on\n"),
        "{}",
        out.stderr
    );
    // A throwing queueMicrotask callback is uncaught too.
    let out = run_captured("queueMicrotask(() => { throw new Error('mt') });");
    assert_eq!(out.exit_code, 1);
    assert!(out.stderr.contains("mt"));
    // A syntax error.
    let out = run_captured("let x = ;");
    assert_eq!(out.exit_code, 1);
    assert!(out.stderr.contains("SyntaxError"), "{}", out.stderr);
}

#[test]
fn console_formats_values_readably() {
    let got = lines(
        r#"
        console.log("s", 1, -0, 1.5, true, null, undefined, 10n);
        console.log([1, "a", [2]], {a: 1, "b c": "x", nested: {deep: {deeper: {deepest: 1}}}});
        console.log(function named() {}, () => {}, Symbol("sym"));
        console.log(new Error("oops").message, Object.create(null));
        "#,
    );
    assert_eq!(got[0], "s 1 -0 1.5 true null undefined 10n");
    assert_eq!(
        got[1],
        "[ 1, 'a', [ 2 ] ] { a: 1, 'b c': 'x', nested: { deep: { deeper: [Object] } } }"
    );
    assert_eq!(
        got[2],
        "[Function: named] [Function (anonymous)] Symbol(sym)"
    );
    assert_eq!(got[3], "oops [Object: null prototype] {}");
    let out = run_captured("console.error('to stderr'); console.warn('warned')");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("", "to stderr\nwarned\n")
    );
}

#[test]
fn globals_are_there() {
    let got = lines("console.log(self === globalThis, typeof queueMicrotask, typeof setInterval)");
    assert_eq!(got, ["true function function"]);
    let out = run_captured("queueMicrotask(1)");
    assert_eq!(out.exit_code, 1);
    assert!(out.stderr.contains("TypeError"));
}

#[test]
fn the_run_ends_when_nothing_can_happen() {
    // No timers left: returns at once; with one, after it.
    let t = std::time::Instant::now();
    assert_eq!(lines("console.log('done')"), ["done"]);
    assert_eq!(
        lines("setTimeout(() => console.log('waited'), 50)"),
        ["waited"]
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(50));
}

#[test]
fn timers_pass_their_arguments_and_run_a_string_handler_as_script() {
    let got = lines(
        r#"
        setTimeout((a, b) => console.log("args", a, b), 0, "x", 2);
        globalThis.n = 0;
        setTimeout("n += 1; console.log('string timer', n)", 0);
        const id = setInterval("if (++n === 3) { console.log('interval done'); clearInterval(id); }", 0);
        "#,
    );
    assert_eq!(got, ["args x 2", "string timer 1", "interval done"]);
}

#[test]
fn timer_arguments_convert_as_webidl_long() {
    // `long timeout` and `long id`: ToNumber, then wrapped to 32 bits;
    // NaN and negative delays are 0.
    let got = lines(
        r#"
        const order = [];
        setTimeout(() => order.push("string 5"), "5");
        setTimeout(() => order.push("object 1"), { valueOf() { return 1; } });
        setTimeout(() => order.push("2^32+3 wraps to 3"), 2 ** 32 + 3);
        setTimeout(() => order.push("NaN is 0"), "soon");
        const id = setTimeout(() => order.push("cleared by a string id: never"), 0);
        clearTimeout(String(id));
        clearTimeout({}); clearTimeout(null); clearTimeout();
        const conversions = [];
        clearTimeout(setTimeout({ toString() { conversions.push("handler"); return ""; } },
            { valueOf() { conversions.push("timeout"); return 0; } }));
        setTimeout(() => console.log(order.join(", "), "|", conversions.join(" then ")), 30);
        "#,
    );
    assert_eq!(
        got,
        ["NaN is 0, object 1, 2^32+3 wraps to 3, string 5 | handler then timeout"]
    );
}

#[test]
fn a_captured_run_captures_its_workers_output() {
    let out = run_captured(
        r#"
        const w = new Worker("data:text/javascript,console.log('from the worker'); console.error('worker error line'); postMessage(1)");
        w.onmessage = () => { console.log("from main"); w.terminate(); };
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "from the worker\nfrom main\n");
    assert_eq!(out.stderr, "worker error line\n");
}
