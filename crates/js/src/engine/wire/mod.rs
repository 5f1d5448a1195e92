//! StructuredSerialize straight from JS values to wire bytes, and
//! StructuredDeserialize straight back, for the messages most programs
//! post (HTML `#structuredserializeinternal`, `#structureddeserialize`).
//!
//! [`read`] is the other direction: a message of primitives (BigInts up
//! to 64 bits), plain objects, dense arrays, Dates, ArrayBuffers and typed
//! arrays (and nothing transferred) becomes JS values as
//! its bytes are read. On anything else, or any byte it does not expect,
//! it returns `None` and the general decoder (msgport-clone's, then
//! [`crate::clone::deserialize`]) reads the message from the start and
//! decides, as always, between a value and a `messageerror`. Reading runs
//! no JavaScript, so giving up is never observable.
//!
//! The general path ([`crate::clone`]) builds msgport-clone's
//! [`Graph`](msgport_clone::Graph) first and then encodes it, converting
//! every key, string and number twice. A `postMessage` with no transfer list
//! whose message is made of primitives (BigInts the engine keeps in the
//! value: 32 bits), plain objects (the prototype is
//! `Object.prototype`, every own enumerable property is a data property)
//! dense arrays (every index below the length an own enumerable data
//! property, and nothing else enumerable), Dates, and ArrayBuffers and
//! typed arrays over them (not shared, not resizable, not detached) is
//! written here in one pass, with the same bytes. What the engine's API
//! cannot read (a buffer's flags, a Date's time value) the prelude's slot
//! reader reads through captured built-ins.
//!
//! Anything else (an accessor, which is user code; an array with holes or
//! other properties; a DataView, a shared or resizable buffer; a Map, Set
//! or any other kind; a symbol; a string with
//! a lone surrogate; a key that looks like an index; nesting deeper than
//! [`MAX_DEPTH`](writer::MAX_DEPTH)) makes [`write()`] give up and return `false`, and the
//! caller runs the general path from the start. Giving up is never
//! observable: until then no user code has run (keys are listed and data
//! properties read by the engine; the slot reader runs built-ins only), and the bytes written so far are thrown away. The general path is the reference for every rule.

mod cache;
mod reader;
#[cfg(test)]
mod tests;
mod writer;

pub(crate) use cache::{names_hash, Caches, ShapeKeepers};
pub(crate) use reader::read;
pub(crate) use writer::{write, Env};
