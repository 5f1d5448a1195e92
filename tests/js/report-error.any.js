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
