// console (WHATWG Console Standard): the Logger and its Formatter
// (%s %d %i %f %o %O %j %c %%), counting, timing and grouping, and an
// inspector that shows values the way Node's console does for the common
// cases: nesting to depth 2, quoted strings inside structures, holes,
// circular references, class names, and long structures broken over lines.
// Output goes through host.print (crates/js/src/runtime/globals/).
(function (host, internal) {
  "use strict";
  // ---- Collections of captured intrinsics (for every prelude) -----------
  // The preludes' own bookkeeping (which ports exist, their targets, event
  // handlers…) lives in these: their methods are the originals, captured
  // before any user code runs, so nothing a script does to Map.prototype,
  // Set.prototype or WeakMap.prototype changes how the runtime works.
  {
    // Each is a real Map, Set or WeakMap whose methods are own properties
    // holding the originals: a call is an ordinary method call (as fast as
    // before), and the built-in prototypes are never consulted.
    const MapC = Map, SetC = Set, WeakMapC = WeakMap, define = Object.defineProperty;
    const own = (o, methods, size) => {
      for (let i = 0; i < methods.length; i += 2) define(o, methods[i], { value: methods[i + 1] });
      if (size !== undefined) define(o, "size", { get: size });
      return o;
    };
    const sizeOf = (proto) => Object.getOwnPropertyDescriptor(proto, "size").get;
    const M = Map.prototype, S = Set.prototype, W = WeakMap.prototype;
    const mapMethods = ["get", M.get, "set", M.set, "has", M.has, "delete", M.delete, "clear", M.clear, "forEach", M.forEach];
    const setMethods = ["add", S.add, "has", S.has, "delete", S.delete, "clear", S.clear, "forEach", S.forEach];
    const weakMethods = ["get", W.get, "set", W.set, "has", W.has, "delete", W.delete];
    const mapSize = sizeOf(M), setSize = sizeOf(S);
    internal.safeMap = () => own(new MapC(), mapMethods, mapSize);
    internal.safeSet = () => own(new SetC(), setMethods, setSize);
    // `slotWeakMap`: a weak map from objects to the preludes' state, kept
    // in a private field of the object itself (added by a constructor that
    // returns the object it is given): a lookup is a property lookup. Every
    // prelude map keyed by platform objects is one: a WeakMap hashes
    // objects by address, whose low bits are always zero, so 40,000 ports
    // (or Blobs, signals, streams) made chains sixteen times longer than
    // they should be (QuickJS multiplies the address by an odd number and
    // masks the low bits), and a lookup cost 3-6x more with 100,000 live
    // objects than with 1,000. A slot costs the same at any count, and its
    // methods are its own (a script that replaces WeakMap.prototype.get
    // changes nothing here). Private fields cannot be seen, listed or
    // changed by scripts, and they go with the object, as a WeakMap's
    // entry would. An object that cannot take a field (one made
    // non-extensible before it was first keyed) falls back to a WeakMap.
    internal.slotWeakMap = () => {
      const fallback = own(new WeakMapC(), weakMethods);
      class Give { constructor(o) { return o; } }
      // Each method is one call for a hit (a lookup on the hot paths of
      // delivery must cost about what WeakMap.prototype.get costs).
      class Slot extends Give {
        #v;
        constructor(o, v) { super(o); this.#v = v; }
        static get(o) {
          if ((typeof o === "object" && o !== null) || typeof o === "function") return #v in o ? o.#v : fallback.get(o);
          return undefined;
        }
        static has(o) {
          return ((typeof o === "object" && o !== null) || typeof o === "function") && (#v in o || fallback.has(o));
        }
        static set(o, v) {
          if ((typeof o !== "object" || o === null) && typeof o !== "function") fallback.set(o, v); // (throws, as a WeakMap's would)
          else if (#v in o) o.#v = v;
          else if (fallback.has(o)) fallback.set(o, v);
          else { try { new Slot(o, v); } catch { fallback.set(o, v); } }
        }
      }
      return { __proto__: null, get: Slot.get, has: Slot.has, set: Slot.set };
    };
  }
  const BREAK = 80;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const TypedArray = Object.getPrototypeOf(Int8Array);
  const taTag = Object.getOwnPropertyDescriptor(TypedArray.prototype, Symbol.toStringTag).get;
  const { getPrototypeOf, getOwnPropertyDescriptor, getOwnPropertyNames, getOwnPropertySymbols } = Object;
  const errorToString = Error.prototype.toString;
  const dateISO = Date.prototype.toISOString, dateValue = Date.prototype.getTime;
  // Brand checks (the internal slot, not the prototype chain: an object
  // whose prototype is a Map has no [[MapData]], and Map's getters throw on
  // it). Each is a built-in that throws a TypeError for the wrong brand.
  const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;
  const has = (check) => (v) => { try { check(v); return true; } catch { return false; } };
  const mapSize = getter(Map.prototype, "size"), setSize = getter(Set.prototype, "size");
  const abLength = getter(ArrayBuffer.prototype, "byteLength"), reSource = getter(RegExp.prototype, "source");
  const weakMapHas = WeakMap.prototype.has, weakSetHas = WeakSet.prototype.has;
  const mapEntries = Map.prototype.entries, setValues = Set.prototype.values;
  const taLength = getter(TypedArray.prototype, "length");
  const isTypedArray = (v) => taTag.call(v) !== undefined;
  const isMap = has((v) => mapSize.call(v)), isSet = has((v) => setSize.call(v));
  const isArrayBuffer = has((v) => abLength.call(v)), isDate = has((v) => dateValue.call(v));
  const isWeak = has((v) => { try { weakMapHas.call(v, {}); } catch { weakSetHas.call(v, {}); } });
  // (RegExp.prototype itself answers `source` but is no RegExp.)
  const isRegExp = has((v) => { if (v === RegExp.prototype) throw 0; reSource.call(v); });
  const escapes = { "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f" };

  // A string as a literal: single quotes unless the text has some (then
  // double, then backticks), control characters and lone surrogates escaped.
  function quote(s) {
    let q = "'";
    if (s.includes("'")) q = !s.includes('"') ? '"' : !s.includes("`") && !s.includes("${") ? "`" : "'";
    let out = q;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i], c = s.charCodeAt(i);
      if (ch === q || ch === "\\") out += "\\" + ch;
      else if (escapes[ch] !== undefined) out += escapes[ch];
      else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = s.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) { out += ch + s[i + 1]; i++; }
        else out += "\\u" + c.toString(16).toUpperCase();
      } else out += ch;
    }
    return out + q;
  }
  function numberText(n) { return Object.is(n, -0) ? "-0" : String(n); }
  function primitive(v, nested) {
    switch (typeof v) {
      case "string": return nested ? quote(v) : v;
      case "number": return numberText(v);
      case "bigint": return `${v}n`;
      case "symbol": return v.toString();
      case "undefined": return "undefined";
      case "boolean": return String(v);
    }
    return v === null ? "null" : undefined;
  }
  function keyText(k) {
    if (typeof k === "symbol") return `[${k.toString()}]`;
    return identifier.test(k) ? k : quote(k);
  }
  // The name of the nearest constructor on the prototype chain; null for
  // an object with no prototype.
  function constructorName(o) {
    for (let p = o; p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, "constructor");
      if (d !== undefined && typeof d.value === "function" && d.value.name !== "") return d.value.name;
    }
    return null;
  }
  function functionBase(f) {
    const src = Function.prototype.toString.call(f);
    const name = f.name ? String(f.name) : "";
    if (src.startsWith("class")) {
      const sup = getPrototypeOf(f);
      return `[class ${name || "(anonymous)"}${sup && sup.name ? ` extends ${sup.name}` : ""}]`;
    }
    const kind = src.startsWith("async function*") ? "AsyncGeneratorFunction"
      : src.startsWith("async") ? "AsyncFunction"
      : /^function\s*\*/.test(src) ? "GeneratorFunction" : "Function";
    return `[${kind}${name ? ": " + name : " (anonymous)"}]`;
  }

  function inspect(value, options = {}) {
    const ctx = { seen: [], refs: new Map(), depth: options.depth ?? 2, indent: 0, currentDepth: 0 };
    return formatValue(ctx, value, 0, false);
  }

  function formatValue(ctx, v, level, nested) {
    const p = primitive(v, nested);
    if (p !== undefined) return p;
    // A Proxy is shown as its target (no trap runs), as Node shows it.
    const target = host.proxyTarget(v);
    if (target === null) return "<Revoked Proxy>";
    if (target !== undefined) return formatValue(ctx, target, level, nested);
    if (ctx.seen.includes(v)) {
      let n = ctx.refs.get(v);
      if (n === undefined) { n = ctx.refs.size + 1; ctx.refs.set(v, n); }
      return `[Circular *${n}]`;
    }
    return formatObject(ctx, v, level);
  }

  // A Map's or Set's heading, as Node writes it: `Map(1) `, a subclass's
  // `M(1) [Map] `, no prototype `[Map(1): null prototype] `.
  function sized(ctor, kind, size) {
    if (ctor === null) return `[${kind}(${size}): null prototype] `;
    return ctor === kind ? `${kind}(${size}) ` : `${ctor}(${size}) [${kind}] `;
  }

  function formatObject(ctx, v, level) {
    const ctor = constructorName(v);
    let tag = v[Symbol.toStringTag];
    if (typeof tag !== "string" || tag === ctor) tag = "";
    let prefix = ctor === null ? `[${tag || "Object"}: null prototype] ` : ctor !== "Object" ? `${ctor}${tag ? ` [${tag}]` : ""} ` : tag ? `Object [${tag}] ` : "";
    let keys = ownKeys(v), braces = ["{", "}"], base = "", entries = null, isArray = false;
    if (Array.isArray(v)) {
      isArray = true;
      prefix = ctor === "Array" ? "" : `${ctor || "[Array: null prototype]"}(${v.length}) `;
      braces = ["[", "]"];
      keys = keys.filter((k) => typeof k === "symbol" || !isIndex(k));
      entries = (c) => arrayEntries(c, v, level);
    } else if (isTypedArray(v)) {
      isArray = true;
      prefix = `${taTag.call(v)}(${taLength.call(v)}) `;
      braces = ["[", "]"];
      keys = keys.filter((k) => typeof k === "symbol" || !isIndex(k));
      entries = () => {
        const out = [];
        const length = taLength.call(v), n = Math.min(length, 100);
        for (let i = 0; i < n; i++) out.push(primitive(v[i], true));
        if (length > n) out.push(`... ${length - n} more item${length - n > 1 ? "s" : ""}`);
        return out;
      };
    } else if (isMap(v)) {
      prefix = sized(ctor, "Map", mapSize.call(v));
      entries = (c) => { const out = []; for (const [k, x] of mapEntries.call(v)) out.push(`${child(c, k, level)} => ${child(c, x, level)}`); return out; };
    } else if (isSet(v)) {
      prefix = sized(ctor, "Set", setSize.call(v));
      entries = (c) => { const out = []; for (const x of setValues.call(v)) out.push(child(c, x, level)); return out; };
    } else if (isArrayBuffer(v)) {
      const byteLength = abLength.call(v);
      const bytes = new Uint8Array(v, 0, Math.min(byteLength, 50));
      let hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
      if (byteLength > 50) hex += ` ... ${byteLength - 50} more byte${byteLength - 50 > 1 ? "s" : ""}`;
      entries = () => [`[Uint8Contents]: <${hex}>`, `byteLength: ${byteLength}`];
    } else if (isWeak(v)) {
      entries = () => ["<items unknown>"];
    } else if (typeof v === "function") {
      base = functionBase(v);
      keys = keys.filter((k) => k !== "prototype");
      if (keys.length === 0) return base;
      prefix = "";
    } else if (isRegExp(v)) {
      base = String(v);
      if (keys.length === 0) return base;
      prefix = "";
    } else if (isDate(v)) {
      base = Number.isNaN(dateValue.call(v)) ? "Invalid Date" : dateISO.call(v);
      if (keys.length === 0) return base;
      prefix = "";
    } else if (v instanceof Error) {
      const stack = typeof v.stack === "string" && v.stack !== "" ? v.stack : "";
      const head = errorToString.call(v);
      base = stack ? (stack.startsWith(head) ? stack : `${head}\n${stack}`).trimEnd() : `[${head}]`;
      keys = keys.filter((k) => k !== "stack" && k !== "message");
      if (keys.length === 0) return base;
      prefix = "";
    } else if (isPlatformObject(v)) {
      // A platform object (Blob, URL, Event, MessagePort…): its state is
      // internal, so show its IDL attributes' values (and a Headers' or
      // URLSearchParams' entries), as Node and Deno do.
      keys = keys.filter((k) => k !== "isTrusted");
      const kind = v[Symbol.toStringTag];
      const pairs = iterablePairs(v, kind);
      const attrs = pairs === null ? platformAttributes(v) : [];
      if (attrs.length !== 0 || (pairs !== null && pairs.length !== 0)) {
        entries = (c) => {
          const out = (pairs || []).map(([k, x]) => kind === "Headers" ? `${keyText(k)}: ${child(c, x, level)}` : `${child(c, k, level)} => ${child(c, x, level)}`);
          for (const [k, x] of attrs) out.push(`${keyText(k)}: ${child(c, x, level)}`);
          return out;
        };
      }
    } else {
      for (const [C, name] of [[Number, "Number"], [String, "String"], [Boolean, "Boolean"], [BigInt, "BigInt"], [Symbol, "Symbol"]]) {
        let inner;
        try { inner = C.prototype.valueOf.call(v); } catch { continue; }
        base = `[${name}: ${primitive(inner, true)}]`;
        if (name === "String") keys = keys.filter((k) => typeof k === "symbol" || !isIndex(k));
        if (keys.length === 0) return base;
        prefix = "";
        break;
      }
    }
    const empty = keys.length === 0 && (entries === null || (isArray && (isTypedArray(v) ? taLength.call(v) : v.length) === 0) ||
      ((isMap(v) && mapSize.call(v) === 0) || (isSet(v) && setSize.call(v) === 0)));
    const head = (prefix + base).trimEnd();
    // Empty structures are shown whole at any depth, and do not count as a
    // level of nesting for the line-breaking rule.
    if (empty) return head ? `${head} ${braces[0]}${braces[1]}` : braces[0] + braces[1];
    if (level > ctx.depth) {
      if (isArray) return "[Array]";
      return `[${(ctor === null ? "Object: null prototype" : ctor) || tag || "Object"}]`;
    }
    ctx.seen.push(v);
    ctx.currentDepth = level;
    let output;
    try {
      output = entries === null ? [] : entries(ctx);
      for (const k of keys) output.push(property(ctx, v, k, level));
    } finally {
      ctx.seen.pop();
    }
    const res = reduce(ctx, output, head, braces, isArray, level, isArray ? v : undefined);
    const ref = ctx.refs.get(v);
    return ref === undefined ? res : `<ref *${ref}> ${res}`;
  }

  function isPlatformObject(v) {
    const protos = internal.platformPrototypes;
    if (protos === undefined) return false;
    for (let p = Object.getPrototypeOf(v), n = 0; p !== null && n < 32; p = Object.getPrototypeOf(p), n++)
      if (protos.includes(p) || p === internal.BlobPrototype || p === internal.MessagePortPrototype) return true;
    return false;
  }
  // The IDL attributes on the prototype chain (not event handlers), each
  // read through its getter; one that throws (no brand) is left out.
  function platformAttributes(v) {
    const out = [], seen = new Set();
    for (let p = Object.getPrototypeOf(v), n = 0; p !== null && p !== Object.prototype && n < 32; p = Object.getPrototypeOf(p), n++) {
      for (const k of getOwnPropertyNames(p)) {
        if (seen.has(k) || k === "constructor" || k.startsWith("on")) continue;
        seen.add(k);
        const d = getOwnPropertyDescriptor(p, k);
        if (typeof d.get !== "function") continue;
        try { out.push([k, d.get.call(v)]); } catch { /* not this object's attribute */ }
      }
    }
    return out;
  }
  // A Headers' or URLSearchParams' entries (at most 100); null for others.
  function iterablePairs(v, kind) {
    if (kind !== "Headers" && kind !== "URLSearchParams") return null;
    const out = [];
    try { for (const e of v) { if (out.length === 100) break; out.push(e); } } catch { return []; }
    return out;
  }
  function isIndex(k) { return typeof k === "string" && /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295; }
  function ownKeys(o) {
    const keys = getOwnPropertyNames(o).filter((k) => getOwnPropertyDescriptor(o, k)?.enumerable);
    for (const s of getOwnPropertySymbols(o)) if (getOwnPropertyDescriptor(o, s)?.enumerable) keys.push(s);
    return keys;
  }
  function child(ctx, v, level) {
    ctx.indent += 2;
    try { return formatValue(ctx, v, level + 1, true); } finally { ctx.indent -= 2; }
  }
  function valueText(ctx, o, k, level) {
    const d = getOwnPropertyDescriptor(o, k);
    if (d === undefined) return "undefined";
    if (d.get !== undefined || d.set !== undefined) return d.get && d.set ? "[Getter/Setter]" : d.get ? "[Getter]" : "[Setter]";
    return child(ctx, d.value, level);
  }
  function property(ctx, o, k, level) { return `${keyText(k)}: ${valueText(ctx, o, k, level)}`; }
  function arrayEntries(ctx, a, level) {
    const out = [];
    const n = Math.min(a.length, 100);
    let holes = 0;
    const flush = () => { if (holes) { out.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; } };
    for (let i = 0; i < n; i++) {
      if (!Object.prototype.hasOwnProperty.call(a, i)) { holes++; continue; }
      flush();
      out.push(valueText(ctx, a, String(i), level));
    }
    flush();
    if (a.length > n) out.push(`... ${a.length - n} more item${a.length - n > 1 ? "s" : ""}`);
    return out;
  }

  // One line if it is short and holds at most three levels of nesting;
  // otherwise one entry per line, indented. Arrays of more than six short
  // entries are laid out in aligned columns first.
  function reduce(ctx, output, head, braces, isArray, level, value) {
    const entries = output.length;
    if (isArray && entries > 6) output = columns(ctx, output, value);
    const open = head ? `${head} ${braces[0]}` : braces[0];
    if (ctx.currentDepth - level < 3 && entries === output.length) {
      const start = output.length + ctx.indent + braces[0].length + head.length + 10;
      let total = output.length + start;
      const fits = total + output.length <= BREAK && output.every((o) => (total += o.length) <= BREAK);
      if (fits && !output.some((o) => o.includes("\n"))) return `${open} ${output.join(", ")} ${braces[1]}`;
    }
    const nl = "\n" + " ".repeat(ctx.indent);
    return `${open}${nl}  ${output.join(`,${nl}  `)}${nl}${braces[1]}`;
  }
  // Rows of aligned columns, about as many columns as a squarish block
  // needs (a character is taken to be 2.5 times as tall as it is wide),
  // never wider than the line, at most 12 columns; numbers are aligned
  // right, anything else left. Entries of very different widths are not
  // grouped. The trailing "... more items" stays on its own line.
  function columns(ctx, output, value) {
    const more = output[output.length - 1].startsWith("... ") ? output[output.length - 1] : null;
    const items = more === null ? output : output.slice(0, -1);
    const n = items.length;
    const widths = items.map((o) => o.length);
    const longest = Math.max(...widths);
    const cell = longest + 2; // the entry, a comma and a space
    const sum = widths.reduce((a, w) => a + w + 2, 0);
    if (!(cell * 3 + ctx.indent < BREAK && (sum / cell > 5 || longest <= 6))) return output;
    const spread = Math.sqrt(cell - sum / output.length);
    const unit = Math.max(cell - 3 - spread, 1);
    const cols = Math.min(Math.round(Math.sqrt(2.5 * unit * n) / unit), Math.floor((BREAK - ctx.indent) / cell), 12, 15);
    if (cols <= 1) return output;
    const colWidth = [];
    for (let c = 0; c < cols; c++) {
      let w = 0;
      for (let j = c; j < n; j += cols) w = Math.max(w, widths[j]);
      colWidth.push(w + 2);
    }
    let numeric = value !== undefined;
    for (let i = 0; numeric && i < output.length; i++) numeric = typeof value[i] === "number" || typeof value[i] === "bigint";
    const rows = [];
    for (let i = 0; i < n; i += cols) {
      const last = Math.min(i + cols, n) - 1;
      let row = "";
      for (let j = i; j < last; j++) {
        const cellText = items[j] + ", ";
        row += numeric ? cellText.padStart(colWidth[j - i]) : cellText.padEnd(colWidth[j - i]);
      }
      row += numeric ? items[last].padStart(colWidth[last - i] - 2) : items[last];
      rows.push(row);
    }
    if (more !== null) rows.push(more);
    return rows;
  }

  // The Formatter (Console Standard #formatter) with Node's %j, then the
  // remaining arguments, separated by spaces.
  function format(args) {
    if (args.length === 0) return "";
    let out = "", rest = 0;
    const first = args[0];
    if (typeof first === "string" && args.length > 1 && first.includes("%")) {
      let a = 1, last = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first[i] !== "%") continue;
        const c = first[i + 1];
        if (c === "%") { out += first.slice(last, i) + "%"; last = i + 2; i++; continue; }
        if (a >= args.length || !"sdifjoOc".includes(c)) continue;
        const x = args[a++];
        let text;
        switch (c) {
          case "s": text = typeof x === "string" ? x : typeof x === "bigint" ? `${x}n` : typeof x === "symbol" ? x.toString() : (typeof x === "object" && x !== null) ? inspect(x, { depth: 1 }) : numberText(x); break;
          case "d": text = typeof x === "bigint" ? `${x}n` : typeof x === "symbol" ? "NaN" : (typeof x === "object" && x !== null) ? "NaN" : numberText(Number(x)); break;
          case "i": text = typeof x === "bigint" ? `${x}n` : typeof x === "symbol" ? "NaN" : numberText(parseInt(x)); break;
          case "f": text = typeof x === "symbol" ? "NaN" : numberText(parseFloat(x)); break;
          case "j": try { text = JSON.stringify(x); } catch { text = "[Circular]"; } break;
          case "o": text = inspect(x, { depth: 4 }); break;
          case "O": text = inspect(x); break;
          case "c": text = ""; break;
        }
        out += first.slice(last, i) + text;
        last = i + 2;
        i++;
      }
      out += first.slice(last);
      rest = a;
    } else {
      out = typeof first === "string" ? first : inspect(first);
      rest = 1;
    }
    for (let i = rest; i < args.length; i++) out += " " + (typeof args[i] === "string" ? args[i] : inspect(args[i]));
    return out;
  }

  let groupIndent = "";
  const counts = new Map(), timers = new Map();
  function print(toStderr, text) {
    if (groupIndent) text = groupIndent + text.split("\n").join("\n" + groupIndent);
    host.print(toStderr, text);
  }
  const console = {
    log(...args) { print(false, format(args)); },
    info(...args) { print(false, format(args)); },
    debug(...args) { print(false, format(args)); },
    error(...args) { print(true, format(args)); },
    warn(...args) { print(true, format(args)); },
    trace(...args) {
      // The first line is the header; console.trace's own frame is a prelude's, left out.
      const made = new Error().stack;
      const stack = typeof made === "string" ? made.split("\n").slice(1).join("\n") : "";
      print(true, `Trace${args.length ? ": " + format(args) : ""}\n${stack}`.trimEnd());
    },
    assert(condition, ...args) {
      if (condition) return;
      print(true, args.length ? `Assertion failed: ${format(args)}` : "Assertion failed");
    },
    dir(v, options = undefined) { print(false, inspect(v, options ?? {})); },
    dirxml(...args) { print(false, format(args)); },
    table(...args) { print(false, format(args)); },
    count(label = "default") { label = String(label); const n = (counts.get(label) ?? 0) + 1; counts.set(label, n); print(false, `${label}: ${n}`); },
    countReset(label = "default") { label = String(label); if (counts.has(label)) counts.set(label, 0); else print(true, `Count for '${label}' does not exist`); },
    group(...args) { if (args.length) print(false, format(args)); groupIndent += "  "; },
    groupCollapsed(...args) { if (args.length) print(false, format(args)); groupIndent += "  "; },
    groupEnd() { groupIndent = groupIndent.slice(0, -2); },
    time(label = "default") { label = String(label); if (timers.has(label)) print(true, `Timer '${label}' already exists`); else timers.set(label, performance.now()); },
    timeLog(label = "default", ...data) { label = String(label); timeReport(label, false, data); },
    timeEnd(label = "default") { label = String(label); timeReport(label, true, []); },
  };
  function timeReport(label, end, data) {
    const t = timers.get(label);
    if (t === undefined) { print(true, `Timer '${label}' does not exist`); return; }
    if (end) timers.delete(label);
    const ms = performance.now() - t;
    print(false, `${label}: ${ms < 1000 ? `${ms.toFixed(3)}ms` : `${(ms / 1000).toFixed(3)}s`}${data.length ? " " + format(data) : ""}`);
  }
  Object.defineProperty(console, Symbol.toStringTag, { value: "console", configurable: true });
  Object.defineProperty(globalThis, "console", { value: console, writable: true, configurable: true, enumerable: false });
  // For the host: how an uncaught value that is not an Error is shown
  // (runtime/globals/console.rs looks it up under this registered symbol).
  Object.defineProperty(globalThis, Symbol.for("msgport.inspect"), { value: (v) => inspect(v), configurable: true });
})
