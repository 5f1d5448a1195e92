//! StructuredSerializeInternal's JS half (HTML
//! `#structuredserializeinternal`): a JS value to a msgport-clone
//! [`Graph`], with an explicit work list (a deep value cannot overflow the
//! native stack).

#![forbid(unsafe_code)]

use super::{Fail, Serialized};
use crate::engine::classes::{platform_kind, Classes, Kind, Platform, VIEW_KINDS};
use crate::engine::ffi;
use crate::engine::intrinsics::Hooks;
use msgport_clone::{
    check_not_detached, check_transfer_list, Array as GArray, ArrayBuffer as GBuffer, Blob,
    CloneError, DomException, ErrorName, ErrorValue, File, Graph, HostObject, JsString, ListEntry,
    Object as GObject, ObjectId, PropertyKey, Props, RegExpFlags, SharedArrayBuffer as GShared,
    Value as GValue, View,
};
use rquickjs::{ArrayBuffer, Ctx, Object, Type, Value};
use std::collections::HashMap;

struct Walk<'a, 'js> {
    ctx: Ctx<'js>,
    classes: &'a Classes,
    hooks: &'a Hooks<'js>,
    g: Graph,
    memory: HashMap<usize, ObjectId>,
    /// Objects met deeper than [`RECURSION`], to fill after the rest, with
    /// their depth and their container depth.
    work: Vec<(ObjectId, Object<'js>, Kind, usize, usize)>,
    /// Every object met, kept alive so addresses stay unique for the walk.
    keep: Vec<Object<'js>>,
    /// Keys met so far, by atom (keys repeat across objects).
    keys: HashMap<rquickjs::Atom<'js>, (PropertyKey, ffi::OwnedAtom<'js>)>,
    /// Objects being filled, innermost last (see [`RECURSION`]).
    depth: usize,
    /// Containers (objects, arrays, Maps, Sets, Errors) around the value
    /// being read: counted as msgport-clone's encoder and decoders count
    /// them, so that `structuredClone` refuses what `postMessage` refuses
    /// (one limit, [`DEFAULT_MAX_DEPTH`](msgport_clone::DEFAULT_MAX_DEPTH)).
    containers: usize,
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
        containers: 0,
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
    while let Some((id, o, kind, depth, containers)) = w.work.pop() {
        w.depth = depth;
        w.containers = containers;
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
                let container = matches!(
                    kind,
                    Kind::Plain | Kind::Array | Kind::Error | Kind::Map | Kind::Set
                );
                let containers = self.containers + usize::from(container);
                if containers > msgport_clone::DEFAULT_MAX_DEPTH {
                    return Err(CloneError::TooDeep(msgport_clone::DEFAULT_MAX_DEPTH).into());
                }
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
                    let outer = std::mem::replace(&mut self.containers, containers);
                    let r = self.fill(id, o, kind);
                    self.containers = outer;
                    self.depth -= 1;
                    r?;
                } else {
                    self.work.push((id, o, kind, self.depth + 1, containers));
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
            Kind::SharedArrayBuffer => self.shared_array_buffer(o, &read)?,
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
            Kind::ArrayBuffer => self.array_buffer(o, &read)?,
            Kind::View(k) => self.view(o, k, &read)?,
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
            Kind::Error => self.error(o, &read)?,
            Kind::DomException => self.dom_exception(o, &read)?,
        };
        self.g.objects[id.0 as usize] = obj;
        Ok(())
    }

    /// An ArrayBuffer, its bytes copied.
    fn array_buffer(
        &mut self,
        o: Object<'js>,
        read: &rquickjs::Function<'js>,
    ) -> Result<GObject, Fail> {
        let ab = ArrayBuffer::from_object(o.clone())
            .ok_or_else(|| CloneError::UnsupportedObject("ArrayBuffer".into()))?;
        let info: rquickjs::Array = read.call((3, o))?;
        let max: f64 = info.get(1)?;
        let Some(bytes) = ffi::array_buffer_copy(&ab) else {
            return Err(CloneError::DetachedArrayBuffer.into());
        };
        Ok(GObject::ArrayBuffer(GBuffer {
            data: bytes.into(),
            max_byte_length: (max >= 0.0).then_some(max as usize),
            detached: false,
        }))
    }

    /// A SharedArrayBuffer: a reference to its memory, never a copy (HTML
    /// `#structuredserializeinternal`; a runtime is cross-origin isolated
    /// and nothing here is for storage, so the steps' two refusals never
    /// apply).
    fn shared_array_buffer(
        &mut self,
        o: Object<'js>,
        read: &rquickjs::Function<'js>,
    ) -> Result<GObject, Fail> {
        let value = o.clone().into_value();
        let (block, byte_length) = crate::engine::shared::block_of(&self.ctx, &value)
            .ok_or(CloneError::SharedArrayBuffer)?;
        let max: f64 = read.call((10, o))?;
        Ok(GObject::SharedArrayBuffer(GShared {
            block,
            byte_length,
            max_byte_length: (max >= 0.0).then_some(max as usize),
        }))
    }

    /// A view (index `k` of the view kinds) over an ArrayBuffer.
    fn view(
        &mut self,
        o: Object<'js>,
        k: u8,
        read: &rquickjs::Function<'js>,
    ) -> Result<GObject, Fail> {
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
        Ok(GObject::View(View {
            kind: VIEW_KINDS[k as usize],
            buffer,
            byte_offset: byte_offset as usize,
            byte_length: byte_length as usize,
            length_tracking,
        }))
    }

    /// An Error: its name, message, stack and cause.
    fn error(&mut self, o: Object<'js>, read: &rquickjs::Function<'js>) -> Result<GObject, Fail> {
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
        Ok(GObject::Error(Box::new(ErrorValue {
            name: ErrorName::from_name(&name),
            message: message.map(|m| self.string(&m)).transpose()?,
            stack: stack.map(|s| self.string(&s)).transpose()?,
            cause,
        })))
    }

    /// A DOMException: its name and message.
    fn dom_exception(
        &mut self,
        o: Object<'js>,
        read: &rquickjs::Function<'js>,
    ) -> Result<GObject, Fail> {
        let info: rquickjs::Array = read.call((9, o))?;
        let name: rquickjs::String = info.get(0)?;
        let message: rquickjs::String = info.get(1)?;
        Ok(GObject::Host(HostObject::DomException(Box::new(
            DomException {
                name: self.string(&name)?,
                message: self.string(&message)?,
            },
        ))))
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
