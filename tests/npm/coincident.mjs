// coincident: a worker calls the main thread synchronously (a
// SharedArrayBuffer, Atomics.wait in the worker, Atomics.waitAsync and
// notify on the main thread), and the main thread calls the worker.
import coincident from "coincident/main";
import { check, equal, within } from "./check.js";

const { Worker: CoWorker, native } = coincident();
check(native, "coincident sees SharedArrayBuffer and Atomics as usable");
const w = new CoWorker("./resources/coincident-worker.mjs", { type: "module" });
w.proxy.add = (a, b) => a + b;
w.proxy.greet = (n) => `hi ${n}`;
w.proxy.bytes = (n) => new Uint8Array(n).fill(7);
const result = await within(new Promise((r) => (w.proxy.done = r)), 60000, "the worker's synchronous calls");
equal(result.native, true, "the worker is native too");
equal(result.sum, 5, "a synchronous call's result");
equal(result.text, "hi worker", "a string from a synchronous call");
equal(result.bytes, 7 * 1000, "bytes from a synchronous call");
equal(result.calls, 500, "500 synchronous calls in a row");
equal(await within(w.proxy.twice(21), 60000, "main → worker"), 42, "the main thread calls the worker");
w.terminate();
console.log("ok coincident");
