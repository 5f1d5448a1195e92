//! CommonJS modules, as Node runs them, for the npm packages that ship
//! only CommonJS (`module.exports = …`, `require(…)`): the file system
//! half. The rules (the module cache, `require`, `module`, cycles) live in
//! `prelude/commonjs.js`; this module resolves specifiers, reads files,
//! tells a file's kind, compiles a module's function, and makes the ES
//! module an `import` of a CommonJS file gets.
//!
//! Which files are CommonJS (Node's "Determining module system"):
//! - `.cjs`, and `.js` under a `package.json` with `"type": "commonjs"`,
//!   anywhere;
//! - a `.js` file inside a package in `node_modules` whose nearest
//!   `package.json` has no `"type": "module"`, unless it has ES module
//!   syntax (it does not compile as a function body: Node 22's syntax
//!   detection);
//! - what `require` loads, but for `.mjs` and `"type": "module"` files.
//!
//! Everything else an `import` loads stays an ES module: scripts of this
//! runtime's own users are web scripts.
//!
//! An `import` of a CommonJS file runs it when the module graph is
//! loaded, before the graph's ES modules run (Node runs it in evaluation
//! order); that is what lets its named exports be exactly the own
//! enumerable names `module.exports` ends up with, where Node guesses them
//! from the source. `default` is `module.exports`, as in Node.

#![forbid(unsafe_code)]

use super::packages::{self, Mode};
use rquickjs::{Ctx, Function, Module, Object, Value};
use std::path::{Path, PathBuf};

/// How a file is to be loaded, as the prelude's `kind` argument names it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// JSON text (`.json`): `module.exports` is the parsed value.
    Json,
    /// An ES module (`.mjs`, or `"type": "module"`).
    Module,
    /// CommonJS for sure (`.cjs`, or `"type": "commonjs"`).
    CommonJs,
    /// A `.js` file with no `"type"`: CommonJS unless it has module syntax.
    Detect,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Module => "module",
            Kind::CommonJs => "commonjs",
            Kind::Detect => "detect",
        }
    }
}

/// The kind of the file at `path` (by its extension and the `"type"` of
/// the nearest `package.json` above it).
pub(crate) fn kind(path: &Path) -> Kind {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Kind::Json,
        Some("mjs") => Kind::Module,
        Some("cjs") => Kind::CommonJs,
        _ => match package_type(path).as_deref() {
            Some("module") => Kind::Module,
            Some("commonjs") => Kind::CommonJs,
            _ => Kind::Detect,
        },
    }
}

/// The `"type"` of the nearest `package.json` above `path`.
fn package_type(path: &Path) -> Option<String> {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if let Some(manifest) = packages::manifest(d) {
            return manifest
                .get("type")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string);
        }
        if d.file_name().is_some_and(|n| n == "node_modules") {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// Whether an `import` of `path` may be CommonJS, and how sure that is:
/// `.cjs`, or a `.js` file of a package in `node_modules` (see the module
/// documentation).
pub(crate) fn imported_kind(path: &Path) -> Option<Kind> {
    let in_package = path.components().any(|c| c.as_os_str() == "node_modules");
    match kind(path) {
        Kind::CommonJs => Some(Kind::CommonJs),
        Kind::Detect if in_package => Some(Kind::Detect),
        _ => None,
    }
}

/// Whether a file of kind `kind` is an ES module without compiling it as
/// CommonJS first: a file of unknown kind (`Detect`) with a line that
/// starts with an `import` or `export` declaration, when no template
/// literal could hold that line as text. (Node compiles such a file as
/// CommonJS, fails, then as a module; builds of packages for bundlers are
/// hundreds of such files, rxjs's for one, and the first compile doubled
/// their load time.)
pub(crate) fn surely_a_module(kind: Kind, source: &str) -> bool {
    kind == Kind::Detect && !source.contains('`') && super::modules::has_module_syntax(source)
}

/// Node's built-in modules, which this runtime does not have: a clearer
/// error than "cannot find package" when a package asks for one.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "buffer",
    "child_process",
    "cluster",
    "crypto",
    "dgram",
    "dns",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "querystring",
    "readline",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "worker_threads",
    "zlib",
];

