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

mod deserialize;
mod serialize;

pub(crate) use deserialize::deserialize;
pub(crate) use serialize::serialize;

use crate::engine::ffi;
use crate::engine::intrinsics::Hooks;
use msgport_clone::{CloneError, Graph, JsString, Object as GObject, ObjectId};
use rquickjs::{ArrayBuffer, Ctx, Object, Value};

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

pub(super) fn js_string<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    s: &JsString,
) -> Result<Value<'js>, Fail> {
    match s.as_str() {
        Some(text) => Ok(rquickjs::String::from_str(ctx.clone(), text)?.into_value()),
        None => {
            let units = rquickjs::TypedArray::<u16>::new(ctx.clone(), s.to_utf16())?;
            Ok(hooks.make()?.call((10, units))?)
        }
    }
}

pub(super) fn js_bigint<'js>(
    hooks: &Hooks<'js>,
    b: &msgport_clone::BigInt,
) -> Result<Value<'js>, Fail> {
    let neg = b.sign() == num_bigint::Sign::Minus;
    let hex = b.magnitude().to_str_radix(16);
    Ok(hooks.make()?.call((7, neg, hex))?)
}

/// A JS number: an int when it is one (not -0), else a float.
pub(super) fn number<'js>(ctx: &Ctx<'js>, x: f64) -> Value<'js> {
    if x.fract() == 0.0 && x.abs() <= f64::from(i32::MAX) && !(x == 0.0 && x.is_sign_negative()) {
        Value::new_int(ctx.clone(), x as i32)
    } else {
        Value::new_float(ctx.clone(), x)
    }
}
