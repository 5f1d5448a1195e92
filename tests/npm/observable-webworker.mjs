// observable-webworker with rxjs: observables streamed to a module worker
// and back. rxjs's build for bundlers imports its own modules without
// extensions, and its tslib dependency is CommonJS behind an ES wrapper.
import { fromWorker } from "observable-webworker";
import { of, range, toArray, firstValueFrom, Subject } from "rxjs";
import { equal, within } from "./check.js";

const make = () => new Worker("./resources/observable-webworker-worker.mjs", { type: "module" });
const out = await within(firstValueFrom(fromWorker(make, of(1, 2, 3)).pipe(toArray())), 60000, "three values");
equal(out.join(), "2,4,6", "values doubled in the worker");
const many = await within(firstValueFrom(fromWorker(make, range(0, 10000)).pipe(toArray())), 60000, "10,000 values");
equal(many.length, 10000, "every value came back");
equal(many[9999], 19998, "in order");
const input = new Subject();
const got = [];
const done = new Promise((resolve, reject) => fromWorker(make, input).subscribe({ next: (v) => got.push(v), complete: resolve, error: reject }));
input.next(5); input.next(6); input.complete();
await within(done, 60000, "a subject's values");
equal(got.join(), "10,12", "a subject's values, then completion");
console.log("ok observable-webworker");
