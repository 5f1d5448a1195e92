//! StructuredSerializeWithTransfer / StructuredDeserializeWithTransfer
//! (HTML `#structuredserializewithtransfer`, `#structureddeserializewithtransfer`) over the Graph model.

use msgport_clone::*;
use std::cell::Cell;

/// A stand-in for a MessagePort: detachable, identified by a number.
#[derive(Debug)]
struct FakePort {
    id: u32,
    detached: Cell<bool>,
}

impl FakePort {
    fn new(id: u32) -> Self {
        FakePort {
            id,
            detached: Cell::new(false),
        }
    }
}

impl Transferable for FakePort {
    type Shipped = u32;
    fn is_detached(&self) -> bool {
        self.detached.get()
    }
    fn is_same(&self, other: &Self) -> bool {
        self.id == other.id
    }
    fn transfer(&self) -> u32 {
        self.detached.set(true);
        self.id
    }
}

fn buffer_graph(len: usize) -> (Graph, ObjectId) {
    let mut g = Graph::default();
    let b = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(
        (0..len).map(|i| i as u8).collect(),
    )));
    let v = g.alloc(Object::View(View {
        kind: ViewKind::Uint8Array,
        buffer: b,
        byte_offset: 1,
        byte_length: 2,
        length_tracking: false,
    }));
    g.root = Value::Object(g.array(vec![Value::Object(b), Value::Object(v)]));
    (g, b)
}

#[test]
fn transferred_buffer_moves_without_copy_and_detaches() {
    let (mut g, b) = buffer_graph(1 << 20);
    let ptr = match g.get(b) {
        Some(Object::ArrayBuffer(ab)) => ab.data.as_ptr(),
        _ => unreachable!(),
    };
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[TransferItem::ArrayBuffer(b)]).unwrap();
    // The sender's buffer is detached (byteLength 0).
    match g.get(b) {
        Some(Object::ArrayBuffer(ab)) => assert!(ab.detached && ab.data.is_empty()),
        _ => unreachable!(),
    }
    // The bytes moved: same allocation, and the wire bytes hold only a `t` reference.
    assert_eq!(rec.buffers.len(), 1);
    assert_eq!(rec.buffers[0].data.as_ptr(), ptr);
    assert!(rec.bytes.len() < 40, "{} wire bytes", rec.bytes.len());
    let ptr_before = rec.buffers[0].data.as_ptr();
    let out =
        deserialize_with_transfer(&rec.bytes, rec.buffers, 0, DecodeOptions::default()).unwrap();
    match out.get(ObjectId(0)) {
        Some(Object::ArrayBuffer(ab)) => {
            assert_eq!(ab.data.as_ptr(), ptr_before);
            assert_eq!(ab.data.len(), 1 << 20);
        }
        other => panic!("{other:?}"),
    }
    // The view still views the (moved) buffer, and the array holds both.
    let Value::Object(arr) = out.root else {
        panic!()
    };
    let Some(Value::Object(view)) = out.property(arr, 1u32) else {
        panic!()
    };
    match out.get(*view) {
        Some(Object::View(v)) => assert_eq!(
            (v.buffer, v.byte_offset, v.byte_length),
            (ObjectId(0), 1, 2)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(out.property(arr, 0u32), Some(&Value::Object(ObjectId(0))));
}

#[test]
fn transfer_list_validation_happens_before_anything_is_detached() {
    let (mut g, b) = buffer_graph(4);
    let p = FakePort::new(1);
    // A non-buffer object in the list: NotTransferable, nothing changed.
    let not_buffer = ObjectId(1); // the view
    let e = serialize_with_transfer(
        &mut g,
        &[
            TransferItem::Host(&p),
            TransferItem::ArrayBuffer(b),
            TransferItem::ArrayBuffer(not_buffer),
        ],
    )
    .unwrap_err();
    assert_eq!(e, CloneError::NotTransferable { index: 2 });
    assert!(!p.is_detached());
    assert!(
        matches!(g.get(b), Some(Object::ArrayBuffer(ab)) if !ab.detached && ab.data.len() == 4)
    );
    // Duplicates, of buffers and of ports.
    let e = serialize_with_transfer::<NoHost>(
        &mut g,
        &[TransferItem::ArrayBuffer(b), TransferItem::ArrayBuffer(b)],
    )
    .unwrap_err();
    assert_eq!(e, CloneError::DuplicateTransfer { index: 1 });
    let e = serialize_with_transfer(&mut g, &[TransferItem::Host(&p), TransferItem::Host(&p)])
        .unwrap_err();
    assert_eq!(e, CloneError::DuplicateTransfer { index: 1 });
    assert!(!p.is_detached());
    // A serialization error (an uncloneable value) also leaves the list untouched.
    let mut bad = Graph::default();
    let dead = bad.alloc(Object::ArrayBuffer(ArrayBuffer {
        data: vec![].into(),
        max_byte_length: None,
        detached: true,
    }));
    let live = bad.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![1])));
    bad.root = Value::Object(bad.array(vec![Value::Object(dead), Value::Object(live)]));
    let q = FakePort::new(2);
    let e = serialize_with_transfer(
        &mut bad,
        &[TransferItem::ArrayBuffer(live), TransferItem::Host(&q)],
    )
    .unwrap_err();
    assert_eq!(e, CloneError::DetachedArrayBuffer);
    assert!(!q.is_detached());
    assert!(matches!(bad.get(live), Some(Object::ArrayBuffer(ab)) if !ab.detached));
}

