// Headers, Response and fetch (Fetch Standard #headers-class,
// #response-class, #fetch-method) for what a local runtime can read:
// data: URLs, blob: URLs and files. Runs after web.js, whose Blob and
// URLSearchParams internals it takes from `internal.web`.
(function (host, internal) {
  "use strict";
  const { blobState, bytesOf, encoder, makeBlob, paramsState, normalizeType } = internal.web;

  // ---- Headers (Fetch #headers-class) -------------------------------------
  // A header list without guards (this host makes no requests), names
  // lowercased, iterated sorted and combined as the standard says.
  const headersState = internal.slotWeakMap();
  const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function hs(h) { const s = headersState.get(h); if (!s) throw new TypeError("Illegal invocation: not a Headers"); return s; }
  function headerName(n) {
    n = String(n);
    if (!tokenRe.test(n)) throw new TypeError(`Headers: '${n}' is not a valid header name`);
    return n.toLowerCase();
  }
  function headerValue(v) {
    v = String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[\0\r\n]/.test(v) || /[^\0-\xff]/.test(v)) throw new TypeError("Headers: invalid header value");
    return v;
  }
  // Web IDL ByteString: ToString, then no code unit above 0xFF.
  function byteString(x) {
    const s = `${x}`;
    if (/[^\0-\xff]/.test(s)) throw new TypeError(`'${s}' is not a valid ByteString`);
    return s;
  }
  // HeadersInit, (sequence<sequence<ByteString>> or record<ByteString,
  // ByteString>), converted (read whole, each string converted); its
  // pairs are checked when a header list is filled from it (Fetch
  // #concept-headers-fill).
  function headersInit(init, what) {
    if (init === null || (typeof init !== "object" && typeof init !== "function"))
      throw new TypeError(`${what}: The provided value is not of type 'HeadersInit'`);
    const out = [];
    if (typeof init[Symbol.iterator] === "function") {
      for (const pair of init) {
        if (pair === null || (typeof pair !== "object" && typeof pair !== "function"))
          throw new TypeError(`${what}: The provided value cannot be converted to a sequence.`);
        out.push(Array.from(pair, byteString));
      }
    } else {
      for (const k of Reflect.ownKeys(init)) {
        const d = Reflect.getOwnPropertyDescriptor(init, k);
        if (d !== undefined && d.enumerable) out.push([byteString(k), byteString(init[k])]);
      }
    }
    return out;
  }
  // Fetch #concept-headers-fill.
  function fill(h, pairs, what) {
    for (const p of pairs) {
      if (p.length !== 2) throw new TypeError(`${what}: each header pair must have two items`);
      h.append(p[0], p[1]);
    }
  }
  class Headers {
    constructor(init = undefined) {
      headersState.set(this, []);
      if (init === undefined || init === null) return;
      fill(this, headersInit(init, "Failed to construct 'Headers'"), "Failed to construct 'Headers'");
    }
    append(name, value) { hs(this).push([headerName(name), headerValue(value)]); }
    delete(name) { name = headerName(name); const l = hs(this); for (let i = l.length - 1; i >= 0; i--) if (l[i][0] === name) l.splice(i, 1); }
    get(name) {
      name = headerName(name);
      const vs = hs(this).filter(([n]) => n === name).map(([, v]) => v);
      return vs.length === 0 ? null : vs.join(", ");
    }
    getSetCookie() { return hs(this).filter(([n]) => n === "set-cookie").map(([, v]) => v); }
    has(name) { name = headerName(name); return hs(this).some(([n]) => n === name); }
    set(name, value) {
      name = headerName(name); value = headerValue(value);
      const l = hs(this), i = l.findIndex(([n]) => n === name);
      if (i < 0) { l.push([name, value]); return; }
      l[i][1] = value;
      for (let j = l.length - 1; j > i; j--) if (l[j][0] === name) l.splice(j, 1);
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("Headers.forEach: callback is not a function");
      for (const [n, v] of sortedHeaders(this)) callback.call(thisArg, v, n, this);
    }
    *entries() { yield* sortedHeaders(this); }
    *keys() { for (const [n] of sortedHeaders(this)) yield n; }
    *values() { for (const [, v] of sortedHeaders(this)) yield v; }
    [Symbol.iterator]() { return this.entries(); }
  }
  // Fetch #concept-header-list-sort-and-combine
  function sortedHeaders(h) {
    const names = [...new Set(hs(h).map(([n]) => n))].sort();
    const out = [];
    for (const n of names) {
      if (n === "set-cookie") for (const v of h.getSetCookie()) out.push([n, v]);
      else out.push([n, h.get(n)]);
    }
    return out;
  }
  Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });

  // ---- Response (Fetch #response-class) ----------------------------------
  // A response made by script: a body read once as bytes, text, JSON or a
  // Blob, or through its `body` stream (made when first asked for, from
  // streams-*.js through `internal.streams`); a body may be a stream.
  const responseState = internal.slotWeakMap();
  function rsp(r) { const s = responseState.get(r); if (!s) throw new TypeError("Illegal invocation: not a Response"); return s; }
  const nullBodyStatus = (st) => st === 101 || st === 103 || st === 204 || st === 205 || st === 304;
  // Fetch #concept-bodyinit-extract: the bytes and the Content-Type.
  function extractBody(body) {
    const S = internal.streams;
    if (S !== undefined && S.isReadableStream(body)) {
      if (S.isDisturbed(body) || S.isLockedStream(body)) throw new TypeError("Response: the body stream is disturbed or locked");
      return [null, null, body];
    }
    if (blobState.has(body)) { const b = blobState.get(body); return [b.bytes, b.type === "" ? null : b.type]; }
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return [bytesOf(body, "Response").slice(), null];
    if (paramsState.has(body)) return [encoder.encode(body.toString()), "application/x-www-form-urlencoded;charset=UTF-8"];
    return [encoder.encode(String(body)), "text/plain;charset=UTF-8"];
  }
  // Fetch #initialize-a-response, with `body` null or [bytes, Content-Type].
  function initResponse(r, init, body, anyStatus = false) {
    // Web IDL: each member converted as it is read (headers, then the
    // unsigned short status, then the ByteString statusText); then the
    // checks of Fetch #initialize-a-response.
    const what = "Failed to construct 'Response'";
    const i = internal.dictionary(init, "ResponseInit", ["headers", "status", "statusText"],
      [(x) => headersInit(x, what), (x) => Math.trunc(+x) & 0xffff, byteString]);
    const status = i.status === undefined ? 200 : i.status;
    if (!anyStatus && (status < 200 || status > 599)) throw new RangeError(`${what}: The status provided (${status}) is outside the range [200, 599].`);
    const statusText = i.statusText === undefined ? "" : i.statusText;
    if (/[^\t\x20-\x7e\x80-\xff]/.test(statusText)) throw new TypeError(`${what}: Invalid statusText`);
    const headers = new Headers();
    if (i.headers !== undefined) fill(headers, i.headers, what);
    let bytes = null, stream;
    if (body !== null) {
      if (nullBodyStatus(status)) throw new TypeError("Failed to construct 'Response': Response with null body status cannot have body");
      bytes = body[0];
      stream = body[2];
      if (body[1] !== null && !headers.has("content-type")) headers.append("content-type", body[1]);
    }
    responseState.set(r, { status, statusText, headers, bytes, stream, used: false, type: "default", url: "" });
    return r;
  }
  class Response {
    constructor(body = null, init = undefined) {
      initResponse(this, init, body === null || body === undefined ? null : extractBody(body));
    }
    static error() {
      const r = initResponse(Object.create(Response.prototype), { status: 0 }, null, true);
      rsp(r).type = "error";
      return r;
    }
    static json(data, init = undefined) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the data is not JSON-serializable");
      return initResponse(Object.create(Response.prototype), init, [encoder.encode(text), "application/json"]);
    }
    static redirect(url, status = 302) {
      const u = new URL(String(url), internal.baseURL()).href;
      status = Math.trunc(Number(status));
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError("Response.redirect: invalid redirect status");
      return initResponse(Object.create(Response.prototype), { status, headers: { location: u } }, null);
    }
    get type() { return rsp(this).type; }
    get url() { return rsp(this).url; }
    get redirected() { rsp(this); return false; }
    get status() { return rsp(this).status; }
    get ok() { const s = rsp(this).status; return s >= 200 && s <= 299; }
    get statusText() { return rsp(this).statusText; }
    get headers() { return rsp(this).headers; }
    get body() {
      const s = rsp(this);
      if (s.stream === undefined && s.bytes !== null) {
        internal.loadStreams();
        s.stream = internal.streams.bodyStream(s.bytes);
      }
      return s.stream === undefined ? null : s.stream;
    }
    get bodyUsed() { return bodyUsed(rsp(this)); }
    clone() {
      const s = rsp(this);
      if (bodyUsed(s) || (s.stream !== undefined && internal.streams.isLockedStream(s.stream)))
        throw new TypeError("Response.clone: the body has already been read");
      const r = Object.create(Response.prototype);
      let stream;
      // Fetch #concept-body-clone: a stream body is teed.
      if (s.stream !== undefined) [s.stream, stream] = ReadableStream.prototype.tee.call(s.stream);
      responseState.set(r, { ...s, stream, headers: new Headers(s.headers) });
      return r;
    }
    arrayBuffer() { return consume(this, (b) => b.slice().buffer); }
    bytes() { return consume(this, (b) => b.slice()); }
    text() { return consume(this, (b) => host.utf8Decode(b, false, false)); }
    json() { return consume(this, (b) => JSON.parse(host.utf8Decode(b, false, false))); }
    blob() {
      return consume(this, (b, s) => {
        const t = s.headers.get("content-type");
        return makeBlob(b.slice(), t === null ? "" : normalizeType(t));
      });
    }
    formData() { return Promise.reject(new TypeError("Response.formData: FormData is not supported in this host")); }
  }
  // Fetch #concept-body-consume-body: once only, then the bytes as `f` reads them.
  function bodyUsed(s) { return s.used || (s.stream !== undefined && internal.streams.isDisturbed(s.stream)); }
  function consume(r, f) {
    let s;
    try { s = rsp(r); } catch (e) { return Promise.reject(e); }
    if (bodyUsed(s)) return Promise.reject(new TypeError("The body has already been read"));
    if (s.stream !== undefined) {
      // A body whose stream was made (or given) is read through it.
      if (internal.streams.isLockedStream(s.stream)) return Promise.reject(new TypeError("The body stream is locked"));
      return internal.streams.react(internal.streams.readAll(s.stream), (bytes) => f(bytes, s));
    }
    if (s.bytes !== null) s.used = true;
    try { return Promise.resolve(f(s.bytes === null ? new Uint8Array(0) : s.bytes, s)); } catch (e) { return Promise.reject(e); }
  }
  Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });

  // fetch (Fetch #fetch-method) for what a local runtime can read:
  // data: URLs, blob: URLs of this context, and files (relative to the
  // script, within --allow-read). There is no network: any other scheme is
  // a network error, a TypeError, as the standard reports one.
  function fetch(input, init = undefined) {
    try {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'fetch' on 'Window': 1 argument required, but only 0 present.");
      const c = host.urlParse(String(input), internal.baseURL());
      if (!c) throw new TypeError(`Failed to execute 'fetch': Failed to parse URL from ${String(input)}`);
      // RequestInit's `method` is a ByteString, converted as it is read.
      const i = internal.dictionary(init, "RequestInit", ["method"], [byteString]);
      const method = i.method === undefined ? "GET" : i.method.toUpperCase();
      const url = c[0].replace(/#.*$/, ""), scheme = c[2];
      if (method !== "GET" && method !== "HEAD") throw new TypeError(`fetch failed: ${method} is not supported for ${scheme} URLs`);
      let bytes, type = null;
      if (scheme === "data:") {
        const r = host.fetchData(url);
        if (!r) throw new TypeError("fetch failed: not a valid data: URL");
        bytes = new Uint8Array(r[0]); type = r[1];
      } else if (scheme === "blob:") {
        // Fetch #scheme-fetch, "blob": only GET.
        if (method !== "GET") throw new TypeError(`fetch failed: ${method} is not allowed for blob: URLs`);
        const b = internal.blobFromURL(url);
        if (b === undefined) throw new TypeError(`fetch failed: no Blob at ${url}`);
        const s = blobState.get(b);
        bytes = s.bytes; type = s.type === "" ? null : s.type;
      } else if (scheme === "file:" || scheme === "http:" || scheme === "https:") {
        // (http: only for the test runner's web root; there is no network.)
        const r = host.fetchFile(url);
        if (typeof r === "string") throw new TypeError(`fetch failed: ${r}`);
        bytes = new Uint8Array(r);
      } else {
        throw new TypeError(`fetch failed: ${scheme} URLs cannot be fetched (this runtime has no network)`);
      }
      const r = initResponse(Object.create(Response.prototype), undefined, method === "HEAD" ? null : [bytes, type]);
      if (method === "HEAD" && type !== null) rsp(r).headers.append("content-type", type);
      rsp(r).url = url;
      rsp(r).type = "basic";
      return Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  Object.defineProperty(fetch, "name", { value: "fetch" });

  for (const [k, v] of Object.entries({ Headers, Response }))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, "fetch", { value: fetch, writable: true, configurable: true, enumerable: true });
})
