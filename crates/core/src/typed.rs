//! Ports and buffers inside serde types.
//!
//! `post(&T)` transfers every [`MessagePort`] and [`Buffer`] that `T`
//! holds, in the order serialization meets them (that order is the
//! transfer list); a typed receive gives them back inside `T`. The wire
//! carries them as msgport-clone's transfer-list [`slot`]s.
//!
//! Both directions keep a per-thread context for the duration of one
//! serialization or deserialization (a stack: a `Serialize` impl may post,
//! a `Deserialize` impl may receive):
//! - posting notes each port and buffer met and writes its index; nothing
//!   is detached until the whole value has serialized, so a failed post
//!   leaves every port and buffer as it was;
//! - receiving hands each slot out once; a port handed out and then dropped
//!   because the value did not fit `T` comes back to the context (see
//!   [`reclaim`]), a buffer's bytes are taken back, and the whole message
//!   is returned as an [`Event::Mismatch`], to be read another way.

use crate::event::{Event, Message};
use crate::port::PostError;
use crate::port::{MessagePort, Payload, Port, ShippedPort, Task};
use crate::sync::{plain, Arc, Mutex};
use msgport_clone::{
    check_not_detached, check_transfer_list, deserialize_with_shared, from_bytes, slot, CloneError,
    DataBlock, DecodeOptions, Graph, ListEntry, SharedArrayBuffer, Transferable, TransferredBuffer,
};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{self, Serializer};
use std::cell::{Cell, RefCell};
use std::fmt;

// ---------------------------------------------------------------------
// Posting
// ---------------------------------------------------------------------

/// A port or buffer met while serializing one `post`.
enum Item {
    /// A non-owning handle (same epoch as the user's).
    Port(MessagePort),
    Buffer(Arc<Mutex<Option<DataBlock>>>),
}

thread_local! {
    /// How many `post` serializations are running on this thread.
    static POST_LEVEL: Cell<u32> = const { Cell::new(0) };
    /// Items met, tagged with the level of the `post` that met them.
    static FOUND: RefCell<Vec<(u32, Item)>> = const { RefCell::new(Vec::new()) };
    /// Whether `FOUND` may be non-empty: the common post, which meets no
    /// port or buffer, then reads one flag instead of borrowing the list.
    static FOUND_ANY: Cell<bool> = const { Cell::new(false) };
}

/// One `post`'s serialization context. Leaving it (by `finish` or by
/// unwinding) drops the items it noted.
pub(crate) struct PostScope {
    level: u32,
}

impl PostScope {
    pub(crate) fn enter() -> Self {
        let level = POST_LEVEL.with(|l| {
            let n = l.get() + 1;
            l.set(n);
            n
        });
        PostScope { level }
    }

    /// The ports and buffers the value held, if any.
    pub(crate) fn finish(self) -> Option<Found> {
        let items = take_items(self.level);
        // `Drop` restores the level.
        drop(self);
        items.map(|items| Found { items })
    }
}

impl Drop for PostScope {
    fn drop(&mut self) {
        POST_LEVEL.with(|l| l.set(self.level - 1));
        drop(take_items(self.level));
    }
}

fn take_items(level: u32) -> Option<Vec<Item>> {
    if !FOUND_ANY.try_with(Cell::get).unwrap_or(false) {
        return None;
    }
    FOUND
        .try_with(|f| {
            let mut f = f.try_borrow_mut().ok()?;
            if f.is_empty() {
                FOUND_ANY.with(|a| a.set(false));
                return None;
            }
            let items: Vec<Item> = f
                .iter()
                .position(|(l, _)| *l == level)
                .map(|i| f.drain(i..).map(|(_, it)| it).collect())
                .unwrap_or_default();
            if f.is_empty() {
                FOUND_ANY.with(|a| a.set(false));
            }
            (!items.is_empty()).then_some(items)
        })
        .ok()
        .flatten()
}

