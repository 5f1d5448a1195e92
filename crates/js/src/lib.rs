//! # msgport-js
//!
//! The JavaScript side of msgport: one QuickJS runtime (through `rquickjs`)
//! per thread, with a web-style event loop.
//!
//! Globals in every context: the Channel Messaging API (`MessageChannel`,
//! `MessagePort`, `MessageEvent`, `structuredClone`, `PortCollection`),
//! `BroadcastChannel`, `Worker`, `SharedWorker`, `EventTarget`/`Event`,
//! `AbortController`, timers, `queueMicrotask`, `console`,
//! `TextEncoder`/`TextDecoder`, `Blob`/`File`/`FileReader`, `URL`,
//! `TestUtils.gc()`. The run ends when nothing can happen any more in any
//! context. [`JsRuntime::add_port`] connects a script to Rust.
//! ARCHITECTURE.md has the map of the modules.
//!
//! ```
//! let out = msgport_js::run_captured("setTimeout(() => console.log('later'), 0); console.log('now')");
//! assert_eq!(out.stdout, "now\nlater\n");
//! assert_eq!(out.exit_code, 0);
//!
//! // A channel in JavaScript; the run ends once nothing can happen any more.
//! let out = msgport_js::run_captured(r#"
//!     const { port1, port2 } = new MessageChannel();
//!     port2.onmessage = (e) => console.log(e.data.greeting, e.ports.length);
//!     port1.postMessage({ greeting: "hello" });
//! "#);
//! assert_eq!(out.stdout, "hello 0\n");
//! ```

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod clone;
mod engine;
mod error;
mod runtime;
pub mod wpt;

pub use error::Error;
pub use runtime::{run_captured, Captured, JsRuntime, Output, UNSETTLED_TOP_LEVEL_AWAIT};
