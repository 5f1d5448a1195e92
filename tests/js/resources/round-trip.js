// A value through a new MessageChannel: resolves with the received data.
function roundTrip(value) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port2.onmessage = (e) => { port1.close(); port2.close(); resolve(e.data); };
    port1.postMessage(value);
  });
}
