//! The allocator of every msgport JS runtime, which lets a transferred
//! ArrayBuffer's bytes leave the engine without a copy.
//!
//! QuickJS allocates an ArrayBuffer larger than its small-block arena as one
//! "large block": an 8-byte QuickJS header, then the bytes. This allocator
//! puts its own header (the size) before each block and remembers, per
//! thread, every block of [`LARGE`] bytes or more. [`steal`] takes such a
//! block out of the engine's hands: it is forgotten here, and the one free
//! QuickJS makes when it detaches the buffer is skipped, so the bytes now
//! belong to the [`DataBlock`] that [`steal`] returns, which frees them with
//! the same layout on whichever thread drops it.
//!
//! Everything else behaves as rquickjs's `RustAllocator` (the Rust global
//! allocator, with a size header).

use msgport_clone::DataBlock;
use rquickjs::allocator::Allocator;
use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;

/// Alignment of every block (QuickJS needs 8).
const ALIGN: usize = 16;
/// Our header: the usable size, padded to the alignment.
const HEADER: usize = ALIGN;
/// QuickJS's header before a large block's user data (`JSMallocBlockHeader`).
const QJS_HEADER: usize = 8;
/// Blocks at least this big are remembered and can be stolen.
pub(crate) const LARGE: usize = 64 * 1024;

thread_local! {
    /// Live large blocks of this thread's runtimes, by the address handed to QuickJS.
    static BLOCKS: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
    /// A block whose next free is to be skipped: it was stolen.
    static SKIP_FREE: Cell<usize> = const { Cell::new(0) };
}

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, ALIGN).ok()
}

fn round(size: usize) -> usize {
    size.div_ceil(ALIGN) * ALIGN
}

fn remember(p: *mut u8, size: usize) {
    if size >= LARGE {
        let _ = BLOCKS.try_with(|b| b.borrow_mut().insert(p as usize));
    }
}

fn forget(p: *mut u8) {
    let _ = BLOCKS.try_with(|b| b.borrow_mut().remove(&(p as usize)));
}

/// Writes the header of a fresh allocation and returns the user pointer.
///
/// # Safety
/// `base` is null or a fresh allocation of `layout(size)`.
unsafe fn finish(base: *mut u8, size: usize) -> *mut u8 {
    if base.is_null() {
        return base;
    }
    // SAFETY: (the caller's) `base` is a fresh allocation of
    // `size + HEADER` bytes aligned to `ALIGN`, so the header word and the
    // pointer `HEADER` bytes in are inside it.
    let p = unsafe {
        base.cast::<usize>().write(size);
        base.add(HEADER)
    };
    remember(p, size);
    p
}

/// The usable size recorded before `p`.
///
/// # Safety
/// `p` came from this allocator and is live.
unsafe fn size_of(p: *mut u8) -> usize {
    // SAFETY: (the caller's) `p` is a live block of this allocator, whose
    // header word `finish` wrote `HEADER` bytes before it.
    unsafe { p.sub(HEADER).cast::<usize>().read() }
}

/// The runtime allocator (see the module documentation).
pub(crate) struct HostAllocator;

// SAFETY: every block handed out is `HEADER` bytes into a Rust global
// allocation of `size + HEADER` bytes aligned to `ALIGN` (16, what QuickJS
// expects of malloc), whose header holds `size`; `dealloc`, `realloc` and
// `usable_size` read that header back and free with the same layout.
unsafe impl Allocator for HostAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        let size = round(size.max(1));
        match layout(size) {
            // SAFETY: the layout has a non-zero size.
            Some(l) => unsafe { finish(std::alloc::alloc(l), size) },
            None => std::ptr::null_mut(),
        }
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return std::ptr::null_mut();
        };
        let size = round(total.max(1));
        match layout(size) {
            // SAFETY: as in `alloc`.
            Some(l) => unsafe { finish(std::alloc::alloc_zeroed(l), size) },
            None => std::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&mut self, p: *mut u8) {
        let stolen = SKIP_FREE
            .try_with(|s| s.get() == p as usize && s.replace(0) != 0)
            .unwrap_or(false);
        if stolen {
            return;
        }
        // SAFETY: QuickJS frees only live blocks it had from this
        // allocator (the trait's contract), so the header is there.
        let size = unsafe { size_of(p) };
        if size >= LARGE {
            forget(p);
        }
        // SAFETY: the allocation starts `HEADER` bytes before `p`, with the
        // layout `alloc` made from the recorded size (a valid one then).
        unsafe {
            std::alloc::dealloc(
                p.sub(HEADER),
                Layout::from_size_align_unchecked(size + HEADER, ALIGN),
            )
        };
    }

    unsafe fn realloc(&mut self, p: *mut u8, new_size: usize) -> *mut u8 {
        // SAFETY: QuickJS reallocates only live blocks of this allocator.
        let old = unsafe { size_of(p) };
        let new_size = round(new_size.max(1));
        if layout(new_size).is_none() {
            return std::ptr::null_mut();
        }
        // SAFETY: the allocation starts `HEADER` bytes before `p` with the
        // layout of its recorded size; the new size was checked to make a
        // valid layout just above.
        let base = unsafe {
            std::alloc::realloc(
                p.sub(HEADER),
                Layout::from_size_align_unchecked(old + HEADER, ALIGN),
                new_size + HEADER,
            )
        };
        if base.is_null() {
            return base;
        }
        if old >= LARGE {
            forget(p);
        }
        // SAFETY: `base` is a fresh allocation of `new_size + HEADER` bytes.
        unsafe { finish(base, new_size) }
    }

    unsafe fn usable_size(p: *mut u8) -> usize {
        // SAFETY: QuickJS asks only about live blocks of this allocator.
        unsafe { size_of(p) }
    }
}

