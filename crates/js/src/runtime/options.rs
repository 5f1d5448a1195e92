//! What an embedder (or `msgport run`) sets on a runtime before running:
//! the directories code may be loaded from, and an import map. Both hold
//! for every context of the run (the group keeps them; each context's
//! thread copies them when it is built).

#![forbid(unsafe_code)]

use super::{file_url, import_map, modules, JsRuntime};
use std::sync::Arc;

impl JsRuntime {
    /// Confines what the run's scripts may load as code (modules,
    /// `importScripts`, workers' scripts) to files inside `dirs` (and their
    /// subdirectories, symbolic links resolved); `data:` and `blob:` URLs
    /// are not files and stay allowed. The main script given to
    /// [`JsRuntime::run_file`] is read whatever its place. A refused load is
    /// an error that names the file, never its content.
    ///
    /// ```
    /// let base = std::env::temp_dir().join(format!("msgport-allow-read-doc-{}", std::process::id()));
    /// let (dir, other) = (base.join("allowed"), base.join("other"));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// std::fs::create_dir_all(&other).unwrap();
    /// std::fs::write(other.join("m.mjs"), "export default 1;").unwrap();
    /// let rt = msgport_js::JsRuntime::new(msgport_js::Output::std()).unwrap();
    /// rt.allow_read(&[dir.clone()]).unwrap();
    /// // `other` is outside `dir`: the import is refused.
    /// let url = format!("file://{}", other.join("m.mjs").display());
    /// let code = rt.run_script("main.js", &format!(
    ///     "import('{url}').then(() => {{ throw 1 }}, (e) => {{ if (!/--allow-read/.test(e.message)) throw e; }})"
    /// ));
    /// assert_eq!(code, 0);
    /// std::fs::remove_dir_all(&base).unwrap();
    /// ```
    pub fn allow_read(&self, dirs: &[std::path::PathBuf]) -> Result<(), crate::Error> {
        let roots = dirs
            .iter()
            .map(|d| {
                std::fs::canonicalize(d).map_err(|e| crate::Error::Directory {
                    path: d.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let roots: Arc<[std::path::PathBuf]> = roots.into();
        self.host
            .borrow()
            .signal
            .group()
            .set_read_roots(roots.clone());
        modules::set_read_roots(Some(roots));
        Ok(())
    }

    /// Uses the import map in the file at `path` (HTML `#import-maps`, the
    /// JSON format) for the run's modules, in every context; its relative
    /// URLs resolve against the file's own.
    pub fn set_import_map(&self, path: &std::path::Path) -> Result<(), crate::Error> {
        let fail = |reason: String| crate::Error::Directory {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let base = url::Url::parse(&file_url(path)).map_err(|e| fail(e.to_string()))?;
        let map = Arc::new(import_map::ImportMap::parse(&text, &base).map_err(fail)?);
        *self
            .host
            .borrow()
            .signal
            .group()
            .import_map
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(map.clone());
        modules::set_import_map(Some(map));
        Ok(())
    }
}
