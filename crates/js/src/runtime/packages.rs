//! Bare specifiers (`import * as Comlink from "comlink"`), resolved as Node
//! and bundlers resolve them for an ES module running in a worker or a
//! browser (Node's `#resolution-algorithm-specification`, ESM branch): the
//! package is looked for in `node_modules` beside the importing module and
//! in each directory above it; its `package.json` says which file is meant
//! through `exports` (subpaths, `*` patterns, and the conditions `import`,
//! `module`, `worker`, `browser` and `default`, tried in the order the file
//! lists them), else `module`, else `main`, else `index.js`.

#![forbid(unsafe_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The conditions an `import` meets here (an ES module, in a worker-like,
/// browser-like host).
const IMPORT_CONDITIONS: &[&str] = &["import", "module", "worker", "browser", "default"];
/// The conditions a CommonJS `require` meets (`commonjs.rs`).
const REQUIRE_CONDITIONS: &[&str] = &["require", "worker", "browser", "default"];

/// Who asks: an ES module's `import`, or CommonJS's `require`, which
/// takes a package's `require` condition and its `main` (never `module`),
/// and finds files with `.json` too.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    Import,
    Require,
}

impl Mode {
    fn conditions(self) -> &'static [&'static str] {
        match self {
            Mode::Import => IMPORT_CONDITIONS,
            Mode::Require => REQUIRE_CONDITIONS,
        }
    }
}

/// Whether `specifier` is bare: not a URL, not a path.
pub(crate) fn is_bare(specifier: &str) -> bool {
    !(specifier.starts_with('/')
        || specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier == "."
        || specifier == ".."
        || url::Url::parse(specifier).is_ok())
}

thread_local! {
    /// The `package.json` of each directory looked at by this thread's
    /// context (`None`: none there, or not JSON), read once: a package of
    /// hundreds of modules asks for the same few again and again.
    static MANIFESTS: std::cell::RefCell<std::collections::HashMap<PathBuf, Option<std::rc::Rc<Value>>>> =
        Default::default();
}

/// The parsed `package.json` of `dir`, if it has one.
pub(crate) fn manifest(dir: &Path) -> Option<std::rc::Rc<Value>> {
    if let Some(known) = MANIFESTS.with(|m| m.borrow().get(dir).cloned()) {
        return known;
    }
    let read = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map(std::rc::Rc::new);
    MANIFESTS.with(|m| m.borrow_mut().insert(dir.to_path_buf(), read.clone()));
    read
}

/// The file `specifier` (bare) names for a module in `from_dir`.
pub(crate) fn resolve(from_dir: &Path, specifier: &str) -> Result<PathBuf, String> {
    resolve_as(from_dir, specifier, Mode::Import)
}

/// [`resolve`] for `mode`.
pub(crate) fn resolve_as(from_dir: &Path, specifier: &str, mode: Mode) -> Result<PathBuf, String> {
    let (name, subpath) = split(specifier)
        .ok_or_else(|| format!("\"{specifier}\" is not a valid package specifier"))?;
    let mut dir = Some(from_dir);
    while let Some(d) = dir {
        let package = d.join("node_modules").join(name);
        if package.is_dir() {
            return resolve_in(&package, &subpath, mode).ok_or_else(|| {
                format!(
                    "package \"{name}\" (at {}) does not export \"{subpath}\"",
                    package.display()
                )
            });
        }
        dir = d.parent();
    }
    Err(format!(
        "cannot find package \"{name}\" in node_modules of {} or any directory above it",
        from_dir.display()
    ))
}

/// `name` and `./subpath` (`.` for the package itself) of a specifier;
/// a scoped name is `@scope/name`.
fn split(specifier: &str) -> Option<(&str, String)> {
    let mut parts = specifier.splitn(if specifier.starts_with('@') { 3 } else { 2 }, '/');
    let first = parts.next()?;
    let name_len = if first.starts_with('@') {
        let second = parts.next().filter(|s| !s.is_empty())?;
        first.len() + 1 + second.len()
    } else {
        first.len()
    };
    let name = &specifier[..name_len];
    if name.is_empty() || name.starts_with('.') || name.contains('\\') || name.contains('%') {
        return None;
    }
    let rest = &specifier[name_len..];
    Some((
        name,
        if rest.is_empty() {
            ".".to_string()
        } else {
            format!(".{rest}")
        },
    ))
}

