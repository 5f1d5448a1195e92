//! The delivery of a message to a port's target (a MessagePort, a Worker
//! object, a dedicated worker's global) with exactly one `message`
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
//!   `isTrusted` accessor (`[LegacyUnforgeable]`), and a time stamp from the
//!   same clock as `performance.now()`;
//! - a `message` event is not cancelable, so the handler's return value
//!   and passive listeners change nothing;
//! - listeners added during dispatch do not run (there is no second one to
//!   run), `stopPropagation` flags are cleared afterwards, and the main
//!   context's `window.event` (the prelude's native cell, native.rs) is the
//!   event while the listener runs.

use crate::engine::ffi::Owned;
use rquickjs::{qjs, Ctx, Function, Object, Value};
use rustc_hash::FxHashMap;

/// A value this module holds a reference to: raw, because a delivery
/// reads several of them, and restoring a `Persistent` costs a context
/// reference and a check each time (2–3% of the stream benchmark). The
/// owner ([`FastTargets`], [`Delivery`]) frees it.
#[derive(Clone, Copy)]
struct Held(qjs::JSValue);

impl Held {
    /// A new reference to `v`, which the holder must free.
    fn dup(v: &Value<'_>) -> Self {
        // SAFETY: `v` and its context are live; the duplicate is owned by
        // the `Held`'s owner.
        Held(unsafe { qjs::JS_DupValue(v.ctx().as_raw().as_ptr(), v.as_raw()) })
    }
}

/// A port registered for native delivery.
struct Target {
    port: Held,
    listener: Held,
    /// The prototype of each event's state (see the module docs).
    state_proto: Held,
}

const IS_TRUSTED: usize = 0;
const CURRENT_TARGET: usize = 1;
const PHASE: usize = 2;
const DISPATCHING: usize = 3;
const STOP_PROPAGATION: usize = 4;
const STOP_IMMEDIATE: usize = 5;
const NAMES: [&std::ffi::CStr; 6] = [
    c"isTrusted",
    c"currentTarget",
    c"phase",
    c"dispatching",
    c"stopPropagation",
    c"stopImmediate",
];

/// The atoms of [`NAMES`], owned (one reference each) and freed when the
/// last holder goes: the registry, and each delivery in progress (which
/// clones the `Rc`, so that nothing a listener does while it runs can free
/// them under it — one count for all six, not six engine calls).
pub(crate) struct Atoms {
    rt: *mut qjs::JSRuntime,
    list: [qjs::JSAtom; 6],
    /// The prelude's values, one reference each (shared by every
    /// delivery through the `Rc`, so that a delivery takes no reference
    /// of its own to each).
    config: Config,
}

impl Drop for Atoms {
    fn drop(&mut self) {
        for a in self.list {
            // SAFETY: each atom is owned here, freed once, before the
            // runtime goes (the host state is cleared first).
            unsafe { qjs::JS_FreeAtomRT(self.rt, a) };
        }
        for v in self.config.values() {
            // SAFETY: each value's reference is owned here, freed once,
            // before the runtime goes (as for the atoms).
            unsafe { qjs::JS_FreeValueRT(self.rt, v.0) };
        }
    }
}

/// What the native delivery needs from the prelude, and the ports
/// registered for it. Holds a reference to each value (released by
/// [`Drop`], before the runtime goes: the host state is cleared first) and
/// the names' atoms ([`Atoms`]).
pub(crate) struct FastTargets {
    rt: *mut qjs::JSRuntime,
    atoms: std::rc::Rc<Atoms>,
    targets: FxHashMap<u32, Target>,
    /// Two objects that keep the shapes of a new event alive (see
    /// [`keep_event_shapes`]).
    shape_keepers: [Held; 2],
}

