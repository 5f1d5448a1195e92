// Main <-> worker round trips; reports the median.
const ROUNDS = 20000;
const w = new Worker("pingpong-worker.js");
const times = [];
let t;
w.onmessage = () => {
  times.push(performance.now() - t);
  if (times.length === ROUNDS) {
    times.sort((a, b) => a - b);
    benchResult("pingpong", times[times.length >> 1] * 1000, "us");
    w.terminate();
    return;
  }
  t = performance.now();
  w.postMessage(times.length);
};
t = performance.now();
w.postMessage(0);
