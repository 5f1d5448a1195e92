// RPC-shaped messages of three libraries' forms, each posted with an empty
// transfer list as the library does, to a same-thread port and answered
// through another: comlink ({id, type, path, argumentList}), birpc
// ({t, i, m, a}) and penpal ({namespace, type, id, methodName, args}).
const N = 60_000;
const { port1, port2 } = new MessageChannel();
const shapes = [
  (i) => ({ id: "c" + i, type: "APPLY", path: ["api", "users", "find"], argumentList: [{ type: "RAW", value: { name: "ada", limit: 10 } }] }),
  (i) => ({ t: "q", i: "b" + i, m: "getUser", a: [i, { includeTeams: true }] }),
  (i) => ({ namespace: "penpal", channel: undefined, type: "CALL", id: "p" + i, methodName: "multiply", args: [i, 3] }),
];
let got = 0, t0;
port2.onmessage = (e) => port2.postMessage({ id: e.data.id ?? e.data.i, type: "RESPONSE", value: { ok: true, n: got } }, []);
port1.onmessage = () => {
  if (++got === N) {
    benchResult("rpc-shapes", N / (performance.now() - t0) * 1000, "msgs/s");
    port1.close(); port2.close();
  }
};
t0 = performance.now();
for (let i = 0; i < N; i++) port1.postMessage(shapes[i % 3](i), []);
