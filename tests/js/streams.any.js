// Streams (Streams Standard): readable, writable and transform streams,
// readers and writers, piping, tee, async iteration, ReadableStream.from,
// queuing strategies; the Encoding Standard's TextEncoderStream and
// TextDecoderStream; Blob.prototype.stream() and Response bodies. The
// orders of settlement checked here are the standard's (the same as the
// reference implementation's, which Node and Deno run).

const delay = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const collect = async (stream) => { const out = []; for await (const x of stream) out.push(x); return out; };

promise_test(async (t) => {
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
  const r = rs.getReader();
  assert_true(rs.locked);
  assert_throws_js(TypeError, () => rs.getReader(), "a second reader");
  assert_object_equals(await r.read(), { value: 1, done: false });
  assert_object_equals(await r.read(), { value: 2, done: false });
  assert_object_equals(await r.read(), { value: undefined, done: true });
  await r.closed;
  r.releaseLock();
  assert_false(rs.locked);
}, "a readable stream gives its chunks, then done, to its reader");

promise_test(async (t) => {
  let pulls = 0;
  const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); if (pulls === 5) c.close(); } }, { highWaterMark: 2 });
  await delay();
  assert_equals(pulls, 2, "pulled up to the high-water mark, no further");
  assert_array_equals(await collect(rs), [1, 2, 3, 4, 5]);
  const sized = new ReadableStream({ start(c) { assert_equals(c.desiredSize, 10); c.enqueue("abcd"); assert_equals(c.desiredSize, 6); } },
    { highWaterMark: 10, size: (chunk) => chunk.length });
  assert_true(sized instanceof ReadableStream);
}, "pull is called while the queue is below the high-water mark; size() measures chunks");

promise_test(async (t) => {
  const order = [];
  const rs = new ReadableStream({ start(c) { c.enqueue("x"); c.close(); } });
  const r = rs.getReader();
  r.closed.then(() => order.push("closed"));
  r.read().then((v) => order.push("read " + v.done));
  r.read().then((v) => order.push("read " + v.done));
  await delay();
  assert_array_equals(order, ["closed", "read false", "read true"]);
}, "reads and closed settle in the standard's order");

promise_test(async (t) => {
  const boom = new RangeError("boom");
  const rs = new ReadableStream({ start(c) { c.error(boom); } });
  await promise_rejects_exactly(t, boom, rs.getReader().read());
  const failing = new ReadableStream({ pull() { throw new TypeError("pull failed"); } });
  await promise_rejects_js(t, TypeError, failing.getReader().read());
  const bad = new ReadableStream({ start(c) { assert_throws_js(RangeError, () => c.enqueue(1)); } }, { size: () => -1 });
  await promise_rejects_js(t, RangeError, bad.getReader().closed, "a bad size errors the stream");
}, "errors from the source, from pull and from size() error the stream");

promise_test(async (t) => {
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  await rs.cancel("why");
  assert_equals(reason, "why");
  assert_object_equals(await rs.getReader().read(), { value: undefined, done: true });
  const locked = new ReadableStream();
  locked.getReader();
  await promise_rejects_js(t, TypeError, locked.cancel());
}, "cancel reaches the source; a locked stream cannot be cancelled");

promise_test(async (t) => {
  const rs = new ReadableStream();
  const r = rs.getReader();
  const pending = r.read();
  r.releaseLock();
  await promise_rejects_js(t, TypeError, pending, "a pending read is rejected");
  await promise_rejects_js(t, TypeError, r.closed);
  assert_false(rs.locked);
  await promise_rejects_js(t, TypeError, r.read(), "a released reader cannot read");
}, "releasing a reader rejects its pending reads and its closed promise");

promise_test(async (t) => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const [a, b] = rs.tee();
  assert_true(rs.locked);
  assert_array_equals(await collect(a), ["a", "b"]);
  assert_array_equals(await collect(b), ["a", "b"]);
  let reason;
  const source = new ReadableStream({ cancel(r) { reason = r; } });
  const [c1, c2] = source.tee();
  const first = c1.cancel(1);
  await delay();
  assert_equals(reason, undefined, "not cancelled while a branch is left");
  await Promise.all([first, c2.cancel(2)]);
  assert_array_equals(reason, [1, 2], "both reasons; both branches' cancels settle then");
}, "tee gives both branches every chunk; the source is cancelled when both are");

promise_test(async (t) => {
  let cancelled = false;
  const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { cancelled = true; } });
  for await (const x of rs) { assert_equals(x, 1); break; }
  assert_true(cancelled, "breaking out cancels");
  const kept = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); } });
  for await (const x of kept.values({ preventCancel: true })) { assert_equals(x, 1); break; }
  assert_false(kept.locked);
  assert_object_equals(await kept.getReader().read(), { value: 2, done: false });
  assert_equals(ReadableStream.prototype[Symbol.asyncIterator], ReadableStream.prototype.values);
}, "async iteration reads the stream; return cancels it unless preventCancel");

