// Writable streams (Streams Standard #ws): WritableStream with its default
// controller and default writer, and piping (#rs-pipeTo, #rs-pipeThrough),
// which joins a readable stream to a writable one. Built on what
// streams-readable.js shares in `internal.streams`.
(function (host, internal) {
  "use strict";
  const S = internal.streams;
  const { newPromise, resolvedWith, rejectedWith, react, upon, markHandled, promiseCall, callbackOf } = S;
  const { dictionary } = internal;
  const { defineProperty, create } = Object;
  const reflectApply = Reflect.apply;
  const AbortControllerC = AbortController;
  const abortSignalAbort = Object.getOwnPropertyDescriptor(AbortController.prototype, "abort").value;
  const signalOf = Object.getOwnPropertyDescriptor(AbortController.prototype, "signal").get;
  const signalAborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted").get;
  const isAbortSignal = (x) => { try { reflectApply(signalAborted, x, []); return true; } catch { return false; } };
  const signalReason = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "reason").get;
  const addListener = EventTarget.prototype.addEventListener;
  const removeListener = EventTarget.prototype.removeEventListener;
  const promiseAll = Promise.all.bind(Promise);
  const CLOSE = { close: true }; // the close sentinel of a controller's queue

  const streams = internal.slotWeakMap(), writers = internal.slotWeakMap(), controllers = internal.slotWeakMap();
  function ws(s) { const x = streams.get(s); if (x === undefined) throw new TypeError("Illegal invocation: not a WritableStream"); return x; }

  // ---- WritableStream (#ws-class) -----------------------------------------
  class WritableStream {
    constructor(underlyingSink = undefined, strategy = undefined) {
      const sink = underlyingSink === undefined ? null : underlyingSink;
      const dict = dictionary(sink, "UnderlyingSink", ["abort", "close", "start", "type", "write"],
        [callbackOf("abort"), callbackOf("close"), callbackOf("start"), undefined, callbackOf("write")]);
      const st = S.strategyDict(strategy);
      if (dict.type !== undefined) throw new RangeError("UnderlyingSink.type must be undefined");
      const s = initializeWritableStream(this);
      const start = dict.start === undefined ? () => undefined : (c) => reflectApply(dict.start, sink, [c]);
      const write = dict.write === undefined ? () => resolvedWith(undefined) : (chunk, c) => promiseCall(dict.write, sink, [chunk, c]);
      const close = dict.close === undefined ? () => resolvedWith(undefined) : () => promiseCall(dict.close, sink, []);
      const abort = dict.abort === undefined ? () => resolvedWith(undefined) : (r) => promiseCall(dict.abort, sink, [r]);
      setUpController(s, start, write, close, abort, S.extractHighWaterMark(st, 1), S.extractSizeAlgorithm(st));
    }
    get locked() { return isLocked(ws(this)); }
    abort(reason = undefined) {
      let s;
      try { s = ws(this); } catch (e) { return rejectedWith(e); }
      if (isLocked(s)) return rejectedWith(new TypeError("Cannot abort a locked stream"));
      return writableStreamAbort(s, reason);
    }
    close() {
      let s;
      try { s = ws(this); } catch (e) { return rejectedWith(e); }
      if (isLocked(s)) return rejectedWith(new TypeError("Cannot close a locked stream"));
      if (closeQueuedOrInFlight(s)) return rejectedWith(new TypeError("The stream is already closing"));
      return writableStreamClose(s);
    }
    getWriter() { return acquireWriter(ws(this)).object; }
  }
  defineProperty(WritableStream.prototype, Symbol.toStringTag, { value: "WritableStream", configurable: true });

  function initializeWritableStream(object) {
    const s = {
      object, state: "writable", storedError: undefined, writer: undefined, controller: undefined,
      inFlightWriteRequest: undefined, closeRequest: undefined, inFlightCloseRequest: undefined,
      pendingAbortRequest: undefined, writeRequests: [], backpressure: false,
    };
    streams.set(object, s);
    return s;
  }
  function createWritableStream(start, write, close, abort, hwm = 1, size = () => 1) {
    const s = initializeWritableStream(create(WritableStream.prototype));
    setUpController(s, start, write, close, abort, hwm, size);
    return s;
  }
  const isLocked = (s) => s.writer !== undefined;

  function writableStreamAbort(s, reason) {
    if (s.state === "closed" || s.state === "errored") return resolvedWith(undefined);
    reflectApply(abortSignalAbort, s.controller.abortController, [reason]);
    const state = s.state;
    if (state === "closed" || state === "errored") return resolvedWith(undefined);
    if (s.pendingAbortRequest !== undefined) return s.pendingAbortRequest.promise.promise;
    let wasAlreadyErroring = false;
    if (state === "erroring") { wasAlreadyErroring = true; reason = undefined; }
    const promise = newPromise();
    s.pendingAbortRequest = { promise, reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) startErroring(s, reason);
    return promise.promise;
  }
  function writableStreamClose(s) {
    const state = s.state;
    if (state === "closed" || state === "errored") return rejectedWith(new TypeError("The stream is closed or errored"));
    const promise = newPromise();
    s.closeRequest = promise;
    const w = s.writer;
    if (w !== undefined && s.backpressure && state === "writable") w.ready.resolve(undefined);
    controllerClose(s.controller);
    return promise.promise;
  }
  function addWriteRequest(s) { const p = newPromise(); s.writeRequests.push(p); return p.promise; }
  function dealWithRejection(s, error) {
    if (s.state === "writable") { startErroring(s, error); return; }
    finishErroring(s);
  }
  function startErroring(s, reason) {
    const c = s.controller;
    s.state = "erroring";
    s.storedError = reason;
    const w = s.writer;
    if (w !== undefined) writerEnsureReadyPromiseRejected(w, reason);
    if (!hasOperationMarkedInFlight(s) && c.started) finishErroring(s);
  }
  function finishErroring(s) {
    s.state = "errored";
    s.controller.errorSteps();
    const storedError = s.storedError;
    for (const req of s.writeRequests) req.reject(storedError);
    s.writeRequests = [];
    if (s.pendingAbortRequest === undefined) { rejectCloseAndClosedPromiseIfNeeded(s); return; }
    const abortRequest = s.pendingAbortRequest;
    s.pendingAbortRequest = undefined;
    if (abortRequest.wasAlreadyErroring) {
      abortRequest.promise.reject(storedError);
      rejectCloseAndClosedPromiseIfNeeded(s);
      return;
    }
    const promise = s.controller.abortSteps(abortRequest.reason);
    upon(promise, () => {
      abortRequest.promise.resolve(undefined);
      rejectCloseAndClosedPromiseIfNeeded(s);
    }, (reason) => {
      abortRequest.promise.reject(reason);
      rejectCloseAndClosedPromiseIfNeeded(s);
    });
  }
  function finishInFlightWrite(s) { s.inFlightWriteRequest.resolve(undefined); s.inFlightWriteRequest = undefined; }
  function finishInFlightWriteWithError(s, error) {
    s.inFlightWriteRequest.reject(error);
    s.inFlightWriteRequest = undefined;
    dealWithRejection(s, error);
  }
  function finishInFlightClose(s) {
    s.inFlightCloseRequest.resolve(undefined);
    s.inFlightCloseRequest = undefined;
    if (s.state === "erroring") {
      s.storedError = undefined;
      if (s.pendingAbortRequest !== undefined) {
        s.pendingAbortRequest.promise.resolve(undefined);
        s.pendingAbortRequest = undefined;
      }
    }
    s.state = "closed";
    const w = s.writer;
    if (w !== undefined) w.closed.resolve(undefined);
  }
  function finishInFlightCloseWithError(s, error) {
    s.inFlightCloseRequest.reject(error);
    s.inFlightCloseRequest = undefined;
    if (s.pendingAbortRequest !== undefined) {
      s.pendingAbortRequest.promise.reject(error);
      s.pendingAbortRequest = undefined;
    }
    dealWithRejection(s, error);
  }
  const closeQueuedOrInFlight = (s) => s.closeRequest !== undefined || s.inFlightCloseRequest !== undefined;
  const hasOperationMarkedInFlight = (s) => s.inFlightWriteRequest !== undefined || s.inFlightCloseRequest !== undefined;
  function markCloseRequestInFlight(s) { s.inFlightCloseRequest = s.closeRequest; s.closeRequest = undefined; }
  function markFirstWriteRequestInFlight(s) { s.inFlightWriteRequest = s.writeRequests.shift(); }
  function rejectCloseAndClosedPromiseIfNeeded(s) {
    if (s.closeRequest !== undefined) { s.closeRequest.reject(s.storedError); s.closeRequest = undefined; }
    const w = s.writer;
    if (w !== undefined) { w.closed.reject(s.storedError); markHandled(w.closed.promise); }
  }
  function updateBackpressure(s, backpressure) {
    const w = s.writer;
    if (w !== undefined && backpressure !== s.backpressure) {
      if (backpressure) w.ready = newPromise();
      else w.ready.resolve(undefined);
    }
    s.backpressure = backpressure;
  }

  // ---- WritableStreamDefaultWriter (#default-writer-class) ---------------
  function wr(w) { const x = writers.get(w); if (x === undefined) throw new TypeError("Illegal invocation: not a WritableStreamDefaultWriter"); return x; }
  // A writer's promise-returning members reject (not throw) on a bad `this`.
  function withWriter(w, f) {
    const x = writers.get(w);
    if (x === undefined) return rejectedWith(new TypeError("Illegal invocation: not a WritableStreamDefaultWriter"));
    return f(x);
  }
  const released = () => rejectedWith(new TypeError("The writer has been released"));
  class WritableStreamDefaultWriter {
    constructor(stream) { setUpWriter(this, ws(stream)); }
    get closed() { return withWriter(this, (w) => w.closed.promise); }
    get desiredSize() {
      const w = wr(this);
      if (w.stream === undefined) throw new TypeError("The writer has been released");
      return writerGetDesiredSize(w);
    }
    get ready() { return withWriter(this, (w) => w.ready.promise); }
    abort(reason = undefined) {
      return withWriter(this, (w) => w.stream === undefined ? released() : writableStreamAbort(w.stream, reason));
    }
    close() {
      return withWriter(this, (w) => {
        const s = w.stream;
        if (s === undefined) return released();
        if (closeQueuedOrInFlight(s)) return rejectedWith(new TypeError("The stream is already closing"));
        return writableStreamClose(s);
      });
    }
    releaseLock() { const w = wr(this); if (w.stream !== undefined) writerRelease(w); }
    write(chunk = undefined) {
      return withWriter(this, (w) => w.stream === undefined ? released() : writerWrite(w, chunk));
    }
  }
  defineProperty(WritableStreamDefaultWriter.prototype, Symbol.toStringTag, { value: "WritableStreamDefaultWriter", configurable: true });

  function setUpWriter(object, s) {
    if (isLocked(s)) throw new TypeError("The stream is locked to another writer");
    const w = { object, stream: s, ready: newPromise(), closed: newPromise() };
    s.writer = w;
    writers.set(object, w);
    const state = s.state;
    if (state === "writable") {
      if (!closeQueuedOrInFlight(s) && s.backpressure) { /* ready stays pending */ } else w.ready.resolve(undefined);
    } else if (state === "erroring") {
      w.ready.reject(s.storedError);
      markHandled(w.ready.promise);
    } else if (state === "closed") {
      w.ready.resolve(undefined);
      w.closed.resolve(undefined);
    } else {
      w.ready.reject(s.storedError);
      markHandled(w.ready.promise);
      w.closed.reject(s.storedError);
      markHandled(w.closed.promise);
    }
    return w;
  }
  function acquireWriter(s) { return setUpWriter(create(WritableStreamDefaultWriter.prototype), s); }
  function writerCloseWithErrorPropagation(w) {
    const s = w.stream, state = s.state;
    if (closeQueuedOrInFlight(s) || state === "closed") return resolvedWith(undefined);
    if (state === "errored") return rejectedWith(s.storedError);
    return writableStreamClose(s);
  }
  function writerEnsureClosedPromiseRejected(w, error) {
    if (w.closed.settled) w.closed = newPromise();
    w.closed.reject(error);
    markHandled(w.closed.promise);
  }
  function writerEnsureReadyPromiseRejected(w, error) {
    if (w.ready.settled) w.ready = newPromise();
    w.ready.reject(error);
    markHandled(w.ready.promise);
  }
  function writerGetDesiredSize(w) {
    const s = w.stream, state = s.state;
    if (state === "errored" || state === "erroring") return null;
    if (state === "closed") return 0;
    return controllerGetDesiredSize(s.controller);
  }
  function writerRelease(w) {
    const s = w.stream;
    const error = new TypeError("The writer was released");
    writerEnsureReadyPromiseRejected(w, error);
    writerEnsureClosedPromiseRejected(w, error);
    s.writer = undefined;
    w.stream = undefined;
  }
  function writerWrite(w, chunk) {
    const s = w.stream, c = s.controller;
    const chunkSize = controllerGetChunkSize(c, chunk);
    if (s !== w.stream) return rejectedWith(new TypeError("The writer was released"));
    const state = s.state;
    if (state === "errored") return rejectedWith(s.storedError);
    if (closeQueuedOrInFlight(s) || state === "closed") return rejectedWith(new TypeError("The stream is closing or closed"));
    if (state === "erroring") return rejectedWith(s.storedError);
    const promise = addWriteRequest(s);
    controllerWrite(c, chunk, chunkSize);
    return promise;
  }
  // ---- WritableStreamDefaultController (#ws-default-controller-class) ----
  function wsc(c) { const x = controllers.get(c); if (x === undefined) throw new TypeError("Illegal invocation: not a WritableStreamDefaultController"); return x; }
  class WritableStreamDefaultController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get signal() { return reflectApply(signalOf, wsc(this).abortController, []); }
    error(e = undefined) {
      const c = wsc(this);
      if (c.stream.state !== "writable") return;
      controllerError(c, e);
    }
  }
  defineProperty(WritableStreamDefaultController.prototype, Symbol.toStringTag, { value: "WritableStreamDefaultController", configurable: true });

  function setUpController(s, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm, sizeAlgorithm) {
    const object = create(WritableStreamDefaultController.prototype);
    const c = {
      object, stream: s, queue: [], queueTotalSize: 0, abortController: new AbortControllerC(), started: false,
      strategySizeAlgorithm: sizeAlgorithm, strategyHWM: hwm, writeAlgorithm, closeAlgorithm, abortAlgorithm,
      abortSteps(reason) { const r = c.abortAlgorithm(reason); clearAlgorithms(c); return r; },
      errorSteps() { S.resetQueue(c); },
    };
    controllers.set(object, c);
    s.controller = c;
    updateBackpressure(s, getBackpressure(c));
    const startResult = startAlgorithm(object);
    upon(resolvedWith(startResult), () => {
      c.started = true;
      advanceQueueIfNeeded(c);
    }, (r) => {
      c.started = true;
      dealWithRejection(s, r);
    });
  }
  function advanceQueueIfNeeded(c) {
    const s = c.stream;
    if (!c.started || s.inFlightWriteRequest !== undefined) return;
    const state = s.state;
    if (state === "erroring") { finishErroring(s); return; }
    if (c.queue.length === 0) return;
    const value = c.queue[0].value;
    if (value === CLOSE) processClose(c); else processWrite(c, value);
  }
  function clearAlgorithms(c) {
    c.writeAlgorithm = undefined; c.closeAlgorithm = undefined; c.abortAlgorithm = undefined; c.strategySizeAlgorithm = undefined;
  }
  function controllerClose(c) { S.enqueueValueWithSize(c, CLOSE, 0); advanceQueueIfNeeded(c); }
  function controllerError(c, error) { clearAlgorithms(c); startErroring(c.stream, error); }
  function controllerErrorIfNeeded(c, error) { if (c.stream.state === "writable") controllerError(c, error); }
  function controllerGetChunkSize(c, chunk) {
    if (c.strategySizeAlgorithm === undefined) return 1;
    try { return c.strategySizeAlgorithm(chunk); } catch (e) { controllerErrorIfNeeded(c, e); return 1; }
  }
  const controllerGetDesiredSize = (c) => c.strategyHWM - c.queueTotalSize;
  const getBackpressure = (c) => controllerGetDesiredSize(c) <= 0;
  function processClose(c) {
    const s = c.stream;
    markCloseRequestInFlight(s);
    S.dequeueValue(c);
    const sinkClose = c.closeAlgorithm();
    clearAlgorithms(c);
    upon(sinkClose, () => finishInFlightClose(s), (reason) => finishInFlightCloseWithError(s, reason));
  }
  function processWrite(c, chunk) {
    const s = c.stream;
    markFirstWriteRequestInFlight(s);
    upon(c.writeAlgorithm(chunk, c.object), () => {
      finishInFlightWrite(s);
      const state = s.state;
      S.dequeueValue(c);
      if (!closeQueuedOrInFlight(s) && state === "writable") updateBackpressure(s, getBackpressure(c));
      advanceQueueIfNeeded(c);
    }, (reason) => {
      if (s.state === "writable") clearAlgorithms(c);
      finishInFlightWriteWithError(s, reason);
    });
  }
  function controllerWrite(c, chunk, chunkSize) {
    try { S.enqueueValueWithSize(c, chunk, chunkSize); } catch (e) { controllerErrorIfNeeded(c, e); return; }
    const s = c.stream;
    if (!closeQueuedOrInFlight(s) && s.state === "writable") updateBackpressure(s, getBackpressure(c));
    advanceQueueIfNeeded(c);
  }

  // ---- piping (#readable-stream-pipe-to) ----------------------------------
  function pipeTo(source, destination, options) {
    let src, o;
    try {
      src = S.rs(source);
      if (!streams.has(destination)) throw new TypeError("pipeTo: the destination is not a WritableStream");
      o = pipeOptions(options);
    } catch (e) { return rejectedWith(e); }
    const dest = streams.get(destination);
    if (S.isLocked(src)) return rejectedWith(new TypeError("pipeTo: the source stream is locked"));
    if (isLocked(dest)) return rejectedWith(new TypeError("pipeTo: the destination stream is locked"));
    return readableStreamPipeTo(src, dest, o.preventClose, o.preventAbort, o.preventCancel, o.signal);
  }
  function pipeOptions(options) {
    const o = dictionary(options, "StreamPipeOptions", ["preventAbort", "preventCancel", "preventClose", "signal"]);
    if (o.signal !== undefined && !isAbortSignal(o.signal)) throw new TypeError("pipeTo: 'signal' is not an AbortSignal");
    return { preventAbort: !!o.preventAbort, preventCancel: !!o.preventCancel, preventClose: !!o.preventClose, signal: o.signal };
  }
  function pipeThrough(source, transform, options) {
    const src = S.rs(source);
    if (transform === null || (typeof transform !== "object" && typeof transform !== "function"))
      throw new TypeError("pipeThrough: the transform must be an object");
    const writable = transform.writable, readable = transform.readable;
    if (!streams.has(writable)) throw new TypeError("pipeThrough: transform.writable is not a WritableStream");
    if (!S.isReadableStream(readable)) throw new TypeError("pipeThrough: transform.readable is not a ReadableStream");
    const o = pipeOptions(options);
    if (S.isLocked(src)) throw new TypeError("pipeThrough: the source stream is locked");
    if (isLocked(streams.get(writable))) throw new TypeError("pipeThrough: the transform's writable side is locked");
    markHandled(readableStreamPipeTo(src, streams.get(writable), o.preventClose, o.preventAbort, o.preventCancel, o.signal));
    return readable;
  }

  // ReadableStreamPipeTo: reads chunk by chunk, writing each when the
  // writer is ready; errors and closing propagate forward and backward
  // as the standard's steps say, then both locks are released.
  function readableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
    const reader = S.setUpDefaultReader(create(null), source);
    const writer = acquireWriter(dest);
    source.disturbed = true;
    let shuttingDown = false, currentWrite = resolvedWith(undefined);
    const promise = newPromise();
    let abortAlgorithm;
    if (signal !== undefined) {
      abortAlgorithm = () => {
        const error = reflectApply(signalReason, signal, []);
        const actions = [];
        if (!preventAbort) actions.push(() => dest.state === "writable" ? writableStreamAbort(dest, error) : resolvedWith(undefined));
        if (!preventCancel) actions.push(() => source.state === "readable" ? S.readableStreamCancel(source, error) : resolvedWith(undefined));
        shutdownWithAction(() => promiseAll(actions.map((a) => a())), true, error);
      };
      if (reflectApply(signalAborted, signal, [])) { abortAlgorithm(); return promise.promise; }
      reflectApply(addListener, signal, ["abort", abortAlgorithm]);
    }
    const pipeStep = () => {
      if (shuttingDown) return resolvedWith(true);
      return react(writer.ready.promise, () => {
        const p = newPromise();
        S.defaultReaderRead(reader, {
          chunkSteps: (chunk) => {
            // (Fulfilled either way: the pipe waits for it, errors go
            // through the streams' own states.)
            currentWrite = react(writerWrite(writer, chunk), undefined, () => {});
            p.resolve(false);
          },
          closeSteps: () => p.resolve(true),
          errorSteps: p.reject,
        });
        return p.promise;
      });
    };
    const loop = () => {
      upon(pipeStep(), (done) => { if (!done) loop(); }, () => {});
    };
    // Errors must be propagated forward.
    isOrBecomesErrored(source, reader.closed.promise, (storedError) => {
      if (!preventAbort) shutdownWithAction(() => writableStreamAbort(dest, storedError), true, storedError);
      else shutdown(true, storedError);
    });
    // Errors must be propagated backward.
    isOrBecomesErrored(dest, writer.closed.promise, (storedError) => {
      if (!preventCancel) shutdownWithAction(() => S.readableStreamCancel(source, storedError), true, storedError);
      else shutdown(true, storedError);
    });
    // Closing must be propagated forward.
    isOrBecomesClosed(source, reader.closed.promise, () => {
      if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
      else shutdown();
    });
    // Closing must be propagated backward.
    if (closeQueuedOrInFlight(dest) || dest.state === "closed") {
      const destClosed = new TypeError("the destination stream closed");
      if (!preventCancel) shutdownWithAction(() => S.readableStreamCancel(source, destClosed), true, destClosed);
      else shutdown(true, destClosed);
    }
    markHandled(promise.promise);
    loop();
    return promise.promise;

    function waitForWritesToFinish() {
      const old = currentWrite;
      return react(currentWrite, () => old !== currentWrite ? waitForWritesToFinish() : undefined);
    }
    function isOrBecomesErrored(stream, closed, action) {
      if (stream.state === "errored") action(stream.storedError);
      else upon(closed, undefined, action);
    }
    function isOrBecomesClosed(stream, closed, action) {
      if (stream.state === "closed") action();
      else upon(closed, action, undefined);
    }
    function shutdownWithAction(action, originalIsError, originalError) {
      if (shuttingDown) return;
      shuttingDown = true;
      const doTheRest = () => upon(action(), () => finalize(originalIsError, originalError), (e) => finalize(true, e));
      if (dest.state === "writable" && !closeQueuedOrInFlight(dest)) upon(waitForWritesToFinish(), doTheRest);
      else doTheRest();
    }
    function shutdown(isError, error) {
      if (shuttingDown) return;
      shuttingDown = true;
      if (dest.state === "writable" && !closeQueuedOrInFlight(dest)) upon(waitForWritesToFinish(), () => finalize(isError, error));
      else finalize(isError, error);
    }
    function finalize(isError, error) {
      writerRelease(writer);
      S.defaultReaderRelease(reader);
      if (signal !== undefined) reflectApply(removeListener, signal, ["abort", abortAlgorithm]);
      if (isError) promise.reject(error); else promise.resolve(undefined);
    }
  }

  // (What streams-transform.js builds on.)
  Object.assign(S, { pipeTo, pipeThrough, createWritableStream, controllerErrorIfNeeded });
  const g = { WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController };
  for (const [k, v] of Object.entries(g))
    defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
})
