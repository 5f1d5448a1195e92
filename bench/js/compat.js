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
// Deno runs the scripts as modules, and its Worker takes only module
// scripts, resolved against the main module rather than the directory.
if (typeof Deno !== "undefined" && typeof Worker === "function" && !globalThis.__benchWorker) {
  const DenoWorker = Worker;
  globalThis.__benchWorker = true;
  globalThis.Worker = class extends DenoWorker {
    constructor(url) { super(new URL(url, Deno.mainModule), { type: "module" }); }
  };
}
globalThis.benchResult = (name, value, unit) => console.log(JSON.stringify({ name, value, unit }));
