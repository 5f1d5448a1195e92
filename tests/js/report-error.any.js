// reportError and exceptions thrown by microtasks are reported at the
// global's error event (HTML #report-an-exception).
setup({ allow_uncaught_exception: true });
async_test((t) => {
  const seen = [];
  const handler = t.step_func((e) => {
    e.preventDefault();
    seen.push(e.error.message);
    if (seen.length === 2) {
      self.removeEventListener("error", handler);
      assert_array_equals(seen, ["reported", "from a microtask"]);
      t.done();
    }
  });
  self.addEventListener("error", handler);
  reportError(new Error("reported"));
  queueMicrotask(() => { throw new Error("from a microtask"); });
}, "reportError and exceptions in microtasks reach the global's error event");

async_test((t) => {
  // HTML #notify-about-rejected-promises: a rejection still unhandled after
  // the microtask checkpoint fires a cancelable, trusted
  // `unhandledrejection` at the global; canceling it handles it.
  const p = Promise.reject(new Error("nobody listens"));
  const handled = Promise.reject(new Error("caught in time"));
  handled.catch(() => {});
  const seen = [];
  const listener = t.step_func((e) => {
    // (Only this test's promises: other tests of this file run meanwhile.)
    if (e.promise !== p && e.promise !== handled) return;
    e.preventDefault();
    seen.push(e);
  });
  self.addEventListener("unhandledrejection", listener);
  t.step_timeout(() => {
    self.removeEventListener("unhandledrejection", listener);
    assert_equals(seen.length, 1, "only the unhandled one");
    const e = seen[0];
    assert_true(e instanceof PromiseRejectionEvent);
    assert_equals(e.promise, p);
    assert_equals(e.reason.message, "nobody listens");
    assert_true(e.isTrusted);
    assert_true(e.cancelable);
    assert_equals(e.type, "unhandledrejection");
    t.done();
  }, 20);
}, "unhandled rejections fire unhandledrejection at the global, and canceling handles them");

test(() => {
  const p = Promise.resolve();
  const e = new PromiseRejectionEvent("x", { promise: p, reason: 1 });
  assert_equals(e.promise, p);
  assert_equals(e.reason, 1);
  assert_throws_js(TypeError, () => new PromiseRejectionEvent("x", {}), "promise is required");
  assert_throws_js(TypeError, () => new PromiseRejectionEvent("x"));
  assert_equals(self.onunhandledrejection, null);
  assert_equals(self.onerror, null);
}, "PromiseRejectionEvent and the global's onerror / onunhandledrejection attributes");

promise_test(async () => {
  // A rejection nobody handles is reported at the checkpoint after the
  // task that made it, before the next queued message is delivered.
  const { port1, port2 } = new MessageChannel();
  const seen = [];
  // (Only this test's rejection: other tests of this file run meanwhile.)
  const onRejection = (e) => {
    if (e.reason !== "r0 of the port test") return;
    e.preventDefault();
    seen.push("unhandled r0");
  };
  self.addEventListener("unhandledrejection", onRejection);
  await new Promise((resolve) => {
    port2.onmessage = (e) => {
      seen.push("m" + e.data);
      if (e.data === 0) Promise.reject("r0 of the port test");
      if (e.data === 2) setTimeout(resolve, 0);
    };
    for (let i = 0; i < 3; i++) port1.postMessage(i);
  });
  self.removeEventListener("unhandledrejection", onRejection);
  assert_array_equals(seen, ["m0", "unhandled r0", "m1", "m2"]);
  port1.close();
}, "an unhandled rejection of one message's task is reported before the next message");

async_test((t) => {
  // A thrown value that is not an Error has no stack to take a location
  // from: the error event names the running script's URL.
  const onError = t.step_func((e) => {
    if (e.error !== 42) return; // another test's
    e.preventDefault();
    removeEventListener("error", onError);
    assert_equals(typeof e.filename, "string");
    assert_not_equals(e.filename, "", "a filename");
    assert_equals(typeof e.lineno, "number");
    t.done();
  });
  addEventListener("error", onError);
  setTimeout(() => { throw 42; }, 0);
}, "an uncaught non-Error value is reported with the script's URL");
