// A worker script of this window's origin, from its source.
function scriptURL(source) {
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}

// Dedicated workers: creation, messages, ports through workers, errors,
// termination, nested workers, importScripts, data: and blob: URLs.
async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  w.onmessage = t.step_func_done((e) => {
    assert_equals(e.data.echo, "hi");
    assert_true(e instanceof MessageEvent);
    assert_equals(e.target, w);
    w.terminate();
  });
  w.postMessage("hi");
}, "a worker answers through its global postMessage");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  const ch = new MessageChannel();
  ch.port1.onmessage = t.step_func_done((e) => {
    assert_equals(e.data.echo, "through the port");
    w.terminate();
  });
  w.postMessage("take this", [ch.port2]);
  ch.port1.postMessage("through the port");
}, "a port transferred to a worker carries messages both ways (the MDN demo)");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  w.onmessage = t.step_func_done((e) => {
    assert_equals(e.data.echo.length, 3);
    assert_equals(e.data.echo.buffer.byteLength, 3);
    w.terminate();
  });
  const bytes = new Uint8Array([1, 2, 3]);
  w.postMessage(bytes, [bytes.buffer]);
  assert_equals(bytes.byteLength, 0, "detached on the sender");
}, "an ArrayBuffer transferred to a worker");

async_test((t) => {
  const SIZE = 8 << 20;
  const w = new Worker("resources/echo-worker.js");
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i += 65521) bytes[i] = i % 251;
  bytes[SIZE - 1] = 42;
  let hops = 0;
  w.onmessage = t.step_func((e) => {
    const back = new Uint8Array(e.data);
    assert_equals(back.length, SIZE);
    for (let i = 0; i < SIZE; i += 65521) assert_equals(back[i], i % 251, `byte ${i}`);
    assert_equals(back[SIZE - 1], 42);
    if (++hops === 3) { w.terminate(); t.done(); return; }
    w.postMessage(e.data, [e.data]);
    assert_equals(e.data.byteLength, 0, "detached again");
  });
  w.postMessage(bytes.buffer, [bytes.buffer]);
  assert_equals(bytes.length, 0, "detached on the sender");
}, "a large ArrayBuffer goes to a worker and back three times, whole");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js", { name: "named one" });
  w.onmessage = t.step_func_done((e) => { assert_equals(e.data, "named one"); w.terminate(); });
  w.postMessage("name");
}, "WorkerOptions.name is the worker's self.name");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  w.onerror = t.step_func_done((e) => {
    assert_true(e instanceof ErrorEvent);
    assert_true(e.message.includes("thrown on request"), e.message);
    assert_true(e.filename.endsWith("echo-worker.js"), e.filename);
    assert_true(e.lineno > 0);
    e.preventDefault();
    w.terminate();
  });
  w.postMessage("throw");
}, "an uncaught exception in the worker fires error at the Worker object");

async_test((t) => {
  const w = new Worker("resources/nested-worker.js");
  w.onmessage = t.step_func_done((e) => { assert_equals(e.data.nested, "deep"); w.terminate(); });
  w.postMessage("deep");
}, "nested workers, resolved against the outer worker's URL");

async_test((t) => {
  const src = "importScripts(" + JSON.stringify(new URL("resources/imports.js", self.__testURL || "file:///").href) + ");";
  const w = new Worker("data:text/javascript," + encodeURIComponent("onmessage = (e) => postMessage(e.data * 2);"));
  w.onmessage = t.step_func_done((e) => { assert_equals(e.data, 42); w.terminate(); });
  w.postMessage(21);
}, "a data: URL worker");

async_test((t) => {
  const url = URL.createObjectURL(new Blob(["onmessage = (e) => postMessage('blob:' + e.data);"], { type: "text/javascript" }));
  assert_true(url.startsWith("blob:"));
  const w = new Worker(url);
  w.onmessage = t.step_func_done((e) => { assert_equals(e.data, "blob:ok"); w.terminate(); });
  w.postMessage("ok");
}, "a blob: URL worker");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  w.onmessage = t.unreached_func("terminated workers answer nothing");
  w.terminate();
  w.postMessage("after terminate");
  t.step_timeout(() => t.done(), 100);
}, "terminate() stops the worker at once");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  let answers = 0;
  w.onmessage = () => answers++;
  w.postMessage("close");
  t.step_timeout(() => {
    w.postMessage("after close");
    t.step_timeout(() => { assert_equals(answers, 0); t.done(); }, 50);
  }, 50);
}, "close() inside the worker ends it");

test(() => {
  assert_throws_dom("SyntaxError", () => new Worker("http://[bad"));
  assert_throws_js(TypeError, () => new Worker("x.js", { type: "nonsense" }));
  assert_throws_js(TypeError, () => new Worker());
}, "bad URLs and options throw");

async_test((t) => {
  const w = new Worker("resources/does-not-exist.js");
  w.onerror = t.step_func_done((e) => { e.preventDefault(); });
}, "a worker script that cannot be loaded fires error");

async_test((t) => {
  const w = new Worker("resources/module-worker.mjs", { type: "module" });
  w.onmessage = t.step_func_done((e) => { assert_equals(e.data, 42); w.terminate(); });
  w.postMessage(21);
}, "a module worker imports relative modules and outlives an unhandled rejection");

async_test((t) => {
  const here = new BroadcastChannel("across workers");
  // A blob: URL worker has this window's origin (a data: URL one has an
  // opaque origin of its own, and hears no channel of ours).
  const w = new Worker(scriptURL(`
    const b = new BroadcastChannel("across workers");
    b.onmessage = (e) => { b.postMessage({ echo: e.data, origin: e.origin }); b.close(); };
    postMessage("ready");`));
  w.onmessage = t.step_func(() => here.postMessage("ping"));
  here.onmessage = t.step_func_done((e) => {
    assert_equals(e.data.echo, "ping");
    assert_equals(e.data.origin, location.origin);
    here.close();
    w.terminate();
  });
}, "BroadcastChannel reaches a channel of the same name in a worker, and back");

