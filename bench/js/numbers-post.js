// Arrays of numbers through a same-thread MessageChannel: 100,000 doubles,
// then 100,000 small integers, 20 posts each; time per message (both
// kinds together).
const doubles = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 100) * 1000);
const ints = Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 65536 - 32768);
const N = 20;
const { port1, port2 } = new MessageChannel();
let got = 0, t0;
port2.onmessage = (e) => {
  if (e.data.length !== 100_000) throw new Error("bad copy");
  if (++got === 2 * N) {
    benchResult("numbers-post", (performance.now() - t0) / (2 * N) * 1000, "us");
    port1.close(); port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) { port1.postMessage(doubles); port1.postMessage(ints); }
