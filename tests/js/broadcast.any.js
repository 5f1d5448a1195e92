// BroadcastChannel (HTML #broadcasting-to-other-browsing-contexts).
test(() => {
  assert_throws_js(TypeError, () => new BroadcastChannel(), "a name is required");
  assert_equals(new BroadcastChannel(null).name, "null");
  assert_equals(new BroadcastChannel(undefined).name, "undefined");
  assert_equals(new BroadcastChannel(42).name, "42");
  const c = new BroadcastChannel("shape");
  assert_true(c instanceof EventTarget);
  assert_equals(String(c), "[object BroadcastChannel]");
  assert_equals(c.onmessage, null);
  assert_equals(c.onmessageerror, null);
  assert_throws_js(TypeError, () => c.postMessage(), "a message is required");
  assert_throws_dom("DataCloneError", () => c.postMessage(() => {}));
  assert_throws_js(TypeError, () => BroadcastChannel.prototype.postMessage.call({}, 1), "brand check");
  c.close();
  c.close();
  assert_throws_dom("InvalidStateError", () => c.postMessage("late"));
}, "the interface: name, argument checks, DataCloneError, InvalidStateError after close");

async_test((t) => {
  const c1 = new BroadcastChannel("event"), c2 = new BroadcastChannel("event");
  const other = new BroadcastChannel("another name");
  c1.onmessage = t.unreached_func("not to the sender");
  other.onmessage = t.unreached_func("not to another name");
  c2.onmessage = t.step_func((e) => {
    assert_true(e instanceof MessageEvent);
    assert_equals(e.type, "message");
    assert_equals(e.target, c2);
    assert_equals(e.origin, location.origin);
    assert_equals(e.source, null);
    assert_equals(e.ports.length, 0);
    assert_true(e.isTrusted);
    assert_false(e.bubbles || e.cancelable);
    assert_not_equals(e.data, sent, "a clone");
    assert_equals(e.data.deep[0], 1);
    t.step_timeout(() => { c1.close(); c2.close(); other.close(); t.done(); }, 20);
  });
  const sent = { deep: [1] };
  c1.postMessage(sent);
}, "a message reaches every other channel of the name, as a trusted MessageEvent with the origin");

async_test((t) => {
  const c1 = new BroadcastChannel("order"), c2 = new BroadcastChannel("order"), c3 = new BroadcastChannel("order");
  const log = [];
  const record = (name) => (e) => { log.push(`${name}:${e.data}`); if (log.length === 4) done(); };
  c1.onmessage = record("c1");
  c2.onmessage = record("c2");
  c3.onmessage = record("c3");
  const done = t.step_func(() => {
    assert_array_equals(log, ["c2:from1", "c3:from1", "c1:from3", "c2:from3"]);
    for (const c of [c1, c2, c3]) c.close();
    t.done();
  });
  c1.postMessage("from1");
  c3.postMessage("from3");
}, "messages arrive in posting order, at the channels in creation order");

async_test((t) => {
  const c1 = new BroadcastChannel("closing"), c2 = new BroadcastChannel("closing"), c3 = new BroadcastChannel("closing");
  // A witness made after c3: by the time it has the last message, c3
  // has had its turn at every one (creation order, posting order).
  const witness = new BroadcastChannel("closing");
  c2.onmessage = t.unreached_func("c2 closed after the post, before delivery");
  const got = [];
  c3.onmessage = t.step_func((e) => {
    got.push(e.data);
    c3.close(); // what was queued for c3 is not delivered any more
  });
  witness.onmessage = t.step_func((e) => {
    if (e.data !== 2) return;
    assert_array_equals(got, [1]);
    c1.close();
    witness.close();
    t.done();
  });
  c1.postMessage(1);
  c1.postMessage(2);
  c2.close();
}, "a channel closed after a post, or inside onmessage, gets nothing more");

async_test((t) => {
  // HTML #dom-broadcastchannel-postmessage: the destinations are the
  // channels open when the post is made, and delivery is a later task, so
  // a listener added after the post (in the same task) still hears it; a
  // channel made after the post does not; one closed before delivery
  // does not.
  const name = "destinations " + Math.random();
  const a = new BroadcastChannel(name);
  const b = new BroadcastChannel(name);
  const closedBefore = new BroadcastChannel(name);
  const seen = [];
  closedBefore.onmessage = () => seen.push("closed");
  a.postMessage("x");
  b.onmessage = (e) => seen.push("b " + e.data);
  const late = new BroadcastChannel(name);
  late.onmessage = t.step_func((e) => {
    seen.push("late " + e.data);
    // The newest channel, last to get "end": everything else has been
    // delivered (posting order, then creation order).
    assert_array_equals(seen, ["b x", "b end", "late end"]);
    a.close(); b.close(); late.close();
    t.done();
  });
  closedBefore.close();
  a.postMessage("end");
}, "a broadcast reaches the channels open when it was posted, listeners added since included");

async_test((t) => {
  // Many channels that do not listen cost nothing to post to.
  const name = "quiet " + Math.random();
  const quiet = [];
  for (let i = 0; i < 2000; i++) quiet.push(new BroadcastChannel(name));
  const listener = new BroadcastChannel(name);
  let got = 0;
  listener.onmessage = t.step_func(() => {
    if (++got === quiet.length) {
      for (const c of quiet) c.close();
      listener.close();
      t.done();
    }
  });
  for (const c of quiet) c.postMessage(1);
}, "posts from 2,000 channels reach the one that listens, once each");
