//! The reader of a link: splits the peer's bytes into frames, checks each
//! against the link's bounds and routes, and posts messages at bridges.

use super::lead::ReadState;
use super::{Link, LinkError};
use crate::engine::region;
use crate::frame::{self, BufferDesc, Frame, RouteId, Splitter};
use crate::route::{Bypass, Splice};
use msgport::clone::{DataBlock, TransferredBuffer};
use msgport::MessageChannel;
use rustix::fd::OwnedFd;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;

/// How much is read at once.
const READ: usize = 256 * 1024;

pub(super) fn run(link: &Link, split: Splitter) {
    super::writer::as_node(|| {
        let mut state = ReadState::new(split);
        // Bytes read past the handshake may hold whole frames already.
        let r = drain(link, &mut state.split, &mut state.fds)
            .and_then(|()| super::lead::thread_reads(link, state));
        if let Err(e) = r {
            link.die(e);
        }
    });
}

/// Reads once (whoever holds the read role: the socket has bytes, or the
/// caller is the reader thread of a transport that cannot be polled) and
/// handles every complete frame. `lent`: the caller is a receiving thread
/// that took the role, not the reader thread (counted).
pub(super) fn read_once(link: &Link, state: &mut ReadState, lent: bool) -> Result<(), LinkError> {
    read(link, state, lent).map(drop)
}

/// [`read_once`] that may find nothing: `Ok(false)` when the transport's
/// receive timeout passed first (a receiving thread's blocking read, see
/// `link/lead/`).
pub(super) fn read(link: &Link, state: &mut ReadState, lent: bool) -> Result<bool, LinkError> {
    let ReadState { split, fds, got } = state;
    let space = split.space(READ);
    match link.transport.recv(space, got) {
        Ok(0) => {
            split.filled(0, READ);
            return Err(LinkError::PeerGone);
        }
        Ok(n) => split.filled(n, READ),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            split.filled(0, READ);
            return Ok(false);
        }
        Err(e) => {
            split.filled(0, READ);
            return Err(LinkError::Io(e));
        }
    }
    link.counters.reads.fetch_add(1, Ordering::Relaxed);
    if lent {
        link.counters.lent_reads.fetch_add(1, Ordering::Relaxed);
    }
    fds.extend(got.drain(..));
    if fds.len() > link.bounds.max_pending_fds {
        return Err(LinkError::Protocol(
            "too many descriptors waiting for their frame",
        ));
    }
    drain(link, split, fds)?;
    Ok(true)
}

/// Handles every complete frame buffered.
fn drain(link: &Link, split: &mut Splitter, fds: &mut VecDeque<OwnedFd>) -> Result<(), LinkError> {
    while let Some(bytes) = split.next_frame(&link.bounds.frame)? {
        let f = frame::decode(bytes, &link.bounds.frame)?;
        link.counters.frames_in.fetch_add(1, Ordering::Relaxed);
        handle(link, f, fds)?;
    }
    Ok(())
}

fn handle(link: &Link, f: Frame, fds: &mut VecDeque<OwnedFd>) -> Result<(), LinkError> {
    match f {
        Frame::Message {
            route,
            seq,
            bytes,
            ports,
            buffers,
        } => message(link, route, seq, bytes, ports, buffers, fds),
        Frame::Close { route, sent } => {
            let end = {
                let mut routes = link.routes();
                match routes.by_route.get(&route) {
                    None => {
                        link.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
                        return Ok(());
                    }
                    Some(r) if r.received != sent => {
                        return Err(LinkError::Protocol(
                            "close does not follow the route's last message",
                        ))
                    }
                    Some(_) => routes.remove(route),
                }
            };
            // Dropped outside the lock: the user's port gets `close`
            // after every message posted before it.
            if let Some(end) = end {
                link.dispose(end);
            }
            Ok(())
        }
        Frame::Pause { route } => {
            link.pause(route);
            Ok(())
        }
        Frame::Resume { route } => {
            link.resume(route);
            Ok(())
        }
        Frame::Splice { a, b } => {
            link.on_splice(a, b);
            Ok(())
        }
        Frame::SpliceAck { a, b } => link.on_splice_ack(a, b),
        Frame::SpliceNo { a, b } => {
            link.on_splice_no(a, b);
            Ok(())
        }
        Frame::SpliceEnd {
            a,
            b,
            sent_a,
            sent_b,
        } => link.on_splice_end(a, b, [sent_a, sent_b]),
        Frame::Introduce { intro, node } => {
            let socket = fds
                .pop_front()
                .ok_or(LinkError::Protocol("an introduction's socket is missing"))?;
            link.on_introduce(intro, node, socket)
        }
        Frame::Bypass { route, intro, new } => {
            link.on_bypass(route, intro, new);
            Ok(())
        }
        Frame::BypassAck { route } => link.on_bypass_answer(route, true, false),
        Frame::BypassNo { route, stale } => link.on_bypass_answer(route, false, stale),
        Frame::BypassEnd { route, sent } => link.on_bypass_end(route, sent),
        Frame::BypassCancel { route } => link.on_bypass_cancel(route),
        Frame::BypassGo { route } => link.on_bypass_go(route),
        Frame::Idle => link.on_idle(),
        Frame::IdleNo => link.on_idle_no(),
        Frame::Hello { .. } | Frame::Welcome { .. } => {
            Err(LinkError::Protocol("handshake frame on an open link"))
        }
    }
}

