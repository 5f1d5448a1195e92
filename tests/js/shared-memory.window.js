// SharedArrayBuffer across agents (HTML #structuredserializeinternal and
// #structureddeserialize, their SharedArrayBuffer steps; the agent cluster
// formalism): the memory itself is shared — not copied — with a dedicated
// worker, a worker's worker, a same-thread port, a BroadcastChannel and
// structuredClone; Atomics wait and wake across threads; a shared worker,
// another agent cluster, gets messageerror; a SharedArrayBuffer is never
// transferable.

const ask = (w, msg) => new Promise((resolve) => {
  w.onmessage = (e) => resolve(e.data);
  w.postMessage(msg);
});

const kinds = ["DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array", "Float32Array", "Float64Array"];

promise_test(async () => {
  const w = new Worker("resources/sab-worker.js");
  for (const kind of kinds) {
    const sab = new SharedArrayBuffer(16);
    const view = new globalThis[kind](sab, 8);
    const big = kind.startsWith("Big");
    if (view instanceof DataView) view.setInt8(0, 41); else view[0] = big ? 41n : 41;
    const r = await ask(w, { op: "increment", view, index: 0 });
    assert_equals(Number(r.seen), 41, `${kind}: the worker saw the window's write`);
    assert_equals(r.kind, "[object SharedArrayBuffer]", kind);
    const now = view instanceof DataView ? view.getInt8(0) : view[0];
    assert_equals(Number(now), 42, `${kind}: the window sees the worker's write`);
  }
  w.terminate();
}, "a dedicated worker shares the memory, through every kind of view");

promise_test(async () => {
  const w = new Worker("resources/sab-worker.js");
  const sab = new SharedArrayBuffer(4);
  const view = new Int8Array(sab);
  view[2] = 7;
  const r = await ask(w, { op: "nested", view, index: 2 });
  assert_equals(r.seen, 7);
  assert_equals(view[2], 8, "a worker's worker wrote into the window's memory");
  w.terminate();
}, "a worker's dedicated worker is in the same agent cluster");

promise_test(async () => {
  const w = new Worker("resources/sab-worker.js");
  const view = new Int32Array(new SharedArrayBuffer(8));
  const woke = new Promise((resolve) => {
    w.onmessage = (e) => {
      if (e.data.waiting) {
        // The worker is about to block; keep storing and notifying until it wakes.
        const t = setInterval(() => { Atomics.store(view, 1, 5); Atomics.notify(view, 1); }, 5);
        w.onmessage = (m) => { clearInterval(t); resolve(m.data); };
      }
    };
  });
  w.postMessage({ op: "wait", view, index: 1, value: 0 });
  const r = await woke;
  assert_in_array(r.woke, ["ok", "not-equal"], "woken by the notify, or saw the store first");
  assert_equals(r.now, 5);
  w.terminate();
}, "Atomics.wait in a worker is woken by Atomics.notify in the window");

promise_test(async () => {
  const w = new Worker("resources/sab-worker.js");
  const view = new Int32Array(new SharedArrayBuffer(8));
  const r = Atomics.waitAsync(view, 1, 0);
  assert_true(r.async);
  const reply = await ask(w, { op: "store-notify", view, index: 1, value: 9 });
  assert_equals(reply.notified, 1, "the window's waiter was listed");
  assert_equals(await r.value, "ok");
  assert_equals(view[1], 9);
  w.terminate();
}, "Atomics.waitAsync in the window resolves when a worker notifies");

promise_test(async () => {
  const view = new Int32Array(new SharedArrayBuffer(4));
  const workers = [0, 1, 2].map(() => new Worker("resources/sab-worker.js"));
  const done = workers.map((w) => ask(w, { op: "count", view, index: 0, value: 20000 }));
  await Promise.all(done);
  assert_equals(Atomics.load(view, 0), 60000, "no increment lost");
  workers.forEach((w) => w.terminate());
}, "three workers adding atomically to one memory lose nothing");

promise_test(async () => {
  const ch = new MessageChannel();
  const sab = new SharedArrayBuffer(8, { maxByteLength: 32 });
  const got = new Promise((resolve) => { ch.port2.onmessage = (e) => resolve(e.data); });
  ch.port1.postMessage({ a: sab, b: sab, view: new Uint16Array(sab, 2, 1) }, []);
  const d = await got;
  assert_not_equals(d.a, sab, "a new object");
  assert_equals(d.a, d.b, "one object for one buffer in the message");
  assert_equals(d.view.buffer, d.a);
  assert_true(d.a.growable);
  assert_equals(d.a.maxByteLength, 32);
  assert_equals(d.a.byteLength, 8);
  d.view[0] = 0x0102;
  assert_equals(new Uint16Array(sab)[1], 0x0102, "the same memory");
  ch.port1.close();
}, "a same-thread port delivers the same memory, growable with its maximum");

test(() => {
  const sab = new SharedArrayBuffer(4);
  const c = structuredClone(sab);
  assert_not_equals(c, sab);
  assert_equals(Object.prototype.toString.call(c), "[object SharedArrayBuffer]");
  new Uint8Array(c)[3] = 1;
  assert_equals(new Uint8Array(sab)[3], 1);
  assert_throws_dom("DataCloneError", () => structuredClone(sab, { transfer: [sab] }));
  assert_throws_dom("DataCloneError", () => new MessageChannel().port1.postMessage(sab, [sab]));
  assert_true(self.crossOriginIsolated, "a runtime is cross-origin isolated");
}, "structuredClone shares; a SharedArrayBuffer is never transferable");

promise_test(async () => {
  const sw = new SharedWorker("resources/sab-shared-worker.js", "sab");
  const next = () => new Promise((resolve) => { sw.port.onmessage = (e) => resolve(e.data); });
  let r = next();
  // Serializing works here; deserializing there, another agent cluster, fails.
  sw.port.postMessage(new SharedArrayBuffer(4));
  assert_equals(await r, "messageerror null 0");
  r = next();
  sw.port.onmessageerror = (e) => sw.port.onmessage({ data: "window: messageerror " + e.data });
  sw.port.postMessage("send one");
  assert_equals(await r, "window: messageerror null", "nor can one leave it");
  r = next();
  sw.port.postMessage("still working");
  assert_equals(await r, "got string");
  sw.port.close();
}, "a shared worker is another agent cluster: messageerror both ways");

promise_test(async () => {
  const w = new Worker("resources/sab-worker.js");
  const name = "sab-cluster";
  await ask(w, { op: "broadcast", value: name, index: 1 });
  const sw = new SharedWorker("resources/sab-shared-worker.js", "sab-bc");
  // Its channel exists once it says so (a broadcast reaches the channels
  // open when it is posted).
  await new Promise((resolve) => { sw.port.onmessage = (e) => e.data === "listening" && resolve(); });
  const bc = new BroadcastChannel(name);
  const heard = [];
  const both = new Promise((resolve) => {
    bc.onmessage = (e) => { heard.push(e.data); if (heard.length === 2) resolve(); };
  });
  const sab = new SharedArrayBuffer(4);
  bc.postMessage(sab);
  await both;
  heard.sort();
  assert_array_equals(heard, ["shared worker: messageerror", "written"]);
  assert_equals(new Uint8Array(sab)[1], 9, "the dedicated worker wrote into the broadcast memory");
  bc.close();
  sw.port.close();
  w.terminate();
}, "a BroadcastChannel shares the memory within the agent cluster, and only there");
