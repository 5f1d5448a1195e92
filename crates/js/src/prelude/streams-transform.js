// Transform streams (Streams Standard #ts), the Encoding Standard's
// TextEncoderStream and TextDecoderStream (#interface-textencoderstream,
// #interface-textdecoderstream), and the streams of bytes other
// interfaces give: Blob.prototype.stream() (web.js; File API
// #dom-blob-stream, here Uint8Array chunks without BYOB reading) and
// Response bodies (fetch.js), through `internal.streams.bodyStream` and
// `readAll`.
(function (host, internal) {
  "use strict";
  const S = internal.streams;
  const { newPromise, resolvedWith, rejectedWith, react, promiseCall, callbackOf } = S;
  const { dictionary } = internal;
  const { defineProperty, create } = Object;
  const reflectApply = Reflect.apply;
  const TextEncoderC = TextEncoder, TextDecoderC = TextDecoder;
  const encode = TextEncoder.prototype.encode, decode = TextDecoder.prototype.decode;
  const decoderGetters = ["encoding", "fatal", "ignoreBOM"].map((k) => Object.getOwnPropertyDescriptor(TextDecoder.prototype, k).get);
  const Uint8ArrayC = Uint8Array;

  // ---- TransformStream (#ts-class) ----------------------------------------
  const transforms = internal.slotWeakMap(), controllers = internal.slotWeakMap();
  function ts(t) { const x = transforms.get(t); if (x === undefined) throw new TypeError("Illegal invocation: not a TransformStream"); return x; }
  class TransformStream {
    constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
      const t = transformer === undefined ? null : transformer;
      const dict = dictionary(t, "Transformer", ["cancel", "flush", "readableType", "start", "transform", "writableType"],
        [callbackOf("cancel"), callbackOf("flush"), undefined, callbackOf("start"), callbackOf("transform"), undefined]);
      const ws = S.strategyDict(writableStrategy), rs = S.strategyDict(readableStrategy);
      if (dict.readableType !== undefined) throw new RangeError("Transformer.readableType must be undefined");
      if (dict.writableType !== undefined) throw new RangeError("Transformer.writableType must be undefined");
      const readableHWM = S.extractHighWaterMark(rs, 0), readableSize = S.extractSizeAlgorithm(rs);
      const writableHWM = S.extractHighWaterMark(ws, 1), writableSize = S.extractSizeAlgorithm(ws);
      const startPromise = newPromise();
      const stream = initializeTransformStream(this, startPromise, writableHWM, writableSize, readableHWM, readableSize);
      const c = setUpControllerFromTransformer(stream, t, dict);
      if (dict.start !== undefined) startPromise.resolve(reflectApply(dict.start, t, [c.object]));
      else startPromise.resolve(undefined);
    }
    get readable() { return ts(this).readable.object; }
    get writable() { return ts(this).writable.object; }
  }
  defineProperty(TransformStream.prototype, Symbol.toStringTag, { value: "TransformStream", configurable: true });

  function initializeTransformStream(object, startPromise, writableHWM, writableSize, readableHWM, readableSize) {
    const stream = { object, readable: undefined, writable: undefined, backpressure: undefined, backpressureChangePromise: undefined, controller: undefined };
    transforms.set(object, stream);
    const start = () => startPromise.promise;
    stream.writable = S.createWritableStream(start, (chunk) => sinkWrite(stream, chunk), () => sinkClose(stream),
      (reason) => sinkAbort(stream, reason), writableHWM, writableSize);
    stream.readable = S.createReadableStream(start, () => sourcePull(stream), (reason) => sourceCancel(stream, reason),
      readableHWM, readableSize);
    setBackpressure(stream, true);
    return stream;
  }
  function transformStreamError(stream, e) {
    S.controllerError(stream.readable.controller, e);
    errorWritableAndUnblockWrite(stream, e);
  }
  function errorWritableAndUnblockWrite(stream, e) {
    clearAlgorithms(stream.controller);
    S.controllerErrorIfNeeded(stream.writable.controller, e);
    unblockWrite(stream);
  }
  function unblockWrite(stream) { if (stream.backpressure) setBackpressure(stream, false); }
  function setBackpressure(stream, backpressure) {
    if (stream.backpressureChangePromise !== undefined) stream.backpressureChangePromise.resolve(undefined);
    stream.backpressureChangePromise = newPromise();
    stream.backpressure = backpressure;
  }

  // ---- TransformStreamDefaultController (#ts-default-controller-class) ---
  function tsc(c) { const x = controllers.get(c); if (x === undefined) throw new TypeError("Illegal invocation: not a TransformStreamDefaultController"); return x; }
  class TransformStreamDefaultController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get desiredSize() { return S.desiredSize(tsc(this).stream.readable.controller); }
    enqueue(chunk = undefined) { controllerEnqueue(tsc(this), chunk); }
    error(reason = undefined) { transformStreamError(tsc(this).stream, reason); }
    terminate() { controllerTerminate(tsc(this)); }
  }
  defineProperty(TransformStreamDefaultController.prototype, Symbol.toStringTag, { value: "TransformStreamDefaultController", configurable: true });

  function setUpControllerFromTransformer(stream, transformer, dict) {
    const object = create(TransformStreamDefaultController.prototype);
    const c = { object, stream, transformAlgorithm: undefined, flushAlgorithm: undefined, cancelAlgorithm: undefined, finishPromise: undefined };
    c.transformAlgorithm = dict.transform === undefined
      ? (chunk) => { try { controllerEnqueue(c, chunk); return resolvedWith(undefined); } catch (e) { return rejectedWith(e); } }
      : (chunk) => promiseCall(dict.transform, transformer, [chunk, object]);
    c.flushAlgorithm = dict.flush === undefined ? () => resolvedWith(undefined) : () => promiseCall(dict.flush, transformer, [object]);
    c.cancelAlgorithm = dict.cancel === undefined ? () => resolvedWith(undefined) : (reason) => promiseCall(dict.cancel, transformer, [reason]);
    controllers.set(object, c);
    stream.controller = c;
    return c;
  }
  // A transform stream made by this runtime (TextEncoderStream, ...), with
  // transform and flush algorithms of its own.
  function createTransformStream(object, transformAlgorithm, flushAlgorithm) {
    const startPromise = newPromise();
    const stream = initializeTransformStream(object, startPromise, 1, () => 1, 0, () => 1);
    const c = setUpControllerFromTransformer(stream, null, {});
    c.transformAlgorithm = (chunk) => { try { transformAlgorithm(c, chunk); return resolvedWith(undefined); } catch (e) { return rejectedWith(e); } };
    c.flushAlgorithm = () => { try { flushAlgorithm(c); return resolvedWith(undefined); } catch (e) { return rejectedWith(e); } };
    startPromise.resolve(undefined);
    return stream;
  }
  function clearAlgorithms(c) { c.transformAlgorithm = undefined; c.flushAlgorithm = undefined; c.cancelAlgorithm = undefined; }
  function controllerEnqueue(c, chunk) {
    const stream = c.stream, rc = stream.readable.controller;
    if (!S.canCloseOrEnqueue(rc)) throw new TypeError("The readable side cannot take more chunks");
    try { S.controllerEnqueue(rc, chunk); } catch (e) {
      errorWritableAndUnblockWrite(stream, e);
      throw stream.readable.storedError;
    }
    const backpressure = S.hasBackpressure(rc);
    if (backpressure !== stream.backpressure) setBackpressure(stream, true);
  }
  function performTransform(c, chunk) {
    return react(c.transformAlgorithm(chunk), undefined, (r) => { transformStreamError(c.stream, r); throw r; });
  }
  function controllerTerminate(c) {
    const stream = c.stream;
    S.controllerClose(stream.readable.controller);
    errorWritableAndUnblockWrite(stream, new TypeError("The transform stream was terminated"));
  }
  function sinkWrite(stream, chunk) {
    const c = stream.controller;
    if (stream.backpressure) {
      return react(stream.backpressureChangePromise.promise, () => {
        const w = stream.writable;
        if (w.state === "erroring") throw w.storedError;
        return performTransform(c, chunk);
      });
    }
    return performTransform(c, chunk);
  }
  function sinkAbort(stream, reason) {
    const c = stream.controller;
    if (c.finishPromise !== undefined) return c.finishPromise.promise;
    const readable = stream.readable;
    const finish = c.finishPromise = newPromise();
    const cancelPromise = c.cancelAlgorithm(reason);
    clearAlgorithms(c);
    S.upon(cancelPromise, () => {
      if (readable.state === "errored") finish.reject(readable.storedError);
      else { S.controllerError(readable.controller, reason); finish.resolve(undefined); }
    }, (r) => { S.controllerError(readable.controller, r); finish.reject(r); });
    return finish.promise;
  }
  function sinkClose(stream) {
    const c = stream.controller;
    if (c.finishPromise !== undefined) return c.finishPromise.promise;
    const readable = stream.readable;
    const finish = c.finishPromise = newPromise();
    const flushPromise = c.flushAlgorithm();
    clearAlgorithms(c);
    S.upon(flushPromise, () => {
      if (readable.state === "errored") finish.reject(readable.storedError);
      else { S.controllerClose(readable.controller); finish.resolve(undefined); }
    }, (r) => { S.controllerError(readable.controller, r); finish.reject(r); });
    return finish.promise;
  }
  function sourcePull(stream) {
    setBackpressure(stream, false);
    return stream.backpressureChangePromise.promise;
  }
  function sourceCancel(stream, reason) {
    const c = stream.controller;
    if (c.finishPromise !== undefined) return c.finishPromise.promise;
    const writable = stream.writable;
    const finish = c.finishPromise = newPromise();
    const cancelPromise = c.cancelAlgorithm(reason);
    clearAlgorithms(c);
    S.upon(cancelPromise, () => {
      if (writable.state === "errored") finish.reject(writable.storedError);
      else { S.controllerErrorIfNeeded(writable.controller, reason); unblockWrite(stream); finish.resolve(undefined); }
    }, (r) => { S.controllerErrorIfNeeded(writable.controller, r); unblockWrite(stream); finish.reject(r); });
    return finish.promise;
  }

  // ---- TextEncoderStream (Encoding #interface-textencoderstream) ---------
  // A lone high surrogate at the end of a chunk waits for the next one.
  const encoderStreams = internal.slotWeakMap();
  function tes(x) { const s = encoderStreams.get(x); if (s === undefined) throw new TypeError("Illegal invocation: not a TextEncoderStream"); return s; }
  class TextEncoderStream {
    constructor() {
      const state = { pendingHighSurrogate: "", encoder: new TextEncoderC(), stream: undefined };
      state.stream = createTransformStream(this, (c, chunk) => {
        let input = state.pendingHighSurrogate + `${chunk}`;
        state.pendingHighSurrogate = "";
        const last = input.charCodeAt(input.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) { state.pendingHighSurrogate = input[input.length - 1]; input = input.slice(0, -1); }
        if (input.length === 0) return;
        controllerEnqueue(c, reflectApply(encode, state.encoder, [input]));
      }, (c) => {
        if (state.pendingHighSurrogate !== "") controllerEnqueue(c, new Uint8ArrayC([0xef, 0xbf, 0xbd]));
      });
      encoderStreams.set(this, state);
    }
    get encoding() { tes(this); return "utf-8"; }
    get readable() { return tes(this).stream.readable.object; }
    get writable() { return tes(this).stream.writable.object; }
  }
  defineProperty(TextEncoderStream.prototype, Symbol.toStringTag, { value: "TextEncoderStream", configurable: true });

  // ---- TextDecoderStream (Encoding #interface-textdecoderstream) ---------
  const decoderStreams = internal.slotWeakMap();
  function tds(x) { const s = decoderStreams.get(x); if (s === undefined) throw new TypeError("Illegal invocation: not a TextDecoderStream"); return s; }
  class TextDecoderStream {
    constructor(label = "utf-8", options = undefined) {
      const decoder = new TextDecoderC(label, options);
      const state = { decoder, stream: undefined };
      state.stream = createTransformStream(this, (c, chunk) => {
        // Encoding #decode-and-enqueue-a-chunk converts the chunk to an
        // AllowSharedBufferSource: `undefined` is no "no input" here, as it
        // is to decode(), but a TypeError (decode() refuses the rest).
        if (chunk === undefined) throw new TypeError("TextDecoderStream: a chunk must be an ArrayBuffer, a SharedArrayBuffer or a view of one");
        const out = reflectApply(decode, decoder, [chunk, { stream: true }]);
        if (out !== "") controllerEnqueue(c, out);
      }, (c) => {
        const out = reflectApply(decode, decoder, []);
        if (out !== "") controllerEnqueue(c, out);
      });
      decoderStreams.set(this, state);
    }
    get encoding() { return reflectApply(decoderGetters[0], tds(this).decoder, []); }
    get fatal() { return reflectApply(decoderGetters[1], tds(this).decoder, []); }
    get ignoreBOM() { return reflectApply(decoderGetters[2], tds(this).decoder, []); }
    get readable() { return tds(this).stream.readable.object; }
    get writable() { return tds(this).stream.writable.object; }
  }
  defineProperty(TextDecoderStream.prototype, Symbol.toStringTag, { value: "TextDecoderStream", configurable: true });

  // ---- streams of bytes held in memory ------------------------------------
  // A readable stream of `bytes` (copied now), in chunks of at most 64 KiB,
  // each a new Uint8Array, enqueued as they are pulled.
  const CHUNK = 65536;
  function bytesStream(bytes) {
    const copy = bytes.slice();
    let offset = 0;
    let s;
    const pull = () => {
      if (offset >= copy.length) { S.controllerClose(s.controller); return resolvedWith(undefined); }
      const end = Math.min(offset + CHUNK, copy.length);
      S.controllerEnqueue(s.controller, copy.slice(offset, end));
      offset = end;
      if (offset >= copy.length) S.controllerClose(s.controller);
      return resolvedWith(undefined);
    };
    s = S.createReadableStream(() => undefined, pull, () => resolvedWith(undefined), 0);
    return s;
  }
  // Fully reads a body stream of Uint8Array chunks (Fetch #body-fully-read).
  function readAll(streamObject) {
    const r = S.setUpDefaultReader(create(null), S.rs(streamObject));
    const chunks = [];
    let total = 0;
    const p = newPromise();
    const step = () => S.defaultReaderRead(r, {
      chunkSteps: (chunk) => {
        if (!(chunk instanceof Uint8ArrayC)) { p.reject(new TypeError("A body stream's chunks must be Uint8Arrays")); return; }
        chunks.push(chunk.slice());
        total += chunk.length;
        step();
      },
      closeSteps: () => {
        const out = new Uint8ArrayC(total);
        let at = 0;
        for (const c of chunks) { out.set(c, at); at += c.length; }
        p.resolve(out);
      },
      errorSteps: (e) => p.reject(e),
    });
    step();
    return p.promise;
  }
  Object.assign(S, { bodyStream: (bytes) => bytesStream(bytes).object, readAll });

  const g = { TransformStream, TransformStreamDefaultController, TextEncoderStream, TextDecoderStream };
  for (const [k, v] of Object.entries(g))
    defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
})
