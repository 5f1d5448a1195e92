// rpc-anywhere and async-call-rpc over MessageChannels and a BroadcastChannel.
import { createRPC, createTransportFromMessagePort, createTransportFromBroadcastChannel } from "rpc-anywhere";
import { AsyncCall, AsyncGeneratorCall } from "async-call-rpc/full";
import { check, equal, within } from "./check.js";

const { port1, port2 } = new MessageChannel();
port1.start(); port2.start();
const server = createRPC({
  transport: createTransportFromMessagePort(port1),
  requestHandler: { add: ({ a, b }) => a + b, async fail() { throw new Error("nope"); } },
});
const client = createRPC({ transport: createTransportFromMessagePort(port2) });
equal(await within(client.request.add({ a: 2, b: 3 }), 60000, "rpc-anywhere request"), 5, "rpc-anywhere result");
const pings = [];
server.addMessageListener("ping", (p) => pings.push(p.n));
client.send.ping({ n: 7 });
await within(new Promise((r) => setTimeout(r, 20)), 60000, "wait");
equal(pings.join(), "7", "rpc-anywhere message");
let failed = null;
try { await within(client.request.fail(), 60000, "rpc-anywhere failure"); } catch (e) { failed = e; }
check(failed && failed.message === "nope", "rpc-anywhere error: " + failed);
const c1 = new BroadcastChannel("rpc"), c2 = new BroadcastChannel("rpc");
createRPC({ transport: createTransportFromBroadcastChannel(c1), requestHandler: { mul: ({ a, b }) => a * b } });
const y = createRPC({ transport: createTransportFromBroadcastChannel(c2) });
equal(await within(y.request.mul({ a: 6, b: 7 }), 60000, "over a BroadcastChannel"), 42, "BroadcastChannel RPC");
port1.close(); port2.close(); c1.close(); c2.close();

const chan = (p) => ({
  on(cb) { const h = (e) => cb(e.data); p.addEventListener("message", h); p.start(); return () => p.removeEventListener("message", h); },
  send(d) { p.postMessage(d); },
});
const a = new MessageChannel();
AsyncCall({ add: (x, y) => x + y, boom() { throw new TypeError("bad things"); } }, { channel: chan(a.port1), log: false });
const remote = AsyncCall({}, { channel: chan(a.port2), log: false });
equal(await within(remote.add(1, 2), 60000, "async-call"), 3, "async-call result");
let boom = null;
try { await within(remote.boom(), 60000, "async-call failure"); } catch (e) { boom = e; }
check(boom instanceof TypeError && boom.message === "bad things", "async-call error: " + boom);
const g = new MessageChannel();
AsyncGeneratorCall({ async *count(n) { for (let i = 0; i < n; i++) yield i; } }, { channel: chan(g.port1), log: false });
const gen = AsyncGeneratorCall({}, { channel: chan(g.port2), log: false });
const seen = [];
await within((async () => { for await (const x of gen.count(4)) seen.push(x); })(), 60000, "async generator");
equal(seen.join(), "0,1,2,3", "async-call generator");
a.port1.close(); a.port2.close(); g.port1.close(); g.port2.close();
console.log("ok rpc-anywhere, async-call-rpc");
