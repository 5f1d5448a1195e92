//! serde ↔ wire bytes, and the mapping of Rust types to JS values.

mod common;

use msgport_clone::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Unit,
    Circle(f64),
    Pair(i32, String),
    Rect { w: u32, h: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Everything {
    b: bool,
    i8: i8,
    i64: i64,
    u64: u64,
    i128: i128,
    f: f64,
    c: char,
    s: String,
    opt: Option<u16>,
    none: Option<String>,
    unit: (),
    v: Vec<u8>,
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
    t: (i32, String, bool),
    map: BTreeMap<String, Vec<i32>>,
    imap: HashMap<u32, String>,
    shapes: Vec<Shape>,
    nested: Option<Box<Everything>>,
}

fn everything() -> Everything {
    Everything {
        b: true,
        i8: -8,
        i64: -(1 << 60),
        u64: u64::MAX,
        i128: i128::MIN + 1,
        f: -0.5,
        c: '€',
        s: "h\u{e9}llo \u{1F600}".into(),
        opt: Some(7),
        none: None,
        unit: (),
        v: vec![1, 2, 3],
        bytes: vec![0, 255, 7],
        t: (-1, "t".into(), false),
        map: [("a".to_string(), vec![1, 2]), ("b".to_string(), vec![])].into(),
        imap: [(1, "one".to_string()), (2, "two".to_string())].into(),
        shapes: vec![
            Shape::Unit,
            Shape::Circle(1.5),
            Shape::Pair(3, "p".into()),
            Shape::Rect { w: 2, h: 3 },
        ],
        nested: None,
    }
}

#[test]
fn rust_types_round_trip() {
    let mut e = everything();
    e.nested = Some(Box::new(everything()));
    let bytes = to_bytes(&e).unwrap();
    let back: Everything = from_bytes(&bytes).unwrap();
    assert_eq!(back, e);
    // And through a Graph.
    let g = to_graph(&e).unwrap();
    let back: Everything = from_graph(&g).unwrap();
    assert_eq!(back, e);
}

#[test]
fn rust_types_become_the_documented_js_values() {
    let mut node = common::Oracle::start();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            to_bytes(&everything().shapes).unwrap(),
            "['Unit', {Circle: 1.5}, {Pair: [3, 'p']}, {Rect: {w: 2, h: 3}}]",
        ),
        (to_bytes(&(1u64 << 60)).unwrap(), "2n**60n"),
        (to_bytes(&((1u64 << 53) - 1)).unwrap(), "2**53-1"),
        (to_bytes(&-5i128).unwrap(), "-5"),
        (
            to_bytes(&serde_bytes::Bytes::new(&[1, 2])).unwrap(),
            "new Uint8Array([1,2])",
        ),
        (
            to_bytes(&BTreeMap::from([(1u8, "x")])).unwrap(),
            "new Map([[1, 'x']])",
        ),
        (to_bytes(&Some(())).unwrap(), "null"),
        (to_bytes(&'x').unwrap(), "'x'"),
        (
            to_bytes(&everything().map).unwrap(),
            "new Map([['a', [1, 2]], ['b', []]])",
        ),
        (to_bytes(&3.0f32).unwrap(), "3"),
    ];
    for (bytes, js) in cases {
        node.check(js, &bytes)
            .unwrap_or_else(|e| panic!("{js}: {e}"));
    }
    // A struct is byte-identical to the same object literal in V8.
    #[derive(Serialize)]
    struct Msg {
        i: u32,
        s: &'static str,
    }
    assert_eq!(
        to_bytes(&Msg { i: 1, s: "hello" }).unwrap(),
        node.eval("({i: 1, s: 'hello'})")
    );
}

