//! JavaScript strings: sequences of UTF-16 code units that may hold lone
//! surrogates (HTML `#structuredserializeinternal`: a String is its code units, so lone surrogates are kept).

use std::borrow::Cow;
use std::fmt;

/// A JavaScript string value.
///
/// Valid Unicode is stored as UTF-8: up to 22 bytes inside the value
/// itself (no allocation; most keys and many values), longer text behind a
/// reference count (cheap to clone). A string holding a lone surrogate is
/// stored as raw UTF-16 code units so it survives a round trip exactly. The
/// representation is normalised, so two `JsString`s are equal exactly when
/// their code units are equal.
///
/// ```
/// use msgport_clone::JsString;
/// let ok = JsString::from("héllo");
/// assert_eq!(ok.as_str(), Some("héllo"));
/// let lone = JsString::from_utf16(&[0x61, 0xD800]);
/// assert_eq!(lone.as_str(), None);
/// assert_eq!(lone.to_utf16(), vec![0x61, 0xD800]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JsString(Repr);

/// UTF-8 strings up to this many bytes are stored inline.
pub const INLINE: usize = 22;

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// Short well-formed text.
    Inline(Inline),
    /// Longer well-formed text.
    Utf8(Arc<str>),
    /// Code units including at least one lone surrogate.
    Wtf16(Arc<[u16]>),
}

use std::sync::Arc;

/// The bytes of a short string, 8-aligned at the start of the value so
/// that moving a `JsString` (or a `Value` or key holding one) is three
/// aligned words. (With a one-byte length first and the bytes at odd
/// offsets, every move of a freshly made key stalled store-to-load
/// forwarding: that was a third of the decode time of a typical graph.)
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, align(8))]
struct Inline {
    /// Bytes past `len` are zero, so equality and hashing can be derived.
    bytes: [u8; INLINE],
    len: Len,
}

macro_rules! lengths {
    ($($v:ident = $n:literal),*) => {
        /// A length `0..=INLINE`: its other byte values are the niche in
        /// which [`Repr`]'s and its containers' tags live, so the string
        /// stays 24 bytes.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        enum Len { $($v = $n),* }

        impl Len {
            fn new(n: usize) -> Len {
                match n { $($n => Len::$v,)* _ => unreachable!("inline strings hold at most {INLINE} bytes") }
            }
        }
    };
}
lengths!(
    L0 = 0,
    L1 = 1,
    L2 = 2,
    L3 = 3,
    L4 = 4,
    L5 = 5,
    L6 = 6,
    L7 = 7,
    L8 = 8,
    L9 = 9,
    L10 = 10,
    L11 = 11,
    L12 = 12,
    L13 = 13,
    L14 = 14,
    L15 = 15,
    L16 = 16,
    L17 = 17,
    L18 = 18,
    L19 = 19,
    L20 = 20,
    L21 = 21,
    L22 = 22
);

impl Repr {
    fn utf8(s: &str) -> Repr {
        if s.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Repr::Inline(Inline {
                bytes,
                len: Len::new(s.len()),
            })
        } else {
            Repr::Utf8(Arc::from(s))
        }
    }
}

impl PartialOrd for JsString {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsString {
    /// Code-unit order, as JavaScript compares strings.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.as_str(), other.as_str()) {
            (Some(a), Some(b)) if a.is_ascii() && b.is_ascii() => a.cmp(b),
            _ => self.to_utf16().cmp(&other.to_utf16()),
        }
    }
}

impl JsString {
    /// The empty string.
    pub const fn new() -> Self {
        JsString(Repr::Inline(Inline {
            bytes: [0; INLINE],
            len: Len::L0,
        }))
    }

    /// A string from UTF-16 code units, lone surrogates included.
    pub fn from_utf16(units: &[u16]) -> Self {
        match String::from_utf16(units) {
            Ok(s) => JsString(Repr::utf8(&s)),
            Err(_) => JsString(Repr::Wtf16(units.into())),
        }
    }

