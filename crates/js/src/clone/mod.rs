//! JavaScript values to and from msgport-clone's [`Graph`]: the JS half of
//! StructuredSerializeInternal and StructuredDeserialize
//! (HTML `#structuredserializeinternal`, `#structureddeserialize`).
//!
//! The rules of what may be cloned are the standard's; the graph's wire
//! format is msgport-clone's business. Built-in internal slots are read
//! through the helpers of `prelude/clone.js` (original methods, captured
//! before user code ran). Both directions use explicit work lists, so a deep
//! value cannot overflow the native stack.
#![forbid(unsafe_code)]

use crate::engine::classes::{platform_kind, Classes, Kind, Platform, VIEW_KINDS};
use crate::engine::ffi::{self, PropKey};
use crate::engine::intrinsics::Hooks;
use msgport_clone::{
    check_not_detached, check_transfer_list, Array as GArray, ArrayBuffer as GBuffer, Blob,
    CloneError, DataBlock, DomException, ErrorName, ErrorValue, File, Graph, HostObject, JsString,
    ListEntry, Object as GObject, ObjectId, PropertyKey, Props, RegExpFlags, Value as GValue, View,
};
use rquickjs::{ArrayBuffer, Ctx, Object, Type, Value};
use std::collections::hash_map::{Entry, HashMap};

/// Why a clone failed: a DataCloneError, or an exception thrown by user
/// code (a getter) during the walk, which propagates as it is.
#[derive(Debug)]
pub(crate) enum Fail {
    Clone(CloneError),
    Js(rquickjs::Error),
}

impl From<rquickjs::Error> for Fail {
    fn from(e: rquickjs::Error) -> Self {
        Fail::Js(e)
    }
}
impl From<CloneError> for Fail {
    fn from(e: CloneError) -> Self {
        Fail::Clone(e)
    }
}

/// A serialized JS value: the graph, and the transfer list resolved.
/// Transferred ArrayBuffers are still attached, their graph objects empty,
/// until [`Serialized::detach_buffers`].
pub(crate) struct Serialized<'js> {
    pub graph: Graph,
    /// Transferred ports: the JS object and its native id, in list order.
    pub ports: Vec<(Object<'js>, i32)>,
    /// Transferred ArrayBuffers: the JS object and its graph object.
    pub buffers: Vec<(ArrayBuffer<'js>, ObjectId)>,
}

impl Serialized<'_> {
    /// The transfer steps of the transferred ArrayBuffers
    /// (`#structuredserializewithtransfer`, the loop over transfer data
    /// holders): each buffer's bytes move into its graph object, without a
    /// copy where the engine allows (`ffi::take_array_buffer`), and the
    /// buffer is detached. Call only once nothing can fail the message.
    pub(crate) fn detach_buffers(&mut self) {
        for (ab, id) in self.buffers.drain(..) {
            let data = ffi::take_array_buffer(&ab).unwrap_or_else(|| {
                let bytes = ffi::array_buffer_copy(&ab).unwrap_or_default();
                let mut ab = ab;
                ab.detach();
                bytes.into()
            });
            if let Some(GObject::ArrayBuffer(b)) = self.graph.get_mut(id) {
                b.data = data;
            }
        }
    }
}

struct Walk<'a, 'js> {
    ctx: Ctx<'js>,
    classes: &'a Classes,
    hooks: &'a Hooks<'js>,
    g: Graph,
    memory: HashMap<usize, ObjectId>,
    /// Objects met deeper than [`RECURSION`], to fill after the rest.
    work: Vec<(ObjectId, Object<'js>, Kind)>,
    /// Every object met, kept alive so addresses stay unique for the walk.
    keep: Vec<Object<'js>>,
    /// Keys met so far, by atom (keys repeat across objects).
    keys: HashMap<rquickjs::Atom<'js>, (PropertyKey, ffi::OwnedAtom<'js>)>,
    /// Objects being filled, innermost last (see [`RECURSION`]).
    depth: usize,
}

