// How a worker's failures reach its Worker object and the window (HTML
// #run-a-worker, #runtime-script-errors-2).
setup({ allow_uncaught_exception: true });

function firstError(w) {
  return new Promise((resolve) => { w.onerror = (...args) => resolve(args); });
}

for (const [what, url, type] of [
  ["a classic script that does not parse", "resources/syntax-error.js", "classic"],
  ["a module that does not parse", "resources/syntax-error.mjs", "module"],
  ["a module whose import cannot be fetched", "resources/imports-missing.mjs", "module"],
  ["a script that cannot be fetched", "resources/no-such-script.js", "classic"],
]) {
  promise_test(async () => {
    let windowSaw = false;
    const onWindow = () => { windowSaw = true; };
    addEventListener("error", onWindow);
    // The Worker object is reachable only from this pending function.
    const args = await firstError(new Worker(url, { type }));
    assert_equals(args.length, 1);
    assert_equals(args[0].constructor, Event, "a plain Event, not an ErrorEvent");
    assert_false(args[0].cancelable);
    await new Promise((r) => setTimeout(r, 20));
    removeEventListener("error", onWindow);
    assert_false(windowSaw, "not reported at the window");
  }, `${what}: a plain error event at the Worker object only`);
}

promise_test(async () => {
  const w = new Worker("resources/import-scripts-in-module.mjs", { type: "module" });
  const got = await new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); });
  assert_equals(got, "TypeError");
}, "importScripts in a module worker throws a TypeError");

promise_test(async () => {
  const seen = [];
  const atWindow = new Promise((resolve) => {
    const l = (e) => { removeEventListener("error", l); e.preventDefault(); resolve(e); };
    addEventListener("error", l);
  });
  const w = new Worker("resources/throws-once.js");
  w.onerror = (e) => { seen.push(e.constructor.name); };
  const e = await atWindow;
  assert_array_equals(seen, ["ErrorEvent"], "the Worker object first");
  assert_true(e instanceof ErrorEvent);
  assert_true(e.message.includes("thrown by the worker"), e.message);
  assert_true(e.filename.endsWith("throws-once.js"), e.filename);
  assert_equals(e.lineno, 1);
}, "an error the Worker object does not cancel is reported again at the window");

promise_test(async () => {
  let windowSaw = false;
  const onWindow = () => { windowSaw = true; };
  addEventListener("error", onWindow);
  const w = new Worker("resources/throws-once.js");
  await new Promise((resolve) => { w.onerror = (e) => { e.preventDefault(); resolve(); }; });
  await new Promise((r) => setTimeout(r, 20));
  removeEventListener("error", onWindow);
  assert_false(windowSaw);
}, "an error the Worker object cancels goes no further");
