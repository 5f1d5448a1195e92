// Issue 14 (scale): N BroadcastChannels of one name, none listening, each
// posting once: N * (N - 1) deliveries that nothing can observe.
//   msgport run bench/js/broadcast-many.js [N]   |   node bench/js/broadcast-many.js
const N = Number(globalThis.msgport?.args?.[0] ?? 10000);
const t0 = performance.now();
const chans = [];
for (let i = 0; i < N; i++) chans.push(new BroadcastChannel("many"));
for (const c of chans) c.postMessage(1);
setTimeout(() => { console.log(`${N} channels posting once: ${(performance.now() - t0).toFixed(0)} ms`); for (const c of chans) c.close(); }, 0);
