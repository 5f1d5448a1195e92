//! The dynamic structured-clone data model (HTML `#structuredserializeinternal`).
//!
//! A [`Graph`] is a root [`Value`] plus the heap of [`Object`]s it reaches.
//! Objects live in the graph's arena and are named by [`ObjectId`], so shared
//! references and cycles are exact (two paths to one object are one id), the
//! graph is `Send`, and dropping it never leaks a cycle.

use crate::block::DataBlock;
use crate::shared::SharedBlock;
use crate::string::JsString;
use num_bigint::BigInt;

/// Index of an object in its [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub u32);

/// A JavaScript value: a primitive, or a reference to an object of the graph.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A Number; `-0` and NaN are kept (compare with [`Graph::same`]).
    Number(f64),
    /// A BigInt of any size (boxed: rare, and it would double the size of
    /// every `Value`).
    BigInt(Box<BigInt>),
    /// A string, lone surrogates included.
    String(JsString),
    /// An object in the graph.
    Object(ObjectId),
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(n.into())
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}
impl From<JsString> for Value {
    fn from(s: JsString) -> Self {
        Value::String(s)
    }
}
impl From<BigInt> for Value {
    fn from(b: BigInt) -> Self {
        Value::BigInt(Box::new(b))
    }
}
impl From<ObjectId> for Value {
    fn from(id: ObjectId) -> Self {
        Value::Object(id)
    }
}

/// An own property key: an array index or any other string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropertyKey {
    /// A canonical array index, `0 ..= 2^32 - 2`.
    Index(u32),
    /// Any other string key.
    String(JsString),
}

impl PropertyKey {
    /// Normalises a string: canonical array indices become [`PropertyKey::Index`].
    pub fn from_string(s: JsString) -> Self {
        match s.as_array_index() {
            Some(i) => PropertyKey::Index(i),
            None => PropertyKey::String(s),
        }
    }
}

impl From<&str> for PropertyKey {
    fn from(s: &str) -> Self {
        PropertyKey::from_string(s.into())
    }
}
impl From<u32> for PropertyKey {
    fn from(i: u32) -> Self {
        PropertyKey::Index(i)
    }
}

/// RegExp flags as V8 stores them (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RegExpFlags(pub u32);

impl RegExpFlags {
    const LETTERS: [(u32, char); 9] = [
        (1 << 7, 'd'),
        (1 << 0, 'g'),
        (1 << 1, 'i'),
        (1 << 2, 'm'),
        (1 << 5, 's'),
        (1 << 4, 'u'),
        (1 << 8, 'v'),
        (1 << 3, 'y'),
        (1 << 6, 'l'),
    ];
    /// Every bit V8 defines.
    pub const ALL: u32 = 0x1FF;

    /// Parses a flags string such as `"gi"`; `None` for unknown or repeated letters.
    pub fn parse(s: &str) -> Option<Self> {
        let mut bits = 0;
        for c in s.chars() {
            let (b, _) = Self::LETTERS.iter().find(|(_, l)| *l == c)?;
            if bits & b != 0 {
                return None;
            }
            bits |= b;
        }
        Some(RegExpFlags(bits))
    }
}

impl std::fmt::Display for RegExpFlags {
    /// The flags in the canonical order of `RegExp.prototype.flags`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (b, l) in Self::LETTERS {
            if self.0 & b != 0 {
                write!(f, "{l}")?;
            }
        }
        Ok(())
    }
}

/// An ArrayBuffer's bytes. Transfer moves `data` out and marks it detached.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArrayBuffer {
    /// The contents (empty once detached).
    pub data: DataBlock,
    /// `Some(max)` for a resizable buffer.
    pub max_byte_length: Option<usize>,
    /// Set by transfer; a detached buffer cannot be cloned again.
    pub detached: bool,
}

impl ArrayBuffer {
    /// A fixed-length buffer holding `data`.
    pub fn new(data: Vec<u8>) -> Self {
        ArrayBuffer {
            data: data.into(),
            max_byte_length: None,
            detached: false,
        }
    }
}

/// A SharedArrayBuffer (ECMA-262 `#sec-sharedarraybuffer-objects`): its
/// shared memory, and its length as its holder sees it. Cloning one shares
/// the memory (HTML `#structuredserializeinternal`); on the wire it is an
/// index into [`Record::shared`](crate::Record::shared).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedArrayBuffer {
    /// The memory (at least `max_byte_length`, or else `byte_length`, bytes).
    pub block: SharedBlock,
    /// The length, in bytes.
    pub byte_length: usize,
    /// `Some(max)` for a growable buffer.
    pub max_byte_length: Option<usize>,
}

