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
use super::natives::{Natives, N};
use crate::engine::ffi::{self, Borrowed};
use crate::engine::wire::ShapeKeepers;
use rquickjs::{qjs, Ctx, Type, Value};
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

/// The longest dense Array whose copy is made at full length and filled
/// in place (see [`Job::array`]).
const DENSE_MAX: u32 = 1 << 22;

/// An object whose contents are still to copy.
struct Job<'a> {
    old: Borrowed<'a>,
    new: Borrowed<'a>,
    kind: Kind,
    /// How many containers deep the object is.
    depth: usize,
    /// An Array's own enumerable names, listed when its copy was made,
    /// and its length if it has no hole (its copy then has as many
    /// elements, each `undefined` until filled).
    array: Option<(ffi::KeyTable, Option<u32>)>,
}

struct Direct<'a, 'js> {
    ctx: &'a Ctx<'js>,
    classes: &'a Classes,
    hooks: &'a Hooks<'js>,
    natives: &'a Natives,
    /// Old object (by address) → its copy, which this map keeps alive.
    /// The old objects are kept alive by the value being cloned: nothing
    /// can change it while no JavaScript of the page runs.
    memory: Memory,
    /// Objects whose contents are still to copy.
    work: Vec<Job<'a>>,
    /// How many containers deep the object being filled is. A container
    /// deeper than msgport-clone's one limit (`DEFAULT_MAX_DEPTH`) is left
    /// to the general path, which refuses it with a DataCloneError, as
    /// `postMessage` does.
    containers: usize,
    /// The storage of a Map's or Set's entries while they are read.
    entries: Vec<qjs::JSValue>,
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
    natives: &Natives,
    value: &Value<'js>,
    shapes: Option<&mut ShapeKeepers>,
) -> rquickjs::Result<Option<Value<'js>>> {
    let _pause = ffi::GcPause::new(ctx);
    let mut d = Direct {
        ctx,
        classes,
        hooks,
        natives,
        memory: Memory {
            c: ctx.as_raw().as_ptr(),
            map: MEMORY.with(|m| m.take()),
        },
        work: Vec::new(),
        containers: 0,
        entries: Vec::new(),
        length: None,
        shapes,
    };
    let Some(root) = d.value(value.clone())? else {
        return Ok(None);
    };
    while let Some(job) = d.work.pop() {
        d.containers = job.depth;
        if !d.fill(job)? {
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
            // (rquickjs calls an Error object an exception.)
            Type::Object | Type::Array | Type::Exception => match v.as_object() {
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
        let old = || old_ref.to_object(self.ctx);
        let c = self.ctx.as_raw().as_ptr();
        let n = self.natives;
        let o = old_ref.raw();
        // SAFETY (each native call below): `c` is the live context, `o`
        // an object of the kind the class says, kept alive by the value
        // being cloned; the built-ins read slots or make objects and run
        // no user code; each result is a new reference the `Owned` holds
        // (the memory map takes the copy's over).
        let mut array = None;
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
            Kind::Array => {
                // SAFETY: (as said above) listing an Array's names and
                // reading its length run no JavaScript; nothing runs
                // before `fill` reads the elements these names list.
                let keys = unsafe { ffi::KeyTable::own_enumerable(c, o)? };
                // SAFETY: as just said.
                let dense = ffi::dense_length(&keys, unsafe { ffi::array_length(c, o)? })
                    // (A longer one is copied element by element: made at
                    // full length, it would need its length in `undefined`s
                    // first, as much memory again for a moment.)
                    .filter(|&len| len <= DENSE_MAX);
                let new = match dense {
                    Some(len) => ffi::new_array_of_len(self.ctx, len)?,
                    None => ffi::new_array(self.ctx)?,
                };
                array = Some((keys, dense));
                new
            }
            // SAFETY: a native call, as said above.
            Kind::Map => unsafe { n.construct(c, N::MapCtor, &mut [])? }.into_raw(),
            // SAFETY: a native call, as said above.
            Kind::Set => unsafe { n.construct(c, N::SetCtor, &mut [])? }.into_raw(),
            Kind::Date => {
                // SAFETY: a native call, as said above.
                let t = unsafe { n.call(c, N::DateValue, o, &mut [])? };
                let mut time = f64::NAN;
                // SAFETY: `t` is a number (getTime's result): converting
                // it runs no JavaScript.
                if unsafe { qjs::JS_ToFloat64(c, &mut time, t.v) } < 0 {
                    return Err(rquickjs::Error::Exception);
                }
                // SAFETY: `c` is live; a new Date, owned by the memory map.
                made(unsafe { qjs::JS_NewDate(c, time) })?
            }
            Kind::RegExp => {
                // SAFETY: a native call, as said above.
                let (source, bits) = unsafe { n.regexp(c, o)? };
                let flags = msgport_clone::RegExpFlags(bits).to_string();
                // SAFETY: `c` is live; a new string, owned just below.
                let flags = made(unsafe {
                    qjs::JS_NewStringLen(c, flags.as_ptr().cast(), flags.len() as _)
                })?;
                let flags = super::handles::Owned { c, v: flags };
                // SAFETY: a native call, as said above.
                unsafe { n.construct(c, N::RegExpCtor, &mut [source.v, flags.v])? }.into_raw()
            }
            Kind::Wrapper(sub) => {
                // SAFETY: a native call, as said above.
                let Some(prim) = (unsafe { n.wrapped(c, o, sub)? }) else {
                    return Ok(None);
                };
                // SAFETY: ToObject of a primitive makes its wrapper with
                // the intrinsic prototype and runs no JavaScript.
                made(unsafe { qjs::JS_ToObject(c, prim.v) })?
            }
            // Made empty; its fields are copied by `fill` (an Error may be
            // its own cause).
            // SAFETY: a new object of the Error class with the list's
            // Error.prototype (`fill` sets its kind's), as the reader makes one.
            Kind::Error => made(unsafe {
                qjs::JS_NewObjectProtoClass(c, n.get(N::ErrorProto), n.error_class())
            })?,
            Kind::ArrayBuffer => match self.buffer(o)? {
                Some(b) => b,
                None => return Ok(None),
            },
            // Typed arrays (a DataView is the general path's).
            Kind::View(k) if k < 12 => match self.view(o)? {
                Some(v) => v,
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        // SAFETY: the memory takes the reference over just below and holds
        // it until the clone ends.
        let new_ref = unsafe { Borrowed::new(new) };
        self.memory.map.insert(addr, new);
        if matches!(
            kind,
            Kind::Plain | Kind::Array | Kind::Map | Kind::Set | Kind::Error
        ) {
            let depth = self.containers + 1;
            if depth > msgport_clone::DEFAULT_MAX_DEPTH {
                return Ok(None);
            }
            self.work.push(Job {
                old: old_ref,
                new: new_ref,
                kind,
                depth,
                array,
            });
        }
        Ok(Some(new_ref))
    }

    /// Copies an object's contents into its copy; `false` to give up.
    fn fill(&mut self, job: Job<'a>) -> rquickjs::Result<bool> {
        let ctx = self.ctx;
        let Job {
            old,
            new,
            kind,
            array,
            ..
        } = job;
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
                let Some((keys, dense)) = array else {
                    return Ok(false);
                };
                if let Some(len) = dense {
                    // Every element in place, then any named properties;
                    // the copy already has the length.
                    return Ok(ffi::copy_dense_elements(ctx, old, new, &keys, len, |o| {
                        self.object(o)
                    })? && ffi::copy_listed_properties(
                        ctx,
                        old,
                        new,
                        &keys,
                        len as usize,
                        None,
                        |o| self.object(o),
                    )?);
                }
                if !ffi::copy_listed_properties(ctx, old, new, &keys, 0, None, |o| self.object(o))?
                {
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
            Kind::Map | Kind::Set => {
                let set = kind == Kind::Set;
                let c = ctx.as_raw().as_ptr();
                let mut raw = std::mem::take(&mut self.entries);
                raw.clear();
                // SAFETY: `old` is a live Map or Set (its class says so);
                // forEach calls only the collector; the new references
                // are taken over as `Value`s at once.
                let r = unsafe { self.natives.entries(c, old.raw(), set, &mut raw) };
                let entries: Vec<Value<'js>> = raw
                    .drain(..)
                    // SAFETY: each is a new reference, taken over by the `Value`.
                    .map(|v| unsafe { Value::from_raw(ctx.clone(), v) })
                    .collect();
                self.entries = raw;
                r?;
                let add = if set { N::SetAdd } else { N::MapSet };
                let step = if set { 1 } else { 2 };
                for pair in entries.chunks(step) {
                    let Some(k) = self.value(pair[0].clone())? else {
                        return Ok(false);
                    };
                    let v = match pair.get(1) {
                        Some(v) => match self.value(v.clone())? {
                            Some(v) => Some(v),
                            None => return Ok(false),
                        },
                        None => None,
                    };
                    let mut args = [
                        k.as_raw(),
                        v.as_ref().map_or(qjs::JS_UNDEFINED, Value::as_raw),
                    ];
                    // SAFETY: `new` is the live copy (a Map or Set the
                    // memory holds), the arguments are kept by `k` and
                    // `v`; set/add run no user code.
                    drop(unsafe { self.natives.call(c, add, new.raw(), &mut args[..step])? });
                }
                Ok(true)
            }
            Kind::Error => self.error(old, new),
            _ => Ok(true),
        }
    }

    /// A copy of the ArrayBuffer `b` if it is neither detached nor
    /// resizable (those are the general path's).
    fn buffer(&mut self, b: qjs::JSValue) -> rquickjs::Result<Option<qjs::JSValue>> {
        let c = self.ctx.as_raw().as_ptr();
        for getter in [N::BufferDetached, N::BufferResizable] {
            // SAFETY: `b` is a live ArrayBuffer (its class says so); the
            // built-in getter reads a slot.
            let r = unsafe { self.natives.call(c, getter, b, &mut [])? };
            // SAFETY: the tag of a value, then the payload a boolean has.
            if unsafe { qjs::JS_VALUE_GET_TAG(r.v) != qjs::JS_TAG_BOOL || r.v.u.int32 != 0 } {
                return Ok(None);
            }
        }
        let mut len: qjs::size_t = 0;
        // SAFETY: a usable buffer's bytes, copied at once by the engine
        // while no script runs.
        let copy = unsafe {
            let p = qjs::JS_GetArrayBuffer(c, &mut len, b);
            qjs::JS_NewArrayBufferCopy(c, p, len)
        };
        made(copy).map(Some)
    }

    /// A copy of the typed array `v` over the copy of its buffer (one
    /// buffer shared by several views stays shared), or `None` for a view
    /// out of bounds or over a buffer the general path takes.
    fn view(&mut self, v: qjs::JSValue) -> rquickjs::Result<Option<qjs::JSValue>> {
        let c = self.ctx.as_raw().as_ptr();
        let (mut offset, mut length, mut size): (qjs::size_t, qjs::size_t, qjs::size_t) = (0, 0, 0);
        // SAFETY: `v` is a live typed array (its class says so); a new
        // reference to its buffer, or an exception (out of bounds).
        let b = unsafe { qjs::JS_GetTypedArrayBuffer(c, v, &mut offset, &mut length, &mut size) };
        // SAFETY: reads a value's tag.
        if unsafe { qjs::JS_IsException(b) } {
            // SAFETY: the engine's own exception (no script ran), freed once.
            unsafe { qjs::JS_FreeValue(c, qjs::JS_GetException(c)) };
            return Ok(None);
        }
        let b = super::handles::Owned { c, v: b };
        // SAFETY: class and type queries on live objects.
        let (is_buffer, kind) =
            unsafe { (qjs::JS_IsArrayBuffer(b.v), qjs::JS_GetTypedArrayType(v)) };
        if !is_buffer || kind < 0 || size == 0 {
            return Ok(None);
        }
        // SAFETY: the view keeps its buffer alive for the clone (no script
        // runs), so the borrow may outlive the `Owned` dropped below.
        let old_buffer = unsafe { Borrowed::new(b.v) };
        let Some(new_buffer) = self.object(old_buffer)? else {
            return Ok(None);
        };
        let mut args = [
            new_buffer.raw(),
            qjs::JS_NewFloat64(offset as f64),
            qjs::JS_NewFloat64((length / size) as f64),
        ];
        // SAFETY: a new typed array of the same kind over the live copy.
        made(unsafe { qjs::JS_NewTypedArray(c, 3, args.as_mut_ptr(), kind as _) }).map(Some)
    }

    /// An Error's fields, as the general path reads and makes them: its
    /// kind from `name` (looked up through data properties only), its own
    /// `message` if a string, its `stack` (a string, else the general
    /// path's, whose new error makes one) and its own `cause`, defined on
    /// the copy in a fresh error's order, as the general path does:
    /// message, cause, stack.
    fn error(&mut self, old: Borrowed<'a>, new: Borrowed<'a>) -> rquickjs::Result<bool> {
        use super::handles::Owned;
        use super::properties::{data_lookup, own_property, OwnProperty};
        let ctx = self.ctx;
        let c = ctx.as_raw().as_ptr();
        let o = old.raw();
        let atom = |k: &str| ffi::OwnedAtom::from_str(ctx, k);
        let (name_key, message_key, stack_key, cause_key) = (
            atom("name")?,
            atom("message")?,
            atom("stack")?,
            atom("cause")?,
        );
        // SAFETY: `o` is a live Error, the atom is live; data properties
        // are read without running JavaScript (as for each read below).
        let Some(name) = (unsafe { data_lookup(c, o, name_key.raw())? }) else {
            return Ok(false);
        };
        // SAFETY: as for the name.
        let message = match unsafe { own_property(c, o, message_key.raw())? } {
            OwnProperty::Absent => None,
            OwnProperty::Data(m) if is_string(m) => Some(Owned { c, v: m }),
            OwnProperty::Data(m) => {
                drop(Owned { c, v: m });
                return Ok(false);
            }
            OwnProperty::Accessor => return Ok(false),
        };
        // SAFETY: as for the name.
        let stack = match unsafe { data_lookup(c, o, stack_key.raw())? } {
            Some(s) if is_string(s.v) => s,
            _ => return Ok(false),
        };
        // SAFETY: as for the name.
        let cause = match unsafe { own_property(c, o, cause_key.raw())? } {
            OwnProperty::Absent => None,
            OwnProperty::Accessor => return Ok(false),
            // SAFETY: a new reference, taken over by the `Value`.
            OwnProperty::Data(x) => Some(unsafe { Value::from_raw(ctx.clone(), x) }),
        };
        // SAFETY: a new reference, taken over by the `Value`.
        let name = unsafe { Value::from_raw(ctx.clone(), name.into_raw()) };
        let proto = match name
            .as_string()
            .map(|s| s.to_string())
            .transpose()?
            .as_deref()
        {
            Some("EvalError") => N::EvalErrorProto,
            Some("RangeError") => N::RangeErrorProto,
            Some("ReferenceError") => N::ReferenceErrorProto,
            Some("SyntaxError") => N::SyntaxErrorProto,
            Some("TypeError") => N::TypeErrorProto,
            Some("URIError") => N::UriErrorProto,
            _ => N::ErrorProto,
        };
        let cause = match cause {
            Some(x) => match self.value(x)? {
                Some(copy) => Some(copy),
                None => return Ok(false),
            },
            None => None,
        };
        let define = |key: &ffi::OwnedAtom<'js>, v: qjs::JSValue| -> rquickjs::Result<()> {
            let flags =
                (qjs::JS_PROP_WRITABLE | qjs::JS_PROP_CONFIGURABLE | qjs::JS_PROP_THROW) as i32;
            // SAFETY: `new` is the live copy (an ordinary Error object the
            // memory holds); the engine takes the value's new reference.
            let r = unsafe {
                qjs::JS_DefinePropertyValue(c, new.raw(), key.raw(), qjs::JS_DupValue(c, v), flags)
            };
            if r < 0 {
                return Err(rquickjs::Error::Exception);
            }
            Ok(())
        };
        // SAFETY: sets the prototype of the new ordinary object to one the
        // list keeps (no JavaScript runs).
        if unsafe { qjs::JS_SetPrototype(c, new.raw(), self.natives.get(proto)) } < 0 {
            return Err(rquickjs::Error::Exception);
        }
        if let Some(m) = &message {
            define(&message_key, m.v)?;
        }
        if let Some(x) = &cause {
            define(&cause_key, x.as_raw())?;
        }
        define(&stack_key, stack.v)?;
        Ok(true)
    }
}

/// Whether a value is a string (flat or rope).
fn is_string(v: qjs::JSValue) -> bool {
    // SAFETY: reads a value's tag.
    let t = unsafe { qjs::JS_VALUE_GET_TAG(v) };
    matches!(t, qjs::JS_TAG_STRING | qjs::JS_TAG_STRING_ROPE)
}

/// A new reference from a `JS_New*` call, or `Err` on its exception.
fn made(v: qjs::JSValue) -> rquickjs::Result<qjs::JSValue> {
    // SAFETY: reads a value's tag.
    if unsafe { qjs::JS_IsException(v) } {
        return Err(rquickjs::Error::Exception);
    }
    Ok(v)
}
