// Helper for shared-memory.window.js: answers with what it sees in the
// memory it is sent, writes into it, and waits on it with Atomics.
onmessage = (e) => {
  const { op, view, index, value } = e.data;
  if (op === "increment") {
    const seen = view instanceof DataView ? view.getInt8(index) : view[index];
    if (view instanceof DataView) view.setInt8(index, Number(seen) + 1);
    else view[index] = typeof seen === "bigint" ? seen + 1n : seen + 1;
    postMessage({ seen, kind: Object.prototype.toString.call(view.buffer) });
  } else if (op === "wait") {
    // Blocks this thread until the window stores and notifies.
    postMessage({ waiting: true });
    const r = Atomics.wait(view, index, value, 10000);
    postMessage({ woke: r, now: Atomics.load(view, index) });
  } else if (op === "store-notify") {
    Atomics.store(view, index, value);
    postMessage({ notified: Atomics.notify(view, index) });
  } else if (op === "count") {
    // Many agents adding at once: atomics make the total exact.
    for (let i = 0; i < value; i++) Atomics.add(view, index, 1);
    postMessage({ counted: value });
  } else if (op === "nested") {
    // A dedicated worker of a dedicated worker is in the same agent cluster.
    const inner = new Worker("sab-worker.js");
    inner.onmessage = (m) => { postMessage(m.data); inner.terminate(); };
    inner.postMessage({ op: "increment", view, index });
  } else if (op === "broadcast") {
    const bc = new BroadcastChannel(value);
    bc.onmessage = (m) => { new Uint8Array(m.data)[index] = 9; bc.postMessage("written"); bc.close(); };
    bc.onmessageerror = () => { bc.postMessage("messageerror"); bc.close(); };
    postMessage({ listening: true });
  }
};
