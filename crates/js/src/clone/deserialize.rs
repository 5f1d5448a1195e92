//! StructuredDeserialize's JS half (HTML `#structureddeserialize`): the JS
//! value of a msgport-clone [`Graph`]. Two passes: every object is made
//! empty first ([`Builder::shell`], views last, over their buffers), then
//! filled ([`Builder::fill`]), so cycles and shared references need no
//! recursion.

#![forbid(unsafe_code)]

use super::{js_bigint, js_string, number, Fail};
use crate::engine::classes::VIEW_KINDS;
use crate::engine::ffi::{self, PropKey};
use crate::engine::intrinsics::Hooks;
use msgport_clone::{
    Array as GArray, CloneError, DataBlock, Graph, HostObject, Object as GObject, ObjectId,
    PropertyKey, Value as GValue,
};
use rquickjs::{ArrayBuffer, Ctx, Function, Object, Value};
use std::collections::hash_map::{Entry, HashMap};

/// The JS value of `g`. `ports` are the received ports' JS objects
/// (`HostObject::Transferred(n)` is `ports[n]`).
pub(crate) fn deserialize<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    g: &mut Graph,
    ports: &[Object<'js>],
) -> Result<Value<'js>, Fail> {
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
    let mut b = Builder {
        ctx,
        hooks,
        make: hooks.make()?.clone(),
        made: vec![None; g.objects.len()],
        atoms: HashMap::new(),
    };
    // Pass 1: every object made empty; views after their buffers.
    for (i, o) in g.objects.iter().enumerate() {
        if !matches!(o, GObject::View(_)) {
            let v = b.shell(o, &mut buffers[i], ports)?;
            b.made[i] = Some(v);
        }
    }
    for (i, o) in g.objects.iter().enumerate() {
        if let GObject::View(view) = o {
            let buffer = b.get(view.buffer)?;
            let k = VIEW_KINDS.iter().position(|x| *x == view.kind).unwrap_or(1);
            let v: Value = b.make.call((
                4,
                k as u32,
                buffer,
                view.byte_offset as f64,
                view.byte_length as f64,
                view.length_tracking,
            ))?;
            b.made[i] = Some(v);
        }
    }
    // Pass 2: contents.
    for (i, o) in g.objects.iter().enumerate() {
        if let Some(target) = b.made[i].clone().and_then(|v| v.into_object()) {
            b.fill(g, o, &target)?;
        }
    }
    b.to_js(&g.root)
}

/// The objects made so far, and what making them needs.
struct Builder<'a, 'js> {
    ctx: &'a Ctx<'js>,
    hooks: &'a Hooks<'js>,
    /// The prelude's maker of built-in objects (`prelude/clone.js`).
    make: Function<'js>,
    /// The JS object of each graph object, once made.
    made: Vec<Option<Value<'js>>>,
    /// Keys repeat across objects: one atom per key.
    atoms: HashMap<&'a str, ffi::OwnedAtom<'js>>,
}

