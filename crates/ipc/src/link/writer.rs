//! The writer of a link: reads the bridges' tasks in order, one batch of
//! frames per wake-up, and writes each batch with one system call (its
//! descriptors beside it).

use super::{Link, LinkError};
use crate::frame::{self, Encoder, Frame, RouteId};
use crate::region::{self, REGION_MIN};
use crate::transport::MAX_FDS_PER_SEND;
use msgport::clone::TransferredBuffer;
use msgport::Event;
use rustix::fd::{AsFd, OwnedFd};
use std::sync::atomic::Ordering;

/// A batch is written once it holds this much.
const BATCH: usize = 256 * 1024;

pub(super) fn run(link: &Link) {
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
    let mut fds: Vec<OwnedFd> = Vec::new();
    let mut scratch: Vec<u8> = Vec::new();
    loop {
        {
            let mut rung = link.bell.rung.lock().unwrap_or_else(|e| e.into_inner());
            while !*rung && !link.is_dead() {
                rung = link.bell.cv.wait(rung).unwrap_or_else(|e| e.into_inner());
            }
            *rung = false;
        }
        if link.is_dead() {
            return;
        }
        link.writing.store(true, Ordering::Release);
        loop {
            let Some((name, event)) = link.event_loop.next_task_with(|bytes, buffers, _| {
                scratch.clear();
                scratch.extend_from_slice(bytes);
                Ok(buffers)
            }) else {
                break;
            };
            match event {
                Event::Message(m) => {
                    encode_message(link, name, &scratch, m.data, m.ports, &mut batch, &mut fds)
                }
                Event::Close => {
                    let route = link.routes().by_port.get(&name).copied();
                    if let Some(route) = route {
                        let (bridge, sent) = {
                            let mut routes = link.routes();
                            let sent = routes.by_route.get(&route).map_or(0, |r| r.sent);
                            (routes.remove(route), sent)
                        };
                        drop(bridge);
                        Frame::Close { route, sent }.encode(&mut batch);
                    }
                }
                // The decoder above never fails.
                _ => {}
            }
            if batch.len() >= BATCH || fds.len() >= MAX_FDS_PER_SEND {
                if let Err(e) = send(link, &mut batch, &mut fds) {
                    link.die(e);
                    return;
                }
            }
        }
        let sent = send(link, &mut batch, &mut fds);
        link.writing.store(false, Ordering::Release);
        if let Err(e) = sent {
            link.die(e);
            return;
        }
    }
}

/// Writes the batch; descriptors go at most [`MAX_FDS_PER_SEND`] per
/// write, each group with a slice of the bytes that the frames naming them
/// end after (so a reader has them when it reads those frames).
fn send(link: &Link, batch: &mut Vec<u8>, fds: &mut Vec<OwnedFd>) -> Result<(), LinkError> {
    if batch.is_empty() {
        return Ok(());
    }
    let borrowed: Vec<_> = fds.iter().map(|f| f.as_fd()).collect();
    let groups: Vec<_> = borrowed.chunks(MAX_FDS_PER_SEND).collect();
    let mut rest: &[u8] = batch;
    for (i, group) in groups.iter().enumerate() {
        // One byte with each group but the last, which takes the rest.
        let n = if i + 1 == groups.len() { rest.len() } else { 1 };
        link.transport.send(&rest[..n], group)?;
        rest = &rest[n..];
    }
    if !rest.is_empty() {
        link.transport.send(rest, &[])?;
    }
    link.counters.frames_out.fetch_add(1, Ordering::Relaxed);
    batch.clear();
    fds.clear();
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
    for (id, port) in opened.into_iter().zip(ports) {
        routes.open(id, port, &link.event_loop);
    }
}
