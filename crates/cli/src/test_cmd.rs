//! `msgport test <files or dirs>`: runs testharness.js tests (WPT layout).
//!
//! * Files: `*.any.js` (scopes from `// META: global=`, default window and
//!   dedicatedworker, sharedworker), `*.window.js`, `*.worker.js`, and `*.html`/`*.htm`
//!   (their `<script>` tags, inline and `src`). A file named on the command
//!   line runs whatever its name.
//! * `// META: script=` (relative to the test, or absolute under the WPT
//!   root), `global=`, `timeout=long`, `variant=` (one run per variant,
//!   with the variant as the URL's query).
//! * Output: one line per subtest, then `N passed, N failed` alone on the
//!   last line; exit status 1 if anything unexpected failed. `--json`
//!   prints the same as JSON.
//! * `--expectations FILE`: known failures, one per line,
//!   `path-suffix | subtest name (or *) | reason`; `#` starts a comment.

/// `println!` that ends the command quietly when stdout is closed (the
/// reader went away: `msgport test --json … | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, $($arg)*).and_then(|()| out.flush()) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

use msgport_js::wpt::{self, Outcome, Scope, Status, Subtest};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of `msgport test`.
pub struct TestOptions {
    pub paths: Vec<PathBuf>,
    pub wpt_root: Option<PathBuf>,
    pub harness: Option<PathBuf>,
    pub json: bool,
    pub expectations: Option<PathBuf>,
    pub timeout: Duration,
    /// Run every file in this process (a child of an isolated run does).
    pub in_process: bool,
}

struct Expectation {
    file: String,
    subtest: String,
    reason: String,
    used: std::cell::Cell<bool>,
}

fn parse_expectations(text: &str) -> Result<Vec<Expectation>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // A comment is a whole line (subtest names may hold `#`); the
        // path ends at the first `|`, the reason starts after the last
        // (subtest names may hold `|`).
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = match (line.find('|'), line.rfind('|')) {
            (Some(a), Some(b)) if a < b => vec![&line[..a], &line[a + 1..b], &line[b + 1..]],
            _ => vec![line],
        }
        .into_iter()
        .map(str::trim)
        .collect();
        if parts.len() != 3 || parts[2].is_empty() {
            return Err(format!(
                "expectations line {}: want `path | subtest | reason`, got `{line}`",
                n + 1
            ));
        }
        out.push(Expectation {
            file: parts[0].to_string(),
            subtest: parts[1].to_string(),
            reason: parts[2].to_string(),
            used: std::cell::Cell::new(false),
        });
    }
    Ok(out)
}

/// The test files under `paths`.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    fn is_test(p: &Path) -> bool {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.ends_with(".any.js")
            || name.ends_with(".window.js")
            || name.ends_with(".worker.js")
            || name.ends_with(".html")
            || name.ends_with(".htm")
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                if !matches!(name, "resources" | "node_modules" | "support" | "common")
                    && !name.starts_with('.')
                {
                    walk(&p, out)?;
                }
            } else if is_test(&p) {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("no such file or directory: {}", p.display()));
        }
    }
    Ok(out)
}

/// The `// META: key=value` lines at the top of a test.
fn meta(source: &str) -> Vec<(String, String)> {
    source
        .lines()
        .map(str::trim)
        .take_while(|l| l.starts_with("//") || l.is_empty())
        .filter_map(|l| l.strip_prefix("//")?.trim().strip_prefix("META:"))
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn scopes_of(file: &Path, meta: &[(String, String)]) -> (Vec<Scope>, Vec<String>) {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".window.js") || name.ends_with(".html") || name.ends_with(".htm") {
        return (vec![Scope::Window], vec![]);
    }
    if name.ends_with(".worker.js") {
        return (vec![Scope::DedicatedWorker], vec![]);
    }
    let globals: Vec<&str> = meta
        .iter()
        .filter(|(k, _)| k == "global")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    if globals.is_empty() {
        return (vec![Scope::Window, Scope::DedicatedWorker], vec![]);
    }
    let (mut scopes, mut skipped) = (Vec::new(), Vec::new());
    for g in globals {
        let s: &[Scope] = match g {
            "window" | "jsshell" | "shell" => &[Scope::Window],
            "dedicatedworker" | "dedicatedworker-module" => &[Scope::DedicatedWorker],
            "sharedworker" | "sharedworker-module" => &[Scope::SharedWorker],
            // WPT's "worker": every kind of worker (service workers are not supported).
            "worker" => {
                skipped.push("serviceworker".to_string());
                &[Scope::DedicatedWorker, Scope::SharedWorker]
            }
            other => {
                skipped.push(other.to_string());
                &[]
            }
        };
        for s in s {
            if !scopes.contains(s) {
                scopes.push(*s);
            }
        }
    }
    (scopes, skipped)
}

