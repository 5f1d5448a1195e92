//! Loading scripts and modules: `file:` and `data:` URLs, module
//! specifiers resolved against the importing module's URL.

#![forbid(unsafe_code)]

use rquickjs::loader::{Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Module};

/// Reads a script: `file:` and `data:` URLs (`blob:` URLs are resolved by
/// the context that made them).
pub(crate) fn load_source(url: &str) -> Result<String, String> {
    let u = url::Url::parse(url).map_err(|e| format!("bad URL {url}: {e}"))?;
    match u.scheme() {
        "file" => {
            let path = u
                .to_file_path()
                .map_err(|_| format!("not a file path: {url}"))?;
            read_script_file(&locate(path))
        }
        "data" => {
            // The fetch standard's data: URL processor (data-url crate).
            let data =
                data_url::DataUrl::process(url).map_err(|e| format!("bad data: URL: {e:?}"))?;
            let (bytes, _) = data
                .decode_to_vec()
                .map_err(|_| "bad base64 in data: URL".to_string())?;
            Ok(utf8_decode(bytes))
        }
        "http" | "https" => match web_root_path(&u) {
            Some(path) => read_script_file(&path),
            None => Err(format!("cannot load {url}: this runtime has no network")),
        },
        other => Err(format!("cannot load {other}: URLs")),
    }
}

/// The origin a web root is served from (`msgport test`, as wptrunner
/// serves WPT): `http://web-platform.test:8000/x` is the root's file `x`.
pub const WEB_ORIGIN: &str = "http://web-platform.test:8000";

/// The file under this thread's web root that a URL of [`WEB_ORIGIN`]
/// names (`None` for any other URL, or when no root is set).
pub(crate) fn web_root_path(u: &url::Url) -> Option<std::path::PathBuf> {
    if u.origin().ascii_serialization() != WEB_ORIGIN {
        return None;
    }
    let root = PATH_ROOT.with(|r| r.borrow().clone())?;
    // The path's percent-encoding undone, as a file: URL's would be.
    let file = url::Url::parse(&format!("file://{}", u.path()))
        .ok()?
        .to_file_path()
        .ok()?;
    let rest = file.strip_prefix("/").ok()?;
    let under = root.join(rest);
    if under.exists() {
        return Some(under);
    }
    // The server's aliases.
    WEB_ROOT_ALIASES
        .iter()
        .find(|(from, _)| rest == std::path::Path::new(from))
        .map(|(_, to)| root.join(to))
        .or(Some(under))
}

thread_local! {
    /// The directories this thread's context may read code from (its run's
    /// `--allow-read`; `None`: any). Set when the context is built.
    static READ_ROOTS: std::cell::RefCell<Option<std::sync::Arc<[std::path::PathBuf]>>> =
        const { std::cell::RefCell::new(None) };
}

thread_local! {
    /// Where this thread's context looks up an absolute path that is not
    /// on the filesystem (the test runner's web root; see [`load_source`]).
    static PATH_ROOT: std::cell::RefCell<Option<std::sync::Arc<std::path::Path>>> =
        const { std::cell::RefCell::new(None) };
}

