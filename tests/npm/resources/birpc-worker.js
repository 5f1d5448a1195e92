import { createBirpc } from "birpc";

const rpc = createBirpc(
  {
    square: (x) => x * x,
    askPage: async () => "the worker heard: " + await rpc.pageName(),
  },
  {
    post: (d) => postMessage(d),
    on: (fn) => addEventListener("message", (e) => fn(e.data)),
  },
);
