//! Buffers in sealed memfd regions: how a transferred ArrayBuffer of
//! [`REGION_MIN`] bytes or more crosses to another process.
//!
//! The sender puts the bytes in a memfd (or they are there already: a
//! [`Region`]), seals it against writing, growing and shrinking, and sends
//! the descriptor beside the frame. The receiver checks the seals and the
//! size, and maps the file privately (copy on write): the bytes are never
//! copied, and the sender can no longer change them.
//!
//! Its `unsafe` blocks (mapping memory) are the crate's only ones.

use msgport::clone::DataBlock;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{MemfdFlags, SealFlags};
use rustix::mm::{MapFlags, ProtFlags};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Buffers this large and larger travel in a memfd; smaller ones inline.
pub const REGION_MIN: usize = 64 * 1024;

/// The seals a received region must carry: nobody can change its bytes or
/// its size any more.
fn required_seals() -> SealFlags {
    SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL
}

/// Why a received region was refused (the link closes).
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    /// It is not a sealed memfd: the sender could still change it.
    #[error("a buffer's memfd is not sealed")]
    NotSealed,
    /// Its size is not the length the frame states.
    #[error("a buffer's memfd has {actual} bytes, the frame says {stated}")]
    WrongSize {
        /// The file's size.
        actual: u64,
        /// The frame's length.
        stated: u64,
    },
    /// The system refused.
    #[error("memfd: {0}")]
    Io(#[from] std::io::Error),
}

/// A mapping of `len` bytes at `ptr`, unmapped on drop.
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value alone (private,
// or shared with a memfd no one else holds or can write), so it may be sent
// to and shared between threads as a `Vec<u8>` may.
unsafe impl Send for Mapping {}
// SAFETY: as above; `&Mapping` gives no access to the bytes.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `fd` read-write: `shared` for a region we
    /// created and alone hold, private (copy on write) for a sealed one.
    fn new(fd: &OwnedFd, len: usize, shared: bool) -> std::io::Result<Mapping> {
        if len == 0 {
            return Ok(Mapping {
                ptr: std::ptr::NonNull::dangling().as_ptr(),
                len: 0,
            });
        }
        let flags = if shared {
            MapFlags::SHARED
        } else {
            MapFlags::PRIVATE
        };
        // SAFETY: a fresh mapping chosen by the kernel (null hint) overlaps
        // nothing of ours. The file is a memfd at least `len` bytes long
        // that no other process can shrink (sealed, or not yet shared), so
        // every page of the mapping stays backed and never raises SIGBUS;
        // its bytes change only through this mapping.
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                flags,
                fd.as_fd(),
                0,
            )
        }?;
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }
}

impl AsMut<[u8]> for Mapping {
    fn as_mut(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: `ptr..ptr+len` is a live read-write mapping owned by
        // `self` (see `Mapping::new`); `&mut self` makes this the only
        // reference to it.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        forget_region(self.ptr as usize);
        // SAFETY: `ptr..ptr+len` is the mapping `Mapping::new` made; no
        // reference to it outlives `self` (slices borrow `self`).
        let _ = unsafe { rustix::mm::munmap(self.ptr.cast(), self.len) };
    }
}

/// The memfds behind live [`Region`]s, by the address of their mapping:
/// sending one passes the descriptor instead of copying the bytes.
fn regions() -> &'static Mutex<HashMap<usize, (usize, OwnedFd)>> {
    static R: OnceLock<Mutex<HashMap<usize, (usize, OwnedFd)>>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn forget_region(addr: usize) {
    regions()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&addr);
}

/// Shared memory for a large buffer that will be transferred to another
/// process: written here, then moved there without a copy (the receiver
/// maps the same pages).
///
/// ```
/// use msgport::Buffer;
/// let region = msgport_ipc::Region::new(1 << 20).unwrap();
/// let mut block = region.into_block();
/// block[0] = 7;
/// let buffer = Buffer::from_block(block); // post it: its pages move, uncopied
/// assert_eq!(buffer.len(), 1 << 20);
/// ```
pub struct Region {
    map: Mapping,
}

