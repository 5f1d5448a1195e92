//! Arbitrary bytes from a peer through the link's frame splitter and
//! decoder: never a panic, never an allocation beyond the input's size,
//! and every frame that decodes encodes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msgport_ipc::frame::{decode, Limits, Splitter};

fuzz_target!(|data: &[u8]| {
    // Small limits too, so that the limit checks are reached.
    let first = data.first().copied().unwrap_or(0);
    let limits = if first & 1 == 0 {
        Limits::default()
    } else {
        Limits { max_frame: 4096, max_ports: 3, max_buffers: 3, max_inline_buffer: 16, max_region: 1 << 20 }
    };
    // Bytes arrive in pieces whose sizes come from the input.
    let mut split = Splitter::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = (rest[0] as usize % 64 + 1).min(rest.len());
        split.push(&rest[..n]);
        rest = &rest[n..];
        loop {
            match split.next_frame(&limits) {
                Ok(Some(bytes)) => {
                    let bytes = bytes.to_vec();
                    if let Ok(f) = decode(&bytes, &limits) {
                        let mut out = Vec::new();
                        f.encode(&mut out);
                        assert_eq!(&out[4..], &bytes[..], "re-encoded differently");
                        assert_eq!(decode(&out[4..], &limits).as_ref(), Ok(&f));
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
