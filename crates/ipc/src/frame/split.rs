//! Splitting a byte stream into frames.

use super::{FrameError, Limits};

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
