//! decode → encode → decode is the identity on whatever decodes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = msgport_clone::from_bytes_graph(data) {
        let bytes = msgport_clone::to_bytes_graph(&g).expect("a decoded graph must encode");
        let again = msgport_clone::from_bytes_graph(&bytes).expect("our own encoding must decode");
        assert!(g.same(&again), "round trip changed the value");
        // Encoding is deterministic.
        assert_eq!(msgport_clone::to_bytes_graph(&again).unwrap(), bytes);
    }
});
