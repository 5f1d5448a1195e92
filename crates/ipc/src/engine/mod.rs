//! The crate's one layer with `unsafe` code: mapping the memory of sealed
//! memfd regions (`region.rs`). Every unsafe block says why it holds
//! (`// SAFETY:`); `tests/layout.rs` fails if unsafe code appears anywhere
//! else in the crate.
#![allow(unsafe_code)]

pub(crate) mod region;
