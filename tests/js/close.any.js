// HTML #message-ports, close() and #disentangle: close and disentangle.
async_test((t) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = t.unreached_func("closed");
  ch.port1.close();
  ch.port2.postMessage("nobody");
  t.step_timeout(() => t.done(), 50);
}, "41: after port1.close(), port2's messages go nowhere, without throwing");

async_test((t) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = t.unreached_func("closed");
  ch.port2.close();
  ch.port2.postMessage("nobody");
  t.step_timeout(() => t.done(), 50);
}, "42: a closed port's own postMessage goes nowhere, without throwing");

async_test((t) => {
  const ch = new MessageChannel();
  const got = [];
  ch.port2.onmessage = (e) => got.push(e.data);
  ch.port2.onclose = t.step_func_done(() => assert_array_equals(got, [1, 2]));
  ch.port1.postMessage(1);
  ch.port1.postMessage(2);
  ch.port1.close();
}, "43, 53: in-flight messages arrive before the close event; onclose gets it");

async_test((t) => {
  const ch = new MessageChannel();
  const got = [];
  ch.port2.onmessage = (e) => { got.push(e.data); if (e.data === 1) ch.port2.close(); };
  ch.port1.postMessage(1);
  ch.port1.postMessage(2);
  t.step_timeout(() => { assert_array_equals(got, [1, 2]); t.done(); }, 50);
}, "44: close() inside onmessage keeps what was already queued");

async_test((t) => {
  const ch = new MessageChannel();
  ch.port1.onclose = t.unreached_func("the closing side gets no close event");
  ch.port2.onclose = t.step_func((e) => {
    assert_equals(e.constructor, Event);
    assert_equals(e.type, "close");
    assert_false(e.bubbles);
    assert_false(e.cancelable);
    assert_true(e.isTrusted);
    t.step_timeout(() => t.done(), 30);
  });
  ch.port1.close();
  ch.port1.close();
}, "45–47: close fires at the peer only, once, as a plain trusted Event");

test(() => {
  const a = new MessageChannel(), b = new MessageChannel();
  b.port1.close();
  assert_throws_dom("DataCloneError", () => a.port1.postMessage(null, [b.port1]));
}, "48: a closed port cannot be transferred");

async_test((t) => {
  const a = new MessageChannel(), b = new MessageChannel();
  b.port2.close();
  a.port2.onmessage = t.step_func((e) => {
    const moved = e.ports[0];
    moved.postMessage("nowhere");
    t.step_timeout(() => t.done(), 30);
  });
  a.port1.postMessage(null, [b.port1]);
}, "49: a port whose peer closed can still be transferred");

test(() => {
  const ch = new MessageChannel();
  ch.port1.close();
  assert_throws_dom("DataCloneError", () => ch.port1.postMessage(() => {}));
  const buf = new ArrayBuffer(4);
  ch.port1.postMessage(buf, [buf]);
  assert_equals(buf.byteLength, 0);
}, "50–51: posting on a closed port still serializes and detaches");

// HTML #ports-and-garbage-collection, through TestUtils.gc()
// (https://testutils.spec.whatwg.org/).
promise_test(async () => {
  const { port1 } = new MessageChannel(); // port2 is unreachable at once
  const closed = new Promise((resolve) => { port1.onclose = resolve; });
  await TestUtils.gc();
  const ev = await closed;
  assert_equals(ev.type, "close");
  assert_true(ev.isTrusted);
}, "52: a port that is garbage collected fires close at its peer");

promise_test(async () => {
  const ch = new MessageChannel();
  const got = [];
  ch.port2.onmessage = (e) => got.push(e.data);
  const sender = ch.port1;
  let closed = false;
  sender.onclose = () => { closed = true; };
  // Only the message listener keeps port2 alive now.
  await TestUtils.gc();
  sender.postMessage("after gc");
  await new Promise((r) => setTimeout(r, 50));
  assert_array_equals(got, ["after gc"]);
  assert_false(closed, "not collected, so no close");
}, "52: a port with a message listener is not collected while entangled");

promise_test(async () => {
  const carrier = new MessageChannel();
  const ch = new MessageChannel();
  const closed = new Promise((resolve) => { ch.port1.onclose = resolve; });
  await new Promise((resolve) => {
    carrier.port2.onmessage = (e) => { assert_equals(e.ports.length, 1); resolve(); };
    carrier.port1.postMessage(null, [ch.port2]);
  });
  // The received port was dropped by the handler (and the event is gone).
  await TestUtils.gc();
  await closed;
}, "52: a received port that the receiver drops is collected, and its peer gets close");
