//! Every way cloning can fail, as one typed enum.

use thiserror::Error;

/// An error from serializing or deserializing a structured-clone value.
///
/// The variants whose name starts with a noun are the
/// standard's `DataCloneError` cases ([`CloneError::is_data_clone_error`]
/// says which); the `Malformed*`/`Truncated`/`TooDeep` family answers hostile
/// or corrupt wire bytes; `Custom` carries serde's own errors.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CloneError {
    // ---- DataCloneError cases (HTML `#structuredserializeinternal`) ----
    /// A Symbol was found where a value was expected.
    #[error("DataCloneError: a Symbol could not be cloned")]
    Symbol,
    /// A function or class was found.
    #[error("DataCloneError: a function could not be cloned")]
    Function,
    /// A platform object that is not serializable (for example a
    /// MessagePort outside the transfer list).
    #[error("DataCloneError: {0} object could not be cloned")]
    NotSerializable(String),
    /// An object with internal slots the algorithm does not support
    /// (Promise, WeakMap, WeakRef, a boxed Symbol, a Proxy, …).
    #[error("DataCloneError: {0} could not be cloned")]
    UnsupportedObject(String),
    /// A detached ArrayBuffer was serialized or transferred.
    #[error("DataCloneError: an ArrayBuffer is detached and could not be cloned")]
    DetachedArrayBuffer,
    /// A typed array or DataView is out of bounds of its buffer.
    #[error("DataCloneError: a view is out of bounds of its ArrayBuffer")]
    OutOfBoundsView,
    /// A SharedArrayBuffer where none may go (no cross-origin isolation,
    /// storage, the transfer list, or another agent cluster).
    #[error("DataCloneError: a SharedArrayBuffer could not be cloned here")]
    SharedArrayBuffer,
    /// A transfer-list entry is neither an ArrayBuffer nor a transferable
    /// platform object.
    #[error("DataCloneError: transfer list entry {index} is not transferable")]
    NotTransferable {
        /// Position in the transfer list.
        index: usize,
    },
    /// The same object appears twice in the transfer list.
    #[error("DataCloneError: transfer list entry {index} is a duplicate")]
    DuplicateTransfer {
        /// Position of the second occurrence.
        index: usize,
    },
    /// A transferable platform object (a closed or already transferred
    /// port) is detached.
    #[error("DataCloneError: transfer list entry {index} is detached")]
    DetachedTransfer {
        /// Position in the transfer list.
        index: usize,
    },
    /// An interface that does not exist in the receiving realm.
    #[error("DataCloneError: {0} is not available in the target realm")]
    NotExposed(String),
    /// A value refers to a transferred object that is not in the transfer list.
    #[error(
        "DataCloneError: value refers to transfer slot {0}, which is not in the transfer list"
    )]
    MissingTransfer(u32),

    // ---- Hostile or corrupt input ----
    /// The input ended in the middle of a value.
    #[error("malformed clone data: input ended early at byte {0}")]
    Truncated(usize),
    /// The wire header is missing or names a version this decoder cannot read.
    #[error("malformed clone data: unsupported wire version {0}")]
    UnsupportedVersion(u32),
    /// An unknown or misplaced tag byte.
    #[error("malformed clone data: unexpected tag 0x{tag:02x} at byte {at}")]
    UnexpectedTag {
        /// The tag byte.
        tag: u8,
        /// Its position.
        at: usize,
    },
    /// A structurally invalid value (bad lengths, bad counts, bad references).
    #[error("malformed clone data at byte {at}: {what}")]
    Malformed {
        /// Position of the problem.
        at: usize,
        /// What was wrong.
        what: &'static str,
    },
    /// A back-reference to an object that does not exist (yet).
    #[error("malformed clone data: reference to unknown object #{0}")]
    InvalidReference(u32),
    /// Nesting deeper than the configured limit.
    #[error("clone data nests deeper than the limit of {0} levels")]
    TooDeep(usize),
    /// Bytes were left after the top-level value.
    #[error("malformed clone data: {0} trailing bytes")]
    TrailingBytes(usize),

    // ---- serde ----
    /// The value does not fit the Rust type asked for, or a serde impl failed.
    #[error("{0}")]
    Custom(String),
}

impl CloneError {
    /// Whether the standard reports this error as a `DOMException` named
    /// `DataCloneError` (legacy code 25). Malformed input also surfaces to
    /// script as `DataCloneError` (StructuredDeserialize failing), so only
    /// serde's own errors answer `false`.
    pub fn is_data_clone_error(&self) -> bool {
        !matches!(self, CloneError::Custom(_))
    }
}

impl serde::ser::Error for CloneError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CloneError::Custom(msg.to_string())
    }
}

impl serde::de::Error for CloneError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CloneError::Custom(msg.to_string())
    }
}

/// Result alias for this crate.
pub type Result<T, E = CloneError> = std::result::Result<T, E>;