promise_test(async (t) => {
  assert_array_equals(await collect(ReadableStream.from([1, 2, 3])), [1, 2, 3]);
  async function* gen() { yield "a"; yield "b"; }
  assert_array_equals(await collect(ReadableStream.from(gen())), ["a", "b"]);
  assert_array_equals(await collect(ReadableStream.from([Promise.resolve(4)])), [4], "a sync iterable's promises are awaited");
  assert_throws_js(TypeError, () => ReadableStream.from(5));
}, "ReadableStream.from makes a stream of an iterable or async iterable");

promise_test(async (t) => {
  const got = [];
  const ws = new WritableStream({
    write(chunk) { got.push(chunk); return delay(1); },
    close() { got.push("closed"); },
  }, { highWaterMark: 2 });
  const w = ws.getWriter();
  assert_true(ws.locked);
  assert_equals(w.desiredSize, 2);
  w.write(1);
  assert_equals(w.desiredSize, 1);
  w.write(2);
  assert_equals(w.desiredSize, 0, "backpressure");
  await w.write(3);
  await w.close();
  await w.closed;
  assert_array_equals(got, [1, 2, 3, "closed"]);
}, "a writable stream writes chunks in order, one at a time, with backpressure");

promise_test(async (t) => {
  const order = [];
  const ws = new WritableStream({ write() { order.push("sink write"); return delay().then(() => order.push("sink done")); } });
  const w = ws.getWriter();
  w.ready.then(() => order.push("ready"));
  w.write("a").then(() => order.push("write a"));
  w.write("b").then(() => order.push("write b"));
  w.close().then(() => order.push("close"));
  w.closed.then(() => order.push("closed"));
  await delay(20);
  assert_array_equals(order, ["sink write", "ready", "sink done", "sink write", "write a", "sink done", "write b", "close", "closed"]);
}, "writes, ready, close and closed settle in the standard's order");

promise_test(async (t) => {
  const failure = new Error("write failed");
  const ws = new WritableStream({ write() { throw failure; } });
  const w = ws.getWriter();
  await promise_rejects_exactly(t, failure, w.write(1));
  await promise_rejects_exactly(t, failure, w.closed);
  await promise_rejects_exactly(t, failure, w.write(2), "an errored stream refuses writes");
  let reason, signalled;
  const aborting = new WritableStream({ start(c) { c.signal.addEventListener("abort", () => { signalled = c.signal.reason; }); }, abort(r) { reason = r; } });
  await aborting.abort("stop");
  assert_equals(reason, "stop");
  assert_equals(signalled, "stop", "the controller's signal is aborted");
}, "a sink that throws errors the stream; abort reaches the sink and its signal");

promise_test(async (t) => {
  const ts = new TransformStream({ transform(chunk, c) { c.enqueue(chunk * 10); }, flush(c) { c.enqueue("end"); } });
  const rs = ReadableStream.from([1, 2, 3]);
  assert_array_equals(await collect(rs.pipeThrough(ts)), [10, 20, 30, "end"]);
  const identity = new TransformStream();
  const w = identity.writable.getWriter();
  w.write("x");
  w.close();
  assert_array_equals(await collect(identity.readable), ["x"]);
  const terminated = new TransformStream({ start(c) { c.terminate(); } });
  await promise_rejects_js(t, TypeError, terminated.writable.getWriter().write(1));
}, "a transform stream transforms and flushes; with no transformer it passes chunks on");

promise_test(async (t) => {
  const sink = [];
  await ReadableStream.from([1, 2, 3]).pipeTo(new WritableStream({ write(c) { sink.push(c); }, close() { sink.push("close"); } }));
  assert_array_equals(sink, [1, 2, 3, "close"]);
  const kept = [];
  await ReadableStream.from([4]).pipeTo(new WritableStream({ write(c) { kept.push(c); }, close() { kept.push("close"); } }), { preventClose: true });
  assert_array_equals(kept, [4], "preventClose");
  const srcError = new Error("source");
  let aborted;
  const failing = new ReadableStream({ pull(c) { c.error(srcError); } });
  await promise_rejects_exactly(t, srcError, failing.pipeTo(new WritableStream({ abort(r) { aborted = r; } })));
  assert_equals(aborted, srcError, "a source error aborts the destination");
  const destError = new Error("dest");
  let cancelled;
  const src = new ReadableStream({ cancel(r) { cancelled = r; } });
  await promise_rejects_exactly(t, destError, src.pipeTo(new WritableStream({ start(c) { c.error(destError); } })));
  assert_equals(cancelled, destError, "a destination error cancels the source");
}, "pipeTo copies, closes, and carries errors forward and backward");

promise_test(async (t) => {
  const ac = new AbortController();
  const reason = new Error("aborted");
  const p = new ReadableStream().pipeTo(new WritableStream(), { signal: ac.signal });
  ac.abort(reason);
  await promise_rejects_exactly(t, reason, p);
  await promise_rejects_js(t, TypeError, ReadableStream.from([]).pipeTo({}), "not a WritableStream");
  assert_throws_js(TypeError, () => new ReadableStream().pipeThrough({ readable: 1, writable: 2 }));
}, "pipeTo stops on its signal's abort; bad destinations are refused");