/// Notes an item for the innermost `post`; returns its slot index (ports
/// and buffers are counted apart, as in a record). The same port or buffer
/// met twice gets one slot, as one JS object does.
fn note(item: Item) -> Result<u32, &'static str> {
    let level = POST_LEVEL.with(Cell::get);
    if level == 0 {
        return Err(match item {
            Item::Port(_) => {
                "a MessagePort is transferred, never copied: serialize it only inside \
                 MessagePort::post (it cannot go through to_bytes, a broadcast or another format)"
            }
            Item::Buffer(_) => unreachable!("buffers outside post are copied"),
        });
    }
    FOUND.with(|f| {
        let mut f = f.borrow_mut();
        let mut index = 0u32;
        for (l, it) in f.iter() {
            if *l != level {
                continue;
            }
            match (it, &item) {
                (Item::Port(a), Item::Port(b)) if Arc::ptr_eq(&a.port, &b.port) => {
                    return Ok(index)
                }
                (Item::Buffer(a), Item::Buffer(b)) if Arc::ptr_eq(a, b) => return Ok(index),
                (Item::Port(_), Item::Port(_)) | (Item::Buffer(_), Item::Buffer(_)) => index += 1,
                _ => {}
            }
        }
        f.push((level, item));
        FOUND_ANY.with(|a| a.set(true));
        Ok(index)
    })
}

/// The ports and buffers one posted value held, in transfer-list order.
pub(crate) struct Found {
    items: Vec<Item>,
}

impl Found {
    fn ports(&self) -> impl Iterator<Item = &MessagePort> {
        self.items.iter().filter_map(|i| match i {
            Item::Port(p) => Some(p),
            Item::Buffer(_) => None,
        })
    }

    /// The checks of the post message steps and of StructuredSerializeWithTransfer
    /// on the transfer list, before anything is detached: the source port
    /// (`PostError::SourcePort`), then msgport-clone's one validator of
    /// transfer lists (a detached port or buffer).
    pub(crate) fn check(&self, source: &Arc<Port>) -> Result<(), PostError> {
        if self.ports().any(|p| Arc::ptr_eq(&p.port, source)) {
            return Err(PostError::SourcePort);
        }
        let entries: Vec<ListEntry<usize>> = self
            .items
            .iter()
            .map(|i| match i {
                Item::Port(p) => ListEntry::Platform(Arc::as_ptr(&p.port) as usize),
                Item::Buffer(b) => ListEntry::ArrayBuffer(Arc::as_ptr(b) as usize),
            })
            .collect();
        check_transfer_list(&entries)?;
        check_not_detached(&entries, |index| match &self.items[index] {
            Item::Port(p) => Transferable::is_detached(p),
            Item::Buffer(b) => plain(b).is_none(),
        })?;
        Ok(())
    }

    /// Whether `port` is among the ports (the message is then doomed).
    pub(crate) fn holds(&self, port: &Arc<Port>) -> bool {
        self.ports().any(|p| Arc::ptr_eq(&p.port, port))
    }

    /// The transfer steps: the buffers' bytes move out (the buffers are
    /// left detached), then the ports are shipped.
    pub(crate) fn transfer(self) -> Result<(Vec<TransferredBuffer>, Vec<ShippedPort>), CloneError> {
        let cells: Vec<&Arc<Mutex<Option<DataBlock>>>> = self
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Buffer(b) => Some(b),
                Item::Port(_) => None,
            })
            .collect();
        let mut buffers = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            match plain(cell).take() {
                Some(data) => buffers.push(TransferredBuffer {
                    data,
                    max_byte_length: None,
                }),
                None => {
                    // Detached by another thread since the check: put the
                    // taken ones back, detach nothing.
                    for (c, b) in cells.iter().zip(buffers.drain(..)).take(i) {
                        *plain(c) = Some(b.data);
                    }
                    return Err(CloneError::DetachedArrayBuffer);
                }
            }
        }
        let ports = self.ports().map(Transferable::transfer).collect();
        Ok((buffers, ports))
    }
}

impl ser::Serialize for MessagePort {
    /// Inside [`MessagePort::post`]: notes the port for transfer and writes
    /// its transfer-list index. Anywhere else: an error (a port cannot be
    /// copied).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let handle = MessagePort::from_parts(self.port.clone(), self.epoch(), false);
        let index = note(Item::Port(handle)).map_err(ser::Error::custom)?;
        s.serialize_newtype_struct(slot::HOST, &index)
    }
}

// ---------------------------------------------------------------------
// Buffers
// ---------------------------------------------------------------------

