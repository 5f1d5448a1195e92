//! Differential tests against V8 itself (Node's `node:v8`).
//!
//! 1. A hand-written corpus of JS expressions: Node serializes each; msgport
//!    must decode the bytes, re-encode them to *identical* bytes, and Node
//!    must decode msgport's bytes to a value deep-equal to the expression.
//! 2. Generated graphs (proptest): msgport encodes; Node decodes and encodes
//!    again; msgport decodes Node's bytes to the same graph (identity,
//!    sharing and cycles included).

mod common;

use common::{hex, Oracle};
use msgport_clone::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const CORPUS: &[&str] = &[
    // primitives
    "undefined", "null", "true", "false", "0", "-0", "1", "-1", "42", "2147483647", "-2147483648",
    "2147483648", "-2147483649", "1.5", "-1.5", "NaN", "Infinity", "-Infinity", "Number.MAX_VALUE",
    "Number.MIN_VALUE", "Number.EPSILON", "9007199254740993", "0.1", "1e300", "-1e-300",
    "0n", "1n", "-1n", "123n", "2n**63n", "2n**64n", "-(2n**64n)", "2n**200n - 1n", "-(2n**129n)",
    "''", "'a'", "'hello world'", "'é'", "'ÿ\\u0000x'", "'€'", "'日本語'", "'😀'", "'a😀b'",
    "'\\ud800'", "'\\udc00'", "'a\\ud800b'", "'\\udbff\\udfff'", "'x'.repeat(1000)", "'€'.repeat(300)",
    // wrappers, dates, regexps
    "new Boolean(true)", "new Boolean(false)", "new Number(1)", "new Number(-0)", "new Number(NaN)",
    "new String('')", "new String('str')", "new String('€')", "Object(1n)", "Object(-(2n**70n))",
    "new Date(0)", "new Date(1700000000000)", "new Date(-1)", "new Date(NaN) ==> ?v => v instanceof Date && Number.isNaN(v.getTime())", "new Date(8.64e15)",
    "/a/", "/a+b/gi", "/[x-z]\\d*/m", "/^$/y", "/./s", "/\\u{1F600}/u", "/x/dgimsuy", "/[\\p{L}--[a-z]]/v", "/€/g",
    // arrays
    "[]", "[1]", "[1,2,3]", "[1.5,2]", "[2**31,1]", "[-0]", "[NaN,1]", "[1,'a',null]", "[undefined]",
    "[[]]", "[[1],[2,[3]]]", "[1,,3]", "[,]", "new Array(3)", "new Array(100000)", "Object.assign([1,2],{x:1})",
    "Object.assign([],{a:'b'})", "(()=>{const a=[1,2,3]; a.length=5; return a})()", "(()=>{const a=[]; a[10]=1; return a})()",
    "(()=>{const a=[]; a[4294967294]=1; return a})()", "['€', 'é', 'x']", "[true,false]", "[1n, 2n]",
    // objects
    "({})", "({a:1})", "({a:1,b:'x',c:null})", "({b:1,a:2})", "({1:'x',a:1,0:'y'})", "({'-1':1,'1.5':2,'01':3})",
    "({4294967294:1,4294967295:2})", "({2147483648:1})", "({'':1})", "({'€':'€'})", "({a:{b:{c:{d:{}}}}})",
    "({a:[1,{b:2}]})", "({get g(){return 7}})", "Object.create(null) ==> ({})", "new (class Foo{constructor(){this.x=1}}) ==> ({x:1})",
    "({__proto__: null, x: 1}) ==> ({x:1})", "Object.defineProperty({}, 'hidden', {value: 1, enumerable: false})",
    "({[Symbol('s')]: 1, a: 2}) ==> ({a:2})", "({a: undefined})", "({a: -0, b: NaN})", "({x: 1.5, y: 2**40})",
    // maps and sets
    "new Map()", "new Map([[1,2]])", "new Map([['a',1],['b',{c:2}]])", "new Map([[{},[]]])", "new Map([[NaN,NaN]])",
    "new Set()", "new Set([1])", "new Set([1,'1',{}])", "new Set([[1],[2]])",
    // buffers and views
    "new ArrayBuffer(0)", "new ArrayBuffer(8)", "new Uint8Array([1,2,3]).buffer",
    "new ArrayBuffer(2,{maxByteLength:8})", "new ArrayBuffer(0,{maxByteLength:0})",
    "new Uint8Array([1,2])", "new Int8Array([-1,1])", "new Uint8ClampedArray([255])",
    "new Int16Array([-2,3])", "new Uint16Array([65535])", "new Int32Array([-5])", "new Uint32Array([4e9])",
    "new Float32Array([1.5,-0])", "new Float64Array([NaN,Infinity])", "new BigInt64Array([-1n])",
    "new BigUint64Array([2n**64n-1n])", "new DataView(new ArrayBuffer(4),1,2)", "new DataView(new ArrayBuffer(4))",
    "new Uint8Array(new ArrayBuffer(8),2,3)", "new Int32Array(new ArrayBuffer(16),4,2)",
    "new Uint8Array(new ArrayBuffer(4,{maxByteLength:8}))", "new Uint8Array(new ArrayBuffer(4,{maxByteLength:8}),1,2)",
    "new DataView(new ArrayBuffer(4,{maxByteLength:8}),1)",
    "(()=>{const b=new ArrayBuffer(8); return [new Uint8Array(b), new Int16Array(b,2,2)]})()",
    "(()=>{const b=new ArrayBuffer(8); return [b, new Uint8Array(b)]})()",
    "(()=>{const v=new Uint8Array(4); return [v, v, v.buffer]})()",
    "({buf: new Float64Array([1,2,3]).subarray(1)})",
    // errors
    "new Error('m')", "new Error()", "new TypeError('t')", "new RangeError('r')", "new EvalError('e')",
    "new ReferenceError('f')", "new SyntaxError('s')", "new URIError('u')", "new Error('c',{cause:5})",
    "new Error('c',{cause:{deep:[1]}})", "new Error('c',{cause:undefined})", "new AggregateError([], 'agg') ==> ?v => Object.getPrototypeOf(v) === Error.prototype && v.message === 'agg' && !('errors' in v)",
    "(()=>{const e=new Error('x'); e.name='Custom'; return e})() ==> ?v => Object.getPrototypeOf(v) === Error.prototype && v.message === 'x' && !Object.hasOwn(v, 'name')", "(()=>{class MyErr extends TypeError{}; return new MyErr('sub')})() ==> ?v => Object.getPrototypeOf(v) === TypeError.prototype && v.message === 'sub'",
    "(()=>{const e=new Error('no stack'); delete e.stack; return e})()", "new Error('€ message')",
    // sharing and cycles
    "(()=>{const o={}; return [o,o]})()", "(()=>{const o={}; o.self=o; return o})()",
    "(()=>{const a=[]; a.push(a); return a})()", "(()=>{const m=new Map(); m.set(m,m); return m})()",
    "(()=>{const s=new Set(); s.add(s); return s})()", "(()=>{const o={x:1}; return {a:o,b:o,c:[o]}})()",
    "(()=>{const d=new Date(5); return [d,d]})()", "(()=>{const r=/x/g; return {r,again:r}})()",
    "(()=>{const a={}, b={a}; a.b=b; return [a,b]})()",
    // mixed, bigger
    "({i: 1, s: 'hello'})", "Array.from({length: 50}, (_, i) => ({i, s: 'x'.repeat(i)}))",
    "Array.from({length: 300}, (_, i) => i * 1.5)", "Object.fromEntries(Array.from({length: 40}, (_, i) => ['k' + i, i]))",
    "new Map(Array.from({length: 30}, (_, i) => [i, {v: String(i)}]))",
];

