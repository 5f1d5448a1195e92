// TextEncoder/TextDecoder, Blob/File, URL/URLSearchParams, PortCollection.
test(() => {
  const bytes = new TextEncoder().encode("h\u00e9\u20ac\u{1F600}");
  assert_array_equals(bytes, [0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  assert_array_equals(new TextEncoder().encode("\uD800"), [0xef, 0xbf, 0xbd], "lone surrogate → U+FFFD");
  assert_equals(new TextDecoder().decode(bytes), "h\u00e9\u20ac\u{1F600}");
  assert_equals(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "a", "BOM stripped");
  assert_equals(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf])), "\uFEFF");
  assert_equals(new TextDecoder().decode(new Uint8Array([0xff])), "\uFFFD");
  assert_throws_js(TypeError, () => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])));
  assert_throws_js(RangeError, () => new TextDecoder("klingon"));
  const dest = new Uint8Array(3);
  const r = new TextEncoder().encodeInto("a\u20ac", dest);
  assert_equals(r.written, 1, "a whole code point or nothing");
  assert_equals(r.read, 1);
}, "TextEncoder and TextDecoder (UTF-8)");

promise_test(async () => {
  const b = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
  assert_equals(b.size, 4);
  assert_equals(b.type, "text/plain");
  assert_equals(await b.text(), "abcd");
  assert_array_equals(new Uint8Array(await b.arrayBuffer()), [97, 98, 99, 100]);
  const s = b.slice(1, -1, "x/y");
  assert_equals(await s.text(), "bc");
  assert_equals(s.type, "x/y");
  assert_equals(new Blob().size, 0);
  const f = new File(["z"], "z.txt", { lastModified: 7 });
  assert_true(f instanceof Blob);
  assert_equals(f.name, "z.txt");
  assert_equals(f.lastModified, 7);
}, "Blob and File");

test(() => {
  const u = new URL("../b/c?x=1&y=2#frag", "https://user:pw@Example.COM:8080/a/d");
  assert_equals(u.href, "https://user:pw@example.com:8080/b/c?x=1&y=2#frag");
  assert_equals(u.origin, "https://example.com:8080");
  assert_equals(u.host, "example.com:8080");
  assert_equals(u.pathname, "/b/c");
  assert_equals(u.search, "?x=1&y=2");
  assert_equals(u.searchParams.get("y"), "2");
  u.searchParams.append("z", "a b");
  assert_equals(u.search, "?x=1&y=2&z=a+b");
  u.hash = "other";
  assert_equals(u.hash, "#other");
  assert_throws_js(TypeError, () => new URL("not a url"));
  assert_true(URL.canParse("file:///x"));
  assert_false(URL.canParse("x"));
  assert_equals(String(new URLSearchParams({ a: "1", b: "&" })), "a=1&b=%26");
}, "URL and URLSearchParams");

test(() => {
  const url = URL.createObjectURL(new Blob(["x"]));
  // "blob:", this context's origin, "/", a UUID (File API #unicodeBlobURL).
  assert_true(url.startsWith(`blob:${location.origin}/`), url);
  assert_true(/\/[0-9a-f-]{36}$/.test(url), url);
  URL.revokeObjectURL(url);
  assert_throws_js(TypeError, () => URL.createObjectURL({}));
}, "URL.createObjectURL");

async_test((t) => {
  const pc = new PortCollection();
  const a = new MessageChannel(), b = new MessageChannel();
  pc.add(a.port1);
  pc.add(b.port1);
  assert_equals(pc.size, 2);
  const seen = [];
  pc.iterate((p) => seen.push(p));
  assert_array_equals(seen, [a.port1, b.port1]);
  let got = 0;
  const check = t.step_func((e) => { assert_equals(e.data.hello, "all"); if (++got === 2) { pc.remove(a.port1); assert_equals(pc.size, 1); pc.iterate((p) => assert_equals(p, b.port1)); pc.clear(); assert_equals(pc.size, 0); t.done(); } });
  a.port2.onmessage = check;
  b.port2.onmessage = check;
  assert_equals(pc.broadcast({ hello: "all" }), 2);
  assert_throws_js(TypeError, () => pc.add({}));
}, "PortCollection: add, iterate, broadcast, remove, clear");

