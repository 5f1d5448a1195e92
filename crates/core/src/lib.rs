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
//! Receiving, four ways: [`MessagePort::recv`] (a future, and a `Stream`),
//! [`MessagePort::recv_blocking`], [`MessagePort::try_recv`], and the
//! [`EventLoop`] embedding API. Plus [`PortCollection`] for broadcasts,
//! backpressure with [`MessagePort::peer_queued`] and [`MessagePort::ready`],
//! and the standard's [`BroadcastChannel`] (in a [`BroadcastGroup`]).
#![warn(missing_docs)]

mod broadcast;
mod collection;
mod event;
mod event_loop;
mod port;
mod recv;
mod sync;
mod typed;

pub use broadcast::{Broadcast, BroadcastChannel, BroadcastError, BroadcastGroup};
pub use collection::PortCollection;
pub use event::{Event, Message};
pub use event_loop::EventLoop;
pub use msgport_clone::{self as clone, CloneError, Graph};
pub use port::{MessageChannel, MessagePort, PortName, RecvError, ShippedPort, Transfer};
pub use recv::{Iter, Ready, Recv};
pub use typed::{Buffer, Mismatch};
