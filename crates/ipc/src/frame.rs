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
}

const HELLO: u8 = 1;
const WELCOME: u8 = 2;
const MESSAGE: u8 = 3;
const CLOSE: u8 = 4;
const PAUSE: u8 = 5;
const RESUME: u8 = 6;
const SPLICE: u8 = 7;
const SPLICE_ACK: u8 = 8;
const SPLICE_END: u8 = 9;
const SPLICE_NO: u8 = 10;
const RESIZABLE: u8 = 1;
const IN_REGION: u8 = 2;

/// Writes frames into a byte buffer (a batch sent in one write).
pub(crate) struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
}

impl<'a> Encoder<'a> {
    /// Starts a frame of `kind` at the end of `out`.
    pub(crate) fn begin(out: &'a mut Vec<u8>, kind: u8) -> Self {
        let start = out.len();
        out.extend_from_slice(&[0, 0, 0, 0, kind]);
        Encoder { out, start }
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u128(&mut self, v: u128) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// Writes the length prefix; the frame is complete.
    pub(crate) fn finish(self) {
        let len = (self.out.len() - self.start - 4) as u32;
        self.out[self.start..self.start + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// The header of a `Message` frame, before its bytes.
pub(crate) fn begin_message<'a>(
    out: &'a mut Vec<u8>,
    route: RouteId,
    seq: u64,
    bytes: &[u8],
) -> Encoder<'a> {
    let mut e = Encoder::begin(out, MESSAGE);
    e.u128(route.0);
    e.u64(seq);
    e.u32(bytes.len() as u32);
    e.bytes(bytes);
    e
}

impl Frame {
    /// Appends this frame to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Hello { node, token } => {
                let mut e = Encoder::begin(out, HELLO);
                e.u128(*node);
                e.bytes(token);
                e.finish();
            }
            Frame::Welcome { node, route } => {
                let mut e = Encoder::begin(out, WELCOME);
                e.u128(*node);
                e.u128(route.0);
                e.finish();
            }
            Frame::Message {
                route,
                seq,
                bytes,
                ports,
                buffers,
            } => {
                let mut e = begin_message(out, *route, *seq, bytes);
                e.u16(ports.len() as u16);
                for p in ports {
                    e.u128(p.0);
                }
                e.u16(buffers.len() as u16);
                for b in buffers {
                    write_buffer(&mut e, b.len, b.max, b.inline.as_deref());
                }
                e.finish();
            }
            Frame::Pause { route } | Frame::Resume { route } => {
                let kind = if matches!(self, Frame::Pause { .. }) {
                    PAUSE
                } else {
                    RESUME
                };
                let mut e = Encoder::begin(out, kind);
                e.u128(route.0);
                e.finish();
            }
            Frame::Splice { a, b } | Frame::SpliceAck { a, b } | Frame::SpliceNo { a, b } => {
                let kind = match self {
                    Frame::Splice { .. } => SPLICE,
                    Frame::SpliceAck { .. } => SPLICE_ACK,
                    _ => SPLICE_NO,
                };
                let mut e = Encoder::begin(out, kind);
                e.u128(a.0);
                e.u128(b.0);
                e.finish();
            }
            Frame::SpliceEnd {
                a,
                b,
                sent_a,
                sent_b,
            } => {
                let mut e = Encoder::begin(out, SPLICE_END);
                e.u128(a.0);
                e.u128(b.0);
                e.u64(*sent_a);
                e.u64(*sent_b);
                e.finish();
            }
            Frame::Close { route, sent } => {
                let mut e = Encoder::begin(out, CLOSE);
                e.u128(route.0);
                e.u64(*sent);
                e.finish();
            }
        }
    }
}

/// One buffer's description (and its bytes, if inline).
pub(crate) fn write_buffer(e: &mut Encoder<'_>, len: u64, max: Option<u64>, inline: Option<&[u8]>) {
    let flags =
        if max.is_some() { RESIZABLE } else { 0 } | if inline.is_none() { IN_REGION } else { 0 };
    e.u8(flags);
    e.u64(len);
    if let Some(m) = max {
        e.u64(m);
    }
    if let Some(b) = inline {
        e.bytes(b);
    }
}

