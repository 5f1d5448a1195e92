// A lone surrogate never makes a host API throw: where a USVString is
// asked for (WebIDL #es-USVString), it becomes U+FFFD.
const lone = "a\uD800b";
const fixed = "a\uFFFDb";
test(() => {
  const bc = new BroadcastChannel(lone);
  assert_equals(bc.name, lone, "a DOMString name is kept as it is");
  bc.close();
}, "new BroadcastChannel with a lone surrogate in its name");
test(() => {
  const u = new URL("http://example.com/" + lone);
  assert_equals(u.pathname, "/a%EF%BF%BDb");
  assert_equals(new URL("http://example.com/?q=" + lone).search, "?q=a%EF%BF%BDb");
}, "URL parses text with a lone surrogate as U+FFFD");
test(() => {
  const p = new URLSearchParams();
  p.append(lone, lone);
  assert_equals(p.toString(), "a%EF%BF%BDb=a%EF%BF%BDb");
  assert_equals(new URLSearchParams("x=" + lone).get("x"), fixed);
}, "URLSearchParams serializes a lone surrogate as U+FFFD");
test(() => {
  assert_array_equals(Array.from(new TextEncoder().encode(lone)), [0x61, 0xef, 0xbf, 0xbd, 0x62]);
  assert_throws_dom("InvalidCharacterError", () => btoa(lone));
}, "TextEncoder and btoa take a USVString");
