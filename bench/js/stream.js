// A same-thread MessageChannel stream of small objects to onmessage.
const N = 1_000_000;
const { port1, port2 } = new MessageChannel();
let got = 0, t0;
port2.onmessage = (e) => {
  if (++got === N) {
    const ms = performance.now() - t0;
    benchResult("stream", N / ms * 1000, "msgs/s");
    port1.close();
    port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) port1.postMessage({ i, s: "hello" });
