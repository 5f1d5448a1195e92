// promise-worker's worker side, from the package's browser bundle.
importScripts("../node_modules/promise-worker/dist/promise-worker.register.js");
registerPromiseWorker(async (msg) => {
  if (msg.fail) throw new Error("failed " + msg.x);
  return { doubled: msg.x * 2, when: new Date(0) };
});