impl SharedArrayBuffer {
    /// A fixed-length buffer over all of `block`.
    pub fn new(block: SharedBlock) -> Self {
        SharedArrayBuffer {
            byte_length: block.len(),
            block,
            max_byte_length: None,
        }
    }

    /// Whether the lengths fit the block: `byte_length <= max <= block.len()`.
    pub fn is_consistent(&self) -> bool {
        let max = self.max_byte_length.unwrap_or(self.byte_length);
        self.byte_length <= max && max <= self.block.len()
    }
}

/// The kind of an ArrayBufferView, with V8's sub-tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ViewKind {
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float16Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    DataView,
}

impl ViewKind {
    /// Every kind.
    pub const ALL: [ViewKind; 13] = [
        ViewKind::Int8Array,
        ViewKind::Uint8Array,
        ViewKind::Uint8ClampedArray,
        ViewKind::Int16Array,
        ViewKind::Uint16Array,
        ViewKind::Int32Array,
        ViewKind::Uint32Array,
        ViewKind::Float16Array,
        ViewKind::Float32Array,
        ViewKind::Float64Array,
        ViewKind::BigInt64Array,
        ViewKind::BigUint64Array,
        ViewKind::DataView,
    ];

    /// V8's sub-tag byte.
    pub fn subtag(self) -> u8 {
        match self {
            ViewKind::Int8Array => b'b',
            ViewKind::Uint8Array => b'B',
            ViewKind::Uint8ClampedArray => b'C',
            ViewKind::Int16Array => b'w',
            ViewKind::Uint16Array => b'W',
            ViewKind::Int32Array => b'd',
            ViewKind::Uint32Array => b'D',
            ViewKind::Float16Array => b'h',
            ViewKind::Float32Array => b'f',
            ViewKind::Float64Array => b'F',
            ViewKind::BigInt64Array => b'q',
            ViewKind::BigUint64Array => b'Q',
            ViewKind::DataView => b'?',
        }
    }

    /// The kind for a sub-tag byte.
    pub fn from_subtag(t: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.subtag() == t)
    }

    /// Bytes per element (1 for DataView).
    pub fn element_size(self) -> usize {
        match self {
            ViewKind::Int8Array
            | ViewKind::Uint8Array
            | ViewKind::Uint8ClampedArray
            | ViewKind::DataView => 1,
            ViewKind::Int16Array | ViewKind::Uint16Array | ViewKind::Float16Array => 2,
            ViewKind::Int32Array | ViewKind::Uint32Array | ViewKind::Float32Array => 4,
            ViewKind::Float64Array | ViewKind::BigInt64Array | ViewKind::BigUint64Array => 8,
        }
    }

    /// The constructor's name.
    pub fn name(self) -> &'static str {
        match self {
            ViewKind::Int8Array => "Int8Array",
            ViewKind::Uint8Array => "Uint8Array",
            ViewKind::Uint8ClampedArray => "Uint8ClampedArray",
            ViewKind::Int16Array => "Int16Array",
            ViewKind::Uint16Array => "Uint16Array",
            ViewKind::Int32Array => "Int32Array",
            ViewKind::Uint32Array => "Uint32Array",
            ViewKind::Float16Array => "Float16Array",
            ViewKind::Float32Array => "Float32Array",
            ViewKind::Float64Array => "Float64Array",
            ViewKind::BigInt64Array => "BigInt64Array",
            ViewKind::BigUint64Array => "BigUint64Array",
            ViewKind::DataView => "DataView",
        }
    }
}

/// A typed array or DataView over an ArrayBuffer of the same graph.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Which constructor.
    pub kind: ViewKind,
    /// The viewed buffer (must be an [`Object::ArrayBuffer`]).
    pub buffer: ObjectId,
    /// Offset into the buffer, in bytes.
    pub byte_offset: usize,
    /// Length in bytes at serialization time.
    pub byte_length: usize,
    /// A length-tracking view over a resizable buffer follows the buffer's length.
    pub length_tracking: bool,
}

/// The error constructors whose names survive cloning (HTML `#structuredserializeinternal`, its Error steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub enum ErrorName {
    #[default]
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
}

