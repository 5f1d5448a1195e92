// Readable streams (Streams Standard #rs): ReadableStream with its default
// controller and default reader, async iteration, tee, ReadableStream.from,
// and the queuing strategies. Byte streams (`type: "bytes"`, BYOB readers)
// are not implemented: such a source is refused with a NotSupportedError,
// and a BYOB reader is refused as the standard refuses it for a stream
// that is not a byte stream. pipeTo/pipeThrough and the writable and
// transform streams are in streams-writable.js and streams-transform.js,
// which take what they share from `internal.streams`.
//
// Each algorithm is the standard's abstract operation of the same name;
// promises are made and chained through captured intrinsics, so that
// nothing a script does to Promise.prototype changes a stream's steps.
(function (host, internal) {
  "use strict";
  const { dictionary } = internal;
  const PromiseC = Promise;
  const promiseThen = Promise.prototype.then;
  const promiseResolve = Promise.resolve.bind(Promise);
  const promiseReject = Promise.reject.bind(Promise);
  const uncurry = Function.prototype.call.bind(Function.prototype.call);
  const reflectApply = Reflect.apply;
  const noop = () => {};
  const { defineProperty, create } = Object;
  const isNaNf = Number.isNaN;

  // ---- promises (Web IDL #js-promise) ------------------------------------
  // A promise with its capability, which knows whether it has settled.
  function newPromise() {
    let res, rej;
    const promise = new PromiseC((a, b) => { res = a; rej = b; });
    const r = {
      promise, settled: false,
      resolve(v) { r.settled = true; res(v); },
      reject(e) { r.settled = true; rej(e); },
    };
    return r;
  }
  const resolvedWith = (v) => promiseResolve(v);
  const rejectedWith = (e) => { const p = promiseReject(e); markHandled(p); return p; };
  function react(p, onFulfilled, onRejected) { return uncurry(promiseThen, p, onFulfilled, onRejected); }
  function markHandled(p) { uncurry(promiseThen, p, undefined, noop); }
  // "Upon settlement", for a step that cannot fail (the result is handled).
  function upon(p, onFulfilled, onRejected) { markHandled(react(p, onFulfilled, onRejected)); }
  // Calls `f` and gives its result as a promise (Web IDL: an exception
  // becomes a rejection).
  function promiseCall(f, thisArg, args) {
    try { return resolvedWith(reflectApply(f, thisArg, args)); } catch (e) { return promiseReject(e); }
  }

  // ---- queue-with-sizes (#queue-with-sizes) ------------------------------
  function resetQueue(c) { c.queue = []; c.queueTotalSize = 0; }
  function enqueueValueWithSize(c, value, size) {
    size = +size;
    if (isNaNf(size) || size < 0 || size === Infinity) throw new RangeError("The chunk's size must be a finite, non-negative number");
    c.queue.push({ value, size });
    c.queueTotalSize += size;
  }
  function dequeueValue(c) {
    const pair = c.queue.shift();
    c.queueTotalSize -= pair.size;
    if (c.queueTotalSize < 0) c.queueTotalSize = 0;
    return pair.value;
  }

  // ---- strategies (#validate-and-normalize-high-water-mark) --------------
  function strategyDict(strategy) {
    return dictionary(strategy, "QueuingStrategy", ["highWaterMark", "size"], [internal.toNumber, callbackOf("size")]);
  }
  function extractHighWaterMark(s, defaultHWM) {
    if (s.highWaterMark === undefined) return defaultHWM;
    const hwm = s.highWaterMark;
    if (isNaNf(hwm) || hwm < 0) throw new RangeError("highWaterMark must be a non-negative number");
    return hwm;
  }
  function extractSizeAlgorithm(s) {
    const size = s.size;
    if (size === undefined) return () => 1;
    return (chunk) => reflectApply(size, undefined, [chunk]);
  }
  function callbackOf(what) {
    return (f) => {
      if (typeof f !== "function") throw new TypeError(`${what} must be a function`);
      return f;
    };
  }

  // ByteLengthQueuingStrategy and CountQueuingStrategy (#qs-api): the
  // high-water mark each was made with; `size` is one function per realm.
  function strategyInit(what, init) {
    if (init === null || (typeof init !== "object" && typeof init !== "function"))
      throw new TypeError(`Failed to construct '${what}': the argument must be an object`);
    const o = dictionary(init, what + "Init", ["highWaterMark"], [internal.toNumber]);
    if (o.highWaterMark === undefined) throw new TypeError(`Failed to construct '${what}': highWaterMark is required`);
    return o.highWaterMark;
  }
  function brandCheck(map, s) {
    const v = map.get(s);
    if (v === undefined) throw new TypeError("Illegal invocation");
    return v;
  }
  const byteLengthHWM = internal.slotWeakMap(), countHWM = internal.slotWeakMap();
  const byteLengthSize = defineProperty((chunk) => chunk.byteLength, "name", { value: "size" });
  const countSize = defineProperty(() => 1, "name", { value: "size" });
  class ByteLengthQueuingStrategy {
    constructor(init) { byteLengthHWM.set(this, strategyInit("ByteLengthQueuingStrategy", init)); }
    get highWaterMark() { return brandCheck(byteLengthHWM, this); }
    get size() { brandCheck(byteLengthHWM, this); return byteLengthSize; }
  }
  class CountQueuingStrategy {
    constructor(init) { countHWM.set(this, strategyInit("CountQueuingStrategy", init)); }
    get highWaterMark() { return brandCheck(countHWM, this); }
    get size() { brandCheck(countHWM, this); return countSize; }
  }
  defineProperty(ByteLengthQueuingStrategy.prototype, Symbol.toStringTag, { value: "ByteLengthQueuingStrategy", configurable: true });
  defineProperty(CountQueuingStrategy.prototype, Symbol.toStringTag, { value: "CountQueuingStrategy", configurable: true });

  // ---- ReadableStream (#rs-class) -----------------------------------------
  const streams = internal.slotWeakMap(); // ReadableStream -> internal state
  const readers = internal.slotWeakMap(); // ReadableStreamDefaultReader -> state
  const controllers = internal.slotWeakMap(); // ReadableStreamDefaultController -> state
  function rs(s) { const x = streams.get(s); if (x === undefined) throw new TypeError("Illegal invocation: not a ReadableStream"); return x; }

  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = undefined) {
      const source = underlyingSource === undefined ? null : underlyingSource;
      const dict = dictionary(source, "UnderlyingSource", ["autoAllocateChunkSize", "cancel", "pull", "start", "type"],
        [undefined, callbackOf("cancel"), callbackOf("pull"), callbackOf("start"), (t) => `${t}`]);
      const st = strategyDict(strategy);
      const stream = initializeReadableStream(this);
      if (dict.type !== undefined) {
        if (dict.type !== "bytes") throw new TypeError(`'${dict.type}' is not a valid ReadableStreamType`);
        throw new DOMException("msgport does not implement readable byte streams (type: \"bytes\")", "NotSupportedError");
      }
      setUpControllerFromSource(stream, source, dict, extractHighWaterMark(st, 1), extractSizeAlgorithm(st));
    }
    get locked() { return isLocked(rs(this)); }
    cancel(reason = undefined) {
      let s;
      try { s = rs(this); } catch (e) { return rejectedWith(e); }
      if (isLocked(s)) return rejectedWith(new TypeError("Cannot cancel a locked stream"));
      return readableStreamCancel(s, reason);
    }
    getReader(options = undefined) {
      const s = rs(this);
      const o = dictionary(options, "ReadableStreamGetReaderOptions", ["mode"], [(m) => `${m}`]);
      if (o.mode === undefined) return acquireDefaultReader(s);
      if (o.mode !== "byob") throw new TypeError(`'${o.mode}' is not a valid ReadableStreamReaderMode`);
      throw new TypeError("A BYOB reader needs a readable byte stream");
    }
    pipeThrough(transform, options = undefined) { return internal.streams.pipeThrough(this, transform, options); }
    pipeTo(destination, options = undefined) { return internal.streams.pipeTo(this, destination, options); }
    tee() { const branches = defaultTee(rs(this)); return [branches[0].object, branches[1].object]; }
    values(options = undefined) {
      const s = rs(this);
      const o = dictionary(options, "ReadableStreamIteratorOptions", ["preventCancel"]);
      return makeIterator(s, !!o.preventCancel);
    }
    static from(asyncIterable) { return readableStreamFromIterable(asyncIterable).object; }
  }
  defineProperty(ReadableStream.prototype, Symbol.asyncIterator, { value: ReadableStream.prototype.values, writable: true, configurable: true });
  defineProperty(ReadableStream.prototype, Symbol.toStringTag, { value: "ReadableStream", configurable: true });

  // InitializeReadableStream, with the object made beforehand (or now).
  function initializeReadableStream(object) {
    const s = { object, state: "readable", reader: undefined, storedError: undefined, disturbed: false, controller: undefined };
    streams.set(object, s);
    return s;
  }
  // CreateReadableStream: a stream whose source is the given algorithms.
  function createReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark = 1, sizeAlgorithm = () => 1) {
    const object = create(ReadableStream.prototype);
    const s = initializeReadableStream(object);
    setUpController(s, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm);
    return s;
  }
  const isLocked = (s) => s.reader !== undefined;

  function readableStreamCancel(s, reason) {
    s.disturbed = true;
    if (s.state === "closed") return resolvedWith(undefined);
    if (s.state === "errored") return rejectedWith(s.storedError);
    readableStreamClose(s);
    const sourceCancel = s.controller.cancelSteps(reason);
    return react(sourceCancel, () => undefined);
  }
  function readableStreamClose(s) {
    s.state = "closed";
    const r = s.reader;
    if (r === undefined) return;
    r.closed.resolve(undefined);
    const requests = r.readRequests;
    r.readRequests = [];
    for (const req of requests) req.closeSteps();
  }
  function readableStreamError(s, e) {
    s.state = "errored";
    s.storedError = e;
    const r = s.reader;
    if (r === undefined) return;
    r.closed.reject(e);
    markHandled(r.closed.promise);
    const requests = r.readRequests;
    r.readRequests = [];
    for (const req of requests) req.errorSteps(e);
  }
  function fulfillReadRequest(s, chunk, done) {
    const req = s.reader.readRequests.shift();
    if (done) req.closeSteps(); else req.chunkSteps(chunk);
  }
  const numReadRequests = (s) => s.reader.readRequests.length;

  // ---- ReadableStreamDefaultController (#rs-default-controller-class) ----
  function rsc(c) { const x = controllers.get(c); if (x === undefined) throw new TypeError("Illegal invocation: not a ReadableStreamDefaultController"); return x; }
  class ReadableStreamDefaultController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get desiredSize() { return desiredSize(rsc(this)); }
    close() {
      const c = rsc(this);
      if (!canCloseOrEnqueue(c)) throw new TypeError("The stream is not in a state that permits close");
      controllerClose(c);
    }
    enqueue(chunk = undefined) {
      const c = rsc(this);
      if (!canCloseOrEnqueue(c)) throw new TypeError("The stream is not in a state that permits enqueue");
      controllerEnqueue(c, chunk);
    }
    error(e = undefined) { controllerError(rsc(this), e); }
  }
  defineProperty(ReadableStreamDefaultController.prototype, Symbol.toStringTag, { value: "ReadableStreamDefaultController", configurable: true });

  function setUpControllerFromSource(s, source, dict, hwm, sizeAlgorithm) {
    const start = dict.start === undefined ? () => undefined : (c) => reflectApply(dict.start, source, [c]);
    const pull = dict.pull === undefined ? () => resolvedWith(undefined) : (c) => promiseCall(dict.pull, source, [c]);
    const cancel = dict.cancel === undefined ? () => resolvedWith(undefined) : (r) => promiseCall(dict.cancel, source, [r]);
    setUpController(s, start, pull, cancel, hwm, sizeAlgorithm);
  }
  function setUpController(s, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm) {
    const object = create(ReadableStreamDefaultController.prototype);
    const c = {
      object, stream: s, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
      pullAgain: false, pulling: false, strategySizeAlgorithm: sizeAlgorithm, strategyHWM: hwm,
      pullAlgorithm, cancelAlgorithm,
      cancelSteps(reason) { resetQueue(c); const r = c.cancelAlgorithm(reason); clearAlgorithms(c); return r; },
      pullSteps(req) {
        if (c.queue.length > 0) {
          const chunk = dequeueValue(c);
          if (c.closeRequested && c.queue.length === 0) { clearAlgorithms(c); readableStreamClose(s); } else callPullIfNeeded(c);
          req.chunkSteps(chunk);
        } else {
          s.reader.readRequests.push(req);
          callPullIfNeeded(c);
        }
      },
    };
    controllers.set(object, c);
    s.controller = c;
    const startResult = startAlgorithm(object);
    upon(resolvedWith(startResult), () => { c.started = true; callPullIfNeeded(c); }, (r) => controllerError(c, r));
  }
  function callPullIfNeeded(c) {
    if (!shouldCallPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    upon(c.pullAlgorithm(c.object), () => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; callPullIfNeeded(c); }
    }, (e) => controllerError(c, e));
  }
  function shouldCallPull(c) {
    const s = c.stream;
    if (!canCloseOrEnqueue(c) || !c.started) return false;
    if (isLocked(s) && numReadRequests(s) > 0) return true;
    return desiredSize(c) > 0;
  }
  function clearAlgorithms(c) { c.pullAlgorithm = undefined; c.cancelAlgorithm = undefined; c.strategySizeAlgorithm = undefined; }
  function controllerClose(c) {
    if (!canCloseOrEnqueue(c)) return;
    c.closeRequested = true;
    if (c.queue.length === 0) { clearAlgorithms(c); readableStreamClose(c.stream); }
  }
  function controllerEnqueue(c, chunk) {
    if (!canCloseOrEnqueue(c)) return;
    const s = c.stream;
    if (isLocked(s) && numReadRequests(s) > 0) fulfillReadRequest(s, chunk, false);
    else {
      let size;
      try { size = c.strategySizeAlgorithm(chunk); } catch (e) { controllerError(c, e); throw e; }
      try { enqueueValueWithSize(c, chunk, size); } catch (e) { controllerError(c, e); throw e; }
    }
    callPullIfNeeded(c);
  }
  function controllerError(c, e) {
    if (c.stream.state !== "readable") return;
    resetQueue(c);
    clearAlgorithms(c);
    readableStreamError(c.stream, e);
  }
  function desiredSize(c) {
    const state = c.stream.state;
    if (state === "errored") return null;
    if (state === "closed") return 0;
    return c.strategyHWM - c.queueTotalSize;
  }
  const hasBackpressure = (c) => !shouldCallPull(c);
  const canCloseOrEnqueue = (c) => !c.closeRequested && c.stream.state === "readable";

  // ---- ReadableStreamDefaultReader (#default-reader-class) ---------------
  function rdr(r) { const x = readers.get(r); if (x === undefined) throw new TypeError("Illegal invocation: not a ReadableStreamDefaultReader"); return x; }
  class ReadableStreamDefaultReader {
    constructor(stream) { setUpDefaultReader(this, rs(stream)); }
    get closed() { return rdr(this).closed.promise; }
    cancel(reason = undefined) {
      let r;
      try { r = rdr(this); } catch (e) { return rejectedWith(e); }
      if (r.stream === undefined) return rejectedWith(new TypeError("The reader has no stream"));
      return readableStreamCancel(r.stream, reason);
    }
    read() {
      let r;
      try { r = rdr(this); } catch (e) { return rejectedWith(e); }
      if (r.stream === undefined) return rejectedWith(new TypeError("The reader has been released"));
      const p = newPromise();
      defaultReaderRead(r, {
        chunkSteps: (chunk) => p.resolve({ value: chunk, done: false }),
        closeSteps: () => p.resolve({ value: undefined, done: true }),
        errorSteps: (e) => p.reject(e),
      });
      return p.promise;
    }
    releaseLock() { const r = rdr(this); if (r.stream !== undefined) defaultReaderRelease(r); }
  }
  defineProperty(ReadableStreamDefaultReader.prototype, Symbol.toStringTag, { value: "ReadableStreamDefaultReader", configurable: true });

  function setUpDefaultReader(object, s) {
    if (isLocked(s)) throw new TypeError("The stream is locked to another reader");
    const r = { object, stream: s, closed: newPromise(), readRequests: [] };
    s.reader = r;
    if (s.state === "closed") r.closed.resolve(undefined);
    else if (s.state === "errored") { r.closed.reject(s.storedError); markHandled(r.closed.promise); }
    readers.set(object, r);
    return r;
  }
  function acquireDefaultReader(s) { const object = create(ReadableStreamDefaultReader.prototype); setUpDefaultReader(object, s); return object; }
  function defaultReaderRead(r, req) {
    const s = r.stream;
    s.disturbed = true;
    if (s.state === "closed") req.closeSteps();
    else if (s.state === "errored") req.errorSteps(s.storedError);
    else s.controller.pullSteps(req);
  }
  function defaultReaderRelease(r) {
    const s = r.stream;
    const e = new TypeError("The reader was released");
    if (s.state === "readable") r.closed.reject(e);
    else { r.closed = newPromise(); r.closed.reject(e); }
    markHandled(r.closed.promise);
    s.reader = undefined;
    r.stream = undefined;
    const requests = r.readRequests;
    r.readRequests = [];
    for (const req of requests) req.errorSteps(e);
  }

  // ---- async iteration (#rs-asynciterator) -------------------------------
  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
  const iterators = internal.slotWeakMap();
  const ReadableStreamAsyncIteratorPrototype = create(AsyncIteratorPrototype, {
    next: { writable: true, configurable: true, enumerable: true, value: function next() {
      const it = iterators.get(this);
      if (it === undefined) return rejectedWith(new TypeError("Illegal invocation"));
      const step = () => iteratorNext(it);
      it.ongoing = it.ongoing === undefined ? step() : react(it.ongoing, step, step);
      return it.ongoing;
    } },
    return: { writable: true, configurable: true, enumerable: true, value: function (value) {
      const it = iterators.get(this);
      if (it === undefined) return rejectedWith(new TypeError("Illegal invocation"));
      const step = () => iteratorReturn(it, value);
      it.ongoing = it.ongoing === undefined ? step() : react(it.ongoing, step, step);
      return it.ongoing;
    } },
  });
  defineProperty(ReadableStreamAsyncIteratorPrototype, Symbol.toStringTag, { value: "ReadableStream AsyncIterator", configurable: true });
  function makeIterator(s, preventCancel) {
    const reader = setUpDefaultReader(create(ReadableStreamDefaultReader.prototype), s);
    const object = create(ReadableStreamAsyncIteratorPrototype);
    iterators.set(object, { reader, preventCancel, ongoing: undefined, finished: false });
    return object;
  }
  function iteratorNext(it) {
    if (it.finished) return resolvedWith({ value: undefined, done: true });
    const r = it.reader;
    if (r.stream === undefined) return rejectedWith(new TypeError("The iterator's reader was released"));
    const p = newPromise();
    defaultReaderRead(r, {
      chunkSteps: (chunk) => p.resolve({ value: chunk, done: false }),
      closeSteps: () => { defaultReaderRelease(r); it.finished = true; p.resolve({ value: undefined, done: true }); },
      errorSteps: (e) => { defaultReaderRelease(r); it.finished = true; p.reject(e); },
    });
    return p.promise;
  }
  function iteratorReturn(it, value) {
    if (it.finished) return resolvedWith({ value, done: true });
    it.finished = true;
    const r = it.reader;
    if (r.stream === undefined) return resolvedWith({ value, done: true });
    if (!it.preventCancel) {
      const s = r.stream;
      const result = readableStreamCancel(s, value);
      defaultReaderRelease(r);
      return react(result, () => ({ value, done: true }));
    }
    defaultReaderRelease(r);
    return resolvedWith({ value, done: true });
  }

  // ---- ReadableStreamFromIterable (#readable-stream-from-iterable) -------
  function readableStreamFromIterable(asyncIterable) {
    if (asyncIterable === null || asyncIterable === undefined) throw new TypeError("ReadableStream.from: not iterable");
    const method = asyncIterable[Symbol.asyncIterator];
    let iterator, next;
    if (method === undefined || method === null) {
      const sync = asyncIterable[Symbol.iterator];
      if (typeof sync !== "function") throw new TypeError("ReadableStream.from: not iterable");
      const syncIterator = reflectApply(sync, asyncIterable, []);
      if (typeof syncIterator !== "object" || syncIterator === null) throw new TypeError("ReadableStream.from: the iterator is not an object");
      const syncNext = syncIterator.next;
      // CreateAsyncFromSyncIterator (ECMA-262 #sec-createasyncfromsynciterator):
      // each result's value awaited.
      iterator = {
        next() {
          const r = reflectApply(syncNext, syncIterator, []);
          if (typeof r !== "object" || r === null) throw new TypeError("The iterator result is not an object");
          const done = !!r.done;
          return react(resolvedWith(r.value), (value) => ({ value, done }));
        },
        return(value) {
          const ret = syncIterator.return;
          if (ret === undefined || ret === null) return resolvedWith({ value, done: true });
          const r = reflectApply(ret, syncIterator, [value]);
          if (typeof r !== "object" || r === null) throw new TypeError("The iterator's return result is not an object");
          return react(resolvedWith(r.value), (v) => ({ value: v, done: true }));
        },
      };
      next = iterator.next;
    } else {
      if (typeof method !== "function") throw new TypeError("ReadableStream.from: Symbol.asyncIterator is not a function");
      iterator = reflectApply(method, asyncIterable, []);
      if (typeof iterator !== "object" || iterator === null) throw new TypeError("ReadableStream.from: the iterator is not an object");
      next = iterator.next;
    }
    let s;
    const pull = () => {
      let result;
      try { result = promiseResolve(reflectApply(next, iterator, [])); } catch (e) { return rejectedWith(e); }
      return react(result, (r) => {
        if (typeof r !== "object" || r === null) throw new TypeError("The iterator result is not an object");
        if (r.done) controllerClose(s.controller);
        else controllerEnqueue(s.controller, r.value);
      });
    };
    const cancel = (reason) => {
      let ret;
      try { ret = iterator.return; } catch (e) { return rejectedWith(e); }
      if (ret === undefined || ret === null) return resolvedWith(undefined);
      let result;
      try { result = promiseResolve(reflectApply(ret, iterator, [reason])); } catch (e) { return rejectedWith(e); }
      return react(result, (r) => { if (typeof r !== "object" || r === null) throw new TypeError("The iterator's return result is not an object"); });
    };
    s = createReadableStream(() => undefined, pull, cancel, 0);
    return s;
  }

  // ---- ReadableStreamDefaultTee (#abstract-opdef-readablestreamdefaulttee)
  function defaultTee(s) {
    const reader = setUpDefaultReader(create(ReadableStreamDefaultReader.prototype), s);
    let reading = false, readAgain = false, canceled1 = false, canceled2 = false, reason1, reason2, branch1, branch2;
    const cancelPromise = newPromise();
    const pull = () => {
      if (reading) { readAgain = true; return resolvedWith(undefined); }
      reading = true;
      defaultReaderRead(reader, {
        chunkSteps: (chunk) => {
          // (A microtask: a promise job runs as one.)
          react(resolvedWith(undefined), () => {
            readAgain = false;
            const chunk1 = chunk, chunk2 = chunk;
            if (!canceled1) controllerEnqueue(branch1.controller, chunk1);
            if (!canceled2) controllerEnqueue(branch2.controller, chunk2);
            reading = false;
            if (readAgain) pull();
          });
        },
        closeSteps: () => {
          reading = false;
          if (!canceled1) controllerClose(branch1.controller);
          if (!canceled2) controllerClose(branch2.controller);
          if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
        },
        errorSteps: () => { reading = false; },
      });
      return resolvedWith(undefined);
    };
    const cancel = (which) => (reason) => {
      if (which === 1) { canceled1 = true; reason1 = reason; } else { canceled2 = true; reason2 = reason; }
      if (canceled1 && canceled2) {
        const result = readableStreamCancel(s, [reason1, reason2]);
        upon(result, (v) => cancelPromise.resolve(v), (e) => cancelPromise.reject(e));
      }
      return cancelPromise.promise;
    };
    branch1 = createReadableStream(() => undefined, pull, cancel(1));
    branch2 = createReadableStream(() => undefined, pull, cancel(2));
    upon(reader.closed.promise, undefined, (r) => {
      controllerError(branch1.controller, r);
      controllerError(branch2.controller, r);
      if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
    });
    return [branch1, branch2];
  }

  internal.streams = {
    newPromise, resolvedWith, rejectedWith, react, upon, markHandled, promiseCall, callbackOf,
    resetQueue, enqueueValueWithSize, dequeueValue, strategyDict, extractHighWaterMark, extractSizeAlgorithm,
    rs, isLocked, readableStreamCancel, createReadableStream, setUpDefaultReader,
    defaultReaderRead, defaultReaderRelease, controllerClose, controllerEnqueue, controllerError,
    desiredSize, hasBackpressure, canCloseOrEnqueue, isReadableStream: (x) => streams.has(x),
    isDisturbed: (x) => streams.get(x).disturbed, isLockedStream: (x) => streams.get(x).reader !== undefined,
  };
  const g = { ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController, ByteLengthQueuingStrategy, CountQueuingStrategy };
  for (const [k, v] of Object.entries(g))
    defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
})