/// The file `require(specifier)` loads from the module at `from` (Node's
/// `require(X) from module at path Y`): a path relative to the module's
/// directory, or a package through `node_modules` (its `exports` with the
/// `require` condition, else `browser` if a string, else `main`); then the
/// `browser` maps of the packages involved, as bundlers apply them for a
/// browser (the package-browser-field spec): the requiring package's map
/// may replace a package name, and the found file's package may replace
/// the file; `false` there means an empty module (`Ok(None)`). The path is
/// the file's real path, so that one file is one module.
pub(crate) fn resolve(from: &Path, specifier: &str) -> Result<Option<PathBuf>, String> {
    let dir = from.parent().unwrap_or(Path::new("/"));
    let relative = specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier.starts_with('/')
        || specifier == "."
        || specifier == "..";
    use super::browser_field::{map_file, map_specifier, Mapped};
    let found = if relative {
        packages::with_extension(&dir.join(specifier), Mode::Require)
            .ok_or_else(|| "no such file".to_string())?
    } else {
        match map_specifier(from, specifier)? {
            Mapped::Empty => return Ok(None),
            Mapped::File(p) => return Ok(Some(p)),
            Mapped::Name(to) => resolve_package(dir, &to)?,
            Mapped::Keep => resolve_package(dir, specifier)?,
        }
    };
    let found = std::fs::canonicalize(&found).unwrap_or(found);
    match map_file(&found)? {
        Mapped::Empty => Ok(None),
        Mapped::File(p) => Ok(Some(p)),
        Mapped::Keep | Mapped::Name(_) => Ok(Some(found)),
    }
}

/// A package (bare `specifier`) through `node_modules` above `dir`.
fn resolve_package(dir: &Path, specifier: &str) -> Result<PathBuf, String> {
    let name = specifier.strip_prefix("node:");
    if name.is_some() {
        return Err("msgport has no Node.js built-in modules".into());
    }
    let first = specifier.split('/').next().unwrap_or(specifier);
    packages::resolve_as(dir, specifier, Mode::Require).map_err(|why| {
        if NODE_BUILTINS.contains(&first) {
            format!("{why} (it is a Node.js built-in module, which msgport does not have)")
        } else {
            why
        }
    })
}

/// The source of a module's function: the file's text as the body of
/// `function (exports, require, module, __filename, __dirname)`, whose
/// header shares the first line so that line numbers stay the file's
/// (columns of the first line are shifted by the header, as they once
/// were in Node); a `#!` line is blanked (it is allowed only at the start
/// of a script).
fn wrap(source: &str) -> String {
    let body = match source.strip_prefix("#!") {
        Some(rest) => &rest[rest.find('\n').unwrap_or(rest.len())..],
        None => source,
    };
    format!("(function (exports, require, module, __filename, __dirname) {{{body}\n}})")
}

/// Sets the natives `prelude/commonjs.js` calls on `h`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>) -> rquickjs::Result<()> {
    // `process.env.NODE_ENV`, the one variable of the environment a
    // script sees (builds of npm packages switch on it).
    if let Ok(mode) = std::env::var("NODE_ENV") {
        h.set("nodeEnv", mode)?;
    }
    // commonjsResolve(fromFilename, specifier): [path], [""] for an empty
    // module, or [null, why].
    h.set(
        "commonjsResolve",
        Function::new(
            ctx.clone(),
            |from: String, specifier: String| -> Vec<Option<String>> {
                match resolve(Path::new(&from), &specifier) {
                    Ok(Some(p)) => vec![Some(p.to_string_lossy().into_owned()), None],
                    // An empty module (a `browser` map's `false`).
                    Ok(None) => vec![Some(String::new()), None],
                    Err(why) => vec![None, Some(why)],
                }
            },
        )?,
    )?;
    // commonjsRead(filename): [kind, text]; a TypeError if it cannot be read.
    h.set(
        "commonjsRead",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, filename: String| -> rquickjs::Result<Vec<String>> {
                let path = Path::new(&filename);
                let text = super::modules::read_script_file(path).map_err(|e| {
                    rquickjs::Exception::throw_type(&ctx, &format!("Cannot load module: {e}"))
                })?;
                Ok(vec![kind(path).name().to_string(), text])
            },
        )?,
    )?;
    // commonjsCompile(text, filename): the module's function (a
    // SyntaxError is thrown as the engine reports it).
    h.set(
        "commonjsCompile",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, text: String, filename: String| -> rquickjs::Result<Function<'js>> {
                let mut opts = rquickjs::context::EvalOptions::default();
                opts.strict = false;
                opts.filename = Some(filename);
                ctx.eval_with_options(wrap(&text), opts)
            },
        )?,
    )
}

