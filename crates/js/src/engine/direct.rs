//! structuredClone without the wire: the direct path for the values that
//! need no serialization rules beyond copying (HTML `#dom-structuredclone`).
//!
//! `structuredClone(v)` is StructuredSerialize then StructuredDeserialize
//! in one realm. The general path ([`crate::clone`]) builds msgport-clone's
//! [`Graph`](msgport_clone::Graph) and makes new objects from it, which
//! converts every string and number twice. Here, when the transfer list is
//! empty, the new objects are made while the old ones are read, primitives
//! are shared as they are (a JS primitive is immutable, so sharing one is
//! a copy), and keys stay the engine's atoms.
//!
//! It handles primitives, ordinary objects whose own enumerable properties
//! are all data properties, Arrays, Maps, Sets, Dates, RegExps and the
//! primitive wrappers. Anything else (an accessor, which is user code; an
//! ArrayBuffer or view, an Error, a platform object, a function, a symbol,
//! a proxy…) makes it give up and return `None`, and the caller runs the
//! general path from the start. Giving up is never observable: until then
//! no JavaScript has run (keys are listed and data properties read by the
//! engine, Map and Set contents through the prelude's captured originals),
//! and the half-made copy is garbage. The general path is the reference
//! for every rule, including which error is thrown and when.

use super::classes::{platform_kind, Classes, Kind, Platform};
use super::intrinsics::Hooks;
use crate::engine::ffi::{self, Borrowed};
use crate::engine::wire::ShapeKeepers;
use rquickjs::{Ctx, Object, Type, Value};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes an object address (a multiple of 16) with one multiply; the
/// standard library's SipHash showed in the profile.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Old object (by address) → its copy, a reference the map holds (raw:
/// a `Value` per object would also hold the context). The map's storage is
/// kept from one clone to the next ([`MEMORY`]); [`Memory::drop`] gives
/// the references back.
struct Memory {
    c: *mut rquickjs::qjs::JSContext,
    map: HashMap<usize, rquickjs::qjs::JSValue, BuildHasherDefault<AddressHasher>>,
}

type Addresses = HashMap<usize, rquickjs::qjs::JSValue, BuildHasherDefault<AddressHasher>>;

thread_local! {
    /// The storage of the last clone's memory (empty), for its capacity.
    static MEMORY: std::cell::Cell<Addresses> = std::cell::Cell::new(Addresses::default());
}

impl Drop for Memory {
    fn drop(&mut self) {
        for (_, v) in self.map.drain() {
            // SAFETY: the map's own reference, given back once.
            unsafe { rquickjs::qjs::JS_FreeValue(self.c, v) };
        }
        MEMORY.with(|m| m.set(std::mem::take(&mut self.map)));
    }
}

struct Direct<'a, 'js> {
    ctx: &'a Ctx<'js>,
    classes: &'a Classes,
    hooks: &'a Hooks<'js>,
    /// Old object (by address) → its copy, which this map keeps alive.
    /// The old objects are kept alive by the value being cloned: nothing
    /// can change it while no JavaScript of the page runs.
    memory: Memory,
    /// Objects whose contents are still to copy: (old, new, kind, and how
    /// many containers deep the object is).
    work: Vec<(Borrowed<'a>, Borrowed<'a>, Kind, usize)>,
    /// How many containers deep the object being filled is. A container
    /// deeper than msgport-clone's one limit (`DEFAULT_MAX_DEPTH`) is left
    /// to the general path, which refuses it with a DataCloneError, as
    /// `postMessage` does.
    containers: usize,
    /// The key `length`, made at the first array.
    length: Option<ffi::OwnedAtom<'js>>,
    /// The runtime's shape keepers (see wire_cache.rs): copies of a
    /// recurring plain object find every shape they go through.
    shapes: Option<&'a mut ShapeKeepers>,
}

/// The copy of `value`, or `None` if it holds anything the direct path
/// leaves to the general one. Errors are the engine's (out of memory, or
/// the interrupt of a terminated worker), never a DataCloneError.
pub(crate) fn clone<'js>(
    ctx: &Ctx<'js>,
    classes: &Classes,
    hooks: &Hooks<'js>,
    value: &Value<'js>,
    shapes: Option<&mut ShapeKeepers>,
) -> rquickjs::Result<Option<Value<'js>>> {
    let _pause = ffi::GcPause::new(ctx);
    let mut d = Direct {
        ctx,
        classes,
        hooks,
        memory: Memory {
            c: ctx.as_raw().as_ptr(),
            map: MEMORY.with(|m| m.take()),
        },
        work: Vec::new(),
        containers: 0,
        length: None,
        shapes,
    };
    let Some(root) = d.value(value.clone())? else {
        return Ok(None);
    };
    while let Some((old, new, kind, depth)) = d.work.pop() {
        d.containers = depth;
        if !d.fill(old, new, kind)? {
            return Ok(None);
        }
    }
    Ok(Some(root))
}

