//! The run's blob URL store (File API `#BlobURLStore`): a `blob:` URL made
//! in one context of the run resolves in every other (they share one
//! origin), until it is revoked or the context that made it ends (File API
//! `#lifeTime`). Each context keeps its own Blob objects for its own URLs;
//! this store holds a copy of the bytes for the others.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A Blob's bytes and type, as another context makes its own Blob from them.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) kind: String,
}

/// The store, shared by the run's contexts (in its `signal::Group`).
#[derive(Default)]
pub(crate) struct BlobUrls {
    entries: Mutex<HashMap<String, Entry>>,
}

impl BlobUrls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn insert(&self, url: String, entry: Entry) {
        self.lock().insert(url, entry);
    }

    pub(crate) fn remove(&self, url: &str) {
        self.lock().remove(url);
    }

    pub(crate) fn get(&self, url: &str) -> Option<Entry> {
        self.lock().get(url).cloned()
    }

    pub(crate) fn contains(&self, url: &str) -> bool {
        self.lock().contains_key(url)
    }

    /// Revokes the URLs a context made, when it ends.
    pub(crate) fn remove_all(&self, urls: &[String]) {
        let mut entries = self.lock();
        for url in urls {
            entries.remove(url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_until_revoked_or_their_context_ends() {
        let store = BlobUrls::default();
        let entry = || Entry {
            bytes: Arc::from(&b"hi"[..]),
            kind: "text/plain".into(),
        };
        store.insert("blob:null/a".into(), entry());
        store.insert("blob:null/b".into(), entry());
        assert_eq!(&*store.get("blob:null/a").unwrap().bytes, b"hi");
        store.remove("blob:null/a");
        assert!(store.get("blob:null/a").is_none());
        store.remove_all(&["blob:null/b".to_string()]);
        assert!(store.get("blob:null/b").is_none());
    }
}
