//! The delivery of a message to a port with exactly one `message`
//! listener, made natively: the MessageEvent, its dispatch and the call of
//! the listener (HTML `#message-ports`, "the port message queue", its
//! tasks fire `message`; DOM `#concept-event-dispatch`).
//!
//! The general delivery is the prelude's (`internal.deliver`, then the DOM
//! dispatch of `events.js`). For the common case, a port whose one
//! `message` listener is a function (the `onmessage` handler's function,
//! or an `addEventListener` callback without `once`), the prelude
//! registers the port here ([`FastTargets::set`]) and takes it back when
//! that stops being true (a listener added or removed, the handler
//! replaced, the port closed or shipped). Dispatch to a target without a
//! tree and one listener is then: mark the event as being dispatched at
//! the target, call the listener with the target as `this`, report what
//! it throws, unmark. What cannot differ from the general path:
//! - the event: the prelude's MessageEvent prototype, an Event object of
//!   the host's class whose state starts from a per-port prototype holding
//!   `type`, `isTrusted` and `target` (the prelude's state layout), an own
//!   `isTrusted` accessor ([LegacyUnforgeable]), and a time stamp from the
//!   same clock as `performance.now()`;
//! - a `message` event is not cancelable, so the handler's return value
//!   and passive listeners change nothing;
//! - listeners added during dispatch do not run (there is no second one to
//!   run), `stopPropagation` flags are cleared afterwards, and the main
//!   context's `window.event` is the event while the listener runs.

use rquickjs::{qjs, Ctx, Function, Object, Persistent, Value};
use std::collections::HashMap;

/// A port registered for native delivery.
struct Target {
    port: Persistent<Object<'static>>,
    listener: Persistent<Function<'static>>,
    /// The prototype of each event's state (see the module docs).
    state_proto: Persistent<Object<'static>>,
}

/// The atoms of the state fields written here, owned (freed by [`Drop`]).
struct Atoms {
    rt: *mut qjs::JSRuntime,
    list: [qjs::JSAtom; 7],
}

const IS_TRUSTED: usize = 0;
const CURRENT_TARGET: usize = 1;
const PHASE: usize = 2;
const DISPATCHING: usize = 3;
const EVENT: usize = 4;
const STOP_PROPAGATION: usize = 5;
const STOP_IMMEDIATE: usize = 6;
const NAMES: [&std::ffi::CStr; 7] = [
    c"isTrusted",
    c"currentTarget",
    c"phase",
    c"dispatching",
    c"event",
    c"stopPropagation",
    c"stopImmediate",
];

impl Drop for Atoms {
    fn drop(&mut self) {
        // Sound: each atom was made by `JS_NewAtom` in this runtime, which
        // outlives the host state (cleared before the runtime goes).
        for a in self.list {
            unsafe { qjs::JS_FreeAtomRT(self.rt, a) };
        }
    }
}

/// What the native delivery needs from the prelude, and the ports
/// registered for it.
pub(crate) struct FastTargets {
    event_proto: Persistent<Object<'static>>,
    is_trusted: Persistent<Function<'static>>,
    now: Persistent<Function<'static>>,
    /// The main context's holder of `window.event` (`{event}`).
    current: Option<Persistent<Object<'static>>>,
    report: Persistent<Function<'static>>,
    atoms: Atoms,
    targets: HashMap<u32, Target>,
}

