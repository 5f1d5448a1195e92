// HTML #the-messageevent-interface: the MessageEvent interface.
test(() => {
  const e = new MessageEvent("message");
  assert_equals(e.data, null);
  assert_equals(e.origin, "");
  assert_equals(e.lastEventId, "");
  assert_equals(e.source, null);
  assert_true(Array.isArray(e.ports));
  assert_equals(e.ports.length, 0);
  assert_true(Object.isFrozen(e.ports));
  assert_false(e.isTrusted);
  assert_throws_js(TypeError, () => new MessageEvent());
}, "90: defaults");

test(() => {
  const ch = new MessageChannel();
  const ports = [ch.port1];
  const e = new MessageEvent("m", { data: { x: 1 }, origin: "o", lastEventId: "7", source: ch.port2, ports, bubbles: true });
  assert_equals(e.data.x, 1);
  assert_equals(e.origin, "o");
  assert_equals(e.lastEventId, "7");
  assert_equals(e.source, ch.port2);
  assert_not_equals(e.ports, ports, "a copy");
  assert_equals(e.ports[0], ch.port1);
  assert_true(Object.isFrozen(e.ports));
  assert_true(e.bubbles);
}, "91: init values are reflected; ports is a frozen copy");

test(() => {
  assert_throws_js(TypeError, () => new MessageEvent("m", { ports: [{}] }));
  assert_throws_js(TypeError, () => new MessageEvent("m", { source: {} }));
  assert_throws_js(TypeError, () => new MessageEvent("m", { ports: 5 }));
}, "92: bad ports or source throw TypeError");

test(() => {
  const ch = new MessageChannel();
  const e = new MessageEvent("a");
  e.initMessageEvent("b", true, true, "d", "o", "id", ch.port1, [ch.port2]);
  assert_equals(e.type, "b");
  assert_true(e.bubbles);
  assert_true(e.cancelable);
  assert_equals(e.data, "d");
  assert_equals(e.origin, "o");
  assert_equals(e.lastEventId, "id");
  assert_equals(e.source, ch.port1);
  assert_equals(e.ports[0], ch.port2);
  const target = new EventTarget();
  target.addEventListener("b", () => {
    e.initMessageEvent("c", false, false, "changed");
    assert_equals(e.type, "b", "no-op during dispatch");
    assert_equals(e.data, "d");
  });
  target.dispatchEvent(e);
}, "93: initMessageEvent sets every field and is a no-op during dispatch");

test(() => {
  const ch = new MessageChannel();
  let got = null;
  ch.port2.addEventListener("message", (e) => { got = e; });
  const e = new MessageEvent("message", { data: "synthetic" });
  ch.port2.dispatchEvent(e);
  assert_equals(got, e, "dispatched synchronously, without start()");
  assert_false(got.isTrusted);
}, "94: a script-dispatched MessageEvent is an ordinary untrusted event");

test(() => {
  // Web IDL #js-dictionary: a dictionary's members are read once each,
  // the inherited dictionary's first, each in lexicographic order, and
  // each converted as it is read.
  const reads = [];
  const init = new Proxy({ data: 0, origin: { toString() { reads.push("origin→string"); return "o"; } } }, {
    get(t, k) { if (typeof k === "string") reads.push(k); return t[k]; },
  });
  const e = new MessageEvent("m", init);
  assert_array_equals(reads, ["bubbles", "cancelable", "composed", "data", "lastEventId", "origin", "origin→string", "ports", "source"]);
  assert_throws_js(TypeError, () => new MessageEvent("m", { origin: Symbol("s") }), "a Symbol is no DOMString");
  assert_equals(e.data, 0, "a falsy data is kept");
  assert_equals(e.origin, "o");
  const empty = new MessageEvent("m", { ports: undefined, data: undefined });
  assert_equals(empty.ports, empty.ports, "the same frozen array on every read");
  assert_equals(empty.data, null);
  assert_throws_js(TypeError, () => new Event("x", 5), "a non-object EventInit");
  assert_false(new Event("x", { bubbles: 0, cancelable: "", composed: null }).bubbles);
  assert_true(new Event("x", { cancelable: "yes" }).cancelable);
}, "94: MessageEventInit and EventInit are read once each, in order; defaults stand for what is absent");
