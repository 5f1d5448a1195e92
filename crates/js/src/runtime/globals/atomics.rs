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

/// The memory of `buffer`, a SharedArrayBuffer the prelude checked.
fn block<'js>(ctx: &Ctx<'js>, buffer: &Value<'js>) -> rquickjs::Result<SharedBlock> {
    crate::engine::shared::block_of(ctx, buffer)
        .map(|(block, _)| block)
        .ok_or_else(|| Exception::throw_type(ctx, "not a SharedArrayBuffer"))
}

/// The value the prelude converted: a Number for an Int32Array, a
/// decimal string for a BigInt64Array.
fn expected<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> rquickjs::Result<Expected> {
    Ok(match value.as_string() {
        Some(s) => Expected::I64(
            s.to_string()?
                .parse()
                .map_err(|_| Exception::throw_type(ctx, "not a 64-bit integer"))?,
        ),
        None => Expected::I32(value.as_number().unwrap_or(0.0) as i32),
    })
}

/// `Atomics.wait` by this context at `at` of `block`, for `ms`
/// milliseconds (Infinity, or a time no clock can reach: no limit).
fn wait_here<'js>(
    ctx: &Ctx<'js>,
    host: &Shared,
    (block, at): (SharedBlock, usize),
    v: Expected,
    ms: f64,
) -> rquickjs::Result<Value<'js>> {
    let timeout = Duration::try_from_secs_f64(ms / 1000.0).ok();
    let signal = host.borrow().signal.clone();
    let r = atomics::wait(&block, at, v, timeout, &signal)
        .ok_or_else(|| Exception::throw_range(ctx, "out-of-bound atomic access"))?;
    Ok(rquickjs::String::from_str(ctx.clone(), r.as_str())?.into_value())
}

/// Element `index` of `ta`, an Int32Array or BigInt64Array over a
/// SharedArrayBuffer, if `index` is within it: whether it is the 64-bit
/// kind, its memory and its byte index. `None` leaves the call to the
/// prelude's general path.
fn element(ctx: &Ctx<'_>, ta: &Value<'_>, index: f64) -> Option<(bool, SharedBlock, usize)> {
    let (big, block, offset, length) = crate::engine::shared::waitable_view(ctx, ta)?;
    if !(index >= 0.0 && index < length as f64) || index.fract() != 0.0 {
        return None;
    }
    Some((
        big,
        block,
        offset + index as usize * if big { 8 } else { 4 },
    ))
}

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>, host: &Shared) -> rquickjs::Result<()> {
    let s = host.clone();
    h.set(
        "atomicsWait",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, buffer: Value<'js>, at: f64, value: Value<'js>, ms: f64| {
                let place = (block(&ctx, &buffer)?, at as usize);
                wait_here(&ctx, &s, place, expected(&ctx, &value)?, ms)
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "atomicsWaitAsync",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, buffer: Value<'js>, at: f64, value: Value<'js>, zero: bool| {
                let (block, v) = (block(&ctx, &buffer)?, expected(&ctx, &value)?);
                let (inbox, id) = {
                    let mut h = s.borrow_mut();
                    h.next_waiter = h.next_waiter.wrapping_add(1);
                    (h.inbox.clone(), h.next_waiter)
                };
                let r = atomics::wait_async(&block, at as usize, v, zero, &inbox, id)
                    .ok_or_else(|| Exception::throw_range(&ctx, "out-of-bound atomic access"))?;
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
            move |ctx: Ctx<'js>, ta: Value<'js>, index: f64, value: f64, ms: f64| match element(
                &ctx, &ta, index,
            ) {
                Some((false, block, at)) => {
                    wait_here(&ctx, &s, (block, at), Expected::I32(value as i32), ms)
                }
                _ => Ok(Value::new_number(ctx, -1.0)),
            },
        )?,
    )?;
    h.set(
        "atomicsNotifyAt",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, ta: Value<'js>, index: f64, count: f64| -> f64 {
                match element(&ctx, &ta, index) {
                    Some((_, block, at)) => atomics::notify(&block, at, count as u64) as f64,
                    None => -1.0,
                }
            },
        )?,
    )?;
    h.set(
        "atomicsNotify",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, buffer: Value<'js>, at: f64, count: f64| {
                // (`count` is a non-negative integer or +Infinity.)
                let n = atomics::notify(&block(&ctx, &buffer)?, at as usize, count as u64);
                Ok::<_, rquickjs::Error>(n as f64)
            },
        )?,
    )?;
    Ok(())
}