/// The buffers of a message, their memfds mapped.
fn take_buffers(
    descs: Vec<BufferDesc>,
    fds: &mut VecDeque<OwnedFd>,
) -> Result<Vec<TransferredBuffer>, LinkError> {
    let mut out = Vec::with_capacity(descs.len());
    for d in descs {
        let data = match d.inline {
            Some(b) => DataBlock::from(b),
            None => {
                let fd = fds
                    .pop_front()
                    .ok_or(LinkError::Protocol("a buffer's descriptor is missing"))?;
                region::map_sealed(fd, d.len)?
            }
        };
        let max_byte_length = match d.max {
            Some(m) => Some(
                usize::try_from(m).map_err(|_| LinkError::Protocol("buffer maximum too large"))?,
            ),
            None => None,
        };
        out.push(TransferredBuffer {
            data,
            max_byte_length,
        });
    }
    Ok(out)
}

fn message(
    link: &Link,
    route: RouteId,
    seq: u64,
    bytes: Vec<u8>,
    ports: Vec<RouteId>,
    buffers: Vec<BufferDesc>,
    fds: &mut VecDeque<OwnedFd>,
) -> Result<(), LinkError> {
    // The descriptors are the message's whatever becomes of it.
    let buffers = take_buffers(buffers, fds)?;
    let mut routes = link.routes();
    let Some(r) = routes.by_route.get_mut(&route) else {
        // A route that closed here, or a name this link never had.
        link.counters.unknown_route.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    };
    if r.received != seq {
        return Err(LinkError::Protocol("message out of sequence"));
    }
    if matches!(r.splice, Some(Splice::Proxy { acked: true, .. })) {
        return Err(LinkError::Protocol("a message after SpliceAck"));
    }
    match r.bypass {
        Some(Bypass::Proxy { acked: true, .. }) => {
            return Err(LinkError::Protocol("a message after BypassAck"))
        }
        Some(Bypass::Arriving { go_sent: false, .. }) => {
            return Err(LinkError::Protocol("a message before BypassGo"))
        }
        _ => {}
    }
    r.received += 1;
    if routes.by_route.len() + ports.len() > link.bounds.max_routes {
        return Err(LinkError::Protocol("too many routes on one link"));
    }
    let mut users = Vec::with_capacity(ports.len());
    for id in &ports {
        if routes.by_route.contains_key(id) {
            return Err(LinkError::Protocol("a route opened twice"));
        }
        let (user, bridge) = MessageChannel::new().into_ports();
        routes.open(*id, bridge, &link.event_loop, &link.hook);
        users.push(user);
    }
    let Some(r) = routes.by_route.get_mut(&route) else {
        return Ok(());
    };
    let size = bytes.len() + buffers.iter().map(|b| b.data.len()).sum::<usize>();
    if r.paused_by_us {
        r.after_pause = r.after_pause.saturating_add(size);
        if r.after_pause > link.bounds.max_after_pause + link.bounds.frame.max_frame {
            return Err(LinkError::Protocol("the peer kept sending after Pause"));
        }
    }
    // The port's size is read (two locks) once per sixteenth of the mark
    // received, not per message: a route overshoots the mark by at most
    // that much before it pauses.
    r.unchecked = r.unchecked.saturating_add(size);
    let check = !r.paused_by_us && r.unchecked >= link.bounds.pause_bytes / 16;
    if check {
        r.unchecked = 0;
    }
    let bridge = r.bridge.clone();
    // Posted outside the lock: the post wakes the port's thread, which
    // may answer at once, and its answer takes this lock to be written.
    // Only this thread posts at bridges, so the route's order holds; a
    // route closed meanwhile has a closed user's port, which drops it.
    drop(routes);
    bridge.post_transferred(bytes, buffers, users);
    if !check || bridge.peer_queued().1 <= link.bounds.pause_bytes {
        return Ok(());
    }
    drop(bridge);
    let mut routes = link.routes();
    let Some(r) = routes.by_route.get_mut(&route) else {
        return Ok(());
    };
    r.paused_by_us = true;
    r.after_pause = 0;
    link.watch_drain(&r.bridge);
    drop(routes);
    link.send_control(Frame::Pause { route });
    Ok(())
}
