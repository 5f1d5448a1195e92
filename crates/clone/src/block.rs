//! The contents of an ArrayBuffer: a data block (ECMA-262
//! `#sec-data-blocks`), owned either as a `Vec<u8>` or as memory an embedder
//! allocated (a JavaScript engine's own buffer), so that transfer can move
//! the bytes from one owner to another without copying them.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// An ArrayBuffer's bytes. Moving a `DataBlock` never copies the bytes;
/// [`Clone`] does (into a `Vec`).
///
/// Most blocks hold a `Vec<u8>`. [`DataBlock::from_owner`] takes any
/// owner of a byte slice instead, which lets an embedder hand over memory
/// from its own allocator (the JS runtime transfers a 256 MiB ArrayBuffer
/// this way); the owner is dropped with the block.
///
/// ```
/// use msgport_clone::DataBlock;
/// let mut b = DataBlock::from(vec![1u8, 2, 3]);
/// b[0] = 9;
/// assert_eq!(&b[..], &[9, 2, 3]);
///
/// // Memory from elsewhere, moved in without a copy.
/// let boxed: Box<[u8]> = vec![7u8; 4096].into_boxed_slice();
/// let ptr = boxed.as_ptr();
/// let block = DataBlock::from_owner(boxed);
/// assert_eq!(block.as_ptr(), ptr);
/// assert_eq!(block.len(), 4096);
/// ```
pub struct DataBlock(Repr);

enum Repr {
    Vec(Vec<u8>),
    // Boxed, so that a block is no bigger than a `Vec`.
    Foreign(Box<Foreign>),
}

struct Foreign {
    ptr: NonNull<u8>,
    len: usize,
    // Dropped with the block; `ptr..ptr+len` is its memory.
    _owner: Box<dyn Send + Sync>,
}

// Safety: `Foreign` memory belongs to `_owner` (Send + Sync) and is reached
// only through `&self`/`&mut self`, so the block has `Vec<u8>`'s sharing rules.
unsafe impl Send for DataBlock {}
unsafe impl Sync for DataBlock {}

impl DataBlock {
    /// An empty block.
    pub const fn new() -> Self {
        DataBlock(Repr::Vec(Vec::new()))
    }

    /// A block whose bytes are `owner`'s slice, taken once, now: the owner
    /// is boxed first, so its slice must not move while the owner does not
    /// (true of every heap buffer: `Vec`, `Box<[u8]>`, an allocator's block).
    pub fn from_owner<O: AsMut<[u8]> + Send + Sync + 'static>(owner: O) -> Self {
        let mut owner = Box::new(owner);
        let slice = (*owner).as_mut();
        let len = slice.len();
        let ptr = NonNull::new(slice.as_mut_ptr()).unwrap_or(NonNull::dangling());
        DataBlock(Repr::Foreign(Box::new(Foreign {
            ptr,
            len,
            _owner: owner,
        })))
    }

    /// The bytes as a `Vec`, copied only if the block is foreign.
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            Repr::Vec(v) => v,
            Repr::Foreign(_) => self.to_vec(),
        }
    }

    /// Whether the bytes are owned by something other than a `Vec`.
    pub fn is_foreign(&self) -> bool {
        matches!(self.0, Repr::Foreign(_))
    }
}

impl Default for DataBlock {
    fn default() -> Self {
        DataBlock::new()
    }
}

impl Deref for DataBlock {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Vec(v) => v,
            // Safety: `ptr..ptr+len` is the owner's slice, alive while the
            // owner is, and borrowed through `&self`.
            Repr::Foreign(f) => unsafe { std::slice::from_raw_parts(f.ptr.as_ptr(), f.len) },
        }
    }
}

impl DerefMut for DataBlock {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Repr::Vec(v) => v,
            // Safety: as in `deref`, and `&mut self` makes the borrow unique.
            Repr::Foreign(f) => unsafe { std::slice::from_raw_parts_mut(f.ptr.as_ptr(), f.len) },
        }
    }
}

impl From<Vec<u8>> for DataBlock {
    fn from(v: Vec<u8>) -> Self {
        DataBlock(Repr::Vec(v))
    }
}

impl From<&[u8]> for DataBlock {
    fn from(s: &[u8]) -> Self {
        DataBlock(Repr::Vec(s.to_vec()))
    }
}

impl Clone for DataBlock {
    fn clone(&self) -> Self {
        DataBlock(Repr::Vec(self.to_vec()))
    }
}

impl PartialEq for DataBlock {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for DataBlock {}

impl PartialEq<[u8]> for DataBlock {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl PartialEq<Vec<u8>> for DataBlock {
    fn eq(&self, other: &Vec<u8>) -> bool {
        **self == **other
    }
}

impl fmt::Debug for DataBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counted(Vec<u8>, Arc<AtomicUsize>);
    impl AsMut<[u8]> for Counted {
        fn as_mut(&mut self) -> &mut [u8] {
            &mut self.0
        }
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_foreign_block_keeps_its_owner_until_dropped_and_drops_it_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let owner = Counted(vec![1, 2, 3], drops.clone());
        let ptr = owner.0.as_ptr();
        let mut b = DataBlock::from_owner(owner);
        assert!(b.is_foreign());
        assert_eq!(b.as_ptr(), ptr, "no copy");
        b[1] = 20;
        let moved = std::thread::spawn(move || b).join().unwrap();
        assert_eq!(&moved[..], &[1, 20, 3]);
        let copy = moved.clone();
        assert!(!copy.is_foreign());
        assert_eq!(copy, moved);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        let v = moved.into_vec();
        assert_eq!(v, vec![1, 20, 3]);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_block_is_no_bigger_than_a_vec() {
        assert_eq!(
            std::mem::size_of::<DataBlock>(),
            std::mem::size_of::<Vec<u8>>()
        );
    }

    #[test]
    fn a_vec_block_converts_back_without_a_copy() {
        let v = vec![5u8; 100];
        let ptr = v.as_ptr();
        let b = DataBlock::from(v);
        assert!(!b.is_foreign());
        let back = b.into_vec();
        assert_eq!(back.as_ptr(), ptr);
    }

    #[test]
    fn an_empty_foreign_block_is_empty() {
        let b = DataBlock::from_owner(Vec::<u8>::new());
        assert!(b.is_empty());
        assert_eq!(b, DataBlock::new());
    }
}
