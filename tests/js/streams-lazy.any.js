// The streams' interfaces load when a script first needs them
// (prelude/platform.js): whichever way that happens, they are the same
// interfaces, with WebIDL's members and property attributes, and a value a
// script assigned to one of their globals first is kept.

test(() => {
  globalThis.TextDecoderStream = "mine";
  const s = new Blob(["abc"]).stream();
  assert_equals(Object.prototype.toString.call(s), "[object ReadableStream]", "Blob.stream() loads them");
  assert_true(s instanceof ReadableStream, "the same ReadableStream as the global's");
  assert_equals(globalThis.TextDecoderStream, "mine", "a global the script set first stays set");
  const d = Object.getOwnPropertyDescriptor(globalThis, "ReadableStream");
  assert_equals(d.value, ReadableStream);
  assert_true(d.writable && d.configurable && !d.enumerable, "an interface object's attributes, once loaded");
  assert_true(Object.getOwnPropertyDescriptor(ReadableStream.prototype, "getReader").enumerable, "operations are enumerable");
  assert_throws_dom("DataCloneError", () => structuredClone(s), "the clone knows the loaded interfaces");
  globalThis.ReadableStream = 5;
  assert_equals(globalThis.ReadableStream, 5, "assignable after loading");
}, "streams loaded by Blob.prototype.stream()");

promise_test(async () => {
  const r = new Response("xyz");
  const chunk = await r.body.getReader().read();
  assert_equals(chunk.value.length, 3);
  assert_equals(Object.prototype.toString.call(r.body), "[object ReadableStream]");
}, "streams loaded by a Response body");
