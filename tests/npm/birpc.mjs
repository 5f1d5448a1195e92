// birpc both ways: over a MessageChannel in this context (each side calls
// the other, events without answers, errors, a call to a missing function,
// a timeout, $close), and with a module worker through the Worker and its
// global, plus a group of the worker and a second channel.
import { createBirpc, createBirpcGroup } from "birpc";
import { check, equal, within } from "./check.js";

function over(port) {
  return {
    post: (data) => port.postMessage(data),
    on: (fn) => { port.addEventListener("message", (e) => fn(e.data)); port.start?.(); },
  };
}

// A MessageChannel in one context.
{
  const { port1, port2 } = new MessageChannel();
  const events = [];
  const server = createBirpc(
    {
      hi: (name) => `hi ${name}`,
      async later(ms) { await new Promise((r) => setTimeout(r, ms)); return ms; },
      fail() { throw new RangeError("out of range"); },
      log(x) { events.push(x); },
      back: async () => await serverSide.fromServer(),
    },
    over(port1),
  );
  const serverSide = server;
  const client = createBirpc({ fromServer: () => "the client answered" }, { ...over(port2), timeout: 60_000 });
  equal(await within(client.hi("msgport"), 60000, "hi"), "hi msgport", "a call and its answer");
  equal(await client.later(10), 10, "an async function");
  equal(await client.back(), "the client answered", "the server calls the client during a call");
  try {
    await client.fail();
    check(false, "fail() should reject");
  } catch (e) {
    equal(e.message, "out of range", "the remote error's message");
  }
  try {
    await client.nope();
    check(false, "a missing function should reject");
  } catch (e) {
    check(/nope/.test(String(e.message)), "the error names the missing function: " + e.message);
  }
  await client.log.asEvent("e1");
  await client.$callEvent("log", "e2");
  equal(await client.hi("after events"), "hi after events", "events then a call, in order");
  equal(events.join(), "e1,e2", "events without answers arrived in order");
  {
    // A call whose answer never comes, on a client of its own with a
    // short timeout (a slow build must not time out the other calls).
    const { port1: a, port2: b } = new MessageChannel();
    createBirpc({ never: () => new Promise(() => {}) }, over(a));
    const quick = createBirpc({}, { ...over(b), timeout: 200 });
    try {
      await quick.never();
      check(false, "never() should time out");
    } catch (e) {
      check(/timeout/i.test(String(e.message)), "a timeout: " + e.message);
    }
    quick.$close();
    a.close();
  }
  const many = await Promise.all(Array.from({ length: 500 }, (_, i) => client.hi(i)));
  check(many.every((v, i) => v === `hi ${i}`), "500 calls in flight");
  client.$close();
  check(client.$closed, "$close closes the client");
  port1.close();
}

// A module worker, and a group of two channels.
{
  const worker = new Worker(new URL("./resources/birpc-worker.js", import.meta.url), { type: "module" });
  const page = createBirpc({ pageName: () => "the page" }, {
    post: (d) => worker.postMessage(d),
    on: (fn) => worker.addEventListener("message", (e) => fn(e.data)),
  });
  equal(await within(page.square(12), 60000, "the worker's first answer"), 144, "a call into the worker");
  equal(await page.askPage(), "the worker heard: the page", "the worker calls the page back");
  // A group broadcasting to a channel's far end and to a second channel's.
  const a = new MessageChannel(), b = new MessageChannel();
  createBirpc({ whoami: () => "first" }, over(a.port2));
  createBirpc({ whoami: () => "second" }, over(b.port2));
  const group = createBirpcGroup({}, [over(a.port1), over(b.port1)]);
  equal((await within(group.broadcast.whoami(), 60000, "the group")).join(), "first,second", "a group's call reaches every channel");
  equal(group.clients.length, 2, "the group's clients");
  for (const p of [a.port1, a.port2, b.port1, b.port2]) p.close();
  worker.terminate();
}
console.log("ok birpc");
