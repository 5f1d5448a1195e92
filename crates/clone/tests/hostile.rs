//! Untrusted input: every malformed byte string gets a typed error, never a
//! panic, a hang or an allocation the input cannot justify.

use msgport_clone::*;
use proptest::prelude::*;

fn graph(bytes: &[u8]) -> Result<Graph> {
    from_bytes_graph(bytes)
}

fn serde_any(bytes: &[u8]) -> Result<serde_json::Value> {
    from_bytes::<serde_json::Value>(bytes)
}

const H: [u8; 2] = [0xFF, 0x0F];

fn with_header(body: &[u8]) -> Vec<u8> {
    let mut v = H.to_vec();
    v.extend_from_slice(body);
    v
}

#[test]
fn missing_or_unknown_version() {
    assert_eq!(graph(&[]).unwrap_err(), CloneError::UnsupportedVersion(0));
    assert_eq!(
        graph(b"I\x02").unwrap_err(),
        CloneError::UnsupportedVersion(0)
    );
    assert_eq!(
        graph(&[0xFF, 16, b'_']).unwrap_err(),
        CloneError::UnsupportedVersion(16)
    );
    assert_eq!(
        graph(&[0xFF, 12, b'_']).unwrap_err(),
        CloneError::UnsupportedVersion(12)
    );
    assert!(matches!(
        graph(&[0xFF]).unwrap_err(),
        CloneError::Truncated(_)
    ));
}

#[test]
fn every_truncation_of_a_rich_value_is_an_error() {
    // A value using most tags; cutting it anywhere must fail cleanly.
    let mut g = Graph::default();
    let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![1, 2, 3, 4])));
    let view = g.alloc(Object::View(View {
        kind: ViewKind::Uint16Array,
        buffer: buf,
        byte_offset: 2,
        byte_length: 2,
        length_tracking: false,
    }));
    let re = g.alloc(Object::RegExp {
        source: "a+".into(),
        flags: RegExpFlags(3),
    });
    let err = g.alloc(Object::Error(Box::new(ErrorValue {
        name: ErrorName::TypeError,
        message: Some("m€".into()),
        stack: Some("s".into()),
        cause: Some(Value::from(1)),
    })));
    let map = g.alloc(Object::Map(vec![(Value::from("k"), Value::Object(view))]));
    let set = g.alloc(Object::Set(vec![
        Value::from(BigInt::from(-5)),
        Value::Object(re),
    ]));
    let date = g.alloc(Object::Date(1.0));
    let arr = g.array(vec![
        Value::Object(map),
        Value::Object(set),
        Value::Object(err),
        Value::Object(date),
        Value::from("\u{1F600}"),
    ]);
    g.set_property(arr, "x", Value::Object(map));
    g.root = Value::Object(arr);
    let bytes = to_bytes_graph(&g).unwrap();
    assert!(graph(&bytes).unwrap().same(&g));
    for cut in 0..bytes.len() {
        assert!(
            graph(&bytes[..cut]).is_err(),
            "prefix of {cut} bytes decoded"
        );
        assert!(
            serde_any(&bytes[..cut]).is_err(),
            "prefix of {cut} bytes decoded through serde"
        );
    }
}

#[test]
fn unknown_tags_are_typed_errors() {
    for t in [b'!', b'G', b'L', 0x7F, 0xFE] {
        match graph(&with_header(&[t])) {
            Err(CloneError::UnexpectedTag { tag, at }) => {
                assert_eq!(tag, t);
                assert_eq!(at, 2);
            }
            other => panic!("tag {t:#x}: {other:?}"),
        }
    }
    // Inside an object, an end tag of the wrong kind.
    assert!(matches!(
        graph(&with_header(b"o$\x00")),
        Err(CloneError::UnexpectedTag { tag: b'$', .. })
    ));
    // A view sub-tag that does not exist.
    assert!(matches!(
        graph(&with_header(b"B\x02\x00\x00VZ\x00\x02\x00")),
        Err(CloneError::UnexpectedTag { tag: b'Z', .. })
    ));
    // An error field that does not exist.
    assert!(matches!(
        graph(&with_header(b"rX.")),
        Err(CloneError::UnexpectedTag { tag: b'X', .. })
    ));
    // Unsupported but known kinds.
    assert_eq!(
        graph(&with_header(b"u\x00")).unwrap_err(),
        CloneError::SharedArrayBuffer
    );
    assert!(matches!(
        graph(&with_header(b"w\x00")),
        Err(CloneError::NotExposed(_))
    ));
}

