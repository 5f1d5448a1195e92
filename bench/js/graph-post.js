// The issue-tracker graph (graph-data.js) through a same-thread
// MessageChannel: 20 posts, each delivered to onmessage; time per message.
const state = trackerState(400);
const N = 20, WARM = 3;
const { port1, port2 } = new MessageChannel();
let got = 0, t0;
port2.onmessage = (e) => {
  if (e.data.issues.length !== 400) throw new Error("bad copy");
  if (++got === WARM) { t0 = performance.now(); for (let i = 0; i < N; i++) port1.postMessage(state); }
  else if (got === WARM + N) {
    benchResult("graph-post", (performance.now() - t0) / N * 1000, "us");
    port1.close(); port2.close();
  }
};
for (let i = 0; i < WARM; i++) port1.postMessage(state);