/// The ES module an `import` of the CommonJS file at `url` gets, or
/// `None` if the file turns out to be an ES module (it has module syntax).
/// Runs the file (through the prelude's cache) if it has not run yet.
pub(crate) fn declare<'js>(
    ctx: &Ctx<'js>,
    internal: &Object<'js>,
    url: &str,
    path: &Path,
    kind: Kind,
    source: &str,
) -> rquickjs::Result<Option<Module<'js, rquickjs::module::Declared>>> {
    let commonjs: Object = internal.get("commonjs")?;
    let facade: Function = commonjs.get("importFacade")?;
    let made: Value = facade.call((path.to_string_lossy().as_ref(), kind.name(), source))?;
    let Some(made) = made.into_array() else {
        return Ok(None);
    };
    let exports: Value = made.get(0)?;
    let text: String = made.get(1)?;
    let m = Module::declare(ctx.clone(), url, text)?;
    let meta = m.meta()?;
    super::modules::set_meta(ctx, &meta, url)?;
    meta.set("commonjs", exports)?;
    Ok(Some(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_module_keeps_its_line_numbers_and_drops_a_hashbang() {
        // The file's line n is the wrapper's line n, a `#!` line being an
        // empty first line.
        let header = "(function (exports, require, module, __filename, __dirname) {";
        let w = wrap("#!/usr/bin/env node\nmodule.exports = 1;");
        assert_eq!(w.lines().next().unwrap(), header);
        assert_eq!(w.lines().nth(1).unwrap(), "module.exports = 1;");
        let w = wrap("exports.a = 1;\nexports.b = 2;");
        assert_eq!(w.lines().next().unwrap(), format!("{header}exports.a = 1;"));
        assert_eq!(w.lines().nth(1).unwrap(), "exports.b = 2;");
        assert_eq!(w.lines().nth(2).unwrap(), "})");
    }

    #[test]
    fn only_an_unknown_file_with_declarations_and_no_template_is_surely_a_module() {
        assert!(surely_a_module(
            Kind::Detect,
            "import { a } from './a.js';\nexport const b = a;"
        ));
        assert!(!surely_a_module(
            Kind::Detect,
            "module.exports = `\nimport x from 'y'\n`;"
        ));
        assert!(!surely_a_module(Kind::Detect, "module.exports = 1;"));
        assert!(!surely_a_module(Kind::CommonJs, "export const b = 1;"));
    }

    #[test]
    fn kinds_follow_extension_and_package_type() {
        let root = std::env::temp_dir().join(format!("msgport-cjs-kinds-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let esm = root.join("node_modules/esm");
        let cjs = root.join("node_modules/cjs");
        let plain = root.join("node_modules/plain/lib");
        for d in [&esm, &cjs, &plain] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(esm.join("package.json"), r#"{"type": "module"}"#).unwrap();
        std::fs::write(cjs.join("package.json"), r#"{"type": "commonjs"}"#).unwrap();
        std::fs::write(plain.join("../package.json"), r#"{"main": "lib/x.js"}"#).unwrap();
        assert_eq!(kind(&esm.join("a.js")), Kind::Module);
        assert_eq!(kind(&esm.join("a.cjs")), Kind::CommonJs);
        assert_eq!(kind(&cjs.join("a.js")), Kind::CommonJs);
        assert_eq!(kind(&cjs.join("a.mjs")), Kind::Module);
        assert_eq!(kind(&plain.join("x.js")), Kind::Detect);
        assert_eq!(kind(&plain.join("x.json")), Kind::Json);
        assert_eq!(imported_kind(&plain.join("x.js")), Some(Kind::Detect));
        assert_eq!(imported_kind(&esm.join("a.js")), None);
        assert_eq!(
            imported_kind(&root.join("app.js")),
            None,
            "a user's own .js stays a module"
        );
        assert_eq!(imported_kind(&root.join("app.cjs")), Some(Kind::CommonJs));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
