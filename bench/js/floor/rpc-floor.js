// A floor under the RPC case (../rpc.js) on an engine: all of its work
// except the clone's. The sender builds each message as rpc.js does but
// posts a number (post, queue, event and listener call stay); the
// listener builds the receiver's copy as an object literal, the engine's
// cheapest way to make those five objects. What a real clone adds on top
// (reading the message, and writing and reading it through the wire) is
// left out, so no implementation on this engine can beat this time.
const N = 200_000;
const { port1, port2 } = new MessageChannel();
let got = 0, t0, sink;
port2.onmessage = (e) => {
  const i = e.data;
  sink = { id: i, type: "APPLY", path: ["api", "compute"], argumentList: [{ type: "RAW", value: i }, { type: "RAW", value: "payload" }] };
  if (++got === N) {
    benchResult("rpc-floor", (performance.now() - t0) / N * 1000, "us");
    port1.close();
    port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) {
  sink = { id: i, type: "APPLY", path: ["api", "compute"], argumentList: [{ type: "RAW", value: i }, { type: "RAW", value: "payload" }] };
  port1.postMessage(i, []);
}
