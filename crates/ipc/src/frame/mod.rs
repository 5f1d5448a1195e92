//! The frames of a link: what one node says to another, and the decoder
//! that reads them from untrusted bytes.
//!
//! A frame is `len: u32 LE` (the bytes after it), `kind: u8`, then the
//! kind's fields, little-endian:
//!
//! ```text
//!  Hello    1  node:u128 token:[u8;32]                 connector → inviter, first
//!  Welcome  2  node:u128 route:u128                    inviter → connector, first
//!  Message  3  route:u128 seq:u64 n:u32 bytes[n]
//!              ports:u16 route:u128 × ports
//!              buffers:u16 buffer × buffers
//!  Close    4  route:u128 sent:u64                     the sender's port closed
//!  Pause    5  route:u128                              the receiver holds too much: stop
//!  Resume   6  route:u128                              it drained: go on
//!  Splice     7  a:u128 b:u128                         my ends of a and b are entangled
//!                                                     with each other: join yours
//!  SpliceAck  8  a:u128 b:u128                         I send nothing more on a or b
//!  SpliceEnd  9  a:u128 b:u128 sent_a:u64 sent_b:u64   all I forwarded on a and b came
//!                                                     before this; both routes are gone
//!  SpliceNo  10  a:u128 b:u128                         refused: the routes stay as they are
//!  Introduce    11  intro:u128 node:u128                a socket to node `node` comes beside this
//!  Bypass       12  route:u128 intro:u128 new:u128      your end of route moves to route new on
//!                                                     the link of introduction intro
//!  BypassAck    13  route:u128                          I send nothing more on route
//!  BypassNo     14  route:u128 stale:u8                 refused: the route stays as it is
//!                                                     (stale 1: I have no such introduction)
//!  BypassEnd    15  route:u128 sent:u64                 all I forwarded on route came; it is gone
//!  BypassCancel 16  route:u128                          the bypass is off: send on route again
//!  BypassGo     17  route:u128                          (on the introduced link) everything the
//!                                                     proxy forwarded to me came: send on route
//!
//!  buffer:  flags:u8 (1 = resizable, 2 = in a memfd sent beside the frame)
//!           len:u64 [max:u64 if resizable] [bytes[len] if inline]
//! ```
//!
//! A route is a channel between two nodes, named by 128 random bits by
//! the node that opened it; `seq` counts a route's messages in one
//! direction from 0, and `Close` carries how many were sent before it.
//! The decoder knows nothing of routes or ports: it checks shape and
//! limits only (see [`Limits`]); what a frame may do is the node's check.

use thiserror::Error;

mod codec;
mod split;
#[cfg(test)]
mod tests;

pub use codec::decode;
pub(crate) use codec::{begin_message, write_buffer, Encoder};
pub use split::Splitter;

/// A route's name: 128 random bits, chosen by the node that opened it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteId(pub u128);

impl std::fmt::Debug for RouteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RouteId({:032x})", self.0)
    }
}

/// The invitation token's length in bytes.
pub const TOKEN_LEN: usize = 32;

/// Bounds on what one frame may make a node hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest frame (after its length prefix), inline buffers included.
    pub max_frame: usize,
    /// The most ports one message may carry.
    pub max_ports: usize,
    /// The most buffers one message may carry.
    pub max_buffers: usize,
    /// The largest buffer sent inline; larger ones travel in a memfd.
    pub max_inline_buffer: usize,
    /// The largest buffer in a memfd.
    pub max_region: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame: 256 << 20,
            max_ports: 4096,
            max_buffers: 4096,
            max_inline_buffer: 64 << 10,
            max_region: 1 << 40,
        }
    }
}

