// Makes the benchmarks' web-style Worker code run on Node too (Node's
// worker_threads has another API). Loaded first on both runtimes.
if (typeof Worker === "undefined" && typeof require === "function") {
  const wt = require("worker_threads");
  if (wt.isMainThread) {
    globalThis.Worker = class {
      constructor(url) {
        const path = require("path");
        const file = path.resolve(__dirname, url);
        this.w = new wt.Worker(`require(${JSON.stringify(path.join(__dirname, "compat.js"))}); require(${JSON.stringify(file)});`, { eval: true });
        this.w.on("message", (data) => this.onmessage && this.onmessage({ data }));
      }
      postMessage(m, t) { this.w.postMessage(m, t); }
      terminate() { return this.w.terminate(); }
    };
  } else {
    globalThis.postMessage = (m, t) => wt.parentPort.postMessage(m, t);
    wt.parentPort.on("message", (data) => globalThis.onmessage && globalThis.onmessage({ data }));
    globalThis.close = () => process.exit(0);
  }
}
globalThis.benchResult = (name, value, unit) => console.log(JSON.stringify({ name, value, unit }));
