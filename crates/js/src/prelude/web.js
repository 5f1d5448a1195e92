// TextEncoder/TextDecoder (Encoding Standard, UTF-8 only), Blob, File and
// FileReader (File API #blob-section, #APIASynch), ProgressEvent, URL and URLSearchParams (URL Standard, for the
// schemes a shell host meets: special schemes with an authority, file:,
// data:, blob:) and URL.createObjectURL.
(function (host, internal) {
  "use strict";

  // ---- TextEncoder / TextDecoder (Encoding #interface-textencoder) -------
  // Its objects are branded (WebIDL: a method or getter called on
  // anything else throws a TypeError).
  const encoders = new WeakSet();
  const isEncoder = WeakSet.prototype.has.bind(encoders);
  function es(e, what) { if (!isEncoder(e)) throw new TypeError(`Illegal invocation: ${what} called on an object that is not a TextEncoder`); }
  class TextEncoder {
    constructor() { encoders.add(this); }
    get encoding() { es(this, "encoding"); return "utf-8"; }
    encode(input = "") { es(this, "encode"); return new Uint8Array(host.utf8Encode(String(input).toWellFormed())); }
    encodeInto(source, destination) {
      es(this, "encodeInto");
      if (!(destination instanceof Uint8Array)) throw new TypeError("encodeInto: destination is not a Uint8Array");
      const bytes = new Uint8Array(host.utf8Encode(String(source).toWellFormed()));
      // Only whole code points fit: back off to a character boundary.
      let n = Math.min(bytes.length, destination.length);
      while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--;
      // (A detached destination has length 0: nothing is written.)
      if (n !== 0) destination.set(bytes.subarray(0, n));
      const read = host.utf16Length(bytes.subarray(0, n));
      return { read, written: n };
    }
  }
  Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: "TextEncoder", configurable: true });
  const decoderState = internal.slotWeakMap();
  // Every encoding of the Encoding Standard, decoded by the host
  // (encoding_rs); a decoder that streams keeps its state there, freed
  // when the object is collected.
  let nextDecoder = 1;
  const decoderStreams = new FinalizationRegistry((id) => host.textDecoderFree(id));
  class TextDecoder {
    constructor(label = "utf-8", options = undefined) {
      // WebIDL converts both arguments before the constructor's steps run.
      const l = String(label);
      const o = internal.dictionary(options, "TextDecoderOptions", ["fatal", "ignoreBOM"]);
      const encoding = host.encodingForLabel(l);
      if (encoding === undefined) throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${l}') is invalid.`);
      const id = nextDecoder++;
      decoderState.set(this, { fatal: !!o.fatal, ignoreBOM: !!o.ignoreBOM, pending: empty, bomSeen: false, encoding, id });
      decoderStreams.register(this, id);
    }
    get encoding() { return ds(this).encoding; }
    get fatal() { return ds(this).fatal; }
    get ignoreBOM() { return ds(this).ignoreBOM; }
    // Encoding #dom-textdecoder-decode. With `stream`, an incomplete
    // sequence at the end waits for the next call; the BOM is looked for
    // only at the start of a stream.
    decode(input = undefined, options = undefined) {
      const s = ds(this);
      // The common call, a Uint8Array without options, decoded natively
      // in one call, leaving the state as the steps below would.
      if (options === undefined && s.encoding === "utf-8" && s.pending.length === 0) {
        const r = host.utf8DecodeView(input, s.fatal, s.ignoreBOM || s.bomSeen);
        if (r !== undefined) {
          s.bomSeen = false;
          if (r === null) throw new TypeError("The encoded data was not valid UTF-8");
          return r;
        }
      }
      let bytes = input === undefined ? empty : bytesOf(input, "TextDecoder.decode");
      // TextDecodeOptions, read as `internal.dictionary` reads it, without
      // making an object (a streaming decoder calls this per chunk).
      let stream = false;
      if (options !== undefined && options !== null) {
        if (typeof options !== "object" && typeof options !== "function") throw new TypeError("TextDecodeOptions must be an object");
        stream = !!options.stream;
      }
      if (s.encoding !== "utf-8") {
        // (The bytes are copied before anything else can run.)
        const r = host.textDecode(s.id, s.encoding, bytes.slice(), s.fatal, s.ignoreBOM, stream);
        if (r === null) throw new TypeError(`The encoded data was not valid ${s.encoding}.`);
        return r;
      }
      if (s.pending.length !== 0) {
        const joined = new Uint8Array(s.pending.length + bytes.length);
        joined.set(s.pending, 0);
        joined.set(bytes, s.pending.length);
        bytes = joined;
      }
      const cut = stream ? completeLength(bytes) : bytes.length;
      s.pending = cut === bytes.length ? empty : bytes.slice(cut);
      const head = cut === bytes.length ? bytes : bytes.subarray(0, cut);
      // The BOM can only be judged once three bytes (or the end) are there.
      if (!s.bomSeen && !s.ignoreBOM && stream && head.length < 3 && s.pending.length === 0 && head.length > 0
          && [0xEF, 0xBB, 0xBF].slice(0, head.length).every((b, i) => head[i] === b)) {
        s.pending = head.slice();
        return "";
      }
      const r = host.utf8Decode(head, s.fatal, s.ignoreBOM || s.bomSeen);
      if (head.length !== 0) s.bomSeen = true;
      if (!stream) { s.bomSeen = false; s.pending = empty; }
      if (r == null) { s.pending = empty; s.bomSeen = false; throw new TypeError("The encoded data was not valid UTF-8"); }
      return r;
    }
  }
  const empty = new Uint8Array(0);
  // How many leading bytes of `b` end on a whole UTF-8 sequence (the rest,
  // at most three bytes, is an incomplete sequence's start).
  // Only a sequence the UTF-8 decoder could still complete waits: one
  // whose second byte is already out of its lead byte's range (Encoding
  // #utf-8-decoder: E0 needs A0–BF, ED 80–9F, F0 90–BF, F4 80–8F) is an
  // error now, and decodes at once.
  function completeLength(b) {
    const n = b.length;
    let i = n - 1;
    while (i >= 0 && i >= n - 3 && (b[i] & 0xC0) === 0x80) i--;
    if (i < 0 || i < n - 3) return n;
    const c = b[i];
    const need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
    if (i + need <= n) return n;
    if (i + 1 < n) {
      const lo = c === 0xE0 ? 0xA0 : c === 0xF0 ? 0x90 : 0x80;
      const hi = c === 0xED ? 0x9F : c === 0xF4 ? 0x8F : 0xBF;
      if (b[i + 1] < lo || b[i + 1] > hi) return n;
    }
    return i;
  }
  function ds(d) { const s = decoderState.get(d); if (!s) throw new TypeError("Illegal invocation"); return s; }
  Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: "TextDecoder", configurable: true });
  // The bytes of a BufferSource (a view of them, not a copy); a detached
  // buffer holds none (Web IDL #dfn-get-buffer-source-copy gives an empty
  // sequence for one, as Node and browsers decode it to "").
  // Read through the built-in getters, captured: what a script does to
  // the prototypes (a replaced `buffer` getter, `call`) changes nothing.
  const getterOf = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const reflectApply = Reflect.apply, isView = ArrayBuffer.isView, U8 = Uint8Array;
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const abDetached = getterOf(ArrayBuffer.prototype, "detached"), abLength = getterOf(ArrayBuffer.prototype, "byteLength");
  const sabLength = typeof SharedArrayBuffer === "function" ? getterOf(SharedArrayBuffer.prototype, "byteLength") : undefined;
  const taTag = getterOf(TypedArrayProto, Symbol.toStringTag);
  const taBuffer = getterOf(TypedArrayProto, "buffer"), taOffset = getterOf(TypedArrayProto, "byteOffset"), taLength = getterOf(TypedArrayProto, "byteLength");
  const dvBuffer = getterOf(DataView.prototype, "buffer"), dvOffset = getterOf(DataView.prototype, "byteOffset"), dvLength = getterOf(DataView.prototype, "byteLength");
  // Whether `getter` accepts `x` (a brand check: a built-in getter throws
  // a TypeError on anything but its own kind of object).
  function branded(getter, x) { try { reflectApply(getter, x, []); return true; } catch { return false; } }
  // Whether the buffer `b` is a detached ArrayBuffer (a SharedArrayBuffer never is).
  const detached = (b) => branded(abLength, b) && reflectApply(abDetached, b, []);
  function bytesOf(x, what) {
    if (typeof x === "object" && x !== null) {
      if (isView(x)) {
        const ta = reflectApply(taTag, x, []) !== undefined;
        const b = reflectApply(ta ? taBuffer : dvBuffer, x, []);
        if (detached(b)) return new U8(0);
        return new U8(b, reflectApply(ta ? taOffset : dvOffset, x, []), reflectApply(ta ? taLength : dvLength, x, []));
      }
      if (branded(abLength, x)) return reflectApply(abDetached, x, []) ? new U8(0) : new U8(x);
      if (sabLength !== undefined && branded(sabLength, x)) return new U8(x);
    }
    throw new TypeError(`${what}: not a BufferSource`);
  }

  // ---- Blob / File (File API #blob-section) -------------------------------
  const blobState = internal.slotWeakMap();
  function bs(b) { const s = blobState.get(b); if (!s) throw new TypeError("Illegal invocation: not a Blob"); return s; }
  const encoder = new TextEncoder();
  function normalizeType(t) {
    t = String(t);
    for (let i = 0; i < t.length; i++) { const c = t.charCodeAt(i); if (c < 0x20 || c > 0x7e) return ""; }
    return t.toLowerCase();
  }
  // BlobPropertyBag.endings (File API #dfn-endings): an enum, converted
  // and checked as the dictionary reads it.
  function endingsOf(x, what) {
    const e = `${x}`;
    if (e !== "transparent" && e !== "native") throw new TypeError(`${what}: '${e}' is not a valid value for 'endings'`);
    return e;
  }
  // WebIDL sequence<BlobPart> conversion: the parts iterated, and every
  // part that is neither a Blob nor a BufferSource made a string, before
  // the options dictionary is read.
  function blobParts(parts, what) {
    if (parts === undefined) return [];
    // WebIDL sequence conversion: @@iterator is read once, then used.
    const method = (parts !== null && (typeof parts === "object" || typeof parts === "function")) ? parts[Symbol.iterator] : undefined;
    if (typeof method !== "function")
      throw new TypeError(`${what}: The provided value cannot be converted to a sequence.`);
    const list = [];
    for (const p of { [Symbol.iterator]: () => method.call(parts) }) {
      if (blobState.has(p) || p instanceof ArrayBuffer || ArrayBuffer.isView(p)) list.push(p);
      else list.push(String(p));
    }
    return list;
  }
  // File API #process-blob-parts
  function blobBytes(list, endings) {
    const chunks = [];
    let n = 0;
    for (const p of list) {
      let c;
      if (typeof p === "string") {
        // File API #convert-line-endings-to-native (this host's are "\n").
        c = encoder.encode(endings === "native" ? p.replace(/\r\n?/g, "\n") : p);
      } else if (blobState.has(p)) c = blobState.get(p).bytes;
      else c = bytesOf(p, "Blob").slice();
      chunks.push(c); n += c.length;
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }
  let fileParts;
  class Blob {
    constructor(blobParts_ = undefined, options = undefined) {
      const what = "Failed to construct 'Blob'";
      // File's constructor has already converted its parts (WebIDL: the
      // parts, then the name, then the options).
      const list = fileParts !== undefined ? fileParts : blobParts(blobParts_, what);
      fileParts = undefined;
      const o = internal.dictionary(options, "BlobPropertyBag", ["endings", "type"], [(x) => endingsOf(x, what), internal.toDOMString]);
      const endings = o.endings === undefined ? "transparent" : o.endings;
      const t = o.type;
      const type = t === undefined ? "" : normalizeType(t);
      blobState.set(this, { bytes: blobBytes(list, endings), type });
    }
    get size() { return bs(this).bytes.length; }
    get type() { return bs(this).type; }
    slice(start = undefined, end = undefined, contentType = undefined) {
      const s = bs(this), size = s.bytes.length;
      const rel = (v, d) => { if (v === undefined) return d; v = Math.trunc(Number(v)) || 0; return v < 0 ? Math.max(size + v, 0) : Math.min(v, size); };
      const a = rel(start, 0), b = rel(end, size);
      return makeBlob(s.bytes.slice(a, Math.max(a, b)), contentType === undefined ? "" : normalizeType(contentType));
    }
    text() { try { return Promise.resolve(host.utf8Decode(bs(this).bytes, false, false)); } catch (e) { return Promise.reject(e); } }
    arrayBuffer() { try { return Promise.resolve(bs(this).bytes.slice().buffer); } catch (e) { return Promise.reject(e); } }
    bytes() { try { return Promise.resolve(bs(this).bytes.slice()); } catch (e) { return Promise.reject(e); } }
    // File API #dom-blob-stream: a stream of the bytes in Uint8Array
    // chunks (streams-transform.js; the streams load on first use).
    stream() {
      const bytes = bs(this).bytes;
      internal.loadStreams();
      return internal.streams.bodyStream(bytes);
    }
  }
  Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });
  class File extends Blob {
    constructor(fileBits, fileName, options = undefined) {
      if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required");
      const list = blobParts(fileBits, "Failed to construct 'File'");
      const name = String(fileName);
      fileParts = list;
      super(undefined, options);
      const o = internal.dictionary(options, "FilePropertyBag", ["lastModified"], [internal.toNumber]);
      const s = bs(this);
      s.name = name;
      // long long lastModified: an integer; the current time when absent.
      const lm = o.lastModified === undefined ? Date.now() : o.lastModified;
      s.lastModified = Number.isFinite(lm) ? Math.trunc(lm) : 0;
    }
    get name() { const s = bs(this); if (s.name === undefined) throw new TypeError("Illegal invocation: not a File"); return s.name; }
    get lastModified() { const s = bs(this); if (s.name === undefined) throw new TypeError("Illegal invocation: not a File"); return s.lastModified; }
  }
  Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });
  function makeBlob(bytes, type) {
    const b = Object.create(Blob.prototype);
    blobState.set(b, { bytes, type });
    return b;
  }
  // Serialization hooks for the host (HostObject::Blob / File).
  internal.blobParts = (b) => { const s = blobState.get(b); return s === undefined ? undefined : [s.bytes, s.type, s.name, s.lastModified]; };
  internal.makeBlob = (buffer, type, name, lastModified) => {
    const b = Object.create(name === undefined ? Blob.prototype : File.prototype);
    blobState.set(b, name === undefined ? { bytes: new Uint8Array(buffer), type } : { bytes: new Uint8Array(buffer), type, name, lastModified });
    return b;
  };
  internal.BlobPrototype = Blob.prototype;
  internal.blobText = (b) => host.utf8Decode(bs(b).bytes, false, false);

  // ---- ProgressEvent (XHR #interface-progressevent) and FileReader
  // (File API #APIASynch): reads a Blob in a later task, with the events
  // loadstart, progress, load or error, loadend. Text is decoded as UTF-8.
  const progressInit = internal.slotWeakMap();
  class ProgressEvent extends internal.Event {
    constructor(type, init = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'ProgressEvent': 1 argument required");
      super(type, init);
      const i = internal.dictionary(init, "ProgressEventInit", ["lengthComputable", "loaded", "total"], [undefined, internal.toNumber, internal.toNumber]);
      progressInit.set(this, { lengthComputable: !!i.lengthComputable, loaded: i.loaded ?? 0, total: i.total ?? 0 });
    }
    get lengthComputable() { return pi(this).lengthComputable; }
    get loaded() { return pi(this).loaded; }
    get total() { return pi(this).total; }
  }
  function pi(e) { const s = progressInit.get(e); if (!s) throw new TypeError("Illegal invocation: not a ProgressEvent"); return s; }
  Object.defineProperty(ProgressEvent.prototype, Symbol.toStringTag, { value: "ProgressEvent", configurable: true });

  const readerState = internal.slotWeakMap();
  const later = globalThis.setTimeout;
  function rs(r) { const s = readerState.get(r); if (!s) throw new TypeError("Illegal invocation: not a FileReader"); return s; }
  function binaryString(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    return out;
  }
  class FileReader extends EventTarget {
    constructor() { super(); readerState.set(this, { state: 0, result: null, error: null, run: 0 }); }
    get readyState() { return rs(this).state; }
    get result() { return rs(this).result; }
    get error() { return rs(this).error; }
    readAsArrayBuffer(blob) { read(this, blob, "buffer", arguments.length); }
    readAsBinaryString(blob) { read(this, blob, "binary", arguments.length); }
    readAsText(blob, encoding = undefined) {
      read(this, blob, "text", arguments.length, encoding === undefined ? undefined : String(encoding));
    }
    readAsDataURL(blob) { read(this, blob, "dataurl", arguments.length); }
    abort() {
      const s = rs(this);
      if (s.state === 0 || s.state === 2) { s.result = null; return; }
      s.state = 2;
      s.result = null;
      s.run++; // cancels the queued read
      fireProgress(this, "abort", 0, 0);
      if (s.state !== 1) fireProgress(this, "loadend", 0, 0);
    }
  }
  for (const [k, v] of Object.entries({ EMPTY: 0, LOADING: 1, DONE: 2 })) {
    Object.defineProperty(FileReader, k, { value: v, enumerable: true });
    Object.defineProperty(FileReader.prototype, k, { value: v, enumerable: true });
  }
  for (const h of ["onloadstart", "onprogress", "onload", "onabort", "onerror", "onloadend"])
    internal.defineEventHandler(FileReader.prototype, h);
  Object.defineProperty(FileReader.prototype, Symbol.toStringTag, { value: "FileReader", configurable: true });
  // `fromTask`: fired by the read's own task (not by a script's abort()).
  function fireProgress(reader, type, loaded, total, fromTask = false) {
    const ev = new ProgressEvent(type, { lengthComputable: true, loaded, total });
    internal.eventState(ev).trusted = true;
    if (fromTask) internal.dispatchFromTask(reader, ev);
    else internal.dispatch(reader, ev);
  }
  // File API #readOperation. Its steps queue a task each: `loadstart`
  // once the first chunk is read, `progress` for data read (none for an
  // empty Blob), then the result with `load` and `loadend`. Separate
  // tasks let a listener's promise reactions (and an `abort()` from them)
  // run between the events.
  function read(reader, blob, kind, argc, label) {
    const s = rs(reader);
    if (argc < 1) throw new TypeError("FileReader: 1 argument required");
    const b = bs(blob);
    if (s.state === 1) throw new DOMException("The FileReader is already reading", "InvalidStateError");
    s.state = 1;
    s.result = null;
    s.error = null;
    const run = ++s.run;
    const bytes = b.bytes, type = b.type;
    const total = bytes.length;
    later(() => {
      if (s.run !== run) return;
      fireProgress(reader, "loadstart", 0, total, true);
      later(() => {
        if (s.run !== run) return;
        if (total !== 0) fireProgress(reader, "progress", total, total, true);
        later(() => {
          if (s.run !== run) return;
          switch (kind) {
            case "buffer": s.result = bytes.slice().buffer; break;
            case "binary": s.result = binaryString(bytes); break;
            case "text": s.result = blobText(bytes, label, type); break;
            default: s.result = "data:" + (type || "application/octet-stream") + ";base64," + btoa(binaryString(bytes));
          }
          s.state = 2;
          fireProgress(reader, "load", total, total, true);
          if (s.state !== 1) fireProgress(reader, "loadend", total, total, true);
        }, 0);
      }, 0);
    }, 0);
  }
  // File API #packaging-data, "text": the encoding named by the argument,
  // else by the Blob's type's charset parameter, else UTF-8; a BOM
  // overrides it (Encoding #decode).
  function blobText(bytes, label, type) {
    let encoding = label === undefined ? undefined : host.encodingForLabel(label);
    if (encoding === undefined) {
      const m = /;\s*charset\s*=\s*("?)([^";]*)\1/i.exec(type);
      if (m) encoding = host.encodingForLabel(m[2]);
    }
    if (encoding === undefined) encoding = "utf-8";
    if (bytes[0] === 0xEF && bytes[1] === 0xBB && bytes[2] === 0xBF) { encoding = "utf-8"; bytes = bytes.subarray(3); }
    else if (bytes[0] === 0xFE && bytes[1] === 0xFF) { encoding = "utf-16be"; bytes = bytes.subarray(2); }
    else if (bytes[0] === 0xFF && bytes[1] === 0xFE) { encoding = "utf-16le"; bytes = bytes.subarray(2); }
    if (encoding === "utf-8") return host.utf8Decode(bytes, false, true);
    return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
  }

  // ---- URL (URL Standard #url-class): parsed natively by the `url` crate.
  const urlState = internal.slotWeakMap();
  const FIELDS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
  function us(u) { const s = urlState.get(u); if (!s) throw new TypeError("Illegal invocation: not a URL"); return s; }
  function parseOrThrow(url, base) {
    const c = host.urlParse(url, base);
    if (c === null || c === undefined) throw new TypeError(`Invalid URL: '${url}'` + (base === undefined ? "" : ` relative to '${base}'`));
    return c;
  }
  class URL {
    constructor(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'URL': 1 argument required");
      urlState.set(this, { c: parseOrThrow(String(url), base === undefined ? undefined : String(base)), params: null });
    }
    static canParse(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'canParse' on 'URL': 1 argument required, but only 0 present.");
      const c = host.urlParse(String(url), base === undefined ? undefined : String(base)); return c !== null && c !== undefined; }
    static parse(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'parse' on 'URL': 1 argument required, but only 0 present.");
      try { return new URL(url, base); } catch { return null; }
    }
    toString() { return us(this).c[0]; }
    toJSON() { return us(this).c[0]; }
    get searchParams() {
      const s = us(this);
      if (!s.params) { s.params = new URLSearchParams(s.c[9]); paramsState.get(s.params).url = this; }
      return s.params;
    }
    static createObjectURL(obj) {
      if (!blobState.has(obj)) throw new TypeError("URL.createObjectURL: argument is not a Blob");
      // File API #unicodeBlobURL: "blob:", the context's origin, "/", a UUID.
      let origin = "null";
      try { origin = new URL(internal.baseURL()).origin; } catch { /* an opaque origin */ }
      const url = "blob:" + origin + "/" + host.uuid();
      blobURLs.set(url, obj);
      // The run's other contexts resolve it too (File API #BlobURLStore).
      host.blobURLRegister(url, bs(obj).bytes, bs(obj).type);
      return url;
    }
    static revokeObjectURL(url) { url = String(url); blobURLs.delete(url); host.blobURLRevoke(url); }
  }
  FIELDS.forEach((name, i) => {
    const desc = { configurable: true, enumerable: true, get() { return us(this).c[i]; } };
    // WebIDL: an attribute's getter is named "get <name>", its setter "set <name>".
    Object.defineProperty(desc.get, "name", { value: `get ${name}` });
    if (name !== "origin") desc.set = function (v) {
      const s = us(this);
      if (name === "href") { s.c = parseOrThrow(String(v), undefined); }
      else { const c = host.urlSet(s.c[0], name, String(v)); if (c) s.c = c; }
      if (s.params && (name === "href" || name === "search")) paramsState.get(s.params).list = parseQuery(s.c[9].replace(/^\?/, ""));
    };
    if (desc.set) Object.defineProperty(desc.set, "name", { value: `set ${name}` });
    Object.defineProperty(URL.prototype, name, desc);
  });
  Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });
  const blobURLs = new Map();
  internal.blobFromURL = (u) => {
    u = u.replace(/#.*$/, "");
    const own = blobURLs.get(u);
    if (own !== undefined) {
      // Another context of the run may have revoked it.
      if (host.blobURLLive(u)) return own;
      blobURLs.delete(u);
      return undefined;
    }
    // Made by another context of the run: a Blob of the same bytes.
    const other = host.blobURLLookup(u);
    return other === undefined ? undefined : new Blob([other[0]], { type: other[1] });
  };

  // ---- URLSearchParams (URL #interface-urlsearchparams) ------------------
  const paramsState = internal.slotWeakMap();
  // application/x-www-form-urlencoded parsing's decoding (URL
  // #concept-urlencoded-parser): `+` is a space, and the percent-decoded
  // bytes are UTF-8 decoded without BOM or failure (U+FFFD for errors).
  function decodeForm(s) {
    s = s.replace(/\+/g, " ");
    if (s.indexOf("%") < 0) return s;
    const bytes = new Uint8Array(host.utf8Encode(s));
    const out = new Uint8Array(bytes.length);
    let n = 0;
    const hex = (c) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x25 && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
        out[n++] = hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]);
        i += 2;
      } else out[n++] = b;
    }
    return host.utf8Decode(out.subarray(0, n), false, true);
  }
  // (A USVString: a lone surrogate is U+FFFD, which encodeURIComponent,
  // unlike the URL Standard, would refuse.)
  function encodeForm(s) { return encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()); }
  // USVString (WebIDL #es-USVString): lone surrogates become U+FFFD.
  const usv = (v) => String(v).toWellFormed();
  // URL #interface-urlsearchparams. The list is live: iterators and
  // forEach walk it by index, so entries deleted or added during a loop
  // are seen as the standard's pair iterator sees them.
  class URLSearchParams {
    constructor(init = "") {
      let list = [];
      if ((typeof init === "object" && init !== null) || typeof init === "function") {
        const method = init[Symbol.iterator];
        if (method !== undefined && method !== null) {
          // sequence<sequence<USVString>>
          if (typeof method !== "function") throw new TypeError("Failed to construct 'URLSearchParams': the object's @@iterator is not callable");
          for (const pair of init) {
            if ((typeof pair !== "object" || pair === null) && typeof pair !== "function") throw new TypeError("Failed to construct 'URLSearchParams': a pair is not a sequence");
            const p = Array.from(pair);
            if (p.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': each pair must have two items");
            list.push([usv(p[0]), usv(p[1])]);
          }
        } else {
          // record<USVString, USVString>: own enumerable string keys, in
          // order; two keys that convert to one (lone surrogates become
          // U+FFFD) are one entry, with the later value (WebIDL #es-record).
          const at = new Map();
          for (const k of Reflect.ownKeys(init)) {
            if (typeof k !== "string") continue;
            const d = Reflect.getOwnPropertyDescriptor(init, k);
            if (d === undefined || !d.enumerable) continue;
            const key = usv(k), value = usv(init[k]);
            if (at.has(key)) list[at.get(key)][1] = value;
            else { at.set(key, list.length); list.push([key, value]); }
          }
        }
      } else {
        const q = usv(init);
        list = parseQuery(q.startsWith("?") ? q.slice(1) : q);
      }
      paramsState.set(this, { list, url: null });
    }
    append(k, v) { const s = ps(this); need(arguments.length, 2, "append"); s.list.push([usv(k), usv(v)]); update(this); }
    delete(k, v = undefined) {
      const s = ps(this); need(arguments.length, 1, "delete"); k = usv(k);
      if (v === undefined) s.list = s.list.filter(([x]) => x !== k);
      else { v = usv(v); s.list = s.list.filter(([x, y]) => x !== k || y !== v); }
      update(this);
    }
    get(k) { const l = ps(this).list; need(arguments.length, 1, "get"); k = usv(k); const e = l.find(([x]) => x === k); return e ? e[1] : null; }
    getAll(k) { const l = ps(this).list; need(arguments.length, 1, "getAll"); k = usv(k); return l.filter(([x]) => x === k).map(([, v]) => v); }
    has(k, v = undefined) {
      const l = ps(this).list; need(arguments.length, 1, "has"); k = usv(k);
      if (v === undefined) return l.some(([x]) => x === k);
      v = usv(v);
      return l.some(([x, y]) => x === k && y === v);
    }
    set(k, v) {
      const s = ps(this); need(arguments.length, 2, "set"); k = usv(k); v = usv(v);
      const i = s.list.findIndex(([x]) => x === k);
      if (i < 0) s.list.push([k, v]);
      else { s.list[i] = [k, v]; s.list = s.list.filter(([x], j) => x !== k || j === i); }
      update(this);
    }
    // A stable sort by code units (URL #dom-urlsearchparams-sort).
    sort() { ps(this).list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); update(this); }
    get size() { return ps(this).list.length; }
    forEach(f, thisArg = undefined) {
      const s = ps(this);
      if (typeof f !== "function") throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': the callback is not a function");
      for (let i = 0; i < s.list.length; i++) { const [k, v] = s.list[i]; f.call(thisArg, v, k, this); }
    }
    entries() { return paramsIterator(this, 0); }
    keys() { return paramsIterator(this, 1); }
    values() { return paramsIterator(this, 2); }
    toString() { return ps(this).list.map(([k, v]) => encodeForm(k) + "=" + encodeForm(v)).join("&"); }
  }
  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
    value: URLSearchParams.prototype.entries, writable: true, enumerable: false, configurable: true,
  });
  // WebIDL #es-default-iterator-object: the index moves over the live list.
  const paramsIteratorState = internal.slotWeakMap();
  const URLSearchParamsIteratorPrototype = Object.create(Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), {
    next: {
      value: function next() {
        const it = paramsIteratorState.get(this);
        if (it === undefined) throw new TypeError("Illegal invocation: not a URLSearchParams Iterator");
        const list = ps(it.params).list;
        if (it.index >= list.length) return { value: undefined, done: true };
        const [k, v] = list[it.index++];
        return { value: it.kind === 0 ? [k, v] : it.kind === 1 ? k : v, done: false };
      },
      writable: true, enumerable: true, configurable: true,
    },
    [Symbol.toStringTag]: { value: "URLSearchParams Iterator", configurable: true },
  });
  function paramsIterator(params, kind) {
    ps(params);
    const it = Object.create(URLSearchParamsIteratorPrototype);
    paramsIteratorState.set(it, { params, kind, index: 0 });
    return it;
  }
  // WebIDL: an operation called with fewer arguments than it requires.
  function need(given, required, what) {
    if (given < required) throw new TypeError(`Failed to execute '${what}' on 'URLSearchParams': ${required} argument${required > 1 ? "s" : ""} required, but only ${given} present.`);
  }
  function parseQuery(q) { return q.split("&").filter((x) => x).map((x) => { const i = x.indexOf("="); return i < 0 ? [decodeForm(x), ""] : [decodeForm(x.slice(0, i)), decodeForm(x.slice(i + 1))]; }); }
  function ps(p) { const s = paramsState.get(p); if (!s) throw new TypeError("Illegal invocation"); return s; }
  function update(p) { const s = ps(p); if (s.url) { const q = p.toString(); const u = us(s.url); const c = host.urlSet(u.c[0], "search", q); if (c) u.c = c; } }
  Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: "URLSearchParams", configurable: true });

  // For fetch.js: what Headers, Response and fetch read of Blobs and URLSearchParams.
  internal.web = { blobState, bytesOf, encoder, makeBlob, paramsState, normalizeType };

  // FileReaderSync (File API #FileReaderSync), in workers only: the
  // Blob's bytes are here, so each read is immediate.
  const syncReaders = new WeakSet();
  class FileReaderSync {
    constructor() { syncReaders.add(this); }
    readAsArrayBuffer(blob) { frs(this, arguments.length); return bs(blob).bytes.slice().buffer; }
    readAsBinaryString(blob) { frs(this, arguments.length); return binaryString(bs(blob).bytes); }
    readAsText(blob, encoding = undefined) {
      frs(this, arguments.length);
      const b = bs(blob);
      return blobText(b.bytes, encoding === undefined ? undefined : String(encoding), b.type);
    }
    readAsDataURL(blob) {
      frs(this, arguments.length);
      const b = bs(blob);
      return "data:" + (b.type || "application/octet-stream") + ";base64," + btoa(binaryString(b.bytes));
    }
  }
  function frs(r, argc) {
    if (!syncReaders.has(r)) throw new TypeError("Illegal invocation: not a FileReaderSync");
    if (argc < 1) throw new TypeError("FileReaderSync: 1 argument required");
  }
  Object.defineProperty(FileReaderSync.prototype, Symbol.toStringTag, { value: "FileReaderSync", configurable: true });
  const g = { TextEncoder, TextDecoder, Blob, File, URL, URLSearchParams, FileReader, ProgressEvent };
  if (host.workerPort !== undefined || host.sharedWorkerName !== undefined) g.FileReaderSync = FileReaderSync;
  for (const [k, v] of Object.entries(g))
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
})
