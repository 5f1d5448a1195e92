//! The errors of the embedding API ([`JsRuntime`](crate::JsRuntime)), as
//! msgport-js's own type: the engine crate is pinned exactly and breaks
//! its API at every minor release, so its error type is not ours to expose.
#![forbid(unsafe_code)]

/// Why the embedding API could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine could not be created or set up (out of memory, a
    /// failure while installing the web globals).
    #[error("the JavaScript engine failed: {0}")]
    Engine(String),
    /// JavaScript threw (for example, a global of that name cannot be set).
    #[error("JavaScript threw: {0}")]
    Exception(String),
    /// A directory given to [`JsRuntime::allow_read`](crate::JsRuntime::allow_read),
    /// or a file given to [`JsRuntime::set_import_map`](crate::JsRuntime::set_import_map),
    /// cannot be used (it does not exist, cannot be read, or is not valid).
    #[error("{}: {reason}", path.display())]
    Directory {
        path: std::path::PathBuf,
        reason: String,
    },
}

impl Error {
    /// The engine's error, described.
    pub(crate) fn engine(e: rquickjs::Error) -> Self {
        Error::Engine(e.to_string())
    }
}