/// The prelude's values a delivery uses.
#[derive(Clone, Copy)]
struct Config {
    event_proto: Held,
    is_trusted: Held,
    now: Held,
    /// The main context's current-event cell (`window.event`; native.rs).
    current: Option<Held>,
    report: Held,
    /// Runs the promise reactions a listener queued (`host.checkpoint`).
    checkpoint: Held,
}

impl Config {
    fn values(self) -> impl Iterator<Item = Held> {
        [
            self.event_proto,
            self.is_trusted,
            self.now,
            self.report,
            self.checkpoint,
        ]
        .into_iter()
        .chain(self.current)
    }
}

/// Two objects of the event prototype: one without properties, one with
/// the `isTrusted` accessor as each event gets it. The engine frees a
/// shape (an object layout) when no object has it and makes it anew for the
/// next object: every event made and dropped its own two shapes (a
/// `malloc` and a hash-table entry each). While these live, each event
/// finds both.
///
/// # Safety
/// `c` is a live context, `proto` and `getter` live values of it, and
/// `is_trusted` a live atom.
unsafe fn keep_event_shapes(
    c: *mut qjs::JSContext,
    proto: qjs::JSValue,
    getter: qjs::JSValue,
    is_trusted: qjs::JSAtom,
) -> rquickjs::Result<[Held; 2]> {
    // SAFETY: (the caller's) live values; each new object is returned as
    // a `Held` (whose owner frees it) or freed on failure;
    // `JS_DefineProperty` borrows the getter.
    unsafe {
        let empty = qjs::JS_NewObjectProto(c, proto);
        if qjs::JS_IsException(empty) {
            return Err(rquickjs::Error::Exception);
        }
        let with = qjs::JS_NewObjectProto(c, proto);
        if qjs::JS_IsException(with) {
            qjs::JS_FreeValue(c, empty);
            return Err(rquickjs::Error::Exception);
        }
        let r = qjs::JS_DefineProperty(
            c,
            with,
            is_trusted,
            qjs::JS_UNDEFINED,
            getter,
            qjs::JS_UNDEFINED,
            IS_TRUSTED_FLAGS,
        );
        if r < 0 {
            qjs::JS_FreeValue(c, empty);
            qjs::JS_FreeValue(c, with);
            return Err(rquickjs::Error::Exception);
        }
        Ok([Held(empty), Held(with)])
    }
}

/// `[LegacyUnforgeable]` `isTrusted`: an own accessor, enumerable, not
/// configurable.
const IS_TRUSTED_FLAGS: i32 = (qjs::JS_PROP_HAS_GET
    | qjs::JS_PROP_HAS_ENUMERABLE
    | qjs::JS_PROP_ENUMERABLE
    | qjs::JS_PROP_HAS_CONFIGURABLE
    | qjs::JS_PROP_THROW) as i32;

impl Drop for FastTargets {
    fn drop(&mut self) {
        // SAFETY: each value and atom is owned here (see the type's docs).
        unsafe {
            for t in self.targets.drain().map(|(_, t)| t) {
                for v in [t.port, t.listener, t.state_proto] {
                    qjs::JS_FreeValueRT(self.rt, v.0);
                }
            }
            for v in self.shape_keepers {
                qjs::JS_FreeValueRT(self.rt, v.0);
            }
        }
    }
}

