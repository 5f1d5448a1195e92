// Keeps a list of everything received and answers each message.
const received = [];
onmessage = (e) => {
  if (e.data !== "init") return;
  const port = e.ports[0];
  port.onmessage = (m) => {
    received.push(m.data);
    const text = typeof m.data === "string" ? m.data : JSON.stringify(m.data);
    port.postMessage(`Message received by the worker (#${received.length}): ${text}`);
  };
};
