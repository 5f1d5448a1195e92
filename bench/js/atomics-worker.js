// The worker of atomics.js: answers each value the main thread stores.
onmessage = (e) => {
  const a = new Int32Array(e.data);
  postMessage("ready");
  let seen = 0;
  for (;;) {
    Atomics.wait(a, 0, seen);
    const v = Atomics.load(a, 0);
    if (v < 0) break;
    if (v === seen) continue;
    seen = v;
    Atomics.store(a, 1, v);
    Atomics.notify(a, 1);
  }
};
