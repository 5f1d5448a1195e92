// The main context is window-like (HTML #the-window-object): `window`,
// `self` and `globalThis` are one object, a Window; `postMessage` queues a
// MessageEvent at the window itself (HTML #window-post-message-steps).
test(() => {
  assert_equals(window, globalThis);
  assert_equals(self, globalThis);
  assert_true(window instanceof Window);
  assert_true(window instanceof EventTarget);
  assert_equals(Object.prototype.toString.call(window), "[object Window]");
  assert_throws_js(TypeError, () => new Window());
  const d = Object.getOwnPropertyDescriptor(globalThis, "window");
  assert_false(d.configurable, "[LegacyUnforgeable]");
  assert_equals(d.set, undefined, "readonly");
}, "window, self and globalThis are the same Window");

// One listener for the whole file: messages arrive in posting order.
const received = [];
let onReceived = null;
window.addEventListener("message", (e) => {
  received.push(e);
  if (onReceived) onReceived();
});
function nextMessages(n) {
  return new Promise((resolve) => {
    const check = () => {
      if (received.length >= n) { onReceived = null; resolve(received.splice(0, n)); }
    };
    onReceived = check;
    check();
  });
}

promise_test(async () => {
  const data = { a: [1, 2], d: new Date(5) };
  window.postMessage(data, "*");
  assert_equals(received.length, 0, "not synchronous");
  const [e] = await nextMessages(1);
  assert_true(e instanceof MessageEvent);
  assert_true(e.isTrusted);
  assert_not_equals(e.data, data, "a clone");
  assert_array_equals(e.data.a, [1, 2]);
  assert_equals(e.data.d.getTime(), 5);
  assert_equals(e.source, window);
  assert_equals(e.origin, self.origin);
  assert_equals(e.ports.length, 0);
  assert_true(Object.isFrozen(e.ports));
  assert_equals(e.target, window);
}, "postMessage(message, '*') queues a MessageEvent at the window from the window");

promise_test(async () => {
  postMessage("options", { targetOrigin: "/" });
  postMessage("default options");
  postMessage("slash", "/");
  const es = await nextMessages(3);
  assert_array_equals(es.map((e) => e.data), ["options", "default options", "slash"]);
}, "postMessage with options, no options, and '/' (this window's origin)");

promise_test(async () => {
  // This context's origin is opaque (a file: script) or its own: a
  // message for another origin is serialized, then dropped.
  postMessage("elsewhere", "https://example.com");
  postMessage("after", "*");
  const [e] = await nextMessages(1);
  assert_equals(e.data, "after");
}, "a message whose target origin does not match is dropped, and order is kept");

promise_test(async () => {
  const { port1, port2 } = new MessageChannel();
  const buffer = new ArrayBuffer(8);
  postMessage({ buffer }, "*", [port1, buffer]);
  assert_equals(buffer.byteLength, 0, "transferred at the post");
  const [e] = await nextMessages(1);
  assert_equals(e.ports.length, 1);
  assert_equals(e.data.buffer.byteLength, 8);
  const answer = new Promise((resolve) => { port2.onmessage = (m) => resolve(m.data); });
  e.ports[0].postMessage("through the port");
  assert_equals(await answer, "through the port");
  port2.close();
}, "postMessage(message, targetOrigin, transfer) transfers ports and buffers");

promise_test(async () => {
  const { port1 } = new MessageChannel();
  postMessage("with options transfer", { transfer: [port1] });
  const [e] = await nextMessages(1);
  assert_equals(e.ports.length, 1);
  e.ports[0].close();
}, "postMessage(message, { transfer }) transfers");

test(() => {
  assert_throws_dom("SyntaxError", () => postMessage(1, "not a url"));
  assert_throws_dom("DataCloneError", () => postMessage(() => 1, "*"));
  assert_throws_js(TypeError, () => postMessage());
  assert_throws_js(TypeError, () => postMessage(1, "*", 5));
}, "postMessage's errors are thrown synchronously");

promise_test(async () => {
  const got = new Promise((resolve) => { onmessage = (e) => resolve(e.data); });
  postMessage("to the handler", "*");
  assert_equals(await got, "to the handler");
  await nextMessages(1);
  onmessage = null;
}, "window.onmessage");
