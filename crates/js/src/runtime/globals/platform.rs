//! What the platform says about itself: `navigator` facts, UUIDs
//! (`crypto.randomUUID`), URL parsing for `URL`.

#![forbid(unsafe_code)]

use super::encoding::rand_bytes;
use crate::engine::ffi::Usv;
use rquickjs::{Ctx, Function, Object};

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>) -> rquickjs::Result<()> {
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
