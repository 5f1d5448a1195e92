//! JavaScript strings: sequences of UTF-16 code units that may hold lone
//! surrogates (spec-notes §2.2 step 4: "lone surrogates are kept").

use std::borrow::Cow;
use std::fmt;

/// A JavaScript string value.
///
/// Valid Unicode is stored as UTF-8 (the common, fast case); a string
/// holding a lone surrogate is stored as raw UTF-16 code units so it
/// survives a round trip exactly. Both are reference-counted: cloning is
/// cheap, which lets the decoder share repeated keys as V8 internalizes them. The representation is normalised, so two
/// `JsString`s are equal exactly when their code units are equal.
///
/// ```
/// use msgport_clone::JsString;
/// let ok = JsString::from("héllo");
/// assert_eq!(ok.as_str(), Some("héllo"));
/// let lone = JsString::from_utf16(&[0x61, 0xD800]);
/// assert_eq!(lone.as_str(), None);
/// assert_eq!(lone.to_utf16(), vec![0x61, 0xD800]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsString(Repr);

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    /// Well-formed text.
    Utf8(Arc<str>),
    /// Code units including at least one lone surrogate.
    Wtf16(Arc<[u16]>),
}

use std::sync::Arc;

impl JsString {
    /// The empty string.
    pub fn new() -> Self {
        JsString(Repr::Utf8(Arc::from("")))
    }

    /// A string from UTF-16 code units, lone surrogates included.
    pub fn from_utf16(units: &[u16]) -> Self {
        match String::from_utf16(units) {
            Ok(s) => JsString(Repr::Utf8(s.into())),
            Err(_) => JsString(Repr::Wtf16(units.into())),
        }
    }

    /// A string from Latin-1 bytes (each byte one code unit), as V8's
    /// one-byte strings are stored.
    pub fn from_latin1(bytes: &[u8]) -> Self {
        if bytes.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            JsString(Repr::Utf8(Arc::from(unsafe {
                std::str::from_utf8_unchecked(bytes)
            })))
        } else {
            JsString(Repr::Utf8(
                bytes.iter().map(|&b| b as char).collect::<String>().into(),
            ))
        }
    }

    /// The text, if it is well-formed Unicode (no lone surrogates).
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Utf8(s) => Some(s),
            Repr::Wtf16(_) => None,
        }
    }

    /// The text, with lone surrogates replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Utf8(s) => Cow::Borrowed(s),
            Repr::Wtf16(u) => Cow::Owned(String::from_utf16_lossy(u)),
        }
    }

    /// The UTF-16 code units.
    pub fn to_utf16(&self) -> Vec<u16> {
        match &self.0 {
            Repr::Utf8(s) => s.encode_utf16().collect(),
            Repr::Wtf16(u) => u.to_vec(),
        }
    }

    /// Length in UTF-16 code units (JavaScript's `length`).
    pub fn len_utf16(&self) -> usize {
        match &self.0 {
            Repr::Utf8(s) => s.chars().map(char::len_utf16).sum(),
            Repr::Wtf16(u) => u.len(),
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Repr::Utf8(s) => s.is_empty(),
            Repr::Wtf16(u) => u.is_empty(),
        }
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
        JsString(Repr::Utf8(Arc::from(s)))
    }
}

impl From<String> for JsString {
    fn from(s: String) -> Self {
        JsString(Repr::Utf8(s.into()))
    }
}

impl fmt::Display for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Utf8(s) => fmt::Debug::fmt(&**s, f),
            Repr::Wtf16(u) => write!(f, "JsString(utf16 {u:04x?})"),
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
    fn latin1_and_utf16_normalise() {
        assert_eq!(JsString::from_latin1(&[0xE9]), JsString::from("é"));
        assert_eq!(JsString::from_utf16(&[0x20AC]), JsString::from("€"));
        let lone = JsString::from_utf16(&[0xDC00]);
        assert_eq!(lone.len_utf16(), 1);
        assert_eq!(lone.to_string_lossy(), "\u{FFFD}");
        assert_eq!(JsString::from("😀").len_utf16(), 2);
    }
}
