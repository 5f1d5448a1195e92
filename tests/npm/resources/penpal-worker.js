import { connect, WorkerMessenger, Reply } from "penpal";

const connection = connect({
  messenger: new WorkerMessenger({ worker: self }),
  methods: {
    multiply: (a, b) => a * b,
    math: { sub: (a, b) => a - b },
    async askTitle() { return "worker saw: " + await (await connection.promise).pageTitle(); },
    fail() { throw new TypeError("worker failure"); },
    byteLength: (b) => b.byteLength,
    makeBuffer(n) { const b = new ArrayBuffer(n); return new Reply(b, { transferables: [b] }); },
    slow: () => new Promise((r) => setTimeout(r, 2000)),
  },
});
