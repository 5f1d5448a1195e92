// A 256 MiB ArrayBuffer *cloned* (not transferred) to a worker, which
// answers with its length: the best round trip minus a small message's.
const SIZE = 256 << 20;
const w = new Worker("transfer-worker.js");
const big = new ArrayBuffer(SIZE);
new Uint8Array(big).fill(7);
const small = new ArrayBuffer(8);
const rounds = [];
let t;
function next() {
  if (rounds.length === 6) {
    const min = (k) => Math.min(...rounds.filter((r) => r.big === k).map((r) => r.ms));
    benchResult("clone256MiB", Math.max(0, min(true) - min(false)) * 1000, "us");
    w.terminate();
    return;
  }
  const isBig = rounds.length % 2 === 1;
  t = performance.now();
  w.postMessage(isBig ? big : small);
  w.onmessage = (e) => {
    if (e.data !== (isBig ? SIZE : 8)) throw new Error("bad length " + e.data);
    rounds.push({ big: isBig, ms: performance.now() - t });
    next();
  };
}
next();