thread_local! {
    /// The base URL of this thread's context (its script's URL): what an
    /// import from code that has no URL of its own (an `eval`'s, a
    /// `new Function`'s) resolves against, as HTML's "referencing script is
    /// null" case uses the settings object's API base URL.
    static CONTEXT_BASE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Sets this thread's context's base URL (see `CONTEXT_BASE`).
pub(crate) fn set_context_base(url: &str) {
    CONTEXT_BASE.with(|b| *b.borrow_mut() = Some(url.to_string()));
}

thread_local! {
    /// The import map of this thread's run, if any.
    static IMPORT_MAP: std::cell::RefCell<Option<std::sync::Arc<super::import_map::ImportMap>>> =
        const { std::cell::RefCell::new(None) };
}

/// Sets this thread's import map (see [`resolve_specifier`]).
pub(crate) fn set_import_map(map: Option<std::sync::Arc<super::import_map::ImportMap>>) {
    IMPORT_MAP.with(|m| *m.borrow_mut() = map);
}

/// Sets where this thread looks up absolute paths (see [`load_source`]).
pub(crate) fn set_path_root(root: Option<std::sync::Arc<std::path::Path>>) {
    PATH_ROOT.with(|r| *r.borrow_mut() = root);
}

/// The file a `file:` URL's path names: the path itself, or, when nothing
/// is there and a web root is set, the same path under the root. A test
/// served from a web root says `/resources/testharness.js` and means the
/// root's (wptrunner serves the root over HTTP; `msgport test` reads it).
fn locate(path: std::path::PathBuf) -> std::path::PathBuf {
    if path.exists() {
        return path;
    }
    PATH_ROOT.with(|r| {
        let Some(root) = &*r.borrow() else {
            return path.clone();
        };
        let rest = match path.strip_prefix(root.as_ref()) {
            Ok(rest) => rest,
            Err(_) => path.strip_prefix("/").unwrap_or(&path),
        };
        let under = root.join(rest);
        if under.exists() {
            return under;
        }
        // The web server's aliases (WPT's server configuration).
        for (from, to) in WEB_ROOT_ALIASES {
            if rest == std::path::Path::new(from) {
                return root.join(to);
            }
        }
        path.clone()
    })
}

/// Paths the WPT web server serves from elsewhere in its tree (its
/// `aliases`): scripts load them by the served path.
const WEB_ROOT_ALIASES: &[(&str, &str)] = &[(
    "resources/WebIDLParser.js",
    "resources/webidl2/lib/webidl2.js",
)];

/// Confines this thread's reads of code to `roots` (see [`read_script_file`]).
pub(crate) fn set_read_roots(roots: Option<std::sync::Arc<[std::path::PathBuf]>>) {
    READ_ROOTS.with(|r| *r.borrow_mut() = roots);
}

/// Whether the file at `path` is inside the directories this thread may
/// read code from. The path is made canonical first (`..` and symbolic
/// links resolved), so neither leads out.
fn may_read(path: &std::path::Path) -> Result<(), String> {
    READ_ROOTS.with(|r| match &*r.borrow() {
        None => Ok(()),
        Some(roots) => {
            let real = std::fs::canonicalize(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if roots.iter().any(|root| real.starts_with(root)) {
                Ok(())
            } else {
                Err(format!(
                    "cannot read {}: outside the directories this run may read (--allow-read)",
                    path.display()
                ))
            }
        }
    })
}

/// Reads a script or module file. Only a regular file is code: a device
/// (`/dev/zero` would be read until memory runs out, `/dev/stdin` would
/// block), a directory or a FIFO is refused. The bytes are decoded as
/// UTF-8, each invalid sequence becoming U+FFFD (the Encoding Standard's
/// UTF-8 decode, which is how a browser decodes a script).
pub(crate) fn read_script_file(path: &std::path::Path) -> Result<String, String> {
    may_read(path)?;
    read_file(path)
}

/// The bytes of the file a `file:` URL names, for `fetch`: a regular file
/// within the run's `--allow-read` directories, found as code is.
pub(crate) fn read_data_file(url: &str) -> Result<Vec<u8>, String> {
    let u = url::Url::parse(url).map_err(|e| format!("bad URL {url}: {e}"))?;
    let path = match u.scheme() {
        "http" | "https" => web_root_path(&u)
            .ok_or_else(|| format!("{url} cannot be fetched: this runtime has no network"))?,
        _ => locate(
            u.to_file_path()
                .map_err(|_| format!("not a file path: {url}"))?,
        ),
    };
    may_read(&path)?;
    let meta =
        std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "cannot read {}: not a regular file",
            path.display()
        ));
    }
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// [`read_script_file`] without the confinement: the run's main script,
/// which the embedder or the command line named.
pub(crate) fn read_file(path: &std::path::Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "cannot read {}: not a regular file",
            path.display()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(utf8_decode(bytes))
}