#[test]
fn huge_lengths_do_not_allocate() {
    // Each claims ~4 GiB; the decoder must fail without trying to allocate it.
    let huge = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
    for t in [b'"', b'c', b'S', b'B'] {
        let mut b = with_header(&[t]);
        b.extend_from_slice(&huge);
        assert!(
            matches!(graph(&b), Err(CloneError::Truncated(_))),
            "tag {}",
            t as char
        );
        assert!(serde_any(&b).is_err());
    }
    // A dense array claiming 4 billion elements, with none present.
    let mut b = with_header(b"A");
    b.extend_from_slice(&huge);
    assert!(graph(&b).is_err());
    assert!(serde_any(&b).is_err());
    // A sparse array may be that long (it holds no elements)…
    let mut b = with_header(b"a");
    b.extend_from_slice(&[0xFE, 0xFF, 0xFF, 0xFF, 0x0F]);
    b.extend_from_slice(b"@\x00");
    b.extend_from_slice(&[0xFE, 0xFF, 0xFF, 0xFF, 0x0F]);
    match graph(&b).unwrap().objects[0] {
        Object::Array(ref a) => assert_eq!((a.length, a.properties.len), (u32::MAX - 1, 0)),
        ref o => panic!("{o:?}"),
    }
    // …but serde, which must expand holes, refuses rather than iterate them.
    assert!(matches!(serde_any(&b), Err(CloneError::Custom(_))));
    // A resizable buffer whose length exceeds its maximum.
    assert!(matches!(
        graph(&with_header(b"~\x04\x02\x00\x00\x00\x00")),
        Err(CloneError::Malformed { .. })
    ));
    // A BigInt claiming a huge digit count.
    let mut b = with_header(b"Z");
    b.extend_from_slice(&huge);
    assert!(matches!(graph(&b), Err(CloneError::Truncated(_))));
    // A varint longer than any 64-bit value.
    let mut b = with_header(b"I");
    b.extend_from_slice(&[0x80; 12]);
    assert!(matches!(graph(&b), Err(CloneError::Malformed { .. })));
}

#[test]
fn deep_nesting_is_bounded() {
    let depth = 100_000;
    let mut b = H.to_vec();
    for _ in 0..depth {
        b.extend_from_slice(b"o\"\x01a");
    }
    assert_eq!(
        graph(&b).unwrap_err(),
        CloneError::TooDeep(DEFAULT_MAX_DEPTH)
    );
    assert_eq!(
        serde_any(&b).unwrap_err(),
        CloneError::TooDeep(DEFAULT_MAX_DEPTH)
    );
    // Arrays, maps and error causes nest too.
    for open in [&b"A\x01"[..], b";", b"'", b"rc"] {
        let mut b = H.to_vec();
        for _ in 0..depth {
            b.extend_from_slice(open);
        }
        assert!(matches!(graph(&b), Err(CloneError::TooDeep(_))), "{open:?}");
    }
    // The limit is configurable, and depth within it decodes.
    let mut b = H.to_vec();
    for _ in 0..10 {
        b.extend_from_slice(b"A\x01");
    }
    b.push(b'_');
    for _ in 0..10 {
        b.extend_from_slice(b"$\x00\x01");
    }
    assert!(deserialize_with_transfer(
        &b,
        vec![],
        0,
        DecodeOptions {
            max_depth: 10,
            ..Default::default()
        }
    )
    .is_ok());
    assert_eq!(
        deserialize_with_transfer(
            &b,
            vec![],
            0,
            DecodeOptions {
                max_depth: 9,
                ..Default::default()
            }
        )
        .unwrap_err(),
        CloneError::TooDeep(9)
    );
    // The default limit is safe on a 2 MiB thread stack (Rust's default for spawned threads).
    let n = DEFAULT_MAX_DEPTH;
    let mut b = H.to_vec();
    for _ in 0..n {
        b.extend_from_slice(b"o\"\x01a");
    }
    b.push(b'_');
    b.push(b'{');
    b.push(1);
    let ok = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            // Incomplete on purpose after the first close: must be an error, not a crash.
            graph(&b).is_err()
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(ok);
}

#[test]
fn invalid_back_references() {
    assert_eq!(
        graph(&with_header(b"^\x00")).unwrap_err(),
        CloneError::InvalidReference(0)
    );
    assert_eq!(
        graph(&with_header(b"A\x02o{\x00^\x05$\x00\x02")).unwrap_err(),
        CloneError::InvalidReference(5)
    );
    // A reference to an object still being read is a cycle: fine for a Graph…
    let g = graph(&with_header(b"o\"\x01a^\x00{\x01")).unwrap();
    assert_eq!(
        g.property(ObjectId(0), "a"),
        Some(&Value::Object(ObjectId(0)))
    );
    // …but not for a tree-shaped serde type.
    assert!(matches!(
        serde_any(&with_header(b"o\"\x01a^\x00{\x01")),
        Err(CloneError::Custom(_))
    ));
    // Transferred slots that were not sent.
    assert_eq!(
        graph(&with_header(b"t\x00")).unwrap_err(),
        CloneError::MissingTransfer(0)
    );
    assert_eq!(
        graph(&with_header(b"\\\x00\x00")).unwrap_err(),
        CloneError::MissingTransfer(0)
    );
}