/// The file of `subpath` in the package at `dir`.
fn resolve_in(dir: &Path, subpath: &str, mode: Mode) -> Option<PathBuf> {
    let manifest = manifest(dir);
    if let Some(exports) = manifest.as_ref().and_then(|m| m.get("exports")) {
        // With `exports`, nothing else of the package can be imported.
        let target = exports_target(exports, subpath, mode.conditions())?;
        return inside(dir, &target);
    }
    if subpath == "." {
        let field = |k: &str| {
            manifest
                .as_ref()
                .and_then(|m| m.get(k))
                .and_then(Value::as_str)
        };
        let main = match mode {
            Mode::Import => field("module").or_else(|| field("main")),
            // (A string `browser` is the entry for a browser, as bundlers
            // read it; an object is applied by `commonjs::resolve`.)
            Mode::Require => field("browser").or_else(|| field("main")),
        };
        let main = main.unwrap_or("index.js");
        return with_extension(&dir.join(main.trim_start_matches("./")), mode);
    }
    with_extension(&dir.join(&subpath[2..]), mode)
}

/// The target `exports` gives for `subpath`.
fn exports_target(exports: &Value, subpath: &str, conditions: &[&str]) -> Option<String> {
    // `exports` is the package's own entry (a string, an array, or an
    // object of conditions) unless its keys are subpaths.
    let subpaths = exports
        .as_object()
        .filter(|o| o.keys().next().is_some_and(|k| k.starts_with('.')));
    let Some(map) = subpaths else {
        return (subpath == ".")
            .then(|| conditional(exports, None, conditions))
            .flatten();
    };
    if let Some(v) = map.get(subpath) {
        return conditional(v, None, conditions);
    }
    // Patterns (`"./*": "./dist/*.js"`): the longest prefix wins.
    let mut best: Option<(&str, &str, &Value)> = None;
    for (key, v) in map {
        if let Some((pre, post)) = key.split_once('*') {
            let fits = subpath.len() >= pre.len() + post.len()
                && subpath.starts_with(pre)
                && subpath.ends_with(post);
            if fits && best.is_none_or(|(p, _, _)| pre.len() > p.len()) {
                best = Some((pre, post, v));
            }
        }
    }
    let (pre, post, v) = best?;
    let star = &subpath[pre.len()..subpath.len() - post.len()];
    conditional(v, Some(star), conditions)
}

/// A target: a string (with `*` replaced by `star`), the first array
/// element that resolves, or the first condition of an object that this
/// runtime meets and that resolves. `null` excludes.
fn conditional(v: &Value, star: Option<&str>, conditions: &[&str]) -> Option<String> {
    match v {
        Value::String(s) => Some(match star {
            Some(star) => s.replace('*', star),
            None => s.clone(),
        }),
        Value::Array(list) => list.iter().find_map(|x| conditional(x, star, conditions)),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| conditions.contains(&k.as_str()))
            .find_map(|(_, x)| conditional(x, star, conditions)),
        _ => None,
    }
}

/// `target` (`./…`) inside the package at `dir`: a target that leaves the
/// package is refused.
fn inside(dir: &Path, target: &str) -> Option<PathBuf> {
    let rel = target.strip_prefix("./")?;
    let path = dir.join(rel);
    let real = std::fs::canonicalize(&path).ok()?;
    let root = std::fs::canonicalize(dir).ok()?;
    real.starts_with(&root).then_some(path)
}

