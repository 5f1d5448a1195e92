// penpal 7: a module worker (WorkerMessenger on both sides: penpal's
// handshake, then a MessageChannel it makes and transfers), and two ends
// of a MessageChannel (PortMessenger); calls both ways, nested method
// namespaces, errors, Reply and CallOptions with transferables, call
// timeouts, and destroy.
import { connect, WorkerMessenger, PortMessenger, Reply, CallOptions, ErrorCode } from "penpal";
import { check, equal, within } from "./check.js";

{
  const worker = new Worker(new URL("./resources/penpal-worker.js", import.meta.url), { type: "module" });
  const connection = connect({
    messenger: new WorkerMessenger({ worker }),
    methods: { pageTitle: () => "msgport page" },
    timeout: 60000,
  });
  const remote = await within(connection.promise, 60000, "the handshake");
  equal(await remote.multiply(6, 7), 42, "a call into the worker");
  equal(await remote.math.sub(10, 4), 6, "a nested method");
  equal(await remote.askTitle(), "worker saw: msgport page", "the worker calls the page");
  try {
    await remote.fail();
    check(false, "fail() should reject");
  } catch (e) {
    equal(e.message, "worker failure", "the worker's error message");
    equal(e.name, "TypeError", "the worker's error name");
  }
  const buf = new ArrayBuffer(4096);
  equal(await remote.byteLength(buf, new CallOptions({ transferables: [buf] })), 4096, "a transferred argument");
  equal(buf.byteLength, 0, "detached here");
  const got = await remote.makeBuffer(1000);
  equal(got.byteLength, 1000, "a buffer the worker transferred in its Reply");
  try {
    await remote.slow(new CallOptions({ timeout: 50 }));
    check(false, "slow() should time out");
  } catch (e) {
    equal(e.code, ErrorCode.MethodCallTimeout, "a call timeout's code");
  }
  connection.destroy();
  try {
    await remote.multiply(1, 1);
    check(false, "a call after destroy should reject");
  } catch (e) {
    equal(e.code, ErrorCode.ConnectionDestroyed, "after destroy");
  }
  worker.terminate();
}

{
  const { port1, port2 } = new MessageChannel();
  const a = connect({ messenger: new PortMessenger({ port: port1 }), methods: { ping: () => "pong from a" } });
  const b = connect({ messenger: new PortMessenger({ port: port2 }), methods: { ping: () => "pong from b" } });
  const [toB, toA] = await within(Promise.all([a.promise, b.promise]), 60000, "the port handshake");
  equal(await toB.ping(), "pong from b", "a calls b");
  equal(await toA.ping(), "pong from a", "b calls a");
  a.destroy();
  b.destroy();
}
console.log("ok penpal");
