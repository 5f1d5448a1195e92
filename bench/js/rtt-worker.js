onmessage = (e) => {
  const port = e.data;
  port.onmessage = (m) => port.postMessage(m.data);
};
