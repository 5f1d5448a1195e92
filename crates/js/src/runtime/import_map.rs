//! Import maps (HTML `#import-maps`): `{"imports": {...}, "scopes": {...}}`
//! mapping specifiers (exact, or prefixes ending in `/`) to URLs, for the
//! modules of a run (`msgport run --import-map FILE`). A specifier the map
//! does not name resolves as without one.

#![forbid(unsafe_code)]

use serde_json::Value;
use url::Url;

/// One map of specifier keys to URLs, longest keys first.
type SpecifierMap = Vec<(String, Url)>;

/// A parsed import map.
#[derive(Debug, Default)]
pub(crate) struct ImportMap {
    imports: SpecifierMap,
    /// (scope URL prefix, its map), longest prefixes first.
    scopes: Vec<(String, SpecifierMap)>,
}

impl ImportMap {
    /// Parses `text`, a JSON import map whose relative URLs resolve
    /// against `base` (the map file's URL).
    pub(crate) fn parse(text: &str, base: &Url) -> Result<ImportMap, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let top = v.as_object().ok_or("the import map is not a JSON object")?;
        let imports = match top.get("imports") {
            None => Vec::new(),
            Some(m) => specifier_map(m, base)?,
        };
        let mut scopes = Vec::new();
        if let Some(s) = top.get("scopes") {
            let s = s.as_object().ok_or("\"scopes\" is not an object")?;
            for (prefix, m) in s {
                let scope = base
                    .join(prefix)
                    .map_err(|e| format!("scope \"{prefix}\" is not a URL: {e}"))?;
                scopes.push((scope.to_string(), specifier_map(m, base)?));
            }
        }
        scopes.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        Ok(ImportMap { imports, scopes })
    }

    /// The URL the map gives `specifier` imported from `referrer`, if any
    /// (HTML `#resolving-an-imports-match`).
    pub(crate) fn resolve(&self, specifier: &str, referrer: &Url) -> Option<String> {
        // A URL-like specifier matches keys in its resolved form.
        let url_like = specifier.starts_with('/')
            || specifier.starts_with("./")
            || specifier.starts_with("../")
            || Url::parse(specifier).is_ok();
        let normalized = if url_like {
            referrer.join(specifier).ok()?.to_string()
        } else {
            specifier.to_string()
        };
        let referrer = referrer.as_str();
        self.scopes
            .iter()
            .filter(|(prefix, _)| referrer.starts_with(prefix.as_str()))
            .map(|(_, map)| map)
            .chain(std::iter::once(&self.imports))
            .find_map(|map| lookup(map, &normalized))
    }
}

/// A specifier map's entries, keys normalized (URL-like keys resolved
/// against `base`), longest first; an entry whose value is not a URL is
/// left out, as the standard says (with a warning there).
fn specifier_map(v: &Value, base: &Url) -> Result<SpecifierMap, String> {
    let m = v.as_object().ok_or("a specifier map is not an object")?;
    let mut out = Vec::new();
    for (key, target) in m {
        let key = if key.starts_with('/') || key.starts_with("./") || key.starts_with("../") {
            match base.join(key) {
                Ok(u) => u.to_string(),
                Err(_) => continue,
            }
        } else {
            key.clone()
        };
        let Some(target) = target.as_str().and_then(|t| base.join(t).ok()) else {
            continue;
        };
        if key.ends_with('/') && !target.as_str().ends_with('/') {
            continue;
        }
        out.push((key, target));
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.0.len()));
    Ok(out)
}

/// An exact key, else the longest `/`-ending prefix key.
fn lookup(map: &SpecifierMap, specifier: &str) -> Option<String> {
    map.iter().find_map(|(key, target)| {
        if key == specifier {
            Some(target.to_string())
        } else if key.ends_with('/') && specifier.starts_with(key.as_str()) {
            target
                .join(&specifier[key.len()..])
                .ok()
                .map(|u| u.to_string())
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_prefix_and_scoped_entries() {
        let base = Url::parse("file:///app/importmap.json").unwrap();
        let map = ImportMap::parse(
            r#"{
              "imports": {"lodash": "./vendor/lodash.mjs", "lib/": "./libs/", "./old.js": "./new.js", "bad": 5},
              "scopes": {"/app/legacy/": {"lodash": "./vendor/lodash-3.mjs"}}
            }"#,
            &base,
        )
        .unwrap();
        let from = Url::parse("file:///app/main.mjs").unwrap();
        let legacy = Url::parse("file:///app/legacy/x.mjs").unwrap();
        assert_eq!(
            map.resolve("lodash", &from).unwrap(),
            "file:///app/vendor/lodash.mjs"
        );
        assert_eq!(
            map.resolve("lodash", &legacy).unwrap(),
            "file:///app/vendor/lodash-3.mjs"
        );
        assert_eq!(
            map.resolve("lib/a/b.mjs", &from).unwrap(),
            "file:///app/libs/a/b.mjs"
        );
        assert_eq!(
            map.resolve("./old.js", &from).unwrap(),
            "file:///app/new.js"
        );
        assert_eq!(
            map.resolve("bad", &from),
            None,
            "a value that is not a URL is left out"
        );
        assert_eq!(map.resolve("other", &from), None);
        assert!(ImportMap::parse("[1]", &base).is_err());
    }
}