/// A byte buffer that moves: inside a value given to
/// [`MessagePort::post`], its bytes are transferred without a copy (the
/// JS side sees an `ArrayBuffer`) and this buffer is left detached; a typed
/// receive gives the bytes back in a `Buffer`, again without a copy.
/// Received from a sender that copied its bytes (an ArrayBuffer or typed
/// array in the message), it holds those bytes.
///
/// Outside `post` (in `to_bytes`, a broadcast, another serde format) it is
/// serialized as bytes, copied. A `Vec<u8>` field, by contrast, is a JS
/// Array of numbers; `serde_bytes` makes it a copied `Uint8Array`.
///
/// ```
/// use msgport::{Buffer, Event, MessageChannel};
/// use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize)]
/// struct Frame { seq: u32, pixels: Buffer }
///
/// let ch = MessageChannel::new();
/// let frame = Frame { seq: 1, pixels: Buffer::new(vec![7; 1 << 20]) };
/// ch.port1.post(&frame).unwrap();
/// assert!(frame.pixels.is_detached()); // moved, not copied
/// let Event::Message(m) = ch.port2.recv_blocking_as::<Frame>(None).unwrap() else { panic!() };
/// assert_eq!(m.data.pixels.len(), 1 << 20);
/// assert_eq!(m.data.pixels.into_vec()[0], 7);
/// ```
pub struct Buffer {
    cell: Arc<Mutex<Option<DataBlock>>>,
}

impl Buffer {
    /// A buffer owning `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Buffer::from_block(DataBlock::from(bytes))
    }

    /// A buffer owning `data`, whatever holds its memory (a `Vec`, a
    /// shared-memory region: see [`DataBlock::from_owner`]).
    ///
    /// ```
    /// let b = msgport::Buffer::from_block(msgport::clone::DataBlock::from(vec![1, 2]));
    /// assert_eq!(b.len(), 2);
    /// ```
    pub fn from_block(data: DataBlock) -> Self {
        Buffer {
            cell: Arc::new(Mutex::new(Some(data))),
        }
    }

    /// Its length in bytes (0 once detached).
    pub fn len(&self) -> usize {
        plain(&self.cell).as_ref().map_or(0, |d| d.len())
    }

    /// Whether it holds no bytes (empty, or detached).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether its bytes were transferred away.
    pub fn is_detached(&self) -> bool {
        plain(&self.cell).is_none()
    }

    /// Runs `f` on the bytes (an empty slice once detached).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match plain(&self.cell).as_deref() {
            Some(d) => f(d),
            None => f(&[]),
        }
    }

    /// Takes the bytes out, leaving the buffer detached (`None` if it
    /// already was).
    pub fn take(&self) -> Option<Vec<u8>> {
        plain(&self.cell).take().map(DataBlock::into_vec)
    }

    /// The bytes (empty once detached).
    pub fn into_vec(self) -> Vec<u8> {
        self.take().unwrap_or_default()
    }
}

impl From<Vec<u8>> for Buffer {
    fn from(v: Vec<u8>) -> Self {
        Buffer::new(v)
    }
}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match plain(&self.cell).as_ref() {
            Some(d) => write!(f, "Buffer({} bytes)", d.len()),
            None => write!(f, "Buffer(detached)"),
        }
    }
}

impl ser::Serialize for Buffer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if POST_LEVEL.with(Cell::get) == 0 {
            return self.with_bytes(|b| s.serialize_bytes(b));
        }
        let index = note(Item::Buffer(self.cell.clone())).map_err(ser::Error::custom)?;
        s.serialize_newtype_struct(slot::BUFFER, &index)
    }
}

impl<'de> de::Deserialize<'de> for Buffer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Buffer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a transferred or copied ArrayBuffer")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Buffer, D::Error> {
                let index = <u32 as de::Deserialize>::deserialize(d)?;
                claim_buffer(index).map_err(de::Error::custom)
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Buffer, E> {
                Ok(Buffer::new(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Buffer, E> {
                Ok(Buffer::new(v))
            }
        }
        d.deserialize_newtype_struct(slot::BUFFER, V)
    }
}

// ---------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------

/// One typed receive's transferred objects, handed out once each.
struct RecvCtx {
    ports: Vec<Option<MessagePort>>,
    /// The ports' states, to recognise a handed-out port coming back.
    states: Vec<Arc<Port>>,
    buffers: Vec<Option<DataBlock>>,
    /// Buffers handed out, to take their bytes back if the value fails.
    handed: Vec<(usize, Arc<Mutex<Option<DataBlock>>>)>,
}

thread_local! {
    static RECV: RefCell<Vec<RecvCtx>> = const { RefCell::new(Vec::new()) };
}

