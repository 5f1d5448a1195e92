//! Graph → wire bytes: StructuredSerializeWithTransfer
//! (`#structuredserializewithtransfer`) over the dynamic data model.

use crate::error::{CloneError, Result};
use crate::transfer::{
    check_not_detached, check_transfer_list, ListEntry, Record, TransferItem, Transferable,
    TransferredBuffer,
};
use crate::value::{Graph, HostObject, Object, ObjectId, PropertyKey, SharedArrayBuffer, Value};
use crate::wire::{as_smi, error_tag, host_kind, tag, Writer};
use crate::{ErrorName, JsString};

/// Default limit on nesting depth, for encoding and decoding.
pub const DEFAULT_MAX_DEPTH: usize = 3000;

const UNASSIGNED: u32 = u32::MAX;

/// Stack left before a recursive step grows the stack (see `stacker`).
pub(crate) const STACK_RED_ZONE: usize = 128 * 1024;
/// Below this nesting depth the stack is not checked (any thread has room
/// for this many frames); the check costs more than a small message.
pub(crate) const SHALLOW: usize = 64;
/// Size of each stack segment added when it does.
pub(crate) const STACK_GROW: usize = 2 * 1024 * 1024;

/// Serializes `g` with no transfer list. A SharedArrayBuffer needs a
/// record to travel in ([`serialize_with_transfer`]): here it is
/// [`CloneError::SharedArrayBuffer`].
///
/// ```
/// use msgport_clone::{to_bytes_graph, Graph, Value};
/// let bytes = to_bytes_graph(&Graph::new(Value::from(5))).unwrap();
/// assert_eq!(bytes, [0xFF, 0x0F, b'I', 0x0A]);
/// ```
pub fn to_bytes_graph(g: &Graph) -> Result<Vec<u8>> {
    let mut e = Encoder::new(g, &[], 0, None);
    e.value(&g.root)?;
    Ok(e.w.buf)
}

/// Serializes `g` with no transfer list into a record: the bytes, and the
/// SharedArrayBuffers they refer to (`u` + index), whose memory the
/// receivers share. For a graph without any, `record.bytes` is what
/// [`to_bytes_graph`] returns.
///
/// ```
/// use msgport_clone::*;
/// let mut g = Graph::default();
/// let sab = g.alloc(Object::SharedArrayBuffer(SharedArrayBuffer::new(SharedBlock::new(4).unwrap())));
/// g.root = Value::Object(sab);
/// let rec = to_record(&g).unwrap();
/// assert_eq!(rec.shared.len(), 1);
/// let back = deserialize_with_shared(&rec.bytes, vec![], rec.shared, 0, Default::default()).unwrap();
/// assert!(back.same(&g));
/// ```
pub fn to_record(g: &Graph) -> Result<Record<crate::NoHost>> {
    let mut shared = Vec::new();
    let mut e = Encoder::new(g, &[], 0, Some(&mut shared));
    e.value(&g.root)?;
    let bytes = e.w.buf;
    Ok(Record {
        shared,
        ..Record::from_bytes(bytes)
    })
}

