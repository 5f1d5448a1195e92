// The window's navigator and location are platform objects
// (HTML #the-navigator-object, #the-location-interface).
test(() => {
  assert_true(navigator instanceof Navigator);
  assert_true(location instanceof Location);
  assert_equals(Object.prototype.toString.call(navigator), "[object Navigator]");
  assert_equals(String(location), location.href);
  assert_equals(location.protocol, new URL(location.href).protocol);
  assert_throws_js(TypeError, () => new Navigator());
  assert_equals(typeof WorkerNavigator, "undefined", "WorkerNavigator is the workers'");
  assert_throws_dom("DataCloneError", () => structuredClone(navigator));
  assert_throws_dom("DataCloneError", () => structuredClone(location));
  assert_throws_dom("DataCloneError", () => structuredClone(window));
}, "navigator and location are a Navigator and a Location, and not serializable");

test(() => {
  // [Replaceable]: assigning replaces the property.
  const desc = Object.getOwnPropertyDescriptor(globalThis, "self");
  assert_equals(typeof desc.get, "function");
  self = 5;
  assert_equals(globalThis.self, 5);
  Object.defineProperty(globalThis, "self", desc);
  assert_equals(self, window);
}, "the window's self is [Replaceable]");

test(() => {
  assert_equals(window.name, "", "empty at first");
  window.name = 42;
  assert_equals(window.name, "42", "a DOMString");
  assert_equals(name, "42");
  window.name = "";
}, "window.name is the browsing context's name, a string");
