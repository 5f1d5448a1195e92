// Helper for shared-memory.window.js: a shared worker is an agent cluster
// of its own, so a SharedArrayBuffer cannot reach it, nor leave it.
onconnect = (e) => {
  const port = e.ports[0];
  port.onmessage = (m) => {
    if (m.data === "send one") {
      try { port.postMessage(new SharedArrayBuffer(4)); } catch (err) { port.postMessage("threw " + err.name); }
    } else port.postMessage("got " + typeof m.data);
  };
  port.onmessageerror = (m) => port.postMessage(`messageerror ${m.data} ${m.ports.length}`);
  if (self.name === "sab-bc") {
    const bc = new BroadcastChannel("sab-cluster");
    bc.onmessage = (m) => { if (typeof m.data !== "string") bc.postMessage("shared worker got it"); };
    bc.onmessageerror = () => bc.postMessage("shared worker: messageerror");
    port.postMessage("listening");
  }
};