#[test]
fn detached_entries_fail_after_serialization_with_nothing_detached() {
    let (mut g, b) = buffer_graph(4);
    let closed = FakePort::new(7);
    closed.detached.set(true);
    let e = serialize_with_transfer(
        &mut g,
        &[TransferItem::ArrayBuffer(b), TransferItem::Host(&closed)],
    )
    .unwrap_err();
    assert_eq!(e, CloneError::DetachedTransfer { index: 1 });
    assert!(matches!(g.get(b), Some(Object::ArrayBuffer(ab)) if !ab.detached));
    // Transferring an already transferred (detached) buffer.
    let mut g2 = Graph::default();
    let d = g2.alloc(Object::ArrayBuffer(ArrayBuffer {
        data: vec![].into(),
        max_byte_length: None,
        detached: true,
    }));
    let e =
        serialize_with_transfer::<NoHost>(&mut g2, &[TransferItem::ArrayBuffer(d)]).unwrap_err();
    assert_eq!(e, CloneError::DetachedArrayBuffer);
}

#[test]
fn ports_are_host_objects_in_transfer_order() {
    let p1 = FakePort::new(10);
    let p2 = FakePort::new(20);
    let mut g = Graph::default();
    // The message mentions only the second port; both are still shipped.
    let h = g.alloc(Object::Host(HostObject::Transferred(1)));
    g.root = Value::Object(g.object(vec![("port".into(), Value::Object(h))]));
    let rec = serialize_with_transfer(&mut g, &[TransferItem::Host(&p1), TransferItem::Host(&p2)])
        .unwrap();
    assert_eq!(rec.hosts, vec![10, 20]);
    assert!(p1.is_detached() && p2.is_detached());
    let out = deserialize_with_transfer(
        &rec.bytes,
        vec![],
        rec.hosts.len(),
        DecodeOptions::default(),
    )
    .unwrap();
    let Value::Object(o) = out.root else { panic!() };
    let Some(Value::Object(h)) = out.property(o, "port") else {
        panic!()
    };
    assert_eq!(out.get(*h), Some(&Object::Host(HostObject::Transferred(1))));
    // A port referenced in the value but absent from the list: DataCloneError.
    let mut g = Graph::default();
    g.root = Value::Object(g.alloc(Object::Host(HostObject::Transferred(0))));
    assert_eq!(
        serialize_with_transfer::<NoHost>(&mut g, &[]).unwrap_err(),
        CloneError::MissingTransfer(0)
    );
    // The receiver must be told how many ports came.
    assert_eq!(
        deserialize_with_transfer(&rec.bytes, vec![], 1, DecodeOptions::default()).unwrap_err(),
        CloneError::MissingTransfer(1)
    );
}

#[test]
fn unreferenced_transferred_buffers_still_arrive() {
    let mut g = Graph::new(Value::from("just text"));
    let b = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![5; 3])));
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[TransferItem::ArrayBuffer(b)]).unwrap();
    let out =
        deserialize_with_transfer(&rec.bytes, rec.buffers, 0, DecodeOptions::default()).unwrap();
    assert_eq!(out.root, Value::from("just text"));
    assert_eq!(
        out.get(ObjectId(0)),
        Some(&Object::ArrayBuffer(ArrayBuffer::new(vec![5; 3])))
    );
}

