//! The engine layer: every raw QuickJS call (`rquickjs::qjs`) and every
//! `unsafe` block of msgport-js, and nothing else of the crate's.
//!
//! The rest of the crate reaches the engine through rquickjs's own
//! handles (`Ctx<'js>`, `Value<'js>`, `Object<'js>`), which carry the
//! lifetime of the context they belong to, and through the safe functions
//! and types here. Raw values never leave this folder; the ones kept in
//! it are owned (a counted reference released on drop) or borrowed for a
//! lifetime that ends before any call that may run JavaScript or the
//! collector.
//!
//! - [`ffi`]: small safe wrappers of single engine calls (arrays,
//!   buffers, the collector, the stack limit), the face of the layer;
//!   [`handles`]: `Owned`, `OwnedAtom`, `Borrowed<'a>`, `Lent<'a, 'js>`;
//!   [`properties`]: data properties read and defined without running
//!   JavaScript.
//! - [`bytecode`]: the preludes compiled once per process and read back
//!   as bytecode by every later context.
//! - [`alloc`]: the runtime's allocator, which lets a transferred
//!   ArrayBuffer's bytes leave the engine without a copy; [`shared`]:
//!   SharedArrayBuffer memory as counted blocks other runtimes share.
//! - [`native`]: msgport's own engine classes (registration, MessagePort)
//!   and the C function of the hot path, `postMessage`; [`events`]: Event
//!   objects and the current-event cell.
//! - [`classes`], [`intrinsics`]: what an object is by its class, and the
//!   prelude's captured built-ins (safe code the fast paths need).
//! - [`direct`], [`wire`], [`deliver`]: the fast paths (structuredClone
//!   without the wire, the direct wire writer and reader, the native
//!   dispatch of a message), each equivalent to the general path of
//!   `crate::clone` and `src/prelude`, and tested against it.
//!
//! Every `unsafe` block has a `// SAFETY:` comment saying why it holds
//! (`clippy::undocumented_unsafe_blocks` is denied for the crate, and
//! `unsafe_op_in_unsafe_fn` too); `tests/layout.rs` fails if `qjs::` or
//! `unsafe` appears outside this folder. This layer imports nothing from
//! the crate's other folders (the context's host is reached through the
//! [`native::Poster`] trait).

pub(crate) mod alloc;
pub(crate) mod bytecode;
pub(crate) mod classes;
pub(crate) mod deliver;
pub(crate) mod direct;
pub(crate) mod events;
pub(crate) mod ffi;
pub(crate) mod handles;
pub(crate) mod intrinsics;
pub(crate) mod native;
pub(crate) mod natives;
pub(crate) mod properties;
pub(crate) mod shared;
pub(crate) mod wire;