/// The WPT root of a test: the nearest ancestor with a `resources/` or
/// `common/` directory, else the test's own directory.
fn default_root(file: &Path) -> PathBuf {
    // A bare file name's parent is the empty path, which names no
    // directory to canonicalize: it is the current one.
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut d = Some(dir.as_path());
    while let Some(p) = d {
        if p.join("resources").is_dir() || p.join("common").is_dir() {
            return p.to_path_buf();
        }
        d = p.parent();
    }
    dir
}

/// Finds testharness.js: `--harness`, `$MSGPORT_TESTHARNESS`, the WPT
/// root's `resources/testharness.js`, or the copy the project's setup
/// installs (`tests/wpt/node_modules/wpt-runner`).
fn find_harness(opts: &TestOptions, root: &Path) -> Result<PathBuf, String> {
    if let Some(h) = &opts.harness {
        return Ok(h.clone());
    }
    if let Some(h) = std::env::var_os("MSGPORT_TESTHARNESS") {
        return Ok(PathBuf::from(h));
    }
    let in_root = root.join("resources/testharness.js");
    if in_root.is_file() {
        return Ok(in_root);
    }
    let rel = Path::new("tests/wpt/node_modules/wpt-runner/testharness/testharness.js");
    let mut starts = vec![std::env::current_dir().unwrap_or_default()];
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    for s in starts {
        let mut d = Some(s.as_path());
        while let Some(p) = d {
            if p.join(rel).is_file() {
                return Ok(p.join(rel));
            }
            d = p.parent();
        }
    }
    Err("testharness.js not found: run `bash scripts/setup.sh` (it installs the pinned wpt-runner package), or pass --harness".into())
}

fn file_url(p: &Path) -> String {
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    url::Url::from_file_path(&abs)
        .map_or_else(|_| format!("file://{}", abs.display()), |u| u.to_string())
}

/// The URL a file is served at: under the web root, the root's origin
/// (`http://web-platform.test:8000/…`, as wptrunner serves WPT, so that
/// `location`, origins and paths are what the tests expect); elsewhere (a
/// harness outside the root), its `file:` URL.
fn web_url(p: &Path, root: &Path) -> String {
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match abs.strip_prefix(root) {
        Ok(rel) => match url::Url::from_file_path(Path::new("/").join(rel)) {
            Ok(u) => format!("{}{}", msgport_js::wpt::WEB_ORIGIN, u.path()),
            Err(()) => file_url(p),
        },
        Err(_) => file_url(p),
    }
}

/// A script of a test: a URL, or inline source (from an HTML file).
fn resolve(src: &str, file: &Path, root: &Path) -> Option<String> {
    if src.ends_with("/resources/testharness.js")
        || src.ends_with("/resources/testharnessreport.js")
        || src == "testharness.js"
        || src == "testharnessreport.js"
    {
        return None;
    }
    let path = match src.strip_prefix('/') {
        Some(abs) => root.join(abs),
        None => file.parent().unwrap_or(Path::new(".")).join(src),
    };
    Some(web_url(&path, root))
}

