//! Any bytes: the Graph decoder and the serde decoder must return, never
//! panic, hang or over-allocate.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = msgport_clone::from_bytes_graph(data);
    let _ = msgport_clone::from_bytes::<serde_json::Value>(data);
    let _ = msgport_clone::deserialize_with_transfer(data, vec![Default::default()], 2, Default::default());
});
