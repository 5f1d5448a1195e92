//! # msgport-ipc
//!
//! msgport's [`MessagePort`](msgport::MessagePort)s across OS processes.
//! One **node** per process; one **link** per pair of joined processes, a
//! Unix-domain socket that carries every port between them (no descriptor
//! per port). A port whose peer lives in another process is a
//! `MessagePort` like any other: post to it, receive from it, move it to a
//! thread, transfer it inside a message (to this process's ports or
//! another process's), close it; only [`is_remote`] tells.
//!
//! ```no_run
//! use msgport::Event;
//! // In the parent:
//! let (mut child, port) = msgport_ipc::spawn(&mut std::process::Command::new("worker")).unwrap();
//! port.post(&"hello").unwrap();
//! // In the child (`worker`), at start-up:
//! let parent = msgport_ipc::parent_port().unwrap();
//! if let Ok(Event::Message(m)) = parent.recv_blocking_as::<String>(None) {
//!     parent.post(&format!("{} back", m.data)).unwrap();
//! }
//! msgport_ipc::flush(std::time::Duration::from_secs(1));
//! # child.wait().unwrap();
//! ```
//!
//! Between unrelated processes: [`Listener::bind`] and its
//! [`Invitation`] (a path and a 256-bit token) on one side, [`connect`]
//! on the other. A process that can reach the socket but lacks the token
//! gets nothing.
//!
//! How a route runs and what each side keeps: `route.rs`, and the
//! "Ports across processes" section of ARCHITECTURE.md. The frames and
//! their decoder (fuzzed): [`frame`].
#![deny(
    unsafe_code,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]
#![warn(missing_docs)]

mod bootstrap;
mod engine;
pub mod frame;
mod link;
mod node;
mod route;
pub mod transport;

pub use bootstrap::{
    connect, connect_with_bounds, parent_port, parent_port_with_bounds, spawn, spawn_with_bounds,
    spawn_within, Invitation, IpcError, Listener, INVITATION_ENV,
};
pub use engine::region::{Region, RegionError, REGION_MIN};
pub use link::{Bounds, LinkError, LinkStats};
pub use node::{flush, is_remote, links, node_name, peers};

/// The README's Rust examples (msgport's, msgport-clone's and this
/// crate's), compiled and run as doctests here, the crate that sees all
/// three.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