#[test]
fn corpus_bytes_match_node_both_ways() {
    let mut node = Oracle::start();
    let mut failures = Vec::new();
    for entry in CORPUS {
        // "EXPR ==> CLONE": the clone of EXPR equals CLONE (or passes ?PREDICATE).
        let (expr, clone) = entry.split_once(" ==> ").unwrap_or((entry, entry));
        let theirs = node.eval(expr);
        let g = match from_bytes_graph(&theirs) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!(
                    "{expr}: msgport cannot decode Node's bytes {}: {e}",
                    hex(&theirs)
                ));
                continue;
            }
        };
        let ours = to_bytes_graph(&g).unwrap();
        if ours != theirs {
            failures.push(format!(
                "{expr}: bytes differ\n  node    {}\n  msgport {}",
                hex(&theirs),
                hex(&ours)
            ));
        }
        if let Err(e) = node.check(clone, &ours) {
            failures.push(format!(
                "{expr}: Node decodes msgport's bytes to a different value: {e}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus values failed:\n{}",
        failures.len(),
        CORPUS.len(),
        failures.join("\n")
    );
    assert!(CORPUS.len() >= 180, "corpus shrank to {}", CORPUS.len());
}

/// A generated value tree; `Shared(k)` refers to an object built earlier
/// (possibly an ancestor, which makes a cycle).
#[derive(Debug, Clone)]
enum Tree {
    Undefined,
    Null,
    Bool(bool),
    Int(i32),
    Double(f64),
    Big(i128),
    Str(Vec<u16>),
    Array(Vec<Option<Tree>>, Vec<Tree>),
    Object(Vec<Tree>, Vec<Tree>),
    Map(Vec<Tree>),
    Set(Vec<Tree>),
    Date(i64),
    Wrapper(u8, Box<Tree>),
    RegExp(u8, u32),
    Buffer(Vec<u8>, Option<usize>, Vec<(u8, usize, usize)>),
    Error(u8, Option<Vec<u16>>, Option<Box<Tree>>),
    Shared(usize),
}

fn str_units() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(
        prop_oneof![
            Just(0x61u16),
            Just(0x7A),
            Just(0xE9),
            Just(0x20AC),
            Just(0xD800),
            Just(0xDC00),
            Just(0xD83D),
            Just(0xDE00),
            Just(0),
            any::<u16>()
        ],
        0..12,
    )
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        Just(Tree::Undefined),
        Just(Tree::Null),
        any::<bool>().prop_map(Tree::Bool),
        any::<i32>().prop_map(Tree::Int),
        prop_oneof![
            any::<f64>(),
            Just(-0.0),
            Just(f64::NAN),
            Just(2147483648.0),
            Just(1.5)
        ]
        .prop_map(Tree::Double),
        any::<i128>().prop_map(Tree::Big),
        str_units().prop_map(Tree::Str),
        (-8_640_000_000_000_000i64..8_640_000_000_000_000).prop_map(Tree::Date),
        (0u8..6, 0u32..0x100).prop_map(|(s, f)| Tree::RegExp(s, f)),
        (
            prop::collection::vec(any::<u8>(), 0..4).prop_map(|v| v.repeat(8)),
            prop::option::of(32usize..40),
            prop::collection::vec((0u8..12, 0usize..4, 0usize..4), 0..3)
        )
            .prop_map(|(b, m, v)| Tree::Buffer(b, m, v)),
        (0usize..64).prop_map(Tree::Shared),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            (
                prop::collection::vec(prop::option::of(inner.clone()), 0..6),
                prop::collection::vec(inner.clone(), 0..2)
            )
                .prop_map(|(a, p)| Tree::Array(a, p)),
            (
                prop::collection::vec(inner.clone(), 0..3),
                prop::collection::vec(inner.clone(), 0..5)
            )
                .prop_map(|(i, s)| Tree::Object(i, s)),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::Map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::Set),
            (0u8..4, inner.clone()).prop_map(|(k, t)| Tree::Wrapper(k, Box::new(t))),
            (
                0u8..7,
                prop::option::of(str_units()),
                prop::option::of(inner.clone())
            )
                .prop_map(|(n, m, c)| Tree::Error(n, m, c.map(Box::new))),
        ]
    })
}

