// Members of the global scopes and of navigator that scripts (and
// WPT) read: NavigatorID's fixed values (HTML #navigatorid), the global
// scopes' event handler attributes, and a port that starts through itself.

test(() => {
  assert_equals(navigator.appCodeName, "Mozilla");
  assert_equals(navigator.appName, "Netscape");
  assert_true(navigator.appVersion.startsWith("5.0 ("), navigator.appVersion);
  assert_equals(typeof navigator.platform, "string");
  assert_not_equals(navigator.platform, "");
  assert_equals(navigator.product, "Gecko");
  assert_equals(typeof navigator.userAgent, "string");
  const windowOnly = ["productSub", "vendor", "vendorSub", "taintEnabled"];
  for (const k of windowOnly) {
    assert_equals(k in navigator, self.GLOBAL.isWindow(), `${k} only in a window`);
  }
  if (self.GLOBAL.isWindow()) {
    assert_equals(navigator.productSub, "20030107");
    assert_equals(navigator.vendor, "");
    assert_false(navigator.taintEnabled());
  }
}, "navigator has NavigatorID's values");

test(() => {
  for (const h of ["onerror", "onunhandledrejection", "onrejectionhandled", "onlanguagechange", "onoffline", "ononline"]) {
    assert_true(h in self, h);
    assert_equals(self[h], null, `${h} is null at first`);
    const f = () => {};
    self[h] = f;
    assert_equals(self[h], f, `${h} keeps a function`);
    self[h] = null;
  }
}, "the global scope has its event handler attributes");

async_test((t) => {
  const { port1, port2 } = new MessageChannel();
  port2.start = 1; // a program's own property must not be what onmessage calls
  port2.onmessage = t.step_func_done((e) => assert_equals(e.data, "started"));
  port1.postMessage("started");
}, "setting onmessage starts the port even when its start is shadowed");

test(() => {
  // WebIDL: an attribute's getter and setter on the interface prototype
  // object itself (not a platform object of the interface) throw.
  for (const [proto, name] of [[MessagePort.prototype, "onmessage"], [FileReader.prototype, "onload"],
    [BroadcastChannel.prototype, "onmessage"], [AbortSignal.prototype, "onabort"]]) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    assert_throws_js(TypeError, () => d.get.call(proto), `${name} getter on the prototype`);
    assert_throws_js(TypeError, () => d.set.call(proto, null), `${name} setter on the prototype`);
  }
  const { port1 } = new MessageChannel();
  assert_equals(port1.onmessage, null, "an instance is fine");
  port1.close();
}, "event handler attributes check their receiver");

test(() => {
  // WebIDL: attributes and operations are enumerable, File's name too.
  for (const [proto, name] of [[File.prototype, "name"], [File.prototype, "lastModified"], [Blob.prototype, "size"], [MessagePort.prototype, "postMessage"]]) {
    assert_true(Object.getOwnPropertyDescriptor(proto, name).enumerable, name);
  }
}, "interface members are enumerable");
