//! SharedArrayBuffers in a record (HTML `#structuredserializeinternal` and
//! `#structureddeserialize`, their SharedArrayBuffer steps): the memory is
//! shared, never copied; it stays in its agent cluster; without its record
//! (bytes alone, another process) it is a DataCloneError.

use msgport_clone::*;
use std::num::NonZeroU64;
use std::sync::atomic::Ordering;

fn sab_graph(sab: SharedArrayBuffer, views: &[(ViewKind, usize, usize)]) -> Graph {
    let mut g = Graph::default();
    let b = g.alloc(Object::SharedArrayBuffer(sab));
    let mut items = vec![Value::Object(b), Value::Object(b)];
    for &(kind, byte_offset, byte_length) in views {
        let v = g.alloc(Object::View(View {
            kind,
            buffer: b,
            byte_offset,
            byte_length,
            length_tracking: false,
        }));
        items.push(Value::Object(v));
    }
    let arr = g.array(items);
    g.root = Value::Object(arr);
    g
}

fn decode(rec: &Record<NoHost>, cluster: Option<u64>) -> Result<Graph> {
    let opts = DecodeOptions {
        agent_cluster: cluster.and_then(NonZeroU64::new),
        ..Default::default()
    };
    deserialize_with_shared(&rec.bytes, vec![], rec.shared.clone(), 0, opts)
}

fn first_sab(g: &Graph) -> &SharedArrayBuffer {
    g.objects
        .iter()
        .find_map(|o| match o {
            Object::SharedArrayBuffer(s) => Some(s),
            _ => None,
        })
        .expect("a SharedArrayBuffer")
}

#[test]
fn the_memory_is_shared_with_views_and_one_entry_per_buffer() {
    let block = SharedBlock::new(16).unwrap();
    let mut g = sab_graph(
        SharedArrayBuffer::new(block.clone()),
        &[(ViewKind::Int32Array, 4, 8), (ViewKind::DataView, 0, 16)],
    );
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap();
    assert_eq!(
        rec.shared.len(),
        1,
        "one buffer referred to twice: one entry"
    );
    let back = decode(&rec, None).unwrap();
    assert!(back.same(&g), "{back:?}");
    let got = first_sab(&back);
    assert!(got.block.same(&block));
    got.block.bytes()[5].store(42, Ordering::Relaxed);
    assert_eq!(block.bytes()[5].load(Ordering::Relaxed), 42, "no copy");
}

#[test]
fn a_growable_buffer_keeps_its_length_and_maximum() {
    let block = SharedBlock::new(64).unwrap();
    let sab = SharedArrayBuffer {
        block,
        byte_length: 8,
        max_byte_length: Some(64),
    };
    let mut g = sab_graph(sab.clone(), &[(ViewKind::Uint8Array, 0, 8)]);
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap();
    let back = decode(&rec, None).unwrap();
    assert_eq!(first_sab(&back), &sab);
    assert_eq!(first_sab(&back).max_byte_length, Some(64));
}

#[test]
fn without_its_record_or_outside_its_cluster_it_is_a_data_clone_error() {
    let c1 = NonZeroU64::new(7).unwrap();
    let mut g = sab_graph(
        SharedArrayBuffer::new(SharedBlock::new_in(4, c1).unwrap()),
        &[],
    );
    assert_eq!(
        to_bytes_graph(&g).unwrap_err(),
        CloneError::SharedArrayBuffer
    );
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap();
    assert!(decode(&rec, Some(7)).is_ok(), "its own cluster");
    assert!(decode(&rec, None).is_ok(), "Rust code checks no cluster");
    assert_eq!(
        decode(&rec, Some(8)).unwrap_err(),
        CloneError::SharedArrayBuffer
    );
    // The bytes alone (what another process receives): no memory to share.
    let alone = deserialize_with_shared(&rec.bytes, vec![], vec![], 0, Default::default());
    assert_eq!(alone.unwrap_err(), CloneError::SharedArrayBuffer);
    // A block made by Rust code goes anywhere.
    let mut g = sab_graph(SharedArrayBuffer::new(SharedBlock::new(4).unwrap()), &[]);
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap();
    assert!(decode(&rec, Some(8)).is_ok());
}

#[test]
fn lengths_beyond_the_memory_are_refused_both_ways() {
    let block = SharedBlock::new(8).unwrap();
    for (byte_length, max_byte_length) in [(9, None), (4, Some(9)), (6, Some(5))] {
        let bad = SharedArrayBuffer {
            block: block.clone(),
            byte_length,
            max_byte_length,
        };
        let mut g = sab_graph(bad.clone(), &[]);
        assert!(serialize_with_transfer::<NoHost>(&mut g, &[]).is_err());
        // The same lengths arriving in a record made by hand.
        let mut ok = sab_graph(SharedArrayBuffer::new(block.clone()), &[]);
        let mut rec = serialize_with_transfer::<NoHost>(&mut ok, &[]).unwrap();
        rec.shared[0] = bad;
        assert!(matches!(
            decode(&rec, None),
            Err(CloneError::Malformed { .. })
        ));
    }
    // A view past the buffer's length (not its memory's) is out of bounds.
    let sab = SharedArrayBuffer {
        block,
        byte_length: 4,
        max_byte_length: Some(8),
    };
    let mut g = sab_graph(sab, &[(ViewKind::Uint8Array, 0, 8)]);
    assert_eq!(
        serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap_err(),
        CloneError::OutOfBoundsView
    );
}

#[test]
fn dropping_every_record_and_graph_frees_nothing_early() {
    let block = SharedBlock::new(4).unwrap();
    for _ in 0..100 {
        let mut g = sab_graph(SharedArrayBuffer::new(block.clone()), &[]);
        let rec = serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap();
        let back = decode(&rec, None).unwrap();
        drop((g, rec, back));
    }
    block.bytes()[0].store(1, Ordering::Relaxed);
    assert_eq!(block.to_vec(), [1, 0, 0, 0]);
}