impl FastTargets {
    /// From the prelude's `host.fastEvents(config)`: `proto` (the
    /// MessageEvent prototype), `isTrusted` (the getter), `now`
    /// (`performance.now`), `current` (the main context's current-event
    /// cell, or undefined), `report` (reports an exception) and
    /// `checkpoint` (runs queued promise reactions).
    pub(crate) fn new<'js>(ctx: &Ctx<'js>, config: &Object<'js>) -> rquickjs::Result<Self> {
        let c = ctx.as_raw().as_ptr();
        let proto: Object = config.get("proto")?;
        let is_trusted: Function = config.get("isTrusted")?;
        let now: Function = config.get("now")?;
        let current: Option<Object> = config.get("current")?;
        let report: Function = config.get("report")?;
        let checkpoint: Function = config.get("checkpoint")?;
        // SAFETY: `JS_NewAtom` returns an owned atom (freed by `Drop`).
        let atoms = NAMES.map(|n| unsafe { qjs::JS_NewAtom(c, n.as_ptr()) });
        // SAFETY: `c`, `proto`, `is_trusted` and the atom are live.
        let kept =
            unsafe { keep_event_shapes(c, proto.as_raw(), is_trusted.as_raw(), atoms[IS_TRUSTED]) };
        let shape_keepers = match kept {
            Ok(k) => k,
            Err(e) => {
                for a in atoms {
                    // SAFETY: the atoms made above, freed once.
                    unsafe { qjs::JS_FreeAtom(c, a) };
                }
                return Err(e);
            }
        };
        // SAFETY: reads the live context's runtime.
        let rt = unsafe { qjs::JS_GetRuntime(c) };
        Ok(FastTargets {
            rt,
            atoms: std::rc::Rc::new(Atoms {
                rt,
                list: atoms,
                config: Config {
                    event_proto: Held::dup(&proto),
                    is_trusted: Held::dup(&is_trusted),
                    now: Held::dup(&now),
                    current: current.map(|o| Held::dup(&o)),
                    report: Held::dup(&report),
                    checkpoint: Held::dup(&checkpoint),
                },
            }),
            shape_keepers,
            targets: FxHashMap::default(),
        })
    }

    /// Registers port `id` (its object `port`, its one listener and the
    /// prototype of its events' state), or with `None` takes it back.
    pub(crate) fn set<'js>(
        &mut self,
        id: u32,
        fast: Option<(Object<'js>, Function<'js>, Object<'js>)>,
    ) {
        let old = match fast {
            Some((port, listener, state_proto)) => self.targets.insert(
                id,
                Target {
                    port: Held::dup(&port),
                    listener: Held::dup(&listener),
                    state_proto: Held::dup(&state_proto),
                },
            ),
            None => self.targets.remove(&id),
        };
        if let Some(t) = old {
            // SAFETY: the entry's references were owned by the map.
            for v in [t.port, t.listener, t.state_proto] {
                // SAFETY: the map's own references to the replaced entry, freed once.
                unsafe { qjs::JS_FreeValueRT(self.rt, v.0) };
            }
        }
    }
}

/// The values of one delivery, each a reference of its own or (the
/// configuration) held by the delivery's `Rc` (the listener may unregister
/// the port, or replace the configuration, while it runs).
pub(crate) struct Delivery<'a, 'js> {
    ctx: &'a Ctx<'js>,
    port: Held,
    listener: Held,
    state_proto: Held,
    /// The atoms and the configuration, kept alive by the `Rc`.
    atoms: std::rc::Rc<Atoms>,
}

impl Drop for Delivery<'_, '_> {
    fn drop(&mut self) {
        let c = self.ctx.as_raw().as_ptr();
        let values = [self.port, self.listener, self.state_proto];
        // SAFETY: each is a reference taken by `prepare`.
        for v in values {
            // SAFETY: each is a reference taken by `prepare`, freed once.
            unsafe { qjs::JS_FreeValue(c, v.0) };
        }
    }
}

/// The delivery to port `id`, if it is registered.
pub(crate) fn prepare<'a, 'js>(
    ctx: &'a Ctx<'js>,
    fast: &FastTargets,
    id: u32,
) -> Option<Delivery<'a, 'js>> {
    let t = fast.targets.get(&id)?;
    let c = ctx.as_raw().as_ptr();
    // SAFETY: each value is live (held by `fast`); the copy takes a reference.
    let dup = |h: Held| Held(unsafe { qjs::JS_DupValue(c, h.0) });
    Some(Delivery {
        ctx,
        port: dup(t.port),
        listener: dup(t.listener),
        state_proto: dup(t.state_proto),
        atoms: fast.atoms.clone(),
    })
}

