import { ChildHandshake, WorkerMessenger } from "post-me";

let connection;
const methods = {
  sum: (a, b) => a + b,
  askPage: async () => "worker heard " + await connection.remoteHandle().call("pageName"),
  async count(n, progress) { for (let i = 1; i <= n; i++) await progress(i); return "counted"; },
  tick(n) { for (let i = 1; i <= n; i++) connection.localHandle().emit("tick", i); },
  fail() { throw new Error("worker broke"); },
  size: (b) => b.byteLength,
  make: (n) => new ArrayBuffer(n),
};
connection = await ChildHandshake(new WorkerMessenger({ worker: self }), methods);
connection.localHandle().setReturnTransfer("make", (b) => [b]);
