// One depth limit for postMessage and structuredClone (issue 14, item 6):
// 3000 nested containers (objects, arrays, Maps, Sets) clone and post;
// one more is a DataCloneError from both, never a stack overflow.
const LIMIT = 3000;

const builders = {
  object: (n) => { let v = {}; for (let i = 1; i < n; i++) v = { v }; return v; },
  array: (n) => { let v = []; for (let i = 1; i < n; i++) v = [v]; return v; },
  map: (n) => { let v = new Map(); for (let i = 1; i < n; i++) v = new Map([[i, v]]); return v; },
  mixed: (n) => { let v = {}; for (let i = 1; i < n; i++) v = i % 3 === 0 ? new Set([v]) : i % 3 === 1 ? [v] : { v }; return v; },
};

function depthOf(v) {
  let d = 0;
  while (v !== undefined) {
    d++;
    if (v instanceof Map) v = [...v.values()][0];
    else if (v instanceof Set) v = [...v][0];
    else if (Array.isArray(v)) v = v[0];
    else v = v.v;
  }
  return d;
}

for (const [name, build] of Object.entries(builders)) {
  test(() => {
    const v = build(LIMIT);
    assert_equals(depthOf(v), LIMIT);
    assert_equals(depthOf(structuredClone(v)), LIMIT);
  }, `${name}: ${LIMIT} levels clone`);

  test(() => {
    const v = build(LIMIT + 1);
    assert_throws_dom("DataCloneError", () => structuredClone(v));
    const ch = new MessageChannel();
    assert_throws_dom("DataCloneError", () => ch.port1.postMessage(v));
    ch.port1.close();
  }, `${name}: ${LIMIT + 1} levels are a DataCloneError for structuredClone and postMessage alike`);

  promise_test(async () => {
    const ch = new MessageChannel();
    const got = new Promise((resolve) => { ch.port2.onmessage = (e) => resolve(e.data); });
    ch.port1.postMessage(build(LIMIT));
    assert_equals(depthOf(await got), LIMIT);
    ch.port1.close();
  }, `${name}: ${LIMIT} levels are posted and received whole`);
}

test(() => {
  const v = builders.array(100000);
  const e = (() => { try { structuredClone(v); } catch (e) { return e; } })();
  assert_true(e instanceof DOMException, "a DOMException, not a RangeError");
  assert_equals(e.name, "DataCloneError");
  assert_true(/3000/.test(e.message), e.message);
}, "100000 levels: a clear DataCloneError that names the limit");