/// Reads fields from one frame's bytes.
struct Fields<'a> {
    b: &'a [u8],
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FrameError> {
        if self.b.len() < n {
            return Err(FrameError::Truncated);
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn u8(&mut self) -> Result<u8, FrameError> {
        Ok(self.take(1)?[0])
    }
    /// A `u16` count of items that take at least `min_each` bytes each:
    /// over `max` is `over(count)`, more than the frame holds is truncated.
    fn count(
        &mut self,
        max: usize,
        min_each: usize,
        over: fn(usize) -> FrameError,
    ) -> Result<usize, FrameError> {
        let n = self.u16()? as usize;
        if n > max {
            return Err(over(n));
        }
        if self.b.len() < n * min_each {
            return Err(FrameError::Truncated);
        }
        Ok(n)
    }

    /// The next `N` bytes.
    fn array<const N: usize>(&mut self) -> Result<[u8; N], FrameError> {
        self.take(N)?.try_into().map_err(|_| FrameError::Truncated)
    }
    fn u16(&mut self) -> Result<u16, FrameError> {
        self.array().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, FrameError> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, FrameError> {
        self.array().map(u64::from_le_bytes)
    }
    fn u128(&mut self) -> Result<u128, FrameError> {
        self.array().map(u128::from_le_bytes)
    }
}

/// Decodes one frame's bytes (after its length prefix). Allocates at most
/// what the bytes themselves hold.
pub fn decode(b: &[u8], limits: &Limits) -> Result<Frame, FrameError> {
    let mut f = Fields { b };
    let frame = match f.u8()? {
        HELLO => Frame::Hello {
            node: f.u128()?,
            token: f.array()?,
        },
        WELCOME => Frame::Welcome {
            node: f.u128()?,
            route: RouteId(f.u128()?),
        },
        MESSAGE => {
            let route = RouteId(f.u128()?);
            let seq = f.u64()?;
            let n = f.u32()? as usize;
            let bytes = f.take(n)?.to_vec();
            // Each port takes 16 bytes of the frame, each buffer at least
            // 9: a count is checked against what is there before anything
            // is reserved.
            let np = f.count(limits.max_ports, 16, FrameError::TooManyPorts)?;
            let ports = (0..np)
                .map(|_| f.u128().map(RouteId))
                .collect::<Result<Vec<_>, _>>()?;
            let nb = f.count(limits.max_buffers, 9, FrameError::TooManyBuffers)?;
            let buffers = (0..nb)
                .map(|_| read_buffer(&mut f, limits))
                .collect::<Result<Vec<_>, _>>()?;
            Frame::Message {
                route,
                seq,
                bytes,
                ports,
                buffers,
            }
        }
        CLOSE => Frame::Close {
            route: RouteId(f.u128()?),
            sent: f.u64()?,
        },
        PAUSE => Frame::Pause {
            route: RouteId(f.u128()?),
        },
        RESUME => Frame::Resume {
            route: RouteId(f.u128()?),
        },
        SPLICE => Frame::Splice {
            a: RouteId(f.u128()?),
            b: RouteId(f.u128()?),
        },
        SPLICE_ACK => Frame::SpliceAck {
            a: RouteId(f.u128()?),
            b: RouteId(f.u128()?),
        },
        SPLICE_END => Frame::SpliceEnd {
            a: RouteId(f.u128()?),
            b: RouteId(f.u128()?),
            sent_a: f.u64()?,
            sent_b: f.u64()?,
        },
        SPLICE_NO => Frame::SpliceNo {
            a: RouteId(f.u128()?),
            b: RouteId(f.u128()?),
        },
        k => return Err(FrameError::UnknownKind(k)),
    };
    if !f.b.is_empty() {
        return Err(FrameError::Trailing(f.b.len()));
    }
    Ok(frame)
}

fn read_buffer(f: &mut Fields<'_>, limits: &Limits) -> Result<BufferDesc, FrameError> {
    let flags = f.u8()?;
    if flags & !(RESIZABLE | IN_REGION) != 0 {
        return Err(FrameError::BadBuffer);
    }
    let len = f.u64()?;
    let max = if flags & RESIZABLE != 0 {
        let m = f.u64()?;
        // ArrayBuffer lengths are at most 2^53 - 1.
        if m < len || m > (1 << 53) - 1 {
            return Err(FrameError::BadBuffer);
        }
        Some(m)
    } else {
        None
    };
    let inline = if flags & IN_REGION != 0 {
        if len > limits.max_region {
            return Err(FrameError::BadBuffer);
        }
        None
    } else {
        if len > limits.max_inline_buffer as u64 {
            return Err(FrameError::BadBuffer);
        }
        Some(f.take(len as usize)?.to_vec())
    };
    Ok(BufferDesc { len, max, inline })
}

/// Splits frames off a stream of bytes.
#[derive(Default)]
pub struct Splitter {
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start.
    at: usize,
}

impl Splitter {
    /// A splitter with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to read the next bytes into: a slice of at least `want` bytes
    /// at the end of the buffer. Call [`Splitter::filled`] with how many
    /// were read.
    pub fn space(&mut self, want: usize) -> &mut [u8] {
        if self.at > 0 && self.at == self.buf.len() {
            self.buf.clear();
            self.at = 0;
        } else if self.at > 0 && self.at >= self.buf.len() / 2 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + want, 0);
        &mut self.buf[len..]
    }

    /// Keeps `n` of the bytes [`Splitter::space`] offered.
    pub fn filled(&mut self, n: usize, offered: usize) {
        let len = self.buf.len();
        self.buf.truncate(len - offered + n);
    }

    /// Appends bytes (for tests and fuzzing).
    pub fn push(&mut self, b: &[u8]) {
        let s = self.space(b.len());
        s.copy_from_slice(b);
    }

    /// The next complete frame's bytes, if there is one. A declared length
    /// over the limit is an error at once, before its bytes arrive.
    pub fn next_frame(&mut self, limits: &Limits) -> Result<Option<&[u8]>, FrameError> {
        let rest = &self.buf[self.at..];
        if rest.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > limits.max_frame {
            return Err(FrameError::TooLarge(len));
        }
        if rest.len() < 4 + len {
            return Ok(None);
        }
        let start = self.at + 4;
        self.at = start + len;
        Ok(Some(&self.buf[start..start + len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(f: Frame) {
        let mut out = Vec::new();
        f.encode(&mut out);
        let mut s = Splitter::new();
        s.push(&out);
        let bytes = s.next_frame(&Limits::default()).unwrap().unwrap();
        assert_eq!(decode(bytes, &Limits::default()).unwrap(), f);
        assert!(s.next_frame(&Limits::default()).unwrap().is_none());
    }

    #[test]
    fn every_kind_round_trips() {
        roundtrip(Frame::Hello {
            node: 7,
            token: [9; 32],
        });
        roundtrip(Frame::Welcome {
            node: 1 << 100,
            route: RouteId(3),
        });
        roundtrip(Frame::Close {
            route: RouteId(u128::MAX),
            sent: 12,
        });
        roundtrip(Frame::Splice {
            a: RouteId(1),
            b: RouteId(u128::MAX),
        });
        roundtrip(Frame::SpliceAck {
            a: RouteId(2),
            b: RouteId(3),
        });
        roundtrip(Frame::SpliceEnd {
            a: RouteId(4),
            b: RouteId(5),
            sent_a: 6,
            sent_b: u64::MAX,
        });
        roundtrip(Frame::SpliceNo {
            a: RouteId(7),
            b: RouteId(8),
        });
        roundtrip(Frame::Message {
            route: RouteId(5),
            seq: 99,
            bytes: vec![0xFF, 0x0F, 0x22, 0x01, b'a'],
            ports: vec![RouteId(1), RouteId(2)],
            buffers: vec![
                BufferDesc {
                    len: 3,
                    max: None,
                    inline: Some(vec![1, 2, 3]),
                },
                BufferDesc {
                    len: 1 << 20,
                    max: Some(1 << 21),
                    inline: None,
                },
            ],
        });
    }

    #[test]
    fn frames_split_at_any_byte() {
        let mut out = Vec::new();
        Frame::Close {
            route: RouteId(1),
            sent: 0,
        }
        .encode(&mut out);
        Frame::Hello {
            node: 2,
            token: [1; 32],
        }
        .encode(&mut out);
        let mut s = Splitter::new();
        let mut got = Vec::new();
        for b in &out {
            s.push(std::slice::from_ref(b));
            while let Some(f) = s.next_frame(&Limits::default()).unwrap() {
                got.push(decode(f, &Limits::default()).unwrap());
            }
        }
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn bad_frames_are_typed_errors() {
        let l = Limits::default();
        assert_eq!(decode(&[], &l), Err(FrameError::Truncated));
        assert_eq!(decode(&[77], &l), Err(FrameError::UnknownKind(77)));
        let mut out = Vec::new();
        Frame::Close {
            route: RouteId(1),
            sent: 0,
        }
        .encode(&mut out);
        out.push(0);
        assert_eq!(decode(&out[4..], &l), Err(FrameError::Trailing(1)));
        // A huge declared length is refused before its bytes arrive.
        let mut s = Splitter::new();
        s.push(&u32::MAX.to_le_bytes());
        assert_eq!(
            s.next_frame(&l),
            Err(FrameError::TooLarge(u32::MAX as usize))
        );
        // Counts beyond the limits, and counts the frame cannot hold.
        let mut m = vec![MESSAGE];
        m.extend_from_slice(&[0; 16 + 8]);
        m.extend_from_slice(&0u32.to_le_bytes());
        let mut many = m.clone();
        many.extend_from_slice(&5000u16.to_le_bytes());
        assert_eq!(decode(&many, &l), Err(FrameError::TooManyPorts(5000)));
        let mut short = m.clone();
        short.extend_from_slice(&100u16.to_le_bytes());
        assert_eq!(decode(&short, &l), Err(FrameError::Truncated));
        // An inline buffer over the inline limit, a max below the length.
        let mut big = m.clone();
        big.extend_from_slice(&0u16.to_le_bytes());
        big.extend_from_slice(&1u16.to_le_bytes());
        let mut b1 = big.clone();
        b1.push(0);
        b1.extend_from_slice(&(1u64 << 20).to_le_bytes());
        assert_eq!(decode(&b1, &l), Err(FrameError::BadBuffer));
        let mut b2 = big.clone();
        b2.push(RESIZABLE | IN_REGION);
        b2.extend_from_slice(&10u64.to_le_bytes());
        b2.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(decode(&b2, &l), Err(FrameError::BadBuffer));
        let mut b3 = big;
        b3.push(0x80);
        b3.extend_from_slice(&[0; 8]);
        assert_eq!(decode(&b3, &l), Err(FrameError::BadBuffer));
    }
}
