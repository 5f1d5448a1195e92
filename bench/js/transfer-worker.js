onmessage = (e) => postMessage(e.data.byteLength);
