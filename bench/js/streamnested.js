// The stream case with arrays: 1M `{i, s, list: [1, 2, 3]}` to onmessage
// (not one of issue 4's targets: a figure for messages with arrays).
const N = 1_000_000;
const { port1, port2 } = new MessageChannel();
let got = 0, t0;
port2.onmessage = (e) => {
  if (++got === N) {
    benchResult("streamnested", N / (performance.now() - t0) * 1000, "msgs/s");
    port1.close();
    port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) port1.postMessage({ i, s: "hello", list: [1, 2, 3] });
