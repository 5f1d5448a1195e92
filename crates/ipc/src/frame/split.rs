//! Splitting a byte stream into frames.

use super::{FrameError, Limits};

/// Splits frames off a stream of bytes.
///
/// `buf[at..end]` holds the bytes not yet split off. The buffer is zeroed
/// only when it grows: a read offers space that was used before, so that
/// a read of a few bytes does not clear 256 KiB first.
#[derive(Default)]
pub struct Splitter {
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start.
    at: usize,
    /// Where they end.
    end: usize,
}

/// A buffer this large is given back once it is empty (a large frame
/// came; the next ones are likely small).
const KEEP: usize = 4 << 20;

impl Splitter {
    /// A splitter with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to read the next bytes into: a slice of at least `want` bytes
    /// after the unread ones. Call [`Splitter::filled`] with how many
    /// were read.
    pub fn space(&mut self, want: usize) -> &mut [u8] {
        if self.at == self.end {
            self.at = 0;
            self.end = 0;
            if self.buf.len() > KEEP.max(want) {
                self.buf = Vec::new();
            }
        } else if self.at > 0 && (self.at >= self.buf.len() / 2 || self.end + want > self.buf.len())
        {
            self.buf.copy_within(self.at..self.end, 0);
            self.end -= self.at;
            self.at = 0;
        }
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
        &mut self.buf[self.end..self.end + want]
    }

    /// Keeps `n` of the bytes [`Splitter::space`] offered.
    pub fn filled(&mut self, n: usize, offered: usize) {
        self.end += n.min(offered);
    }

    /// Appends bytes (for tests and fuzzing).
    pub fn push(&mut self, b: &[u8]) {
        self.space(b.len()).copy_from_slice(b);
        self.filled(b.len(), b.len());
    }

    /// The next complete frame's bytes, if there is one. A declared length
    /// over the limit is an error at once, before its bytes arrive.
    pub fn next_frame(&mut self, limits: &Limits) -> Result<Option<&[u8]>, FrameError> {
        let rest = &self.buf[self.at..self.end];
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
