//! Encoding frames into a batch, and decoding one frame's bytes with
//! limits (the fuzzed part).

use super::{BufferDesc, Frame, FrameError, Limits, RouteId};

const HELLO: u8 = 1;
const WELCOME: u8 = 2;
pub(super) const MESSAGE: u8 = 3;
const CLOSE: u8 = 4;
const PAUSE: u8 = 5;
const RESUME: u8 = 6;
const SPLICE: u8 = 7;
const SPLICE_ACK: u8 = 8;
const SPLICE_END: u8 = 9;
const SPLICE_NO: u8 = 10;
const INTRODUCE: u8 = 11;
const BYPASS: u8 = 12;
const BYPASS_ACK: u8 = 13;
const BYPASS_NO: u8 = 14;
const BYPASS_END: u8 = 15;
const BYPASS_CANCEL: u8 = 16;
const BYPASS_GO: u8 = 17;
const IDLE: u8 = 18;
const IDLE_NO: u8 = 19;
pub(super) const RESIZABLE: u8 = 1;
pub(super) const IN_REGION: u8 = 2;

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
            Frame::Introduce { intro, node } => {
                let mut e = Encoder::begin(out, INTRODUCE);
                e.u128(*intro);
                e.u128(*node);
                e.finish();
            }
            Frame::Bypass { route, intro, new } => {
                let mut e = Encoder::begin(out, BYPASS);
                e.u128(route.0);
                e.u128(*intro);
                e.u128(new.0);
                e.finish();
            }
            Frame::BypassNo { route, stale } => {
                let mut e = Encoder::begin(out, BYPASS_NO);
                e.u128(route.0);
                e.u8(*stale as u8);
                e.finish();
            }
            Frame::BypassAck { route }
            | Frame::BypassCancel { route }
            | Frame::BypassGo { route } => {
                let kind = match self {
                    Frame::BypassAck { .. } => BYPASS_ACK,
                    Frame::BypassCancel { .. } => BYPASS_CANCEL,
                    _ => BYPASS_GO,
                };
                let mut e = Encoder::begin(out, kind);
                e.u128(route.0);
                e.finish();
            }
            Frame::Idle | Frame::IdleNo => {
                let kind = if matches!(self, Frame::Idle) {
                    IDLE
                } else {
                    IDLE_NO
                };
                Encoder::begin(out, kind).finish();
            }
            Frame::BypassEnd { route, sent } | Frame::Close { route, sent } => {
                let kind = if matches!(self, Frame::Close { .. }) {
                    CLOSE
                } else {
                    BYPASS_END
                };
                let mut e = Encoder::begin(out, kind);
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
        INTRODUCE => Frame::Introduce {
            intro: f.u128()?,
            node: f.u128()?,
        },
        BYPASS => Frame::Bypass {
            route: RouteId(f.u128()?),
            intro: f.u128()?,
            new: RouteId(f.u128()?),
        },
        BYPASS_ACK => Frame::BypassAck {
            route: RouteId(f.u128()?),
        },
        BYPASS_NO => Frame::BypassNo {
            route: RouteId(f.u128()?),
            stale: match f.u8()? {
                0 => false,
                1 => true,
                _ => return Err(FrameError::BadField("stale")),
            },
        },
        BYPASS_END => Frame::BypassEnd {
            route: RouteId(f.u128()?),
            sent: f.u64()?,
        },
        BYPASS_CANCEL => Frame::BypassCancel {
            route: RouteId(f.u128()?),
        },
        BYPASS_GO => Frame::BypassGo {
            route: RouteId(f.u128()?),
        },
        IDLE => Frame::Idle,
        IDLE_NO => Frame::IdleNo,
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
