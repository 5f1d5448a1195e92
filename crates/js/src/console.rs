//! `console` (WHATWG Console Standard, `#logger`), formatting values the way
//! Node and browsers' consoles do for the common cases.

use crate::event_loop::LoopState;
use rquickjs::function::Rest;
use rquickjs::{Ctx, Function, Object, Type, Value};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// Formats one value for the console: top-level strings as they are,
/// everything else inspected (`[ 1, 'a' ]`, `{ a: 1 }`, `[Function: f]`).
pub(crate) fn format_value<'js>(ctx: &Ctx<'js>, v: &Value<'js>, depth: usize) -> String {
    inspect(ctx, v, depth, true)
}

fn inspect<'js>(ctx: &Ctx<'js>, v: &Value<'js>, depth: usize, top: bool) -> String {
    match v.type_of() {
        Type::String => {
            let s = v
                .as_string()
                .and_then(|s| s.to_string().ok())
                .unwrap_or_default();
            if top {
                s
            } else {
                format!("'{}'", s.replace('\'', "\\'"))
            }
        }
        Type::Undefined | Type::Uninitialized => "undefined".into(),
        Type::Null => "null".into(),
        Type::Bool => v.as_bool().unwrap_or(false).to_string(),
        Type::Int | Type::Float => {
            let n = v.as_number().unwrap_or(f64::NAN);
            if n == 0.0 && n.is_sign_negative() {
                "-0".into()
            } else {
                coerce(ctx, v)
            }
        }
        Type::BigInt => format!("{}n", coerce(ctx, v)),
        Type::Symbol => coerce_symbol(ctx, v),
        Type::Function | Type::Constructor => {
            let name = v
                .as_object()
                .and_then(|o| o.get::<_, String>("name").ok())
                .filter(|n| !n.is_empty());
            match name {
                Some(n) => format!("[Function: {n}]"),
                None => "[Function (anonymous)]".into(),
            }
        }
        Type::Array => {
            let Some(arr) = v.as_array() else {
                return coerce(ctx, v);
            };
            if depth > 2 {
                return "[Array]".into();
            }
            let items: Vec<String> = arr
                .iter::<Value>()
                .map(|x| {
                    x.map(|x| inspect(ctx, &x, depth + 1, false))
                        .unwrap_or_default()
                })
                .collect();
            if items.is_empty() {
                "[]".into()
            } else {
                format!("[ {} ]", items.join(", "))
            }
        }
        Type::Exception => {
            let o = v.as_object();
            let name = o
                .and_then(|o| o.get::<_, String>("name").ok())
                .unwrap_or_else(|| "Error".into());
            let msg = o
                .and_then(|o| o.get::<_, String>("message").ok())
                .unwrap_or_default();
            if msg.is_empty() {
                name
            } else {
                format!("{name}: {msg}")
            }
        }
        Type::Object => {
            let Some(o) = v.as_object() else {
                return coerce(ctx, v);
            };
            if let Some(special) = inspect_builtin(ctx, v, depth) {
                return special;
            }
            if depth > 2 {
                return "[Object]".into();
            }
            let ctor = constructor_name(o);
            let mut parts = Vec::new();
            for key in o.keys::<String>().flatten() {
                let val: Value<'js> = o
                    .get(&key)
                    .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
                let k = if key
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                    && !key.is_empty()
                {
                    key
                } else {
                    format!("'{key}'")
                };
                parts.push(format!("{k}: {}", inspect(ctx, &val, depth + 1, false)));
            }
            let prefix = match ctor.as_deref() {
                Some("Object") | None => String::new(),
                Some(c) => format!("{c} "),
            };
            if parts.is_empty() {
                format!("{prefix}{{}}")
            } else {
                format!("{prefix}{{ {} }}", parts.join(", "))
            }
        }
        _ => coerce(ctx, v),
    }
}