impl Region {
    /// A zeroed region of `len` bytes.
    pub fn new(len: usize) -> std::io::Result<Region> {
        let fd = rustix::fs::memfd_create(
            "msgport-region",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        rustix::fs::ftruncate(&fd, len as u64)?;
        let map = Mapping::new(&fd, len, true)?;
        if len > 0 {
            regions()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(map.ptr as usize, (len, fd));
        }
        Ok(Region { map })
    }

    /// The region as the bytes of an ArrayBuffer or [`msgport::Buffer`].
    pub fn into_block(self) -> DataBlock {
        DataBlock::from_owner(self.map)
    }
}

/// A sealed memfd holding `block`'s bytes, for sending. A block that is a
/// [`Region`] gives up its descriptor (the bytes are not copied); any other
/// is copied into a new memfd. The block is consumed either way.
pub(crate) fn seal(block: DataBlock) -> std::io::Result<OwnedFd> {
    let addr = block.as_ptr() as usize;
    let len = block.len();
    let found = {
        let mut r = regions().lock().unwrap_or_else(|e| e.into_inner());
        match r.get(&addr) {
            Some((l, _)) if *l == len => r.remove(&addr).map(|(_, fd)| fd),
            _ => None,
        }
    };
    let fd = match found {
        Some(fd) => {
            // Our writable mapping must go before the write seal can be set.
            drop(block);
            fd
        }
        None => {
            let fd = rustix::fs::memfd_create(
                "msgport-buffer",
                MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
            )?;
            let mut rest: &[u8] = &block;
            while !rest.is_empty() {
                let n = rustix::io::write(&fd, rest)?;
                rest = &rest[n..];
            }
            drop(block);
            fd
        }
    };
    rustix::fs::fcntl_add_seals(&fd, required_seals())?;
    Ok(fd)
}

/// Maps a received region of `len` bytes, after checking that it is sealed
/// and exactly that long.
pub(crate) fn map_sealed(fd: OwnedFd, len: u64) -> Result<DataBlock, RegionError> {
    let seals = rustix::fs::fcntl_get_seals(&fd).map_err(|_| RegionError::NotSealed)?;
    if !seals.contains(required_seals()) {
        return Err(RegionError::NotSealed);
    }
    let actual = rustix::fs::fstat(&fd)
        .map_err(std::io::Error::from)?
        .st_size as u64;
    if actual != len {
        return Err(RegionError::WrongSize {
            actual,
            stated: len,
        });
    }
    let len = usize::try_from(len).map_err(|_| RegionError::WrongSize {
        actual,
        stated: len,
    })?;
    Ok(DataBlock::from_owner(Mapping::new(&fd, len, false)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_sent_by_descriptor_and_mapped_whole() {
        let r = Region::new(REGION_MIN * 2).unwrap();
        let mut block = r.into_block();
        block[5] = 42;
        let fd = seal(block).unwrap();
        let got = map_sealed(fd, (REGION_MIN * 2) as u64).unwrap();
        assert_eq!(got.len(), REGION_MIN * 2);
        assert_eq!(got[5], 42);
    }

    #[test]
    fn a_plain_buffer_is_copied_into_a_sealed_memfd() {
        let fd = seal(DataBlock::from(vec![3u8; 100_000])).unwrap();
        let mut got = map_sealed(fd, 100_000).unwrap();
        assert!(got.iter().all(|b| *b == 3));
        // The receiver's mapping is private: writing it changes nothing
        // the sender could see, and is allowed.
        got[0] = 9;
        assert_eq!(got[0], 9);
    }

    #[test]
    fn unsealed_or_misdescribed_memfds_are_refused() {
        let fd = rustix::fs::memfd_create("x", MemfdFlags::CLOEXEC).unwrap();
        rustix::fs::ftruncate(&fd, 10).unwrap();
        assert!(matches!(map_sealed(fd, 10), Err(RegionError::NotSealed)));
        let fd = seal(DataBlock::from(vec![1u8; 10])).unwrap();
        assert!(matches!(
            map_sealed(fd, 11),
            Err(RegionError::WrongSize {
                actual: 10,
                stated: 11
            })
        ));
    }
}
