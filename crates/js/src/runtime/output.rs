//! Where a run's output goes: the process's stdout and stderr, or
//! buffers (a captured run), shared by the main context and its workers.

#![forbid(unsafe_code)]

use std::io::Write;
use std::sync::Arc;

/// Where `console` writes: the main context and every worker of its run
/// (workers run on their own threads, hence `Send`), a whole line at a time.
pub struct Output {
    /// `console.log`, `info`, `debug`.
    pub stdout: Box<dyn Write + Send>,
    /// `console.error`, `warn`, and uncaught exceptions.
    pub stderr: Box<dyn Write + Send>,
}

/// A run's [`Output`], shared by its main context and every worker of the
/// run (so a captured run captures its workers too). Each line is written
/// whole under the lock, so lines from different threads never mix.
#[derive(Clone)]
pub(crate) struct SharedOutput(Arc<std::sync::Mutex<Output>>);

impl SharedOutput {
    pub(crate) fn new(out: Output) -> Self {
        SharedOutput(Arc::new(std::sync::Mutex::new(out)))
    }

    /// Writes `text` and a newline to stdout or stderr.
    pub(crate) fn line(&self, to_stderr: bool, text: &str) {
        let mut o = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let w = if to_stderr {
            &mut o.stderr
        } else {
            &mut o.stdout
        };
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        let _ = w.write_all(line.as_bytes());
        let _ = w.flush();
    }
}

impl Output {
    /// The process's own stdout and stderr.
    pub fn std() -> Self {
        Output {
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
        }
    }
}

/// An in-memory, thread-safe output (a captured run's stdout or stderr).
#[derive(Clone, Default)]
pub(crate) struct Buf(Arc<std::sync::Mutex<Vec<u8>>>);

impl Buf {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