impl FastTargets {
    /// From the prelude's `host.fastEvents(config)`: `proto` (the
    /// MessageEvent prototype), `isTrusted` (the getter), `now`
    /// (`performance.now`), `current` (the main context's `{event}`
    /// holder, or undefined) and `report` (reports an exception).
    pub(crate) fn new<'js>(ctx: &Ctx<'js>, config: &Object<'js>) -> rquickjs::Result<Self> {
        let c = ctx.as_raw().as_ptr();
        // Sound: `JS_NewAtom` returns an owned atom (freed by `Atoms`).
        let atoms = Atoms {
            rt: unsafe { qjs::JS_GetRuntime(c) },
            list: NAMES.map(|n| unsafe { qjs::JS_NewAtom(c, n.as_ptr()) }),
        };
        let current: Option<Object> = config.get("current")?;
        Ok(FastTargets {
            event_proto: Persistent::save(ctx, config.get::<_, Object>("proto")?),
            is_trusted: Persistent::save(ctx, config.get::<_, Function>("isTrusted")?),
            now: Persistent::save(ctx, config.get::<_, Function>("now")?),
            current: current.map(|o| Persistent::save(ctx, o)),
            report: Persistent::save(ctx, config.get::<_, Function>("report")?),
            atoms,
            targets: HashMap::new(),
        })
    }

    /// Registers port `id` (its object `port`, its one listener and the
    /// prototype of its events' state), or with `None` takes it back.
    pub(crate) fn set<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        id: u32,
        fast: Option<(Object<'js>, Function<'js>, Object<'js>)>,
    ) {
        match fast {
            Some((port, listener, state_proto)) => {
                self.targets.insert(
                    id,
                    Target {
                        port: Persistent::save(ctx, port),
                        listener: Persistent::save(ctx, listener),
                        state_proto: Persistent::save(ctx, state_proto),
                    },
                );
            }
            None => {
                self.targets.remove(&id);
            }
        }
    }
}

/// The values of one delivery, restored from the registry.
pub(crate) struct Delivery<'js> {
    ctx: Ctx<'js>,
    port: Object<'js>,
    listener: Function<'js>,
    state_proto: Object<'js>,
    event_proto: Object<'js>,
    is_trusted: Function<'js>,
    now: Function<'js>,
    current: Option<Object<'js>>,
    report: Function<'js>,
    atoms: [qjs::JSAtom; 7],
}

/// The delivery to port `id`, if it is registered.
pub(crate) fn prepare<'js>(
    ctx: &Ctx<'js>,
    fast: &FastTargets,
    id: u32,
) -> rquickjs::Result<Option<Delivery<'js>>> {
    let Some(t) = fast.targets.get(&id) else {
        return Ok(None);
    };
    Ok(Some(Delivery {
        ctx: ctx.clone(),
        port: t.port.clone().restore(ctx)?,
        listener: t.listener.clone().restore(ctx)?,
        state_proto: t.state_proto.clone().restore(ctx)?,
        event_proto: fast.event_proto.clone().restore(ctx)?,
        is_trusted: fast.is_trusted.clone().restore(ctx)?,
        now: fast.now.clone().restore(ctx)?,
        current: match &fast.current {
            Some(c) => Some(c.clone().restore(ctx)?),
            None => None,
        },
        report: fast.report.clone().restore(ctx)?,
        atoms: fast.atoms.list,
    }))
}

