//! The crate's layout rules: `unsafe` only in `engine/` (mapping
//! memory), each block with a `// SAFETY:` comment; no file over 800 lines.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn unsafe_code_lives_in_engine_only_and_says_why() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 5);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines.len() <= 800,
            "{} has {} lines",
            f.display(),
            lines.len()
        );
        let in_engine = f.parent().is_some_and(|d| d.ends_with("engine"));
        for (i, l) in lines.iter().enumerate() {
            let code = l.split("//").next().unwrap_or("");
            // The keyword (lint names such as `unsafe_code` are not).
            if !(code.contains("unsafe ") || code.contains("unsafe{")) {
                continue;
            }
            assert!(
                in_engine,
                "unsafe outside engine/: {}:{}",
                f.display(),
                i + 1
            );
            // The comment is within the few lines above the block.
            let above = &lines[i.saturating_sub(8)..i];
            assert!(
                above.iter().any(|a| a.contains("SAFETY:")) || l.contains("SAFETY:"),
                "unsafe without a SAFETY comment: {}:{}",
                f.display(),
                i + 1
            );
        }
    }
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let deny = &lib[lib.find("#![deny(").expect("a deny attribute")..];
    let deny = &deny[..deny.find(")]").unwrap()];
    assert!(
        deny.contains("unsafe_code") && deny.contains("clippy::undocumented_unsafe_blocks"),
        "the crate denies unsafe code outside its one module, and undocumented unsafe blocks"
    );
}
