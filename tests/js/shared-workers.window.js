// SharedWorker (HTML #shared-workers-and-the-sharedworker-interface).
test(() => {
  assert_throws_js(TypeError, () => new SharedWorker(), "a URL is required");
  assert_throws_js(TypeError, () => new SharedWorker("resources/shared-counter.js", { type: "bogus" }));
  assert_throws_dom("SyntaxError", () => new SharedWorker("http://[bad"));
  const w = new SharedWorker("resources/shared-counter.js", "shape");
  assert_true(w instanceof EventTarget);
  assert_true(w.port instanceof MessagePort);
  assert_equals(w.port, w.port, "the same port every time");
  assert_equals(w.onerror, null);
  assert_equals(String(w), "[object SharedWorker]");
  assert_false("postMessage" in w, "a SharedWorker talks through its port");
  w.port.close();
}, "the SharedWorker interface");

promise_test(async () => {
  const ask = (w, what) => new Promise((resolve) => {
    w.port.onmessage = (e) => resolve(e.data);
    w.port.postMessage(what);
  });
  const a = new SharedWorker("resources/shared-counter.js", "one");
  const b = new SharedWorker("resources/shared-counter.js", { name: "one" });
  const other = new SharedWorker("resources/shared-counter.js", "two");
  const ra = await ask(a, "a");
  const rb = await ask(b, "b");
  const ro = await ask(other, "o");
  assert_equals(ra.echo, "a");
  assert_equals(rb.connections, 2, "one worker for one URL and name: b is its second connection");
  assert_equals(ro.connections, 1, "another name, another worker");
  assert_equals(ra.info.type, "connect");
  assert_equals(ra.info.data, "");
  assert_equals(ra.info.ports, 1);
  assert_true(ra.info.sourceIsPort, "event.source is the port");
  assert_true(ra.info.trusted);
  assert_equals(ra.info.name, "one");
  assert_equals(ro.info.name, "two");
  assert_equals(ra.info.scope, "[object SharedWorkerGlobalScope]");
  for (const w of [a, b, other]) w.port.close();
}, "connections to one URL and name share one worker; connect events carry the port");

promise_test(async () => {
  const w = new SharedWorker("resources/shared-counter.js", "ports");
  const ch = new MessageChannel();
  const got = new Promise((resolve) => { ch.port1.onmessage = (e) => resolve(e.data); });
  w.port.start();
  w.port.postMessage(ch.port2, [ch.port2]);
  assert_equals(await got, "via a transferred port");
  ch.port1.close();
  w.port.close();
}, "a port transferred to a shared worker works");

promise_test(async () => {
  // HTML #dom-sharedworker: a worker whose closing flag is set takes no new
  // connection. The worker answers after close(), so its flag is set by
  // the time the answer arrives, though its thread may still be running.
  const w1 = new SharedWorker("resources/shared-counter.js", "closing");
  const closed = new Promise((resolve) => { w1.port.onmessage = (e) => resolve(e.data); });
  w1.port.postMessage("close");
  assert_equals(await closed, "closed", "a port still delivers what is posted after close()");
  const w2 = new SharedWorker("resources/shared-counter.js", "closing");
  const r = await new Promise((resolve) => { w2.port.onmessage = (e) => resolve(e.data); w2.port.postMessage("again"); });
  assert_equals(r.connections, 1, "a closed shared worker is replaced by a new one");
  w1.port.close();
  w2.port.close();
}, "close() in a shared worker ends it; the next SharedWorker starts a fresh one");

async_test((t) => {
  // HTML #run-a-worker: a script that cannot be fetched fires `error` at
  // the SharedWorker object.
  const w = new SharedWorker("resources/no-such-shared-worker.js");
  w.onerror = t.step_func_done((e) => {
    assert_equals(e.type, "error");
    assert_equals(e.target, w);
    e.preventDefault();
    w.port.close();
  });
}, "a shared worker script that cannot be loaded fires error at the SharedWorker");

promise_test(async () => {
  // The SharedWorker objects are referenced by nothing once the functions
  // return (and garbage collection runs): each still gets its error.
  const fired = [];
  let done;
  const all = new Promise((resolve) => { done = resolve; });
  const seen = (how) => { fired.push(how); if (fired.length === 2) done(); };
  (() => { new SharedWorker("resources/no-such-shared-worker.js", "a").onerror = () => seen("handler"); })();
  (() => { new SharedWorker("resources/no-such-shared-worker.js", "b").addEventListener("error", () => seen("listener")); })();
  if (typeof gc === "function") gc();
  await all;
  assert_array_equals(fired.sort(), ["handler", "listener"]);
}, "a SharedWorker that nothing references is held until its load error has fired at it");

promise_test(async () => {
  // HTML #dom-sharedworker: a running shared worker of the same URL and
  // name but another type or credentials refuses the connection.
  const url = "data:text/javascript," + encodeURIComponent("onconnect = (e) => e.ports[0].postMessage('connected');");
  const first = new SharedWorker(url, { name: "options", credentials: "omit" });
  await new Promise((resolve) => { first.port.onmessage = resolve; });
  const second = new SharedWorker(url, { name: "options", credentials: "include" });
  const outcome = await new Promise((resolve) => {
    second.onerror = (e) => resolve(e.constructor.name);
    second.port.onmessage = () => resolve("connected");
  });
  assert_equals(outcome, "Event", "a plain error event, no connection");
  assert_throws_js(TypeError, () => new SharedWorker(url, { name: "x", credentials: "sometimes" }));
}, "a shared worker refuses a connection asking for other options");
