//! The layout's Architecture Invariants (ARCHITECTURE.md), checked:
//! - only the engine layer of msgport-js (`src/engine/`) touches raw
//!   QuickJS (`qjs::`, raw handles) or writes `unsafe`; every other module
//!   of msgport-js forbids unsafe code, and so do the `msgport` and
//!   `msgport-cli` crates;
//! - the folders are layered: `engine/` imports nothing from the rest of
//!   the crate, `clone/` only from `engine/`;
//! - no source file is over 800 lines, no function over 160.

use std::path::Path;

/// Words that only the engine layer may write.
const RAW: &[&str] = &["unsafe", "qjs::", "as_raw(", "from_raw("];

/// The code of a file: its lines but comments and crate attributes (the
/// attribute that forbids or denies a thing is not a use of it).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("//") && !l.starts_with("#![")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sources(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// Every source file of msgport-js, by its path under `src/`.
fn js_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: Vec<(String, String)> = sources(&src)
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(
        out.iter().any(|(rel, _)| rel == "engine/ffi.rs"),
        "the layout moved"
    );
    out
}

#[test]
fn raw_engine_code_lives_only_in_the_engine_layer() {
    let mut offenders = Vec::new();
    for (rel, text) in js_sources() {
        if rel.starts_with("engine/") {
            continue;
        }
        let code = code(&text);
        for word in RAW {
            if code.contains(word) {
                offenders.push(format!("{rel}: `{word}` outside the engine layer"));
            }
        }
        if rel != "lib.rs" && !text.contains("#![forbid(unsafe_code)]") {
            offenders.push(format!("{rel}: missing #![forbid(unsafe_code)]"));
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_crate_denies_undocumented_unsafe() {
    let (_, lib) = js_sources()
        .into_iter()
        .find(|(rel, _)| rel == "lib.rs")
        .unwrap();
    for lint in [
        "clippy::undocumented_unsafe_blocks",
        "unsafe_op_in_unsafe_fn",
    ] {
        assert!(lib.contains("#![deny(") && lib.contains(lint), "{lint}");
    }
}

#[test]
fn folders_import_only_from_the_layers_below() {
    // (folder, folders it must not import from)
    let rules: &[(&str, &[&str])] = &[
        (
            "engine/",
            &[
                "crate::clone",
                "crate::runtime",
                "crate::console",
                "crate::url",
                "crate::wpt",
            ],
        ),
        (
            "clone/",
            &[
                "crate::runtime",
                "crate::console",
                "crate::url",
                "crate::wpt",
            ],
        ),
    ];
    let mut offenders = Vec::new();
    for (rel, text) in js_sources() {
        for (folder, banned) in rules {
            if !rel.starts_with(folder) {
                continue;
            }
            // Unit tests may drive the whole runtime.
            let code = code(text.split("#[cfg(test)]").next().unwrap_or(""));
            for b in *banned {
                if code.contains(b) {
                    offenders.push(format!("{rel} imports {b}"));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = js_sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 800)
        .map(|(rel, text)| format!("{rel}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "{long:#?}");
}

#[test]
fn the_port_and_cli_crates_forbid_unsafe_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["core/src/lib.rs", "cli/src/main.rs"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(text.contains("#![forbid(unsafe_code)]"), "{file}");
    }
}

/// The length of each function in `text` (from its `fn` line to the line
/// that closes it at the same indentation), with its first line.
fn function_lengths(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "unsafe fn ",
        ]
        .iter()
        .chain(&[
            "pub(crate) unsafe fn ",
            "unsafe extern \"C\" fn ",
            "const fn ",
        ])
        .any(|p| t.starts_with(p));
        if !is_fn || t.ends_with(';') {
            continue;
        }
        let indent = &l[..l.len() - t.len()];
        let close = format!("{indent}}}");
        if let Some(n) = lines[i + 1..].iter().position(|x| *x == close) {
            out.push((n + 1, t.to_string()));
        }
    }
    out
}

#[test]
fn no_function_is_over_160_lines() {
    let mut long = Vec::new();
    for (rel, text) in js_sources() {
        for (n, f) in function_lengths(&text) {
            if n > 160 {
                long.push(format!("{rel}: {n} lines: {f}"));
            }
        }
    }
    assert!(long.is_empty(), "{long:#?}");
    // The check sees functions at all.
    let sample = "fn a() {\n    1\n}\n";
    assert_eq!(function_lengths(sample), vec![(2, "fn a() {".to_string())]);
}
