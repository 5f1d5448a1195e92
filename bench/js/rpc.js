// RPC-shaped messages (issue 14, item 5), as comlink, post-me and penpal
// post them: always with a transfer list, here an empty one.
const N = 200_000;
const { port1, port2 } = new MessageChannel();
let got = 0, t0;
port2.onmessage = (e) => {
  if (++got === N) {
    benchResult("rpc-empty-list", N / (performance.now() - t0) * 1000, "msgs/s");
    port1.close();
    port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) {
  port1.postMessage({
    id: i, type: "APPLY", path: ["api", "compute"],
    argumentList: [{ type: "RAW", value: i }, { type: "RAW", value: "payload" }],
  }, []);
}
