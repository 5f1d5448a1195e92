//! A SharedArrayBuffer's memory: a shared data block (ECMA-262
//! `#sec-shared-data-blocks`), which every agent it was sent to reads and
//! writes at once, and the agent cluster it belongs to (HTML
//! `#structuredserializeinternal`, the SharedArrayBuffer steps).
//!
//! The block is one allocation: a header (reference count, length, agent
//! cluster) and then the bytes, 16-aligned, so that a JavaScript engine,
//! which knows a block only by the address of its bytes, can take and
//! release references through [`SharedBlock::into_raw`],
//! [`SharedBlock::from_raw`] and [`SharedBlock::clone_raw`]. All of this
//! crate's `unsafe` for shared memory is in this module.
//!
//! ```text
//!   alloc ─► ┌──────────── Header (32 B) ────────────┐┌── bytes (len) ──┐
//!            │ refs: AtomicUsize │ len │ cluster: u64 ││                 │
//!            └───────────────────────────────────────┘└─────────────────┘
//!                                                      ▲ into_raw / from_raw
//! ```
//!
//! Invariants: `refs` counts the live [`SharedBlock`] values plus the raw
//! references handed out by `into_raw`; the allocation is freed when it
//! reaches zero, and never before. `len` and `cluster` never change.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::fmt;
use std::num::NonZeroU64;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicI32, AtomicI64, AtomicU8, AtomicUsize, Ordering};

#[repr(C, align(16))]
struct Header {
    refs: AtomicUsize,
    len: usize,
    /// 0: made outside any agent cluster (by Rust code).
    cluster: u64,
}

/// Bytes from the start of the allocation to the data: a multiple of 16,
/// so every typed array over the block is aligned for its atomics.
const DATA: usize = std::mem::size_of::<Header>();
const _: () = assert!(DATA % 16 == 0);

/// The most bytes a block may hold (the size JavaScript engines accept).
pub const MAX_SHARED_LEN: usize = i32::MAX as usize;

fn layout(len: usize) -> Layout {
    // `len <= MAX_SHARED_LEN` (checked at creation), so this cannot overflow.
    Layout::from_size_align(DATA + len.max(1), 16).expect("bounded length")
}

/// The memory of a SharedArrayBuffer, shared by every clone of the handle
/// (a counted reference, like `Arc`). Bytes are read and written as
/// atomics: other threads, JavaScript among them, write them at any time.
///
/// ```
/// use msgport_clone::SharedBlock;
/// use std::sync::atomic::Ordering;
/// let a = SharedBlock::new(8).unwrap();
/// let b = a.clone();                           // the same memory
/// a.bytes()[3].store(7, Ordering::Relaxed);
/// assert_eq!(b.bytes()[3].load(Ordering::Relaxed), 7);
/// assert!(a.same(&b));
/// assert_eq!(b.to_vec(), [0, 0, 0, 7, 0, 0, 0, 0]);
/// ```
pub struct SharedBlock {
    header: NonNull<Header>,
}

// SAFETY: the header's mutable field is atomic, the others never change
// after creation, and the bytes are only reached as atomics (or through
// raw pointers whose users synchronize as the memory model requires).
unsafe impl Send for SharedBlock {}
// SAFETY: as for `Send`: `&SharedBlock` gives nothing but atomics.
unsafe impl Sync for SharedBlock {}

impl SharedBlock {
    /// A zeroed block of `len` bytes that belongs to no agent cluster, so
    /// any JavaScript realm may receive it. `None` if `len` is over
    /// [`MAX_SHARED_LEN`] or the memory cannot be had.
    pub fn new(len: usize) -> Option<Self> {
        Self::make(len, 0)
    }

    /// A zeroed block of `len` bytes made in the agent cluster `cluster`:
    /// a realm of another cluster refuses it ([`crate::DecodeOptions::agent_cluster`]).
    pub fn new_in(len: usize, cluster: NonZeroU64) -> Option<Self> {
        Self::make(len, cluster.get())
    }

    fn make(len: usize, cluster: u64) -> Option<Self> {
        if len > MAX_SHARED_LEN {
            return None;
        }
        // SAFETY: the layout's size is at least DATA + 1, never zero.
        let base = unsafe { alloc_zeroed(layout(len)) };
        let header = NonNull::new(base.cast::<Header>())?;
        // SAFETY: `base` is a fresh allocation, aligned and big enough for
        // a header; nothing else can see it yet.
        unsafe {
            header.as_ptr().write(Header {
                refs: AtomicUsize::new(1),
                len,
                cluster,
            })
        };
        Some(SharedBlock { header })
    }

    fn header(&self) -> &Header {
        // SAFETY: the header lives while any reference does, and `self` is one.
        unsafe { self.header.as_ref() }
    }