#[test]
fn resizable_buffers_keep_max_length_through_transfer_and_copy() {
    let mut g = Graph::default();
    let b = g.alloc(Object::ArrayBuffer(ArrayBuffer {
        data: vec![1, 2].into(),
        max_byte_length: Some(16),
        detached: false,
    }));
    let v = g.alloc(Object::View(View {
        kind: ViewKind::Uint8Array,
        buffer: b,
        byte_offset: 0,
        byte_length: 2,
        length_tracking: true,
    }));
    g.root = Value::Object(v);
    let copy = from_bytes_graph(&to_bytes_graph(&g).unwrap()).unwrap();
    assert!(copy.same(&g));
    let rec = serialize_with_transfer::<NoHost>(&mut g, &[TransferItem::ArrayBuffer(b)]).unwrap();
    assert_eq!(rec.buffers[0].max_byte_length, Some(16));
    let out =
        deserialize_with_transfer(&rec.bytes, rec.buffers, 0, DecodeOptions::default()).unwrap();
    assert!(out.same(&copy));
}

#[test]
fn uncloneable_graphs_are_data_clone_errors() {
    // A view out of bounds of its buffer.
    let mut g = Graph::default();
    let b = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![0; 4])));
    g.root = Value::Object(g.alloc(Object::View(View {
        kind: ViewKind::Uint8Array,
        buffer: b,
        byte_offset: 3,
        byte_length: 2,
        length_tracking: false,
    })));
    assert_eq!(to_bytes_graph(&g).unwrap_err(), CloneError::OutOfBoundsView);
    // A view over a detached buffer is out of bounds too.
    if let Some(Object::ArrayBuffer(ab)) = g.get_mut(b) {
        ab.detached = true;
        ab.data = Default::default();
    }
    assert_eq!(to_bytes_graph(&g).unwrap_err(), CloneError::OutOfBoundsView);
    // A detached buffer itself.
    g.root = Value::Object(b);
    assert_eq!(
        to_bytes_graph(&g).unwrap_err(),
        CloneError::DetachedArrayBuffer
    );
    assert!(to_bytes_graph(&g).unwrap_err().is_data_clone_error());
    // A dangling object id.
    let g = Graph::new(Value::Object(ObjectId(99)));
    assert_eq!(
        to_bytes_graph(&g).unwrap_err(),
        CloneError::InvalidReference(99)
    );
}

#[test]
fn blobs_and_files_round_trip() {
    let mut g = Graph::default();
    let blob = Blob {
        mime_type: "text/plain".into(),
        data: b"hello".to_vec(),
    };
    let b = g.alloc(Object::Host(HostObject::Blob(Box::new(blob.clone()))));
    let f = g.alloc(Object::Host(HostObject::File(Box::new(File {
        name: "a.txt".into(),
        last_modified: 1_700_000_000_000.0,
        blob,
    }))));
    g.root = Value::Object(g.array(vec![Value::Object(b), Value::Object(f), Value::Object(b)]));
    let out = from_bytes_graph(&to_bytes_graph(&g).unwrap()).unwrap();
    assert!(out.same(&g));
}

#[test]
fn dom_exceptions_round_trip_and_bad_ones_are_malformed() {
    let mut g = Graph::default();
    let d = g.alloc(Object::Host(HostObject::DomException(Box::new(
        DomException {
            name: "DataCloneError".into(),
            message: "no \u{e9}".into(),
        },
    ))));
    g.root = Value::Object(g.array(vec![Value::Object(d), Value::Object(d)]));
    let bytes = to_bytes_graph(&g).unwrap();
    let out = from_bytes_graph(&bytes).unwrap();
    assert!(out.same(&g));
    // Cut inside the message: an error, not a panic.
    for cut in 1..bytes.len() {
        assert!(from_bytes_graph(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn every_view_kind_round_trips() {
    for kind in ViewKind::ALL {
        let mut g = Graph::default();
        let b = g.alloc(Object::ArrayBuffer(ArrayBuffer::new((0..32).collect())));
        let size = kind.element_size();
        g.root = Value::Object(g.alloc(Object::View(View {
            kind,
            buffer: b,
            byte_offset: size,
            byte_length: 2 * size,
            length_tracking: false,
        })));
        let bytes = to_bytes_graph(&g).unwrap();
        let out = from_bytes_graph(&bytes).unwrap();
        assert!(out.same(&g), "{kind:?}");
        assert_eq!(ViewKind::from_subtag(kind.subtag()), Some(kind));
    }
}