/// StructuredSerializeWithTransfer: serializes `g`, then detaches every
/// transferred ArrayBuffer (moving its bytes into the record) and runs the
/// transfer steps of every host object.
///
/// Checks follow the standard's order: a non-ArrayBuffer object id, a
/// duplicate, or an unknown id fail before anything is serialized; detached
/// entries fail after serialization but, since nothing can detach an entry
/// in between here, always before anything is detached. On error nothing
/// has changed.
pub fn serialize_with_transfer<H: Transferable>(
    g: &mut Graph,
    transfer: &[TransferItem<'_, H>],
) -> Result<Record<H::Shipped>> {
    // Step 2: validate the list (one validator for every caller). A host
    // is known by the first entry it is the same as.
    let entries: Vec<ListEntry<(bool, usize)>> = transfer
        .iter()
        .enumerate()
        .map(|(index, item)| match *item {
            TransferItem::ArrayBuffer(id) => match g.get(id) {
                Some(Object::ArrayBuffer(_)) => ListEntry::ArrayBuffer((false, id.0 as usize)),
                _ => ListEntry::NotTransferable,
            },
            TransferItem::Host(h) => {
                let first = transfer[..index]
                    .iter()
                    .position(|o| matches!(o, TransferItem::Host(o) if o.is_same(h)))
                    .unwrap_or(index);
                ListEntry::Platform((true, first))
            }
        })
        .collect();
    check_transfer_list(&entries)?;
    let mut buffers: Vec<ObjectId> = Vec::new();
    let mut hosts: Vec<&H> = Vec::new();
    for item in transfer {
        match *item {
            TransferItem::ArrayBuffer(id) => buffers.push(id),
            TransferItem::Host(h) => hosts.push(h),
        }
    }
    // Step 3: serialize.
    let mut shared = Vec::new();
    let bytes = {
        let mut e = Encoder::new(g, &buffers, hosts.len() as u32, Some(&mut shared));
        e.value(&g.root)?;
        e.w.buf
    };
    // Step 4: detached checks (all before any detaching), then transfer.
    check_not_detached(&entries, |index| match transfer[index] {
        TransferItem::ArrayBuffer(id) => {
            matches!(g.get(id), Some(Object::ArrayBuffer(b)) if b.detached)
        }
        TransferItem::Host(h) => h.is_detached(),
    })?;
    let (mut bi, mut hi) = (0, 0);
    let mut record = Record {
        bytes,
        buffers: Vec::with_capacity(buffers.len()),
        shared,
        hosts: Vec::with_capacity(hosts.len()),
    };
    for item in transfer {
        match *item {
            TransferItem::ArrayBuffer(id) => {
                if let Some(Object::ArrayBuffer(b)) = g.get_mut(id) {
                    b.detached = true;
                    record.buffers.push(TransferredBuffer {
                        data: std::mem::take(&mut b.data),
                        max_byte_length: b.max_byte_length,
                    });
                }
                bi += 1;
            }
            TransferItem::Host(h) => {
                record.hosts.push(h.transfer());
                hi += 1;
            }
        }
    }
    debug_assert_eq!((bi, hi), (buffers.len(), hosts.len()));
    Ok(record)
}

struct Encoder<'g> {
    g: &'g Graph,
    w: Writer,
    ids: Vec<u32>,
    next_id: u32,
    transferred: &'g [ObjectId],
    host_count: u32,
    depth: usize,
    /// The record's shared memory (`None`: no record, so none may go).
    shared: Option<&'g mut Vec<SharedArrayBuffer>>,
}

impl<'g> Encoder<'g> {
    fn new(
        g: &'g Graph,
        transferred: &'g [ObjectId],
        host_count: u32,
        shared: Option<&'g mut Vec<SharedArrayBuffer>>,
    ) -> Self {
        Encoder {
            g,
            w: Writer::with_header(),
            ids: vec![UNASSIGNED; g.objects.len()],
            next_id: 0,
            transferred,
            host_count,
            depth: 0,
            shared,
        }
    }

    fn string(&mut self, s: &JsString) {
        match s.as_str() {
            Some(s) => self.w.str(s),
            None => self.w.utf16(&s.to_utf16()),
        }
    }

    fn bigint(&mut self, b: &num_bigint::BigInt) {
        let (sign, digits) = b.to_u64_digits();
        self.w.bigint_body(sign == num_bigint::Sign::Minus, &digits);
    }

