// Cost of making and throwing errors (issue 15: `stack` is now an own
// property in V8's format, built when the error is made).
//   msgport run bench/js/errors.js   |   node bench/js/errors.js
function deep(n) { if (n === 0) throw new Error("x"); return deep(n - 1); }
function time(f) {
  const t = performance.now();
  for (let i = 0; i < 100000; i++) { try { f(); } catch { /* measured */ } }
  return ((performance.now() - t) / 100).toFixed(2);
}
const thrown = time(() => deep(5));
const engine = time(() => null.x);
const parse = time(() => JSON.parse("{"));
console.log(`new Error thrown through 6 frames: ${thrown} µs; TypeError from the engine: ${engine} µs; JSON.parse failure: ${parse} µs`);
