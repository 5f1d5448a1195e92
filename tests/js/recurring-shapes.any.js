// Messages and clones of the same layout again and again: msgport keeps
// the engine's object layouts (shapes), property names and short strings
// of recurring messages alive between messages. None of that may be
// observable: each received object and each copy is a new object of its
// own, with its own properties in the sender's order (HTML
// #structuredserializeinternal, #structureddeserialize: "a new Object",
// properties defined in the order of the serialized entries).

function receiveAll(messages) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.onmessage = (e) => {
      got.push(e.data);
      if (got.length === messages.length) {
        port1.close();
        port2.close();
        resolve(got);
      }
    };
    for (const m of messages) port1.postMessage(m);
  });
}

promise_test(async () => {
  const sent = [];
  for (let i = 0; i < 50; i++) sent.push({ i, s: "hello", nested: { deep: "x" + (i % 3) } });
  const got = await receiveAll(sent);
  for (let i = 0; i < got.length; i++) {
    assert_not_equals(got[i], sent[i], "a new object");
    assert_array_equals(Object.keys(got[i]), ["i", "s", "nested"], `keys of ${i}`);
    assert_equals(got[i].i, i);
    assert_equals(got[i].s, "hello");
    assert_equals(got[i].nested.deep, "x" + (i % 3));
    assert_equals(Object.getPrototypeOf(got[i]), Object.prototype);
    if (i > 0) assert_not_equals(got[i].nested, got[i - 1].nested, "no sharing between messages");
  }
  // Changing one received object changes no other.
  delete got[10].s;
  got[11].extra = 1;
  Object.defineProperty(got[12], "i", { enumerable: false });
  Object.freeze(got[13]);
  got[14].s = "changed";
  assert_array_equals(Object.keys(got[10]), ["i", "nested"]);
  assert_array_equals(Object.keys(got[11]), ["i", "s", "nested", "extra"]);
  assert_array_equals(Object.keys(got[12]), ["s", "nested"]);
  assert_true(Object.isFrozen(got[13]));
  for (const k of [9, 15, 49]) {
    assert_array_equals(Object.keys(got[k]), ["i", "s", "nested"], `object ${k} untouched`);
    assert_false(Object.isFrozen(got[k]));
    assert_equals(got[k].s, "hello");
    const d = Object.getOwnPropertyDescriptor(got[k], "i");
    assert_true(d.writable && d.enumerable && d.configurable, `object ${k}'s i is a plain data property`);
  }
  // And a new message after those changes is as before.
  const [again] = await receiveAll([{ i: 7, s: "hello", nested: { deep: "y" } }]);
  assert_array_equals(Object.keys(again), ["i", "s", "nested"]);
  assert_false(Object.isFrozen(again));
}, "objects of one layout, received again and again, are each new and independent");

promise_test(async () => {
  // The same names in other orders, and layouts sharing a prefix.
  const sent = [];
  for (let i = 0; i < 20; i++) {
    sent.push({ a: i, b: 1 }, { b: i, a: 1 }, { a: i }, { a: i, b: 2, c: 3 }, { ["__proto__"]: 5, a: i });
  }
  const got = await receiveAll(sent);
  for (let j = 0; j < got.length; j += 5) {
    assert_array_equals(Object.keys(got[j]), ["a", "b"]);
    assert_array_equals(Object.keys(got[j + 1]), ["b", "a"]);
    assert_array_equals(Object.keys(got[j + 2]), ["a"]);
    assert_array_equals(Object.keys(got[j + 3]), ["a", "b", "c"]);
    // A computed "__proto__" key is an own data property, sent and received as one.
    assert_true(Object.hasOwn(got[j + 4], "__proto__"), "own __proto__");
    assert_equals(got[j + 4].__proto__, 5);
    assert_equals(Object.getPrototypeOf(got[j + 4]), Object.prototype);
  }
}, "names in other orders and shared prefixes keep each object's own order");

promise_test(async () => {
  // Many distinct names and strings: more than any cache holds.
  const sent = [];
  for (let i = 0; i < 600; i++) sent.push({ ["k" + i]: "v" + i, ["w" + (i % 7)]: "s" + (i % 300) });
  const got = await receiveAll(sent);
  for (let i = 0; i < got.length; i++) {
    assert_array_equals(Object.keys(got[i]), ["k" + i, "w" + (i % 7)]);
    assert_equals(got[i]["k" + i], "v" + i);
    assert_equals(got[i]["w" + (i % 7)], "s" + (i % 300));
  }
}, "many names and strings that share cache slots all arrive right");

test(() => {
  const item = () => ({ id: 1, name: "n", tags: ["x", "y"], deep: { w: 0.5, s: "leaf" } });
  const source = { items: [item(), item(), item()] };
  const copies = [];
  for (let i = 0; i < 5; i++) copies.push(structuredClone(source));
  for (const c of copies) {
    assert_not_equals(c, source);
    for (const it of c.items) {
      assert_array_equals(Object.keys(it), ["id", "name", "tags", "deep"]);
      assert_array_equals(Object.keys(it.deep), ["w", "s"]);
    }
  }
  delete copies[0].items[0].name;
  Object.freeze(copies[1].items[1].deep);
  copies[2].items[2].added = true;
  assert_array_equals(Object.keys(copies[0].items[0]), ["id", "tags", "deep"]);
  assert_array_equals(Object.keys(copies[0].items[1]), ["id", "name", "tags", "deep"]);
  assert_false(Object.isFrozen(copies[1].items[0].deep));
  assert_false(Object.isFrozen(copies[3].items[1].deep));
  assert_false("added" in copies[3].items[2]);
  assert_array_equals(Object.keys(source.items[0]), ["id", "name", "tags", "deep"]);
  assert_false(Object.isFrozen(source.items[1].deep));
}, "structuredClone of recurring layouts: every copy independent of the others and of the source");
