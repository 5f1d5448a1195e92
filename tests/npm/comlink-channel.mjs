// comlink over a MessageChannel in one context: calls, property reads and
// writes, async methods, thrown errors, callbacks through Comlink.proxy,
// transferred buffers, and releasing the proxy.
import * as Comlink from "comlink";
import { check, equal, within } from "./check.js";

const { port1, port2 } = new MessageChannel();
const api = {
  counter: 0,
  inc(by = 1) { this.counter += by; return this.counter; },
  async slow(x) { await new Promise((r) => setTimeout(r, 5)); return x * 2; },
  fail() { throw new TypeError("boom"); },
  withCallback(cb) { return cb(20); },
  size(buf) { return buf.byteLength; },
  nested: { deep: { value: "here" } },
  echo(v) { return v; },
};
Comlink.expose(api, port1);
const remote = Comlink.wrap(port2);

equal(await remote.inc(), 1, "inc()");
equal(await remote.inc(5), 6, "inc(5)");
equal(await remote.counter, 6, "a property read");
remote.counter = 10; // sent at once, in order with what follows
equal(await remote.counter, 10, "a property write");
equal(await remote.slow(21), 42, "an async method");
equal(await remote.nested.deep.value, "here", "a nested property");
try {
  await remote.fail();
  check(false, "fail() should reject");
} catch (e) {
  check(e instanceof Error, "the rejection is an Error");
  equal(e.name, "TypeError", "its name");
  equal(e.message, "boom", "its message");
  check(typeof e.stack === "string" && e.stack.includes("fail"), "its stack names the method: " + e.stack);
}
equal(await remote.withCallback(Comlink.proxy((x) => x + 1)), 21, "a callback through Comlink.proxy");
const buf = new ArrayBuffer(64);
equal(await remote.size(Comlink.transfer(buf, [buf])), 64, "a transferred buffer arrives whole");
equal(buf.byteLength, 0, "and is detached here");
const value = { when: new Date(5), map: new Map([[1, { s: new Set(["a"]) }]]), big: 2n ** 70n, re: /x+/gi };
const back = await remote.echo(value);
equal(back.when.getTime(), 5, "a Date round trip");
check(back.map.get(1).s.has("a"), "a Map of a Set round trip");
equal(back.big, 2n ** 70n, "a BigInt round trip");
equal(String(back.re), "/x+/gi", "a RegExp round trip");
// Many calls in flight at once, answered in any order.
const results = await within(Promise.all(Array.from({ length: 200 }, (_, i) => remote.echo(i))), 60000, "200 calls");
check(results.every((v, i) => v === i), "200 concurrent calls each get their own answer");
remote[Comlink.releaseProxy]();
port1.close();
console.log("ok comlink over a MessageChannel");
