//! The depth limit is one rule for encoding and decoding: for every shape
//! of nesting, what the serde encoder accepts both decoders (graph and
//! serde) read, and what it refuses they would refuse too.

use msgport_clone::{from_bytes, from_bytes_graph, to_bytes, CloneError, DEFAULT_MAX_DEPTH};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStructVariant, Serializer};
use serde::Serialize;

/// `levels` nested containers of one shape around a number.
#[derive(Clone, Copy)]
enum Shape {
    Seq,
    Map,
    NewtypeVariant,
    StructVariant,
    Struct,
}

struct Nest(Shape, usize);

impl Serialize for Nest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Nest(shape, n) = *self;
        if n == 0 {
            return s.serialize_u32(7);
        }
        let inner = Nest(shape, n - 1);
        match shape {
            Shape::Seq => {
                let mut q = s.serialize_seq(Some(1))?;
                q.serialize_element(&inner)?;
                q.end()
            }
            Shape::Map => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&1u8, &inner)?;
                m.end()
            }
            Shape::NewtypeVariant => s.serialize_newtype_variant("E", 0, "V", &inner),
            // Two levels per step: the variant's wrapper and its fields.
            Shape::StructVariant if n >= 2 => {
                let mut v = s.serialize_struct_variant("E", 0, "S", 1)?;
                v.serialize_field("next", &Nest(shape, n - 2))?;
                v.end()
            }
            Shape::StructVariant | Shape::Struct => {
                use serde::ser::SerializeStruct;
                let mut v = s.serialize_struct("T", 1)?;
                v.serialize_field("next", &inner)?;
                v.end()
            }
        }
    }
}

#[test]
fn encoder_and_decoders_agree_at_the_limit() {
    // A thread with the default (small) stack: the encoder grows it as
    // needed rather than overflow.
    std::thread::spawn(|| {
        for shape in [
            Shape::Seq,
            Shape::Map,
            Shape::NewtypeVariant,
            Shape::StructVariant,
            Shape::Struct,
        ] {
            for depth in [
                DEFAULT_MAX_DEPTH - 1,
                DEFAULT_MAX_DEPTH,
                DEFAULT_MAX_DEPTH + 1,
            ] {
                let encoded = to_bytes(&Nest(shape, depth));
                if depth <= DEFAULT_MAX_DEPTH {
                    let bytes = encoded.expect("within the limit");
                    from_bytes_graph(&bytes).expect("the graph decoder reads it");
                    from_bytes::<serde::de::IgnoredAny>(&bytes)
                        .expect("the serde decoder reads it");
                } else {
                    assert_eq!(encoded.unwrap_err(), CloneError::TooDeep(DEFAULT_MAX_DEPTH));
                }
            }
        }
    })
    .join()
    .unwrap();
}

#[test]
fn decoders_refuse_one_level_more() {
    std::thread::spawn(|| {
        // The encoder's deepest array, wrapped once more by hand.
        let inner = to_bytes(&Nest(Shape::Seq, DEFAULT_MAX_DEPTH)).unwrap();
        let mut bytes = vec![0xFF, 0x0F, b'A', 1];
        bytes.extend_from_slice(&inner[2..]);
        bytes.extend_from_slice(&[b'$', 0, 1]);
        assert_eq!(
            from_bytes_graph(&bytes).unwrap_err(),
            CloneError::TooDeep(DEFAULT_MAX_DEPTH)
        );
        assert_eq!(
            from_bytes::<serde::de::IgnoredAny>(&bytes).unwrap_err(),
            CloneError::TooDeep(DEFAULT_MAX_DEPTH)
        );
    })
    .join()
    .unwrap();
}
