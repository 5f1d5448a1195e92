// Main -> worker stream of small objects to the worker's onmessage; the
// worker answers once it has them all. (Not one of issue 4's targets: a
// figure for cross-thread messaging in JS.)
const N = 300_000;
const w = new Worker("workerstream-worker.js");
const t0 = performance.now();
w.onmessage = () => {
  benchResult("workerstream", N / (performance.now() - t0) * 1000, "msgs/s");
  w.terminate();
};
for (let i = 0; i < N; i++) w.postMessage({ i, s: "hello" });
