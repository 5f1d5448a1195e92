// An error's `stack` as V8 (Node, Deno, Chrome) gives it, which libraries
// depend on: an own data property, `Name: message` first, then one
// `    at …` line per frame of the program, none of the runtime's own; and
// `Error.prepareStackTrace` / `Error.captureStackTrace` as on V8.

function makeIt(message) { return new RangeError(message); }

test(() => {
  const e = makeIt("out of range");
  const d = Object.getOwnPropertyDescriptor(e, "stack");
  assert_not_equals(d, undefined, "an own property");
  assert_true("value" in d, "a data property");
  assert_true(d.writable, "writable");
  assert_true(d.configurable, "configurable");
  assert_false(d.enumerable, "not enumerable");
  assert_true(Object.getOwnPropertyNames(e).includes("stack"), "copied by own-property walks");
}, "stack is an own, writable, configurable, non-enumerable data property");

test(() => {
  const lines = makeIt("out of range").stack.split("\n");
  assert_equals(lines[0], "RangeError: out of range", "the header");
  assert_regexp_match(lines[1], /^ {4}at makeIt \(.*error-stack\.any\.js:\d+:\d+\)$/, "the function's frame");
  for (const l of lines.slice(1)) assert_regexp_match(l, /^ {4}at /, "every other line is a frame");
  assert_equals(new Error().stack.split("\n")[0], "Error", "no message, no colon");
}, "stack reads Name: message, then a frame per line");

async_test((t) => {
  // The listener runs under the runtime's dispatch; its frames are not shown.
  const target = new EventTarget();
  target.addEventListener("x", t.step_func_done(() => {
    const stack = new Error("in a listener").stack;
    assert_false(stack.includes("msgport:"), stack);
    assert_true(stack.includes("error-stack.any.js"), stack);
  }));
  target.dispatchEvent(new Event("x"));
}, "a stack shows no frame of the runtime's own code");

test(() => {
  assert_equals(Error.prepareStackTrace, undefined, "unset at first");
  Error.prepareStackTrace = (error, sites) => sites;
  let sites;
  try {
    sites = makeIt("x").stack;
  } finally {
    Error.prepareStackTrace = undefined;
  }
  assert_true(Array.isArray(sites), "the program's function's result is the stack");
  assert_equals(sites[0].getFunctionName(), "makeIt");
  assert_true(String(sites[0].getFileName()).endsWith("error-stack.any.js"));
  assert_equals(typeof sites[0].getLineNumber(), "number");
  assert_equals(typeof sites[0].getColumnNumber(), "number");
  assert_equals(sites[0].getTypeName(), null, "V8's methods are there too");
  assert_equals(typeof new Error("back").stack, "string", "unset again: a string");
}, "Error.prepareStackTrace gets the call sites and gives the stack");

test(() => {
  const o = { message: "not an error" };
  Error.captureStackTrace(o);
  assert_true(Object.prototype.hasOwnProperty.call(o, "stack"));
  assert_equals(o.stack.split("\n")[0], "Error: not an error");
}, "Error.captureStackTrace gives any object an own stack");

test(() => {
  const e = new TypeError("sent");
  const c = structuredClone(e);
  assert_equals(c.stack, e.stack);
  assert_true(Object.prototype.hasOwnProperty.call(c, "stack"));
}, "a cloned error keeps the stack, as an own property");

test(() => {
  function recurse() { return recurse() + 1; }
  let caught;
  try { recurse(); } catch (e) { caught = e; }
  assert_true(caught instanceof RangeError, "a RangeError at the stack limit");
  assert_equals(typeof caught.stack, "string");
  assert_true(caught.stack.startsWith("RangeError"), caught.stack);
}, "an error made at the stack limit still has a string stack");

promise_test(async () => {
  function innerCheck() { throw new Error("inner"); }
  const rejected = () => new Promise((_, reject) => setTimeout(() => reject(new TypeError("boom")), 0));
  let boom;
  async function run() {
    try { await rejected(); } catch (e) { boom = e; innerCheck(); }
  }
  let err;
  try { await run(); } catch (e) { err = e; }
  assert_equals(err.message, "inner");
  const frames = err.stack.split("\n").filter((l) => l.startsWith("    at "));
  assert_true(frames[0].startsWith("    at innerCheck "), err.stack);
  assert_true(frames[1].startsWith("    at run "), err.stack);
  assert_true(boom.stack.startsWith("TypeError: boom"), boom.stack);
}, "an error thrown from the catch of an awaited rejection keeps the stack it was made with");

test(() => {
  class Custom extends Error {
    constructor(m) { super(m); Error.captureStackTrace(this, Custom); }
  }
  function makeCustom() { return new Custom("c"); }
  const e = makeCustom();
  const frames = e.stack.split("\n").filter((l) => l.startsWith("    at "));
  assert_true(frames[0].startsWith("    at makeCustom "), e.stack);
  assert_false(e.stack.includes("new Custom"), e.stack);
}, "Error.captureStackTrace(this, Ctor) in a constructor replaces the stack, without the constructor's frames");
