// structuredClone of the issue-tracker graph (graph-data.js): the mean of
// 20 clones after 3 warm-ups.
const state = trackerState(400);
for (let i = 0; i < 3; i++) structuredClone(state);
const N = 20;
const t0 = performance.now();
for (let i = 0; i < N; i++) structuredClone(state);
benchResult("graph-clone", (performance.now() - t0) / N * 1000, "us");
