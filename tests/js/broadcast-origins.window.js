// HTML #broadcasting-to-other-browsing-contexts: a BroadcastChannel hears
// only channels of its own origin. A data: worker's origin is opaque and
// new (#concept-workerglobalscope-origin), so two data: workers do not
// hear each other, while each hears its own channels.
const source = (name) => "data:text/javascript," + encodeURIComponent(`
  const a1 = new BroadcastChannel("partition"), a2 = new BroadcastChannel("partition");
  const heard = [];
  a1.onmessage = (e) => {
    heard.push(e.data);
    if (e.data === "self ${name}") { postMessage(heard); a1.close(); a2.close(); }
  };
  onmessage = (e) => {
    if (e.data === "post") { a2.postMessage("from ${name}"); postMessage("sent"); }
    if (e.data === "go") a2.postMessage("self ${name}");
  };
`);

promise_test(async (t) => {
  const a = new Worker(source("A")), b = new Worker(source("B"));
  t.add_cleanup(() => { a.terminate(); b.terminate(); });
  const here = new BroadcastChannel("partition");
  t.add_cleanup(() => here.close());
  const heardHere = [];
  here.onmessage = (e) => heardHere.push(e.data);
  const next = (w) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); });
  // B broadcasts, and says so once the post is done; only then A posts to
  // itself, so anything of B's that reached A came before A's own message.
  const sent = next(b);
  b.postMessage("post");
  assert_equals(await sent, "sent");
  const heard = next(a);
  a.postMessage("go");
  assert_array_equals(await heard, ["self A"], "A hears its own channel only");
  assert_array_equals(heardHere, [], "this window hears neither");
}, "data: workers have opaque origins of their own: their BroadcastChannels hear no one else");
