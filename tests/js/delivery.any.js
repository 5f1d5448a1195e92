// HTML #message-port-post-message-steps and #port-message-queue: delivery and enabling of the port message queue.
async_test((t) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = t.unreached_func("port1 must not get its own message");
  ch.port2.onmessage = t.step_func((e) => {
    assert_equals(e.data, "ping");
    t.step_timeout(() => t.done(), 10);
  });
  ch.port1.postMessage("ping");
}, "7: a message posted on port1 arrives at port2, never at port1");

async_test((t) => {
  const ch = new MessageChannel();
  const got = [];
  ch.port1.postMessage(1);
  ch.port1.postMessage(2);
  ch.port2.addEventListener("message", t.step_func((e) => {
    got.push(e.data);
    if (got.length === 3) { assert_array_equals(got, [1, 2, 3]); t.done(); }
  }));
  t.step_timeout(() => { ch.port2.start(); ch.port1.postMessage(3); }, 10);
}, "8: messages posted before start() arrive after it, in order");

async_test((t) => {
  const ch = new MessageChannel();
  ch.port2.addEventListener("message", t.unreached_func("the queue was never started"));
  ch.port1.postMessage("x");
  t.step_timeout(() => t.done(), 50);
}, "9: addEventListener alone does not start the queue");

async_test((t) => {
  const ch = new MessageChannel();
  ch.port2.onmessage = t.step_func_done((e) => assert_equals(e.data, "implicit"));
  ch.port1.postMessage("implicit");
}, "10: assigning onmessage starts the queue");

async_test((t) => {
  const ch = new MessageChannel();
  ch.port2.onmessageerror = () => {};
  ch.port2.addEventListener("message", t.unreached_func("onmessageerror must not start the queue"));
  ch.port1.postMessage("x");
  t.step_timeout(() => t.done(), 50);
}, "11: assigning onmessageerror does not start the queue");

async_test((t) => {
  const ch = new MessageChannel();
  let n = 0;
  ch.port2.addEventListener("message", () => n++);
  ch.port2.start();
  ch.port2.start();
  ch.port1.postMessage("once");
  t.step_timeout(() => { assert_equals(n, 1); t.done(); }, 50);
}, "12: start() twice delivers once");

async_test((t) => {
  const ch = new MessageChannel();
  let during = false, posting = true;
  ch.port2.onmessage = t.step_func_done(() => { assert_false(posting, "not during postMessage"); });
  ch.port1.postMessage("x");
  posting = false;
}, "13: delivery is asynchronous");

async_test((t) => {
  const ch = new MessageChannel();
  const N = 1000;
  let next = 0;
  ch.port2.onmessage = t.step_func((e) => {
    assert_equals(e.data, next++);
    if (next === N) t.done();
  });
  for (let i = 0; i < N; i++) ch.port1.postMessage(i);
}, "14: many messages arrive in FIFO order");

async_test((t) => {
  const a = new MessageChannel(), b = new MessageChannel();
  const got = [];
  const done = t.step_func(() => { if (got.length === 4) { assert_array_equals(got, ["a1", "b1", "a2", "b2"]); t.done(); } });
  a.port2.onmessage = (e) => { got.push(e.data); done(); };
  b.port2.onmessage = (e) => { got.push(e.data); done(); };
  a.port1.postMessage("a1");
  b.port1.postMessage("b1");
  a.port1.postMessage("a2");
  b.port1.postMessage("b2");
}, "15: two never-shipped channels deliver in global posting order");

async_test((t) => {
  const ch = new MessageChannel();
  ch.port2.onmessage = t.step_func_done((e) => {
    assert_true(e instanceof MessageEvent);
    assert_equals(e.type, "message");
    assert_false(e.bubbles);
    assert_false(e.cancelable);
    assert_true(e.isTrusted);
    assert_equals(e.origin, "", "origin");
    assert_equals(e.lastEventId, "", "lastEventId");
    assert_equals(e.source, null, "source");
    assert_equals(e.target, ch.port2, "target");
    assert_equals(e.currentTarget, ch.port2, "currentTarget");
    assert_true(Object.isFrozen(e.ports), "ports frozen");
    assert_equals(e.ports, e.ports, "same ports array");
    assert_equals(e.ports.length, 0, "no ports");
  });
  ch.port1.postMessage("x");
}, "16–20: the event's type, flags, origin, source, target and ports");

async_test((t) => {
  const ch = new MessageChannel();
  const sent = { list: [1, 2], inner: { v: "a" } };
  ch.port2.onmessage = t.step_func_done((e) => {
    assert_not_equals(e.data, sent);
    assert_array_equals(e.data.list, [1, 2], "the value the sender had when posting");
    assert_equals(e.data.inner.v, "a");
    e.data.inner.v = "changed";
    assert_equals(sent.inner.v, "b");
  });
  ch.port1.postMessage(sent);
  sent.list.push(3);
  sent.inner.v = "b";
}, "21: event.data is a deep clone");

promise_test(async () => {
  // HTML #event-loop-processing-model: one message per task and a
  // microtask checkpoint after each, however many messages are queued.
  const { port1, port2 } = new MessageChannel();
  const order = [];
  await new Promise((resolve) => {
    port2.onmessage = (e) => {
      order.push("m" + e.data);
      queueMicrotask(() => order.push("q" + e.data));
      Promise.resolve().then(() => order.push("p" + e.data));
      if (e.data === 99) setTimeout(resolve, 0);
    };
    for (let i = 0; i < 100; i++) port1.postMessage(i);
  });
  const expected = [];
  for (let i = 0; i < 100; i++) expected.push("m" + i, "q" + i, "p" + i);
  assert_array_equals(order, expected);
  port1.close();
}, "microtasks of each message's task run before the next message");
