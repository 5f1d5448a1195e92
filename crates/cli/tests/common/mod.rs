//! Helpers of the command's integration tests.
#![allow(dead_code)]

use std::process::Command;

/// Runs the `msgport` binary with `args`.
pub fn msgport(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(args)
        .output()
        .unwrap()
}

/// A fresh directory of this test process.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("msgport-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `files` (path relative to `dir`, text), making directories.
pub fn write_tree(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Runs `msgport run <script>` and returns its stdout; fails the test,
/// with both outputs, if the run fails.
pub fn run_ok(script: &std::path::Path) -> String {
    let out = msgport(&["run", script.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