    /// The block's size in bytes.
    pub fn len(&self) -> usize {
        self.header().len
    }

    /// Whether the block holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The agent cluster the block was made in (`None`: made by Rust code,
    /// outside any).
    pub fn cluster(&self) -> Option<NonZeroU64> {
        NonZeroU64::new(self.header().cluster)
    }

    /// Whether a realm of agent cluster `cluster` may have the block: it
    /// was made there, or outside any cluster.
    pub fn may_enter(&self, cluster: NonZeroU64) -> bool {
        self.cluster().is_none_or(|c| c == cluster)
    }

    /// How many references the block has now (handles, plus those an
    /// engine holds), as `Arc::strong_count` tells: a snapshot.
    pub fn holders(&self) -> usize {
        self.header().refs.load(Ordering::Acquire)
    }

    /// Whether `self` and `other` are the same memory.
    pub fn same(&self, other: &SharedBlock) -> bool {
        self.header == other.header
    }

    /// The address of the first byte, 16-aligned.
    pub fn as_ptr(&self) -> *mut u8 {
        // SAFETY: the data starts DATA bytes into the allocation (in bounds).
        unsafe { self.header.as_ptr().cast::<u8>().add(DATA) }
    }

    /// The bytes, as atomics.
    pub fn bytes(&self) -> &[AtomicU8] {
        // SAFETY: `len` bytes from `as_ptr()` are ours while `self` lives;
        // `AtomicU8` has `u8`'s layout, and atomics are the only sound way
        // to read memory other threads write at any time.
        unsafe { std::slice::from_raw_parts(self.as_ptr().cast::<AtomicU8>(), self.len()) }
    }

    /// The 32-bit integer at `byte_index` (native byte order), read as
    /// JavaScript's `Atomics.load` does (sequentially consistent); `None`
    /// if it is not within the block or not 4-aligned.
    pub fn load_i32(&self, byte_index: usize) -> Option<i32> {
        let end = byte_index.checked_add(4)?;
        if end > self.len() || byte_index % 4 != 0 {
            return None;
        }
        // SAFETY: in bounds (checked) and aligned (the data is 16-aligned
        // and the index a multiple of 4); the memory is only ever accessed
        // atomically from Rust.
        let a = unsafe { &*self.as_ptr().add(byte_index).cast::<AtomicI32>() };
        Some(a.load(Ordering::SeqCst))
    }

    /// Stores `v` at `byte_index` as JavaScript's `Atomics.store` does
    /// (sequentially consistent); false if it is not within the block or
    /// not 4-aligned.
    pub fn store_i32(&self, byte_index: usize, v: i32) -> bool {
        let Some(end) = byte_index.checked_add(4) else {
            return false;
        };
        if end > self.len() || byte_index % 4 != 0 {
            return false;
        }
        // SAFETY: as in `load_i32`.
        let a = unsafe { &*self.as_ptr().add(byte_index).cast::<AtomicI32>() };
        a.store(v, Ordering::SeqCst);
        true
    }

    /// The 64-bit integer at `byte_index`, as [`SharedBlock::load_i32`]
    /// (8-aligned).
    pub fn load_i64(&self, byte_index: usize) -> Option<i64> {
        let end = byte_index.checked_add(8)?;
        if end > self.len() || byte_index % 8 != 0 {
            return None;
        }
        // SAFETY: as in `load_i32`, with 8 bytes and 8-alignment.
        let a = unsafe { &*self.as_ptr().add(byte_index).cast::<AtomicI64>() };
        Some(a.load(Ordering::SeqCst))
    }

    /// A copy of the bytes as they are now (each byte read once, relaxed).
    pub fn to_vec(&self) -> Vec<u8> {
        self.bytes()
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect()
    }

    /// The address of the bytes, keeping this reference: an engine holds
    /// it until it gives it back with [`SharedBlock::from_raw`].
    pub fn into_raw(self) -> NonNull<u8> {
        let p = self.as_ptr();
        std::mem::forget(self);
        // SAFETY: inside a live allocation, so not null.
        unsafe { NonNull::new_unchecked(p) }
    }

    /// Takes back a reference given out by [`SharedBlock::into_raw`].
    ///
    /// # Safety
    /// `data` came from `into_raw` (of any block) and that reference was
    /// not taken back yet; it is used up here.
    pub unsafe fn from_raw(data: NonNull<u8>) -> Self {
        // SAFETY: by the contract, `data` is DATA bytes into a live block.
        let header = unsafe { data.as_ptr().sub(DATA) }.cast::<Header>();
        SharedBlock {
            // SAFETY: derived from a non-null pointer inside an allocation.
            header: unsafe { NonNull::new_unchecked(header) },
        }
    }