impl ErrorName {
    /// The name for `name`, or `Error` for any other name (AggregateError,
    /// custom names), as the standard says.
    pub fn from_name(name: &str) -> Self {
        match name {
            "EvalError" => ErrorName::EvalError,
            "RangeError" => ErrorName::RangeError,
            "ReferenceError" => ErrorName::ReferenceError,
            "SyntaxError" => ErrorName::SyntaxError,
            "TypeError" => ErrorName::TypeError,
            "URIError" => ErrorName::URIError,
            _ => ErrorName::Error,
        }
    }

    /// The constructor's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorName::Error => "Error",
            ErrorName::EvalError => "EvalError",
            ErrorName::RangeError => "RangeError",
            ErrorName::ReferenceError => "ReferenceError",
            ErrorName::SyntaxError => "SyntaxError",
            ErrorName::TypeError => "TypeError",
            ErrorName::URIError => "URIError",
        }
    }
}

/// A cloned Error object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorValue {
    /// Which prototype the clone gets.
    pub name: ErrorName,
    /// The own `message`, if it was a data property.
    pub message: Option<JsString>,
    /// The stack string.
    pub stack: Option<JsString>,
    /// The `cause`, as V8 serializes it.
    pub cause: Option<Value>,
}

/// A Blob's contents (msgport host object; room for the JS runtime's Blob).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Blob {
    /// The MIME type, lower-cased.
    pub mime_type: JsString,
    /// The bytes.
    pub data: Vec<u8>,
}

/// A File's fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    /// The file name.
    pub name: JsString,
    /// Milliseconds since the epoch.
    pub last_modified: f64,
    /// Contents and type.
    pub blob: Blob,
}

/// A DOMException's serialized fields (WebIDL `#idl-DOMException`, its
/// serialization steps: \[\[Name\]\] and \[\[Message\]\]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomException {
    /// The name, e.g. `"DataCloneError"` (the legacy code follows from it).
    pub name: JsString,
    /// The message.
    pub message: JsString,
}

/// Platform objects carried as V8 host objects.
#[derive(Debug, Clone, PartialEq)]
pub enum HostObject {
    /// A transferred platform object (a MessagePort): index `n` into the
    /// record's transferred host objects, i.e. `event.ports[n]`.
    Transferred(u32),
    /// A Blob (boxed: rare).
    Blob(Box<Blob>),
    /// A File: a Blob with a name and a modification time.
    File(Box<File>),
    /// A DOMException (a serializable platform object).
    DomException(Box<DomException>),
}

/// A run of own properties in [`Graph::properties`]: every object's
/// properties live in one arena, so decoding allocates no vector per object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Props {
    /// Index of the first property in [`Graph::properties`].
    pub start: u32,
    /// How many.
    pub len: u32,
}

impl Props {
    /// No properties.
    pub const EMPTY: Props = Props { start: 0, len: 0 };
}

/// An Array: its `length` and its own enumerable properties (index keys
/// ascending, then string keys). Holes are simply absent indices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Array {
    /// The `length` property.
    pub length: u32,
    /// Own enumerable properties.
    pub properties: Props,
}

impl Array {
    /// Whether indices `0..length` are all present, in order, at the front.
    pub fn is_dense(&self, g: &Graph) -> bool {
        let props = g.props(self.properties);
        props.len() >= self.length as usize
            && props[..self.length as usize]
                .iter()
                .enumerate()
                .all(|(i, (k, _))| *k == PropertyKey::Index(i as u32))
    }
}

/// A heap object of the data model.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `new Boolean(b)`.
    Boolean(bool),
    /// `new Number(n)`.
    Number(f64),
    /// `Object(1n)`.
    BigInt(Box<BigInt>),
    /// `new String(s)`.
    String(JsString),
    /// A Date's time value (NaN for an invalid Date).
    Date(f64),
    /// A RegExp: source and flags (`lastIndex` is not kept).
    RegExp {
        /// The pattern source.
        source: JsString,
        /// The flags.
        flags: RegExpFlags,
    },
    /// An ArrayBuffer (resizable if it has a max length).
    ArrayBuffer(ArrayBuffer),
    /// A SharedArrayBuffer: memory shared with every realm it was sent to.
    SharedArrayBuffer(SharedArrayBuffer),
    /// A typed array or DataView (over an ArrayBuffer or a SharedArrayBuffer).
    View(View),
    /// A Map, entries in insertion order.
    Map(Vec<(Value, Value)>),
    /// A Set, entries in insertion order.
    Set(Vec<Value>),
    /// An Array.
    Array(Array),
    /// A plain object's own enumerable string-keyed properties, in order.
    Object(Props),
    /// An Error (boxed: rare and large).
    Error(Box<ErrorValue>),
    /// A platform (host) object.
    Host(HostObject),
}

