//! Transfer-list slots in serde types.
//!
//! A serde value cannot hold a transferred object itself: the object moves
//! beside the wire bytes, in the record, and the bytes refer to it by its
//! index in the transfer list. A type that stands for such an object (the
//! ports crate's `MessagePort` and `Buffer`) serializes as a newtype struct
//! named [`HOST`] or [`BUFFER`] around that `u32` index, and deserializes
//! the same way. This crate's [`Serializer`](crate::Serializer) writes
//! them as V8 does a transferred object — a host object `\` of kind
//! [`TRANSFERRED`](crate::wire::host_kind::TRANSFERRED) for a port, an
//! `ArrayBufferTransfer` (`t`) for a buffer — and its
//! [`Deserializer`](crate::Deserializer) reads them back; any other
//! serializer just sees a newtype around a number.
//!
//! This crate knows nothing of what the index refers to: the caller keeps
//! the transfer list.
//!
//! ```
//! use serde::Serialize;
//! struct PortSlot(u32);
//! impl Serialize for PortSlot {
//!     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
//!         s.serialize_newtype_struct(msgport_clone::slot::HOST, &self.0)
//!     }
//! }
//! let bytes = msgport_clone::to_bytes(&PortSlot(2)).unwrap();
//! assert_eq!(bytes, b"\xFF\x0F\\\x00\x02"); // host object, kind 0 (transferred), index 2
//! ```

/// The newtype name of a transferred host object (a port): a `u32` index
/// into the record's transferred host objects.
pub const HOST: &str = "$msgport_clone::slot::Host";

/// The newtype name of a transferred ArrayBuffer: a `u32` index into the
/// record's transferred buffers. Deserializing one also accepts an
/// ArrayBuffer or typed array that was copied into the bytes (visited as
/// bytes), so a receiver reads a buffer whether the sender transferred it
/// or not.
pub const BUFFER: &str = "$msgport_clone::slot::Buffer";
