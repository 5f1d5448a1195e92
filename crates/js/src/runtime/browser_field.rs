//! A package's `browser` field as an object (the package-browser-field
//! spec, which bundlers apply for code that runs in a browser): it maps
//! the names a package's modules import (`"worker_threads": false`,
//! `"util": "./lib/util.js"`) and the package's own files
//! (`"./lib/node.js": "./lib/browser.js"`) to other files, or to `false`,
//! an empty module. `commonjs::resolve` applies it to `require`, and
//! `modules::resolve_specifier` to imports of and from npm packages. (A
//! `browser` string, which names a package's entry, is read by
//! `packages.rs` for `require` only.)

#![forbid(unsafe_code)]

use super::packages::{self, Mode};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What a map says of a name or a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Mapped {
    /// Not mapped.
    Keep,
    /// Another file of the package (its real path).
    File(PathBuf),
    /// Another package name, to resolve instead.
    Name(String),
    /// `false`: an empty module.
    Empty,
}

/// What the package of the module at `importer` maps the bare
/// `specifier` to.
pub(crate) fn map_specifier(importer: &Path, specifier: &str) -> Result<Mapped, String> {
    let Some((root, map)) = browser_map(importer) else {
        return Ok(Mapped::Keep);
    };
    Ok(match map.get(specifier) {
        Some(Value::Bool(false)) => Mapped::Empty,
        Some(Value::String(to)) if to.starts_with("./") => Mapped::File(in_package(&root, to)?),
        Some(Value::String(to)) => Mapped::Name(to.clone()),
        _ => Mapped::Keep,
    })
}

/// What the package of the file `found` maps it to (by its path in the
/// package, with or without `.js`).
pub(crate) fn map_file(found: &Path) -> Result<Mapped, String> {
    let Some((root, map)) = browser_map(found) else {
        return Ok(Mapped::Keep);
    };
    let rel = format!("./{}", found.strip_prefix(&root).unwrap_or(found).display());
    let bare = rel.strip_suffix(".js").unwrap_or(&rel);
    Ok(match map.get(&rel).or_else(|| map.get(bare)) {
        Some(Value::Bool(false)) => Mapped::Empty,
        Some(Value::String(to)) => Mapped::File(in_package(&root, to)?),
        _ => Mapped::Keep,
    })
}

/// `target` (`./…`) of the package at `root`, real path.
fn in_package(root: &Path, target: &str) -> Result<PathBuf, String> {
    let p = packages::with_extension(&root.join(target), Mode::Require)
        .ok_or_else(|| format!("the package's browser field names {target}, which is missing"))?;
    Ok(std::fs::canonicalize(&p).unwrap_or(p))
}

/// The package a file belongs to (the nearest directory above it with a
/// `package.json`) and its `browser` map, if it has one.
fn browser_map(file: &Path) -> Option<(PathBuf, Map<String, Value>)> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if let Some(manifest) = packages::manifest(d) {
            return match manifest.get("browser") {
                Some(Value::Object(map)) => Some((d.to_path_buf(), map.clone())),
                _ => None,
            };
        }
        if d.file_name().is_some_and(|n| n == "node_modules") {
            return None;
        }
        dir = d.parent();
    }
    None
}