#[test]
fn exponential_sharing_is_bounded_for_serde() {
    // a0 = [], a(k+1) = [ak, ak]: 60 levels is 2^60 nodes as a tree.
    let mut b = H.to_vec();
    for _ in 0..60 {
        b.extend_from_slice(b"A\x02");
    }
    b.extend_from_slice(b"A\x00$\x00\x00");
    for k in (0..60u8).rev() {
        b.push(b'^');
        b.push(k + 1);
        b.extend_from_slice(b"$\x00\x02");
    }
    // The graph decoder holds it in linear space.
    assert_eq!(graph(&b).unwrap().objects.len(), 61);
    // serde must expand it, and gives up rather than run for ever.
    assert!(matches!(serde_any(&b), Err(CloneError::Custom(_))));
}

#[test]
fn malformed_strings_and_counts() {
    // Odd byte length for a two-byte string.
    assert!(matches!(
        graph(&with_header(b"c\x03abc")),
        Err(CloneError::Malformed { .. })
    ));
    // Lone surrogates are data, not an error, in a Graph…
    let g = graph(&with_header(b"c\x02\x00\xD8")).unwrap();
    assert_eq!(g.root, Value::String(JsString::from_utf16(&[0xD800])));
    // …and an error for a Rust String.
    assert!(matches!(
        from_bytes::<String>(&with_header(b"c\x02\x00\xD8")),
        Err(CloneError::Custom(_))
    ));
    // Wrong property counts.
    assert!(matches!(
        graph(&with_header(b"o{\x01")),
        Err(CloneError::Malformed { .. })
    ));
    assert!(matches!(
        graph(&with_header(b"A\x01_$\x00\x02")),
        Err(CloneError::Malformed { .. })
    ));
    assert!(matches!(
        graph(&with_header(b";__:\x01")),
        Err(CloneError::Malformed { .. })
    ));
    // Views out of bounds or misaligned.
    assert!(matches!(
        graph(&with_header(b"B\x02\x00\x00VB\x01\x02\x00")),
        Err(CloneError::Malformed { .. })
    ));
    assert!(matches!(
        graph(&with_header(b"B\x04\x00\x00\x00\x00Vw\x01\x02\x00")),
        Err(CloneError::Malformed { .. })
    ));
    // Length tracking on a fixed-length buffer.
    assert!(matches!(
        graph(&with_header(b"B\x02\x00\x00VB\x00\x02\x01")),
        Err(CloneError::Malformed { .. })
    ));
    // Unknown RegExp flag bits.
    assert!(matches!(
        graph(&with_header(b"R\"\x01a\x80\x04")),
        Err(CloneError::Malformed { .. })
    ));
    // Bytes after the value.
    assert_eq!(
        graph(&with_header(b"__")).unwrap_err(),
        CloneError::TrailingBytes(1)
    );
    // Padding is allowed before a tag and at the end.
    assert_eq!(
        graph(&with_header(b"\x00\x00_\x00")).unwrap().root,
        Value::Undefined
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes after a valid header never panic.
    #[test]
    fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..64)) {
        let b = with_header(&body);
        let _ = graph(&b);
        let _ = serde_any(&b);
    }

    /// Single-byte corruptions of a valid encoding never panic, and whatever
    /// still decodes re-encodes and decodes to the same graph.
    #[test]
    fn corrupted_encodings_never_panic(pos in 0usize..200, byte in any::<u8>()) {
        let mut g = Graph::default();
        let o = g.object(vec![("a".into(), Value::from(1.5)), ("€".into(), Value::from("x"))]);
        let buf = g.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![9; 8])));
        let v = g.alloc(Object::View(View { kind: ViewKind::Int32Array, buffer: buf, byte_offset: 4, byte_length: 4, length_tracking: false }));
        let m = g.alloc(Object::Map(vec![(Value::Object(o), Value::Object(v))]));
        let a = g.array(vec![Value::Object(o), Value::Object(m), Value::Null]);
        g.root = Value::Object(a);
        let mut bytes = to_bytes_graph(&g).unwrap();
        let pos = pos % bytes.len();
        bytes[pos] = byte;
        if let Ok(d) = graph(&bytes) {
            let again = to_bytes_graph(&d);
            if let Ok(again) = again {
                let d2 = graph(&again).unwrap();
                prop_assert!(d.same(&d2));
            }
        }
        let _ = serde_any(&bytes);
    }
}