test(() => {
  assert_equals(btoa("hello"), "aGVsbG8=");
  assert_equals(atob("aGVsbG8="), "hello");
  assert_equals(atob(" aGVs bG8 "), "hello", "whitespace is ignored");
  assert_throws_dom("InvalidCharacterError", () => btoa("\u0100"));
  assert_throws_dom("InvalidCharacterError", () => btoa("\uD800"), "a lone surrogate");
  assert_throws_dom("InvalidCharacterError", () => atob("a"));
}, "atob and btoa");

test(() => {
  assert_true(location.href.endsWith("web.any.js"), location.href);
  // (`msgport test` serves its tree from http://web-platform.test:8000, as
  // wptrunner does; `msgport run` gives file: URLs.)
  assert_true(["file:", "http:"].includes(location.protocol), location.protocol);
  assert_equals(location.origin, new URL(location.href).origin);
  assert_equals(String(location), location.href);
}, "location is the script's URL");


async_test((t) => {
  // The WPT webmessaging Blob test reads the received Blob with a FileReader.
  const ch = new MessageChannel();
  ch.port2.onmessage = t.step_func((e) => {
    const blob = e.data.blob;
    assert_true(blob instanceof Blob);
    assert_equals(blob.size, 7);
    const reader = new FileReader();
    assert_equals(reader.readyState, FileReader.EMPTY);
    const seen = [];
    for (const type of ["loadstart", "progress", "load", "loadend"])
      reader.addEventListener(type, t.step_func((ev) => {
        assert_true(ev instanceof ProgressEvent);
        seen.push(type);
      }));
    reader.onerror = t.unreached_func("error");
    reader.onloadend = t.step_func(() => {
      assert_array_equals(seen, ["loadstart", "progress", "load", "loadend"]);
      assert_equals(reader.readyState, FileReader.DONE);
      assert_equals(reader.result, "foo\u00e9ar");
      const r2 = new FileReader();
      r2.onload = t.step_func(() => {
        assert_equals(r2.result, "data:text/plain;base64," + btoa("foo\u00c3\u00a9ar"));
        const r3 = new FileReader();
        r3.onload = t.step_func_done(() => {
          assert_array_equals(new Uint8Array(r3.result), new TextEncoder().encode("foo\u00e9ar"));
        });
        r3.readAsArrayBuffer(blob);
      });
      r2.readAsDataURL(blob);
    });
    reader.readAsText(blob);
    assert_equals(reader.readyState, FileReader.LOADING);
    assert_throws_dom("InvalidStateError", () => reader.readAsText(blob), "one read at a time");
    assert_equals(reader.result, null, "the result comes in a later task");
  });
  ch.port1.postMessage({ blob: new Blob(["foo", "\u00e9ar"], { type: "text/plain" }) });
}, "FileReader reads a Blob received through a port: events in order, text, data URL, bytes");

async_test((t) => {
  const reader = new FileReader();
  reader.onload = t.unreached_func("aborted reads do not load");
  reader.onabort = t.step_func((e) => {
    assert_equals(e.type, "abort");
    assert_equals(reader.readyState, FileReader.DONE);
    assert_equals(reader.result, null);
    t.step_timeout(() => t.done(), 20);
  });
  reader.readAsBinaryString(new Blob(["x"]));
  reader.abort();
}, "FileReader.abort() cancels a pending read");