/// `<script>` tags of an HTML file: `Ok(url)` for `src`, `Err(source)` for inline.
fn html_scripts(html: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find("<script") {
        let start = at + i;
        let Some(tag_end) = lower[start..].find('>').map(|j| start + j) else {
            break;
        };
        let tag = &html[start..tag_end];
        let body_end = lower[tag_end..]
            .find("</script")
            .map_or(html.len(), |j| tag_end + j);
        let src = attr(tag, "src");
        match src {
            Some(s) => out.push(Ok(s)),
            None => out.push(Err(html[tag_end + 1..body_end].to_string())),
        }
        at = body_end.min(html.len());
        if at >= html.len() {
            break;
        }
        at += 1;
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let k = from + i;
        let before_ok = k > 0 && lower.as_bytes()[k - 1].is_ascii_whitespace();
        let rest = tag[k + name.len()..].trim_start();
        if before_ok {
            if let Some(v) = rest.strip_prefix('=') {
                let v = v.trim_start();
                let val = if let Some(q) = v.strip_prefix('"') {
                    q.split('"').next()
                } else if let Some(q) = v.strip_prefix('\'') {
                    q.split('\'').next()
                } else {
                    v.split(|c: char| c.is_ascii_whitespace() || c == '>')
                        .next()
                };
                return val.map(str::to_string);
            }
        }
        from = k + name.len();
    }
    None
}

#[derive(Clone)]
struct Line {
    file: String,
    scope: String,
    sub: Subtest,
    expected: Option<String>,
}

/// A result line, with the expectation that covers it (if any).
fn line_for(expectations: &[Expectation], shown: &str, scope: String, sub: Subtest) -> Line {
    let expected = expectations
        .iter()
        .find(|e| {
            // (A line cannot hold a name's line breaks: they are spaces there.)
            shown.ends_with(&e.file)
                && (e.subtest == "*"
                    || e.subtest == sub.name
                    || (sub.name.contains('\n') && e.subtest == sub.name.replace('\n', " ")))
        })
        .map(|e| {
            e.used.set(true);
            e.reason.clone()
        });
    Line {
        file: shown.to_string(),
        scope,
        sub,
        expected,
    }
}

