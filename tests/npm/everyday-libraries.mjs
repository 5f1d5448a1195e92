// Everyday npm packages around messages, unchanged: immer (its build reads
// process.env.NODE_ENV), lodash (one CommonJS file), @msgpack/msgpack
// (binary messages through a port, buffers transferred), superjson
// (Dates, Maps and BigInts as JSON through a port), nanoid (crypto) and
// worker-timers (timers kept by a worker made from a blob URL).
import { produce } from "immer";
import _ from "lodash";
import { encode, decode } from "@msgpack/msgpack";
import superjson from "superjson";
import { nanoid } from "nanoid";
import { setTimeout as workerSetTimeout, setInterval as workerSetInterval, clearInterval as workerClearInterval } from "worker-timers";
import { check, equal, within } from "./check.js";

const base = { todos: [{ id: 1, done: false }], meta: { n: 1 } };
const next = produce(base, (d) => { d.todos[0].done = true; d.meta.n++; });
check(next !== base && next.meta.n === 2 && base.meta.n === 1, "immer made a new state");
check(next.todos[0].done && Object.isFrozen(next), "immer froze the new state");
equal(_.chunk([1, 2, 3, 4, 5], 2).length, 3, "lodash chunk");
equal(_.get({ a: [{ b: 7 }] }, "a[0].b"), 7, "lodash get");

const { port1, port2 } = new MessageChannel();
const received = [];
const all = new Promise((resolve) => {
  port2.onmessage = (e) => { received.push(e.data); if (received.length === 2) resolve(); };
});
const packed = encode({ id: 3, args: [1.5, "x", new Uint8Array([1, 2])] });
port1.postMessage(packed, [packed.buffer]);
check(packed.byteLength === 0, "the packed buffer was transferred");
port1.postMessage(superjson.stringify({ when: new Date(0), tags: new Map([["a", 1]]), big: 2n ** 70n }));
await within(all, 60000, "two messages");
const unpacked = decode(received[0]);
equal(unpacked.args[2][1], 2, "msgpack bytes through a port");
const parsed = superjson.parse(received[1]);
check(parsed.when instanceof Date && parsed.tags.get("a") === 1 && parsed.big === 2n ** 70n, "superjson through a port");
port1.close(); port2.close();

const ids = new Set(Array.from({ length: 1000 }, () => nanoid()));
equal(ids.size, 1000, "nanoid ids are unique");
check([...ids].every((id) => /^[A-Za-z0-9_-]{21}$/.test(id)), "nanoid's alphabet and length");

const t0 = performance.now();
await within(new Promise((r) => workerSetTimeout(r, 20)), 60000, "a worker timer");
check(performance.now() - t0 >= 19, "the worker timer waited");
let ticks = 0;
await within(new Promise((r) => { const id = workerSetInterval(() => { if (++ticks === 3) { workerClearInterval(id); r(); } }, 5); }), 60000, "a worker interval");
equal(ticks, 3, "three ticks, then cleared");
console.log("ok immer, lodash, msgpack, superjson, nanoid, worker-timers");