/// UTF-8 decode (Encoding `#utf-8-decode`): a BOM is dropped, invalid
/// sequences become U+FFFD.
fn utf8_decode(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    match text.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Whether a script's text has an `import` or `export` declaration: a
/// line that starts with one, outside block comments. `import(` and
/// `import.meta` are expressions (allowed in classic scripts), and a
/// declaration has a fixed shape (`import x from`, `import {`, `import *`,
/// `import "m"`, `export const|let|var|function|class|async|default|{|*`),
/// so prose that happens to start with the word does not count.
pub(crate) fn has_module_syntax(source: &str) -> bool {
    let mut in_comment = false;
    for line in source.lines() {
        let mut l = line.trim_start();
        if in_comment {
            match l.find("*/") {
                Some(end) => {
                    in_comment = false;
                    l = l[end + 2..].trim_start();
                }
                None => continue,
            }
        }
        if l.starts_with("/*") && !l.contains("*/") {
            in_comment = true;
            continue;
        }
        if is_import_declaration(l) || is_export_declaration(l) {
            return true;
        }
    }
    false
}

fn is_import_declaration(l: &str) -> bool {
    let Some(rest) = l.strip_prefix("import") else {
        return false;
    };
    let rest_trim = rest.trim_start();
    if !rest.starts_with([' ', '\t', '{', '*', '"', '\'']) {
        return false;
    }
    match rest_trim.chars().next() {
        Some('{' | '*' | '"' | '\'') => true,
        // `import name from …` / `import name, {…} from …`
        Some(c) if c.is_alphabetic() || c == '_' || c == '$' => {
            rest_trim.contains(" from ") || rest_trim.contains(',')
        }
        _ => false,
    }
}

fn is_export_declaration(l: &str) -> bool {
    let Some(rest) = l.strip_prefix("export") else {
        return false;
    };
    let rest = rest.trim_start();
    [
        "const ", "let ", "var ", "function", "class ", "async ", "default", "{", "*",
    ]
    .iter()
    .any(|k| rest.starts_with(k))
}

/// The `file:` URL of a path (relative paths are taken from the current directory).
pub(crate) fn file_url(path: &std::path::Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    url::Url::from_file_path(&abs)
        .map_or_else(|_| format!("file://{}", abs.display()), |u| u.to_string())
}

/// Resolves module specifiers as URLs against the importing module.
pub(crate) struct UrlResolver;
impl Resolver for UrlResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<rquickjs::loader::ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        // A package through node_modules beside the importing file;
        // anything else as a URL relative to it. A specifier that cannot
        // be resolved is a TypeError (HTML `#resolve-a-module-specifier`),
        // for a static import as for `import()`.
        // Code without a URL of its own (QuickJS names an eval's
        // "<input>") resolves against the context's base URL. (ECMAScript
        // would use the script that ran the eval, but QuickJS resolves a
        // dynamic import in a later job, when that script may no longer be
        // on the stack, and keeps only the eval's name.)
        let has_url = |b: &str| url::Url::parse(b).is_ok() || std::path::Path::new(b).is_absolute();
        let own;
        let base = if has_url(base) {
            base
        } else {
            own = CONTEXT_BASE.with(|b| b.borrow().clone());
            own.as_deref().unwrap_or(base)
        };
        resolve_specifier(base, name).map_err(|why| {
            rquickjs::Exception::throw_type(
                ctx,
                &format!("Error resolving module '{name}' from '{base}': {why}"),
            )
        })
    }
}

/// Loads `file:` and `data:` modules; a CommonJS file of an npm package
/// (`commonjs.rs`) as the ES module that stands for it.
pub(crate) struct UrlLoader {
    /// The context's host state (set once it exists; the loader is made
    /// with the runtime, before the context), whose prelude runs CommonJS.
    host: HostSlot,
}

/// Where the loader finds the context's host state, once it exists.
pub(crate) type HostSlot =
    std::rc::Rc<std::cell::RefCell<std::rc::Weak<std::cell::RefCell<super::host::HostState>>>>;

