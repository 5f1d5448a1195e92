//! The Unix-domain socket transport, with descriptors as `SCM_RIGHTS`.

use super::{Transport, MAX_FDS_PER_SEND};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::unix::net::UnixStream;

/// A connected Unix-domain stream socket.
pub struct UnixTransport {
    stream: UnixStream,
}

impl UnixTransport {
    /// Wraps a connected stream.
    pub fn new(stream: UnixStream) -> Self {
        UnixTransport { stream }
    }
}

impl Transport for UnixTransport {
    fn set_recv_timeout(&self, after: std::time::Duration) -> bool {
        use rustix::net::sockopt::{set_socket_timeout, Timeout};
        set_socket_timeout(&self.stream, Timeout::Recv, Some(after)).is_ok()
    }

    fn send(&self, mut bytes: &[u8], mut fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        debug_assert!(fds.len() <= MAX_FDS_PER_SEND);
        let mut space =
            [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_PER_SEND))];
        while !bytes.is_empty() {
            let mut control = SendAncillaryBuffer::new(&mut space);
            if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
                return Err(io::Error::other("too many descriptors for one write"));
            }
            // NOSIGNAL: a peer that died makes this an EPIPE error, not a
            // signal that kills us.
            match rustix::net::sendmsg(
                self.stream.as_fd(),
                &[IoSlice::new(bytes)],
                &mut control,
                SendFlags::NOSIGNAL,
            ) {
                Ok(n) => {
                    bytes = &bytes[n..];
                    // The descriptors went with the first bytes.
                    fds = &[];
                }
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn try_send(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        let mut space =
            [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_PER_SEND))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
            return Err(io::Error::other("too many descriptors for one write"));
        }
        loop {
            match rustix::net::sendmsg(
                self.stream.as_fd(),
                &[IoSlice::new(bytes)],
                &mut control,
                SendFlags::NOSIGNAL | SendFlags::DONTWAIT,
            ) {
                Ok(n) => return Ok(n),
                Err(rustix::io::Errno::AGAIN) => return Ok(0),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        let mut space =
            [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_PER_SEND))];
        loop {
            let mut control = RecvAncillaryBuffer::new(&mut space);
            let r = rustix::net::recvmsg(
                self.stream.as_fd(),
                &mut [IoSliceMut::new(buf)],
                &mut control,
                RecvFlags::CMSG_CLOEXEC,
            );
            match r {
                Ok(m) => {
                    for msg in control.drain() {
                        if let RecvAncillaryMessage::ScmRights(got) = msg {
                            fds.extend(got);
                        }
                    }
                    if m.flags.contains(ReturnFlags::CTRUNC) {
                        // Descriptors were lost: the frames that name them
                        // cannot be honoured.
                        return Err(io::Error::other("descriptors truncated"));
                    }
                    return Ok(m.bytes);
                }
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.stream.as_fd())
    }

    fn carries_fds(&self) -> bool {
        true
    }

    fn shutdown(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
