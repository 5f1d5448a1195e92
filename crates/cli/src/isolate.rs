//! `msgport test` runs each file in a process of its own (this binary,
//! with the hidden `--in-process --json`), so that a file that crashes the
//! runtime (an abort, a signal, memory exhausted) is reported as that
//! file's failure and the files after it still run.

use crate::test_cmd::TestOptions;
use msgport_js::wpt::{Status, Subtest};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The results of `file`, each with its scope: the child's, or one
/// `(crash)` failure if the child did not finish with results.
pub(crate) fn run_file(opts: &TestOptions, file: &Path) -> Vec<(String, Subtest)> {
    let mut cmd = Command::new(std::env::current_exe().unwrap_or_else(|_| "msgport".into()));
    cmd.args(["test", "--in-process", "--json", "--timeout"])
        .arg(opts.timeout.as_secs_f64().to_string());
    if let Some(r) = &opts.wpt_root {
        cmd.arg("--wpt-root").arg(r);
    }
    if let Some(h) = &opts.harness {
        cmd.arg("--harness").arg(h);
    }
    cmd.arg(file).stdout(Stdio::piped()).stderr(Stdio::piped());
    let crash = |why: String| vec![("*".to_string(), crashed(why))];
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return crash(format!("cannot start a process for it: {e}")),
    };
    // The child's own watchdog ends a file in time; this one ends a child
    // stuck where no script runs (every scope and variant may take the
    // file's timeout, and `timeout=long` six times that).
    let limit = opts.timeout * 6 * 8 + Duration::from_secs(30);
    let output = match wait_with_limit(child, limit) {
        Ok(o) => o,
        Err(why) => return crash(why),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The child's notes (a skipped file or scope) are the run's.
    for note in stderr.lines().filter(|l| l.starts_with("msgport test: ")) {
        eprintln!("{note}");
    }
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&output.stdout).ok();
    let results = parsed
        .as_ref()
        .and_then(|v| v.get("results"))
        .and_then(|r| r.as_array());
    match results {
        Some(list) if output.status.code().is_some() => list
            .iter()
            .filter_map(|r| {
                let text = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                Some((
                    text("scope"),
                    Subtest {
                        name: text("name"),
                        status: Status::from_word(&text("status"))?,
                        message: text("message"),
                    },
                ))
            })
            .collect(),
        _ => {
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            crash(format!(
                "the runtime did not finish it ({}): {}",
                output.status,
                tail.join(" | ")
            ))
        }
    }
}

/// A file's `(crash)` failure.
fn crashed(message: String) -> Subtest {
    Subtest {
        name: "(crash)".into(),
        status: Status::Fail,
        message,
    }
}

/// Waits for `child`, reading its output, and kills it after `limit`.
fn wait_with_limit(
    mut child: std::process::Child,
    limit: Duration,
) -> Result<std::process::Output, String> {
    use std::io::Read;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        if let Some(s) = out.as_mut() {
            let _ = s.read_to_end(&mut o);
        }
        o
    });
    let err_reader = std::thread::spawn(move || {
        let mut e = Vec::new();
        if let Some(s) = err.as_mut() {
            let _ = s.read_to_end(&mut e);
        }
        e
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("it ran past {} s and was killed", limit.as_secs()));
            }
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    };
    Ok(std::process::Output {
        status,
        stdout: reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}