#[test]
fn js_values_read_into_rust_types() {
    let mut node = common::Oracle::start();
    #[derive(Debug, PartialEq, Deserialize)]
    struct P {
        x: u32,
        y: Option<f64>,
        tags: Vec<String>,
        #[serde(default)]
        missing: bool,
    }
    let p: P = from_bytes(
        &node.eval("({x: 3, y: undefined, tags: ['a', 'é'], extra: {deep: [1, new Map()]}})"),
    )
    .unwrap();
    assert_eq!(
        p,
        P {
            x: 3,
            y: None,
            tags: vec!["a".into(), "é".into()],
            missing: false
        }
    );
    // Doubles that hold integers read as integers (V8 keeps [1.5, 2] as doubles).
    let v: (f64, u8) = from_bytes(&node.eval("[1.5, 2]")).unwrap();
    assert_eq!(v, (1.5, 2));
    // Holes read as None; sparse arrays too.
    let v: Vec<Option<i32>> = from_bytes(&node.eval("[1,,3]")).unwrap();
    assert_eq!(v, vec![Some(1), None, Some(3)]);
    let v: Vec<Option<i32>> = from_bytes(&node.eval("new Array(3)")).unwrap();
    assert_eq!(v, vec![None, None, None]);
    // Object keys that are indices read as strings.
    let m: BTreeMap<String, i32> = from_bytes(&node.eval("({1: 1, a: 2})")).unwrap();
    assert_eq!(m, BTreeMap::from([("1".into(), 1), ("a".into(), 2)]));
    // Buffers and views give their bytes, borrowed from the input.
    let bytes = node.eval("new Uint16Array([1, 2]).subarray(1)");
    let b: &[u8] = from_bytes(&bytes).unwrap();
    assert_eq!(b, &[2, 0]);
    // Shared sub-objects are expanded; Sets read as sequences.
    let v: Vec<Vec<i32>> =
        from_bytes(&node.eval("(()=>{const a=[1]; return [a, a, a]})()")).unwrap();
    assert_eq!(v, vec![vec![1]; 3]);
    let v: Vec<serde_bytes::ByteBuf> =
        from_bytes(&node.eval("(()=>{const b=new Uint8Array([9]); return [b, b]})()")).unwrap();
    assert_eq!(v, vec![serde_bytes::ByteBuf::from(vec![9]); 2]);
    let v: Vec<u8> = from_bytes(&node.eval("new Set([3, 1, 2])")).unwrap();
    assert_eq!(v, vec![3, 1, 2]);
    // BigInts within 128 bits.
    let v: (u64, i128) = from_bytes(&node.eval("[2n**64n - 1n, -(2n**100n)]")).unwrap();
    assert_eq!(v, (u64::MAX, -(1i128 << 100)));
    assert!(from_bytes::<u128>(&node.eval("2n**200n")).is_err());
    // Errors read as a map of name, message and stack.
    let e: HashMap<String, String> =
        from_bytes(&node.eval("new RangeError('r', {cause: [1]})")).unwrap();
    assert_eq!(
        (e["name"].as_str(), e["message"].as_str()),
        ("RangeError", "r")
    );
    // A cyclic value cannot become a tree.
    assert!(
        from_bytes::<serde_json::Value>(&node.eval("(()=>{const o={}; o.o=o; return o})()"))
            .is_err()
    );
    // The wrong type is a typed error, not a panic.
    assert!(matches!(
        from_bytes::<u32>(&node.eval("'text'")),
        Err(CloneError::Custom(_))
    ));
    assert!(matches!(
        from_bytes::<Shape>(&node.eval("({Nope: 1})")),
        Err(CloneError::Custom(_))
    ));
}

#[test]
fn unknown_length_sequences_are_counted() {
    struct Iter;
    impl Serialize for Iter {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_seq((0..3).filter(|x| *x != 1))
        }
    }
    let v: Vec<i32> = from_bytes(&to_bytes(&Iter).unwrap()).unwrap();
    assert_eq!(v, vec![0, 2]);
}

proptest! {
    #[test]
    fn arbitrary_data_round_trips(
        s in ".*", n in any::<i64>(), f in any::<f64>().prop_filter("NaN != NaN", |f| !f.is_nan()),
        v in prop::collection::vec(any::<u32>(), 0..20),
        m in prop::collection::btree_map(any::<i16>(), ".{0,4}", 0..6),
        b in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let value = (s, n, f, v, m, serde_bytes::ByteBuf::from(b));
        let bytes = to_bytes(&value).unwrap();
        let back: (String, i64, f64, Vec<u32>, BTreeMap<i16, String>, serde_bytes::ByteBuf) = from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &value);
        // The Graph path reads the same value as the direct path.
        let g = from_bytes_graph(&bytes).unwrap();
        prop_assert!(from_bytes_graph(&to_bytes_graph(&g).unwrap()).unwrap().same(&g));
        let back2: (String, i64, f64, Vec<u32>, BTreeMap<i16, String>, serde_bytes::ByteBuf) = from_graph(&g).unwrap();
        prop_assert_eq!(&back2, &value);
    }
}

#[test]
fn typed_fast_paths_fall_back_correctly() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct P {
        n: u32,
        s: String,
    }
    #[derive(Debug, PartialEq, Deserialize)]
    struct Two {
        a: P,
        b: P,
    }
    // The same object twice: the second is a back-reference (`^`), not `o`.
    let mut node = common::Oracle::start();
    let bytes = node.eval("(() => { const p = {n: 1, s: '€uro'}; return {a: p, b: p}; })()");
    let two: Two = from_bytes(&bytes).unwrap();
    assert_eq!(
        two.a,
        P {
            n: 1,
            s: "€uro".into()
        }
    );
    assert_eq!(two.b, two.a);
    // Padding before tags is allowed anywhere a tag is.
    let padded = b"\xFF\x0F\x00o\x00\"\x01nI\x02\"\x01s\x00\"\x01x{\x02";
    assert_eq!(
        from_bytes::<P>(padded).unwrap(),
        P {
            n: 1,
            s: "x".into()
        }
    );
    // An Int32 that does not fit the hint is an error, not a wrap-around.
    assert!(matches!(
        from_bytes::<u32>(b"\xFF\x0FI\x01"),
        Err(CloneError::Custom(_))
    ));
    assert_eq!(from_bytes::<i8>(b"\xFF\x0FI\x01").unwrap(), -1);
    // A struct from a Map (not an object) still works.
    assert_eq!(
        from_bytes::<P>(&node.eval("new Map([['n', 3], ['s', 'm']])")).unwrap(),
        P {
            n: 3,
            s: "m".into()
        }
    );
}