/// A structured-clone value: a root and the objects it reaches.
///
/// ```
/// use msgport_clone::{Graph, Object, Value};
/// let mut g = Graph::default();
/// let o = g.object(vec![("n".into(), Value::from(1))]);
/// // A cycle: o.self = o
/// g.set_property(o, "self", Value::Object(o));
/// g.root = Value::Object(o);
/// let bytes = msgport_clone::to_bytes_graph(&g).unwrap();
/// let back = msgport_clone::from_bytes_graph(&bytes).unwrap();
/// assert!(g.same(&back));
/// ```
#[derive(Debug, Clone)]
pub struct Graph {
    /// The value the graph represents.
    pub root: Value,
    /// The heap, indexed by [`ObjectId`].
    pub objects: Vec<Object>,
    /// The properties of every plain object and array, as [`Props`] runs.
    pub properties: Vec<(PropertyKey, Value)>,
}

impl Default for Graph {
    fn default() -> Self {
        Graph::new(Value::Undefined)
    }
}

impl Graph {
    /// A graph whose root is a primitive (or that will be set later).
    pub fn new(root: Value) -> Self {
        Graph {
            root,
            objects: Vec::new(),
            properties: Vec::new(),
        }
    }

    /// The properties of a run (empty if the run is out of range).
    pub fn props(&self, p: Props) -> &[(PropertyKey, Value)] {
        let (a, n) = (p.start as usize, p.len as usize);
        self.properties.get(a..a.saturating_add(n)).unwrap_or(&[])
    }

    /// Stores properties as a new run.
    pub fn new_props(&mut self, items: impl IntoIterator<Item = (PropertyKey, Value)>) -> Props {
        let start = self.properties.len();
        self.properties.extend(items);
        Props {
            start: start as u32,
            len: (self.properties.len() - start) as u32,
        }
    }

    /// The own properties of a plain object or array.
    pub fn properties_of(&self, id: ObjectId) -> Option<&[(PropertyKey, Value)]> {
        match self.get(id)? {
            Object::Object(p) => Some(self.props(*p)),
            Object::Array(a) => Some(self.props(a.properties)),
            _ => None,
        }
    }

    /// Adds an object to the heap.
    pub fn alloc(&mut self, o: Object) -> ObjectId {
        let id = ObjectId(self.objects.len() as u32);
        self.objects.push(o);
        id
    }

    /// Adds a plain object with these properties.
    pub fn object(&mut self, props: Vec<(PropertyKey, Value)>) -> ObjectId {
        let p = self.new_props(props);
        self.alloc(Object::Object(p))
    }

