// URLSearchParams as the URL Standard defines it (#interface-urlsearchparams).

test(() => {
  const p = new URLSearchParams("a=1&b=2&c=3");
  const seen = [];
  for (const [k] of p) {
    seen.push(k);
    if (k === "a") p.delete("b");
  }
  assert_array_equals(seen, ["a", "c"], "a deleted entry is not visited");
  const q = new URLSearchParams("x=1");
  const keys = [];
  q.forEach((v, k) => { keys.push(k); if (keys.length < 3) q.append("y" + keys.length, v); });
  assert_array_equals(keys, ["x", "y1", "y2"], "forEach sees appended entries");
  const it = new URLSearchParams("a=1").keys();
  assert_equals(Object.prototype.toString.call(it), "[object URLSearchParams Iterator]");
}, "iteration walks the live list");

test(() => {
  const p = new URLSearchParams("a=b&a=c&a=d");
  p.delete("a", "c");
  assert_equals(p.toString(), "a=b&a=d");
  assert_true(p.has("a", "d"));
  assert_false(p.has("a", "c"));
  p.delete("a", undefined);
  assert_equals(p.toString(), "");
}, "delete and has with a value");

test(() => {
  assert_equals(new URLSearchParams("a=%FF&b=%E2%82%AC&c=%zz&d=+").toString(), "a=%EF%BF%BD&b=%E2%82%AC&c=%25zz&d=+");
  assert_equals(new URLSearchParams("a=%FF").get("a"), "\uFFFD", "invalid UTF-8 is U+FFFD, not a URIError");
}, "percent-decoding as application/x-www-form-urlencoded says");

test(() => {
  const p = new URLSearchParams({ "\uD835x": "1", "\uFFFDx": "3", y: "2" });
  assert_array_equals([...p].map((e) => e.join("=")), ["\uFFFDx=3", "y=2"]);
  function F() {}
  F.k = "v";
  assert_equals(new URLSearchParams(F).toString(), "k=v", "a function is a record too");
}, "a record's keys are USVStrings, each once");

test(() => {
  const u = new URL("http://host/?a=1&b=2");
  u.searchParams.delete("a", "1");
  assert_equals(u.href, "http://host/?b=2");
  u.searchParams.delete("b");
  assert_equals(u.href, "http://host/");
}, "changes reach the URL's query");

test(() => {
  const p = new URLSearchParams("a=1");
  for (const [m, n] of [["append", 2], ["delete", 1], ["get", 1], ["getAll", 1], ["has", 1], ["set", 2]]) {
    assert_throws_js(TypeError, () => p[m](), `${m}()`);
    assert_equals(URLSearchParams.prototype[m].length, n, `${m}.length`);
  }
  assert_throws_js(TypeError, () => URL.canParse());
  assert_throws_js(TypeError, () => URL.parse());
  const d = Object.getOwnPropertyDescriptor(URL.prototype, "href");
  assert_equals(d.get.name, "get href");
  assert_equals(d.set.name, "set href");
}, "operations need their arguments, and URL's accessors are named as WebIDL says");
