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
    /// SharedArrayBuffers, whose memory the receiver shares, in the order
    /// the value reaches them (`u` + index on the wire).
    pub shared: Vec<crate::SharedArrayBuffer>,
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
            shared: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Bytes the record holds (wire bytes plus transferred buffers).
    pub fn byte_size(&self) -> usize {
        self.bytes.len() + self.buffers.iter().map(|b| b.data.len()).sum::<usize>()
    }
}

/// What one entry of a transfer list is, as step 2 of
/// StructuredSerializeWithTransfer
/// (<https://html.spec.whatwg.org/multipage/structured-data.html#structuredserializewithtransfer>)
/// sorts it. `K` is the entry's identity: the same object twice is the same
/// key. Every caller — the `Graph` path here, serde values with ports in
/// the ports crate, JavaScript values in the JS binding — describes its
/// list this way and leaves the rules to [`check_transfer_list`] and
/// [`check_not_detached`], so that all report the same errors with the same
/// indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEntry<K> {
    /// An ArrayBuffer (`[[ArrayBufferData]]`, not shared).
    ArrayBuffer(K),
    /// A SharedArrayBuffer: never transferable.
    SharedArrayBuffer,
    /// A transferable platform object (a `[[Detached]]` slot): a port.
    Platform(K),
    /// Anything else.
    NotTransferable,
}

/// Step 2 of StructuredSerializeWithTransfer, before anything is
/// serialized: every entry transferable, none shared, none twice.
///
/// ```
/// use msgport_clone::{check_transfer_list, CloneError, ListEntry};
/// assert!(check_transfer_list(&[ListEntry::ArrayBuffer(1), ListEntry::Platform(2)]).is_ok());
/// assert_eq!(
///     check_transfer_list(&[ListEntry::Platform(7), ListEntry::Platform(7)]),
///     Err(CloneError::DuplicateTransfer { index: 1 })
/// );
/// assert_eq!(
///     check_transfer_list::<u8>(&[ListEntry::NotTransferable]),
///     Err(CloneError::NotTransferable { index: 0 })
/// );
/// ```
pub fn check_transfer_list<K: Eq + std::hash::Hash>(list: &[ListEntry<K>]) -> crate::Result<()> {
    use crate::CloneError;
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let key = match entry {
            ListEntry::ArrayBuffer(k) | ListEntry::Platform(k) => k,
            ListEntry::SharedArrayBuffer => return Err(CloneError::SharedArrayBuffer),
            ListEntry::NotTransferable => return Err(CloneError::NotTransferable { index }),
        };
        if !seen.insert(key) {
            return Err(CloneError::DuplicateTransfer { index });
        }
    }
    Ok(())
}

/// The checks of step 4, after serialization and before anything is
/// detached: `detached(index)` tells whether entry `index` is detached
/// now (a getter may have detached it while the value serialized). A
/// detached ArrayBuffer is [`DetachedArrayBuffer`](crate::CloneError::DetachedArrayBuffer),
/// a detached platform object [`DetachedTransfer`](crate::CloneError::DetachedTransfer)
/// with its index in the list.
pub fn check_not_detached<K>(
    list: &[ListEntry<K>],
    mut detached: impl FnMut(usize) -> bool,
) -> crate::Result<()> {
    use crate::CloneError;
    for (index, entry) in list.iter().enumerate() {
        match entry {
            ListEntry::ArrayBuffer(_) if detached(index) => {
                return Err(CloneError::DetachedArrayBuffer)
            }
            ListEntry::Platform(_) if detached(index) => {
                return Err(CloneError::DetachedTransfer { index })
            }
            _ => {}
        }
    }
    Ok(())
}
