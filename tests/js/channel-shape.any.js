// HTML #message-channels and #message-ports: construction and shape of MessageChannel and MessagePort.
test(() => {
  const ch = new MessageChannel();
  assert_true(ch.port1 instanceof MessagePort, "port1 is a MessagePort");
  assert_true(ch.port2 instanceof MessagePort, "port2 is a MessagePort");
  assert_not_equals(ch.port1, ch.port2);
}, "1: new MessageChannel() gives two distinct MessagePorts");

test(() => {
  const ch = new MessageChannel();
  assert_equals(ch.port1, ch.port1);
  assert_equals(ch.port2, ch.port2);
}, "2: the port getters are stable");

test(() => {
  assert_throws_js(TypeError, () => new MessagePort());
  assert_throws_js(TypeError, () => MessagePort());
}, "3: new MessagePort() throws TypeError");

test(() => {
  assert_equals(typeof MessageChannel, "function");
  assert_equals(typeof MessagePort, "function");
  assert_equals(typeof MessageEvent, "function");
}, "4: MessageChannel, MessagePort and MessageEvent are exposed in " + (GLOBAL.isWorker() ? "a worker" : "the main context"));

test(() => {
  for (const name of ["postMessage", "start", "close"]) {
    assert_true(Object.prototype.hasOwnProperty.call(MessagePort.prototype, name), name);
    assert_equals(typeof MessagePort.prototype[name], "function", name);
  }
  for (const name of ["onmessage", "onmessageerror", "onclose"]) {
    const d = Object.getOwnPropertyDescriptor(MessagePort.prototype, name);
    assert_equals(typeof d.get, "function", name + " getter");
    assert_equals(typeof d.set, "function", name + " setter");
  }
  assert_equals(Object.getPrototypeOf(MessagePort.prototype), EventTarget.prototype);
  const ch = new MessageChannel();
  assert_false(Object.prototype.hasOwnProperty.call(ch.port1, "postMessage"), "methods live on the prototype");
}, "5: MessagePort.prototype has the IDL members and inherits from EventTarget");

test(() => {
  const ch = new MessageChannel();
  assert_throws_js(TypeError, () => ch.port1.postMessage());
}, "6: postMessage() with no arguments throws TypeError");

test(() => {
  // WebIDL #dfn-attribute-getter step 1: an event handler attribute's
  // getter and setter throw on anything that is not a platform object of
  // their interface (this global is not one either).
  const port = new MessageChannel().port1;
  const others = [{}, new EventTarget(), new AbortController().signal, undefined, 1, Object.create(MessagePort.prototype)];
  const channel = new BroadcastChannel("brand");
  const cases = [
    [MessagePort, ["onmessage", "onmessageerror", "onclose"], port],
    [BroadcastChannel, ["onmessage", "onmessageerror"], channel],
    [AbortSignal, ["onabort"], new AbortController().signal],
  ];
  for (const [C, names, good] of cases) {
    for (const name of names) {
      const d = Object.getOwnPropertyDescriptor(C.prototype, name);
      assert_equals(d.get.call(good), null, `${C.name}.${name} on its own kind`);
      const f = () => {};
      d.set.call(good, f);
      assert_equals(d.get.call(good), f, `${C.name}.${name} set on its own kind`);
      d.set.call(good, null);
      for (const o of others) {
        if (C === AbortSignal && o === others[2]) continue; // an AbortSignal: its own kind
        assert_throws_js(TypeError, () => d.get.call(o), `${C.name}.${name} getter on ${String(o)}`);
        assert_throws_js(TypeError, () => d.set.call(o, f), `${C.name}.${name} setter on ${String(o)}`);
      }
    }
  }
  channel.close();
  port.close();
}, "event handler attributes check the brand of this");

test(() => {
  const ch = new MessageChannel();
  assert_throws_js(TypeError, () => MessagePort.prototype.postMessage.call({}, 1));
  assert_throws_js(TypeError, () => MessagePort.prototype.start.call(ch));
  assert_throws_js(TypeError, () => Object.getOwnPropertyDescriptor(MessageChannel.prototype, "port1").get.call({}));
  for (const name of ["port1", "port2"]) {
    const get = Object.getOwnPropertyDescriptor(MessageChannel.prototype, name).get;
    for (const wrong of [Object.create(MessageChannel.prototype), ch.port1, null, undefined, 1, () => {}])
      assert_throws_js(TypeError, () => get.call(wrong), `${name} of ${String(wrong)}`);
    assert_equals(get.call(ch), ch[name], `${name} of the channel`);
  }
  assert_true(ch.port1 instanceof MessagePort);
  assert_equals(ch.port1, ch.port1, "the same port each time");
  assert_not_equals(ch.port1, ch.port2);
  const other = new MessageChannel();
  assert_not_equals(other.port1, ch.port1, "each channel has its own ports");
  class Sub extends MessageChannel {}
  const sub = new Sub();
  assert_true(sub.port1 instanceof MessagePort, "a subclass's channel has ports");
  ch.port1.close(); other.port1.close(); sub.port1.close();
}, "brand checks: members called on the wrong object throw TypeError");

test(() => {
  assert_equals(String(new MessageChannel().port1), "[object MessagePort]");
  assert_equals(String(new MessageChannel()), "[object MessageChannel]");
}, "class strings");

test(() => {
  // WebIDL #es-interfaces: members are enumerable on the prototype (static
  // ones on the interface object); interface objects are non-enumerable
  // globals; @@toStringTag is not enumerable.
  const enumerable = (o, k) => Object.getOwnPropertyDescriptor(o, k).enumerable;
  for (const [C, members] of [[MessagePort, ["postMessage", "start", "close", "onmessage", "onmessageerror"]],
    [MessageEvent, ["data", "origin", "lastEventId", "source", "ports", "initMessageEvent"]],
    [MessageChannel, ["port1", "port2"]], [Event, ["type", "target", "preventDefault", "stopPropagation"]],
    [EventTarget, ["addEventListener", "removeEventListener", "dispatchEvent"]], [Blob, ["size", "type", "slice", "text"]]]) {
    for (const m of members) assert_true(enumerable(C.prototype, m), `${C.name}.prototype.${m}`);
    assert_false(enumerable(C.prototype, Symbol.toStringTag), `${C.name} @@toStringTag`);
    assert_false(enumerable(C.prototype, "constructor"), `${C.name}.prototype.constructor`);
    assert_false(enumerable(self, C.name), `the global ${C.name}`);
  }
  assert_true(enumerable(AbortSignal, "abort"), "static operations");
  assert_true(enumerable(self, "structuredClone"), "an operation of the global");
}, "IDL members are enumerable, interface objects are not");
