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