    /// A string from Latin-1 bytes (each byte one code unit), as V8's
    /// one-byte strings are stored.
    pub fn from_latin1(bytes: &[u8]) -> Self {
        if bytes.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            JsString(Repr::utf8(unsafe { std::str::from_utf8_unchecked(bytes) }))
        } else {
            JsString(Repr::utf8(
                &bytes.iter().map(|&b| b as char).collect::<String>(),
            ))
        }
    }

    /// The text, if it is well-formed Unicode (no lone surrogates).
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            // SAFETY: `Inline` holds the bytes of a `&str` (see `Repr::utf8`).
            Repr::Inline(i) => {
                Some(unsafe { std::str::from_utf8_unchecked(&i.bytes[..i.len as usize]) })
            }
            Repr::Utf8(s) => Some(s),
            Repr::Wtf16(_) => None,
        }
    }

    /// The text, with lone surrogates replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        match (&self.0, self.as_str()) {
            (_, Some(s)) => Cow::Borrowed(s),
            (Repr::Wtf16(u), None) => Cow::Owned(String::from_utf16_lossy(u)),
            _ => unreachable!("only Wtf16 has no str"),
        }
    }

    /// The UTF-16 code units.
    pub fn to_utf16(&self) -> Vec<u16> {
        match (&self.0, self.as_str()) {
            (_, Some(s)) => s.encode_utf16().collect(),
            (Repr::Wtf16(u), None) => u.to_vec(),
            _ => unreachable!("only Wtf16 has no str"),
        }
    }

    /// Length in UTF-16 code units (JavaScript's `length`).
    pub fn len_utf16(&self) -> usize {
        match (&self.0, self.as_str()) {
            (_, Some(s)) => s.chars().map(char::len_utf16).sum(),
            (Repr::Wtf16(u), None) => u.len(),
            _ => unreachable!("only Wtf16 has no str"),
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        matches!(self.0, Repr::Inline(Inline { len: Len::L0, .. }))
    }

    /// If the string is a canonical array index (`"0"` … `"4294967294"`), that index.
    pub fn as_array_index(&self) -> Option<u32> {
        let s = self.as_str()?;
        parse_array_index(s)
    }
}

/// Parses a canonical array index as JavaScript defines it: the decimal
/// form of an integer in `0 ..= 2^32 - 2`, with no leading zeros.
pub(crate) fn parse_array_index(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 10 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    if n <= u64::from(u32::MAX - 1) {
        Some(n as u32)
    } else {
        None
    }
}

impl Default for JsString {
    fn default() -> Self {
        JsString::new()
    }
}

impl From<&str> for JsString {
    fn from(s: &str) -> Self {
        JsString(Repr::utf8(s))
    }
}

impl From<String> for JsString {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            JsString(Repr::utf8(&s))
        } else {
            JsString(Repr::Utf8(s.into()))
        }
    }
}

impl fmt::Display for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0, self.as_str()) {
            (_, Some(s)) => fmt::Debug::fmt(s, f),
            (Repr::Wtf16(u), None) => write!(f, "JsString(utf16 {u:04x?})"),
            _ => unreachable!("only Wtf16 has no str"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_index_is_canonical() {
        assert_eq!(parse_array_index("0"), Some(0));
        assert_eq!(parse_array_index("4294967294"), Some(4294967294));
        assert_eq!(parse_array_index("4294967295"), None);
        assert_eq!(parse_array_index("01"), None);
        assert_eq!(parse_array_index("-1"), None);
        assert_eq!(parse_array_index(""), None);
        assert_eq!(parse_array_index("1.5"), None);
    }

    #[test]
    fn inline_and_shared_forms_are_one_value() {
        let short = "k".repeat(INLINE);
        let long = "k".repeat(INLINE + 1);
        assert_eq!(
            JsString::from(short.as_str()),
            JsString::from(short.clone())
        );
        assert_eq!(JsString::from(long.as_str()), JsString::from(long.clone()));
        assert_eq!(
            JsString::from_utf16(&long.encode_utf16().collect::<Vec<_>>()),
            JsString::from(long.as_str())
        );
        assert_eq!(
            JsString::from_latin1(short.as_bytes()).as_str(),
            Some(short.as_str())
        );
        assert!(
            JsString::new().is_empty()
                && JsString::from("").is_empty()
                && !JsString::from("x").is_empty()
        );
        // Code-unit order: U+FFFD sorts after a surrogate pair's lead unit.
        let astral = JsString::from("\u{1F600}");
        let bmp_high = JsString::from("\u{FFFD}");
        assert!(astral < bmp_high);
        assert!(JsString::from("a") < JsString::from("b"));
    }

    #[test]
    fn latin1_and_utf16_normalise() {
        assert_eq!(JsString::from_latin1(&[0xE9]), JsString::from("é"));
        assert_eq!(JsString::from_utf16(&[0x20AC]), JsString::from("€"));
        let lone = JsString::from_utf16(&[0xDC00]);
        assert_eq!(lone.len_utf16(), 1);
        assert_eq!(lone.to_string_lossy(), "\u{FFFD}");
        assert_eq!(JsString::from("😀").len_utf16(), 2);
    }
}
