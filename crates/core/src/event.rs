//! What a port delivers: one event per task.

use crate::port::MessagePort;
use crate::typed::Mismatch;
use msgport_clone::{CloneError, Graph};

/// A received message: the `MessageEvent`'s `data` and `ports`.
///
/// ```
/// use msgport::{Event, MessageChannel};
/// let ch = MessageChannel::new();
/// ch.port1.post(&("id", 7)).unwrap();
/// let Event::Message(m) = ch.port2.recv_blocking_as::<(String, u32)>(None).unwrap() else { panic!() };
/// assert_eq!(m.data, ("id".to_string(), 7));
/// assert!(m.ports.is_empty()); // nothing was transferred
/// ```
#[derive(Debug)]
pub struct Message<T = Graph> {
    /// The deserialized value.
    pub data: T,
    /// The transferred ports, new handles in transfer-list order; their
    /// queues start disabled (call `start()` or receive on them).
    pub ports: Vec<MessagePort>,
}

/// One task of a port, delivered.
///
/// ```
/// use msgport::{Event, MessageChannel};
/// let ch = MessageChannel::new();
/// ch.port1.post(&"a").unwrap();
/// ch.port1.post(&5).unwrap();
/// ch.port1.post_serialized(vec![0xFF, 0x0F, 0xEE]); // bytes no one can read
/// ch.port1.close();
/// let mut seen = Vec::new();
/// while let Ok(Some(ev)) = ch.port2.try_recv_as::<String>() {
///     seen.push(match ev {
///         Event::Message(m) => m.data,
///         // 5 is not a String: the message comes back, to be read another way.
///         Event::Mismatch(m) => format!("mismatch: {:?}", m.read_as::<i32>().into_message().map(|m| m.data)),
///         Event::MessageError(_) => "messageerror".to_string(),
///         Event::Close => "close".to_string(),
///     });
/// }
/// assert_eq!(seen, ["a", "mismatch: Some(5)", "messageerror", "close"]);
/// ```
#[derive(Debug)]
pub enum Event<T = Graph> {
    /// A `message` event.
    Message(Message<T>),
    /// A `messageerror` event: the message could not be deserialized here.
    /// Later messages still flow.
    MessageError(CloneError),
    /// The `close` event: the peer was closed or dropped; it comes after
    /// every message the peer sent before closing.
    Close,
    /// A typed receive only (`recv_as::<T>()` and the like): the message is
    /// valid but its value does not fit `T`. Nothing of it is lost: read it
    /// as a dynamic value or as another type, its ports with it.
    Mismatch(Box<Mismatch>),
}

impl<T> Event<T> {
    /// The message, if this is one.
    pub fn into_message(self) -> Option<Message<T>> {
        match self {
            Event::Message(m) => Some(m),
            _ => None,
        }
    }
}
