// fetch (Fetch #fetch-method) for what a local runtime can read: data:
// URLs, blob: URLs, and files relative to the script. No network.
promise_test(async () => {
  const r = await fetch("data:text/plain;charset=utf-8,hello%20there");
  assert_true(r instanceof Response);
  assert_equals(r.status, 200);
  assert_true(r.ok);
  assert_equals(r.type, "basic");
  assert_equals(r.headers.get("content-type"), "text/plain;charset=utf-8");
  assert_equals(await r.text(), "hello there");
  const b = await fetch("data:application/octet-stream;base64,AAEC");
  assert_array_equals(Array.from(new Uint8Array(await b.arrayBuffer())), [0, 1, 2]);
}, "fetch of a data: URL");

promise_test(async (t) => {
  const url = URL.createObjectURL(new Blob(["{\"a\": 1}"], { type: "application/json" }));
  const r = await fetch(url);
  assert_equals(r.url, url);
  assert_equals(r.headers.get("content-type"), "application/json");
  assert_equals((await r.json()).a, 1);
  URL.revokeObjectURL(url);
  await promise_rejects_js(t, TypeError, fetch(url), "a revoked blob: URL");
}, "fetch of a blob: URL");

promise_test(async (t) => {
  const r = await fetch("resources/imports.js");
  assert_true(r.url.endsWith("/resources/imports.js"), r.url);
  assert_true((await r.text()).includes("imported"));
  await promise_rejects_js(t, TypeError, fetch("resources/no-such-file.json"));
}, "fetch of a file relative to the script");

promise_test(async (t) => {
  await promise_rejects_js(t, TypeError, fetch("https://example.com/"), "no network");
  await promise_rejects_js(t, TypeError, fetch("data:text/plain,x", { method: "POST" }));
  await promise_rejects_js(t, TypeError, fetch("http://[bad"));
  const head = await fetch("data:text/plain,body", { method: "HEAD" });
  assert_equals(await head.text(), "", "HEAD has no body");
}, "what fetch cannot do is a TypeError, in a rejected promise");

promise_test(async (t) => {
  // Fetch #scheme-fetch: a blob: URL answers GET only.
  const url = URL.createObjectURL(new Blob(["x"]));
  t.add_cleanup(() => URL.revokeObjectURL(url));
  await promise_rejects_js(t, TypeError, fetch(url, { method: "HEAD" }));
  assert_equals(await (await fetch(url)).text(), "x");
}, "fetch of a blob: URL with HEAD is a network error");