/// How deep the serializer recurses into objects before it queues them.
const RECURSION: usize = 256;

/// StructuredSerializeWithTransfer's JS half (`#structuredserializewithtransfer`):
/// validates `transfer`, walks `value` into a graph, then checks the
/// transferables for detachment. Nothing is detached here.
pub(crate) fn serialize<'js>(
    ctx: &Ctx<'js>,
    classes: &Classes,
    hooks: &Hooks<'js>,
    value: Value<'js>,
    transfer: &[Value<'js>],
) -> Result<Serialized<'js>, Fail> {
    let mut w = Walk {
        ctx: ctx.clone(),
        classes,
        hooks,
        g: Graph::default(),
        memory: HashMap::new(),
        work: Vec::new(),
        keep: Vec::new(),
        keys: HashMap::new(),
        depth: 0,
    };
    let mut ports = Vec::new();
    let mut buffers = Vec::new();
    // Step 2 of StructuredSerializeWithTransfer, by the one validator
    // (msgport_clone::check_transfer_list); a port is told by its native
    // class, whatever its prototype.
    let entries: Vec<ListEntry<usize>> = transfer
        .iter()
        .map(|t| match t.as_object() {
            None => ListEntry::NotTransferable,
            Some(o) => {
                let addr = ffi::object_address(o);
                if crate::engine::native::port_id(o).is_some() {
                    return ListEntry::Platform(addr);
                }
                match classes.of(t) {
                    Kind::ArrayBuffer => ListEntry::ArrayBuffer(addr),
                    Kind::SharedArrayBuffer => ListEntry::SharedArrayBuffer,
                    _ => ListEntry::NotTransferable,
                }
            }
        })
        .collect();
    check_transfer_list(&entries)?;
    for (t, entry) in transfer.iter().zip(&entries) {
        let o = t.as_object().expect("checked above");
        let id = match entry {
            ListEntry::Platform(_) => {
                let n = ports.len() as u32;
                let pid = crate::engine::native::port_id(o).unwrap_or(-1);
                ports.push((o.clone(), pid));
                w.g.alloc(GObject::Host(HostObject::Transferred(n)))
            }
            _ => {
                let ab = ArrayBuffer::from_object(o.clone())
                    .ok_or(CloneError::NotTransferable { index: 0 })?;
                let id = w.g.alloc(GObject::ArrayBuffer(GBuffer::default()));
                buffers.push((ab, id));
                id
            }
        };
        w.memory.insert(ffi::object_address(o), id);
        w.keep.push(o.clone());
    }
    let root = w.value(value)?;
    w.g.root = root;
    while let Some((id, o, kind)) = w.work.pop() {
        w.fill(id, o, kind)?;
    }
    // Step 4's checks, after serialization (a getter may have detached an
    // entry meanwhile), by the same validator.
    check_not_detached(&entries, |index| {
        let o = transfer[index].as_object().expect("checked above");
        match crate::engine::native::port_id(o) {
            Some(pid) => pid < 0,
            None => ArrayBuffer::from_object(o.clone()).is_none_or(|ab| ffi::is_detached(&ab)),
        }
    })?;
    for (ab, id) in &buffers {
        let info: rquickjs::Array = hooks.read()?.call((3, ab.as_object().clone()))?;
        let max: f64 = info.get(1)?;
        if let Some(GObject::ArrayBuffer(b)) = w.g.get_mut(*id) {
            b.max_byte_length = (max >= 0.0).then_some(max as usize);
        }
    }
    Ok(Serialized {
        graph: w.g,
        ports,
        buffers,
    })
}