const SOURCES: [&str; 6] = ["a", "a+b", "[x-z]", "\\d{2,}", "(?:ab)|c", "é€"];
const KINDS: [ViewKind; 12] = [
    ViewKind::Int8Array,
    ViewKind::Uint8Array,
    ViewKind::Uint8ClampedArray,
    ViewKind::Int16Array,
    ViewKind::Uint16Array,
    ViewKind::Int32Array,
    ViewKind::Uint32Array,
    ViewKind::Float32Array,
    ViewKind::Float64Array,
    ViewKind::BigInt64Array,
    ViewKind::BigUint64Array,
    ViewKind::DataView,
];

struct Builder {
    g: Graph,
    /// Objects that JS identity allows as shared targets.
    objects: Vec<ObjectId>,
    keys: u32,
}

impl Builder {
    fn js(&mut self, t: &Tree) -> Value {
        match t {
            Tree::Undefined => Value::Undefined,
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Int(i) => Value::Number(f64::from(*i)),
            Tree::Double(d) => Value::Number(*d),
            Tree::Big(b) => Value::from(BigInt::from(*b)),
            Tree::Str(u) => Value::String(JsString::from_utf16(u)),
            Tree::Shared(k) => match self.objects.len() {
                0 => Value::Null,
                n => Value::Object(self.objects[k % n]),
            },
            _ => Value::Object(self.object(t)),
        }
    }