/// Maps, Sets, Dates, RegExps and typed arrays, as Node's console shows them.
fn inspect_builtin<'js>(ctx: &Ctx<'js>, v: &Value<'js>, depth: usize) -> Option<String> {
    let f: Function = ctx
        .eval(
            r#"(o) => o instanceof Map ? ["Map", Array.from(o).flat()]
                : o instanceof Set ? ["Set", Array.from(o)]
                : o instanceof Date ? ["Date", isNaN(o) ? "Invalid Date" : o.toISOString()]
                : o instanceof RegExp ? ["RegExp", String(o)]
                : ArrayBuffer.isView(o) && !(o instanceof DataView) ? [o.constructor.name, Array.from(o.length > 100 ? o.subarray(0, 100) : o), o.length]
                : o instanceof ArrayBuffer ? ["ArrayBuffer", o.byteLength]
                : null"#,
        )
        .ok()?;
    let info: Option<rquickjs::Array> = f.call((v.clone(),)).ok()?;
    let info = info?;
    let kind: String = info.get(0).ok()?;
    let item = |x: Value<'js>| inspect(ctx, &x, depth + 1, false);
    Some(match kind.as_str() {
        "Date" | "RegExp" => info.get::<String>(1).ok()?,
        "ArrayBuffer" => format!("ArrayBuffer {{ byteLength: {} }}", info.get::<f64>(1).ok()?),
        "Map" | "Set" => {
            let items: rquickjs::Array = info.get(1).ok()?;
            let vals: Vec<Value> = items.iter::<Value>().flatten().collect();
            if depth > 2 {
                return Some(format!("[{kind}]"));
            }
            let body: Vec<String> = if kind == "Map" {
                vals.chunks(2)
                    .map(|kv| {
                        format!(
                            "{} => {}",
                            item(kv[0].clone()),
                            kv.get(1).cloned().map(item).unwrap_or_default()
                        )
                    })
                    .collect()
            } else {
                vals.into_iter().map(item).collect()
            };
            let n = body.len();
            if body.is_empty() {
                format!("{kind}(0) {{}}")
            } else {
                format!("{kind}({n}) {{ {} }}", body.join(", "))
            }
        }
        view => {
            let items: rquickjs::Array = info.get(1).ok()?;
            let len: f64 = info.get(2).ok()?;
            let mut body: Vec<String> = items.iter::<Value>().flatten().map(item).collect();
            if len as usize > body.len() {
                body.push(format!("... {} more items", len as usize - body.len()));
            }
            if body.is_empty() {
                format!("{view}(0) []")
            } else {
                format!("{view}({len}) [ {} ]", body.join(", "))
            }
        }
    })
}

fn constructor_name(o: &Object<'_>) -> Option<String> {
    let ctor: Object = o.get("constructor").ok()?;
    ctor.get::<_, String>("name").ok()
}

/// `String(v)`, through the engine.
fn coerce<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> String {
    let f: Option<Function<'js>> = ctx.globals().get("String").ok();
    f.and_then(|f| f.call::<_, String>((v.clone(),)).ok())
        .unwrap_or_else(|| "?".into())
}

fn coerce_symbol<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> String {
    let f: Option<Function<'js>> = ctx.eval("(s) => s.toString()").ok();
    f.and_then(|f| f.call::<_, String>((v.clone(),)).ok())
        .unwrap_or_else(|| "Symbol()".into())
}

/// Joins arguments as `console.log` does: separated by one space.
fn join<'js>(ctx: &Ctx<'js>, args: &[Value<'js>]) -> String {
    args.iter()
        .map(|a| format_value(ctx, a, 0))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn install<'js>(ctx: &Ctx<'js>, state: &Rc<RefCell<LoopState>>) -> rquickjs::Result<()> {
    let console = Object::new(ctx.clone())?;
    for (name, to_stderr) in [
        ("log", false),
        ("info", false),
        ("debug", false),
        ("error", true),
        ("warn", true),
        ("trace", true),
    ] {
        let st = state.clone();
        console.set(
            name,
            Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
                let line = join(&ctx, &args.0);
                let mut s = st.borrow_mut();
                let out = if to_stderr {
                    &mut s.out.stderr
                } else {
                    &mut s.out.stdout
                };
                let _ = writeln!(out, "{line}");
            })?,
        )?;
    }
    ctx.globals().set("console", console)?;
    Ok(())
}
