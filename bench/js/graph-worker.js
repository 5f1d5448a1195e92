// The issue-tracker graph (graph-data.js) posted to a worker 20 times; the
// worker answers once it has read them all: time per message, both sides.
const state = trackerState(400);
const N = 20;
const w = new Worker("graph-worker-worker.js");
let phase = 0, t0;
w.onmessage = () => {
  if (phase++ === 0) { // warmed up
    t0 = performance.now();
    for (let i = 0; i < N; i++) w.postMessage({ n: N, state });
    return;
  }
  benchResult("graph-worker", (performance.now() - t0) / N * 1000, "us");
  w.terminate();
};
for (let i = 0; i < 3; i++) w.postMessage({ n: 3, state });