    fn fresh_key(&mut self) -> PropertyKey {
        self.keys += 1;
        PropertyKey::String(format!("k{}", self.keys).as_str().into())
    }

    fn object(&mut self, t: &Tree) -> ObjectId {
        let id = self.g.alloc(Object::Null);
        self.objects.push(id);
        let o = match t {
            Tree::Array(items, props) => {
                let mut p: Vec<(PropertyKey, Value)> = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    if let Some(it) = it {
                        let v = self.js(it);
                        p.push((PropertyKey::Index(i as u32), v));
                    }
                }
                for it in props {
                    let k = self.fresh_key();
                    let v = self.js(it);
                    p.push((k, v));
                }
                Object::Array(Array {
                    length: items.len() as u32,
                    properties: self.g.new_props(p),
                })
            }
            Tree::Object(idx, strs) => {
                let mut p = Vec::new();
                for (i, it) in idx.iter().enumerate() {
                    let v = self.js(it);
                    p.push((PropertyKey::Index(i as u32 * 7), v));
                }
                for it in strs {
                    let k = self.fresh_key();
                    let v = self.js(it);
                    p.push((k, v));
                }
                Object::Object(self.g.new_props(p))
            }
            Tree::Map(items) => {
                // Keys must be distinct under SameValueZero: use fresh strings.
                let mut e = Vec::new();
                for it in items {
                    let PropertyKey::String(k) = self.fresh_key() else {
                        unreachable!()
                    };
                    let v = self.js(it);
                    e.push((Value::String(k), v));
                }
                Object::Map(e)
            }
            Tree::Set(items) => {
                let mut e = Vec::new();
                for it in items {
                    // Objects are distinct by identity; primitives by a fresh string.
                    let v = match self.js(it) {
                        Value::Object(o) if !e.contains(&Value::Object(o)) => Value::Object(o),
                        _ => {
                            let PropertyKey::String(k) = self.fresh_key() else {
                                unreachable!()
                            };
                            Value::String(k)
                        }
                    };
                    e.push(v);
                }
                Object::Set(e)
            }
            Tree::Date(ms) => Object::Date(*ms as f64),
            Tree::Wrapper(k, inner) => match (k, self.js(inner)) {
                (0, _) => Object::Boolean(*k == 0),
                (1, Value::Number(n)) => Object::Number(n),
                (2, Value::String(s)) => Object::String(s),
                (3, Value::BigInt(b)) => Object::BigInt(b),
                _ => Object::Number(1.25),
            },
            Tree::RegExp(s, f) => {
                // Valid combinations only: not both u and v; no l (needs a V8 flag).
                let mut bits = f & 0xAF;
                if bits & 0x10 != 0 {
                    bits &= !0x100;
                }
                Object::RegExp {
                    source: SOURCES[*s as usize].into(),
                    flags: RegExpFlags(bits),
                }
            }
            Tree::Buffer(bytes, max, views) => {
                let max = max.map(|m| m.max(bytes.len()));
                let mut arr = Vec::new();
                self.g.objects[id.0 as usize] = Object::ArrayBuffer(ArrayBuffer {
                    data: bytes.clone().into(),
                    max_byte_length: max,
                    detached: false,
                });
                for (k, off, len) in views {
                    let kind = KINDS[*k as usize % KINDS.len()];
                    let size = kind.element_size();
                    let off = (off * size).min(bytes.len() / size * size);
                    let avail = (bytes.len() - off) / size;
                    let len = (*len).min(avail) * size;
                    let vid = self.g.alloc(Object::View(View {
                        kind,
                        buffer: id,
                        byte_offset: off,
                        byte_length: len,
                        length_tracking: false,
                    }));
                    arr.push(Value::Object(vid));
                }
                if !arr.is_empty() {
                    // Root an array holding the views beside the buffer itself.
                    arr.push(Value::Object(id));
                    let holder = self.g.array(arr);
                    return holder;
                }
                return id;
            }
            Tree::Error(n, m, c) => {
                let names = [
                    ErrorName::Error,
                    ErrorName::EvalError,
                    ErrorName::RangeError,
                    ErrorName::ReferenceError,
                    ErrorName::SyntaxError,
                    ErrorName::TypeError,
                    ErrorName::URIError,
                ];
                // V8 registers an error's id only once it is complete, so a
                // cause may not refer back to the error: hide it meanwhile.
                let me = self.objects.pop();
                let cause = c.as_ref().map(|c| self.js(c));
                self.objects.extend(me);
                Object::Error(Box::new(ErrorValue {
                    name: names[*n as usize],
                    message: m.as_ref().map(|u| JsString::from_utf16(u)),
                    stack: Some("Error: generated\n    at test".into()),
                    cause,
                }))
            }
            _ => unreachable!("primitive handled by js()"),
        };
        self.g.objects[id.0 as usize] = o;
        id
    }
}

