const N = 20000;
function bench(name, mk, f) {
  const xs = []; for (let i = 0; i < N; i++) xs.push(mk());
  const t = performance.now();
  for (let i = 0; i < N; i++) f(xs[i]);
  console.log(name, ((performance.now() - t) * 1000 / N).toFixed(3), "us");
}
const f = () => {};
bench("ET add foo", () => new EventTarget(), (x) => x.addEventListener("foo", f));
bench("ET add message", () => new EventTarget(), (x) => x.addEventListener("message", f));
bench("port add foo", () => new MessageChannel().port1, (x) => x.addEventListener("foo", f));
bench("port add message", () => new MessageChannel().port1, (x) => x.addEventListener("message", f));
bench("port add messageerror", () => new MessageChannel().port1, (x) => x.addEventListener("messageerror", f));
bench("port onfoo... onmessageerror=", () => new MessageChannel().port1, (x) => { x.onmessageerror = f; });
bench("port start", () => new MessageChannel().port1, (x) => x.start());
bench("port close", () => new MessageChannel().port1, (x) => x.close());
