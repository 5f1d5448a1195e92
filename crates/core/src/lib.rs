//! # msgport
//!
//! The web's Channel Messaging API for Rust, faithful to the WHATWG HTML
//! standard (<https://html.spec.whatwg.org/multipage/web-messaging.html#channel-messaging>):
//! [`MessageChannel`] gives two entangled [`MessagePort`]s; messages are
//! structured-clone values ([`msgport_clone::Graph`]) or any serde type;
//! ports and byte buffers move inside messages (transfer), with every
//! queued and in-flight message following the port, in order.
//!
//! ```
//! use msgport::{Event, MessageChannel};
//! let ch = MessageChannel::new();
//! let (here, there) = ch.into_ports();
//! let worker = std::thread::spawn(move || {
//!     // Echo until the other side closes.
//!     while let Ok(Event::Message(m)) = there.recv_blocking_as::<u32>(None) {
//!         there.post(&(m.data * 2)).unwrap();
//!     }
//! });
//! here.post(&21u32).unwrap();
//! let Event::Message(m) = here.recv_blocking_as::<u32>(None).unwrap() else { panic!() };
//! assert_eq!(m.data, 42);
//! drop(here); // closes: the worker sees `close` and stops
//! worker.join().unwrap();
//! ```
//!
//! Receiving, from any number of threads and tasks at once (each message
//! reaches one receiver, every receiver learns of the close):
//! [`MessagePort::recv`] (a future, cancel safe, and a `Stream`),
//! [`MessagePort::recv_blocking`], [`MessagePort::recv_timeout`],
//! [`MessagePort::recv_deadline`], [`MessagePort::iter`],
//! [`MessagePort::try_recv`], each with a typed `_as::<T>` form, and the
//! [`EventLoop`] embedding API (which also waits on several ports at once).
//!
//! [`MessagePort`]s and [`Buffer`]s inside a serde value are transferred by
//! [`MessagePort::post`] and come back live from a typed receive; a value
//! that does not fit the type asked for comes back whole as
//! [`Event::Mismatch`].
//!
//! Plus [`PortCollection`] for broadcasts, backpressure with
//! [`MessagePort::peer_queued`] and [`MessagePort::ready`], and the
//! standard's [`BroadcastChannel`] (in a [`BroadcastGroup`]).
//!
//! The structured-clone data model and wire format are msgport-clone,
//! re-exported as [`clone`]: [`clone::Graph`], [`clone::Value`],
//! [`clone::Object`], [`clone::ArrayBuffer`], [`clone::HostObject`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod broadcast;
mod collection;
mod event;
mod event_loop;
mod port;
mod recv;
mod sync;
mod typed;

pub use broadcast::{
    Broadcast, BroadcastChannel, BroadcastError, BroadcastGroup, BroadcastHub, HubPost,
};
pub use collection::PortCollection;
pub use event::{Event, Message};
pub use event_loop::EventLoop;
/// The structured-clone data model and V8's wire format (the msgport-clone
/// crate): what a dynamic message is made of.
#[doc(inline)]
pub use msgport_clone as clone;
#[doc(inline)]
pub use msgport_clone::{CloneError, Graph};
pub use port::{
    MergeError, MessageChannel, MessagePort, PortName, PostError, RecvError, ShippedPort, Transfer,
    WaitHook,
};
pub use recv::{Iter, Ready, Recv};
pub use typed::{Buffer, Mismatch};