fn claim_port(index: u32) -> Result<MessagePort, String> {
    RECV.with(|r| {
        let mut r = r.borrow_mut();
        let ctx = r.last_mut().ok_or_else(|| {
            "no transferred port to read here: a MessagePort is read only by a typed \
             receive of msgport (recv_as, recv_blocking_as, try_recv_as, …) of a message \
             that transferred one"
                .to_string()
        })?;
        ctx.ports
            .get_mut(index as usize)
            .and_then(Option::take)
            .ok_or_else(|| {
                format!("the message transferred no port at index {index}, or it was read twice")
            })
    })
}

fn claim_buffer(index: u32) -> Result<Buffer, String> {
    RECV.with(|r| {
        let mut r = r.borrow_mut();
        let ctx = r.last_mut().ok_or_else(|| {
            format!("transferred buffer {index} read outside a typed receive of msgport")
        })?;
        let data = ctx
            .buffers
            .get_mut(index as usize)
            .and_then(Option::take)
            .ok_or_else(|| {
                format!("the message transferred no buffer at index {index}, or it was read twice")
            })?;
        let b = Buffer::from_block(data);
        ctx.handed.push((index as usize, b.cell.clone()));
        Ok(b)
    })
}

/// Called by `MessagePort`'s `Drop`: a handle that the innermost typed
/// receive handed out, dropped while that receive is still running (the
/// value did not fit), goes back to it instead of closing the port.
pub(crate) fn reclaim(port: &mut MessagePort) -> bool {
    RECV.try_with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return false;
        };
        let Some(ctx) = r.last_mut() else {
            return false;
        };
        let Some(i) = ctx.states.iter().position(|s| Arc::ptr_eq(s, &port.port)) else {
            return false;
        };
        if ctx.ports[i].is_some() {
            return false;
        }
        ctx.ports[i] = Some(port.take_handle());
        true
    })
    .unwrap_or(false)
}

impl<'de> de::Deserialize<'de> for MessagePort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MessagePort;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a transferred MessagePort")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<MessagePort, D::Error> {
                let index = <u32 as de::Deserialize>::deserialize(d)?;
                claim_port(index).map_err(de::Error::custom)
            }
        }
        d.deserialize_newtype_struct(slot::HOST, V)
    }
}

/// The message of a typed receive whose value did not fit the type asked
/// for: nothing of it is lost. Read it as a [`Graph`] (its ports with it)
/// or as another type.
///
/// ```
/// use msgport::{Event, MessageChannel};
/// let ch = MessageChannel::new();
/// ch.port1.post(&"not a number").unwrap();
/// let Event::Mismatch(m) = ch.port2.recv_blocking_as::<u32>(None).unwrap() else { panic!() };
/// assert!(m.error().to_string().contains("invalid type"));
/// let Event::Message(s) = m.read_as::<String>() else { panic!() };
/// assert_eq!(s.data, "not a number");
/// ```
pub struct Mismatch {
    error: CloneError,
    bytes: Vec<u8>,
    buffers: Vec<TransferredBuffer>,
    /// SharedArrayBuffers the message holds (no serde type reads them).
    shared: Vec<SharedArrayBuffer>,
    ports: Vec<MessagePort>,
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mismatch")
            .field("error", &self.error)
            .field("bytes", &self.bytes.len())
            .field("buffers", &self.buffers.len())
            .field("ports", &self.ports)
            .finish()
    }
}

impl Mismatch {
    /// Why the value did not fit.
    pub fn error(&self) -> &CloneError {
        &self.error
    }

    /// The message's wire bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The ports the message transferred, live, in transfer-list order.
    pub fn ports(&self) -> &[MessagePort] {
        &self.ports
    }

    /// The message as a dynamic value, with its ports.
    pub fn into_graph(self) -> Result<Message<Graph>, CloneError> {
        let data = deserialize_with_shared(
            &self.bytes,
            self.buffers,
            self.shared,
            self.ports.len(),
            DecodeOptions::default(),
        )?;
        Ok(Message {
            data,
            ports: self.ports,
        })
    }

    /// Reads the message again, as `U`.
    pub fn read_as<U: DeserializeOwned>(self) -> Event<U> {
        decode_typed(self.bytes.as_slice(), self.buffers, self.shared, self.ports)
    }
}