    /// Adds a dense array.
    pub fn array(&mut self, items: Vec<Value>) -> ObjectId {
        let length = items.len() as u32;
        let properties = self.new_props(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (PropertyKey::Index(i as u32), v)),
        );
        self.alloc(Object::Array(Array { length, properties }))
    }

    /// The object `id`, if it exists.
    pub fn get(&self, id: ObjectId) -> Option<&Object> {
        self.objects.get(id.0 as usize)
    }

    /// The object `id` for changing, if it exists.
    pub fn get_mut(&mut self, id: ObjectId) -> Option<&mut Object> {
        self.objects.get_mut(id.0 as usize)
    }

    /// Sets (adds or replaces) a property of a plain object or array.
    /// Does nothing on other kinds of object. Adding a property to a run
    /// that is not the last one moves the run to the end of the arena.
    pub fn set_property(&mut self, id: ObjectId, key: impl Into<PropertyKey>, v: Value) {
        let key = key.into();
        let p = match self.get(id) {
            Some(Object::Object(p)) => *p,
            Some(Object::Array(a)) => a.properties,
            _ => return,
        };
        let (a, n) = (p.start as usize, p.len as usize);
        if let Some(slot) = self.properties[a..a + n]
            .iter_mut()
            .find(|(k, _)| *k == key)
        {
            slot.1 = v;
            return;
        }
        let moved = if a + n == self.properties.len() {
            p
        } else {
            let run: Vec<_> = self.properties[a..a + n].to_vec();
            self.new_props(run)
        };
        self.properties.push((key.clone(), v));
        let grown = Props {
            start: moved.start,
            len: moved.len + 1,
        };
        match self.get_mut(id) {
            Some(Object::Object(p)) => *p = grown,
            Some(Object::Array(arr)) => {
                arr.properties = grown;
                if let PropertyKey::Index(i) = key {
                    arr.length = arr.length.max(i + 1);
                }
            }
            _ => {}
        }
    }

    /// Looks up an own property of a plain object or array.
    pub fn property(&self, id: ObjectId, key: impl Into<PropertyKey>) -> Option<&Value> {
        let key = key.into();
        self.properties_of(id)?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_respects_identity() {
        // [o, o] is not the same as [o1, o2] even when o1 and o2 look alike.
        let mut a = Graph::default();
        let o = a.object(vec![]);
        let arr = a.array(vec![o.into(), o.into()]);
        a.root = arr.into();
        let mut b = Graph::default();
        let o1 = b.object(vec![]);
        let o2 = b.object(vec![]);
        let arr = b.array(vec![o1.into(), o2.into()]);
        b.root = arr.into();
        assert!(a.same(&a.clone()));
        assert!(!a.same(&b));
        assert!(!b.same(&a));
    }

    #[test]
    fn same_value_numbers() {
        assert!(Graph::new(Value::Number(f64::NAN)).same(&Graph::new(Value::Number(-f64::NAN))));
        assert!(!Graph::new(Value::Number(0.0)).same(&Graph::new(Value::Number(-0.0))));
    }

    #[test]
    fn same_value_inside_files() {
        // Found by the roundtrip fuzzer: a File's time compared with `==`.
        let file = |t| {
            let mut g = Graph::default();
            g.root = Value::Object(g.alloc(Object::Host(HostObject::File(Box::new(File {
                name: "f".into(),
                last_modified: t,
                blob: Blob::default(),
            })))));
            g
        };
        assert!(file(f64::NAN).same(&file(f64::NAN)));
        assert!(!file(0.0).same(&file(-0.0)));
    }

    #[test]
    fn regexp_flags_text() {
        let f = RegExpFlags::parse("gimsuyd").unwrap();
        assert_eq!(f.to_string(), "dgimsuy");
        assert_eq!(RegExpFlags::parse("gg"), None);
        assert_eq!(RegExpFlags::parse("z"), None);
    }

    #[test]
    fn set_property_moves_a_run_that_is_not_last() {
        let mut g = Graph::default();
        let a = g.object(vec![("x".into(), Value::from(1))]);
        let b = g.object(vec![("y".into(), Value::from(2))]);
        g.set_property(a, "z", Value::from(3)); // a's run is not last: moved
        g.set_property(a, "x", Value::from(9)); // replace in place
        g.set_property(b, "w", Value::from(4));
        assert_eq!(
            g.properties_of(a).unwrap(),
            &[("x".into(), Value::from(9)), ("z".into(), Value::from(3))]
        );
        assert_eq!(
            g.properties_of(b).unwrap(),
            &[("y".into(), Value::from(2)), ("w".into(), Value::from(4))]
        );
        let back = crate::from_bytes_graph(&crate::to_bytes_graph(&g.clone()).unwrap()).unwrap();
        assert!(back.same(&Graph {
            root: Value::Undefined,
            ..g.clone()
        }));
        // An out-of-range run reads as empty rather than panicking.
        assert!(g
            .props(Props {
                start: 1000,
                len: 5
            })
            .is_empty());
    }

    #[test]
    fn set_property_extends_array_length() {
        let mut g = Graph::default();
        let a = g.array(vec![]);
        g.set_property(a, 4u32, Value::Null);
        match g.get(a) {
            Some(Object::Array(arr)) => assert_eq!(arr.length, 5),
            _ => panic!("not an array"),
        }
        assert_eq!(g.property(a, "4"), Some(&Value::Null));
    }
}

#[cfg(test)]
mod size_tests {
    /// The decoder moves millions of these: keep them small.
    #[test]
    fn values_and_properties_are_compact() {
        assert!(
            std::mem::size_of::<super::Value>() <= 24,
            "Value is {} bytes",
            std::mem::size_of::<super::Value>()
        );
        assert_eq!(std::mem::size_of::<crate::JsString>(), 24);
        assert_eq!(std::mem::size_of::<super::PropertyKey>(), 24);
        assert!(std::mem::size_of::<(super::PropertyKey, super::Value)>() <= 48);
        assert!(std::mem::size_of::<super::Object>() <= 48);
    }
}
