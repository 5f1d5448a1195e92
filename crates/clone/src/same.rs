//! Structural equality of graphs: the same value up to renaming of
//! objects (`Graph::same`).

use crate::value::{Graph, HostObject, Object, ObjectId, PropertyKey, Value};

impl Graph {
    /// Structural equality with identity: true when the two graphs are the
    /// same value up to renaming of objects. Shared references must be shared
    /// in both (and cycles alike); numbers compare with SameValue (NaN equals
    /// NaN, `-0` differs from `0`).
    pub fn same(&self, other: &Graph) -> bool {
        let mut eq = SameGraph {
            a: self,
            b: other,
            fwd: vec![None; self.objects.len()],
            back: vec![None; other.objects.len()],
        };
        eq.value(&self.root, &other.root)
    }
}

impl PartialEq for Graph {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

fn same_number(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

struct SameGraph<'g> {
    a: &'g Graph,
    b: &'g Graph,
    fwd: Vec<Option<u32>>,
    back: Vec<Option<u32>>,
}

impl SameGraph<'_> {
    fn value(&mut self, x: &Value, y: &Value) -> bool {
        match (x, y) {
            (Value::Number(a), Value::Number(b)) => same_number(*a, *b),
            (Value::Object(a), Value::Object(b)) => self.object(*a, *b),
            _ => x == y,
        }
    }

    fn values(&mut self, xs: &[Value], ys: &[Value]) -> bool {
        xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| self.value(x, y))
    }

    fn props(&mut self, xs: &[(PropertyKey, Value)], ys: &[(PropertyKey, Value)]) -> bool {
        xs.len() == ys.len()
            && xs
                .iter()
                .zip(ys)
                .all(|((kx, x), (ky, y))| kx == ky && self.value(x, y))
    }

    fn object(&mut self, a: ObjectId, b: ObjectId) -> bool {
        let (ai, bi) = (a.0 as usize, b.0 as usize);
        if ai >= self.fwd.len() || bi >= self.back.len() {
            return false;
        }
        match (self.fwd[ai], self.back[bi]) {
            (Some(x), Some(y)) => return x == b.0 && y == a.0,
            (None, None) => {}
            _ => return false,
        }
        self.fwd[ai] = Some(b.0);
        self.back[bi] = Some(a.0);
        let (ga, gb) = (self.a, self.b);
        match (&ga.objects[ai], &gb.objects[bi]) {
            (Object::Number(x), Object::Number(y)) | (Object::Date(x), Object::Date(y)) => {
                same_number(*x, *y)
            }
            (Object::View(x), Object::View(y)) => {
                x.kind == y.kind
                    && x.byte_offset == y.byte_offset
                    && x.byte_length == y.byte_length
                    && x.length_tracking == y.length_tracking
                    && self.object(x.buffer, y.buffer)
            }
            (Object::Map(x), Object::Map(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((k1, v1), (k2, v2))| self.value(k1, k2) && self.value(v1, v2))
            }
            (Object::Set(x), Object::Set(y)) => self.values(x, y),
            (Object::Array(x), Object::Array(y)) => {
                x.length == y.length && self.props(ga.props(x.properties), gb.props(y.properties))
            }
            (Object::Object(x), Object::Object(y)) => self.props(ga.props(*x), gb.props(*y)),
            (Object::Error(x), Object::Error(y)) => {
                x.name == y.name
                    && x.message == y.message
                    && x.stack == y.stack
                    && match (&x.cause, &y.cause) {
                        (Some(c), Some(d)) => self.value(c, d),
                        (None, None) => true,
                        _ => false,
                    }
            }
            (Object::Host(HostObject::File(f1)), Object::Host(HostObject::File(f2))) => {
                f1.name == f2.name
                    && same_number(f1.last_modified, f2.last_modified)
                    && f1.blob == f2.blob
            }
            (x, y) => x == y,
        }
    }
}