impl<'a, 'js> Direct<'a, 'js> {
    /// The copy of one value: primitives as they are, objects by [`Self::object`].
    fn value(&mut self, v: Value<'js>) -> rquickjs::Result<Option<Value<'js>>> {
        match v.type_of() {
            Type::Undefined
            | Type::Uninitialized
            | Type::Null
            | Type::Bool
            | Type::Int
            | Type::Float
            | Type::String
            | Type::BigInt => Ok(Some(v)),
            Type::Object | Type::Array => match v.as_object() {
                // SAFETY: the object is the value being cloned or reachable
                // from it, which keeps it alive for the clone: no
                // JavaScript of the page runs until the clone returns.
                Some(o) => Ok(self
                    .object(unsafe { Borrowed::new(o.as_raw()) })?
                    .map(|b| b.to_object(self.ctx).into_value())),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// The copy of an object: made empty and queued, once per object.
    fn object(&mut self, old_ref: Borrowed<'a>) -> rquickjs::Result<Option<Borrowed<'a>>> {
        let addr = old_ref.address();
        if let Some(&new) = self.memory.map.get(&addr) {
            // SAFETY: the memory holds a reference to every copy until the
            // clone ends.
            return Ok(Some(unsafe { Borrowed::new(new) }));
        }
        let kind = self.classes.kind(old_ref.class_id());
        let read = || self.hooks.read();
        let make = || self.hooks.make();
        let old = || old_ref.to_object(self.ctx);
        // The common kinds are made raw (a `Value` would also hold the
        // context); the map takes the new reference over.
        let made = |o: Object| ffi::dup_raw(self.ctx, &o);
        let new = match kind {
            // A port or an event (told by its class): the general path's
            // DataCloneError.
            Kind::Plain if super::native::platform_interface_of(old_ref).is_some() => {
                return Ok(None)
            }
            Kind::Plain => {
                // The common case, a literal's prototype, needs no more.
                if old_ref.proto_address(self.ctx) != Some(self.hooks.object_proto())
                    && !matches!(
                        platform_kind(self.classes, self.hooks, &old())?,
                        Platform::None
                    )
                {
                    return Ok(None);
                }
                ffi::new_object(self.ctx)?
            }
            Kind::Array => ffi::new_array(self.ctx)?,
            Kind::Map => made(make()?.call((5,))?),
            Kind::Set => made(make()?.call((6,))?),
            Kind::Date => {
                let t: f64 = read()?.call((1, old()))?;
                made(make()?.call((1, t))?)
            }
            Kind::RegExp => {
                let pair: rquickjs::Array = read()?.call((2, old()))?;
                let (source, flags): (Value, Value) = (pair.get(0)?, pair.get(1)?);
                made(make()?.call((2, source, flags))?)
            }
            Kind::Wrapper(sub) => {
                let prim: Value = read()?.call((0, old(), sub))?;
                made(make()?.call((0, sub, prim))?)
            }
            _ => return Ok(None),
        };
        // SAFETY: the memory takes the reference over just below and holds
        // it until the clone ends.
        let new_ref = unsafe { Borrowed::new(new) };
        self.memory.map.insert(addr, new);
        if matches!(kind, Kind::Plain | Kind::Array | Kind::Map | Kind::Set) {
            let depth = self.containers + 1;
            if depth > msgport_clone::DEFAULT_MAX_DEPTH {
                return Ok(None);
            }
            self.work.push((old_ref, new_ref, kind, depth));
        }
        Ok(Some(new_ref))
    }

    /// Copies an object's contents into its copy; `false` to give up.
    fn fill(&mut self, old: Borrowed<'a>, new: Borrowed<'a>, kind: Kind) -> rquickjs::Result<bool> {
        let ctx = self.ctx;
        match kind {
            Kind::Plain => {
                let mut shapes = self.shapes.take();
                let r = ffi::copy_data_properties(ctx, old, new, shapes.as_deref_mut(), |o| {
                    self.object(o)
                });
                self.shapes = shapes;
                r
            }
            Kind::Array => {
                if !ffi::copy_data_properties(ctx, old, new, None, |o| self.object(o))? {
                    return Ok(false);
                }
                // Trailing holes: the length is set after the elements,
                // which keeps a dense copy the engine's fast array.
                let length = match &self.length {
                    Some(a) => a,
                    None => self.length.insert(ffi::OwnedAtom::from_str(ctx, "length")?),
                };
                ffi::copy_array_length(ctx, old, new, length)?;
                Ok(true)
            }
            Kind::Map => {
                let flat: rquickjs::Array = self.hooks.read()?.call((5, old.to_object(ctx)))?;
                let set = self.hooks.map_set()?.clone();
                let new = new.to_object(ctx);
                let mut it = flat.iter::<Value>();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    let (Some(k), Some(v)) = (self.value(k?)?, self.value(v?)?) else {
                        return Ok(false);
                    };
                    set.call::<_, ()>((new.clone(), k, v))?;
                }
                Ok(true)
            }
            Kind::Set => {
                let items: rquickjs::Array = self.hooks.read()?.call((6, old.to_object(ctx)))?;
                let add = self.hooks.set_add()?.clone();
                let new = new.to_object(ctx);
                for v in items.iter::<Value>() {
                    let Some(v) = self.value(v?)? else {
                        return Ok(false);
                    };
                    add.call::<_, ()>((new.clone(), v))?;
                }
                Ok(true)
            }
            _ => Ok(true),
        }
    }
}