/// Runs `msgport test`; returns the exit code.
pub fn run(opts: TestOptions) -> i32 {
    let expectations = match &opts.expectations {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
            .and_then(|t| parse_expectations(&t))
        {
            Ok(e) => e,
            Err(e) => {
                eprintln!("msgport test: {e}");
                return 2;
            }
        },
        None => Vec::new(),
    };
    let files = match discover(&opts.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("msgport test: {e}");
            return 2;
        }
    };
    if files.is_empty() {
        eprintln!("msgport test: no test files found");
        return 2;
    }
    let mut lines: Vec<Line> = Vec::new();
    for file in &files {
        let shown = file.display().to_string();
        if !opts.in_process {
            // Each file in a process of its own: a file that crashes the
            // runtime is reported as that file's failure, and the rest run.
            let start = lines.len();
            for (scope, sub) in crate::isolate::run_file(&opts, file) {
                lines.push(line_for(&expectations, &shown, scope, sub));
            }
            if !opts.json {
                print_lines(&lines[start..]);
            }
            continue;
        }
        // Fault injection for the isolation's own test: the file named by
        // MSGPORT_TEST_ABORT (a path suffix) aborts its process.
        if std::env::var_os("MSGPORT_TEST_ABORT")
            .is_some_and(|v| shown.ends_with(&*v.to_string_lossy()))
        {
            std::process::abort();
        }
        let root = opts.wpt_root.clone().unwrap_or_else(|| default_root(file));
        // Absolute, so that the URLs made from it are (`--wpt-root` may be
        // relative to the current directory).
        let root = root.canonicalize().unwrap_or(root);
        let harness = match find_harness(&opts, &root) {
            Ok(h) => web_url(&h, &root),
            Err(e) => {
                eprintln!("msgport test: {e}");
                return 2;
            }
        };
        // Bytes that are not UTF-8 (a helper page in a legacy encoding)
        // read as U+FFFD, as a page whose charset is not known would.
        let source = match std::fs::read(file) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                eprintln!("msgport test: cannot read {shown}: {e}");
                return 2;
            }
        };
        let is_html = shown.ends_with(".html") || shown.ends_with(".htm");
        // A page that does not load testharness.js is a helper (an
        // iframe's or a popup's document), not a test: wptrunner does not
        // run it either.
        if is_html
            && !html_scripts(&source)
                .iter()
                .any(|s| matches!(s, Ok(src) if src.ends_with("testharness.js")))
        {
            eprintln!(
                "msgport test: {shown}: not a test (it does not load testharness.js); skipped"
            );
            continue;
        }
        let (meta, scripts): (Vec<(String, String)>, Vec<wpt::Script>) = if is_html {
            let scripts = html_scripts(&source)
                .into_iter()
                .filter_map(|s| match s {
                    Ok(src) => resolve(&src, file, &root).map(wpt::Script::Url),
                    Err(inline) => Some(wpt::Script::Inline {
                        name: format!("{} (inline)", web_url(file, &root)),
                        source: inline,
                    }),
                })
                .collect();
            (Vec::new(), scripts)
        } else {
            let meta = meta(&source);
            let mut scripts: Vec<wpt::Script> = meta
                .iter()
                .filter(|(k, _)| k == "script")
                .filter_map(|(_, v)| resolve(v, file, &root))
                .map(wpt::Script::Url)
                .collect();
            scripts.push(wpt::Script::Url(web_url(file, &root)));
            (meta, scripts)
        };
        let long = meta.iter().any(|(k, v)| k == "timeout" && v == "long");
        let timeout = if long { opts.timeout * 6 } else { opts.timeout };
        let (scopes, skipped) = scopes_of(file, &meta);
        for g in skipped {
            eprintln!("msgport test: {shown}: global={g} is not available in this host; skipped");
        }
        // `// META: variant=?…`: the file runs once per variant, with that
        // query in its URL (`location.search`), as wptrunner runs it.
        let mut variants: Vec<&str> = meta
            .iter()
            .filter(|(k, _)| k == "variant")
            .map(|(_, v)| v.as_str())
            .collect();
        if variants.is_empty() {
            variants.push("");
        }
        for (scope, variant) in scopes
            .iter()
            .flat_map(|s| variants.iter().map(move |v| (*s, *v)))
        {
            let url = format!("{}{variant}", web_url(file, &root));
            let outcome: Outcome =
                wpt::run_test(&harness, &url, Some(&root), &scripts, scope, timeout);
            let mut any_bad = false;
            for sub in outcome.subtests.iter().chain(outcome.harness.iter()) {
                let line = line_for(
                    &expectations,
                    &shown,
                    format!("{}{variant}", scope.name()),
                    sub.clone(),
                );
                let bad = !matches!(sub.status, Status::Pass | Status::PreconditionFailed);
                any_bad |= bad && line.expected.is_none();
                lines.push(line);
            }
            if any_bad && !opts.json {
                for (what, text) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
                    if !text.trim().is_empty() {
                        for l in text.trim_end().lines() {
                            say!("    | {what}: {l}");
                        }
                    }
                }
            }
            if !opts.json {
                print_lines(
                    &lines[lines.len() - outcome.subtests.len() - outcome.harness.iter().count()..],
                );
            }
        }
    }
    let passed = lines
        .iter()
        .filter(|l| matches!(l.sub.status, Status::Pass))
        .count();
    let failed = lines
        .iter()
        .filter(|l| {
            !matches!(l.sub.status, Status::Pass | Status::PreconditionFailed)
                && l.expected.is_none()
        })
        .count();
    let expected_failures = lines
        .iter()
        .filter(|l| {
            !matches!(l.sub.status, Status::Pass | Status::PreconditionFailed)
                && l.expected.is_some()
        })
        .count();
    if opts.json {
        let results: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "file": l.file, "scope": l.scope, "name": l.sub.name,
                    "status": l.sub.status.word(), "message": l.sub.message,
                    "expected_failure": l.expected,
                })
            })
            .collect();
        let doc = serde_json::json!({ "results": results, "passed": passed, "failed": failed, "expected_failures": expected_failures });
        say!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        for e in expectations.iter().filter(|e| !e.used.get()) {
            say!(
                "note: expectation `{} | {}` matched nothing",
                e.file,
                e.subtest
            );
        }
        if expected_failures > 0 {
            say!("{expected_failures} expected failures (see the expectations file)");
        }
        // The failures once more, next to the count: a log's tail (a CI
        // excerpt) then names them.
        let unexpected: Vec<Line> = lines
            .iter()
            .filter(|l| {
                !matches!(l.sub.status, Status::Pass | Status::PreconditionFailed)
                    && l.expected.is_none()
            })
            .cloned()
            .collect();
        if !unexpected.is_empty() {
            say!("failures:");
            print_lines(&unexpected);
        }
        say!("{passed} passed, {failed} failed");
    }
    i32::from(failed > 0)
}

