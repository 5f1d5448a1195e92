//! Reporting an exception (HTML `#report-an-exception`): the `error`
//! event at the global, then, if nobody handled it, the message on stderr
//! (and, in a worker, an `error` event at the Worker object).

#![forbid(unsafe_code)]

use super::{JS_STACK, REPORT_HEADROOM};
use crate::engine::ffi::Usv;
use crate::runtime::globals::console;
use crate::runtime::host::{self, Shared};
use crate::runtime::LoopState;
use rquickjs::{CatchResultExt, CaughtError, Ctx, Function, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Reports an exception (HTML `#report-an-exception`): an `error` event at
/// the global; if nobody cancels it, a worker passes it to its Worker
/// object, and the main context prints it and fails (exit code 1) unless a
/// listener saw it.
pub(crate) fn report_exception<'js>(
    ctx: &Ctx<'js>,
    state: &Rc<RefCell<LoopState>>,
    host: &Shared,
    e: Value<'js>,
) {
    let text = describe_value(ctx, &e);
    let (message, mut filename, lineno, colno) = error_location(ctx, &e);
    // A thrown value that is no Error (`throw 42`) carries no location:
    // the script running is this context's own (HTML reports its URL).
    if filename.is_empty() {
        filename = host.borrow().base_url.clone();
    }
    let fired = if state.borrow().reporting {
        None
    } else {
        state.borrow_mut().reporting = true;
        let size = JS_STACK.with(|s| s.get());
        if size > 0 {
            crate::engine::ffi::set_max_stack_size(ctx, size + REPORT_HEADROOM);
        }
        let r = (|| -> rquickjs::Result<i32> {
            let internal = host::internal(ctx, host)?;
            let fire: Function = internal.get("fireError")?;
            fire.call((e.clone(), message.clone(), filename.clone(), lineno, colno))
        })()
        .catch(ctx);
        if size > 0 {
            crate::engine::ffi::set_max_stack_size(ctx, size);
        }
        state.borrow_mut().reporting = false;
        r.ok()
    };
    match fired {
        Some(2) => {}
        outcome => {
            let worker = host
                .borrow()
                .worker
                .as_ref()
                .map(|(_, name, p)| (name.clone(), p.clone()));
            if let Some((name, parent)) = worker {
                parent.inbox.push(host::HostTask::WorkerError {
                    port: parent.port,
                    message,
                    filename,
                    lineno,
                    colno,
                    report: Some(text),
                    worker: name,
                });
            } else if host.borrow().shared.is_some() {
                // A shared worker has no one to pass it to (HTML
                // `#runtime-script-errors-2`): printed, and it runs on, as
                // a dedicated worker does after reporting to its parent.
                state.borrow().out.line(true, &format!("Uncaught {text}"));
            } else if outcome != Some(1) {
                let mut st = state.borrow_mut();
                st.failed = true;
                st.out.line(true, &format!("Uncaught {text}"));
            }
        }
    }
}

/// `("Uncaught Error: boom", file, line, column)` from an exception's stack.
fn error_location<'js>(ctx: &Ctx<'js>, e: &Value<'js>) -> (String, String, u32, u32) {
    let head = match e.as_object() {
        Some(o) if e.is_error() => {
            let name = o
                .get::<_, Usv>("name")
                .map_or_else(|_| "Error".into(), |u| u.0);
            let msg = o.get::<_, Usv>("message").map(|u| u.0).unwrap_or_default();
            if msg.is_empty() {
                name
            } else {
                format!("{name}: {msg}")
            }
        }
        _ => console::format_value(ctx, e),
    };
    let stack = e
        .as_object()
        .and_then(|o| o.get::<_, Option<Usv>>("stack").ok().flatten().map(|u| u.0))
        .unwrap_or_default();
    let mut loc = (String::new(), 0, 0);
    for line in stack.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("at ") else {
            continue;
        };
        let inner = rest
            .rsplit_once('(')
            .map_or(rest, |(_, r)| r.trim_end_matches(')'));
        let mut parts = inner.rsplitn(3, ':');
        let (c, l, f) = (parts.next(), parts.next(), parts.next());
        if let (Some(c), Some(l), Some(f)) = (c, l, f) {
            if let (Ok(l), Ok(c)) = (l.parse(), c.parse()) {
                loc = (f.to_string(), l, c);
                break;
            }
        }
    }
    (format!("Uncaught {head}"), loc.0, loc.1, loc.2)
}

pub(crate) fn describe<'js>(ctx: &Ctx<'js>, e: &CaughtError<'js>) -> Value<'js> {
    match e {
        CaughtError::Exception(ex) => ex.clone().into_value(),
        CaughtError::Value(v) => v.clone(),
        CaughtError::Error(e) => rquickjs::String::from_str(ctx.clone(), &e.to_string())
            .map(|s| s.into_value())
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone())),
    }
}

/// An uncaught value as it is printed: an Error as `Name: message` and
/// the frames of its stack that are the program's (msgport's own preludes
/// are left out); anything else as `console.log` shows it.
pub(crate) fn describe_value<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> String {
    let Some(o) = v.as_object().filter(|_| v.is_error()) else {
        return console::format_value(ctx, v);
    };
    let name = o
        .get::<_, Usv>("name")
        .map_or_else(|_| "Error".into(), |u| u.0);
    let msg = o.get::<_, Usv>("message").map(|u| u.0).unwrap_or_default();
    let mut text = if msg.is_empty() {
        name
    } else {
        format!("{name}: {msg}")
    };
    let stack = o
        .get::<_, Option<Usv>>("stack")
        .ok()
        .flatten()
        .map(|u| u.0)
        .unwrap_or_default();
    for frame in program_frames(&stack) {
        text.push('\n');
        text.push_str(frame);
    }
    text
}

/// The frames of a stack (`    at f (file:1:2)` lines) that are the
/// program's: a frame of a prelude (`msgport:` or an unnamed eval) is left
/// out, and so is a native frame just before one (the built-in the
/// prelude called the program's function through).
fn program_frames(stack: &str) -> Vec<&str> {
    let frames: Vec<&str> = stack
        .lines()
        .filter(|l| l.trim_start().starts_with("at "))
        .collect();
    let is_prelude = |l: &str| l.contains("(msgport:") || l.contains("(eval_script");
    let mut out = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        if is_prelude(f) {
            continue;
        }
        if f.ends_with("(native)") && frames.get(i + 1).is_some_and(|n| is_prelude(n)) {
            continue;
        }
        out.push(*f);
    }
    out
}
