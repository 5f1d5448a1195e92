// Main <-> worker round trips through shared memory alone: the main thread
// stores and notifies, the worker wakes from Atomics.wait and answers the
// same way. Reports the median (the p99 in the second line of output is
// for reading, not compared).
const ROUNDS = 20000;
const sab = new SharedArrayBuffer(8);
const a = new Int32Array(sab);
const w = new Worker("atomics-worker.js");
w.onmessage = () => {
  const times = new Float64Array(ROUNDS);
  for (let i = 1; i <= ROUNDS; i++) {
    const t = performance.now();
    Atomics.store(a, 0, i);
    Atomics.notify(a, 0);
    while (Atomics.load(a, 1) !== i) Atomics.wait(a, 1, i - 1);
    times[i - 1] = performance.now() - t;
  }
  times.sort();
  Atomics.store(a, 0, -1);
  Atomics.notify(a, 0);
  benchResult("atomics", times[ROUNDS >> 1] * 1000, "us");
  w.terminate();
};
w.postMessage(sab);
