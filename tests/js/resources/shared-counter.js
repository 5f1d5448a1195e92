// A shared worker that counts its connections and answers on each port.
let connections = 0;
onconnect = (e) => {
  connections++;
  const port = e.ports[0];
  const info = {
    type: e.type, data: e.data, ports: e.ports.length, sourceIsPort: e.source === port,
    trusted: e.isTrusted, name: self.name, scope: Object.prototype.toString.call(self),
  };
  port.onmessage = (m) => {
    if (m.data === "close") { close(); port.postMessage("closed"); return; }
    if (m.data === "throw") throw new Error("thrown in a shared worker");
    if (m.data instanceof MessagePort) { m.data.postMessage("via a transferred port"); return; }
    port.postMessage({ echo: m.data, connections, info });
  };
};
