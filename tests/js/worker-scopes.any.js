// META: global=window,worker
// The same tests in the main context, a dedicated worker and a shared worker.
test(() => {
  if (GLOBAL.isWindow()) {
    assert_equals(typeof WorkerGlobalScope, "undefined");
    return;
  }
  assert_true(self instanceof WorkerGlobalScope);
  const shared = typeof SharedWorkerGlobalScope === "function" && self instanceof SharedWorkerGlobalScope;
  const dedicated = typeof DedicatedWorkerGlobalScope === "function" && self instanceof DedicatedWorkerGlobalScope;
  assert_true(shared !== dedicated, "exactly one kind of worker");
  assert_equals(typeof self.postMessage, shared ? "undefined" : "function");
  assert_equals(self.onconnect === undefined, !shared);
}, "the global scope is the right kind");

async_test((t) => {
  const { port1, port2 } = new MessageChannel();
  port2.onmessage = t.step_func_done((e) => assert_equals(e.data, "in every scope"));
  port1.postMessage("in every scope");
}, "MessageChannel works in every scope");

test(() => {
  // Each interface on the globals its IDL [Exposed] names.
  const everywhere = ["Worker", "MessageChannel", "MessagePort", "MessageEvent", "BroadcastChannel", "EventTarget", "Event",
    "Blob", "File", "FileReader", "URL", "Headers", "Response", "TextEncoder", "structuredClone", "queueMicrotask"];
  for (const name of everywhere) assert_not_equals(self[name], undefined, name);
  if (GLOBAL.isWindow()) {
    assert_equals(typeof SharedWorker, "function", "SharedWorker in a window");
    assert_true("event" in self, "window.event");
  } else {
    assert_equals(self.SharedWorker, undefined, "[Exposed=Window] SharedWorker");
    assert_false("event" in self, "no event attribute in workers");
    assert_equals(typeof importScripts, "function");
  }
}, "interfaces are exposed where their IDL says");

test(() => {
  assert_equals(typeof self.origin, "string");
  assert_equals(self.origin, location.origin, "the global's origin is its script's");
  assert_true(self.isSecureContext);
  const before = self.origin;
  self.origin = "replaced";
  assert_equals(self.origin, "replaced", "[Replaceable]");
  self.origin = before;
}, "self.origin and isSecureContext");
