// A workerpool worker, from the package's UMD bundle.
importScripts("../node_modules/workerpool/dist/workerpool.js");
workerpool.worker({
  fib: function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); },
  fail() { throw new RangeError("too big"); },
});
