//! The writer of a link: reads the bridges' tasks in order and writes
//! them as frames, a batch per system call (descriptors beside it).
//!
//! Two threads may drain a link's event loop, one at a time (the `drain`
//! mutex): the thread whose post woke it, **inline** — no thread hop, so a
//! round trip costs what the socket costs — when nobody else is draining
//! and the socket takes the bytes without blocking; and the link's
//! **writer thread**, for wakes that come from the node's own threads (a
//! reader posting at a proxy, a route being opened) and for whatever a
//! full socket left behind (`stuck`: from then on only the writer thread
//! writes, blocking, until the backlog is gone). `post` never blocks.
//!
//! `dirty` is set by every wake before it tries the lock; whoever holds
//! the lock drains until `dirty` stays clear, and checks it once more
//! after letting go, so a wake that found the lock taken is never lost.

use super::{Link, LinkError};
use crate::engine::region::{self, REGION_MIN};
use crate::frame::{self, Encoder, Frame, RouteId};
use crate::transport::MAX_FDS_PER_SEND;
use msgport::clone::TransferredBuffer;
use msgport::Event;
use rustix::fd::{AsFd, OwnedFd};
use std::cell::Cell;
use std::sync::atomic::Ordering;

/// Wakes closer than this to the one before are a stream's (see `kick`).
pub(super) const STREAMING_NS: u64 = 20_000;

/// This many quick wakes in a row make a stream.
const STREAM_AFTER: u32 = 2;

/// A batch is written once it holds this much.
const BATCH: usize = 256 * 1024;

