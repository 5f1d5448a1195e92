//! Where unsafe code may live (an Architecture Invariant, ARCHITECTURE.md):
//! only the engine layer of msgport-js touches raw QuickJS (`qjs::`) or
//! writes `unsafe`; every other module of msgport-js forbids unsafe code,
//! and so do the `msgport` and `msgport-cli` crates. The engine layer is
//! the list below; it is to shrink into one `engine/` folder (issue 12),
//! and a new file must not join it.

use std::path::Path;

/// Modules that still hold raw engine calls.
const ENGINE: &[&str] = &[
    "alloc.rs",
    "deliver.rs",
    "direct.rs",
    "ffi.rs",
    "native.rs",
    "wire_cache.rs",
    "wire_direct.rs",
];

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

#[test]
fn raw_engine_code_lives_only_in_the_engine_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for path in sources(&src) {
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        // The attribute that forbids it is not a use.
        let code = text.replace("#![forbid(unsafe_code)]", "");
        let raw = code.contains("unsafe") || code.contains("qjs::");
        if ENGINE.contains(&rel.as_str()) {
            continue;
        }
        if raw {
            offenders.push(format!("{rel}: raw engine code outside the engine layer"));
        }
        if rel != "lib.rs" && !text.contains("#![forbid(unsafe_code)]") {
            offenders.push(format!("{rel}: missing #![forbid(unsafe_code)]"));
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_port_and_cli_crates_forbid_unsafe_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["core/src/lib.rs", "cli/src/main.rs"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(text.contains("#![forbid(unsafe_code)]"), "{file}");
    }
}
