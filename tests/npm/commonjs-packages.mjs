// CommonJS-only packages from npm, imported from an ES module as Node
// allows: promise-worker (`module.exports` of a constructor), workerpool
// (its workers load the package's UMD bundle with importScripts) and
// threads (whose ES entry imports its CommonJS build, which picks its
// browser implementation through the package's `browser` map).
import PromiseWorker from "promise-worker";
import workerpool from "workerpool";
import { spawn, Thread, Worker as ThreadsWorker } from "threads";
import { check, equal, within } from "./check.js";

// promise-worker: request/response over a dedicated worker's messages.
const w = new Worker("./resources/promise-worker-worker.js");
const pw = new PromiseWorker(w);
const got = await within(pw.postMessage({ x: 21 }), 60000, "promise-worker call");
equal(got.doubled, 42, "promise-worker result");
check(got.when instanceof Date && got.when.getTime() === 0, "a Date in the result");
let failed = null;
try { await within(pw.postMessage({ x: 1, fail: true }), 60000, "promise-worker failure"); } catch (e) { failed = e; }
check(failed && failed.message === "failed 1", "the worker's error reaches the caller: " + failed);
const many = await within(Promise.all(Array.from({ length: 200 }, (_, i) => pw.postMessage({ x: i }))), 60000, "200 calls");
equal(many.reduce((s, r) => s + r.doubled, 0), 39800, "200 concurrent calls answered in order");
w.terminate();

// workerpool: a pool of two script workers, and functions sent to a
// default worker as text.
const pool = workerpool.pool("./resources/workerpool-worker.js", { maxWorkers: 2 });
equal(await within(pool.exec("fib", [20]), 60000, "workerpool fib"), 6765, "workerpool result");
let poolError = null;
try { await within(pool.exec("fail", []), 60000, "workerpool failure"); } catch (e) { poolError = e; }
check(poolError && poolError.message === "too big", "workerpool error: " + poolError);
const fibs = await within(Promise.all([1, 2, 3, 4, 5, 6].map((n) => pool.exec("fib", [n + 10]))), 60000, "parallel");
equal(fibs.join(), "89,144,233,377,610,987", "workerpool parallel results");
const inline = workerpool.pool();
equal(await within(inline.exec((a, b) => a * b, [6, 7]), 60000, "inline function"), 42, "a function run in a worker");
await pool.terminate();
await inline.terminate();

// threads: a module worker exposing functions, spawned and terminated.
const thread = await within(spawn(new ThreadsWorker("./resources/threads-worker.mjs", { type: "module", CORSWorkaround: false })), 60000, "threads spawn");
equal(await within(thread.add(2, 40), 60000, "threads call"), 42, "threads result");
let threadError = null;
try { await within(thread.fail(), 60000, "threads failure"); } catch (e) { threadError = e; }
check(threadError && threadError.message === "worker fail", "threads error: " + threadError);
await Thread.terminate(thread);
console.log("ok commonjs packages: promise-worker, workerpool, threads");