thread_local! {
    /// Non-zero while this thread works for the node (a link's reader or
    /// writer, or an inline drain): wakes it causes go to writer threads
    /// and never drain another link inline, so no thread ever holds two
    /// links' locks.
    static IN_NODE: Cell<u32> = const { Cell::new(0) };
    /// The link this thread is draining (its address), if any: a wake of
    /// that very link (a route opened while encoding) only needs `dirty`,
    /// which the drain loop looks at again before it lets go.
    static DRAINING: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` while draining `link` (see [`DRAINING`]).
fn draining<R>(link: &Link, f: impl FnOnce() -> R) -> R {
    let before = DRAINING.with(|c| c.replace(link as *const Link as usize));
    let r = f();
    DRAINING.with(|c| c.set(before));
    r
}

/// Runs `f` as the node's work (see [`IN_NODE`]).
pub(super) fn as_node<R>(f: impl FnOnce() -> R) -> R {
    IN_NODE.with(|c| c.set(c.get() + 1));
    let r = f();
    IN_NODE.with(|c| c.set(c.get() - 1));
    r
}

/// What the drainer of a link holds (under `Link::drain`).
#[derive(Default)]
pub(crate) struct Drain {
    /// Frames not yet written.
    batch: Vec<u8>,
    /// Descriptors not yet sent, for frames in `batch`.
    fds: Vec<OwnedFd>,
    /// The wire bytes of the message being encoded.
    scratch: Vec<u8>,
    /// The socket was full: only the writer thread writes until `batch`
    /// is empty.
    stuck: bool,
}

impl Drain {
    pub(super) fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }
}

impl Link {
    /// The event loop's wake (any thread): a task is queued at a bridge.
    pub(super) fn kick(&self) {
        self.dirty.store(true, Ordering::SeqCst);
        if DRAINING.with(Cell::get) == self as *const Link as usize {
            return;
        }
        if IN_NODE.with(Cell::get) > 0 || self.is_dead() {
            self.ring();
            return;
        }
        // A post that follows two others closely is part of a stream: the
        // writer thread takes it, and by the time it runs, more posts have
        // joined it in one batch (one system call for many messages). A
        // lone post (a request, an answer) and a pair (an answer and the
        // close of its port, a close and the next request) are written at
        // once: handing them to the writer thread would put a thread's
        // wake-up on the round trip's path.
        if self.streaming() {
            self.ring();
            return;
        }
        loop {
            let Ok(mut d) = self.drain.try_lock() else {
                // The holder sees `dirty`.
                return;
            };
            if d.stuck {
                drop(d);
                self.ring();
                return;
            }
            let r = as_node(|| draining(self, || self.drain_inline(&mut d)));
            drop(d);
            if let Err(e) = r {
                as_node(|| self.die(e));
                return;
            }
            if !self.dirty.load(Ordering::SeqCst) {
                return;
            }
        }
    }

    /// Whether this wake from a user's thread is part of a stream: the
    /// `STREAM_AFTER`th of wakes each closer than `STREAMING_NS` to the
    /// one before with no read of the link between them, or a later one.
    ///
    /// The read matters on a busy machine: there a request/answer loop
    /// can turn round in less than `STREAMING_NS`, and its posts, each
    /// sent after an answer was read, would go to the writer thread —
    /// one more thread's wake-up on every round trip's path.
    fn streaming(&self) -> bool {
        let now = self.epoch.elapsed().as_nanos() as u64;
        let last = self.last_kick.swap(now, Ordering::Relaxed);
        let reads = self.counters.reads.load(Ordering::Relaxed);
        // A plain store only when it changed: in a stream (no reads) every
        // post would otherwise pay a locked read-modify-write here.
        let answered = self.reads_at_kick.load(Ordering::Relaxed) != reads;
        if answered {
            self.reads_at_kick.store(reads, Ordering::Relaxed);
        }
        if answered || now.saturating_sub(last) >= STREAMING_NS {
            self.quick_kicks.store(0, Ordering::Relaxed);
            return false;
        }
        let quick = self.quick_kicks.load(Ordering::Relaxed).saturating_add(1);
        self.quick_kicks.store(quick, Ordering::Relaxed);
        quick >= STREAM_AFTER
    }

    /// Drains and writes without blocking; what the socket does not take
    /// is left to the writer thread.
    fn drain_inline(&self, d: &mut Drain) -> Result<(), LinkError> {
        while self.dirty.swap(false, Ordering::SeqCst) {
            loop {
                let full = self.pull(d);
                if d.batch.is_empty() {
                    break;
                }
                if d.fds.len() > MAX_FDS_PER_SEND {
                    d.stuck = true;
                    self.ring();
                    return Ok(());
                }
                let fds: Vec<_> = d.fds.iter().map(|f| f.as_fd()).collect();
                let n = self.transport.try_send(&d.batch, &fds)?;
                drop(fds);
                if n > 0 {
                    // The descriptors went with the first byte.
                    d.fds.clear();
                    self.counters.writes.fetch_add(1, Ordering::Relaxed);
                    self.counters.inline_writes.fetch_add(1, Ordering::Relaxed);
                }
                d.batch.drain(..n);
                if !d.batch.is_empty() {
                    d.stuck = true;
                    self.ring();
                    return Ok(());
                }
                if !full {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Encodes the bridges' tasks into the batch until there are no more
    /// (false) or the batch is full (true).
    fn pull(&self, d: &mut Drain) -> bool {
        // Routes opened for shipped ports by the last pull, now that no
        // lock is held: one may make this node a proxy between two links.
        self.check_shipped();
        self.emit_control(&mut d.batch, &mut d.fds);
        // Also here, not only once the loop is empty: a busy link may
        // never run out of tasks.
        self.finish_splices(&mut d.batch);
        self.finish_bypasses(&mut d.batch);
        loop {
            if d.batch.len() >= BATCH || d.fds.len() >= MAX_FDS_PER_SEND {
                return true;
            }
            let scratch = &mut d.scratch;
            // SharedArrayBuffers stay in this process: the peer's node
            // finds no memory at their index and reports messageerror, as
            // another agent cluster must (HTML `#structureddeserialize`).
            let Some((name, event)) = self.event_loop.next_task_with(|bytes, buffers, _, _| {
                scratch.clear();
                scratch.extend_from_slice(bytes);
                Ok(buffers)
            }) else {
                self.finish_splices(&mut d.batch);
                self.finish_bypasses(&mut d.batch);
                return false;
            };
            match event {
                Event::Message(m) => {
                    let bytes = std::mem::take(&mut d.scratch);
                    encode_message(
                        self,
                        name,
                        &bytes,
                        m.data,
                        m.ports,
                        &mut d.batch,
                        &mut d.fds,
                    );
                    d.scratch = bytes;
                }
                Event::Close => {
                    let closed = {
                        let mut routes = self.routes();
                        match routes.by_port.get(&name).copied() {
                            Some(route) => {
                                let sent = routes.by_route.get(&route).map_or(0, |r| r.sent);
                                Some((route, sent, routes.remove(route).map(|r| r.bridge)))
                            }
                            None => None,
                        }
                    };
                    if let Some((route, sent, bridge)) = closed {
                        drop(bridge);
                        Frame::Close { route, sent }.encode(&mut d.batch);
                    }
                }
                // The decoder above never fails.
                _ => {}
            }
        }
    }
}

/// The writer thread: drains when rung, writing with blocking writes.
pub(super) fn run(link: &Link) {
    as_node(|| loop {
        if !link.dirty.load(Ordering::SeqCst) {
            let mut rung = link.bell.rung.lock().unwrap_or_else(|e| e.into_inner());
            while !*rung && !link.is_dead() {
                rung = link.bell.cv.wait(rung).unwrap_or_else(|e| e.into_inner());
            }
            *rung = false;
        }
        if link.is_dead() {
            return;
        }
        let mut d = link.drain.lock().unwrap_or_else(|e| e.into_inner());
        let mut result = Ok(());
        draining(link, || loop {
            link.dirty.store(false, Ordering::SeqCst);
            loop {
                let full = link.pull(&mut d);
                if let Err(e) = send(link, &mut d) {
                    result = Err(e);
                    break;
                }
                if !full {
                    break;
                }
            }
            if result.is_err() || !link.dirty.load(Ordering::SeqCst) {
                break;
            }
        });
        d.stuck = false;
        drop(d);
        if let Err(e) = result {
            link.die(e);
            return;
        }
    })
}

