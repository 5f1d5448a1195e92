//! The host side of `prelude/atomics.js`: `Atomics.wait`, `waitAsync` and
//! `notify` over the process's waiter lists (`runtime::atomics`). The
//! prelude has converted and checked the arguments, in the standard's
//! order; here the buffer is read as its shared block.

#![forbid(unsafe_code)]

use crate::runtime::atomics::{self, Expected};
use crate::runtime::host::Shared;
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
                let stop = s.borrow().signal.terminated_flag();
                let r = atomics::wait(&block, at as usize, v, timeout, &stop)
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