    /// A new reference to the block whose bytes start at `data`, which
    /// some other reference keeps alive.
    ///
    /// # Safety
    /// `data` is the address of a live block's bytes (from `as_ptr` or
    /// `into_raw`), kept alive by another reference for this whole call.
    pub unsafe fn clone_raw(data: NonNull<u8>) -> Self {
        // SAFETY: forwarded contract; the borrowed reference is not given
        // up (forgotten), the clone adds one.
        let borrowed = std::mem::ManuallyDrop::new(unsafe { Self::from_raw(data) });
        SharedBlock::clone(&borrowed)
    }
}

impl Clone for SharedBlock {
    fn clone(&self) -> Self {
        // Relaxed is enough to add a reference to one we hold (as `Arc`).
        let old = self.header().refs.fetch_add(1, Ordering::Relaxed);
        if old > isize::MAX as usize {
            std::process::abort();
        }
        SharedBlock {
            header: self.header,
        }
    }
}

impl Drop for SharedBlock {
    fn drop(&mut self) {
        if self.header().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Every other owner's use of the memory happens before the free.
        fence(Ordering::Acquire);
        let len = self.header().len;
        // SAFETY: the last reference: nobody else can reach the block, and
        // it was allocated with this layout.
        unsafe { dealloc(self.header.as_ptr().cast(), layout(len)) };
    }
}

impl PartialEq for SharedBlock {
    /// The same memory (not equal bytes: those change under our feet).
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

impl fmt::Debug for SharedBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBlock")
            .field("at", &self.as_ptr())
            .field("len", &self.len())
            .field("cluster", &self.cluster())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_and_raw_references_share_the_memory_and_it_outlives_all_of_them() {
        let a = SharedBlock::new(64).unwrap();
        assert_eq!(a.as_ptr() as usize % 16, 0);
        assert!(a.to_vec().iter().all(|&b| b == 0));
        let raw = a.clone().into_raw();
        // SAFETY: `a` keeps the block alive.
        let b = unsafe { SharedBlock::clone_raw(raw) };
        drop(a);
        b.bytes()[63].store(9, Ordering::Relaxed);
        // SAFETY: the reference `into_raw` kept, given back once.
        let c = unsafe { SharedBlock::from_raw(raw) };
        assert!(c.same(&b));
        drop(b);
        assert_eq!(c.bytes()[63].load(Ordering::Relaxed), 9);
        assert_eq!(c.holders(), 1);
    }

    #[test]
    fn words_are_read_in_bounds_and_aligned_only() {
        let a = SharedBlock::new(16).unwrap();
        for (i, b) in [1u8, 0, 0, 0, 2, 0, 0, 0].iter().enumerate() {
            a.bytes()[8 + i].store(*b, Ordering::Relaxed);
        }
        assert_eq!(a.load_i32(8), Some(i32::from_ne_bytes([1, 0, 0, 0])));
        assert_eq!(
            a.load_i64(8),
            Some(i64::from_ne_bytes([1, 0, 0, 0, 2, 0, 0, 0]))
        );
        assert_eq!(a.load_i32(12), Some(i32::from_ne_bytes([2, 0, 0, 0])));
        assert_eq!(a.load_i32(13), None, "unaligned");
        assert!(a.store_i32(4, -7) && a.load_i32(4) == Some(-7));
        assert!(!a.store_i32(14, 1) && !a.store_i32(16, 1) && !a.store_i32(usize::MAX, 1));
        assert_eq!(a.load_i32(16), None, "past the end");
        assert_eq!(a.load_i64(12), None, "unaligned for 8");
        assert_eq!(a.load_i64(usize::MAX - 3), None);
    }

    #[test]
    fn threads_see_each_others_writes() {
        let a = SharedBlock::new(4).unwrap();
        let b = a.clone();
        std::thread::spawn(move || b.bytes()[0].store(1, Ordering::Release))
            .join()
            .unwrap();
        assert_eq!(a.bytes()[0].load(Ordering::Acquire), 1);
    }

    #[test]
    fn a_block_made_in_a_cluster_enters_only_that_cluster() {
        let c1 = NonZeroU64::new(1).unwrap();
        let c2 = NonZeroU64::new(2).unwrap();
        let free = SharedBlock::new(0).unwrap();
        assert!(free.is_empty() && free.may_enter(c1) && free.cluster().is_none());
        let held = SharedBlock::new_in(1, c1).unwrap();
        assert_eq!(held.cluster(), Some(c1));
        assert!(held.may_enter(c1) && !held.may_enter(c2));
    }

    #[test]
    fn an_oversized_block_is_refused() {
        assert!(SharedBlock::new(MAX_SHARED_LEN + 1).is_none());
    }
}
