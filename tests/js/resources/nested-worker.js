// Starts a worker of its own and relays one round trip through it.
const inner = new Worker("echo-worker.js");
onmessage = (e) => {
  inner.onmessage = (m) => postMessage({ nested: m.data.echo });
  inner.postMessage(e.data);
};
