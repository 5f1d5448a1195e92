// A cloned Error is an Error of its kind (HTML #structuredserializeinternal,
// #structureddeserialize): its brand and prototype, message, cause and
// stack, whether cloned once or again, by structuredClone or through a
// port.
const kinds = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];

function check(c, original, what) {
  assert_equals(Object.prototype.toString.call(c), "[object Error]", `${what}: brand`);
  if (typeof Error.isError === "function") assert_true(Error.isError(c), `${what}: Error.isError`);
  assert_equals(Object.getPrototypeOf(c), Object.getPrototypeOf(original), `${what}: prototype`);
  assert_equals(c.name, original.name, `${what}: name`);
  assert_equals(c.message, original.message, `${what}: message`);
  assert_equals(c.stack, original.stack, `${what}: stack`);
  assert_equals(c.cause, original.cause, `${what}: cause`);
  const d = Object.getOwnPropertyDescriptor(c, "message");
  assert_false(d.enumerable, `${what}: message not enumerable`);
}

for (const E of kinds) {
  test(() => {
    const e = new E("boom", { cause: 42 });
    const once = structuredClone(e);
    check(once, e, "once");
    check(structuredClone(once), e, "twice");
  }, `${E.name}: cloned once and twice`);

  promise_test(async () => {
    const e = new E("through a port", { cause: "why" });
    const { port1, port2 } = new MessageChannel();
    const got = new Promise((resolve) => { port2.onmessage = (m) => resolve(m.data); });
    port1.postMessage(e);
    const first = await got;
    check(first, e, "posted");
    // Posted on again, as an RPC library passes an error through.
    const again = new Promise((resolve) => { port1.onmessage = (m) => resolve(m.data); });
    port2.postMessage(first);
    check(await again, e, "posted twice");
    port1.close();
  }, `${E.name}: posted through a port and back`);
}

test(() => {
  const e = new Error("no cause");
  const c = structuredClone(e);
  assert_false(Object.prototype.hasOwnProperty.call(c, "cause"));
  const n = structuredClone(new TypeError());
  assert_false(Object.prototype.hasOwnProperty.call(n, "message"), "no message when there was none");
}, "an error without a cause or message clones without them");

test(() => {
  const d = structuredClone(new DOMException("m", "DataCloneError"));
  assert_true(d instanceof DOMException);
  assert_equals(d.name, "DataCloneError");
  assert_equals(d.message, "m");
  assert_false(typeof d.stack === "string" && d.stack.includes("msgport:"), "no frame of msgport's own");
}, "a cloned DOMException carries no stack of msgport's own");
