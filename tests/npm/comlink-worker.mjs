// comlink with a module worker: the page wraps the Worker, the worker
// exposes an API on its global; a MessagePort made by comlink for a
// callback crosses to the worker; a second API is exposed on a port the
// page transfers to the worker.
import * as Comlink from "comlink";
import { check, equal, within } from "./check.js";

const worker = new Worker(new URL("./resources/comlink-worker.js", import.meta.url), { type: "module" });
const api = Comlink.wrap(worker);
equal(await within(api.add(2, 3), 60000, "the first call"), 5, "add(2, 3) in the worker");
const seen = [];
equal(await api.each([1, 2, 3], Comlink.proxy((x) => { seen.push(x); return x * 10; })), 60, "a callback called from the worker");
equal(seen.join(), "1,2,3", "the callback saw each item in order");
try {
  await api.fail("from the worker");
  check(false, "fail() should reject");
} catch (e) {
  equal(e.message, "from the worker", "the worker's error message");
}
const counter = await new api.Counter(7);
await counter.inc();
equal(await counter.value, 8, "an instance made in the worker through `new`");
// A port of a channel made here, transferred to the worker, which exposes
// another API on it.
const { port1, port2 } = new MessageChannel();
await api.serveOn(Comlink.transfer(port2, [port2]));
const second = Comlink.wrap(port1);
equal(await second.hello("port"), "hello port", "an API on a transferred port");
const bytes = new Uint8Array(1 << 20).map((_, i) => i & 255);
equal(await api.sum(Comlink.transfer(bytes, [bytes.buffer])), 133693440, "a transferred 1 MiB array, summed in the worker");
equal(bytes.length, 0, "detached here");
worker.terminate();
console.log("ok comlink with a module worker");
