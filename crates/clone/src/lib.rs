//! # msgport-clone
//!
//! The HTML standard's structured-clone data model
//! (<https://html.spec.whatwg.org/multipage/structured-data.html#safe-passing-of-structured-data>)
//! and V8's ValueSerializer wire format, version 15 — byte-compatible with
//! Node's `v8.Serializer` for every value both can express.
//!
//! Three ways in and out:
//! - [`Graph`]: the dynamic value, shared references and cycles included;
//!   [`to_bytes_graph`] / [`from_bytes_graph`], and with a transfer list
//!   [`serialize_with_transfer`] / [`deserialize_with_transfer`].
//! - serde: [`to_bytes`] / [`from_bytes`] go between any Rust type and wire
//!   bytes with no `Graph` in between; [`to_graph`] / [`from_graph`] convert.
//! - [`wire`]: the format's primitives, for other encoders (the JS binding).
//!
//! This crate knows nothing of ports, threads or JS engines: a transferred
//! port is whatever implements [`Transferable`].
//!
//! ```
//! use msgport_clone::{from_bytes, to_bytes};
//! use std::collections::BTreeMap;
//! let mut m = BTreeMap::new();
//! m.insert(1u32, vec!["a".to_string()]);
//! let bytes = to_bytes(&m).unwrap();            // a JS Map {1 => ["a"]}
//! let back: BTreeMap<u32, Vec<String>> = from_bytes(&bytes).unwrap();
//! assert_eq!(back, m);
//! ```
#![warn(missing_docs)]

mod block;
mod de;
mod decode;
mod encode;
mod error;
mod same;
mod ser;
mod shared;
pub mod slot;
mod string;
mod transfer;
mod value;
pub mod wire;

pub use block::DataBlock;
pub use de::{from_bytes, Deserializer};
pub use decode::{
    deserialize_with_shared, deserialize_with_transfer, from_bytes_graph, DecodeOptions,
};
pub use encode::{serialize_with_transfer, to_bytes_graph, to_record, DEFAULT_MAX_DEPTH};
pub use error::{CloneError, Result};
pub use num_bigint::BigInt;
pub use ser::{to_bytes, to_bytes_into, Serializer};
pub use shared::{SharedBlock, MAX_SHARED_LEN};
pub use string::JsString;
pub use transfer::{
    check_not_detached, check_transfer_list, ListEntry, NoHost, Record, TransferItem, Transferable,
    TransferredBuffer,
};
pub use value::{
    Array, ArrayBuffer, Blob, DomException, ErrorName, ErrorValue, File, Graph, HostObject, Object,
    ObjectId, PropertyKey, Props, RegExpFlags, SharedArrayBuffer, Value, View, ViewKind,
};

/// Converts any `Serialize` value to a [`Graph`].
///
/// ```
/// let g = msgport_clone::to_graph(&(1, "two")).unwrap();
/// let back: (i32, String) = msgport_clone::from_graph(&g).unwrap();
/// assert_eq!(back, (1, "two".to_string()));
/// ```
pub fn to_graph<T: serde::Serialize + ?Sized>(value: &T) -> Result<Graph> {
    from_bytes_graph(&to_bytes(value)?)
}

/// Converts a [`Graph`] to any `DeserializeOwned` type (a cyclic graph is an error).
pub fn from_graph<T: serde::de::DeserializeOwned>(g: &Graph) -> Result<T> {
    from_bytes(&to_bytes_graph(g)?)
}
