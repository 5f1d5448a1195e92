//! The host side of `prelude/atomics.js`: `Atomics.wait`, `waitAsync` and
//! `notify` over the process's waiter lists (`runtime::atomics`). The
//! prelude has converted and checked the arguments, in the standard's
//! order; here the buffer is read as its shared block.

#![forbid(unsafe_code)]

use crate::runtime::atomics::{self, Expected};
use crate::runtime::host::Shared;
use msgport_clone::SharedBlock;
use rquickjs::{Ctx, Exception, Function, Object, Value};
use std::time::Duration;

/// The block, byte index and expected value the prelude passed: a
/// Number for an Int32Array, a decimal string for a BigInt64Array.
fn place<'js>(
    ctx: &Ctx<'js>,
    buffer: &Value<'js>,
    value: &Value<'js>,
) -> rquickjs::Result<(msgport_clone::SharedBlock, Expected)> {
    let (block, _) = crate::engine::shared::block_of(ctx, buffer)
        .ok_or_else(|| Exception::throw_type(ctx, "not a SharedArrayBuffer"))?;
    let v = if let Some(s) = value.as_string() {
        let s = s.to_string()?;
        Expected::I64(
            s.parse()
                .map_err(|_| Exception::throw_type(ctx, "not a 64-bit integer"))?,
        )
    } else {
        Expected::I32(value.as_number().unwrap_or(0.0) as i32)
    };
    Ok((block, v))
}

fn out_of_range(ctx: &Ctx<'_>) -> rquickjs::Error {
    Exception::throw_range(ctx, "out-of-bound atomic access")
}

/// The memory and byte index of element `index` of `ta`, an Int32Array
/// (or, with `big`, a BigInt64Array) over a SharedArrayBuffer, if `index`
/// is within it; `None` leaves the call to the prelude's general path.
fn element(ctx: &Ctx<'_>, ta: &Value<'_>, index: f64, big: bool) -> Option<(SharedBlock, usize)> {
    let (is_big, block, offset, length) = crate::engine::shared::waitable_view(ctx, ta)?;
    if is_big != big || !(index >= 0.0 && index < length as f64) || index.fract() != 0.0 {
        return None;
    }
    Some((block, offset + index as usize * if big { 8 } else { 4 }))
}

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    let s = host.clone();
    h.set(
        "atomicsWait",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, buffer: Value<'js>, at: f64, value: Value<'js>, ms: f64| {
                let (block, v) = place(&ctx, &buffer, &value)?;
                // Infinity (or a time no clock can reach): no limit.
                let timeout = Duration::try_from_secs_f64(ms / 1000.0).ok();
                let signal = s.borrow().signal.clone();
                let r = atomics::wait(&block, at as usize, v, timeout, &signal)
                    .ok_or_else(|| out_of_range(&ctx))?;
                Ok::<_, rquickjs::Error>(r.as_str())
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "atomicsWaitAsync",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, buffer: Value<'js>, at: f64, value: Value<'js>, zero: bool| {
                let (block, v) = place(&ctx, &buffer, &value)?;
                let (inbox, id) = {
                    let mut h = s.borrow_mut();
                    h.next_waiter = h.next_waiter.wrapping_add(1);
                    (h.inbox.clone(), h.next_waiter)
                };
                let r = atomics::wait_async(&block, at as usize, v, zero, &inbox, id)
                    .ok_or_else(|| out_of_range(&ctx))?;
                Ok::<_, rquickjs::Error>(match r {
                    Ok(()) => Value::new_number(ctx.clone(), f64::from(id)),
                    Err(outcome) => {
                        rquickjs::String::from_str(ctx.clone(), outcome.as_str())?.into_value()
                    }
                })
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "atomicsCancel",
        Function::new(ctx.clone(), move |id: u32| {
            let inbox = s.borrow().inbox.clone();
            atomics::cancel(&inbox, id)
        })?,
    )?;
    // The common calls, whole: an Int32Array's element by an integer
    // index, a Number to compare, a Number or no timeout or count. -1: not
    // such a call (the prelude's general path takes it).
    let s = host.clone();
    h.set(
        "atomicsWaitAt",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, ta: Value<'js>, index: f64, value: f64, ms: f64| {
                let Some((block, at)) = element(&ctx, &ta, index, false) else {
                    return Ok::<_, rquickjs::Error>(Value::new_number(ctx, -1.0));
                };
                let v = Expected::I32(value as i32);
                let timeout = Duration::try_from_secs_f64(ms / 1000.0).ok();
                let signal = s.borrow().signal.clone();
                let r = atomics::wait(&block, at, v, timeout, &signal)
                    .ok_or_else(|| out_of_range(&ctx))?;
                Ok(rquickjs::String::from_str(ctx, r.as_str())?.into_value())
            },
        )?,
    )?;
    h.set(
        "atomicsNotifyAt",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, ta: Value<'js>, index: f64, count: f64| -> f64 {
                for big in [false, true] {
                    if let Some((block, at)) = element(&ctx, &ta, index, big) {
                        return atomics::notify(&block, at, count as u64) as f64;
                    }
                }
                -1.0
            },
        )?,
    )?;
    h.set(
        "atomicsNotify",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, buffer: Value<'js>, at: f64, count: f64| {
                let (block, _) = place(&ctx, &buffer, &Value::new_undefined(ctx.clone()))?;
                // (`count` is a non-negative integer or +Infinity.)
                let n = atomics::notify(&block, at as usize, count as u64);
                Ok::<_, rquickjs::Error>(n as f64)
            },
        )?,
    )?;
    Ok(())
}
