// Main <-> worker round trips over a transferred MessagePort (issue 14,
// item 4); reports the 99th percentile (pingpong.js reports the median).
const ROUNDS = 20000;
const w = new Worker("rtt-worker.js");
const { port1, port2 } = new MessageChannel();
w.postMessage(port2, [port2]);
const times = [];
let t;
port1.onmessage = () => {
  times.push(performance.now() - t);
  if (times.length === ROUNDS) {
    times.sort((a, b) => a - b);
    benchResult("rtt-port-p99", times[Math.floor(times.length * 0.99)] * 1000, "us");
    port1.close();
    w.terminate();
    return;
  }
  t = performance.now();
  port1.postMessage(times.length);
};
t = performance.now();
port1.postMessage(0);
