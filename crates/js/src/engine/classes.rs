//! What an object is to the structured clone, from its engine class id
//! (HTML `#structuredserializeinternal` asks for internal slots: the engine
//! class is where QuickJS keeps them), and which ordinary objects are
//! platform objects (WebIDL `#es-platform-objects`).

use super::ffi;
use super::intrinsics::Hooks;
use msgport_clone::ViewKind;
use rquickjs::{Object, Value};

/// The view kinds in `prelude/clone.js`'s `viewCtors` order, which is
/// msgport-clone's own order.
pub(crate) const VIEW_KINDS: [ViewKind; 13] = ViewKind::ALL;

/// What an object is, from its engine class id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// No internal slots we may clone: functions, proxies, promises, weak
    /// collections, generators… (DataCloneError).
    Other,
    Plain,
    Array,
    Error,
    /// Number, String, Boolean, BigInt wrapper (sub-kind 0..3).
    Wrapper(u8),
    Date,
    RegExp,
    ArrayBuffer,
    SharedArrayBuffer,
    /// Index into [`VIEW_KINDS`].
    View(u8),
    Map,
    Set,
    /// The engine's DOMException (serializable, WebIDL `#idl-DOMException`).
    DomException,
}

/// The class-id → kind table of one runtime, and the class of ordinary objects.
pub(crate) struct Classes(Vec<Kind>, u32);

impl Classes {
    /// Learns the class ids from sample objects (`internal.cloneSamples`),
    /// so msgport does not depend on the engine's private enum.
    pub(crate) fn learn<'js>(samples: &rquickjs::Array<'js>) -> rquickjs::Result<Self> {
        let mut kinds = vec![Kind::Other; 96];
        let order: Vec<Kind> = [
            Kind::Plain,
            Kind::Array,
            Kind::Error,
            Kind::Wrapper(0),
            Kind::Wrapper(1),
            Kind::Wrapper(2),
            Kind::Wrapper(3),
            Kind::Date,
            Kind::RegExp,
            Kind::ArrayBuffer,
            Kind::SharedArrayBuffer,
            Kind::Map,
            Kind::Set,
            Kind::View(12),
        ]
        .into_iter()
        .chain((0..12).map(Kind::View))
        .chain([Kind::Plain, Kind::DomException])
        .collect();
        let plain = ffi::class_id(&samples.get::<Value>(0)?);
        for (i, kind) in order.into_iter().enumerate() {
            let id = ffi::class_id(&samples.get::<Value>(i)?) as usize;
            // A missing constructor's sample is a plain object: keep Plain.
            if id == plain as usize && kind != Kind::Plain {
                continue;
            }
            if id >= kinds.len() {
                kinds.resize(id + 1, Kind::Other);
            }
            kinds[id] = kind;
        }
        Ok(Classes(kinds, plain))
    }

    pub(crate) fn of(&self, v: &Value<'_>) -> Kind {
        self.kind(ffi::class_id(v))
    }

    /// Objects of the class `id` (the embedder's own, with no internal
    /// slots of the engine) are ordinary objects to the clone, which tells
    /// platform objects among them by their brand.
    pub(crate) fn add_ordinary(&mut self, id: u32) {
        let id = id as usize;
        if id >= self.0.len() {
            self.0.resize(id + 1, Kind::Other);
        }
        self.0[id] = Kind::Plain;
    }

    /// The engine class of ordinary objects.
    pub(crate) fn plain(&self) -> u32 {
        self.1
    }

    /// The kind of objects of the engine class `id`.
    pub(crate) fn kind(&self, id: u32) -> Kind {
        self.0.get(id as usize).copied().unwrap_or(Kind::Other)
    }
}

/// What a platform object an ordinary object is (by its brand, so a
/// subclass instance counts as its platform class, WebIDL
/// `#es-platform-objects`).
pub(crate) enum Platform<'js> {
    /// Not one: cloned as a plain object.
    None,
    /// A Blob or File: `[bytes, type, name?, lastModified?]`.
    Blob(rquickjs::Array<'js>),
    /// Any other platform object, which is not serializable. (Recognised
    /// by a platform prototype on its chain: an object made with
    /// `Object.create(Event.prototype)` has no brand but counts too.)
    Other,
}

/// Classifies an ordinary object whose prototype is not `Object.prototype`
/// (see [`Platform`]). Ports and events are not asked about: callers tell
/// them first by their native class (`native::platform_interface`),
/// whatever their prototype. Blobs are told by their brand (one hook
/// call); the prototype chain is walked for the other platform classes,
/// stopping at anything exotic, so no Proxy trap runs.
pub(crate) fn platform_kind<'js>(
    classes: &Classes,
    hooks: &Hooks<'js>,
    o: &Object<'js>,
) -> rquickjs::Result<Platform<'js>> {
    let mut proto = o.get_prototype();
    if proto
        .as_ref()
        .is_none_or(|p| ffi::object_address(p) == hooks.object_proto())
    {
        return Ok(Platform::None);
    }
    let parts: Option<rquickjs::Array> = hooks.blob_parts()?.call((o.clone(),))?;
    if let Some(parts) = parts {
        return Ok(Platform::Blob(parts));
    }
    while let Some(p) = proto {
        let addr = ffi::object_address(&p);
        if addr == hooks.object_proto() || classes.of(p.as_value()) != Kind::Plain {
            break;
        }
        if hooks.is_platform_proto(addr)
            || addr == ffi::object_address(hooks.port_proto()?)
            || addr == ffi::object_address(hooks.blob_proto()?)
        {
            return Ok(Platform::Other);
        }
        proto = p.get_prototype();
    }
    Ok(Platform::None)
}