impl<'js> Delivery<'_, 'js> {
    /// Fires `message` with `data` at the port. Errors are the engine's
    /// (out of memory, a terminated worker's interrupt); the listener's
    /// exception is reported, not returned.
    pub(crate) fn fire(self, data: Value<'js>) -> rquickjs::Result<()> {
        let ctx = self.ctx;
        let c = ctx.as_raw().as_ptr();
        let a = self.atoms.list;
        let check = |r: i32| {
            if r < 0 {
                Err(rquickjs::Error::Exception)
            } else {
                Ok(())
            }
        };
        // Throughout: `JS_Call` and `JS_GetProperty` borrow their arguments
        // and return a new reference (or an exception); `new_lazy_event`
        // and the current-event cell take over the references given to
        // them; every value the delivery uses is a reference of its own
        // (`prepare`) or the configuration's, which the delivery's `Rc`
        // keeps, so nothing a listener does can free it meanwhile.
        // The time stamp, from the same clock as `performance.now()`.
        // SAFETY: `c` and `now` are live (see above).
        let time = unsafe {
            let t = qjs::JS_Call(
                c,
                self.atoms.config.now.0,
                qjs::JS_UNDEFINED,
                0,
                std::ptr::null_mut(),
            );
            if qjs::JS_IsException(t) {
                return Err(rquickjs::Error::Exception);
            }
            t
        };
        // The state object is made only if the prelude asks for it (a
        // getter other than the ones on the event itself); until then the
        // event holds its fields natively (native.rs, `LazyState`).
        // SAFETY: live values (see above); the lazy state takes over four
        // new references, and the event is owned by `Owned` at once.
        let event = unsafe {
            let dup = |v: qjs::JSValue| qjs::JS_DupValue(c, v);
            let e = crate::engine::events::new_lazy_event(
                c,
                self.atoms.config.event_proto.0,
                crate::engine::events::LazyState {
                    proto: dup(self.state_proto.0),
                    data: dup(data.as_raw()),
                    time_stamp: time,
                    dispatching_at: Some(dup(self.port.0)),
                },
            );
            if qjs::JS_IsException(e) {
                return Err(rquickjs::Error::Exception);
            }
            let e = Owned { c, v: e };
            check(qjs::JS_DefineProperty(
                c,
                e.v,
                a[IS_TRUSTED],
                qjs::JS_UNDEFINED,
                self.atoms.config.is_trusted.0,
                qjs::JS_UNDEFINED,
                IS_TRUSTED_FLAGS,
            ))?;
            e
        };
        drop(data);
        // Dispatch at the target, as the DOM's for a target with no parent
        // (the lazy state says the event is being dispatched at the port).
        // (`current` is the prelude's native cell: a swap, no property set.)
        let swap = |holder: Held, v: qjs::JSValue| -> rquickjs::Result<Owned> {
            // SAFETY: the cell is held by this delivery; it takes `v` (a
            // reference of its own) over and gives back the one it held.
            match unsafe { crate::engine::events::cell_swap(holder.0, v) } {
                Ok(old) => Ok(Owned { c, v: old }),
                Err(v) => {
                    // SAFETY: not taken: freed once.
                    unsafe { qjs::JS_FreeValue(c, v) };
                    Err(rquickjs::Error::Unknown)
                }
            }
        };
        let previous = match self.atoms.config.current {
            Some(holder) => Some((
                holder,
                // SAFETY: the event is live (`event` owns it).
                swap(holder, unsafe { qjs::JS_DupValue(c, event.v) })?,
            )),
            None => None,
        };
        // SAFETY: live values (see above); the call's result is freed, its
        // exception taken over by a `Value`.
        let thrown = unsafe {
            let mut args = [event.v];
            let r = qjs::JS_Call(c, self.listener.0, self.port.0, 1, args.as_mut_ptr());
            if qjs::JS_IsException(r) {
                Some(Value::from_raw(ctx.clone(), qjs::JS_GetException(c)))
            } else {
                qjs::JS_FreeValue(c, r);
                None
            }
        };
        if let Some((holder, p)) = previous {
            drop(swap(holder, p.into_raw())?);
        }
        if let Some(e) = thrown {
            // A terminated worker's interrupt is not the listener's to report.
            // SAFETY: reads a flag of a live value.
            if unsafe { qjs::JS_IsUncatchableError(e.as_raw()) } {
                return Err(ctx.throw(e));
            }
            // SAFETY: `report` is live (see above) and `e` too; the
            // result is freed.
            unsafe {
                let mut args = [e.as_raw()];
                let r = qjs::JS_Call(
                    c,
                    self.atoms.config.report.0,
                    qjs::JS_UNDEFINED,
                    1,
                    args.as_mut_ptr(),
                );
                if qjs::JS_IsException(r) {
                    return Err(rquickjs::Error::Exception);
                }
                qjs::JS_FreeValue(c, r);
            }
        }
        // HTML #clean-up-after-running-script: the listener was called
        // with no script below it, so the reactions it queued run now,
        // before the dispatch ends (as for the prelude's dispatch).
        // SAFETY: reads the live context's runtime's job queue.
        if unsafe { qjs::JS_IsJobPending(qjs::JS_GetRuntime(c)) } {
            // SAFETY: `checkpoint` is live (held by the config); the
            // result is freed; nothing borrowed is held across the call.
            unsafe {
                let r = qjs::JS_Call(
                    c,
                    self.atoms.config.checkpoint.0,
                    qjs::JS_UNDEFINED,
                    0,
                    std::ptr::null_mut(),
                );
                if qjs::JS_IsException(r) {
                    return Err(rquickjs::Error::Exception);
                }
                qjs::JS_FreeValue(c, r);
            }
        }
        self.end_dispatch(&event)?;
        drop(event);
        Ok(())
    }
    /// The end of dispatch (DOM `#concept-event-dispatch`, its last steps)
    /// for the event `event`: on the lazy state, one flag; on a state
    /// object the listener made, its fields.
    fn end_dispatch(&self, event: &Owned) -> rquickjs::Result<()> {
        let c = self.ctx.as_raw().as_ptr();
        let a = self.atoms.list;
        let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
        let check = |r: i32| {
            if r < 0 {
                Err(rquickjs::Error::Exception)
            } else {
                Ok(())
            }
        };
        // The end of dispatch: on the lazy state, one flag; on a state
        // object the listener made, its fields.
        // SAFETY: the event is live (`event` owns it), of `c`'s runtime.
        if unsafe { crate::engine::events::end_lazy_dispatch(qjs::JS_GetRuntime(c), event.v) } {
            return Ok(());
        }
        // SAFETY: as above; the state is borrowed from the event, which
        // the caller keeps alive until this returns.
        let Some(state) = (unsafe { crate::engine::events::event_state(c, event.v)? }) else {
            return Err(rquickjs::Error::Unknown);
        };
        // SAFETY: the state is live (above); the atoms are held by this
        // delivery; defining data properties on the prelude's state object
        // runs no JavaScript, and the engine takes `v` (a constant) over.
        let set = |atom: usize, v: qjs::JSValue| unsafe {
            check(qjs::JS_DefinePropertyValue(c, state, a[atom], v, flags))
        };
        set(CURRENT_TARGET, qjs::JS_NULL)?;
        set(PHASE, qjs::JS_MKVAL(qjs::JS_TAG_INT, 0))?;
        set(DISPATCHING, qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0))?;
        // The stop flags a listener set are cleared (DOM dispatch's end).
        for flag in [STOP_PROPAGATION, STOP_IMMEDIATE] {
            // SAFETY: `JS_GetProperty` returns a new reference, freed at once
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
        Ok(())
    }
}
