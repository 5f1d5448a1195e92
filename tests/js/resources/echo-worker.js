// Echoes every message back, with its ports; a port it receives echoes too.
onmessage = (e) => {
  if (e.data === "throw") throw new Error("thrown on request");
  if (e.data === "close") { close(); return; }
  if (e.data === "name") { postMessage(self.name); return; }
  if (e.data instanceof ArrayBuffer) { postMessage(e.data, [e.data]); return; }
  for (const p of e.ports) p.onmessage = (m) => p.postMessage({ echo: m.data });
  postMessage({ echo: e.data, ports: e.ports.length }, e.ports.length ? [] : undefined);
};