impl<'js> Walk<'_, 'js> {
    /// A JS string: UTF-8 when it is well-formed, else its UTF-16 code
    /// units (lone surrogates survive, HTML `#structuredserializeinternal`).
    fn string(&self, s: &rquickjs::String<'js>) -> Result<JsString, Fail> {
        match s.to_string() {
            Ok(text) => Ok(JsString::from(text.as_str())),
            Err(_) => {
                let units: rquickjs::TypedArray<u16> =
                    self.hooks.code_units()?.call((s.clone(),))?;
                Ok(JsString::from_utf16(&ffi::typed_array_u16(&units)))
            }
        }
    }

    /// A value: primitives directly, objects by reference (memory map).
    fn value(&mut self, v: Value<'js>) -> Result<GValue, Fail> {
        Ok(match v.type_of() {
            Type::Undefined | Type::Uninitialized => GValue::Undefined,
            Type::Null => GValue::Null,
            Type::Bool => GValue::Bool(v.as_bool().unwrap_or(false)),
            Type::Int => GValue::Number(f64::from(v.as_int().unwrap_or(0))),
            Type::Float => GValue::Number(v.as_float().unwrap_or(f64::NAN)),
            Type::String => GValue::String(self.string(v.as_string().expect("a string"))?),
            Type::BigInt => {
                let hex: String = self.hooks.read()?.call((7, v))?;
                GValue::BigInt(Box::new(parse_hex_bigint(&hex)?))
            }
            Type::Symbol => return Err(CloneError::Symbol.into()),
            Type::Function | Type::Constructor => return Err(CloneError::Function.into()),
            _ => {
                let Some(o) = v.into_object() else {
                    return Err(CloneError::UnsupportedObject("value".into()).into());
                };
                let addr = ffi::object_address(&o);
                if let Some(id) = self.memory.get(&addr) {
                    return Ok(GValue::Object(*id));
                }
                let kind = self.classes.of(&o);
                let id = self.g.alloc(GObject::Object(Props::default()));
                self.memory.insert(addr, id);
                self.keep.push(o.clone());
                // Depth first, as the standard's recursion: an object's
                // contents (and so its getters) are read before its
                // parent's next property. Beyond `RECURSION` levels the
                // rest waits in a work list instead of growing the native
                // stack (only getters that deep could tell the difference).
                if self.depth < RECURSION {
                    self.depth += 1;
                    let r = self.fill(id, o, kind);
                    self.depth -= 1;
                    r?;
                } else {
                    self.work.push((id, o, kind));
                }
                GValue::Object(id)
            }
        })
    }

    /// Own enumerable string-keyed properties, read with `[[Get]]`.
    fn own_properties(&mut self, o: &Object<'js>) -> Result<Vec<(PropertyKey, GValue)>, Fail> {
        let mut out = Vec::new();
        let keys: Vec<rquickjs::Atom> = o
            .own_keys(rquickjs::object::Filter::new().string().enum_only())
            .collect::<rquickjs::Result<_>>()?;
        for atom in keys {
            // A property deleted by an earlier getter is skipped
            // (`#structuredserializeinternal`: "if ! HasOwnProperty(value, key)").
            let (key, present) = match self.keys.get(&atom) {
                Some((k, owned)) => (k.clone(), ffi::has_own_property(&self.ctx, o, owned)?),
                None => {
                    let key_value = atom.to_value()?;
                    let key = match key_value.as_string() {
                        Some(s) => self.string(s)?,
                        None => JsString::from(atom.to_string()?.as_str()),
                    };
                    let key = match key.as_array_index() {
                        Some(i) => PropertyKey::Index(i),
                        None => PropertyKey::String(key),
                    };
                    let owned = ffi::OwnedAtom::from_value(&self.ctx, &key_value)?;
                    let present = ffi::has_own_property(&self.ctx, o, &owned)?;
                    self.keys.insert(atom.clone(), (key.clone(), owned));
                    (key, present)
                }
            };
            if !present {
                continue;
            }
            let v: Value = o.get(atom)?;
            let gv = self.value(v)?;
            out.push((key, gv));
        }
        Ok(out)
    }

    /// Serializes one object's contents into its placeholder.
    fn fill(&mut self, id: ObjectId, o: Object<'js>, kind: Kind) -> Result<(), Fail> {
        let read = self.hooks.read()?.clone();
        // A port or an event is told by its native class, whatever a
        // script made of its prototype.
        let interface = if kind == Kind::Plain {
            crate::engine::native::platform_interface(&o)
        } else {
            None
        };
        let obj = match kind {
            Kind::Other => {
                let what = if o.is_function() {
                    "function"
                } else {
                    "object"
                };
                return Err(
                    CloneError::UnsupportedObject(format!("#<{}>", class_name(&o, what))).into(),
                );
            }
            Kind::SharedArrayBuffer => return Err(CloneError::SharedArrayBuffer.into()),
            Kind::Plain if interface.is_some() => {
                let name = interface.unwrap_or("platform");
                return Err(CloneError::NotSerializable(name.into()).into());
            }
            Kind::Plain
                if o.get_prototype()
                    .is_some_and(|p| ffi::object_address(&p) == self.hooks.object_proto()) =>
            {
                let props = self.own_properties(&o)?;
                GObject::Object(self.g.new_props(props))
            }
            Kind::Plain => match platform_kind(self.classes, self.hooks, &o)? {
                Platform::None => {
                    let props = self.own_properties(&o)?;
                    GObject::Object(self.g.new_props(props))
                }
                Platform::Blob(parts) => GObject::Host(blob_of(&parts)?),
                Platform::Other => {
                    return Err(CloneError::NotSerializable(class_name(&o, "platform")).into())
                }
            },
            Kind::Array => {
                let length: u32 = o.get::<_, f64>("length")? as u32;
                let props = self.own_properties(&o)?;
                GObject::Array(GArray {
                    length,
                    properties: self.g.new_props(props),
                })
            }
            Kind::Wrapper(sub) => {
                let v: Value = read.call((0, o, sub))?;
                match sub {
                    0 => GObject::Number(v.as_number().unwrap_or(f64::NAN)),
                    1 => GObject::String(self.string(v.as_string().expect("string value"))?),
                    2 => GObject::Boolean(v.as_bool().unwrap_or(false)),
                    _ => {
                        let hex: String = read.call((7, v))?;
                        GObject::BigInt(Box::new(parse_hex_bigint(&hex)?))
                    }
                }
            }
            Kind::Date => GObject::Date(read.call((1, o))?),
            Kind::RegExp => {
                let pair: rquickjs::Array = read.call((2, o))?;
                let source: rquickjs::String = pair.get(0)?;
                let flags: String = pair.get(1)?;
                GObject::RegExp {
                    source: self.string(&source)?,
                    flags: RegExpFlags::parse(&flags).unwrap_or_default(),
                }
            }
            Kind::ArrayBuffer => {
                let ab = ArrayBuffer::from_object(o.clone())
                    .ok_or_else(|| CloneError::UnsupportedObject("ArrayBuffer".into()))?;
                let info: rquickjs::Array = read.call((3, o))?;
                let max: f64 = info.get(1)?;
                let Some(bytes) = ffi::array_buffer_copy(&ab) else {
                    return Err(CloneError::DetachedArrayBuffer.into());
                };
                GObject::ArrayBuffer(GBuffer {
                    data: bytes.into(),
                    max_byte_length: (max >= 0.0).then_some(max as usize),
                    detached: false,
                })
            }
            Kind::View(k) => {
                if k < 12 && !ffi::typed_array_in_bounds(&self.ctx, &o) {
                    return Err(CloneError::OutOfBoundsView.into());
                }
                let info: Option<rquickjs::Array> = read.call((4, o, k))?;
                let info = info.ok_or(CloneError::OutOfBoundsView)?;
                let buffer: Value = info.get(0)?;
                let byte_offset: f64 = info.get(1)?;
                let byte_length: f64 = info.get(2)?;
                let length_tracking: bool = info.get(3)?;
                let GValue::Object(buffer) = self.value(buffer)? else {
                    return Err(CloneError::OutOfBoundsView.into());
                };
                GObject::View(View {
                    kind: VIEW_KINDS[k as usize],
                    buffer,
                    byte_offset: byte_offset as usize,
                    byte_length: byte_length as usize,
                    length_tracking,
                })
            }
            Kind::Map => {
                let flat: rquickjs::Array = read.call((5, o))?;
                let mut entries = Vec::with_capacity(flat.len() / 2);
                let mut it = flat.iter::<Value>();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    let k = self.value(k?)?;
                    let v = self.value(v?)?;
                    entries.push((k, v));
                }
                GObject::Map(entries)
            }
            Kind::Set => {
                let values: rquickjs::Array = read.call((6, o))?;
                let mut out = Vec::with_capacity(values.len());
                for v in values.iter::<Value>() {
                    out.push(self.value(v?)?);
                }
                GObject::Set(out)
            }
            Kind::Error => {
                let info: rquickjs::Array = read.call((8, o))?;
                let name: String = info.get(0)?;
                let message: Option<rquickjs::String> = info.get(1)?;
                let stack: Option<rquickjs::String> = info.get(2)?;
                let has_cause: bool = info.get(3)?;
                let cause = if has_cause {
                    Some(self.value(info.get(4)?)?)
                } else {
                    None
                };
                GObject::Error(Box::new(ErrorValue {
                    name: ErrorName::from_name(&name),
                    message: message.map(|m| self.string(&m)).transpose()?,
                    stack: stack.map(|s| self.string(&s)).transpose()?,
                    cause,
                }))
            }
            Kind::DomException => {
                let info: rquickjs::Array = read.call((9, o))?;
                let name: rquickjs::String = info.get(0)?;
                let message: rquickjs::String = info.get(1)?;
                GObject::Host(HostObject::DomException(Box::new(DomException {
                    name: self.string(&name)?,
                    message: self.string(&message)?,
                })))
            }
        };
        self.g.objects[id.0 as usize] = obj;
        Ok(())
    }
}