/// Runs a released task for a typed receive.
pub(crate) fn run<T: DeserializeOwned>(task: Task) -> Event<T> {
    match task {
        Task::Close { .. } => Event::Close,
        Task::Message {
            payload, extras, ..
        } => match extras {
            None => match from_bytes::<T>(payload.bytes()) {
                Ok(data) => Event::Message(Message {
                    data,
                    ports: Vec::new(),
                }),
                Err(error) => mismatch(error, owned(payload), Vec::new(), Vec::new(), Vec::new()),
            },
            Some(e) => {
                let ports = e.ports.into_iter().map(ShippedPort::receive).collect();
                decode_typed(payload.bytes(), e.buffers, e.shared, ports)
            }
        },
    }
}

fn owned(p: Payload) -> Vec<u8> {
    match p {
        Payload::Owned(v) => v,
        other => other.bytes().to_vec(),
    }
}

/// Deserializes `T` with the message's transferred objects in a context.
fn decode_typed<T: DeserializeOwned>(
    bytes: &[u8],
    buffers: Vec<TransferredBuffer>,
    shared: Vec<SharedArrayBuffer>,
    ports: Vec<MessagePort>,
) -> Event<T> {
    let ctx = RecvCtx {
        states: ports.iter().map(|p| p.port.clone()).collect(),
        ports: ports.into_iter().map(Some).collect(),
        buffers: buffers.into_iter().map(|b| Some(b.data)).collect(),
        handed: Vec::new(),
    };
    RECV.with(|r| r.borrow_mut().push(ctx));
    let result = from_bytes::<T>(bytes);
    let ctx = RECV
        .with(|r| r.borrow_mut().pop())
        .expect("the context pushed above");
    match result {
        Ok(data) => Event::Message(Message {
            data,
            // The ports the value did not take stay in `ports`.
            ports: ctx.ports.into_iter().flatten().collect(),
        }),
        Err(error) => {
            let mut buffers = ctx.buffers;
            for (i, cell) in ctx.handed {
                if let Some(data) = plain(&cell).take() {
                    buffers[i] = Some(data);
                }
            }
            let buffers: Vec<TransferredBuffer> = buffers
                .into_iter()
                .map(|d| TransferredBuffer {
                    data: d.unwrap_or_default(),
                    max_byte_length: None,
                })
                .collect();
            let ports: Vec<MessagePort> = ctx.ports.into_iter().flatten().collect();
            // A buffer a type reads as plain bytes but that travelled
            // beside the message (a large one a JS context cloned, which it
            // sends that way to copy it once): read again with the buffers
            // written into the bytes, as a sender that copied them would
            // have written them.
            if matches!(error, CloneError::MissingTransfer(_)) && !buffers.is_empty() {
                if let Some(inline) = inlined(bytes, &buffers, ports.len()) {
                    return match decode_typed::<T>(&inline, Vec::new(), Vec::new(), ports) {
                        Event::Mismatch(m) => {
                            mismatch(m.error, bytes.to_vec(), buffers, shared, m.ports)
                        }
                        other => other,
                    };
                }
            }
            mismatch(error, bytes.to_vec(), buffers, shared, ports)
        }
    }
}

/// `bytes` with its transferred buffers written into them (as copied
/// ArrayBuffers); `None` if it does not decode.
fn inlined(bytes: &[u8], buffers: &[TransferredBuffer], ports: usize) -> Option<Vec<u8>> {
    let graph = msgport_clone::deserialize_with_transfer(
        bytes,
        buffers.to_vec(),
        ports,
        DecodeOptions::default(),
    )
    .ok()?;
    msgport_clone::to_bytes_graph(&graph).ok()
}

/// A typed decode failed: a message that is valid as a dynamic value comes
/// back whole ([`Event::Mismatch`]); one that is not is the standard's
/// `messageerror` (its ports are dropped, i.e. closed).
fn mismatch<T>(
    error: CloneError,
    bytes: Vec<u8>,
    buffers: Vec<TransferredBuffer>,
    shared: Vec<SharedArrayBuffer>,
    ports: Vec<MessagePort>,
) -> Event<T> {
    // Validating copies transferred buffers; this is the failure path only.
    match deserialize_with_shared(
        &bytes,
        buffers.clone(),
        shared.clone(),
        ports.len(),
        DecodeOptions::default(),
    ) {
        Ok(_) => Event::Mismatch(Box::new(Mismatch {
            error,
            bytes,
            buffers,
            shared,
            ports,
        })),
        Err(wire) => Event::MessageError(wire),
    }
}
