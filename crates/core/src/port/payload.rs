//! What a port message queue holds: tasks, and the bytes of a message.

use super::ShippedPort;
use crate::sync::Arc;
use msgport_clone::{SharedArrayBuffer, TransferredBuffer};

/// Payloads up to this size live inside the task: a small message then
/// costs no heap allocation that crosses threads (the sender's allocator
/// and the receiver's free would otherwise contend for every message).
pub(crate) const INLINE: usize = 22;

/// The largest message [`Payload::out_of`] copies out of a reused buffer
/// (the buffer then keeps up to this much capacity).
const KEEP_BUFFER: usize = 64 * 1024;

/// Message bytes: inline, owned, or shared with other queues (a broadcast
/// serializes once).
pub(crate) enum Payload {
    Inline { len: u8, data: [u8; INLINE] },
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Payload {
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        if v.len() <= INLINE {
            Payload::inline(&v)
        } else {
            Payload::Owned(v)
        }
    }

    /// The bytes of a reused serialization buffer, which is left empty: a
    /// small message inline; a middling one copied into an allocation of
    /// its size, so the buffer keeps its capacity (taking it would make the
    /// next message grow a new one, reallocating a dozen times on the way
    /// to a few KiB); a large one taken, so no thread keeps a large buffer
    /// after one large message.
    #[inline]
    pub(crate) fn out_of(buf: &mut Vec<u8>) -> Self {
        let p = if buf.len() <= INLINE {
            Payload::inline(buf)
        } else if buf.len() <= KEEP_BUFFER {
            Payload::Owned(buf.to_vec())
        } else {
            return Payload::Owned(std::mem::take(buf));
        };
        buf.clear();
        p
    }

    /// A copy of `b`, at most [`INLINE`] bytes, inside the task.
    fn inline(b: &[u8]) -> Self {
        let mut data = [0u8; INLINE];
        data[..b.len()].copy_from_slice(b);
        Payload::Inline {
            len: b.len() as u8,
            data,
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Payload::Inline { len, data } => &data[..*len as usize],
            Payload::Owned(b) => b,
            Payload::Shared(b) => b,
        }
    }
}

/// What a message carries besides its bytes (rare, so boxed).
pub(crate) struct Extras {
    pub(crate) buffers: Vec<TransferredBuffer>,
    /// SharedArrayBuffers: references to memory, counted in no queue's size.
    pub(crate) shared: Vec<SharedArrayBuffer>,
    pub(crate) ports: Vec<ShippedPort>,
}

/// One task of a port message queue.
pub(crate) enum Task {
    Message {
        stamp: u64,
        payload: Payload,
        extras: Option<Box<Extras>>,
    },
    Close {
        stamp: u64,
    },
}

impl Task {
    pub(crate) fn size(&self) -> usize {
        match self {
            Task::Message {
                payload, extras, ..
            } => {
                payload.bytes().len()
                    + extras
                        .as_ref()
                        .map_or(0, |e| e.buffers.iter().map(|b| b.data.len()).sum())
            }
            Task::Close { .. } => 0,
        }
    }

    pub(crate) fn stamp(&self) -> u64 {
        match self {
            Task::Message { stamp, .. } | Task::Close { stamp } => *stamp,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_task_is_small() {
        // Queue memory per message; see BENCHMARKS.md (memory).
        assert!(
            std::mem::size_of::<super::Task>() <= 48,
            "{}",
            std::mem::size_of::<super::Task>()
        );
    }
}