fn print_lines(lines: &[Line]) {
    for l in lines {
        let mut text = format!(
            "{} {} [{}] > {}",
            l.sub.status.word(),
            l.file,
            l.scope,
            l.sub.name
        );
        if l.sub.status == Status::Pass {
            if let Some(r) = &l.expected {
                text.push_str(&format!(
                    " (passes, but is listed as an expected failure: {r})"
                ));
            }
        } else {
            if !l.sub.message.is_empty() {
                text.push_str(&format!(": {}", l.sub.message.replace('\n', " ")));
            }
            if let Some(r) = &l.expected {
                text.push_str(&format!(" (expected failure: {r})"));
            }
        }
        say!("{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_lines() {
        let m = meta("// META: global=window,worker\n// META: script=/common/a.js\n// META: timeout=long\n\ntest(()=>{});\n// META: script=late.js");
        assert_eq!(
            m,
            vec![
                ("global".to_string(), "window,worker".to_string()),
                ("script".to_string(), "/common/a.js".to_string()),
                ("timeout".to_string(), "long".to_string()),
            ]
        );
    }

    #[test]
    fn scopes() {
        let (s, skipped) = scopes_of(
            Path::new("a.any.js"),
            &[("global".into(), "window,sharedworker,serviceworker".into())],
        );
        assert_eq!(s, vec![Scope::Window, Scope::SharedWorker]);
        assert_eq!(skipped, vec!["serviceworker".to_string()]);
        let (s, skipped) = scopes_of(
            Path::new("a.any.js"),
            &[("global".into(), "window,worker".into())],
        );
        assert_eq!(
            s,
            vec![Scope::Window, Scope::DedicatedWorker, Scope::SharedWorker]
        );
        assert_eq!(skipped, vec!["serviceworker".to_string()]);
        assert_eq!(
            scopes_of(Path::new("a.any.js"), &[]).0,
            vec![Scope::Window, Scope::DedicatedWorker]
        );
        assert_eq!(
            scopes_of(Path::new("a.worker.js"), &[]).0,
            vec![Scope::DedicatedWorker]
        );
    }

    #[test]
    fn html_script_tags() {
        let s = html_scripts("<title>x</title><script src=\"/resources/testharness.js\"></script>\n<SCRIPT src='helper.js'></SCRIPT><script>\ntest(() => {});\n</script>");
        assert_eq!(s[0], Ok("/resources/testharness.js".to_string()));
        assert_eq!(s[1], Ok("helper.js".to_string()));
        assert_eq!(s[2], Err("\ntest(() => {});\n".to_string()));
    }

    #[test]
    fn expectations_need_a_reason() {
        assert!(parse_expectations("a.any.js | sub | because\n# comment\n").is_ok());
        assert!(parse_expectations("a.any.js | sub").is_err());
        // Subtest names may hold `#` and `|`.
        let e = parse_expectations("a.html | querySelector(\"#x\") a|b | why\n").unwrap();
        assert_eq!(e[0].subtest, "querySelector(\"#x\") a|b");
        assert_eq!(e[0].reason, "why");
    }
}
