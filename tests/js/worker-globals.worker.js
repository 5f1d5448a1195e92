// The dedicated worker's global scope.
importScripts("resources/imports.js", "resources/imports.js");
test(() => {
  assert_true(self instanceof DedicatedWorkerGlobalScope);
  assert_true(self instanceof WorkerGlobalScope);
  assert_true(self instanceof EventTarget);
  assert_equals(typeof postMessage, "function");
  assert_equals(typeof close, "function");
  assert_equals(typeof self.name, "string");
  assert_equals(typeof importScripts, "function");
}, "the worker global's interfaces");
test(() => {
  assert_equals(self.imported, 2);
}, "importScripts runs each script in order, in the global scope");
test(() => {
  assert_throws_js(TypeError, () => postMessage());
  assert_throws_dom("DataCloneError", () => postMessage(() => {}));
}, "the worker's postMessage checks its arguments");
