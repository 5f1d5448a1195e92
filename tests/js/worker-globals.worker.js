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

// HTML #the-workerglobalscope-common-interface: `self` is a read-only
// accessor, never replaced by an assignment.
test(() => {
  assert_false(Object.prototype.hasOwnProperty.call(self, "self"), "self");
  const selfDesc = Object.getOwnPropertyDescriptor(WorkerGlobalScope.prototype, "self");
  assert_equals(typeof selfDesc.get, "function");
  assert_equals(selfDesc.set, undefined);
  assert_throws_js(TypeError, () => { "use strict"; self.self = 1; });
  assert_equals(self.self, self);
}, "self is a read-only accessor");

test(() => {
  assert_true(navigator instanceof WorkerNavigator);
  assert_true(location instanceof WorkerLocation);
  assert_equals(Object.prototype.toString.call(navigator), "[object WorkerNavigator]");
  assert_equals(Object.prototype.toString.call(location), "[object WorkerLocation]");
  assert_equals(String(location), location.href);
  assert_equals(typeof navigator.hardwareConcurrency, "number");
  assert_throws_js(TypeError, () => new WorkerNavigator());
  assert_throws_js(TypeError, () => new WorkerLocation());
  assert_equals(typeof Navigator, "undefined", "Navigator is the window's");
}, "navigator and location are a WorkerNavigator and a WorkerLocation");

test(() => {
  assert_throws_dom("DataCloneError", () => structuredClone(navigator));
  assert_throws_dom("DataCloneError", () => structuredClone(location));
}, "navigator and location are platform objects: not serializable");

test(() => {
  const url = URL.createObjectURL(new Blob(["self.fromBlob = (self.fromBlob || 0) + 1;"], { type: "text/javascript" }));
  importScripts(url);
  assert_equals(self.fromBlob, 1);
  URL.revokeObjectURL(url);
  assert_throws_dom("NetworkError", () => importScripts(url), "a revoked blob: URL");
}, "importScripts loads blob: URLs");

test(() => {
  assert_throws_dom("NetworkError", () => importScripts("resources/no-such-script.js"));
  self.fromBlob = 0;
  const ok = URL.createObjectURL(new Blob(["self.fromBlob++;"]));
  // Every URL is parsed before any script runs.
  assert_throws_dom("SyntaxError", () => importScripts(ok, "http://[bad"));
  assert_equals(self.fromBlob, 0, "nothing ran");
}, "importScripts throws NetworkError for a script it cannot load, SyntaxError for a bad URL");

test(() => {
  // A [Global] interface's attribute is an own accessor of the global.
  const d = Object.getOwnPropertyDescriptor(self, "name");
  assert_equals(typeof d.get, "function");
  assert_equals(d.get.name, "get name");
  assert_true(d.enumerable);
  assert_false("name" in DedicatedWorkerGlobalScope.prototype, "not on the prototype");
}, "name is an own accessor of the global");

test(() => {
  // [Replaceable]: assigning `name` makes an own data property.
  const before = name;
  assert_equals(typeof before, "string");
  name = 1;
  assert_equals(name, 1);
  assert_equals(Object.getOwnPropertyDescriptor(self, "name").value, 1);
  assert_equals(typeof Object.getOwnPropertyDescriptor(self, "name").get, "undefined", "now a data property");
}, "name is [Replaceable]");

// The global's postMessage is native (as MessagePort's): its shape, and
// a transfer argument still converted.
test(() => {
  const d = Object.getOwnPropertyDescriptor(DedicatedWorkerGlobalScope.prototype, "postMessage");
  assert_equals(typeof d.value, "function");
  assert_true(d.writable && d.configurable && d.enumerable, "a Web IDL operation: writable, enumerable, configurable");
  assert_equals(postMessage.name, "postMessage");
  assert_equals(postMessage.length, 1);
  assert_false(Object.prototype.hasOwnProperty.call(self, "postMessage"));
  assert_throws_js(TypeError, () => postMessage.call(self, 1, 5), "a transfer that is neither a sequence nor a dictionary");
  const buf = new ArrayBuffer(4);
  // To the worker's owner, which ignores it.
  postMessage.call(undefined, { ignored: buf }, { transfer: [buf] });
  assert_equals(buf.byteLength, 0, "transferred");
  const buf2 = new ArrayBuffer(4);
  postMessage({ ignored: buf2 }, [buf2]);
  assert_equals(buf2.byteLength, 0, "transferred with a list");
}, "the worker global's postMessage: shape and transfer");
