//! What the direct writer and reader ([`crate::engine::wire`]) keep from one
//! message to the next, per runtime: the wire bytes of property names by
//! atom ([`KeyCache`]), the atoms of names by their bytes ([`NameCache`]),
//! short strings by their bytes ([`StringCache`]), and objects that keep
//! the engine's shapes of recurring messages alive ([`ShapeKeepers`]).
//!
//! None of it is observable: atoms and strings are immutable and shared
//! freely by the engine itself, and the objects kept are never reachable
//! from JavaScript. Each cache holds references (atoms, values) that must
//! be released before the runtime goes: the host state drops the caches
//! when it is cleared.

use rquickjs::{qjs, Ctx};
use std::hash::Hasher;

/// The caches of one runtime.
pub(crate) struct Caches {
    pub(crate) keys: KeyCache,
    pub(crate) names: NameCache,
    pub(crate) strings: StringCache,
    pub(crate) shapes: ShapeKeepers,
    /// The writer's list of objects seen, kept for its capacity.
    pub(crate) seen: Vec<usize>,
    /// The writer's stack of array elements, kept (empty) for its capacity.
    pub(crate) scratch: Vec<qjs::JSValue>,
}

impl Caches {
    /// Empty caches for the runtime of `ctx` (nothing is allocated until
    /// first used).
    pub(crate) fn new(ctx: &Ctx<'_>) -> Self {
        // SAFETY: reads the context's runtime pointer.
        let rt = unsafe { qjs::JS_GetRuntime(ctx.as_raw().as_ptr()) };
        Caches {
            keys: KeyCache {
                rt,
                slots: Vec::new(),
            },
            names: NameCache(ShortCache::new(rt)),
            strings: StringCache(ShortCache::new(rt)),
            shapes: ShapeKeepers {
                rt,
                slots: Vec::new(),
                pending: Vec::new(),
                clock: 0,
                empty: None,
            },
            seen: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

fn hash_bytes(b: &[u8]) -> usize {
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    h.finish() as usize
}

/// Property names already written, by atom: their wire bytes. Direct
/// mapped; each cached atom is held (so its number cannot be reused for
/// another name) until it is evicted or the cache is dropped.
pub(crate) struct KeyCache {
    rt: *mut qjs::JSRuntime,
    slots: Vec<(qjs::JSAtom, Vec<u8>)>,
}

const KEY_SLOTS: usize = 256;

impl KeyCache {
    pub(crate) fn get(&self, atom: qjs::JSAtom) -> Option<&[u8]> {
        let (a, b) = self.slots.get(atom as usize % KEY_SLOTS)?;
        (*a == atom && atom != 0).then_some(b.as_slice())
    }

    /// Keeps `bytes` as the wire bytes of `atom`.
    ///
    /// # Safety
    /// `c` is a live context of the cache's runtime, `atom` a live atom.
    pub(crate) unsafe fn put(&mut self, c: *mut qjs::JSContext, atom: qjs::JSAtom, bytes: &[u8]) {
        if self.slots.is_empty() {
            self.slots = vec![(0, Vec::new()); KEY_SLOTS];
        }
        let slot = &mut self.slots[atom as usize % KEY_SLOTS];
        // SAFETY: (the caller's) live `c` and `atom`: `JS_DupAtom` takes a
        // reference for the cache, and the evicted atom's own is given back.
        unsafe {
            if slot.0 != 0 {
                qjs::JS_FreeAtomRT(self.rt, slot.0);
            }
            slot.0 = qjs::JS_DupAtom(c, atom);
        }
        slot.1.clear();
        slot.1.extend_from_slice(bytes);
    }
}

impl Drop for KeyCache {
    fn drop(&mut self) {
        for (a, _) in &self.slots {
            if *a != 0 {
                // SAFETY: the cache's own reference, given back once.
                unsafe { qjs::JS_FreeAtomRT(self.rt, *a) };
            }
        }
    }
}

/// The longest name or string the byte-keyed caches hold.
const SHORT: usize = 22;

/// A short byte string stored inline, and what it stands for.
#[derive(Clone, Copy)]
struct Short<T> {
    len: u8,
    bytes: [u8; SHORT],
    what: T,
}

impl<T> Short<T> {
    fn is(&self, b: &[u8]) -> bool {
        // A byte loop: the names and strings here are a few bytes long,
        // shorter than the call to `memcmp` a slice comparison makes.
        usize::from(self.len) == b.len() && self.bytes.iter().zip(b).all(|(x, y)| x == y)
    }

    fn new(b: &[u8], what: T) -> Self {
        let mut bytes = [0; SHORT];
        bytes[..b.len()].copy_from_slice(b);
        Short {
            len: b.len() as u8,
            bytes,
            what,
        }
    }
}

/// What a byte-keyed cache holds a reference to: an atom or a value.
trait Counted: Copy {
    /// Whether it was made (not 0 nor an exception).
    fn made(self) -> bool;
    /// A new reference.
    ///
    /// # Safety
    /// `self` is live in the live context `c`'s runtime.
    unsafe fn dup(self, c: *mut qjs::JSContext) -> Self;
    /// Gives a reference back.
    ///
    /// # Safety
    /// The caller owns that reference, of the live runtime `rt`.
    unsafe fn free(self, rt: *mut qjs::JSRuntime);
}

impl Counted for qjs::JSAtom {
    fn made(self) -> bool {
        self != 0
    }
    unsafe fn dup(self, c: *mut qjs::JSContext) -> Self {
        // SAFETY: the trait's contract.
        unsafe { qjs::JS_DupAtom(c, self) }
    }
    unsafe fn free(self, rt: *mut qjs::JSRuntime) {
        // SAFETY: the trait's contract.
        unsafe { qjs::JS_FreeAtomRT(rt, self) }
    }
}

impl Counted for qjs::JSValue {
    fn made(self) -> bool {
        // SAFETY: reads a value's tag.
        unsafe { !qjs::JS_IsException(self) }
    }
    unsafe fn dup(self, c: *mut qjs::JSContext) -> Self {
        // SAFETY: the trait's contract.
        unsafe { qjs::JS_DupValue(c, self) }
    }
    unsafe fn free(self, rt: *mut qjs::JSRuntime) {
        // SAFETY: the trait's contract.
        unsafe { qjs::JS_FreeValueRT(rt, self) }
    }
}

/// A direct-mapped cache from short byte strings to what they make,
/// holding a reference to each entry until it is evicted or dropped.
struct ShortCache<T: Counted, const SLOTS: usize> {
    rt: *mut qjs::JSRuntime,
    slots: Vec<Option<Short<T>>>,
}

impl<T: Counted, const SLOTS: usize> ShortCache<T, SLOTS> {
    fn new(rt: *mut qjs::JSRuntime) -> Self {
        ShortCache {
            rt,
            slots: Vec::new(),
        }
    }

    /// A new reference to what `b` makes: the cached one, or `make()`'s
    /// (kept if made).
    ///
    /// # Safety
    /// `c` is a live context of the cache's runtime, and `make` returns a
    /// new reference of it (or an exception).
    unsafe fn get(&mut self, c: *mut qjs::JSContext, b: &[u8], make: impl FnOnce() -> T) -> T {
        if b.len() > SHORT {
            return make();
        }
        if self.slots.is_empty() {
            self.slots = vec![None; SLOTS];
        }
        let slot = &mut self.slots[hash_bytes(b) % SLOTS];
        if let Some(s) = slot.filter(|s| s.is(b)) {
            // SAFETY: the cache keeps the entry live; `c` is the caller's.
            return unsafe { s.what.dup(c) };
        }
        let made = make();
        if made.made() {
            // SAFETY: the evicted entry's reference is the cache's own,
            // given back once; the cache takes a new one to what was made.
            unsafe {
                if let Some(old) = slot.take() {
                    old.what.free(self.rt);
                }
                *slot = Some(Short::new(b, made.dup(c)));
            }
        }
        made
    }
}

impl<T: Counted, const SLOTS: usize> Drop for ShortCache<T, SLOTS> {
    fn drop(&mut self) {
        for s in self.slots.iter().flatten() {
            // SAFETY: the cache's own reference, given back once.
            unsafe { s.what.free(self.rt) };
        }
    }
}

/// ASCII property names read, by their bytes: their atoms (held), so a
/// recurring name is not looked up in the engine's atom table each time.
pub(crate) struct NameCache(ShortCache<qjs::JSAtom, 256>);

impl NameCache {
    /// A new reference to the atom of the ASCII name `b`; 0 if the engine
    /// failed (out of memory).
    ///
    /// # Safety
    /// `c` is a live context of the cache's runtime.
    pub(crate) unsafe fn atom(&mut self, c: *mut qjs::JSContext, b: &[u8]) -> qjs::JSAtom {
        // SAFETY: `c` is live (the caller's); `JS_NewAtomLen` copies the
        // bytes and returns a new reference.
        unsafe {
            self.0.get(c, b, || {
                qjs::JS_NewAtomLen(c, b.as_ptr().cast(), b.len() as qjs::size_t)
            })
        }
    }
}

/// Short ASCII strings read, by their bytes: the string values (held), so
/// a recurring string is one shared engine string, as a literal in a loop
/// is, not a new allocation per message.
pub(crate) struct StringCache(ShortCache<qjs::JSValue, 64>);

impl StringCache {
    /// A new reference to a string of the ASCII bytes `b`, or an
    /// exception.
    ///
    /// # Safety
    /// `c` is a live context of the cache's runtime.
    pub(crate) unsafe fn string(&mut self, c: *mut qjs::JSContext, b: &[u8]) -> qjs::JSValue {
        // SAFETY: `c` is live (the caller's); `JS_NewStringLen` copies the
        // bytes and returns a new reference or an exception.
        unsafe {
            self.0.get(c, b, || {
                qjs::JS_NewStringLen(c, b.as_ptr().cast(), b.len() as qjs::size_t)
            })
        }
    }
}

/// The most properties of an object whose shapes are kept.
pub(crate) const SHAPE_KEYS: usize = 8;

/// Objects that keep the engine's shapes of recurring plain objects alive.
///
/// QuickJS gives each object a shape (its prototype and property names in
/// order), shared between objects through a hash table, and frees a shape
/// when no object has it. A message's object, built property by property,
/// goes through one shape per prefix of its names; when the previous
/// message's objects are gone, each of those shapes is allocated, hashed
/// and freed again for every message (and the same for the literal that the
/// sender's loop builds). Once a sequence of names has been seen twice, this
/// keeps one object for each of its prefixes (`{a}`, `{a, b}`, ...), so
/// later objects find every shape.
///
/// Two-way set associative, by the high bits of a hash of the names, each
/// set remembering one sequence seen once: two recurring sequences whose
/// hashes share a set both stay kept. (Direct mapped, by the low bits of
/// a hash whose lowest bit is always set, half the slots were never used,
/// and two sequences of one workload that fell into one slot rebuilt
/// their keepers over and over, which made a 10,000-object graph's clone
/// 8% slower or faster depending on which atom numbers the names got.)
pub(crate) struct ShapeKeepers {
    rt: *mut qjs::JSRuntime,
    /// `SHAPE_SETS` sets of `SHAPE_WAYS` slots.
    slots: Vec<ShapeSlot>,
    /// Per set: the hash last seen there without keepers (a second
    /// sighting builds).
    pending: Vec<u64>,
    /// Counts notes, to tell which slot of a set was used last.
    clock: u64,
    /// An object without properties: the first shape of every plain
    /// object (which is freed too when no empty plain object is left).
    empty: Option<qjs::JSValue>,
}

#[derive(Default)]
struct ShapeSlot {
    /// The hash of the names whose keepers this slot holds (0: none).
    built: u64,
    /// `clock` when this slot was last built or hit.
    used: u64,
    keepers: Vec<qjs::JSValue>,
}

const SHAPE_SETS: usize = 64;
const SHAPE_WAYS: usize = 2;

/// The set of the names whose [`names_hash`] is `h`.
fn shape_set(h: u64) -> usize {
    (h >> 40) as usize % SHAPE_SETS
}

/// A hash of a sequence of atoms, never 0 for a non-empty one.
pub(crate) fn names_hash(h: u64, atom: qjs::JSAtom) -> u64 {
    ((h.rotate_left(5) ^ u64::from(atom)).wrapping_mul(0x517c_c1b7_2722_0a95)) | 1
}

impl ShapeKeepers {
    /// Notes a plain object (prototype `Object.prototype`, data properties
    /// defined in this order, each configurable, writable and enumerable)
    /// with the names `atoms` (at most [`SHAPE_KEYS`], none an index) whose
    /// [`names_hash`] is `h`. Errors are the engine's (out of memory).
    ///
    /// # Safety
    /// `c` is a live context of this runtime, and the atoms are live.
    pub(crate) unsafe fn note(
        &mut self,
        c: *mut qjs::JSContext,
        h: u64,
        atoms: &[qjs::JSAtom],
    ) -> rquickjs::Result<()> {
        if atoms.is_empty() || atoms.len() > SHAPE_KEYS {
            return Ok(());
        }
        if self.empty.is_none() {
            // SAFETY: `c` is live; the new reference is the keepers'.
            let o = unsafe { qjs::JS_NewObject(c) };
            // SAFETY: reads a value's tag.
            if unsafe { qjs::JS_IsException(o) } {
                return Err(rquickjs::Error::Exception);
            }
            self.empty = Some(o);
            self.slots
                .resize_with(SHAPE_SETS * SHAPE_WAYS, ShapeSlot::default);
            self.pending = vec![0; SHAPE_SETS];
        }
        self.clock += 1;
        let set = shape_set(h);
        let ways = &mut self.slots[set * SHAPE_WAYS..(set + 1) * SHAPE_WAYS];
        if let Some(hit) = ways.iter_mut().find(|s| s.built == h) {
            hit.used = self.clock;
            return Ok(());
        }
        if self.pending[set] != h {
            self.pending[set] = h;
            return Ok(());
        }
        // The second sighting: built in the slot used least lately.
        let slot = ways
            .iter_mut()
            .min_by_key(|s| s.used)
            .expect("a set has slots");
        for k in slot.keepers.drain(..) {
            // SAFETY: the keepers' own reference, given back once.
            unsafe { qjs::JS_FreeValueRT(self.rt, k) };
        }
        slot.built = 0;
        for n in 1..=atoms.len() {
            // SAFETY: `c` and the atoms are live (the caller's); the new
            // object is the keepers' (pushed before anything can fail),
            // and defining its data properties runs no JavaScript.
            unsafe {
                let o = qjs::JS_NewObject(c);
                if qjs::JS_IsException(o) {
                    return Err(rquickjs::Error::Exception);
                }
                slot.keepers.push(o);
                for &a in &atoms[..n] {
                    let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as i32;
                    if qjs::JS_DefinePropertyValue(c, o, a, qjs::JS_UNDEFINED, flags) < 0 {
                        return Err(rquickjs::Error::Exception);
                    }
                }
            }
        }
        slot.built = h;
        slot.used = self.clock;
        self.pending[set] = 0;
        Ok(())
    }
}

impl ShapeKeepers {
    /// [`Self::note`] for an object just defined with the names of `keys`
    /// in order (each a data property), whose [`names_hash`] is `h`: noted
    /// if they are few enough and all names (an index is not part of a
    /// shape).
    ///
    /// # Safety
    /// `c` is a live context of this runtime (the table keeps its atoms).
    pub(crate) unsafe fn note_keys(
        &mut self,
        c: *mut qjs::JSContext,
        h: u64,
        keys: &crate::engine::ffi::KeyTable,
    ) -> rquickjs::Result<()> {
        use crate::engine::ffi::INDEX_ATOM as TAGGED_INT;
        let n = keys.len();
        if n > SHAPE_KEYS {
            return Ok(());
        }
        let mut atoms = [0; SHAPE_KEYS];
        for (i, a) in atoms.iter_mut().enumerate().take(n) {
            *a = keys.atom(i);
        }
        if atoms[..n].iter().any(|&a| a & TAGGED_INT != 0) {
            return Ok(());
        }
        // SAFETY: `c` is live (the caller's) and the table keeps the atoms.
        unsafe { self.note(c, h, &atoms[..n]) }
    }
}

impl Drop for ShapeKeepers {
    fn drop(&mut self) {
        for k in self
            .slots
            .iter()
            .flat_map(|s| &s.keepers)
            .chain(&self.empty)
        {
            // SAFETY: the keeper's own reference, given back once.
            unsafe { qjs::JS_FreeValueRT(self.rt, *k) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    #[test]
    fn cached_names_and_strings_are_the_engines_own() {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let c = ctx.as_raw().as_ptr();
            let mut caches = Caches::new(&ctx);
            for name in [&b"hello"[..], b"x", b"a_name_longer_than_twenty_two", b""] {
                for _ in 0..3 {
                    // SAFETY: `c` is live, of the caches' runtime.
                    let a = unsafe { caches.names.atom(c, name) };
                    // SAFETY: `c` is live; the atom is a new reference, freed below.
                    let expected = unsafe {
                        qjs::JS_NewAtomLen(c, name.as_ptr().cast(), name.len() as qjs::size_t)
                    };
                    assert_eq!(a, expected, "{name:?}");
                    // SAFETY: the two references made above, freed once.
                    unsafe {
                        qjs::JS_FreeAtom(c, a);
                        qjs::JS_FreeAtom(c, expected);
                    }
                    // SAFETY: as above.
                    let s = unsafe { caches.strings.string(c, name) };
                    // SAFETY: a new reference, taken over by the `Value`.
                    let s = unsafe { rquickjs::Value::from_raw(ctx.clone(), s) };
                    let back: String = s.get().unwrap();
                    assert_eq!(back.as_bytes(), name);
                }
            }
            // Two names that share a slot evict each other and stay right.
            let mut seen = std::collections::HashMap::new();
            for i in 0..2000 {
                let name = format!("k{i}");
                let slot = hash_bytes(name.as_bytes()) % 256;
                if let Some(other) = seen.insert(slot, name.clone()) {
                    for n in [&name, &other, &name] {
                        // SAFETY: as above.
                        let a = unsafe { caches.names.atom(c, n.as_bytes()) };
                        // SAFETY: `a` is live; a new reference, taken over by the `Value`.
                        let s = unsafe { qjs::JS_AtomToValue(c, a) };
                        // SAFETY: the new reference above, taken over.
                        let s = unsafe { rquickjs::Value::from_raw(ctx.clone(), s) };
                        assert_eq!(&s.get::<String>().unwrap(), n);
                        // SAFETY: the reference the cache handed out, freed once.
                        unsafe { qjs::JS_FreeAtom(c, a) };
                    }
                    break;
                }
            }
        });
        // Dropping the caches after the context, before the runtime: the
        // runtime's own checks find no leaked atom or value.
    }

    /// The keepers built for the names whose hash is `h`, if any.
    fn kept(caches: &Caches, h: u64) -> Option<&ShapeSlot> {
        caches.shapes.slots.iter().find(|s| s.built == h)
    }

    /// New atoms for `names` (freed by the caller) and their hash.
    fn atoms_of(c: *mut qjs::JSContext, names: &[&str]) -> (Vec<qjs::JSAtom>, u64) {
        let atoms: Vec<qjs::JSAtom> = names
            .iter()
            // SAFETY: `c` is live; new atoms, freed by the caller.
            .map(|n| unsafe { qjs::JS_NewAtomLen(c, n.as_ptr().cast(), n.len() as _) })
            .collect();
        let h = atoms.iter().fold(0, |h, &a| names_hash(h, a));
        (atoms, h)
    }

    /// Runs `f` with a fresh context and caches; the caches are dropped
    /// after `f`, before the runtime, whose own checks then find no
    /// leaked atom or value.
    fn with_caches(f: impl for<'js> FnOnce(&Ctx<'js>, *mut qjs::JSContext, &mut Caches)) {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let mut caches = Caches::new(&ctx);
            f(&ctx, ctx.as_raw().as_ptr(), &mut caches);
            drop(caches);
        });
    }

    #[test]
    fn shape_keepers_build_on_the_second_sighting_and_free_on_drop() {
        with_caches(|ctx, c, caches| {
            let (atoms, h) = atoms_of(c, &["i", "s"]);
            // SAFETY: `c` and the atoms are live.
            unsafe { caches.shapes.note(c, h, &atoms).unwrap() };
            assert!(kept(caches, h).is_none());
            // SAFETY: `c` and the atoms are live.
            unsafe { caches.shapes.note(c, h, &atoms).unwrap() };
            assert_eq!(kept(caches, h).unwrap().keepers.len(), 2);
            // SAFETY: a keeper the caches hold; the duplicate is the `Value`'s.
            let keeper = unsafe {
                rquickjs::Value::from_raw(
                    ctx.clone(),
                    qjs::JS_DupValue(c, kept(caches, h).unwrap().keepers[1]),
                )
            };
            let keys: rquickjs::Function = ctx.eval("(o) => Object.keys(o).join()").unwrap();
            assert_eq!(keys.call::<_, String>((keeper,)).unwrap(), "i,s");
            // A third sighting builds nothing new.
            // SAFETY: `c` and the atoms are live.
            unsafe { caches.shapes.note(c, h, &atoms).unwrap() };
            assert_eq!(
                caches.shapes.slots.iter().filter(|s| s.built != 0).count(),
                1
            );
            for a in atoms {
                // SAFETY: the atoms made above, freed once.
                unsafe { qjs::JS_FreeAtom(c, a) };
            }
        });
    }

    #[test]
    fn two_recurring_sequences_of_one_set_both_stay_kept() {
        with_caches(|_, c, caches| {
            // Two name sequences whose hashes fall into one set.
            let (a, ha) = atoms_of(c, &["id", "type"]);
            // (Kept until the end: a freed atom's number is given again.)
            let mut tried = Vec::new();
            let mut other = None;
            for i in 0..10_000 {
                let name = format!("k{i}");
                let (b, hb) = atoms_of(c, &["id", &name]);
                if shape_set(hb) == shape_set(ha) {
                    other = Some((b, hb));
                    break;
                }
                tried.extend(b);
            }
            let (b, hb) = other.expect("a colliding sequence");
            // Each seen twice, then both used alternately: nothing rebuilt.
            for (atoms, h) in [(&a, ha), (&a, ha), (&b, hb), (&b, hb)] {
                // SAFETY: `c` and the atoms are live.
                unsafe { caches.shapes.note(c, h, atoms).unwrap() };
            }
            let built = |caches: &Caches| {
                (
                    kept(caches, ha).map(|s| s.keepers[0]),
                    kept(caches, hb).map(|s| s.keepers[0]),
                )
            };
            let before = built(caches);
            assert!(before.0.is_some() && before.1.is_some(), "both kept");
            for _ in 0..10 {
                for (atoms, h) in [(&a, ha), (&b, hb)] {
                    // SAFETY: `c` and the atoms are live.
                    unsafe { caches.shapes.note(c, h, atoms).unwrap() };
                }
            }
            // The same keeper objects: neither was rebuilt.
            let same = |x: Option<qjs::JSValue>, y: Option<qjs::JSValue>| {
                // SAFETY: compares two values' object pointers.
                unsafe { qjs::JS_VALUE_GET_PTR(x.unwrap()) == qjs::JS_VALUE_GET_PTR(y.unwrap()) }
            };
            let after = built(caches);
            assert!(same(before.0, after.0) && same(before.1, after.1));
            for x in a.into_iter().chain(b).chain(tried) {
                // SAFETY: the atoms made above, freed once.
                unsafe { qjs::JS_FreeAtom(c, x) };
            }
        });
    }
}
