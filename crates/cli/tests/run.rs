//! `msgport run` as a user runs it.

mod common;
use common::{msgport, scratch};
use std::process::Command;

#[test]
fn runs_a_script_to_the_end_of_its_event_loop() {
    let dir = std::env::temp_dir().join(format!("msgport-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = dir.join("ok.js");
    std::fs::write(
        &ok,
        "setTimeout(() => console.log('b'), 1); console.log('a');",
    )
    .unwrap();
    let out = msgport(&["run", ok.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a\nb\n");
    let bad = dir.join("bad.js");
    std::fs::write(&bad, "throw new Error('fatal')").unwrap();
    let out = msgport(&["run", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Uncaught Error: fatal"));
    let out = msgport(&["run", dir.join("missing.js").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let out = msgport(&["--help"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("run"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_mdn_demos_run_and_end_by_themselves() {
    let out = msgport(&["run", &repo("examples/channel-messaging/main.js")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("worker (answering-worker): got \"Hello from the main script!\" and a port"),
        "{text}"
    );
    assert!(
        text.contains("main: Message back from the worker"),
        "{text}"
    );
    let out = msgport(&["run", &repo("examples/channel-messaging-multi/main.js")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "main: Message received by the worker (#1): first message",
            "main: Message received by the worker (#2): second message",
            "main: Message received by the worker (#3): {\"kind\":\"an object\",\"n\":3}",
            "main: all answered",
        ]
    );
}

#[test]
fn modules_import_relative_files_and_errors_exit_non_zero() {
    let dir = scratch("modules");
    std::fs::write(dir.join("lib.mjs"), "export const twice = (x) => x * 2;").unwrap();
    std::fs::write(
        dir.join("main.mjs"),
        "import { twice } from './lib.mjs'; console.log(twice(21), import.meta.url.endsWith('main.mjs'));",
    )
    .unwrap();
    let out = msgport(&["run", dir.join("main.mjs").to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "42 true\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --module treats a .js file as a module.
    std::fs::write(
        dir.join("m.js"),
        "import { twice } from './lib.mjs'; console.log(twice(2));",
    )
    .unwrap();
    let out = msgport(&["run", "--module", dir.join("m.js").to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "4\n");
    std::fs::write(dir.join("bad.mjs"), "import './missing.mjs';").unwrap();
    let out = msgport(&["run", dir.join("bad.mjs").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.mjs"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn msgport_test_reports_each_subtest_and_fails_on_failures() {
    let dir = scratch("wpt");
    std::fs::write(
        dir.join("mixed.any.js"),
        "// META: global=window\ntest(() => {}, 'good');\ntest(() => { assert_true(false, 'no'); }, 'bad');\nasync_test(() => {}, 'hangs');\n",
    )
    .unwrap();
    let file = dir.join("mixed.any.js");
    let out = msgport(&["test", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PASS") && text.contains("> good"), "{text}");
    assert!(
        text.contains("FAIL") && text.contains("> bad: assert_true: no"),
        "{text}"
    );
    assert!(
        text.contains("TIMEOUT") && text.contains("> hangs"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1 passed, 3 failed"), "{text}");
    // The failures are named again just before the count.
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    assert_eq!(tail[4], "failures:", "{text}");
    assert!(
        tail[3].starts_with("FAIL") && tail[3].contains("> bad: assert_true: no"),
        "{text}"
    );
    assert!(
        tail[2].starts_with("TIMEOUT") && tail[2].contains("> hangs"),
        "{text}"
    );
    // Known failures listed with a reason do not fail the run.
    let exp = dir.join("expected.txt");
    std::fs::write(&exp, "mixed.any.js | * | written to fail\n").unwrap();
    let out = msgport(&[
        "test",
        "--expectations",
        exp.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().last(),
        Some("1 passed, 0 failed")
    );
    // --json
    let out = msgport(&["test", "--json", file.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["passed"], 1);
    assert_eq!(doc["failed"], 3);
    assert_eq!(doc["results"][0]["status"], "PASS");
    // A busy loop is stopped by the per-file timeout.
    std::fs::write(
        dir.join("spin.window.js"),
        "test(() => { for (;;) {} }, 'spins');\n",
    )
    .unwrap();
    let out = msgport(&[
        "test",
        "--timeout",
        "0.5",
        dir.join("spin.window.js").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("TIMEOUT"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_script_reads_its_arguments_from_msgport_args() {
    let dir = scratch("args");
    let f = dir.join("args.js");
    std::fs::write(&f, "console.log(JSON.stringify(msgport.args));").unwrap();
    let out = msgport(&["run", f.to_str().unwrap(), "one", "two words", "--flag"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[\"one\",\"two words\",\"--flag\"]\n"
    );
    let out = msgport(&["run", "--module", f.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[]\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_output_stays_json_when_workers_log() {
    // A test's console output, its workers' included, is captured with the
    // test, never mixed into the JSON document.
    let dir = scratch("json-workers");
    let file = dir.join("logs.any.js");
    std::fs::write(
        &file,
        "// META: global=window,dedicatedworker\n\
         test(() => { console.log('in', self.constructor.name); }, 'logs');\n\
         async_test((t) => {\n\
           const w = new Worker(\"data:text/javascript,console.log('nested'); postMessage(1)\");\n\
           w.onmessage = t.step_func_done(() => w.terminate());\n\
         }, 'a worker that logs');\n",
    )
    .unwrap();
    let out = msgport(&["test", "--json", file.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(doc["passed"], 4);
    assert_eq!(doc["failed"], 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn meta_variants_run_the_file_once_each() {
    let dir = scratch("variants");
    let file = dir.join("v.any.js");
    std::fs::write(
        &file,
        "// META: global=window,dedicatedworker\n\
         // META: variant=?a\n\
         // META: variant=?b\n\
         test(() => { assert_true(['?a', '?b'].includes(location.search)); }, 'search ' + location.search);\n",
    )
    .unwrap();
    let out = msgport(&["test", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "[window?a] > search ?a",
        "[window?b] > search ?b",
        "[dedicatedworker?a] > search ?a",
        "[dedicatedworker?b] > search ?b",
    ] {
        assert!(text.contains(want), "{want} missing in:\n{text}");
    }
    assert_eq!(text.lines().last(), Some("4 passed, 0 failed"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_regular_files_load_as_code_and_bytes_decode_as_utf8() {
    // A device is refused at once (it used to be read until memory ran out).
    let out = msgport(&["run", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    let dir = scratch("files");
    let m = dir.join("import-device.mjs");
    std::fs::write(
        &m,
        "await import('file:///dev/zero').then(() => console.log('loaded'), (e) => console.log('refused', /not a regular file/.test(e.message)));",
    )
    .unwrap();
    let out = msgport(&["run", m.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "refused true\n");
    // Invalid UTF-8 becomes U+FFFD; a BOM is dropped.
    let bad = dir.join("latin1.js");
    std::fs::write(&bad, b"\xEF\xBB\xBFconsole.log('caf\xE9')").unwrap();
    let out = msgport(&["run", bad.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "caf\u{FFFD}\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unsettled_top_level_await_exits_13_with_a_message() {
    let dir = scratch("tla");
    let never = dir.join("never.mjs");
    std::fs::write(&never, "await new Promise(() => {}); console.log('after');").unwrap();
    let out = msgport(&["run", never.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(13));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("never settled"));
    let later = dir.join("later.mjs");
    std::fs::write(
        &later,
        "await new Promise((r) => setTimeout(r, 5)); console.log('after');",
    )
    .unwrap();
    let out = msgport(&["run", later.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "after\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn allow_read_confines_what_scripts_may_load() {
    let dir = scratch("allow-read");
    let (inside, outside) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(inside.join("a.mjs"), "export const x = 1;").unwrap();
    std::fs::write(
        outside.join("b.mjs"),
        "export const secret = 'the content';",
    )
    .unwrap();
    std::fs::write(outside.join("w.js"), "postMessage('escaped');").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("b.mjs"), inside.join("link.mjs")).unwrap();
    let main = inside.join("main.mjs");
    std::fs::write(
        &main,
        "import { x } from './a.mjs';
         console.log('inside', x);
         for (const u of ['../out/b.mjs', './link.mjs', './../in/../out/b.mjs']) {
           try { await import(u); console.log('loaded', u); }
           catch (e) { console.log('refused', u, /--allow-read/.test(e.message), e.message.includes('the content')); }
         }
         const w = new Worker('../out/w.js');
         w.onmessage = (e) => console.log(e.data);
         w.onerror = (e) => { console.log('worker refused', e.constructor === Event); };",
    )
    .unwrap();
    let allow = format!("--allow-read={}", inside.display());
    let out = msgport(&["run", &allow, main.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = "inside 1\nrefused ../out/b.mjs true false\n".to_string();
    if cfg!(unix) {
        expected.push_str("refused ./link.mjs true false\n");
    } else {
        expected.push_str("loaded ./link.mjs\n");
    }
    expected.push_str("refused ./../in/../out/b.mjs true false\nworker refused true\n");
    assert_eq!(stdout, expected);
    // A refused worker nobody listens to: the reason is printed, naming the flag.
    let lone = inside.join("lone.js");
    std::fs::write(&lone, "new Worker('../out/w.js');").unwrap();
    let out = msgport(&["run", &allow, lone.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-read"));
    // Without the flag, everything loads.
    let out = msgport(&["run", main.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("escaped"));
    // A directory that does not exist is an error.
    let out = msgport(&["run", "--allow-read=/no/such/dir", main.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn msgport_test_ends_a_file_when_its_harness_completes() {
    let dir = scratch("wpt-end");
    // A timer, an interval and a worker left behind by a passing file.
    std::fs::write(
        dir.join("leftovers.window.js"),
        "setTimeout(() => {}, 60000);\nsetInterval(() => {}, 1000);\nnew Worker('data:text/javascript,setInterval(() => {}, 1000)');\ntest(() => {}, 'passes');\n",
    )
    .unwrap();
    let t0 = std::time::Instant::now();
    let out = msgport(&["test", "--timeout", "30", dir.to_str().unwrap()]);
    let took = t0.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 0 failed"), "{text}");
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn msgport_test_resolves_absolute_paths_against_the_web_root() {
    let root = scratch("wpt-root");
    std::fs::create_dir_all(root.join("resources")).unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("resources/helper.js"),
        "self.helper = 'from the root';",
    )
    .unwrap();
    std::fs::write(root.join("resources/answer.js"), "postMessage(42);").unwrap();
    std::fs::write(root.join("resources/m.mjs"), "export default 'module';").unwrap();
    std::fs::write(
        root.join("sub/abs.worker.js"),
        "importScripts('/resources/helper.js');\ntest(() => assert_equals(self.helper, 'from the root'), 'importScripts');\n",
    )
    .unwrap();
    std::fs::write(
        root.join("sub/abs.window.js"),
        "// META: script=/resources/helper.js\n\
         test(() => assert_equals(self.helper, 'from the root'), 'META script');\n\
         async_test((t) => { const w = new Worker('/resources/answer.js'); w.onmessage = t.step_func_done((e) => { assert_equals(e.data, 42); w.terminate(); }); }, 'worker');\n\
         promise_test(async () => { assert_equals((await import('/resources/m.mjs')).default, 'module'); }, 'import');\n",
    )
    .unwrap();
    let wpt_root = format!("--wpt-root={}", root.display());
    let out = msgport(&["test", &wpt_root, root.join("sub").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.lines().last(), Some("4 passed, 0 failed"), "{text}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn msgport_test_lists_subtests_in_definition_order() {
    let dir = scratch("wpt-order");
    std::fs::write(
        dir.join("order.window.js"),
        "promise_test(async () => { await new Promise((r) => setTimeout(r, 30)); }, 'z defined first, done last');\n\
         test(() => {}, 'm second');\n\
         async_test((t) => { setTimeout(t.step_func_done(), 5); }, 'a third');\n",
    )
    .unwrap();
    let out = msgport(&["test", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text.lines().filter_map(|l| l.split("> ").nth(1)).collect();
    assert_eq!(
        names,
        ["z defined first, done last", "m second", "a third"],
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn msgport_test_ends_quietly_when_its_reader_goes_away() {
    use std::io::Read;
    let dir = scratch("wpt-pipe");
    // Far more output than a pipe holds.
    for i in 0..10 {
        std::fs::write(
            dir.join(format!("t{i}.window.js")),
            "for (let i = 0; i < 1000; i++) test(() => {}, 'subtest ' + i);\n",
        )
        .unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(["test", dir.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then closed, as `| head` does
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bare_specifiers_resolve_through_node_modules_and_js_files_with_imports_are_modules() {
    let dir = scratch("packages");
    let pkg = dir.join("node_modules/@demo/greeter");
    std::fs::create_dir_all(pkg.join("dist")).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name": "@demo/greeter", "exports": {".": {"require": "./dist/index.cjs", "import": "./dist/index.mjs"}, "./extra": "./dist/extra.mjs"}}"#,
    )
    .unwrap();
    std::fs::write(
        pkg.join("dist/index.mjs"),
        "export const greet = (n) => `hello ${n}`;",
    )
    .unwrap();
    std::fs::write(pkg.join("dist/extra.mjs"), "export default 'extra';").unwrap();
    std::fs::create_dir_all(dir.join("src/deep")).unwrap();
    // A `.js` file with imports runs as a module; a worker imports too.
    std::fs::write(
        dir.join("src/deep/main.js"),
        "import { greet } from '@demo/greeter';\nimport extra from '@demo/greeter/extra';\nconsole.log(greet('world'), extra);\nconst w = new Worker(new URL('./w.mjs', import.meta.url), { type: 'module' });\nw.onmessage = (e) => { console.log(e.data); w.terminate(); };\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/deep/w.mjs"),
        "import { greet } from '@demo/greeter';\npostMessage(greet('worker'));\n",
    )
    .unwrap();
    let out = msgport(&["run", dir.join("src/deep/main.js").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello world extra\nhello worker\n"
    );
    // An unknown package is an error that names it.
    std::fs::write(dir.join("bad.mjs"), "import 'no-such-package';").unwrap();
    let out = msgport(&["run", dir.join("bad.mjs").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot find package \"no-such-package\"")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn msgport_test_skips_html_pages_that_are_not_tests() {
    let dir = scratch("wpt-html");
    std::fs::write(
        dir.join("helper.html"),
        "<!doctype html><script>parent.postMessage('hi', '*');</script>",
    )
    .unwrap();
    std::fs::write(
        dir.join("real.html"),
        "<!doctype html><script src=/resources/testharness.js></script><script src=/resources/testharnessreport.js></script><script>test(() => {}, 'runs');</script>",
    )
    .unwrap();
    let out = msgport(&["test", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 0 failed"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("helper.html: not a test"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_crashes_is_its_own_failure_and_the_others_still_run() {
    let dir = scratch("wpt-crash");
    for name in ["a.window.js", "b-crashes.window.js", "c.window.js"] {
        std::fs::write(dir.join(name), "test(() => {}, 'runs');\n").unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(["test", dir.to_str().unwrap()])
        .env("MSGPORT_TEST_ABORT", "b-crashes.window.js")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL") && text.contains("b-crashes.window.js [*] > (crash)"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("2 passed, 1 failed"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn imports_that_cannot_be_resolved_or_fetched_are_type_errors() {
    // HTML #resolve-a-module-specifier and #fetch-a-single-module-script:
    // both fail with a TypeError, for `import()` as for a static import.
    let dir = scratch("import-errors");
    std::fs::write(
        dir.join("dynamic.mjs"),
        "for (const s of ['nope', './missing.mjs']) {\n\
           try { await import(s); } catch (e) { console.log(e.constructor.name, e.message.includes(s.replace('./', ''))); }\n\
         }\n",
    )
    .unwrap();
    let out = msgport(&["run", dir.join("dynamic.mjs").to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "TypeError true\nTypeError true\n"
    );
    for (file, import) in [("bare.mjs", "nope"), ("missing.mjs", "./gone.mjs")] {
        std::fs::write(dir.join(file), format!("import x from '{import}';\n")).unwrap();
        let out = msgport(&["run", dir.join(file).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Uncaught TypeError"), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn import_meta_resolve_resolves_as_an_import_would() {
    let dir = scratch("meta-resolve");
    let pkg = dir.join("node_modules/tiny");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        r#"{"exports": {"import": "./t.mjs"}}"#,
    )
    .unwrap();
    std::fs::write(pkg.join("t.mjs"), "export default 1;").unwrap();
    std::fs::write(
        dir.join("m.mjs"),
        "console.log(import.meta.resolve('./x.js') === new URL('./x.js', import.meta.url).href);\n\
         console.log(import.meta.resolve('tiny').endsWith('/node_modules/tiny/t.mjs'));\n\
         try { import.meta.resolve('nope'); } catch (e) { console.log(e instanceof TypeError, e.message.includes('nope')); }\n",
    )
    .unwrap();
    let out = msgport(&["run", dir.join("m.mjs").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "true\ntrue\ntrue true\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_import_map_maps_specifiers_for_the_runs_modules() {
    let dir = scratch("import-map");
    std::fs::create_dir_all(dir.join("vendor")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("vendor/lib.mjs"), "export default 'mapped';").unwrap();
    std::fs::write(
        dir.join("map.json"),
        r#"{"imports": {"mylib": "./vendor/lib.mjs", "utils/": "./vendor/"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.mjs"),
        "import v from 'mylib';\nimport w from 'utils/lib.mjs';\nconsole.log(v, w);\nconst wk = new Worker(new URL('./w.mjs', import.meta.url), { type: 'module' });\nwk.onmessage = (e) => { console.log(e.data); wk.terminate(); };\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/w.mjs"),
        "import v from 'mylib';\npostMessage('worker ' + v);\n",
    )
    .unwrap();
    let map = format!("--import-map={}", dir.join("map.json").display());
    let out = msgport(&["run", &map, dir.join("src/main.mjs").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "mapped mapped\nworker mapped\n"
    );
    std::fs::write(dir.join("bad.json"), "not json").unwrap();
    let bad = format!("--import-map={}", dir.join("bad.json").display());
    let out = msgport(&["run", &bad, dir.join("src/main.mjs").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `terminate()` of a worker inside a long native call: the engine stops
/// it only at its next poll (up to 10,000 calls or loop iterations later,
/// here minutes of string searching), but the run does not wait for that:
/// the worker and the workers it started no longer count, and its thread
/// is left behind at exit.
#[test]
fn a_terminated_worker_in_a_long_native_call_does_not_hold_the_run() {
    let dir = scratch("terminate-native");
    std::fs::write(
        dir.join("busy.js"),
        "new Worker('./ticker.js');\nconst big = 'x'.repeat(4 << 20);\npostMessage('busy');\nfor (;;) big.indexOf('y');\n",
    )
    .unwrap();
    // A nested worker whose interval would keep the run going: it goes
    // with the worker that started it.
    std::fs::write(dir.join("ticker.js"), "setInterval(() => {}, 10);\n").unwrap();
    std::fs::write(
        dir.join("main.js"),
        "const w = new Worker('./busy.js');\n\
         w.onmessage = () => setTimeout(() => { w.terminate(); console.log('terminated'); }, 50);\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(["run", dir.join("main.js").to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Without the fix the run waits for the worker's thread: minutes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run did not end within 20 s of the worker's terminate()");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "terminated\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A web root given relative to the current directory, the WPT server's
/// alias for `/resources/WebIDLParser.js`, and a helper page that is not
/// UTF-8 (skipped as a helper, not a crash), as wptrunner runs them.
#[test]
fn msgport_test_takes_a_relative_web_root_its_aliases_and_pages_in_other_encodings() {
    let root = scratch("wpt-relative");
    std::fs::create_dir_all(root.join("resources/webidl2/lib")).unwrap();
    std::fs::create_dir_all(root.join("enc")).unwrap();
    std::fs::write(
        root.join("resources/webidl2/lib/webidl2.js"),
        "self.parserLoaded = true;",
    )
    .unwrap();
    std::fs::write(
        root.join("enc/alias.any.js"),
        "// META: script=/resources/WebIDLParser.js\n\
         test(() => assert_true(self.parserLoaded), 'the alias loads');\n",
    )
    .unwrap();
    // A Shift_JIS page of characters, as encoding/'s helper pages are.
    std::fs::write(
        root.join("enc/chars.html"),
        b"<meta charset=shift_jis>\x82\xa0\x82\xa2\xff",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_msgport"))
        .current_dir(root.parent().unwrap())
        .args([
            "test",
            "--wpt-root",
            root.file_name().unwrap().to_str().unwrap(),
            &format!("{}/enc", root.file_name().unwrap().to_str().unwrap()),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}{err}");
    assert_eq!(
        text.lines().last(),
        Some("2 passed, 0 failed"),
        "{text}{err}"
    );
    assert!(err.contains("chars.html: not a test"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// `msgport test` serves its web root from http://web-platform.test:8000,
/// as wptrunner serves WPT: `location`, origins and paths are a web
/// server's, and every load from that origin reads the root's files; any
/// other http URL is not fetched (there is no network).
#[test]
fn msgport_test_serves_the_web_root_from_an_http_origin() {
    let root = scratch("wpt-origin");
    std::fs::create_dir_all(root.join("resources")).unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/data.txt"), "served").unwrap();
    std::fs::write(
        root.join("sub/where.js"),
        "postMessage([location.origin, location.pathname]);",
    )
    .unwrap();
    std::fs::write(
        root.join("sub/origin.window.js"),
        "test(() => {\n\
           assert_equals(location.origin, 'http://web-platform.test:8000');\n\
           assert_equals(location.pathname, '/sub/origin.window.js');\n\
           assert_equals(self.origin, location.origin);\n\
         }, 'location');\n\
         promise_test(async (t) => {\n\
           assert_equals(await (await fetch('data.txt')).text(), 'served');\n\
           assert_equals(await (await fetch('/sub/data.txt')).text(), 'served');\n\
           await promise_rejects_js(t, TypeError, fetch('http://example.com/'));\n\
         }, 'fetch');\n\
         promise_test(async () => {\n\
           const w = new Worker('where.js');\n\
           const [origin, path] = await new Promise((r) => { w.onmessage = (e) => r(e.data); });\n\
           assert_equals(origin, 'http://web-platform.test:8000');\n\
           assert_equals(path, '/sub/where.js');\n\
           const e = await new Promise((r) => { addEventListener('message', r, { once: true }); postMessage('x', location.origin); });\n\
           assert_equals(e.origin, 'http://web-platform.test:8000', 'window messages carry the origin');\n\
         }, 'workers and window messages');\n",
    )
    .unwrap();
    let wpt_root = format!("--wpt-root={}", root.display());
    let out = msgport(&["test", &wpt_root, root.join("sub").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.lines().last(), Some("3 passed, 0 failed"), "{text}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// `msgport test name.any.js` from the test's own directory: a bare file
/// name's directory is the current one (its parent is the empty path,
/// which made every URL of the run relative, and the harness unreadable).
#[test]
fn msgport_test_takes_a_bare_file_name_in_the_current_directory() {
    let dir = scratch("bare-name");
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    std::fs::write(
        dir.join("here.any.js"),
        "test(() => assert_equals(location.pathname, '/here.any.js'), 'served from the root');",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(["test", "here.any.js"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().last(), Some("2 passed, 0 failed"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
