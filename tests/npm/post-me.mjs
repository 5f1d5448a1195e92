// post-me: a parent handshake with a module worker (WorkerMessenger both
// sides), calls both ways, events the worker emits, callbacks, errors,
// transfer of arguments and of results, and a handshake over the two
// ends of a MessageChannel (PortMessenger).
import { ParentHandshake, ChildHandshake, WorkerMessenger, PortMessenger } from "post-me";
import { check, equal, within } from "./check.js";

{
  const worker = new Worker(new URL("./resources/post-me-worker.js", import.meta.url), { type: "module" });
  const connection = await within(
    ParentHandshake(new WorkerMessenger({ worker }), { pageName: () => "the page" }, 50, 100),
    60000,
    "the handshake",
  );
  const remote = connection.remoteHandle();
  equal(await remote.call("sum", 3, 4), 7, "a call into the worker");
  equal(await remote.call("askPage"), "worker heard the page", "the worker calls the page back");
  const progress = [];
  equal(await remote.call("count", 3, (n) => progress.push(n)), "counted", "a callback argument");
  equal(progress.join(), "1,2,3", "the callback was called in order");
  const events = [];
  const done = new Promise((resolve) => remote.addEventListener("tick", (n) => { events.push(n); if (n === 3) resolve(); }));
  await remote.call("tick", 3);
  await within(done, 60000, "three events");
  equal(events.join(), "1,2,3", "events the worker emits, in order");
  try {
    await remote.call("fail");
    check(false, "fail should reject");
  } catch (e) {
    // post-me sends an error as {name, message}.
    equal(e.message, "worker broke", "the worker's error message");
    equal(e.name, "Error", "the worker's error name");
  }
  const buf = new ArrayBuffer(256);
  equal(await remote.customCall("size", [buf], { transfer: [buf] }), 256, "a transferred argument");
  equal(buf.byteLength, 0, "detached here");
  const made = await remote.call("make", 128);
  equal(made.byteLength, 128, "a result the worker transferred");
  connection.close();
  worker.terminate();
}

{
  const { port1, port2 } = new MessageChannel();
  const [parent, child] = await within(
    Promise.all([
      ParentHandshake(new PortMessenger({ port: port1 }), {}, 20, 50),
      ChildHandshake(new PortMessenger({ port: port2 }), { double: (x) => 2 * x }),
    ]),
    60000,
    "the port handshake",
  );
  equal(await parent.remoteHandle().call("double", 21), 42, "a call over a MessageChannel");
  parent.close();
  child.close();
  port1.close();
}
console.log("ok post-me");