/// A buffer of a message, as described in its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferDesc {
    /// Its length in bytes.
    pub len: u64,
    /// `Some(max)` for a resizable ArrayBuffer.
    pub max: Option<u64>,
    /// Inline bytes, or `None`: in the next memfd received on the link.
    pub inline: Option<Vec<u8>>,
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The connecting node's first frame: its name and the invitation's token.
    Hello {
        /// The connector's node name.
        node: u128,
        /// The invitation's secret.
        token: [u8; TOKEN_LEN],
    },
    /// The inviting node's answer to a good `Hello`: its name and the
    /// route of the two bootstrap ports.
    Welcome {
        /// The inviter's node name.
        node: u128,
        /// The route the invitation's two ports are joined by.
        route: RouteId,
    },
    /// A message for the port at the other end of `route`.
    Message {
        /// The route it travels on.
        route: RouteId,
        /// Its number on the route, from 0.
        seq: u64,
        /// The V8-format wire bytes.
        bytes: Vec<u8>,
        /// New routes, one per transferred port, in transfer order.
        ports: Vec<RouteId>,
        /// Transferred buffers, in transfer order.
        buffers: Vec<BufferDesc>,
    },
    /// The receiving side of `route` holds more than it wants: the
    /// sending side stops sending on it (its messages wait where they were
    /// posted, visible to the sender as backpressure) until `Resume`.
    Pause {
        /// The route.
        route: RouteId,
    },
    /// The receiving side of `route` drained: sending goes on.
    Resume {
        /// The route.
        route: RouteId,
    },
    /// The sender's ends of routes `a` and `b` are entangled with each
    /// other (it is a proxy between two routes of this link): the
    /// receiver stops sending on both and answers `SpliceAck` (or
    /// `SpliceNo`).
    Splice {
        /// One route.
        a: RouteId,
        /// The other.
        b: RouteId,
    },
    /// The answer to `Splice`: nothing more is sent on `a` or `b`.
    SpliceAck {
        /// One route.
        a: RouteId,
        /// The other.
        b: RouteId,
    },
    /// The proxy forwarded everything it held; `a` and `b` are gone: the
    /// receiver entangles what its two ends were entangled with.
    SpliceEnd {
        /// One route.
        a: RouteId,
        /// The other.
        b: RouteId,
        /// Messages sent on `a` before this, in all.
        sent_a: u64,
        /// Messages sent on `b` before this, in all.
        sent_b: u64,
    },
    /// The answer to a `Splice` that cannot be done (a route is gone, or
    /// already in a splice): both routes stay as they are.
    SpliceNo {
        /// One route.
        a: RouteId,
        /// The other.
        b: RouteId,
    },
    /// A Unix socket travels beside this frame, connected to a socket the
    /// sender gave node `node` under the same `intro`: the receiver makes
    /// it a link to `node`, known on this link as `intro`.
    Introduce {
        /// The introduction's name, chosen by the sender.
        intro: u128,
        /// The node at the socket's other end.
        node: u128,
    },
    /// The sender is a proxy of `route` to another node, which it has
    /// introduced as `intro`: the receiver's end of `route` moves to route
    /// `new` on that link (it answers `BypassAck` or `BypassNo`).
    Bypass {
        /// The route being bypassed.
        route: RouteId,
        /// The introduction whose link the new route runs on.
        intro: u128,
        /// The new route.
        new: RouteId,
    },
    /// The answer to `Bypass`: nothing more is sent on `route`.
    BypassAck {
        /// The route.
        route: RouteId,
    },
    /// The answer to a `Bypass` that cannot be done: the route stays.
    BypassNo {
        /// The route.
        route: RouteId,
        /// The receiver had no link for the introduction named (the proxy
        /// should introduce the two nodes anew).
        stale: bool,
    },
    /// The proxy forwarded everything it held for `route` (`sent` messages
    /// in all); the route is gone.
    BypassEnd {
        /// The route.
        route: RouteId,
        /// Messages sent on it before this, in all.
        sent: u64,
    },
    /// The bypass of `route` is off (the other end refused): the receiver
    /// sends on `route` again.
    BypassCancel {
        /// The route.
        route: RouteId,
    },
    /// On the introduced link: the sender received everything the proxy
    /// forwarded to it; the receiver may send on `route` now.
    BypassGo {
        /// The new route.
        route: RouteId,
    },
    /// On an introduced link: the sender has had no route on it for a
    /// while and opens none until answered. The receiver, if it has none
    /// either, closes the link (the sender reads its end: both agreed);
    /// otherwise it answers `IdleNo`.
    Idle,
    /// The answer to `Idle` from a node that still has a route on the link
    /// (or keeps idle links): the link stays.
    IdleNo,
    /// The sending side's port closed after `sent` messages.
    Close {
        /// The route.
        route: RouteId,
        /// How many messages were sent on it before the close.
        sent: u64,
    },
}

/// Why bytes from a peer are not a frame. Any of these closes the link.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame declares more bytes than [`Limits::max_frame`].
    #[error("frame of {0} bytes is over the limit")]
    TooLarge(usize),
    /// An unknown frame kind.
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    /// The frame ended inside a field.
    #[error("frame truncated")]
    Truncated,
    /// Bytes left after the last field.
    #[error("{0} stray bytes after the frame's fields")]
    Trailing(usize),
    /// More ports than [`Limits::max_ports`].
    #[error("{0} ports in one message is over the limit")]
    TooManyPorts(usize),
    /// More buffers than [`Limits::max_buffers`].
    #[error("{0} buffers in one message is over the limit")]
    TooManyBuffers(usize),
    /// A buffer whose description cannot be right: unknown flags, an
    /// inline one over [`Limits::max_inline_buffer`], a region over
    /// [`Limits::max_region`], a maximum below the length.
    #[error("bad buffer description")]
    BadBuffer,
    /// A field whose value is none of those it may take (a flag that is
    /// neither 0 nor 1).
    #[error("bad value in field {0}")]
    BadField(&'static str),
}
