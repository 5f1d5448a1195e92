//! The decoder's property storage under nesting (see `Open` in decode.rs).

use msgport_clone::*;

/// Properties before and after nested objects, arrays with extra
/// properties, objects inside Maps, Sets and an Error's cause: each
/// object's properties come back complete and in order whichever way
/// the decoder had to store them while its children were read.
#[test]
fn interleaved_nesting_keeps_every_objects_properties() {
    let mut g = Graph::default();
    let leaf = g.object(vec![
        ("w".into(), Value::Number(0.5)),
        ("s".into(), "leaf".into()),
    ]);
    let in_set = g.object(vec![("in".into(), "set".into())]);
    let set = g.alloc(Object::Set(vec![Value::Object(in_set), Value::Number(1.0)]));
    let in_map = g.object(vec![
        ("k".into(), Value::Object(set)),
        ("after".into(), Value::Bool(true)),
    ]);
    let map = g.alloc(Object::Map(vec![("m".into(), Value::Object(in_map))]));
    let cause = g.object(vec![("why".into(), "because".into())]);
    let error = g.alloc(Object::Error(Box::new(ErrorValue {
        name: ErrorName::TypeError,
        message: Some("bad".into()),
        stack: None,
        cause: Some(Value::Object(cause)),
    })));
    let arr = g.array(vec![Value::Object(leaf), "x".into(), Value::Object(map)]);
    g.set_property(arr, "extra", Value::Object(error));
    g.set_property(arr, "tail", Value::Number(7.0));
    let root = g.object(vec![
        ("before".into(), Value::Number(1.0)),
        ("arr".into(), Value::Object(arr)),
        ("middle".into(), "m".into()),
        ("again".into(), Value::Object(leaf)),
        ("deep".into(), Value::Object(in_map)),
        ("after".into(), Value::Null),
    ]);
    g.root = Value::Object(root);
    let back = from_bytes_graph(&to_bytes_graph(&g).unwrap()).unwrap();
    assert!(back.same(&g));
    let Value::Object(r) = back.root else {
        panic!("root is an object")
    };
    let keys: Vec<_> = back
        .properties_of(r)
        .unwrap()
        .iter()
        .map(|(k, _)| k.clone())
        .collect();
    let want: Vec<PropertyKey> = ["before", "arr", "middle", "again", "deep", "after"]
        .into_iter()
        .map(PropertyKey::from)
        .collect();
    assert_eq!(keys, want);
}