trait NullObject {
    #[allow(non_upper_case_globals)]
    const Null: Object;
}
impl NullObject for Object {
    const Null: Object = Object::Object(Props::EMPTY);
}

fn build(t: &Tree) -> Graph {
    let mut b = Builder {
        g: Graph::default(),
        objects: Vec::new(),
        keys: 0,
    };
    let root = b.js(t);
    b.g.root = root;
    b.g
}

#[test]
fn generated_graphs_round_trip_through_node() {
    let node = std::cell::RefCell::new(Oracle::start());
    let nontrivial = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&tree(), |t| {
            let g = build(&t);
            let ours =
                to_bytes_graph(&g).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
            if !g.objects.is_empty() {
                nontrivial.set(nontrivial.get() + 1);
            }
            let theirs = node.borrow_mut().roundtrip(&ours).map_err(|e| {
                TestCaseError::fail(format!("Node cannot decode {}: {e}", hex(&ours)))
            })?;
            let back = from_bytes_graph(&theirs)
                .map_err(|e| TestCaseError::fail(format!("decode Node's {}: {e}", hex(&theirs))))?;
            prop_assert!(
                g.same(&back),
                "graph changed through Node:\n ours  {}\n node  {}\n {:?}\n {:?}",
                hex(&ours),
                hex(&theirs),
                g,
                back
            );
            // Our own decoder must agree with our encoder too.
            let mine = from_bytes_graph(&ours)
                .map_err(|e| TestCaseError::fail(format!("decode ours: {e}")))?;
            prop_assert!(g.same(&mine));
            Ok(())
        })
        .unwrap();
    assert!(
        nontrivial.get() > 200,
        "generator produced too few objects ({})",
        nontrivial.get()
    );
}
