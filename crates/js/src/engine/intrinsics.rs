//! The prelude's helpers that the clone and the fast paths call: built-in
//! methods captured before any user code ran (`prelude/clone.js`), so that
//! nothing a script does to built-in prototypes changes a clone.

use super::ffi;
use rquickjs::{Ctx, Function, Object, Value};

/// The JS helpers the clone needs, restored from [`StoredHooks`] one by
/// one on first use: a small message needs two or three of them, and each
/// restore costs reference counting on the value and the context.
pub(crate) struct Hooks<'js> {
    ctx: Ctx<'js>,
    stored: std::rc::Rc<StoredHooks>,
    cells: [std::cell::OnceCell<Value<'js>>; HOOK_NAMES.len()],
}

const HOOK_NAMES: [&str; 13] = [
    "cloneRead",
    "cloneMake",
    "cloneMapSet",
    "cloneSetAdd",
    "cloneErrorCause",
    "codeUnits",
    "makePort",
    "blobParts",
    "makeBlob",
    "MessagePortPrototype",
    "BlobPrototype",
    "deliver",
    "detachPort",
];

macro_rules! hook {
    ($($name:ident: $i:literal as $conv:ident -> $ty:ident,)*) => {
        impl<'js> Hooks<'js> {
            $(
                pub(crate) fn $name(&self) -> rquickjs::Result<&$ty<'js>> {
                    self.get($i)?.$conv().ok_or(rquickjs::Error::Unknown)
                }
            )*
        }
    };
}

hook! {
    read: 0 as as_function -> Function,
    make: 1 as as_function -> Function,
    map_set: 2 as as_function -> Function,
    set_add: 3 as as_function -> Function,
    error_cause: 4 as as_function -> Function,
    code_units: 5 as as_function -> Function,
    make_port: 6 as as_function -> Function,
    blob_parts: 7 as as_function -> Function,
    make_blob: 8 as as_function -> Function,
    port_proto: 9 as as_object -> Object,
    blob_proto: 10 as as_object -> Object,
    deliver: 11 as as_function -> Function,
    detach_port: 12 as as_function -> Function,
}

impl<'js> Hooks<'js> {
    fn get(&self, i: usize) -> rquickjs::Result<&Value<'js>> {
        if let Some(v) = self.cells[i].get() {
            return Ok(v);
        }
        let v = self.stored.values[i].clone().restore(&self.ctx)?;
        Ok(self.cells[i].get_or_init(|| v))
    }

    /// Whether `addr` is the prototype of another platform object's
    /// interface (Event, EventTarget, …), which is not serializable.
    pub(crate) fn is_platform_proto(&self, addr: usize) -> bool {
        self.stored.platform_protos.borrow().contains(&addr)
    }

    /// `Object.prototype`: objects with it are plain, no further checks.
    pub(crate) fn object_proto(&self) -> usize {
        self.stored.object_proto
    }
}

/// The hooks kept across calls (looked up by name once per runtime).
pub(crate) struct StoredHooks {
    values: Vec<rquickjs::Persistent<Value<'static>>>,
    /// (Grows when the interfaces of a lazily loaded prelude appear.)
    platform_protos: std::cell::RefCell<Vec<usize>>,
    object_proto: usize,
}

impl StoredHooks {
    pub(crate) fn new<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> rquickjs::Result<Self> {
        let values = HOOK_NAMES
            .iter()
            .map(|n| {
                internal
                    .get::<_, Value>(*n)
                    .map(|v| rquickjs::Persistent::save(ctx, v))
            })
            .collect::<rquickjs::Result<_>>()?;
        let protos: rquickjs::Array = internal.get("platformPrototypes")?;
        let platform_protos = protos
            .iter::<Object>()
            .map(|o| o.map(|o| ffi::object_address(&o)))
            .collect::<rquickjs::Result<_>>()?;
        let object_proto: Object = ctx.eval("Object.prototype")?;
        Ok(StoredHooks {
            values,
            platform_protos: std::cell::RefCell::new(platform_protos),
            object_proto: ffi::object_address(&object_proto),
        })
    }

    /// Adds the prototypes of interfaces defined after the context was
    /// set up (the lazily loaded preludes').
    pub(crate) fn add_platform_protos(&self, protos: &[Object<'_>]) {
        self.platform_protos
            .borrow_mut()
            .extend(protos.iter().map(ffi::object_address));
    }

    /// The address of `Object.prototype`.
    pub(crate) fn object_proto(&self) -> usize {
        self.object_proto
    }

    /// The hooks for one call, restored lazily.
    pub(crate) fn restore<'js>(self: &std::rc::Rc<Self>, ctx: &Ctx<'js>) -> Hooks<'js> {
        Hooks {
            ctx: ctx.clone(),
            stored: self.clone(),
            cells: Default::default(),
        }
    }
}
