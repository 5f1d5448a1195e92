//! The serde access types of the deserializer: enum variants, keys,
//! object properties, Set/Map items and array elements (holes included).

use super::Deserializer;
use crate::error::{CloneError, Result};
use crate::wire::tag;
use serde::de::{self, DeserializeSeed, Visitor};

pub(super) struct Enum<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for Enum<'_, 'de> {
    type Error = CloneError;
    type Variant = Self;
    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self)> {
        let name = seed.deserialize(Key { de: &mut *self.de })?;
        Ok((name, self))
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'_, 'de> {
    type Error = CloneError;
    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(&mut *self.de).map(|_: de::IgnoredAny| ())
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value> {
        seed.deserialize(&mut *self.de)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value> {
        de::Deserializer::deserialize_any(&mut *self.de, v)
    }
    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], v: V) -> Result<V::Value> {
        de::Deserializer::deserialize_any(&mut *self.de, v)
    }
}

/// An object key: strings as they are, numbers as their canonical text.
pub(super) struct Key<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
}

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = CloneError;
    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        if let Some(s) = self.de.r.short_ascii() {
            return v.visit_borrowed_str(s);
        }
        let (at, t) = self.de.tag_skipping_verify()?;
        let n = match t {
            tag::ONE_BYTE_STRING | tag::TWO_BYTE_STRING | tag::UTF8_STRING => {
                let s = self.de.r.string_body(t)?;
                return Deserializer::visit_str(s, v);
            }
            tag::INT32 => f64::from(self.de.r.zigzag()?),
            tag::UINT32 => f64::from(self.de.r.varint32()?),
            tag::DOUBLE => self.de.r.double()?,
            _ => return Err(CloneError::UnexpectedTag { tag: t, at }),
        };
        let mut buf = ryu_js::Buffer::new();
        v.visit_string(buf.format(n).to_string())
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Key/value pairs up to an end tag: object properties (keys through
/// [`Key`]) or Map entries (keys are any value).
pub(super) struct Props<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) end: u8,
    pub(super) count: u32,
    pub(super) done: bool,
}

impl Props<'_, '_> {
    pub(super) fn finish(&mut self) -> Result<u32> {
        while !self.done {
            if self.de.r.eat_tag(self.end) {
                break;
            }
            self.skip_entry()?;
        }
        Ok(self.count)
    }

    fn skip_entry(&mut self) -> Result<()> {
        if self.end == tag::END_JS_OBJECT {
            de::Deserialize::deserialize(Key { de: &mut *self.de }).map(|_: de::IgnoredAny| ())?;
        } else {
            de::Deserialize::deserialize(&mut *self.de).map(|_: de::IgnoredAny| ())?;
        }
        de::Deserialize::deserialize(&mut *self.de).map(|_: de::IgnoredAny| ())?;
        self.count += 1;
        Ok(())
    }
}

impl<'de> de::MapAccess<'de> for Props<'_, 'de> {
    type Error = CloneError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.done || self.de.r.eat_tag(self.end) {
            self.done = true;
            return Ok(None);
        }
        self.count += 1;
        if self.end == tag::END_JS_OBJECT {
            seed.deserialize(Key { de: &mut *self.de }).map(Some)
        } else {
            seed.deserialize(&mut *self.de).map(Some)
        }
    }
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        seed.deserialize(&mut *self.de)
    }
}

/// Set entries up to an end tag.
pub(super) struct Items<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) end: u8,
    pub(super) count: u32,
    pub(super) done: bool,
}

impl Items<'_, '_> {
    pub(super) fn finish(&mut self) -> Result<u32> {
        while !self.done && !self.de.r.eat_tag(self.end) {
            de::Deserialize::deserialize(&mut *self.de).map(|_: de::IgnoredAny| ())?;
            self.count += 1;
        }
        Ok(self.count)
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = CloneError;
    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if self.done || self.de.r.eat_tag(self.end) {
            self.done = true;
            return Ok(None);
        }
        self.count += 1;
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// Array elements `0..len`: holes read as `()`/`None`. For a sparse array the
/// index properties must come in ascending order; string-keyed properties
/// (which a sequence cannot hold) are skipped.
pub(super) struct ArrayItems<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) dense: bool,
    pub(super) len: u32,
    pub(super) next: u32,
    /// Properties read after the dense elements, or all of a sparse array's.
    pub(super) props: u32,
}

/// What stands at an array slot that holds nothing.
pub(super) struct Hole;

impl<'de> de::Deserializer<'de> for Hole {
    type Error = CloneError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        v.visit_unit()
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
        v.visit_none()
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl ArrayItems<'_, '_> {
    /// The index of the next sparse property, if its key is a number.
    fn peek_sparse_index(&self) -> Result<Option<u32>> {
        let mut r = self.de.r.clone();
        let t = r.tag()?;
        let n = match t {
            tag::INT32 => f64::from(r.zigzag()?),
            tag::UINT32 => f64::from(r.varint32()?),
            tag::DOUBLE => r.double()?,
            _ => return Ok(None),
        };
        if n >= 0.0 && n.fract() == 0.0 && n < 4294967295.0 {
            Ok(Some(n as u32))
        } else {
            Ok(None)
        }
    }

    pub(super) fn finish(&mut self, end: u8) -> Result<u32> {
        if self.dense {
            while self.next < self.len {
                self.next += 1;
                if !self.de.r.eat_tag(tag::THE_HOLE) {
                    de::Deserialize::deserialize(&mut *self.de).map(|_: de::IgnoredAny| ())?;
                }
            }
        }
        while !self.de.r.eat_tag(end) {
            de::Deserialize::deserialize(Key { de: &mut *self.de }).map(|_: de::IgnoredAny| ())?;
            de::Deserialize::deserialize(&mut *self.de).map(|_: de::IgnoredAny| ())?;
            self.props += 1;
        }
        Ok(self.props)
    }
}

impl<'de> de::SeqAccess<'de> for ArrayItems<'_, 'de> {
    type Error = CloneError;
    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if self.next >= self.len {
            return Ok(None);
        }
        let i = self.next;
        self.next += 1;
        if self.dense {
            if self.de.r.eat_tag(tag::THE_HOLE) {
                return seed.deserialize(Hole).map(Some);
            }
            return seed.deserialize(&mut *self.de).map(Some);
        }
        match self.peek_sparse_index()? {
            Some(k) if k == i => {
                de::Deserialize::deserialize(Key { de: &mut *self.de })
                    .map(|_: de::IgnoredAny| ())?;
                self.props += 1;
                seed.deserialize(&mut *self.de).map(Some)
            }
            Some(k) if k < i => Err(CloneError::Custom(
                "sparse array indices out of order".into(),
            )),
            _ => seed.deserialize(Hole).map(Some),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.next) as usize)
    }
}