test(() => {
  const a = crypto.getRandomValues(new Uint8Array(64));
  const b = crypto.getRandomValues(new Uint8Array(64));
  assert_not_equals(a.join(), b.join(), "two draws differ");
  const view = new Uint16Array(new ArrayBuffer(16), 4, 2);
  assert_equals(crypto.getRandomValues(view), view, "returns its argument, filled in place");
  assert_equals(new Uint8Array(view.buffer, 0, 4).join(), "0,0,0,0", "bytes outside the view are untouched");
  crypto.getRandomValues(new BigUint64Array(2));
  assert_throws_dom("TypeMismatchError", () => crypto.getRandomValues(new Float32Array(1)));
  assert_throws_dom("TypeMismatchError", () => crypto.getRandomValues(new DataView(new ArrayBuffer(1))));
  let quota;
  try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { quota = e; }
  assert_true(quota instanceof DOMException && quota.name === "QuotaExceededError", "more than 64 KiB: QuotaExceededError");
  crypto.getRandomValues(new Uint8Array(65536));
  const ids = new Set(Array.from({ length: 50 }, () => crypto.randomUUID()));
  assert_equals(ids.size, 50);
  for (const id of ids) assert_regexp_match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert_throws_js(TypeError, () => new Crypto());
}, "crypto.getRandomValues and crypto.randomUUID");

test(() => {
  assert_true(Number.isInteger(navigator.hardwareConcurrency) && navigator.hardwareConcurrency >= 1);
  assert_equals(typeof navigator.userAgent, "string");
  assert_equals(navigator.language, "en-US");
}, "navigator tells the number of hardware threads, for sizing worker pools");

test(() => {
  const target = new EventTarget();
  let seen;
  target.addEventListener("ping", (e) => { seen = e; });
  const detail = { n: 1 };
  const e = new CustomEvent("ping", { detail, bubbles: true });
  target.dispatchEvent(e);
  assert_equals(seen, e);
  assert_true(seen instanceof Event);
  assert_equals(seen.detail, detail, "the same object, not a copy");
  assert_true(seen.bubbles);
  assert_equals(new CustomEvent("x").detail, null);
  const late = new CustomEvent("x");
  late.initCustomEvent("y", false, true, 5);
  assert_equals(late.type, "y");
  assert_equals(late.detail, 5);
  assert_throws_js(TypeError, () => new CustomEvent());
  assert_throws_dom("DataCloneError", () => structuredClone(new CustomEvent("x")), "a platform object");
}, "CustomEvent carries its detail");

test(() => {
  const h = new Headers({ "Content-Type": " text/plain ", "X-B": "1" });
  h.append("x-b", "2");
  assert_equals(h.get("content-type"), "text/plain", "names case-insensitive, values trimmed");
  assert_equals(h.get("X-B"), "1, 2", "repeated values combined");
  assert_true(h.has("x-b"));
  assert_equals(h.get("missing"), null);
  h.set("x-b", "3");
  assert_equals(h.get("x-b"), "3");
  h.append("set-cookie", "a=1");
  h.append("set-cookie", "b=2");
  assert_array_equals(h.getSetCookie(), ["a=1", "b=2"]);
  assert_array_equals([...h].map(([n]) => n), ["content-type", "set-cookie", "set-cookie", "x-b"], "sorted, set-cookie not combined");
  h.delete("X-B");
  assert_false(h.has("x-b"));
  assert_array_equals([...new Headers([["a", "1"], ["b", "2"]]).keys()], ["a", "b"]);
  assert_throws_js(TypeError, () => new Headers({ "bad name": "x" }));
  assert_throws_js(TypeError, () => h.set("x", "a\nb"));
  assert_throws_js(TypeError, () => new Headers([["only-one"]]));
}, "Headers: case-insensitive names, combined values, sorted iteration, validation");