/// `path` as it is, or with `.js`, `.mjs` or `/index.js` (what `main`
/// fields often leave out); for `require`, Node's `LOAD_AS_FILE` and
/// `LOAD_AS_DIRECTORY` (`.js`, `.json`, a directory's own `package.json`
/// `main`, `index.js`, `index.json`).
pub(crate) fn with_extension(path: &Path, mode: Mode) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let s = path.to_string_lossy();
    let tries: &[&str] = match mode {
        Mode::Import => &[".js", ".mjs", "/index.js"],
        Mode::Require => &[".js", ".json", ".cjs"],
    };
    if let Some(p) = tries
        .iter()
        .map(|t| PathBuf::from(format!("{s}{t}")))
        .find(|p| p.is_file())
    {
        return Some(p);
    }
    if mode == Mode::Require && path.is_dir() {
        let index = |d: &Path| {
            [d.join("index.js"), d.join("index.json")]
                .into_iter()
                .find(|p| p.is_file())
        };
        let main =
            manifest(path).and_then(|m| m.get("main").and_then(Value::as_str).map(str::to_string));
        // `main` as a file (with an extension added), or its index; no
        // further `main` (Node's LOAD_AS_DIRECTORY).
        if let Some(m) = main.map(|m| path.join(m)) {
            let s = m.to_string_lossy();
            let found = [String::new(), ".js".into(), ".json".into()]
                .iter()
                .map(|t| PathBuf::from(format!("{s}{t}")))
                .find(|p| p.is_file())
                .or_else(|| index(&m));
            if found.is_some() {
                return found;
            }
        }
        return index(path);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(root: &Path, name: &str, manifest: &str, files: &[&str]) {
        let dir = root.join("node_modules").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), manifest).unwrap();
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "export default 1;").unwrap();
        }
    }

    #[test]
    fn packages_resolve_through_exports_module_main_and_parents() {
        let root = std::env::temp_dir().join(format!("msgport-packages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let app = root.join("app/src/deep");
        std::fs::create_dir_all(&app).unwrap();
        package(
            &root,
            "conds",
            r#"{"exports": {".": {"require": "./cjs.js", "import": "./esm.mjs", "default": "./x.js"}, "./sub": "./lib/sub.js", "./feat/*": "./features/*.mjs", "./private/*": null}}"#,
            &["cjs.js", "esm.mjs", "x.js", "lib/sub.js", "features/a.mjs"],
        );
        package(
            &root,
            "sugar",
            r#"{"exports": "./only.js", "main": "./ignored.js"}"#,
            &["only.js", "ignored.js"],
        );
        package(
            &root,
            "order",
            r#"{"exports": {"browser": "./b.js", "import": "./i.js"}}"#,
            &["b.js", "i.js"],
        );
        package(
            &root,
            "mod",
            r#"{"module": "./dist/index.mjs", "main": "./dist/index.cjs"}"#,
            &["dist/index.mjs"],
        );
        package(
            &root,
            "plain",
            r#"{"main": "lib/main"}"#,
            &["lib/main.js", "other.js"],
        );
        package(
            &root,
            "@scope/pkg",
            r#"{"exports": {"import": "./s.mjs"}}"#,
            &["s.mjs"],
        );
        package(&root, "escape", r#"{"exports": "../../outside.js"}"#, &[]);
        let r = |s: &str| {
            resolve(&app, s).map(|p| {
                p.strip_prefix(root.join("node_modules"))
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
        };
        assert_eq!(
            r("conds").unwrap(),
            "conds/esm.mjs",
            "import before default, require skipped"
        );
        assert_eq!(r("conds/sub").unwrap(), "conds/lib/sub.js");
        assert_eq!(r("conds/feat/a").unwrap(), "conds/features/a.mjs");
        assert!(r("conds/private/x").is_err(), "null excludes");
        assert!(r("conds/cjs.js").is_err(), "exports hides everything else");
        assert_eq!(r("sugar").unwrap(), "sugar/only.js");
        assert_eq!(
            r("order").unwrap(),
            "order/b.js",
            "the file's order decides"
        );
        assert_eq!(r("mod").unwrap(), "mod/dist/index.mjs");
        assert_eq!(r("plain").unwrap(), "plain/lib/main.js");
        assert_eq!(r("plain/other").unwrap(), "plain/other.js");
        assert_eq!(r("@scope/pkg").unwrap(), "@scope/pkg/s.mjs");
        assert!(r("escape").is_err(), "a target outside the package");
        let e = r("missing").unwrap_err();
        assert!(e.contains("cannot find package \"missing\""), "{e}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn bare_and_not_bare() {
        for s in ["comlink", "@scope/x", "a/b"] {
            assert!(is_bare(s), "{s}");
        }
        for s in [
            "./a.js",
            "../a.js",
            "/a.js",
            "file:///a.js",
            "data:text/javascript,1",
            "https://x/y.js",
        ] {
            assert!(!is_bare(s), "{s}");
        }
    }
}