impl UrlLoader {
    /// A loader, and the slot to put the context's host state in.
    pub(crate) fn new() -> (Self, HostSlot) {
        let host = HostSlot::default();
        (UrlLoader { host: host.clone() }, host)
    }
}
impl Loader for UrlLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        attributes: Option<rquickjs::loader::ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        let kind = module_type(ctx, name, attributes)?;
        // A module that cannot be fetched fails its graph with a TypeError
        // (HTML `#fetch-a-single-module-script` returns null; the import
        // then rejects with a TypeError), as browsers and Node do.
        let source = load_source(name).map_err(|e| {
            rquickjs::Exception::throw_type(ctx, &format!("Error loading module '{name}': {e}"))
        })?;
        if kind == ModuleType::Json {
            return json_module(ctx, name, &source);
        }
        let commonjs = url::Url::parse(name)
            .ok()
            .filter(|u| u.scheme() == "file")
            .and_then(|u| u.to_file_path().ok())
            .map(locate)
            .and_then(|p| super::commonjs::imported_kind(&p).map(|k| (p, k)))
            .filter(|(_, k)| !super::commonjs::surely_a_module(*k, &source));
        let host = self.host.borrow().upgrade();
        if let (Some((path, kind)), Some(host)) = (commonjs, host) {
            let internal = super::host::internal(ctx, &host)?;
            drop(host);
            if let Some(m) = super::commonjs::declare(ctx, &internal, name, &path, kind, &source)? {
                return Ok(m);
            }
        }
        let m = Module::declare(ctx.clone(), name, source)?;
        set_meta(ctx, &m.meta()?, name)?;
        Ok(m)
    }
}

/// The module types of HTML's module scripts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ModuleType {
    JavaScript,
    Json,
}

/// The type an import asks for (HTML `#module-type-from-module-request`):
/// its `type` attribute, `json` or none (JavaScript). Another type fails
/// the import with a TypeError (HTML: such a request is not fetched), and
/// so does a `.json` file imported as JavaScript (a browser would refuse
/// its JSON MIME type for a JavaScript module script; Node and Deno refuse
/// it too).
fn module_type<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    attributes: Option<rquickjs::loader::ImportAttributes<'js>>,
) -> rquickjs::Result<ModuleType> {
    let ty = match attributes {
        Some(a) => a.get_type()?,
        None => None,
    };
    match ty.as_deref() {
        Some("json") => Ok(ModuleType::Json),
        Some(other) => Err(rquickjs::Exception::throw_type(
            ctx,
            &format!("Error loading module '{name}': \"{other}\" is not a valid module type"),
        )),
        None if is_json_url(name) => Err(rquickjs::Exception::throw_type(
            ctx,
            &format!("Error loading module '{name}': a JSON module needs the import attribute {{ type: \"json\" }}"),
        )),
        None => Ok(ModuleType::JavaScript),
    }
}

/// Whether a module URL names a JSON resource: a path ending in `.json`,
/// or a `data:` URL of a JSON MIME type.
fn is_json_url(name: &str) -> bool {
    let Ok(u) = url::Url::parse(name) else {
        return false;
    };
    if u.scheme() == "data" {
        let mime = u
            .path()
            .split([',', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        return mime == "application/json" || mime == "text/json" || mime.ends_with("+json");
    }
    u.path().ends_with(".json")
}

/// A JSON module script (HTML `#creating-a-json-module-script`): the
/// parsed value is its `default` export; text that is not JSON fails the
/// import with the SyntaxError `JSON.parse` gives.
fn json_module<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    source: &str,
) -> rquickjs::Result<Module<'js, Declared>> {
    let value = ctx.json_parse(source)?;
    let m = Module::declare(ctx.clone(), name, "export default import.meta.json;")?;
    let meta = m.meta()?;
    meta.set("json", value)?;
    Ok(m)
}

/// A module's `import.meta` (HTML `#hostgetimportmetaproperties`): `url`,
/// and `resolve(specifier)`, which gives the URL an import of `specifier`
/// from this module would load, or throws a TypeError.
pub(crate) fn set_meta<'js>(
    ctx: &Ctx<'js>,
    meta: &rquickjs::Object<'js>,
    url: &str,
) -> rquickjs::Result<()> {
    meta.set("url", url)?;
    let base = url.to_string();
    let resolve = rquickjs::Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, crate::engine::ffi::Usv(specifier): crate::engine::ffi::Usv| {
            resolve_specifier(&base, &specifier).map_err(|why| {
                rquickjs::Exception::throw_type(&ctx, &format!("import.meta.resolve: {why}"))
            })
        },
    )?
    .with_name("resolve")?;
    meta.set("resolve", resolve)
}