promise_test(async (t) => {
  const r = new Response(new Blob(["hé"], { type: "text/x-a" }), { status: 201, statusText: "Made", headers: { "X-A": "1" } });
  assert_equals(r.status, 201);
  assert_true(r.ok);
  assert_equals(r.statusText, "Made");
  assert_equals(r.type, "default");
  assert_equals(r.headers.get("content-type"), "text/x-a", "the Blob's type");
  assert_equals(r.headers.get("x-a"), "1");
  const copy = r.clone();
  assert_false(r.bodyUsed);
  assert_equals(await r.text(), "hé");
  assert_true(r.bodyUsed);
  await promise_rejects_js(t, TypeError, r.text(), "a body is read once");
  assert_throws_js(TypeError, () => r.clone(), "no clone after reading");
  assert_array_equals(new Uint8Array(await copy.arrayBuffer()), [0x68, 0xc3, 0xa9], "the clone has its own body");

  assert_equals(new Response("s").headers.get("content-type"), "text/plain;charset=UTF-8");
  assert_equals(await new Response(new Uint8Array([104, 105])).text(), "hi");
  assert_equals(await new Response(new URLSearchParams("a=1&b= 2")).text(), "a=1&b=+2");
  const empty = new Response();
  assert_equals(await empty.text(), "");
  assert_false(empty.bodyUsed, "a null body is never used up");
  assert_equals(empty.status, 200);

  const j = Response.json({ a: [1] }, { status: 202 });
  assert_equals(j.headers.get("content-type"), "application/json");
  assert_object_equals(await j.json(), { a: [1] });
  const b = await new Response("xyz", { headers: { "content-type": "Text/Plain" } }).blob();
  assert_equals(b.type, "text/plain");
  assert_equals(b.size, 3);
  assert_equals(Response.error().type, "error");
  assert_equals(Response.error().status, 0);
  assert_equals(Response.redirect("https://example.com/x", 301).headers.get("location"), "https://example.com/x");

  assert_throws_js(RangeError, () => new Response("", { status: 600 }));
  assert_throws_js(RangeError, () => Response.redirect("https://example.com/", 200));
  assert_throws_js(TypeError, () => new Response("body", { status: 204 }), "a null-body status with a body");
  assert_throws_dom("DataCloneError", () => structuredClone(new Response()), "a platform object");
  assert_throws_dom("DataCloneError", () => structuredClone(new Headers()), "a platform object");
}, "Response: bodies from strings, Blobs, bytes and params, read once; json, error, redirect; status checks");

promise_test(async () => {
  assert_equals(await new Blob(["a\r\nb\rc\n"], { endings: "native" }).text(), "a\nb\nc\n", "native: this host's \\n");
  assert_equals(await new Blob(["a\r\nb"]).text(), "a\r\nb", "transparent by default");
  assert_equals(await new Blob([new TextEncoder().encode("x\r\n")], { endings: "native" }).text(), "x\r\n", "bytes are left alone");
  assert_throws_js(TypeError, () => new Blob([], { endings: "bogus" }));
  // WebIDL: the parts are converted before the options are read.
  const order = [];
  new Blob([{ toString() { order.push("part"); return "p"; } }], {
    get endings() { order.push("endings"); return undefined; },
    get type() { order.push("type"); return ""; },
  });
  assert_array_equals(order, ["part", "endings", "type"]);
}, "Blob: the endings option, and the order the arguments are converted in");

test(() => {
  // WebIDL dictionaries: each member read once, base dictionary first,
  // members in lexicographic order.
  const reads = [];
  const spy = () => new Proxy({}, {
    get(_, k) { if (typeof k === "string") reads.push(k); return undefined; },
  });
  new MessageEvent("m", spy());
  assert_array_equals(reads, ["bubbles", "cancelable", "composed", "data", "lastEventId", "origin", "ports", "source"], "MessageEventInit");
  reads.length = 0;
  new ErrorEvent("e", spy());
  assert_array_equals(reads, ["bubbles", "cancelable", "composed", "colno", "error", "filename", "lineno", "message"], "ErrorEventInit");
  reads.length = 0;
  new Response(null, spy());
  assert_array_equals(reads, ["headers", "status", "statusText"], "ResponseInit");
  reads.length = 0;
  new File([], "f", spy());
  assert_array_equals(reads, ["endings", "type", "lastModified"], "FilePropertyBag");
  reads.length = 0;
  new TextDecoder("utf-8", spy());
  assert_array_equals(reads, ["fatal", "ignoreBOM"], "TextDecoderOptions");
}, "dictionary members are read once each, in WebIDL's order");

