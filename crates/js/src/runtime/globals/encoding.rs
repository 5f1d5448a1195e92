//! Bytes and text: `atob`/`btoa` (HTML `#atob`), UTF-8 for
//! TextEncoder/TextDecoder (Encoding `#utf-8`), random bytes and digests
//! for `crypto` (WebCrypto).

#![forbid(unsafe_code)]

use crate::engine::ffi::Usv;
use rquickjs::{ArrayBuffer, Ctx, Function, Object, TypedArray, Value};

/// Sets this interface's functions on the `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>) -> rquickjs::Result<()> {
    // atob/btoa (HTML #atob): forgiving-base64 decode (data-url crate) and
    // standard base64 encode over Latin-1 strings; `None` is an error.
    h.set(
        "atob",
        Function::new(ctx.clone(), move |Usv(data): Usv| -> Option<String> {
            let bytes = data_url::forgiving_base64::decode_to_vec(data.as_bytes()).ok()?;
            Some(bytes.into_iter().map(char::from).collect())
        })?,
    )?;
    h.set(
        "btoa",
        Function::new(ctx.clone(), move |Usv(data): Usv| -> Option<String> {
            let bytes: Option<Vec<u8>> = data
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect();
            Some(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                bytes?,
            ))
        })?,
    )?;
    // fetch's data: URLs (Fetch #data-urls, through the data-url crate):
    // [the bytes, the MIME type], or undefined for an invalid one.
    h.set(
        "fetchData",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, Usv(url): Usv| -> rquickjs::Result<Value<'js>> {
                let decoded = data_url::DataUrl::process(&url)
                    .ok()
                    .and_then(|d| Some((d.decode_to_vec().ok()?.0, d.mime_type().to_string())));
                let Some((bytes, mime)) = decoded else {
                    return Ok(Value::new_undefined(ctx));
                };
                let parts = vec![
                    ArrayBuffer::new(ctx.clone(), bytes)?.into_value(),
                    rquickjs::String::from_str(ctx.clone(), &mime)?.into_value(),
                ];
                crate::engine::ffi::array_of(&ctx, parts)
            },
        )?,
    )?;
    // fetch's file: URLs: the bytes, or why not (a string).
    h.set(
        "fetchFile",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, Usv(url): Usv| -> rquickjs::Result<Value<'js>> {
                match crate::runtime::read_data_file(&url) {
                    Ok(bytes) => Ok(ArrayBuffer::new(ctx, bytes)?.into_value()),
                    Err(why) => Ok(rquickjs::String::from_str(ctx, &why)?.into_value()),
                }
            },
        )?,
    )?;
    h.set(
        "utf8Encode",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, Usv(s): Usv| {
            ArrayBuffer::new(ctx, s.into_bytes())
        })?,
    )?;
    h.set(
        "utf16Length",
        Function::new(ctx.clone(), move |bytes: TypedArray<'js, u8>| -> usize {
            String::from_utf8_lossy(&crate::engine::ffi::typed_array_bytes(&bytes))
                .encode_utf16()
                .count()
        })?,
    )?;
    h.set(
        "utf8Decode",
        Function::new(
            ctx.clone(),
            move |bytes: TypedArray<'js, u8>, fatal: bool, ignore_bom: bool| -> Option<String> {
                utf8_decode(
                    &crate::engine::ffi::typed_array_bytes(&bytes),
                    fatal,
                    ignore_bom,
                )
            },
        )?,
    )?;
    // TextDecoder's common call, `decode(bytes)` on a Uint8Array: the whole
    // decode in one call. `undefined` for any other input (the prelude's
    // general path reads it), `null` for bad UTF-8 under `fatal`.
    h.set(
        "utf8DecodeView",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  v: Value<'js>,
                  fatal: bool,
                  ignore_bom: bool|
                  -> rquickjs::Result<Value<'js>> {
                let Ok(bytes) = TypedArray::<u8>::from_value(v) else {
                    return Ok(Value::new_undefined(ctx));
                };
                let all = crate::engine::ffi::typed_array_bytes(&bytes);
                match utf8_decode(&all, fatal, ignore_bom) {
                    Some(s) => Ok(rquickjs::String::from_str(ctx, &s)?.into_value()),
                    None => Ok(Value::new_null(ctx)),
                }
            },
        )?,
    )?;
    h.set(
        "randomBytes",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, n: usize| {
            let bytes = random_bytes(&ctx, n.min(65536))?;
            ArrayBuffer::new(ctx, bytes)
        })?,
    )?;
    // crypto.subtle.digest's hashing (WebCrypto #sha): `None` for an
    // algorithm this host does not have.
    h.set(
        "digest",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  algorithm: String,
                  data: TypedArray<'js, u8>|
                  -> rquickjs::Result<Option<ArrayBuffer<'js>>> {
                use sha2::Digest;
                let bytes = crate::engine::ffi::typed_array_bytes(&data);
                let out: Vec<u8> = match algorithm.as_str() {
                    "SHA-1" => sha1::Sha1::digest(&bytes).to_vec(),
                    "SHA-256" => sha2::Sha256::digest(&bytes).to_vec(),
                    "SHA-384" => sha2::Sha384::digest(&bytes).to_vec(),
                    "SHA-512" => sha2::Sha512::digest(&bytes).to_vec(),
                    _ => return Ok(None),
                };
                ArrayBuffer::new(ctx, out).map(Some)
            },
        )?,
    )?;
    Ok(())
}

/// Bytes from the operating system's CSPRNG (`crypto.getRandomValues`,
/// `crypto.randomUUID`, blob URLs). There is no fallback: bytes that are
/// not cryptographically random must never pass for random ones, so a
/// failure of the OS source is an exception in JavaScript.
fn random_bytes<'js>(ctx: &Ctx<'js>, n: usize) -> rquickjs::Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    match getrandom::fill(&mut out) {
        Ok(()) => Ok(out),
        Err(e) => Err(rquickjs::Exception::throw_message(
            ctx,
            &format!("crypto: the operating system's random source failed: {e}"),
        )),
    }
}

pub(super) fn rand_bytes(ctx: &Ctx<'_>) -> rquickjs::Result<[u8; 16]> {
    let mut out = [0u8; 16];
    out.copy_from_slice(&random_bytes(ctx, 16)?);
    Ok(out)
}

/// UTF-8 decode (Encoding `#utf-8-decode`): without its BOM unless
/// `ignore_bom`, errors replaced by U+FFFD, or `None` at the first under
/// `fatal`.
fn utf8_decode(all: &[u8], fatal: bool, ignore_bom: bool) -> Option<String> {
    let mut b = all;
    if !ignore_bom && b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        b = &b[3..];
    }
    if fatal {
        std::str::from_utf8(b).ok().map(str::to_string)
    } else {
        Some(String::from_utf8_lossy(b).into_owned())
    }
}
