// The few assertions the npm tests need (they run under `msgport run`,
// where a thrown error fails the run with exit status 1).
export function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
}
export function equal(got, want, what) {
  if (!Object.is(got, want)) throw new Error(`check failed: ${what}: got ${String(got)}, want ${String(want)}`);
}
// Rejects after `ms` if `p` has not settled: a hang fails the test. (`p`
// may be a library's own thenable: workerpool's `finally` never settles.)
export function within(p, ms, what) {
  let timer;
  return Promise.race([
    Promise.resolve(p).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("timed out: " + what)), ms); }),
  ]);
}