test(() => {
  // Encoding #dom-textdecoder-decode with {stream: true}.
  const d = new TextDecoder();
  const bytes = new TextEncoder().encode("héllo € 😀");
  let s = "";
  for (const b of bytes) s += d.decode(new Uint8Array([b]), { stream: true });
  s += d.decode();
  assert_equals(s, "héllo € 😀", "byte by byte");
  const bom = d.decode(new Uint8Array([0xEF]), { stream: true }) + d.decode(new Uint8Array([0xBB]), { stream: true })
    + d.decode(new Uint8Array([0xBF, 0x41]), { stream: true }) + d.decode();
  assert_equals(bom, "A", "a BOM split over chunks is still the BOM");
  assert_equals(d.decode(new Uint8Array([0x41]), { stream: true }) + d.decode(new Uint8Array([0xEF, 0xBB, 0xBF]), { stream: true }) + d.decode(),
    "A\uFEFF", "a BOM later in the stream is text");
  assert_equals(d.decode(new Uint8Array([0xE2, 0x82]), { stream: true }) + d.decode(), "\uFFFD", "an incomplete end is one replacement at flush");
  const f = new TextDecoder("utf-8", { fatal: true });
  assert_equals(f.decode(new Uint8Array([0xE2]), { stream: true }), "");
  assert_throws_js(TypeError, () => f.decode(), "fatal: an incomplete end is an error");
  assert_equals(f.decode(new Uint8Array([0x42])), "B", "and the decoder starts over");
}, "TextDecoder streams: sequences and the BOM split across chunks");

test(() => {
  const order = [];
  const f = new File([{ toString() { order.push("part"); return "p"; } }], { toString() { order.push("name"); return "n"; } }, {
    get endings() { order.push("endings"); return undefined; },
    get lastModified() { order.push("lastModified"); return 42.9; },
    get type() { order.push("type"); return "text/x"; },
  });
  assert_array_equals(order, ["part", "name", "endings", "type", "lastModified"], "WebIDL's argument and member order");
  assert_equals(f.name, "n");
  assert_equals(f.lastModified, 42, "long long: truncated");
  assert_equals(new File([], "x", { lastModified: NaN }).lastModified, 0);
  assert_equals(new File([], "x").lastModified > 0, true, "now when absent");
}, "File converts its parts, then its name, then its options");

test(() => {
  performance.clearMarks();
  performance.clearMeasures();
  const a = performance.mark("a");
  const b = performance.mark("b", { detail: { n: 1 }, startTime: a.startTime + 5 });
  assert_true(a instanceof PerformanceMark && a instanceof PerformanceEntry);
  assert_equals(a.entryType, "mark");
  assert_equals(a.duration, 0);
  assert_equals(b.detail.n, 1);
  assert_equals(b.startTime - a.startTime, 5);
  const m = performance.measure("a to b", "a", "b");
  assert_true(m instanceof PerformanceMeasure);
  assert_equals(m.duration, 5);
  assert_equals(m.startTime, a.startTime);
  const o = performance.measure("options", { start: "a", duration: 2, detail: "d" });
  assert_equals(o.duration, 2);
  assert_equals(o.detail, "d");
  assert_array_equals(performance.getEntriesByType("mark").map((e) => e.name), ["a", "b"]);
  assert_array_equals(performance.getEntriesByName("a to b").map((e) => e.entryType), ["measure"]);
  assert_throws_dom("SyntaxError", () => performance.measure("x", "no such mark"));
  assert_throws_js(TypeError, () => new PerformanceMeasure());
  assert_throws_js(TypeError, () => new PerformanceMark("x", { startTime: -1 }));
  assert_throws_dom("DataCloneError", () => structuredClone(a), "a platform object");
  performance.clearMarks("a");
  assert_array_equals(performance.getEntriesByType("mark").map((e) => e.name), ["b"]);
  performance.clearMarks();
  performance.clearMeasures();
  assert_equals(performance.getEntries().length, 0);
  assert_equals(typeof performance.toJSON().timeOrigin, "number");
}, "performance.mark and measure (User Timing)");

