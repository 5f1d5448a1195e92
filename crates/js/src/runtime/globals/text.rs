//! TextDecoder's decoders (Encoding Standard `#interface-textdecoder`):
//! every encoding of the standard, through `encoding_rs` (the crate
//! Firefox uses), with `fatal`, `ignoreBOM` and streaming.
//!
//! A decoder object's state lives here while it streams (a decode with
//! `stream: true` may leave part of a sequence for the next call), keyed
//! by an id the prelude holds; a decode without `stream` ends it. The
//! prelude frees an abandoned stream's state when the object is collected.

#![forbid(unsafe_code)]

use crate::engine::ffi::Usv;
use encoding_rs::{CoderResult, DecoderResult, Encoding};
use rquickjs::{Ctx, Function, Object, TypedArray, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// A decoder that is streaming.
struct Stream {
    decoder: encoding_rs::Decoder,
}

thread_local! {
    /// This context's streaming decoders, by id (one context per thread).
    static STREAMS: RefCell<HashMap<u32, Stream>> = RefCell::new(HashMap::new());
}

/// Sets the host functions of TextDecoder.
pub(super) fn install<'js>(ctx: &Ctx<'js>, h: &Object<'js>) -> rquickjs::Result<()> {
    // The encoding a label names (Encoding `#concept-encoding-get`), in
    // lowercase as `TextDecoder.encoding` gives it; undefined for an
    // unknown label or the replacement encoding (a RangeError for the
    // constructor).
    h.set(
        "encodingForLabel",
        Function::new(ctx.clone(), |Usv(label): Usv| -> Option<String> {
            let e = Encoding::for_label(label.as_bytes())?;
            (e != encoding_rs::REPLACEMENT).then(|| e.name().to_ascii_lowercase())
        })?,
    )?;
    // decode(id, encoding, bytes, fatal, ignoreBOM, stream): the text, or
    // null for an error in fatal mode (the stream then ends).
    h.set(
        "textDecode",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             id: u32,
             Usv(encoding): Usv,
             bytes: TypedArray<'js, u8>,
             fatal: bool,
             ignore_bom: bool,
             stream: bool|
             -> rquickjs::Result<Value<'js>> {
                let bytes = crate::engine::ffi::typed_array_bytes(&bytes);
                match decode(id, &encoding, &bytes, fatal, ignore_bom, stream) {
                    Some(text) => Ok(rquickjs::String::from_str(ctx, &text)?.into_value()),
                    None => Ok(Value::new_null(ctx)),
                }
            },
        )?,
    )?;
    h.set(
        "textDecoderFree",
        Function::new(ctx.clone(), |id: u32| {
            STREAMS.with(|s| s.borrow_mut().remove(&id));
        })?,
    )?;
    Ok(())
}

/// Encoding `#dom-textdecoder-decode` for the decoder `id`.
fn decode(
    id: u32,
    encoding: &str,
    bytes: &[u8],
    fatal: bool,
    ignore_bom: bool,
    stream: bool,
) -> Option<String> {
    let encoding = Encoding::for_label(encoding.as_bytes())?;
    let mut s = STREAMS
        .with(|s| s.borrow_mut().remove(&id))
        .unwrap_or_else(|| Stream {
            decoder: if ignore_bom {
                encoding.new_decoder_without_bom_handling()
            } else {
                encoding.new_decoder_with_bom_removal()
            },
        });
    let last = !stream;
    let cap = s
        .decoder
        .max_utf8_buffer_length(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3) + 16);
    let mut out = String::with_capacity(cap);
    let ok = if fatal {
        let (result, _) = s
            .decoder
            .decode_to_string_without_replacement(bytes, &mut out, last);
        !matches!(result, DecoderResult::Malformed(..))
    } else {
        let (result, _, _) = s.decoder.decode_to_string(bytes, &mut out, last);
        debug_assert!(matches!(result, CoderResult::InputEmpty));
        true
    };
    if !ok {
        return None;
    }
    if stream {
        STREAMS.with(|st| st.borrow_mut().insert(id, s));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn streams_keep_partial_sequences_and_fatal_errors_end_them() {
        // "€" in UTF-8 split across calls.
        assert_eq!(
            decode(1, "utf-8", &[0xE2, 0x82], false, false, true).unwrap(),
            ""
        );
        assert_eq!(
            decode(1, "utf-8", &[0xAC], false, false, false).unwrap(),
            "€"
        );
        // windows-1252, Shift_JIS, UTF-16LE with its BOM removed.
        assert_eq!(
            decode(2, "windows-1252", &[0x80], false, false, false).unwrap(),
            "€"
        );
        assert_eq!(
            decode(3, "shift_jis", &[0x82, 0xA0], false, false, false).unwrap(),
            "あ"
        );
        assert_eq!(
            decode(
                4,
                "utf-16le",
                &[0xFF, 0xFE, 0x41, 0x00],
                false,
                false,
                false
            )
            .unwrap(),
            "A"
        );
        assert_eq!(
            decode(4, "utf-16le", &[0xFF, 0xFE, 0x41, 0x00], false, true, false).unwrap(),
            "\u{FEFF}A"
        );
        assert!(decode(5, "utf-8", &[0xFF], true, false, false).is_none());
        assert_eq!(
            decode(5, "utf-8", &[0xFF], false, false, false).unwrap(),
            "\u{FFFD}"
        );
    }
}