promise_test(async (t) => {
  const parts = ["h\uD83D", "\uDE00llo", "!"];
  const out = await collect(ReadableStream.from(parts).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream()));
  assert_equals(out.join(""), "h\uD83D\uDE00llo!", "a surrogate pair split across chunks");
  const lone = await collect(ReadableStream.from(["a\uD83D"]).pipeThrough(new TextEncoderStream()));
  assert_array_equals(lone[lone.length - 1], [0xEF, 0xBF, 0xBD], "a lone surrogate at the end is U+FFFD");
  const d = new TextDecoderStream("utf-16le", { fatal: true });
  assert_equals(d.encoding, "utf-16le");
  assert_true(d.fatal);
  assert_equals(new TextEncoderStream().encoding, "utf-8");
  const fatal = new TextDecoderStream("utf-8", { fatal: true });
  fatal.writable.getWriter().write(new Uint8Array([0xFF])).catch(() => {});
  await promise_rejects_js(t, TypeError, fatal.readable.getReader().read());
  const wrong = new TextDecoderStream();
  wrong.writable.getWriter().write("not bytes").catch(() => {});
  await promise_rejects_js(t, TypeError, wrong.readable.getReader().read(), "a chunk that is not a BufferSource");
  for (const bad of [undefined, null, 3.14, {}, [65]]) {
    const s = new TextDecoderStream();
    const write = s.writable.getWriter().write(bad);
    const read = s.readable.getReader().read();
    await promise_rejects_js(t, TypeError, write, `writing ${String(bad)}`);
    await promise_rejects_js(t, TypeError, read, `reading after ${String(bad)}`);
  }
  const shared = new TextDecoderStream();
  const sab = new Uint8Array(new SharedArrayBuffer(2));
  sab.set([104, 105]);
  shared.writable.getWriter().write(sab);
  assert_equals((await shared.readable.getReader().read()).value, "hi", "a view of shared memory is decoded");
}, "TextEncoderStream and TextDecoderStream encode and decode across chunks");

promise_test(async (t) => {
  const big = new Uint8Array(200000).map((_, i) => i & 0xff);
  const chunks = await collect(new Blob(["ab", big]).stream());
  assert_true(chunks.every((c) => c instanceof Uint8Array));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  assert_equals(total, 200002);
  assert_equals(chunks[0][0], 0x61);
  const r = new Response("hello");
  assert_false(r.bodyUsed);
  const read = await r.body.getReader().read();
  assert_equals(new TextDecoder().decode(read.value), "hello");
  assert_true(r.bodyUsed, "reading the body stream uses the body");
  await promise_rejects_js(t, TypeError, r.text());
  const fromStream = new Response(ReadableStream.from([new Uint8Array([104, 105])]));
  const twin = fromStream.clone();
  assert_equals(await fromStream.text(), "hi");
  assert_equals(await twin.text(), "hi", "a clone tees the body");
  assert_equals(new Response(null).body, null);
}, "Blob.prototype.stream() and Response bodies are byte streams of Uint8Arrays");

test(() => {
  const count = new CountQueuingStrategy({ highWaterMark: 3 });
  const bytes = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
  assert_equals(count.highWaterMark, 3);
  assert_equals(count.size(), 1);
  assert_equals(bytes.size(new Uint8Array(5)), 5);
  assert_equals(count.size, new CountQueuingStrategy({ highWaterMark: 1 }).size, "one size function");
  assert_throws_js(TypeError, () => new CountQueuingStrategy({}));
  assert_throws_js(RangeError, () => new ReadableStream({}, { highWaterMark: -1 }));
  assert_throws_js(TypeError, () => new ReadableStream({ type: "nope" }));
  assert_throws_dom("NotSupportedError", () => new ReadableStream({ type: "bytes" }), "byte streams are not implemented");
  assert_throws_js(TypeError, () => new ReadableStream().getReader({ mode: "byob" }), "a BYOB reader needs a byte stream");
  assert_throws_js(RangeError, () => new TransformStream({ readableType: "bytes" }));
  assert_throws_js(TypeError, () => new ReadableStreamDefaultController());
  assert_equals(Object.prototype.toString.call(new ReadableStream()), "[object ReadableStream]");
}, "queuing strategies, bad arguments, and what is not implemented");

test(() => {
  for (const s of [new ReadableStream(), new WritableStream(), new TransformStream(), new TextEncoderStream()])
    assert_throws_dom("DataCloneError", () => structuredClone(s), Object.prototype.toString.call(s));
  const { port1 } = new MessageChannel();
  const rs = new ReadableStream();
  assert_throws_dom("DataCloneError", () => port1.postMessage(rs, [rs]), "streams are not transferable here");
  port1.close();
}, "streams are platform objects: cloning one is a DataCloneError");
