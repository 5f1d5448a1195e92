// Messages to a Worker object and to a dedicated worker's global with one
// `message` listener are delivered natively, as a MessagePort's are; with
// other listeners, by the DOM dispatch in JavaScript. Nothing a script can
// observe may tell the two apart (HTML #dedicated-workers-and-the-worker-interface,
// DOM #concept-event-dispatch).

function worker(t) {
  const w = new Worker("resources/snapshot-worker.js");
  t.add_cleanup(() => w.terminate());
  return w;
}
function next(w, setUp) {
  return new Promise((resolve) => {
    if (setUp) setUp(resolve); else w.onmessage = (e) => resolve(e.data);
  });
}

promise_test(async (t) => {
  const w = worker(t);
  const expected = {
    type: "message", isTrusted: true, ownIsTrusted: true, proto: true, target: true,
    currentTarget: true, thisIsGlobal: true, phase: Event.AT_TARGET, origin: "", lastEventId: "",
    source: null, ports: true, bubbles: false, cancelable: false, stamp: true,
  };
  // The handler alone (native), then with a second listener (JS), then
  // through an addEventListener callback alone (native again).
  let r = next(w); w.postMessage({ n: 1, s: "x" });
  let got = await r;
  assert_equals(got.via, "handler");
  assert_object_equals(got.snap, { ...expected, data: { n: 1, s: "x" } }, "native: the event as a listener sees it");
  r = next(w); w.postMessage("add-listener"); got = await r;
  r = next(w); w.postMessage({ n: 2 }); got = await r;
  assert_object_equals(got.snap, { ...expected, data: { n: 2 } }, "with two listeners: the same");
  assert_equals(got.extra, 0, "the second listener runs after the handler");
  r = next(w); w.postMessage("handler-off"); await r;
  r = next(w); w.postMessage([1, "two", { three: 3 }]); got = await r;
  assert_equals(got.via, "listener");
  assert_equals(got.extra, 3, "the first added listener ran for each message since it was added, this one included (it was added first)");
  assert_object_equals(got.snap, { ...expected, data: [1, "two", { three: 3 }] });
}, "a worker's global: events the same whichever way they are delivered");

promise_test(async (t) => {
  const w = worker(t);
  const seen = [];
  // The Worker object's handler (native), its replacement, then a once listener (JS).
  const first = await next(w, (resolve) => {
    w.onmessage = function (e) {
      seen.push({ thisIsWorker: this === w, target: e.target === w, currentTarget: e.currentTarget === w,
        isTrusted: e.isTrusted, windowEvent: globalThis.event === e, phase: e.eventPhase });
      resolve(e);
    };
    w.postMessage(1);
  });
  assert_object_equals(seen[0], { thisIsWorker: true, target: true, currentTarget: true, isTrusted: true, windowEvent: true, phase: Event.AT_TARGET });
  await new Promise((r) => setTimeout(r, 0)); // the dispatch is over by the next task
  assert_equals(first.currentTarget, null);
  assert_equals(first.eventPhase, Event.NONE);
  assert_equals(globalThis.event, undefined);
  const calls = [];
  const second = await next(w, (resolve) => {
    w.onmessage = (e) => { calls.push("replaced"); resolve(e.data); };
    w.postMessage(2);
  });
  assert_equals(second.snap.data, 2);
  assert_array_equals(calls, ["replaced"], "only the new handler");
  const third = await next(w, (resolve) => {
    w.onmessage = null;
    w.addEventListener("message", (e) => { calls.push("once"); resolve(e.data); }, { once: true });
    w.postMessage(3);
  });
  assert_equals(third.snap.data, 3);
  assert_array_equals(calls, ["replaced", "once"]);
}, "a Worker object: handler, its replacement and a once listener each see the message once");

promise_test(async (t) => {
  const w = worker(t);
  // Messages the direct writer takes and messages it leaves to the general
  // path, both ways, in order.
  const values = [{ a: 1, b: "two", c: { d: null, e: true } }, [1, 2, 3], new Map([[1, 2]]), "text", 7.5, { s: "é", k: [0] }];
  const got = [];
  await next(w, (resolve) => {
    w.onmessage = (e) => { got.push(e.data.snap.data); if (got.length === values.length) resolve(); };
    for (const v of values) w.postMessage(v);
  });
  assert_object_equals(got[0], values[0]);
  assert_array_equals(got[1], values[1]);
  assert_true(got[2] instanceof Map);
  assert_equals(got[2].get(1), 2);
  assert_equals(got[3], "text");
  assert_equals(got[4], 7.5);
  assert_equals(got[5].s, "é");
  assert_array_equals(got[5].k, [0]);
}, "values of every kind reach a worker and come back, in order");
