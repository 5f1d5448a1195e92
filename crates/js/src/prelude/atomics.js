// Atomics.wait, Atomics.waitAsync and Atomics.notify (ECMA-262
// #sec-atomics.wait, #sec-atomics.waitasync, #sec-atomics.notify) over
// msgport's waiter lists (crates/js/src/runtime/atomics.rs), in place of
// the engine's: those cannot be woken when a worker is terminated, and it
// has no waitAsync. The arguments are converted here in the standard's
// order; an argument the standard rejects before its index is read (not
// an Int32Array or BigInt64Array, or not over a SharedArrayBuffer) goes to
// the engine's own function, which throws as the standard says (and, for
// notify over an ArrayBuffer, returns 0).
(function (host, internal) {
  "use strict";
  const call = Function.prototype.call.bind(Function.prototype.call);
  const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
  const AtomicsO = Atomics, nativeWait = Atomics.wait, nativeNotify = Atomics.notify;
  const TypedArray = Object.getPrototypeOf(Int8Array);
  const taName = getter(TypedArray.prototype, Symbol.toStringTag);
  const taBuffer = getter(TypedArray.prototype, "buffer");
  const taOffset = getter(TypedArray.prototype, "byteOffset");
  const taLength = getter(TypedArray.prototype, "length");
  const sabLength = getter(SharedArrayBuffer.prototype, "byteLength");
  const asIntN = BigInt.asIntN, StringC = String, trunc = Math.trunc, PromiseC = Promise;
  const TypeErrorC = TypeError, RangeErrorC = RangeError;
  const setTimer = setTimeout, clearTimer = clearTimeout;
  const defineProperty = Object.defineProperty;
  // setTimeout's longest delay; a longer timeout is waited in such steps.
  const MAX_DELAY = 2147483647;

  function isShared(buffer) {
    try { call(sabLength, buffer); return true; } catch { return false; }
  }
  // ToIndex (#sec-toindex).
  function toIndex(x) {
    let n = +x;
    n = n !== n ? 0 : trunc(n);
    if (n < 0 || n > 9007199254740991) throw new RangeErrorC("invalid atomic access index");
    return n;
  }
  // ValidateIntegerTypedArray(ta, waitable) and ValidateAtomicAccess:
  // [name, buffer, byte index], or null for the engine to reject.
  function place(ta, index) {
    const name = call(taName, ta);
    if (name !== "Int32Array" && name !== "BigInt64Array") return null;
    const buffer = call(taBuffer, ta);
    if (!isShared(buffer)) return null;
    const i = toIndex(index);
    if (i >= call(taLength, ta)) throw new RangeErrorC("out-of-bound atomic access");
    return [name, buffer, call(taOffset, ta) + i * (name === "Int32Array" ? 4 : 8)];
  }
  // ToInt32 or ToBigInt64 (a BigInt goes to the host as a decimal string).
  const expected = (name, v) => name === "Int32Array" ? (+v) | 0 : StringC(asIntN(64, v));
  // DoWait step 9: NaN and +Infinity wait forever, below 0 is 0.
  function timeoutOf(t) {
    const q = +t;
    return q !== q ? Infinity : q < 0 ? 0 : q;
  }

  // Pending waitAsync promises by waiter id: [resolve, timer or undefined].
  const pending = { __proto__: null };
  function arm(id, left) {
    const step = left > MAX_DELAY ? MAX_DELAY : left;
    return setTimer(() => {
      const w = pending[id];
      if (w === undefined) return;
      if (left > step) { w[1] = arm(id, left - step); return; }
      if (host.atomicsCancel(id)) { delete pending[id]; w[0]("timed-out"); }
    }, step);
  }
  internal.atomicsWoken = (id) => {
    const w = pending[id];
    if (w === undefined) return;
    delete pending[id];
    if (w[1] !== undefined) clearTimer(w[1]);
    w[0]("ok");
  };

  const methods = {
    wait(typedArray, index, value, timeout) {
      // The common call, checked and done natively (converting nothing
      // that could run code); -1 when it is not that call.
      if (typeof index === "number" && typeof value === "number" && (timeout === undefined || typeof timeout === "number")) {
        const r = host.atomicsWaitAt(typedArray, index, (+value) | 0, timeoutOf(timeout));
        if (r !== -1) return r;
      }
      const p = place(typedArray, index);
      if (p === null) return call(nativeWait, AtomicsO, typedArray, index, value, timeout);
      const v = expected(p[0], value), t = timeoutOf(timeout);
      return host.atomicsWait(p[1], p[2], v, t);
    },
    waitAsync(typedArray, index, value, timeout) {
      const p = place(typedArray, index);
      if (p === null) throw new TypeErrorC("Atomics.waitAsync needs an Int32Array or BigInt64Array over a SharedArrayBuffer");
      const v = expected(p[0], value), t = timeoutOf(timeout);
      const r = host.atomicsWaitAsync(p[1], p[2], v, t === 0);
      if (typeof r === "string") return { async: false, value: r };
      let resolve;
      const promise = new PromiseC((res) => { resolve = res; });
      pending[r] = [resolve, t === Infinity ? undefined : arm(r, t)];
      return { async: true, value: promise };
    },
    notify(typedArray, index, count) {
      if (typeof index === "number" && (count === undefined || typeof count === "number")) {
        let c = Infinity;
        if (count !== undefined) { c = count !== count ? 0 : trunc(count); if (c < 0) c = 0; }
        const r = host.atomicsNotifyAt(typedArray, index, c);
        if (r !== -1) return r;
      }
      const p = place(typedArray, index);
      if (p === null) return call(nativeNotify, AtomicsO, typedArray, index, count);
      let c = Infinity;
      if (count !== undefined) {
        c = +count;
        c = c !== c ? 0 : trunc(c);
        if (c < 0) c = 0;
      }
      return host.atomicsNotify(p[1], p[2], c);
    },
  };
  for (const name of ["wait", "waitAsync", "notify"]) {
    defineProperty(AtomicsO, name, { __proto__: null, value: methods[name], writable: true, enumerable: false, configurable: true });
  }
})
