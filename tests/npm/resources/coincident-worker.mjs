// coincident's worker side: synchronous calls into the main thread.
import coincident from "coincident/worker";
const { proxy, native } = await coincident();
const sum = proxy.add(2, 3);
const text = proxy.greet("worker");
const bytes = proxy.bytes(1000).reduce((s, b) => s + b, 0);
let calls = 0;
for (let i = 0; i < 500; i++) if (proxy.add(i, 1) === i + 1) calls++;
proxy.twice = (x) => x * 2;
proxy.done({ native, sum, text, bytes, calls });
