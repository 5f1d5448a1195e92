//! # msgport-js
//!
//! The JavaScript side of msgport: one QuickJS runtime (through `rquickjs`)
//! per thread, with a web-style event loop.
//!
//! **Status: the foundation of issue 4.** What exists: classic scripts, the
//! event loop (a timer heap, one task at a time, a microtask checkpoint after
//! every task, exit when nothing can happen any more), `setTimeout`,
//! `setInterval`, `clearTimeout`, `clearInterval`, `queueMicrotask`,
//! `console`, `self`/`globalThis`, and uncaught exceptions reported with their
//! stack and a non-zero exit code. The Channel Messaging API, structured
//! clone, Workers and the WPT harness are not bound yet.
//!
//! ```
//! let out = msgport_js::run_captured("setTimeout(() => console.log('later'), 0); console.log('now')");
//! assert_eq!(out.stdout, "now\nlater\n");
//! assert_eq!(out.exit_code, 0);
//! ```

mod clone;
mod console;
mod event_loop;
mod ffi;
mod host;
mod signal;
mod url;
pub mod wpt;

pub use event_loop::{run_captured, Captured, JsRuntime, Output};