impl<'a, 'js> Builder<'a, 'js> {
    /// The JS object of the graph object `id`.
    fn get(&self, id: ObjectId) -> Result<Value<'js>, Fail> {
        self.made
            .get(id.0 as usize)
            .cloned()
            .flatten()
            .ok_or(Fail::Clone(CloneError::InvalidReference(id.0)))
    }

    /// The JS value of a graph value (its objects made already).
    fn to_js(&self, v: &GValue) -> Result<Value<'js>, Fail> {
        let ctx = self.ctx;
        Ok(match v {
            GValue::Undefined => Value::new_undefined(ctx.clone()),
            GValue::Null => Value::new_null(ctx.clone()),
            GValue::Bool(b) => Value::new_bool(ctx.clone(), *b),
            GValue::Number(x) => number(ctx, *x),
            GValue::BigInt(b) => js_bigint(self.hooks, b)?,
            GValue::String(s) => js_string(ctx, self.hooks, s)?,
            GValue::Object(id) => self.get(*id)?,
        })
    }

    fn string(&self, s: &msgport_clone::JsString) -> Result<Value<'js>, Fail> {
        js_string(self.ctx, self.hooks, s)
    }

    /// A new JS object for `o`, without its contents (a view's is made
    /// by the caller, after its buffer).
    fn shell(
        &self,
        o: &GObject,
        buffer: &mut DataBlock,
        ports: &[Object<'js>],
    ) -> Result<Value<'js>, Fail> {
        let (ctx, make) = (self.ctx, &self.make);
        Ok(match o {
            GObject::Object(_) => Object::new(ctx.clone())?.into_value(),
            // As a double: a length of 2^31 or more is not an i32.
            GObject::Array(a) => make.call((9, f64::from(a.length)))?,
            GObject::Boolean(b) => make.call((0, 2, *b))?,
            GObject::Number(x) => make.call((0, 0, *x))?,
            GObject::String(s) => make.call((0, 1, self.string(s)?))?,
            GObject::BigInt(b) => make.call((0, 3, js_bigint(self.hooks, b)?))?,
            GObject::Date(t) => make.call((1, *t))?,
            GObject::RegExp { source, flags } => {
                make.call((2, self.string(source)?, flags.to_string()))?
            }
            GObject::ArrayBuffer(b) => {
                if b.detached {
                    return Err(CloneError::DetachedArrayBuffer.into());
                }
                self.array_buffer(std::mem::take(buffer), b.max_byte_length)?
            }
            // The same memory, in this realm (its agent cluster was
            // checked when the record was decoded).
            GObject::SharedArrayBuffer(b) => {
                crate::engine::shared::new_shared_array_buffer(ctx, b)?
            }
            GObject::View(_) => unreachable!("views are made after their buffers"),
            GObject::Map(_) => make.call((5,))?,
            GObject::Set(_) => make.call((6,))?,
            GObject::Error(e) => {
                let message = e.message.as_ref().map(|m| self.string(m)).transpose()?;
                let stack = e.stack.as_ref().map(|m| self.string(m)).transpose()?;
                make.call((8, e.name.as_str(), message, stack))?
            }
            GObject::Host(h) => self.host_object(h, ports)?,
        })
    }

    /// An ArrayBuffer over `block`'s bytes; resizable up to `max`.
    fn array_buffer(&self, block: DataBlock, max: Option<usize>) -> Result<Value<'js>, Fail> {
        let ctx = self.ctx;
        Ok(match max {
            // Resizable: made over the block, growing through it.
            Some(max) if max >= block.len() && max > 0 => {
                ffi::array_buffer_from_block(ctx, block, Some(max))?.into_value()
            }
            Some(max) => {
                let ab = ffi::array_buffer_from_block(ctx, block, None)?;
                self.make.call((3, ab, max as f64))?
            }
            None => ffi::array_buffer_from_block(ctx, block, None)?.into_value(),
        })
    }

    /// A platform object: a transferred port, a DOMException, a Blob, a File.
    fn host_object(&self, h: &HostObject, ports: &[Object<'js>]) -> Result<Value<'js>, Fail> {
        let ctx = self.ctx;
        Ok(match h {
            HostObject::Transferred(k) => ports
                .get(*k as usize)
                .cloned()
                .ok_or(CloneError::MissingTransfer(*k))?
                .into_value(),
            HostObject::DomException(d) => {
                let name = self.string(&d.name)?;
                let message = self.string(&d.message)?;
                self.make.call((11, name, message))?
            }
            HostObject::Blob(b) => {
                let ab = ArrayBuffer::new(ctx.clone(), b.data.clone())?;
                self.hooks
                    .make_blob()?
                    .call((ab, b.mime_type.to_string_lossy().as_ref()))?
            }
            HostObject::File(f) => {
                let ab = ArrayBuffer::new(ctx.clone(), f.blob.data.clone())?;
                self.hooks.make_blob()?.call((
                    ab,
                    f.blob.mime_type.to_string_lossy().as_ref(),
                    f.name.to_string_lossy().as_ref(),
                    f.last_modified,
                ))?
            }
        })
    }

    /// Fills `target`, the JS object of `o`, with `o`'s contents.
    fn fill(&mut self, g: &'a Graph, o: &'a GObject, target: &Object<'js>) -> Result<(), Fail> {
        let hooks = self.hooks;
        match o {
            GObject::Object(p) | GObject::Array(GArray { properties: p, .. }) => {
                for (k, v) in g.props(*p) {
                    let v = self.to_js(v)?;
                    self.define(target, k, &v)?;
                }
            }
            GObject::Map(entries) => {
                for (k, v) in entries {
                    let (k, v) = (self.to_js(k)?, self.to_js(v)?);
                    hooks.map_set()?.call::<_, ()>((target.clone(), k, v))?;
                }
            }
            GObject::Set(values) => {
                for v in values {
                    let v = self.to_js(v)?;
                    hooks.set_add()?.call::<_, ()>((target.clone(), v))?;
                }
            }
            GObject::Error(e) => {
                if let Some(c) = &e.cause {
                    let c = self.to_js(c)?;
                    hooks.error_cause()?.call::<_, ()>((target.clone(), c))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// CreateDataProperty(`target`, `key`, `v`).
    fn define(
        &mut self,
        target: &Object<'js>,
        key: &'a PropertyKey,
        v: &Value<'js>,
    ) -> Result<(), Fail> {
        let ctx = self.ctx;
        match key {
            PropertyKey::Index(i) => ffi::define_data_property(ctx, target, PropKey::Index(*i), v)?,
            PropertyKey::String(s) => match s.as_str() {
                Some(s) => {
                    let atom = match self.atoms.entry(s) {
                        Entry::Occupied(e) => e.into_mut(),
                        Entry::Vacant(e) => e.insert(ffi::OwnedAtom::from_str(ctx, s)?),
                    };
                    ffi::define_data_property_atom(ctx, target, atom, v)?
                }
                None => {
                    let key = self.string(s)?;
                    ffi::define_data_property(ctx, target, PropKey::Value(&key), v)?
                }
            },
        }
        Ok(())
    }
}