    fn value(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::Undefined => self.w.tag(tag::UNDEFINED),
            Value::Null => self.w.tag(tag::NULL),
            Value::Bool(true) => self.w.tag(tag::TRUE),
            Value::Bool(false) => self.w.tag(tag::FALSE),
            Value::Number(n) => self.w.number(*n),
            Value::BigInt(b) => {
                self.w.tag(tag::BIGINT);
                self.bigint(b);
            }
            Value::String(s) => self.string(s),
            Value::Object(id) => self.object(*id)?,
        }
        Ok(())
    }

    fn key(&mut self, k: &PropertyKey) {
        match k {
            PropertyKey::Index(i) => self.w.number(f64::from(*i)),
            PropertyKey::String(s) => self.string(s),
        }
    }

    fn props(&mut self, props: &[(PropertyKey, Value)]) -> Result<()> {
        for (k, v) in props {
            self.key(k);
            self.value(v)?;
        }
        Ok(())
    }

    fn get(&self, id: ObjectId) -> Result<&'g Object> {
        self.g.get(id).ok_or(CloneError::InvalidReference(id.0))
    }

    /// Gives `id` the next wire id; returns false if it already had one
    /// (then a back-reference has been written).
    fn assign(&mut self, id: ObjectId) -> bool {
        let slot = &mut self.ids[id.0 as usize];
        if *slot != UNASSIGNED {
            self.w.tag(tag::OBJECT_REFERENCE);
            let wire = *slot;
            self.w.varint(u64::from(wire));
            return false;
        }
        *slot = self.next_id;
        self.next_id += 1;
        true
    }

    fn object(&mut self, id: ObjectId) -> Result<()> {
        if self.depth < SHALLOW {
            return self.object_inner(id);
        }
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.object_inner(id))
    }

    fn object_inner(&mut self, id: ObjectId) -> Result<()> {
        let obj = self.get(id)?;
        if let Object::View(view) = obj {
            // V8 writes the buffer (or a reference to it) first, then the view.
            if self.ids[id.0 as usize] == UNASSIGNED {
                let len = match self.get(view.buffer)? {
                    Object::ArrayBuffer(buf) if buf.detached => None,
                    Object::ArrayBuffer(buf) => Some(buf.data.len()),
                    Object::SharedArrayBuffer(sab) => Some(sab.byte_length),
                    _ => {
                        return Err(CloneError::UnsupportedObject(
                            "a view over something other than an ArrayBuffer".into(),
                        ))
                    }
                };
                let end = view.byte_offset.checked_add(if view.length_tracking {
                    0
                } else {
                    view.byte_length
                });
                match (len, end) {
                    (Some(len), Some(end)) if end <= len => {}
                    _ => return Err(CloneError::OutOfBoundsView),
                }
                self.object(view.buffer)?;
            }
            if !self.assign(id) {
                return Ok(());
            }
            let rab = match self.get(view.buffer)? {
                Object::ArrayBuffer(b) => b.max_byte_length.is_some(),
                Object::SharedArrayBuffer(b) => b.max_byte_length.is_some(),
                _ => false,
            };
            self.w.tag(tag::ARRAY_BUFFER_VIEW);
            self.w.tag(view.kind.subtag());
            self.w.varint(view.byte_offset as u64);
            self.w.varint(view.byte_length as u64);
            self.w
                .varint(u64::from(view.length_tracking) | (u64::from(rab) << 1));
            return Ok(());
        }
        if !self.assign(id) {
            return Ok(());
        }
        // Depth counts containers only, exactly as the decoder does, so
        // whatever decodes also encodes.
        let container = matches!(
            obj,
            Object::Map(_)
                | Object::Set(_)
                | Object::Array(_)
                | Object::Object(_)
                | Object::Error(_)
        );
        if container {
            self.depth += 1;
            if self.depth > DEFAULT_MAX_DEPTH {
                return Err(CloneError::TooDeep(DEFAULT_MAX_DEPTH));
            }
        }
        match obj {
            Object::Boolean(b) => self.w.tag(if *b {
                tag::TRUE_OBJECT
            } else {
                tag::FALSE_OBJECT
            }),
            Object::Number(n) => {
                self.w.tag(tag::NUMBER_OBJECT);
                self.w.double(*n);
            }
            Object::BigInt(b) => {
                self.w.tag(tag::BIGINT_OBJECT);
                self.bigint(b);
            }
            Object::String(s) => {
                self.w.tag(tag::STRING_OBJECT);
                self.string(s);
            }
            Object::Date(t) => {
                self.w.tag(tag::DATE);
                self.w.double(*t);
            }
            Object::RegExp { source, flags } => {
                self.w.tag(tag::REGEXP);
                self.string(source);
                self.w.varint(u64::from(flags.0));
            }
            Object::ArrayBuffer(b) => {
                if let Some(i) = self.transferred.iter().position(|t| *t == id) {
                    self.w.tag(tag::ARRAY_BUFFER_TRANSFER);
                    self.w.varint(i as u64);
                } else if b.detached {
                    return Err(CloneError::DetachedArrayBuffer);
                } else if let Some(max) = b.max_byte_length {
                    self.w.tag(tag::RESIZABLE_ARRAY_BUFFER);
                    self.w.varint(b.data.len() as u64);
                    self.w.varint(max as u64);
                    self.w.raw(&b.data);
                } else {
                    self.w.tag(tag::ARRAY_BUFFER);
                    self.w.varint(b.data.len() as u64);
                    self.w.raw(&b.data);
                }
            }
            // HTML `#structuredserializeinternal`: the memory itself is
            // shared (the record holds a reference; the wire, its index).
            Object::SharedArrayBuffer(b) => {
                if !b.is_consistent() {
                    return Err(CloneError::UnsupportedObject(
                        "a SharedArrayBuffer longer than its memory".into(),
                    ));
                }
                let Some(shared) = self.shared.as_deref_mut() else {
                    return Err(CloneError::SharedArrayBuffer);
                };
                self.w.tag(tag::SHARED_ARRAY_BUFFER);
                self.w.varint(shared.len() as u64);
                shared.push(b.clone());
            }
            Object::View(_) => unreachable!("handled above"),
            Object::Map(entries) => {
                self.w.tag(tag::BEGIN_JS_MAP);
                for (k, v) in entries {
                    self.value(k)?;
                    self.value(v)?;
                }
                self.w.tag(tag::END_JS_MAP);
                self.w.varint(2 * entries.len() as u64);
            }
            Object::Set(items) => {
                self.w.tag(tag::BEGIN_JS_SET);
                for v in items {
                    self.value(v)?;
                }
                self.w.tag(tag::END_JS_SET);
                self.w.varint(items.len() as u64);
            }
            Object::Array(a) => {
                let len = a.length as usize;
                let properties = self.g.props(a.properties);
                if a.is_dense(self.g) {
                    self.w.tag(tag::BEGIN_DENSE_JS_ARRAY);
                    self.w.varint(len as u64);
                    let elems = &properties[..len];
                    // V8 keeps an all-number array with a non-Smi element as
                    // doubles, and writes every element as `N`.
                    let doubles = !elems.is_empty()
                        && elems.iter().all(|(_, v)| matches!(v, Value::Number(_)))
                        && elems
                            .iter()
                            .any(|(_, v)| matches!(v, Value::Number(n) if as_smi(*n).is_none()));
                    for (_, v) in elems {
                        match v {
                            Value::Number(n) if doubles => {
                                self.w.tag(tag::DOUBLE);
                                self.w.double(*n);
                            }
                            _ => self.value(v)?,
                        }
                    }
                    let rest = &properties[len..];
                    self.props(rest)?;
                    self.w.tag(tag::END_DENSE_JS_ARRAY);
                    self.w.varint(rest.len() as u64);
                    self.w.varint(len as u64);
                } else {
                    self.w.tag(tag::BEGIN_SPARSE_JS_ARRAY);
                    self.w.varint(len as u64);
                    self.props(properties)?;
                    self.w.tag(tag::END_SPARSE_JS_ARRAY);
                    self.w.varint(properties.len() as u64);
                    self.w.varint(len as u64);
                }
            }
            Object::Object(p) => {
                let props = self.g.props(*p);
                self.w.tag(tag::BEGIN_JS_OBJECT);
                self.props(props)?;
                self.w.tag(tag::END_JS_OBJECT);
                self.w.varint(props.len() as u64);
            }
            Object::Error(e) => {
                self.w.tag(tag::ERROR);
                let proto = match e.name {
                    ErrorName::Error => None,
                    ErrorName::EvalError => Some(error_tag::EVAL_ERROR_PROTOTYPE),
                    ErrorName::RangeError => Some(error_tag::RANGE_ERROR_PROTOTYPE),
                    ErrorName::ReferenceError => Some(error_tag::REFERENCE_ERROR_PROTOTYPE),
                    ErrorName::SyntaxError => Some(error_tag::SYNTAX_ERROR_PROTOTYPE),
                    ErrorName::TypeError => Some(error_tag::TYPE_ERROR_PROTOTYPE),
                    ErrorName::URIError => Some(error_tag::URI_ERROR_PROTOTYPE),
                };
                if let Some(p) = proto {
                    self.w.tag(p);
                }
                if let Some(m) = &e.message {
                    self.w.tag(error_tag::MESSAGE);
                    self.string(m);
                }
                if let Some(c) = &e.cause {
                    self.w.tag(error_tag::CAUSE);
                    self.value(c)?;
                }
                if let Some(s) = &e.stack {
                    self.w.tag(error_tag::STACK);
                    self.string(s);
                }
                self.w.tag(error_tag::END);
            }
            Object::Host(h) => {
                self.w.tag(tag::HOST_OBJECT);
                match h {
                    HostObject::Transferred(n) => {
                        if *n >= self.host_count {
                            return Err(CloneError::MissingTransfer(*n));
                        }
                        self.w.varint(u64::from(host_kind::TRANSFERRED));
                        self.w.varint(u64::from(*n));
                    }
                    HostObject::Blob(b) => {
                        self.w.varint(u64::from(host_kind::BLOB));
                        self.string(&b.mime_type);
                        self.w.varint(b.data.len() as u64);
                        self.w.raw(&b.data);
                    }
                    HostObject::File(f) => {
                        self.w.varint(u64::from(host_kind::FILE));
                        self.string(&f.name);
                        self.w.double(f.last_modified);
                        self.string(&f.blob.mime_type);
                        self.w.varint(f.blob.data.len() as u64);
                        self.w.raw(&f.blob.data);
                    }
                    HostObject::DomException(d) => {
                        self.w.varint(u64::from(host_kind::DOM_EXCEPTION));
                        self.string(&d.name);
                        self.string(&d.message);
                    }
                }
            }
        }
        if container {
            self.depth -= 1;
        }
        Ok(())
    }
}
