// Helpers of the structured clone (crates/js/src/clone/): they read and
// make the internal slots of built-in objects through the built-ins'
// original methods, captured here before any user code can replace them
// (HTML #structuredserializeinternal reads slots, never user-visible methods).
(function (host, internal) {
  "use strict";
  const call = Function.prototype.call.bind(Function.prototype.call);
  // The intrinsics deserialization makes objects with (a script may have
  // replaced the globals of the same names; the standard uses %Map% etc.).
  const { Number: NumberC, String: StringC, Boolean: BooleanC, Object: ObjectC, Date: DateC, RegExp: RegExpC,
    DataView: DataViewC, Map: MapC, Set: SetC, BigInt: BigIntC, Array: ArrayC, DOMException: DOMExceptionC,
    Uint16Array: Uint16ArrayC, Uint8Array: Uint8ArrayC, ArrayBuffer: ArrayBufferC, Reflect: ReflectC } = globalThis;
  const create = ObjectC.create, defineProperty = ObjectC.defineProperty, apply = ReflectC.apply;
  const charCodeAt = StringC.prototype.charCodeAt;
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const numberValue = Number.prototype.valueOf, stringValue = String.prototype.valueOf;
  const booleanValue = Boolean.prototype.valueOf, bigintValue = BigInt.prototype.valueOf;
  const bigintToString = BigInt.prototype.toString;
  const dateValue = Date.prototype.getTime;
  const regexpSource = getter(RegExp.prototype, "source");
  // [[OriginalFlags]]: the built-in `flags` getter reads `this.global` and
  // the others through [[Get]], which runs whatever a script put on
  // RegExp.prototype; each built-in flag getter reads the internal slot.
  const regexpFlagGetters = [], regexpFlagLetters = [];
  {
    const names = ["hasIndices", "global", "ignoreCase", "multiline", "dotAll", "unicode", "unicodeSets", "sticky"];
    const letters = "dgimsuvy";
    for (let i = 0; i < names.length; i++) {
      const d = Object.getOwnPropertyDescriptor(RegExp.prototype, names[i]);
      if (d !== undefined && typeof d.get === "function") {
        defineProperty(regexpFlagGetters, regexpFlagGetters.length, { value: d.get, writable: true, enumerable: true, configurable: true });
        defineProperty(regexpFlagLetters, regexpFlagLetters.length, { value: letters[i], writable: true, enumerable: true, configurable: true });
      }
    }
  }
  function regexpOriginalFlags(o) {
    let flags = "";
    for (let i = 0; i < regexpFlagGetters.length; i++) {
      if (call(regexpFlagGetters[i], o)) flags += regexpFlagLetters[i];
    }
    return flags;
  }
  const abResizable = getter(ArrayBuffer.prototype, "resizable"), abMax = getter(ArrayBuffer.prototype, "maxByteLength");
  const abByteLength = getter(ArrayBuffer.prototype, "byteLength");
  const abDetached = getter(ArrayBuffer.prototype, "detached");
  const sabGrowable = getter(SharedArrayBuffer.prototype, "growable");
  const sabMax = getter(SharedArrayBuffer.prototype, "maxByteLength");
  const TypedArray = Object.getPrototypeOf(Int8Array);
  const taBuffer = getter(TypedArray.prototype, "buffer"), taOffset = getter(TypedArray.prototype, "byteOffset");
  const taLength = getter(TypedArray.prototype, "byteLength");
  const dvBuffer = getter(DataView.prototype, "buffer"), dvOffset = getter(DataView.prototype, "byteOffset");
  const dvLength = getter(DataView.prototype, "byteLength");
  const taElements = getter(TypedArray.prototype, "length"), abResize = ArrayBuffer.prototype.resize;
  const subarray = TypedArray.prototype.subarray, taSet = TypedArray.prototype.set;
  const domName = getter(DOMException.prototype, "name"), domMessage = getter(DOMException.prototype, "message");
  const mapEntries = Map.prototype.entries, setValues = Set.prototype.values;
  // The iterators' own `next`, so that no script-replaced method (on the
  // iterator prototypes, Array.from, Array.prototype[Symbol.iterator]) runs
  // while [[MapData]] / [[SetData]] are read.
  const mapIterNext = Object.getPrototypeOf(new Map().entries()).next;
  const setIterNext = Object.getPrototypeOf(new Set().values()).next;
  function drain(iter, next, pairs) {
    const out = ObjectC.setPrototypeOf([], null); // element writes consult no prototype
    let n = 0;
    for (;;) {
      const r = call(next, iter);
      if (r.done) return out;
      if (pairs) { const e = r.value; out[n++] = e[0]; out[n++] = e[1]; } else out[n++] = r.value;
    }
  }
  const mapSet = Map.prototype.set, setAdd = Set.prototype.add;
  const hasOwn = Object.prototype.hasOwnProperty;
  const isWellFormed = String.prototype.isWellFormed;
  const fromCharCode = String.fromCharCode;
  const viewCtors = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, typeof Float16Array === "function" ? Float16Array : undefined, Float32Array, Float64Array,
    BigInt64Array, BigUint64Array, DataView];
  const errorCtors = { __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  // Error.stackTraceLimit, set to 0 while a clone's error is made: the new
  // error's own stack would be the prelude's frames.
  const stackLimit = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
  const getOwnDescriptor = Object.getOwnPropertyDescriptor;
  function withoutStack(make) {
    if (!stackLimit || typeof stackLimit.get !== "function") return make();
    const limit = call(stackLimit.get, Error);
    call(stackLimit.set, Error, 0);
    try { return make(); } finally { call(stackLimit.set, Error, limit); }
  }

  // Samples whose class ids name the kinds clone.rs knows (see Kind there).
  internal.cloneSamples = () => [
    {}, [], new Error(), new Number(0), new String(""), new Boolean(false), Object(0n), new Date(0), /a/,
    new ArrayBuffer(0), typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(0) : {},
    new Map(), new Set(), new DataView(new ArrayBuffer(0)),
    ...viewCtors.slice(0, 12).map((C) => C === undefined ? {} : new C(0)),
    (function () { return arguments; })(), new DOMException(),
  ];

  // Whether a view over a resizable buffer tracks its length. No method
  // tells, so the buffer is resized by one element and back, with no script
  // running in between: a tracking view follows, a fixed one does not. The
  // bytes a shrink cuts off are put back.
  function lengthTracking(o, isDataView, buffer, offset) {
    // (A growable SharedArrayBuffer cannot be shrunk back, nor grown
    // unseen by the agents it is shared with: views over one are sent as
    // fixed views.)
    if (isShared(buffer) || !call(abResizable, buffer)) return false;
    const size = isDataView ? 1 : o.constructor === undefined ? 1 : bytesPerElement(o);
    const length = () => { try { return isDataView ? call(dvLength, o) : call(taElements, o); } catch { return -1; } };
    const before = length(), bl = call(abByteLength, buffer), max = call(abMax, buffer);
    if (Math.floor((bl - offset) / size) !== before) return false;
    if (bl + size <= max) {
      call(abResize, buffer, bl + size);
      const after = length();
      call(abResize, buffer, bl);
      return after === before + 1;
    }
    if (before < 1) return false;
    const tail = new Uint8Array(buffer, bl - size, size).slice();
    call(abResize, buffer, bl - size);
    const after = length();
    call(abResize, buffer, bl);
    new Uint8Array(buffer, bl - size, size).set(tail);
    return after === before - 1;
  }
  function isShared(buffer) {
    try { call(sabGrowable, buffer); return true; } catch { return false; }
  }
  const elementSizes = new Map(viewCtors.slice(0, 12).filter((C) => C).map((C) => [C.prototype, C.BYTES_PER_ELEMENT]));
  function bytesPerElement(o) {
    for (let p = Object.getPrototypeOf(o); p !== null; p = Object.getPrototypeOf(p)) {
      const n = elementSizes.get(p);
      if (n !== undefined) return n;
    }
    return 1;
  }

  // What clone.rs cannot read itself, by kind (0 wrapper value, 1 date,
  // 2 regexp, 3 array buffer, 4 view, 5 map entries, 6 set values, 7 bigint hex, 8 error,
  // 9 DOMException, 10 a SharedArrayBuffer's maximum or -1).
  // For the fast paths (crates/js/src/engine/natives.rs): the native
  // built-ins they call from Rust to read and make objects of each kind.
  // Each reads or writes internal slots only: no user code runs.
  host.natives([
    abDetached, abResizable, dateValue, MapC, mapSet, Map.prototype.forEach, SetC, setAdd, Set.prototype.forEach,
    regexpSource, RegExpC, numberValue, stringValue, booleanValue, bigintValue, bigintToString, BigIntC,
    Error.prototype, EvalError.prototype, RangeError.prototype, ReferenceError.prototype, SyntaxError.prototype,
    TypeError.prototype, URIError.prototype, withoutStack(() => new Error()),
    Array.prototype, Array.prototype[Symbol.iterator], Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf([][Symbol.iterator]()).next, { [Symbol.iterator]: 0 },
  ], (() => {
    // [V8's bit of each flag, its built-in getter]: the flags read from slots.
    const bits = { hasIndices: 128, global: 1, ignoreCase: 2, multiline: 4, dotAll: 32, unicode: 16, unicodeSets: 256, sticky: 8 };
    const out = [];
    for (const name in bits) {
      const d = Object.getOwnPropertyDescriptor(RegExp.prototype, name);
      if (d !== undefined && typeof d.get === "function") out.push(bits[name], d.get);
    }
    return out;
  })());

  internal.cloneRead = function (kind, o, sub) {
    switch (kind) {
      case 0: switch (sub) {
        case 0: return call(numberValue, o);
        case 1: return call(stringValue, o);
        case 2: return call(booleanValue, o);
        default: return call(bigintValue, o);
      }
      case 1: return call(dateValue, o);
      case 2: return [call(regexpSource, o), regexpOriginalFlags(o)];
      case 3: return [call(abDetached, o), call(abResizable, o) ? call(abMax, o) : -1, call(abByteLength, o)];
      case 4: { // [buffer, byteOffset, byteLength, lengthTracking]; null: a DataView out of bounds
        if (sub !== 12) {
          const b = call(taBuffer, o), off = call(taOffset, o);
          return [b, off, call(taLength, o), lengthTracking(o, false, b, off)];
        }
        let b, off, len;
        try { b = call(dvBuffer, o); off = call(dvOffset, o); len = call(dvLength, o); } catch { return null; }
        return [b, off, len, lengthTracking(o, true, b, off)];
      }
      case 5: return drain(call(mapEntries, o), mapIterNext, true);
      case 6: return drain(call(setValues, o), setIterNext, false);
      case 7: return call(bigintToString, o, 16);
      case 9: return [call(domName, o), call(domMessage, o)];
      case 10: return call(sabGrowable, o) ? call(sabMax, o) : -1;
      case 8: {
        // [name, message or undefined, stack or undefined, hasCause, cause]
        const name = o.name;
        const message = call(hasOwn, o, "message") ? String(o.message) : undefined;
        const stack = o.stack;
        const hasCause = call(hasOwn, o, "cause");
        return [typeof name === "string" ? name : "Error", message, typeof stack === "string" ? stack : undefined, hasCause, hasCause ? o.cause : undefined];
      }
    }
  };

  // Makes built-in objects for the structured deserialize.
  internal.cloneMake = function (kind, a, b, c, d, e) {
    switch (kind) {
      case 0: switch (a) { case 0: return new NumberC(b); case 1: return new StringC(b); case 2: return new BooleanC(b); default: return ObjectC(b); }
      case 1: return new DateC(a);
      case 2: return new RegExpC(a, b);
      case 3: return b < 0 ? a : resizable(a, b);
      case 4: { // (kind index, buffer, byteOffset, byteLength, lengthTracking)
        const C = viewCtors[a];
        if (C === undefined) throw new TypeError("Float16Array is not supported");
        if (e) return new C(b, c);
        return a === 12 ? new DataViewC(b, c, d) : new C(b, c, d / C.BYTES_PER_ELEMENT);
      }
      case 5: return new MapC();
      case 6: return new SetC();
      case 7: return a ? -BigIntC("0x" + b) : BigIntC("0x" + b);
      case 8: {
        // A real error of its kind ([[ErrorData]]: Error.isError, its
        // brand), with the message and the stack it had (HTML
        // #structureddeserialize: "a new Error object", then its fields).
        // Own keys in a fresh error's order: message, (cause,) stack.
        const C = errorCtors[a] || errorCtors.Error;
        const e = withoutStack(() => new C());
        const made = getOwnDescriptor(e, "stack");
        if (made !== undefined) delete e.stack;
        if (b !== undefined) defineProperty(e, "message", { __proto__: null, value: b, writable: true, configurable: true, enumerable: false });
        if (c !== undefined) defineProperty(e, "stack", { __proto__: null, value: c, writable: true, configurable: true, enumerable: false });
        else if (made !== undefined) defineProperty(e, "stack", made);
        return e;
      }
      case 9: return new ArrayC(a);
      case 11: return withoutStack(() => new DOMExceptionC(b, a));
      case 10: { // a string from UTF-16 code units (lone surrogates kept)
        let s = "";
        for (let i = 0; i < a.length; i += 8192) s += apply(fromCharCode, null, call(subarray, a, i, i + 8192));
        return s;
      }
    }
  };
  internal.cloneMapSet = (m, k, v) => call(mapSet, m, k, v);
  internal.cloneSetAdd = (s, v) => call(setAdd, s, v);
  internal.cloneErrorCause = (e, v) => {
    defineProperty(e, "cause", { __proto__: null, value: v, writable: true, configurable: true, enumerable: false });
    // The stack stays last, as on a fresh error with a cause.
    const stack = getOwnDescriptor(e, "stack");
    if (stack !== undefined) { delete e.stack; defineProperty(e, "stack", stack); }
  };
  internal.isWellFormed = (s) => call(isWellFormed, s);
  internal.codeUnits = (s) => { const u = new Uint16ArrayC(s.length); for (let i = 0; i < s.length; i++) u[i] = call(charCodeAt, s, i); return u; };
  function resizable(bytes, max) {
    const r = new ArrayBufferC(call(abByteLength, bytes), { __proto__: null, maxByteLength: max });
    call(taSet, new Uint8ArrayC(r), new Uint8ArrayC(bytes));
    return r;
  }
})
