//! `msgport run` as a user runs it.

use std::process::Command;

fn msgport(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(args)
        .output()
        .unwrap()
}

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
