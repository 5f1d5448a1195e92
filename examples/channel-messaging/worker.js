// The worker: the first message carries the port it answers through.
onmessage = (e) => {
  const port = e.ports[0];
  console.log(`worker (${self.name}): got "${e.data}" and a port`);
  port.postMessage(`Message back from the worker, which received: "${e.data}"`);
};
