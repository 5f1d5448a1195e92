// Records with strings through a same-thread MessageChannel: 10,000 rows of
// a user table ({id, name, email, active, score, tags}), 20 posts; time
// per message.
const rows = Array.from({ length: 10_000 }, (_, i) => ({
  id: i, name: "user " + i, email: `user${i}@example.org`, active: i % 3 !== 0, score: i * 1.5, tags: i % 2 ? ["staff"] : ["staff", "admin"],
}));
const N = 20;
const { port1, port2 } = new MessageChannel();
let got = 0, t0;
port2.onmessage = (e) => {
  if (e.data.length !== 10_000) throw new Error("bad copy");
  if (++got === N) {
    benchResult("strings-post", (performance.now() - t0) / N * 1000, "us");
    port1.close(); port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) port1.postMessage(rows);