fn class_name(o: &Object<'_>, fallback: &str) -> String {
    o.get::<_, Object>("constructor")
        .and_then(|c| c.get::<_, String>("name"))
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

fn blob_of(parts: &rquickjs::Array<'_>) -> Result<HostObject, Fail> {
    let bytes: rquickjs::TypedArray<u8> = parts.get(0)?;
    let data = ffi::typed_array_bytes(&bytes);
    let mime_type: String = parts.get(1)?;
    let name: Option<String> = parts.get(2)?;
    let blob = Blob {
        mime_type: JsString::from(mime_type.as_str()),
        data,
    };
    Ok(match name {
        None => HostObject::Blob(Box::new(blob)),
        Some(name) => HostObject::File(Box::new(File {
            name: JsString::from(name.as_str()),
            last_modified: parts.get(3)?,
            blob,
        })),
    })
}

fn parse_hex_bigint(hex: &str) -> Result<msgport_clone::BigInt, CloneError> {
    let (neg, digits) = match hex.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, hex),
    };
    let n = msgport_clone::BigInt::parse_bytes(digits.as_bytes(), 16)
        .ok_or_else(|| CloneError::Custom(format!("bad BigInt {hex}")))?;
    Ok(if neg { -n } else { n })
}

/// StructuredDeserialize's JS half: makes the JS value of `g`. `ports` are
/// the received ports' JS objects (`HostObject::Transferred(n)` is
/// `ports[n]`). Two passes: every object is made empty first, then filled,
/// so cycles and shared references need no recursion.
pub(crate) fn deserialize<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    g: &mut Graph,
    ports: &[Object<'js>],
) -> Result<Value<'js>, Fail> {
    let n = g.objects.len();
    let mut made: Vec<Option<Value<'js>>> = vec![None; n];
    // Buffers move into the new ArrayBuffers (no copy); the graph keeps
    // empty ones.
    let mut buffers: Vec<DataBlock> = g
        .objects
        .iter_mut()
        .map(|o| match o {
            GObject::ArrayBuffer(b) => std::mem::take(&mut b.data),
            _ => DataBlock::new(),
        })
        .collect();
    let g: &Graph = g;
    let make = &hooks.make()?;
    // Pass 1a: everything but views (which need their buffer).
    for (i, o) in g.objects.iter().enumerate() {
        let v: Value = match o {
            GObject::Object(_) => Object::new(ctx.clone())?.into_value(),
            // As a double: a length of 2^31 or more is not an i32.
            GObject::Array(a) => make.call((9, f64::from(a.length)))?,
            GObject::Boolean(b) => make.call((0, 2, *b))?,
            GObject::Number(x) => make.call((0, 0, *x))?,
            GObject::String(s) => {
                let s = js_string(ctx, hooks, s)?;
                make.call((0, 1, s))?
            }
            GObject::BigInt(b) => {
                let prim = js_bigint(hooks, b)?;
                make.call((0, 3, prim))?
            }
            GObject::Date(t) => make.call((1, *t))?,
            GObject::RegExp { source, flags } => {
                let s = js_string(ctx, hooks, source)?;
                make.call((2, s, flags.to_string()))?
            }
            GObject::ArrayBuffer(b) => {
                if b.detached {
                    return Err(CloneError::DetachedArrayBuffer.into());
                }
                let block = std::mem::take(&mut buffers[i]);
                match b.max_byte_length {
                    // Resizable: made over the block, growing through it.
                    Some(max) if max >= block.len() && max > 0 => {
                        ffi::array_buffer_from_block(ctx, block, Some(max))?.into_value()
                    }
                    Some(max) => {
                        let ab = ffi::array_buffer_from_block(ctx, block, None)?;
                        make.call((3, ab, max as f64))?
                    }
                    None => ffi::array_buffer_from_block(ctx, block, None)?.into_value(),
                }
            }
            GObject::View(_) => continue,
            GObject::Map(_) => make.call((5,))?,
            GObject::Set(_) => make.call((6,))?,
            GObject::Error(e) => {
                let message = e
                    .message
                    .as_ref()
                    .map(|m| js_string(ctx, hooks, m))
                    .transpose()?;
                let stack = e
                    .stack
                    .as_ref()
                    .map(|m| js_string(ctx, hooks, m))
                    .transpose()?;
                make.call((8, e.name.as_str(), message, stack))?
            }
            GObject::Host(HostObject::Transferred(k)) => ports
                .get(*k as usize)
                .cloned()
                .ok_or(CloneError::MissingTransfer(*k))?
                .into_value(),
            GObject::Host(HostObject::DomException(d)) => {
                let name = js_string(ctx, hooks, &d.name)?;
                let message = js_string(ctx, hooks, &d.message)?;
                make.call((11, name, message))?
            }
            GObject::Host(HostObject::Blob(b)) => {
                let ab = ArrayBuffer::new(ctx.clone(), b.data.clone())?;
                hooks
                    .make_blob()?
                    .call((ab, b.mime_type.to_string_lossy().as_ref()))?
            }
            GObject::Host(HostObject::File(f)) => {
                let ab = ArrayBuffer::new(ctx.clone(), f.blob.data.clone())?;
                hooks.make_blob()?.call((
                    ab,
                    f.blob.mime_type.to_string_lossy().as_ref(),
                    f.name.to_string_lossy().as_ref(),
                    f.last_modified,
                ))?
            }
        };
        made[i] = Some(v);
    }
    // Pass 1b: views over their (already made) buffers.
    for (i, o) in g.objects.iter().enumerate() {
        if let GObject::View(view) = o {
            let buffer = made
                .get(view.buffer.0 as usize)
                .cloned()
                .flatten()
                .ok_or(CloneError::InvalidReference(view.buffer.0))?;
            let k = VIEW_KINDS.iter().position(|x| *x == view.kind).unwrap_or(1);
            let v: Value = make.call((
                4,
                k as u32,
                buffer,
                view.byte_offset as f64,
                view.byte_length as f64,
                view.length_tracking,
            ))?;
            made[i] = Some(v);
        }
    }
    let get = |id: ObjectId, made: &[Option<Value<'js>>]| -> Result<Value<'js>, Fail> {
        made.get(id.0 as usize)
            .cloned()
            .flatten()
            .ok_or(Fail::Clone(CloneError::InvalidReference(id.0)))
    };
    let to_js = |v: &GValue, made: &[Option<Value<'js>>]| -> Result<Value<'js>, Fail> {
        Ok(match v {
            GValue::Undefined => Value::new_undefined(ctx.clone()),
            GValue::Null => Value::new_null(ctx.clone()),
            GValue::Bool(b) => Value::new_bool(ctx.clone(), *b),
            GValue::Number(x) => number(ctx, *x),
            GValue::BigInt(b) => js_bigint(hooks, b)?,
            GValue::String(s) => js_string(ctx, hooks, s)?,
            GValue::Object(id) => get(*id, made)?,
        })
    };
    // Pass 2: contents. Keys repeat across objects: one atom per key.
    let mut atoms: HashMap<&str, ffi::OwnedAtom<'js>> = HashMap::new();
    for (i, o) in g.objects.iter().enumerate() {
        let target = made[i].clone().and_then(|v| v.into_object());
        let Some(target) = target else { continue };
        match o {
            GObject::Object(p) | GObject::Array(GArray { properties: p, .. }) => {
                for (k, v) in g.props(*p) {
                    let v = to_js(v, &made)?;
                    match k {
                        PropertyKey::Index(i) => {
                            ffi::define_data_property(ctx, &target, PropKey::Index(*i), &v)?
                        }
                        PropertyKey::String(s) => match s.as_str() {
                            Some(s) => {
                                let atom = match atoms.entry(s) {
                                    Entry::Occupied(e) => e.into_mut(),
                                    Entry::Vacant(e) => e.insert(ffi::OwnedAtom::from_str(ctx, s)?),
                                };
                                ffi::define_data_property_atom(ctx, &target, atom, &v)?
                            }
                            None => {
                                let key = js_string(ctx, hooks, s)?;
                                ffi::define_data_property(ctx, &target, PropKey::Value(&key), &v)?
                            }
                        },
                    }
                }
            }
            GObject::Map(entries) => {
                for (k, v) in entries {
                    let k = to_js(k, &made)?;
                    let v = to_js(v, &made)?;
                    hooks.map_set()?.call::<_, ()>((target.clone(), k, v))?;
                }
            }
            GObject::Set(values) => {
                for v in values {
                    let v = to_js(v, &made)?;
                    hooks.set_add()?.call::<_, ()>((target.clone(), v))?;
                }
            }
            GObject::Error(e) => {
                if let Some(c) = &e.cause {
                    let c = to_js(c, &made)?;
                    hooks.error_cause()?.call::<_, ()>((target.clone(), c))?;
                }
            }
            _ => {}
        }
    }
    to_js(&g.root, &made)
}

fn js_string<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, s: &JsString) -> Result<Value<'js>, Fail> {
    match s.as_str() {
        Some(text) => Ok(rquickjs::String::from_str(ctx.clone(), text)?.into_value()),
        None => {
            let units = rquickjs::TypedArray::<u16>::new(ctx.clone(), s.to_utf16())?;
            Ok(hooks.make()?.call((10, units))?)
        }
    }
}

fn js_bigint<'js>(hooks: &Hooks<'js>, b: &msgport_clone::BigInt) -> Result<Value<'js>, Fail> {
    let neg = b.sign() == num_bigint::Sign::Minus;
    let hex = b.magnitude().to_str_radix(16);
    Ok(hooks.make()?.call((7, neg, hex))?)
}

/// A JS number: an int when it is one (not -0), else a float.
fn number<'js>(ctx: &Ctx<'js>, x: f64) -> Value<'js> {
    if x.fract() == 0.0 && x.abs() <= f64::from(i32::MAX) && !(x == 0.0 && x.is_sign_negative()) {
        Value::new_int(ctx.clone(), x as i32)
    } else {
        Value::new_float(ctx.clone(), x)
    }
}
