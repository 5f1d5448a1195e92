// A 256 MiB ArrayBuffer transferred to a worker, which answers with its
// length: the round trip minus a small message's round trip.
const SIZE = 256 << 20;
const w = new Worker("transfer-worker.js");
const rounds = [];
let phase = "warm", t;
function next() {
  if (rounds.length === 6) {
    const small = Math.min(...rounds.filter((r) => r.kind === "small").map((r) => r.ms));
    const big = Math.min(...rounds.filter((r) => r.kind === "big").map((r) => r.ms));
    benchResult("transfer256MiB", Math.max(0, big - small) * 1000, "us");
    w.terminate();
    return;
  }
  const big = rounds.length % 2 === 1;
  const buf = new ArrayBuffer(big ? SIZE : 8);
  t = performance.now();
  w.postMessage(buf, [buf]);
  if (buf.byteLength !== 0) throw new Error("not detached");
  w.onmessage = () => { rounds.push({ kind: big ? "big" : "small", ms: performance.now() - t }); next(); };
}
next();
