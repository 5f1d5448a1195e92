// Scale (issue 14, item 6): 40,000 channels with one message each, every
// message delivered and every port closed. Choosing the next task must not
// scan the ports with work: the rate stays flat as N grows.
const N = 40_000;
const t0 = performance.now();
let got = 0;
const senders = [];
for (let i = 0; i < N; i++) {
  const { port1, port2 } = new MessageChannel();
  port2.onmessage = () => {
    port2.close();
    if (++got === N) {
      for (const p of senders) p.close();
      benchResult("manychannels", N / (performance.now() - t0) * 1000, "msgs/s");
    }
  };
  port1.postMessage(i);
  senders.push(port1);
}
