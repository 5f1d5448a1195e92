//! What the platform says about itself: `navigator` facts, UUIDs
//! (`crypto.randomUUID`), URL parsing for `URL`.

#![forbid(unsafe_code)]

use super::encoding::rand_bytes;
use crate::engine::ffi::Usv;
use rquickjs::{Ctx, Function, Object, Value};

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    h: &Object<'js>,
    host: &crate::runtime::host::Shared,
) -> rquickjs::Result<()> {
    h.set("version", env!("CARGO_PKG_VERSION"))?;
    // `navigator.platform`, in the form browsers give ("Linux x86_64").
    let os = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "MacIntel",
        "windows" => "Win32",
        other => other,
    };
    h.set(
        "platform",
        if os == "Linux" {
            format!("Linux {}", std::env::consts::ARCH)
        } else {
            os.to_string()
        },
    )?;
    h.set(
        "hardwareConcurrency",
        std::thread::available_parallelism().map_or(1, |n| n.get()) as u32,
    )?;
    // The run's blob URL store (`runtime::blob_urls`).
    let s = host.clone();
    h.set(
        "blobURLRegister",
        Function::new(
            ctx.clone(),
            move |Usv(url): Usv, bytes: rquickjs::TypedArray<'js, u8>, Usv(kind): Usv| {
                let bytes = crate::engine::ffi::typed_array_bytes(&bytes);
                let mut st = s.borrow_mut();
                st.blob_urls_made.push(url.clone());
                st.signal.group().blob_urls.insert(
                    url,
                    crate::runtime::blob_urls::Entry {
                        bytes: bytes.into(),
                        kind,
                    },
                );
            },
        )?,
    )?;
    let s = host.clone();
    h.set(
        "blobURLRevoke",
        Function::new(ctx.clone(), move |Usv(url): Usv| {
            let mut st = s.borrow_mut();
            st.blob_urls_made.retain(|u| *u != url);
            st.signal.group().blob_urls.remove(&url);
        })?,
    )?;
    let s = host.clone();
    h.set(
        "blobURLLive",
        Function::new(ctx.clone(), move |Usv(url): Usv| {
            s.borrow().signal.group().blob_urls.contains(&url)
        })?,
    )?;
    let s = host.clone();
    h.set(
        "blobURLLookup",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, Usv(url): Usv| -> rquickjs::Result<Value<'js>> {
                let found = s.borrow().signal.group().blob_urls.get(&url);
                let Some(entry) = found else {
                    return Ok(Value::new_undefined(ctx));
                };
                let buffer = rquickjs::ArrayBuffer::new_copy(ctx.clone(), &*entry.bytes)?;
                let kind = rquickjs::String::from_str(ctx.clone(), &entry.kind)?;
                crate::engine::ffi::array_of(&ctx, vec![buffer.into_value(), kind.into_value()])
            },
        )?,
    )?;
    h.set(
        "uuid",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>| -> rquickjs::Result<String> {
                let n = u128::from_le_bytes(rand_bytes(&ctx)?);
                let h = format!("{n:032x}");
                Ok(format!(
                    "{}-{}-4{}-a{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[13..16],
                    &h[17..20],
                    &h[20..32]
                ))
            },
        )?,
    )?;
    h.set(
        "urlParse",
        Function::new(
            ctx.clone(),
            move |Usv(input): Usv, base: Option<Usv>| -> Option<Vec<String>> {
                crate::runtime::globals::url::parse(&input, base.as_ref().map(|b| b.0.as_str()))
            },
        )?,
    )?;
    h.set(
        "urlSet",
        Function::new(
            ctx.clone(),
            move |Usv(href): Usv, Usv(part): Usv, Usv(value): Usv| -> Option<Vec<String>> {
                crate::runtime::globals::url::set(&href, &part, &value)
            },
        )?,
    )?;
    Ok(())
}