promise_test(async (t) => {
  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
  const abc = new TextEncoder().encode("abc");
  // FIPS 180 test vectors.
  assert_equals(hex(await crypto.subtle.digest("SHA-256", abc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_equals(hex(await crypto.subtle.digest({ name: "sha-1" }, abc.buffer)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert_equals(hex(await crypto.subtle.digest("SHA-384", new Uint8Array(0))),
    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
  assert_equals(hex(await crypto.subtle.digest("SHA-512", new DataView(abc.buffer))).slice(0, 16), "ddaf35a193617aba");
  await promise_rejects_dom(t, "NotSupportedError", crypto.subtle.digest("MD5", abc));
  await promise_rejects_js(t, TypeError, crypto.subtle.digest("SHA-256", "abc"));
  assert_true(crypto.subtle instanceof SubtleCrypto);
  assert_equals(crypto.subtle, crypto.subtle);
  assert_throws_js(TypeError, () => new SubtleCrypto());
}, "crypto.subtle.digest: SHA-1 and SHA-2");

promise_test(async () => {
  // File API #readOperation: each event from a task of its own, so that
  // a script can react between them; no progress for an empty Blob.
  const events = (blob, onStart) => new Promise((resolve) => {
    const r = new FileReader();
    const seen = [];
    for (const type of ["loadstart", "progress", "load", "abort", "loadend"]) {
      r.addEventListener(type, () => {
        seen.push(type);
        if (type === "loadstart" && onStart) Promise.resolve().then(() => onStart(r));
        if (type === "loadend") resolve({ seen, result: r.result });
      });
    }
    r.readAsText(blob);
  });
  assert_array_equals((await events(new Blob([]))).seen, ["loadstart", "load", "loadend"]);
  assert_array_equals((await events(new Blob(["a"]))).seen, ["loadstart", "progress", "load", "loadend"]);
  const aborted = await events(new Blob(["a"]), (r) => r.abort());
  assert_array_equals(aborted.seen, ["loadstart", "abort", "loadend"], "abort() from a reaction to loadstart");
  assert_equals(aborted.result, null);
}, "FileReader fires its events from separate tasks");

promise_test(async () => {
  const read = (blob, label) => new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    if (label === undefined) r.readAsText(blob); else r.readAsText(blob, label);
  });
  const utf16be = new Uint8Array([0, 0x68, 0, 0x69]);
  assert_equals(await read(new Blob([utf16be]), "utf-16be"), "hi", "the argument");
  assert_equals(await read(new Blob([utf16be], { type: "text/plain;charset=UTF-16BE" })), "hi", "the type's charset");
  assert_equals(await read(new Blob([new Uint8Array([0xFE, 0xFF, 0, 0x68])]), "utf-8"), "h", "a BOM wins");
  assert_equals(await read(new Blob(["\u00e9"]), "no such label"), "\u00e9", "an unknown label is UTF-8");
}, "FileReader.readAsText decodes with the argument's, the type's or the BOM's encoding");

promise_test(async () => {
  // An import() in eval'd code (which has no URL of its own) resolves
  // against the context's base URL, not the process's directory.
  const m = await eval("import('./resources/eval-target.mjs')");
  assert_equals(m.default, "imported from eval");
}, "import() from eval code");

test(() => {
  // WebIDL sequence conversion reads @@iterator once.
  let reads = 0;
  const parts = { get [Symbol.iterator]() { reads++; return Array.prototype[Symbol.iterator]; }, length: 1, 0: "a" };
  assert_equals(new Blob(parts).size, 1);
  assert_equals(reads, 1);
}, "new Blob reads its parts' iterator method once");

test(() => {
  // Web IDL #js-dictionary: each member converted (an enum checked) as it
  // is read, before the next is read.
  const log = [];
  const bag = (endings) => new Proxy({ endings: { toString() { log.push("endings→string"); return endings; } }, type: { toString() { log.push("type→string"); return "text/plain"; } } }, {
    get(t, k) { if (typeof k === "string") log.push(k); return t[k]; },
  });
  assert_equals(new Blob(["x"], bag("native")).type, "text/plain");
  assert_array_equals(log, ["endings", "endings→string", "type", "type→string"]);
  log.length = 0;
  assert_throws_js(TypeError, () => new Blob(["x"], bag("sideways")));
  assert_array_equals(log, ["endings", "endings→string"], "the bad enum throws before type is read");
  assert_throws_js(TypeError, () => new File(["x"], "f", { lastModified: 1n }), "a BigInt is no long long");
  assert_equals(new File(["x"], "f", { lastModified: { valueOf: () => 42 } }).lastModified, 42);
}, "BlobPropertyBag and FilePropertyBag members converted as they are read");

test(() => {
  // Web IDL #js-dictionary: ResponseInit's members converted as read
  // (HeadersInit read whole, status an unsigned short, statusText a
  // ByteString), then Fetch #initialize-a-response checks them.
  const log = [];
  const init = {
    get headers() { log.push("headers"); return { "X-A": { toString() { log.push("header→string"); return "1"; } } }; },
    get status() { log.push("status"); return { valueOf() { log.push("status→number"); return 201; } }; },
    get statusText() { log.push("statusText"); return { toString() { log.push("statusText→string"); return "Made"; } }; },
  };
  const r = new Response(null, init);
  assert_array_equals(log, ["headers", "header→string", "status", "status→number", "statusText", "statusText→string"]);
  assert_equals(r.status, 201);
  assert_equals(r.statusText, "Made");
  assert_equals(r.headers.get("x-a"), "1");
  // A statusText that is no ByteString fails its conversion, before the
  // status is range-checked.
  assert_throws_js(TypeError, () => new Response(null, { status: 0, statusText: "\u0100" }));
  assert_throws_js(RangeError, () => new Response(null, { status: 0, statusText: "ok" }));
  // A header pair of three is a TypeError of the fill, after the status.
  assert_throws_js(RangeError, () => new Response(null, { headers: [["a", "1", "2"]], status: 0 }));
  assert_throws_js(TypeError, () => new Response(null, { headers: [["a", "1", "2"]] }));
  assert_throws_js(TypeError, () => new Response(null, { status: 1n }), "a BigInt is no unsigned short");
}, "ResponseInit's members converted as they are read");

test(() => {
  // PerformanceMeasureOptions: detail, duration, end, start, each
  // converted as read; a time must be finite.
  performance.mark("wpt-a");
  performance.mark("wpt-b");
  const log = [];
  const name = (n) => ({ toString() { log.push(`${n}→string`); return n; } });
  const opts = {
    get detail() { log.push("detail"); return undefined; },
    get duration() { log.push("duration"); return undefined; },
    get end() { log.push("end"); return name("wpt-b"); },
    get start() { log.push("start"); return name("wpt-a"); },
  };
  const m = performance.measure("between", opts);
  assert_array_equals(log, ["detail", "duration", "end", "wpt-b→string", "start", "wpt-a→string"]);
  assert_true(m.duration >= 0);
  assert_throws_js(TypeError, () => performance.measure("x", { start: 0, duration: NaN }));
  assert_throws_js(TypeError, () => performance.measure("x", { start: Infinity }));
  assert_equals(performance.measure("y", { start: 1, duration: 2 }).duration, 2);
}, "PerformanceMeasureOptions members converted as they are read");

promise_test(async (t) => {
  // RequestInit's method is a ByteString.
  await promise_rejects_js(t, TypeError, fetch("data:,x", { method: "G\u0100T" }));
  assert_equals(await (await fetch("data:,x", { method: { toString: () => "get" } })).text(), "x");
}, "fetch converts RequestInit's method as a ByteString");