/// Bytes QuickJS allocated, now owned by a [`DataBlock`].
struct Stolen {
    /// The user pointer QuickJS had (our header is before it).
    block: *mut u8,
    len: usize,
}

// SAFETY: the memory is the Rust global allocator's, owned by this value alone.
unsafe impl Send for Stolen {}
// SAFETY: as for `Send`: no shared access mutates it (`as_mut` takes
// `&mut self`).
unsafe impl Sync for Stolen {}

impl AsMut<[u8]> for Stolen {
    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: `steal` checked that the block holds `len` bytes after
        // QuickJS's header.
        unsafe { std::slice::from_raw_parts_mut(self.block.add(QJS_HEADER), self.len) }
    }
}

impl Drop for Stolen {
    fn drop(&mut self) {
        // SAFETY: the block came from `HostAllocator` and QuickJS no longer
        // frees it (`steal`).
        unsafe {
            let size = size_of(self.block);
            std::alloc::dealloc(
                self.block.sub(HEADER),
                Layout::from_size_align_unchecked(size + HEADER, ALIGN),
            );
        }
    }
}

/// Takes the `len` bytes at `data` out of this thread's runtime, if they are
/// the user data of a large QuickJS block, and calls `detach`, which must
/// release the buffer in the engine (`JS_DetachArrayBuffer`): that release
/// is the free this skips. Returns `None`, with nothing done, for any other
/// memory.
pub(crate) fn steal(data: *mut u8, len: usize, detach: impl FnOnce()) -> Option<DataBlock> {
    let block = (data as usize).checked_sub(QJS_HEADER)?;
    let known = BLOCKS
        .try_with(|b| b.borrow().contains(&block))
        .unwrap_or(false);
    // SAFETY: a remembered block is live and ours, so its header is readable.
    if !known || unsafe { size_of(block as *mut u8) } < QJS_HEADER + len {
        return None;
    }
    BLOCKS.with(|b| b.borrow_mut().remove(&block));
    SKIP_FREE.with(|s| s.set(block));
    detach();
    let skipped = SKIP_FREE.with(|s| s.replace(0)) == 0;
    assert!(
        skipped,
        "QuickJS did not release a stolen ArrayBuffer block"
    );
    Some(DataBlock::from_owner(Stolen {
        block: block as *mut u8,
        len,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_blocks_round_trip_and_only_large_ones_are_remembered() {
        let mut a = HostAllocator;
        let small = a.alloc(100);
        let large = a.calloc(1, LARGE + 5);
        assert!(!small.is_null() && !large.is_null());
        assert_eq!(small as usize % 8, 0);
        // SAFETY: both are live blocks of this allocator; `large` was zeroed
        // over its `LARGE + 5` bytes.
        unsafe {
            assert!(HostAllocator::usable_size(small) >= 100);
            assert!(HostAllocator::usable_size(large) >= LARGE + 5);
            assert!(std::slice::from_raw_parts(large, LARGE + 5)
                .iter()
                .all(|&b| b == 0));
        }
        BLOCKS.with(|b| {
            assert!(b.borrow().contains(&(large as usize)));
            assert!(!b.borrow().contains(&(small as usize)));
        });
        // SAFETY: a live block of this allocator.
        let grown = unsafe { a.realloc(small, LARGE * 2) };
        BLOCKS.with(|b| assert!(b.borrow().contains(&(grown as usize))));
        // SAFETY: live blocks of this allocator, each freed once.
        unsafe {
            a.dealloc(grown);
            a.dealloc(large);
        }
        BLOCKS.with(|b| assert!(b.borrow().is_empty()));
    }

    #[test]
    fn a_stolen_block_skips_its_free_and_is_freed_by_its_data_block() {
        let mut a = HostAllocator;
        let block = a.alloc(QJS_HEADER + LARGE);
        // SAFETY: within the block just allocated.
        let data = unsafe { block.add(QJS_HEADER) };
        // SAFETY: `LARGE` bytes from `data` are the block's.
        unsafe { data.write_bytes(7, LARGE) };
        // SAFETY: the block, freed once (the free `steal` skips).
        let stolen = steal(data, LARGE, || unsafe { a.dealloc(block) }).expect("a large block");
        assert_eq!(stolen.as_ptr(), data as *const u8, "no copy");
        assert!(stolen.iter().all(|&b| b == 7));
        // Freed on another thread.
        std::thread::spawn(move || drop(stolen)).join().unwrap();
        assert!(steal(data, 1, || panic!("not ours any more")).is_none());
    }

    #[test]
    fn memory_that_is_not_a_large_block_is_not_stolen() {
        let mut v = vec![0u8; LARGE * 2];
        assert!(steal(v.as_mut_ptr().wrapping_add(64), LARGE, || panic!(
            "not ours"
        ))
        .is_none());
        let mut a = HostAllocator;
        let block = a.alloc(QJS_HEADER + 10);
        // SAFETY: within the block just allocated.
        let data = unsafe { block.add(QJS_HEADER) };
        assert!(steal(data, 10, || panic!("small")).is_none());
        // SAFETY: the block, freed once (it was not stolen).
        unsafe { a.dealloc(block) };
    }
}