/// The URL of `name` imported from the module at `base`: a package through
/// node_modules, anything else as a URL relative to `base`.
pub(crate) fn resolve_specifier(base: &str, name: &str) -> Result<String, String> {
    let base_url =
        url::Url::parse(base).or_else(|_| url::Url::parse(&file_url(std::path::Path::new(base))));
    // The run's import map first (HTML #resolve-a-module-specifier).
    if let Ok(referrer) = &base_url {
        let mapped =
            IMPORT_MAP.with(|m| m.borrow().as_ref().and_then(|m| m.resolve(name, referrer)));
        if let Some(url) = mapped {
            return Ok(url);
        }
    }
    if super::packages::is_bare(name) {
        let importer = base_url
            .ok()
            .filter(|b| b.scheme() == "file")
            .and_then(|b| b.to_file_path().ok());
        let dir = importer
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(std::path::Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        // A package's module: its package's `browser` map first.
        let mut name = name.to_string();
        if let Some(importer) = importer.filter(|p| in_node_modules(p)) {
            match map_specifier(&importer, &name)? {
                Mapped::Empty => return Ok(EMPTY_MODULE.to_string()),
                Mapped::File(p) => return Ok(file_url(&p)),
                Mapped::Name(to) => name = to,
                Mapped::Keep => {}
            }
        }
        let found = super::packages::resolve(&dir, &name)?;
        return browser_file(&found);
    }
    let base_url = base_url.map_err(|e| format!("the module's URL {base} is not valid: {e}"))?;
    let target = base_url
        .join(name)
        .map_err(|e| format!("\"{name}\" is not a valid URL: {e}"))?;
    package_file(&base_url, target)
}

use super::browser_field::{map_file, map_specifier, Mapped};

/// The module a `browser` map's `false` stands for: an empty one.
const EMPTY_MODULE: &str = "data:text/javascript,export%20default%20%7B%7D%3B";

fn in_node_modules(p: &std::path::Path) -> bool {
    p.components().any(|c| c.as_os_str() == "node_modules")
}

/// The URL of the package file `found`, after its package's `browser` map.
fn browser_file(found: &std::path::Path) -> Result<String, String> {
    // (By the path as found: through a symlinked package, the package's
    // directory and the file's place in it are the same.)
    Ok(match map_file(found)? {
        Mapped::Empty => EMPTY_MODULE.to_string(),
        Mapped::File(p) => file_url(&p),
        Mapped::Keep | Mapped::Name(_) => file_url(found),
    })
}

/// `target` as bundlers find it when a module of an npm package imports
/// it by a relative path: without its extension (`./internal/Observable`,
/// as packages' builds for bundlers are written) the first of `.js`,
/// `.mjs`, `/index.js` that exists, then the package's `browser` map.
/// Imports by a user's own modules are left as they are.
fn package_file(base: &url::Url, target: url::Url) -> Result<String, String> {
    let in_package = base.scheme() == "file" && base.path().contains("/node_modules/");
    if !in_package || target.scheme() != "file" {
        return Ok(target.to_string());
    }
    let Ok(path) = target.to_file_path() else {
        return Ok(target.to_string());
    };
    let found = if path.is_file() {
        Some(path)
    } else {
        super::packages::with_extension(&path, super::packages::Mode::Import)
    };
    match found {
        Some(p) => browser_file(&p),
        None => Ok(target.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn module_syntax_is_told_by_its_declarations() {
        for src in [
            "import x from './a.js';",
            "  import { a } from 'b'",
            "import * as m from 'm'",
            "import 'side-effect';",
            "export const a = 1;",
            "export { a };",
            "export default 1",
        ] {
            assert!(super::has_module_syntax(src), "{src}");
        }
        for src in [
            "const m = await import('./m.js');",
            "import('./m.js').then(f)",
            "console.log(import.meta)",
            "const important = 1;",
            "exports.x = 1;",
            "// nothing",
            "/*\nimport x from 'y';\n*/ run();",
            "export\nfoo();",
            "import is a word that starts this line",
        ] {
            assert!(!super::has_module_syntax(src), "{src}");
        }
    }
}