async_test((t) => {
  // The worker closes itself, then makes a channel and posts on it: that
  // post is ignored. A second worker that does not close is heard.
  const code = (closeFirst) => `
    ${closeFirst ? "close();" : ""}
    const bc = new BroadcastChannel("from a closing worker");
    bc.postMessage(${closeFirst ? "'from the closed worker'" : "'from the open worker'"});
    postMessage("posted");`;
  const here = new BroadcastChannel("from a closing worker");
  here.onmessage = t.step_func_done((e) => {
    assert_equals(e.data, "from the open worker");
    here.close();
  });
  const closing = new Worker(scriptURL(code(true)));
  closing.onmessage = t.step_func(() => {
    new Worker(scriptURL(code(false)));
  });
}, "a worker that called close() broadcasts nothing; creating a channel there does not throw");

async_test((t) => {
  const w = new Worker("data:text/javascript,postMessage(self.name)", { name: "w\uD800" });
  w.onmessage = t.step_func_done((e) => {
    assert_equals(e.data, "w\uFFFD");
    w.terminate();
  });
}, "a worker's name with a lone surrogate");

async_test((t) => {
  const w = new Worker("resources/echo-worker.js");
  const e = new RangeError("to the worker and back", { cause: { why: 1 } });
  w.onmessage = t.step_func_done((m) => {
    const back = m.data.echo;
    assert_equals(Object.prototype.toString.call(back), "[object Error]");
    assert_true(back instanceof RangeError);
    assert_equals(back.message, e.message);
    assert_equals(back.stack, e.stack);
    assert_equals(back.cause.why, 1);
    w.terminate();
  });
  w.postMessage(e);
}, "an Error sent to a worker and back keeps its kind, message, stack and cause");

async_test((t) => {
  // HTML #eligible-for-messaging: once a worker has called close(), its
  // channels get nothing more, even a message posted before it stops.
  const name = "to a closing worker";
  const here = new BroadcastChannel(name);
  const w = new Worker("data:text/javascript," + encodeURIComponent(`
    onmessage = () => {
      const b = new BroadcastChannel(${JSON.stringify(name)});
      b.onmessage = () => postMessage("received after close");
      close();
      postMessage("closed");
    };
  `));
  const got = [];
  w.onmessage = t.step_func((e) => {
    got.push(e.data);
    if (e.data === "closed") {
      for (let i = 0; i < 20; i++) here.postMessage(i);
      t.step_timeout(() => {
        assert_array_equals(got, ["closed"]);
        here.close();
        t.done();
      }, 100);
    }
  });
  w.postMessage("go");
}, "a worker that called close() receives no broadcast");

test(() => {
  // A script URL whose toString makes a worker itself recurses to the
  // stack limit once (a RangeError), not once more per level for an
  // error message (which took exponential time).
  for (const C of [Worker, SharedWorker]) {
    const started = Date.now();
    const foo = { toString() { new C(foo); } };
    assert_throws_js(RangeError, () => new C(foo));
    assert_less_than(Date.now() - started, 5000, `${C.name}: the recursion ends at once`);
  }
}, "a script URL that makes workers from its toString ends in a RangeError");

promise_test(async (t) => {
  // File API #BlobURLStore: a blob: URL made here resolves in a worker
  // (one origin), until revoked; a worker's own URLs go when it ends.
  const url = URL.createObjectURL(new Blob(["self.loaded = 'yes';"], { type: "text/javascript" }));
  const w = new Worker("data:text/javascript," + encodeURIComponent(`
    onmessage = async (e) => {
      if (e.data.url) {
        const out = [];
        try { importScripts(e.data.url); out.push(self.loaded); } catch (x) { out.push(x.name); }
        try { out.push(await (await fetch(e.data.url)).text()); } catch (x) { out.push(x.name); }
        postMessage(out);
      } else {
        postMessage(URL.createObjectURL(new Blob(["from the worker"])));
      }
    };
  `));
  t.add_cleanup(() => w.terminate());
  const ask = (m) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.postMessage(m); });
  assert_array_equals(await ask({ url }), ["yes", "self.loaded = 'yes';"]);
  URL.revokeObjectURL(url);
  assert_array_equals(await ask({ url }), ["NetworkError", "TypeError"], "revoked everywhere");
  // A URL made here and revoked by the worker is gone here too.
  const second = URL.createObjectURL(new Blob(["x"]));
  await new Promise((resolve) => {
    const revoker = new Worker("data:text/javascript," + encodeURIComponent("onmessage = (e) => { URL.revokeObjectURL(e.data); postMessage('revoked'); };"));
    revoker.onmessage = () => { revoker.terminate(); resolve(); };
    revoker.postMessage(second);
  });
  await promise_rejects_js(t, TypeError, fetch(second), "revoked by another context");
  const made = await ask({});
  assert_equals(await (await fetch(made)).text(), "from the worker", "the worker's URL resolves here");
  w.terminate();
  // The worker's thread ends soon after terminate(); its URLs go then.
  let gone = false;
  for (let i = 0; i < 100 && !gone; i++) {
    try { await fetch(made); await new Promise((r) => setTimeout(r, 50)); } catch (e) { assert_equals(e.name, "TypeError"); gone = true; }
  }
  assert_true(gone, "gone with the worker");
}, "blob: URLs resolve across the run's contexts");