impl<'js> Delivery<'js> {
    /// Fires `message` with `data` at the port. Errors are the engine's
    /// (out of memory, a terminated worker's interrupt); the listener's
    /// exception is reported, not returned.
    pub(crate) fn fire(self, data: Value<'js>) -> rquickjs::Result<()> {
        let ctx = &self.ctx;
        let c = ctx.as_raw().as_ptr();
        let a = self.atoms;
        let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
        let check = |r: i32| {
            if r < 0 {
                Err(rquickjs::Error::Exception)
            } else {
                Ok(())
            }
        };
        let time: Value = self.now.call(())?;
        // The state object is made only if the prelude asks for it (a
        // getter other than the ones on the event itself); until then the
        // event holds its fields natively (native.rs, `LazyState`).
        // Sound: each field is a new reference the event takes over;
        // `new_lazy_event` returns a new reference or an exception.
        let event = unsafe {
            let dup = |v: &Value| qjs::JS_DupValue(c, v.as_raw());
            let e = crate::native::new_lazy_event(
                c,
                self.event_proto.as_raw(),
                crate::native::LazyState {
                    proto: dup(self.state_proto.as_value()),
                    data: dup(&data),
                    time_stamp: dup(&time),
                    dispatching_at: Some(dup(self.port.as_value())),
                },
            );
            if qjs::JS_IsException(e) {
                return Err(rquickjs::Error::Exception);
            }
            let e = Value::from_raw(ctx.clone(), e);
            // [LegacyUnforgeable] isTrusted: enumerable, not configurable.
            check(qjs::JS_DefineProperty(
                c,
                e.as_raw(),
                a[IS_TRUSTED],
                qjs::JS_UNDEFINED,
                self.is_trusted.as_raw(),
                qjs::JS_UNDEFINED,
                (qjs::JS_PROP_HAS_GET
                    | qjs::JS_PROP_HAS_ENUMERABLE
                    | qjs::JS_PROP_ENUMERABLE
                    | qjs::JS_PROP_HAS_CONFIGURABLE
                    | qjs::JS_PROP_THROW) as i32,
            ))?;
            e
        };
        // Dispatch at the target, as the DOM's for a target with no parent
        // (the lazy state says the event is being dispatched at the port).
        let previous = match &self.current {
            Some(holder) => unsafe {
                let p = qjs::JS_GetProperty(c, holder.as_raw(), a[EVENT]);
                let p = Value::from_raw(ctx.clone(), p);
                check(qjs::JS_SetProperty(
                    c,
                    holder.as_raw(),
                    a[EVENT],
                    qjs::JS_DupValue(c, event.as_raw()),
                ))?;
                Some(p)
            },
            None => None,
        };
        // Sound: `JS_Call` borrows its arguments and returns a new
        // reference or an exception (taken with `JS_GetException`).
        let thrown = unsafe {
            let mut args = [event.as_raw()];
            let r = qjs::JS_Call(
                c,
                self.listener.as_raw(),
                self.port.as_raw(),
                1,
                args.as_mut_ptr(),
            );
            if qjs::JS_IsException(r) {
                Some(Value::from_raw(ctx.clone(), qjs::JS_GetException(c)))
            } else {
                qjs::JS_FreeValue(c, r);
                None
            }
        };
        if let (Some(holder), Some(p)) = (&self.current, previous) {
            unsafe {
                check(qjs::JS_SetProperty(
                    c,
                    holder.as_raw(),
                    a[EVENT],
                    qjs::JS_DupValue(c, p.as_raw()),
                ))?;
            }
        }
        if let Some(e) = thrown {
            // A terminated worker's interrupt is not the listener's to report.
            if unsafe { qjs::JS_IsUncatchableError(e.as_raw()) } {
                return Err(ctx.throw(e));
            }
            self.report.call::<_, ()>((e,))?;
        }
        // The end of dispatch: on the lazy state, one flag; on a state
        // object the listener made, its fields.
        if crate::native::end_lazy_dispatch(unsafe { qjs::JS_GetRuntime(c) }, event.as_raw()) {
            return Ok(());
        }
        let Some(state) = crate::native::event_state(c, event.as_raw())? else {
            return Err(rquickjs::Error::Unknown);
        };
        let set = |atom: usize, v: qjs::JSValue| unsafe {
            check(qjs::JS_DefinePropertyValue(c, state, a[atom], v, flags))
        };
        set(CURRENT_TARGET, qjs::JS_NULL)?;
        set(PHASE, qjs::JS_MKVAL(qjs::JS_TAG_INT, 0))?;
        set(DISPATCHING, qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0))?;
        // The stop flags a listener set are cleared (DOM dispatch's end).
        for flag in [STOP_PROPAGATION, STOP_IMMEDIATE] {
            // Sound: `JS_GetProperty` returns a new reference, freed at once
            // (a boolean here: the state and its prototypes have no getters).
            let on = unsafe {
                let v = qjs::JS_GetProperty(c, state, a[flag]);
                let on = qjs::JS_VALUE_GET_TAG(v) == qjs::JS_TAG_BOOL && v.u.int32 != 0;
                qjs::JS_FreeValue(c, v);
                on
            };
            if on {
                set(flag, qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0))?;
            }
        }
        drop(event);
        Ok(())
    }
}
