// MDN's "channel messaging basic" demo, for a main script and a worker
// instead of a page and an iframe: the worker receives port2 through
// postMessage and answers through it.
//
//   cargo run -p msgport-cli -- run examples/channel-messaging/main.js
const channel = new MessageChannel();
const worker = new Worker("worker.js", { name: "answering-worker" });

// Messages from the worker come back on port1.
channel.port1.onmessage = (e) => {
  console.log(`main: ${e.data}`);
};

// Hand port2 to the worker, together with the first message.
worker.postMessage("Hello from the main script!", [channel.port2]);
// The run ends by itself once nothing can happen any more.
