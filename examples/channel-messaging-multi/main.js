// MDN's "channel messaging multimessage" demo, for a main script and a
// worker: several messages go through port1, the worker lists each one and
// answers each through the port it was given.
//
//   cargo run -p msgport-cli -- run examples/channel-messaging-multi/main.js
const channel = new MessageChannel();
const worker = new Worker("worker.js");
const messages = ["first message", "second message", { kind: "an object", n: 3 }];
let answers = 0;

channel.port1.onmessage = (e) => {
  console.log(`main: ${e.data}`);
  if (++answers === messages.length) {
    channel.port1.close();
    console.log("main: all answered");
  }
};

// Hand port2 over first (the iframe's "load" step of the original), then send.
worker.postMessage("init", [channel.port2]);
for (const m of messages) channel.port1.postMessage(m);
