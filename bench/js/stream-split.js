// The stream case with its two halves timed apart, for profiling (not
// part of run.sh): the posting loop, then the deliveries. Runs as it is
// on msgport and on Node: `msgport run bench/js/stream-split.js`,
// `node bench/js/stream-split.js`.
const N = 1_000_000;
const { port1, port2 } = new MessageChannel();
let got = 0, t0, t1;
port2.onmessage = (e) => {
  if (++got === N) {
    const t2 = performance.now();
    console.log(JSON.stringify({
      post_ns: (t1 - t0) / N * 1e6,
      deliver_ns: (t2 - t1) / N * 1e6,
      rate: N / (t2 - t0) * 1000,
    }));
    port1.close();
    port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) port1.postMessage({ i, s: "hello" });
t1 = performance.now();
