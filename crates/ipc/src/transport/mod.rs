//! The transport a link's frames travel over.
//!
//! A [`Transport`] moves bytes (and, where it can, file descriptors) in
//! order between two processes; the node's router knows nothing else of
//! it. The first transport is a Unix-domain socket ([`unix`]); another
//! (TLS over TCP) would implement the same trait and answer `false` to
//! [`Transport::carries_fds`], and buffers would then travel inline.

pub mod unix;

use rustix::fd::{BorrowedFd, OwnedFd};
use std::io;

/// An ordered, reliable byte stream to one peer process.
pub trait Transport: Send + Sync + 'static {
    /// Writes all of `bytes`, with `fds` attached to them (received with
    /// the first of these bytes). Blocks while the peer does not read.
    fn send(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()>;
    /// Writes what it can of `bytes` now, without blocking, with `fds`
    /// attached to the first byte written: how many bytes were written (0
    /// if the peer's buffer is full; the descriptors then did not go).
    fn try_send(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize>;
    /// Reads some bytes into `buf` (0: the peer is gone) and appends the
    /// descriptors that came with them to `fds`.
    fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize>;
    /// A descriptor that polls readable when `recv` has bytes (or the end)
    /// to give without blocking, so that a thread blocked on one of the
    /// link's ports can wait on it and read itself (see `link/lead/mod.rs`);
    /// `None`: only the link's reader thread reads.
    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    /// Makes a `recv` that finds nothing give up after `after`
    /// (`io::ErrorKind::WouldBlock`) instead of waiting on: a thread that
    /// reads for the link while it waits for its own port then looks up
    /// now and then (see `link/lead/`). `false`: not supported (the
    /// thread polls instead).
    fn set_recv_timeout(&self, after: std::time::Duration) -> bool {
        let _ = after;
        false
    }
    /// Whether descriptors can travel (buffers go in memfds if so).
    fn carries_fds(&self) -> bool;
    /// Ends both directions: a blocked `recv` returns 0, `send` fails.
    fn shutdown(&self);
}

/// The most descriptors sent with one write.
pub const MAX_FDS_PER_SEND: usize = 32;
