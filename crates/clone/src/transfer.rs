//! Records and the transfer list (HTML
//! `#structuredserializewithtransfer`).

use crate::block::DataBlock;
use crate::value::ObjectId;

/// A platform object that can be transferred: the ports crate implements it
/// for `MessagePort`. The methods are the standard's hooks, seen from the
/// serializer; they take `&self` because transfer detaches the sender's
/// object in place (its handle stays, dead), as in JavaScript.
pub trait Transferable {
    /// The data holder the transfer steps produce, carried in the record
    /// to the receiver (for a port: its name and the route to its peer).
    type Shipped: Send + 'static;

    /// `[[Detached]]`: a closed or already transferred object.
    fn is_detached(&self) -> bool;

    /// Whether `self` and `other` are the same object (duplicate check).
    fn is_same(&self, other: &Self) -> bool;

    /// The transfer steps: detach `self` and return its data holder. Called
    /// only after every check of the whole transfer list has passed.
    fn transfer(&self) -> Self::Shipped;
}

/// An object that never exists: the host type for messages with no ports.
#[derive(Debug)]
pub enum NoHost {}

impl Transferable for NoHost {
    type Shipped = NoHost;
    fn is_detached(&self) -> bool {
        match *self {}
    }
    fn is_same(&self, _: &Self) -> bool {
        match *self {}
    }
    fn transfer(&self) -> NoHost {
        match *self {}
    }
}

/// One entry of a transfer list, in the order the caller gave.
#[derive(Debug)]
pub enum TransferItem<'a, H> {
    /// An ArrayBuffer of the graph being serialized; its bytes move into the record.
    ArrayBuffer(ObjectId),
    /// A transferable platform object. The graph refers to the `n`-th host
    /// item of the list as [`crate::HostObject::Transferred`]`(n)`.
    Host(&'a H),
}

/// A transferred ArrayBuffer's contents: moved, never copied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransferredBuffer {
    /// The bytes.
    pub data: DataBlock,
    /// `Some(max)` for a resizable buffer.
    pub max_byte_length: Option<usize>,
}

/// A serialized message: wire bytes plus what was transferred with it
/// (`{[[Serialized]], [[TransferDataHolders]]}`).
#[derive(Debug, Default)]
pub struct Record<S> {
    /// V8 version-15 wire bytes.
    pub bytes: Vec<u8>,
    /// Transferred ArrayBuffers, in transfer-list order (`t` + index on the wire).
    pub buffers: Vec<TransferredBuffer>,
    /// Data holders of transferred host objects, in transfer-list order
    /// (host kind 0 + index on the wire).
    pub hosts: Vec<S>,
}

impl<S> Record<S> {
    /// A record of plain bytes, nothing transferred.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Record {
            bytes,
            buffers: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Bytes the record holds (wire bytes plus transferred buffers).
    pub fn byte_size(&self) -> usize {
        self.bytes.len() + self.buffers.iter().map(|b| b.data.len()).sum::<usize>()
    }
}