/// Writes the batch; descriptors go at most [`MAX_FDS_PER_SEND`] per
/// write, each group with a slice of the bytes that the frames naming them
/// end after (so a reader has them when it reads those frames).
fn send(link: &Link, d: &mut Drain) -> Result<(), LinkError> {
    if d.batch.is_empty() {
        return Ok(());
    }
    let borrowed: Vec<_> = d.fds.iter().map(|f| f.as_fd()).collect();
    let groups: Vec<_> = borrowed.chunks(MAX_FDS_PER_SEND).collect();
    let mut rest: &[u8] = &d.batch;
    for (i, group) in groups.iter().enumerate() {
        // One byte with each group but the last, which takes the rest.
        let n = if i + 1 == groups.len() { rest.len() } else { 1 };
        link.transport.send(&rest[..n], group)?;
        rest = &rest[n..];
    }
    if !rest.is_empty() {
        link.transport.send(rest, &[])?;
    }
    drop(groups);
    drop(borrowed);
    link.counters.writes.fetch_add(1, Ordering::Relaxed);
    d.batch.clear();
    d.fds.clear();
    Ok(())
}

/// Encodes one message of the bridge `name`: its ports become new routes
/// (each shipped port is the new route's bridge here), its large buffers
/// sealed memfds.
fn encode_message(
    link: &Link,
    name: msgport::PortName,
    bytes: &[u8],
    buffers: Vec<TransferredBuffer>,
    ports: Vec<msgport::MessagePort>,
    batch: &mut Vec<u8>,
    fds: &mut Vec<OwnedFd>,
) {
    let limits = &link.bounds.frame;
    let inline: usize = buffers
        .iter()
        .filter(|b| !(b.data.len() >= REGION_MIN && link.transport.carries_fds()))
        .map(|b| b.data.len() + 17)
        .sum();
    if ports.len() > limits.max_ports
        || buffers.len() > limits.max_buffers
        || bytes.len() + inline + 16 * ports.len() + 64 > limits.max_frame
    {
        // The peer would refuse it and close the link: it is dropped here
        // instead, its ports closed.
        link.counters.oversize.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut routes = link.routes();
    let Some(route) = routes.by_port.get(&name).copied() else {
        // The route closed meanwhile: the message reaches nobody.
        return;
    };
    let Some(r) = routes.by_route.get_mut(&route) else {
        return;
    };
    let seq = r.sent;
    r.sent += 1;
    let mark = batch.len();
    let fds_mark = fds.len();
    let mut e = frame::begin_message(batch, route, seq, bytes);
    e.u16(ports.len() as u16);
    let mut opened = Vec::with_capacity(ports.len());
    for _ in &ports {
        let id = RouteId(rand::random());
        e.u128(id.0);
        opened.push(id);
    }
    e.u16(buffers.len() as u16);
    let mut failed = false;
    for b in buffers {
        let len = b.data.len() as u64;
        let max = b.max_byte_length.map(|m| m as u64);
        if b.data.len() >= REGION_MIN && link.transport.carries_fds() {
            match region::seal(b.data) {
                Ok(fd) => {
                    fds.push(fd);
                    frame::write_buffer(&mut e, len, max, None);
                }
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        } else {
            frame::write_buffer(&mut e, len, max, Some(&b.data));
        }
    }
    if failed {
        // No memfd (out of memory or descriptors): the message cannot go.
        // Undo the frame; the message is dropped with its ports.
        batch.truncate(mark);
        fds.truncate(fds_mark);
        r.sent -= 1;
        link.counters.oversize.fetch_add(1, Ordering::Relaxed);
        return;
    }
    Encoder::finish(e);
    for (id, port) in opened.iter().zip(ports) {
        routes.open(*id, port, &link.event_loop, &link.hook);
    }
    // A port whose peer is a bridge here came back: splice (after the
    // message that opened its route). One whose peer is a bridge of
    // another link may make this node a proxy between the two: that is
    // checked once this lock is let go (the drain loops once more).
    let mut others = Vec::new();
    for id in opened {
        match super::splice::detect(&mut routes, id) {
            Some((a, b)) => Frame::Splice { a, b }.encode(batch),
            None => others.push(id),
        }
    }
    drop(routes);
    link.ship_check(others);
}
