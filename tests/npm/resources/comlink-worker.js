import * as Comlink from "comlink";

class Counter {
  constructor(start) { this.value = start; }
  inc() { this.value++; }
}
Comlink.expose({
  add: (a, b) => a + b,
  async each(items, cb) {
    let total = 0;
    for (const x of items) total += await cb(x);
    return total;
  },
  fail(message) { throw new Error(message); },
  Counter,
  serveOn(port) { Comlink.expose({ hello: (who) => "hello " + who }, port); },
  sum(bytes) { let s = 0; for (const b of bytes) s += b; return s; },
});
