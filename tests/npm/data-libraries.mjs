// Libraries around the data in messages, unchanged: @ungap/structured-clone
// (the structured clone algorithm in JavaScript, checked against ours),
// zod (validating what arrives), json-rpc-2.0 (requests and answers over a
// MessageChannel), p-queue and async-mutex (ordering a port's work),
// date-fns (Dates sent through a port) and uuid (crypto).
import ungapClone, { serialize, deserialize } from "@ungap/structured-clone";
import { z } from "zod";
import { JSONRPCServer, JSONRPCClient } from "json-rpc-2.0";
import PQueue from "p-queue";
import { Mutex } from "async-mutex";
import { addDays, differenceInCalendarDays, format } from "date-fns";
import { v4, v7, validate, version } from "uuid";
import { check, equal, within } from "./check.js";

// One value, three copies: @ungap's, structuredClone's and a port's.
const value = { n: 1, s: "é", d: new Date(86400000), m: new Map([["k", new Set([1, 2])]]), big: 2n ** 70n, r: /a+b/gi, list: [1, , 3] };
value.self = value;
const { port1, port2 } = new MessageChannel();
const posted = new Promise((resolve) => { port2.onmessage = (e) => resolve(e.data); });
port1.postMessage(value);
const copies = [ungapClone(value), deserialize(serialize(value)), structuredClone(value), await within(posted, 60000, "a posted value")];
for (const [i, c] of copies.entries()) {
  check(c.self === c && c !== value, `copy ${i}: the cycle, on the copy`);
  check(c.d.getTime() === 86400000 && c.m.get("k").has(2) && c.big === 2n ** 70n, `copy ${i}: Date, Map, Set, BigInt`);
  check(c.r.source === "a+b" && c.r.flags === "gi" && c.s === "é", `copy ${i}: RegExp and string`);
}
check(!(1 in copies[2].list) && !(1 in copies[3].list), "a hole stays a hole in ours");

// zod on messages: what arrives is validated; a bad one is refused.
const Message = z.object({ id: z.number().int(), email: z.string().email(), tags: z.array(z.string()).max(3), at: z.date() });
const inbox = [];
const two = new Promise((resolve) => { port2.onmessage = (e) => { inbox.push(Message.safeParse(e.data)); if (inbox.length === 2) resolve(); }; });
port1.postMessage({ id: 1, email: "ada@example.org", tags: ["a"], at: new Date() });
port1.postMessage({ id: 1.5, email: "nope", tags: ["a", "b", "c", "d"], at: "yesterday" });
await within(two, 60000, "two validated messages");
check(inbox[0].success && !inbox[1].success, "zod accepts the good message and refuses the bad one");
equal(inbox[1].error.issues.length, 4, "zod's four issues");

// json-rpc-2.0 over a MessageChannel, calls answered out of order.
const rpc = new MessageChannel();
const server = new JSONRPCServer();
server.addMethod("add", ({ a, b }) => a + b);
server.addMethod("slow", async ({ ms, v }) => { await new Promise((r) => setTimeout(r, ms)); return v; });
server.addMethod("fail", () => { throw new Error("no such thing"); });
rpc.port2.onmessage = async (e) => { const answer = await server.receive(e.data); if (answer) rpc.port2.postMessage(answer); };
const client = new JSONRPCClient((request) => { rpc.port1.postMessage(request); });
rpc.port1.onmessage = (e) => client.receive(e.data);
const answers = await within(Promise.all([client.request("slow", { ms: 20, v: "late" }), client.request("add", { a: 2, b: 3 })]), 60000, "two calls");
equal(answers.join(" "), "late 5", "json-rpc answers, each to its call");
let refused = "";
try { await within(client.request("fail", {}), 60000, "a failing call"); } catch (e) { refused = e.message; }
equal(refused, "no such thing", "json-rpc carries the error back");

// p-queue and async-mutex: a port's work, two at a time, each critical
// section alone.
const queue = new PQueue({ concurrency: 2 });
const mutex = new Mutex();
let active = 0, most = 0, inside = 0, overlapped = false;
const done = [];
await within(Promise.all([30, 10, 20, 5, 15].map((ms, i) => queue.add(async () => {
  most = Math.max(most, ++active);
  await new Promise((r) => setTimeout(r, ms));
  await mutex.runExclusive(async () => {
    overlapped ||= ++inside > 1;
    await new Promise((r) => setTimeout(r, 1));
    inside--;
    done.push(i);
  });
  active--;
}))), 60000, "the queue's work");
await queue.onIdle();
check(most === 2 && done.length === 5 && !overlapped, "p-queue ran two at a time and the mutex kept each section alone");
equal(done[0], 1, "the shortest of the first two finished first");

// date-fns on Dates that came through a port.
const dated = new Promise((resolve) => { port2.onmessage = (e) => resolve(e.data); });
port1.postMessage({ from: new Date(2026, 0, 30), days: 40 });
const { from, days } = await within(dated, 60000, "a dated message");
equal(format(addDays(from, days), "yyyy-MM-dd"), "2026-03-11", "date-fns on a posted Date");
equal(differenceInCalendarDays(addDays(from, days), from), 40, "date-fns difference");
port1.close(); port2.close(); rpc.port1.close(); rpc.port2.close();

// uuid: random (v4) and time-ordered (v7) ids.
const ids = Array.from({ length: 200 }, () => v4());
check(ids.every(validate) && new Set(ids).size === 200 && version(ids[0]) === 4, "uuid v4");
const ordered = Array.from({ length: 50 }, () => v7());
check(ordered.every((id) => version(id) === 7) && [...ordered].sort().join() === ordered.join(), "uuid v7 ids sort in time order");

console.log("ok @ungap/structured-clone, zod, json-rpc-2.0, p-queue, async-mutex, date-fns, uuid");
