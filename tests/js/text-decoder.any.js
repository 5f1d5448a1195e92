// TextDecoder for every encoding of the Encoding Standard
// (#interface-textdecoder): labels, fatal, ignoreBOM and streaming.
test(() => {
  for (const [label, name] of [["utf8", "utf-8"], [" UTF-8 ", "utf-8"], ["latin1", "windows-1252"], ["ascii", "windows-1252"],
    ["sjis", "shift_jis"], ["euc-kr", "euc-kr"], ["gb2312", "gbk"], ["utf-16", "utf-16le"], ["UTF-16BE", "utf-16be"],
    ["koi8-r", "koi8-r"], ["x-user-defined", "x-user-defined"], ["big5", "big5"], ["iso-8859-2", "iso-8859-2"]]) {
    assert_equals(new TextDecoder(label).encoding, name, label);
  }
  assert_throws_js(RangeError, () => new TextDecoder("no-such-encoding"));
  assert_throws_js(RangeError, () => new TextDecoder("replacement"), "the replacement encoding is not a label");
  assert_throws_js(RangeError, () => new TextDecoder("iso-2022-kr"), "a replacement label");
}, "labels name the standard's encodings");

test(() => {
  assert_equals(new TextDecoder("windows-1252").decode(new Uint8Array([0x80, 0x41])), "\u20ACA");
  assert_equals(new TextDecoder("shift_jis").decode(new Uint8Array([0x82, 0xA0])), "\u3042");
  assert_equals(new TextDecoder("euc-jp").decode(new Uint8Array([0xA4, 0xA2])), "\u3042");
  assert_equals(new TextDecoder("gbk").decode(new Uint8Array([0xC4, 0xE3])), "\u4F60");
  assert_equals(new TextDecoder("utf-16be").decode(new Uint8Array([0x00, 0x41, 0x00, 0x42])), "AB");
  assert_equals(new TextDecoder("utf-16le").decode(new Uint8Array([0xFF, 0xFE, 0x41, 0x00])), "A", "BOM removed");
  assert_equals(new TextDecoder("utf-16le", { ignoreBOM: true }).decode(new Uint8Array([0xFF, 0xFE, 0x41, 0x00])), "\uFEFFA");
}, "decode in legacy and UTF-16 encodings");

test(() => {
  const d = new TextDecoder("utf-16le");
  assert_equals(d.decode(new Uint8Array([0x41]), { stream: true }), "");
  assert_equals(d.decode(new Uint8Array([0x00, 0x42]), { stream: true }), "A");
  assert_equals(d.decode(new Uint8Array([0x00])), "B");
  const s = new TextDecoder("shift_jis");
  assert_equals(s.decode(new Uint8Array([0x82]), { stream: true }) + s.decode(new Uint8Array([0xA0])), "\u3042");
}, "streaming keeps a partial sequence for the next call");

test(() => {
  const d = new TextDecoder("utf-16le", { fatal: true });
  assert_true(d.fatal);
  assert_throws_js(TypeError, () => d.decode(new Uint8Array([0x00, 0xD8])), "a lone surrogate");
  assert_equals(new TextDecoder("utf-16le").decode(new Uint8Array([0x00, 0xD8])), "\uFFFD");
  assert_equals(d.decode(new Uint8Array([0x41, 0x00])), "A", "usable after the error");
}, "fatal decoding throws a TypeError");

test(() => {
  // Encoding #utf-8-decoder: a second byte out of the lead byte's range is
  // an error at once, even while streaming; only a sequence that could
  // still complete waits for the next call.
  const d = new TextDecoder();
  const b = (a) => new Uint8Array(a);
  assert_equals(d.decode(b([0xE0, 0x80]), { stream: true }), "\uFFFD\uFFFD");
  assert_equals(d.decode(b([0x80])), "\uFFFD");
  assert_equals(d.decode(b([0xED, 0xA0]), { stream: true }), "\uFFFD\uFFFD");
  assert_equals(d.decode(b([0xF4, 0x90]), { stream: true }), "\uFFFD\uFFFD");
  assert_equals(d.decode(), "");
  assert_equals(d.decode(b([0xF0, 0x90]), { stream: true }), "", "a valid start waits");
  assert_equals(d.decode(b([0x80, 0x80])), "\u{10000}");
  assert_equals(d.decode(b([0xE2, 0x82]), { stream: true }), "");
  assert_equals(d.decode(b([0xAC])), "€");
}, "streaming UTF-8: invalid second bytes are errors at once");

test(() => {
  const proto = TextEncoder.prototype;
  assert_throws_js(TypeError, () => proto.encode.call({}, "x"));
  assert_throws_js(TypeError, () => proto.encodeInto.call(null, "x", new Uint8Array(1)));
  assert_throws_js(TypeError, () => Object.getOwnPropertyDescriptor(proto, "encoding").get.call(proto));
  assert_equals(new TextEncoder().encoding, "utf-8");
}, "TextEncoder's methods and getter check their receiver");

test(() => {
  const buffer = new ArrayBuffer(4), view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  const { read, written } = new TextEncoder().encodeInto("test", view);
  assert_equals(read, 0);
  assert_equals(written, 0);
}, "encodeInto into a detached buffer writes nothing");

test(() => {
  // decode(bytes) of a Uint8Array without options takes a native path;
  // every input and state must come out as the general steps give it
  // (the same input as another view, or with `{}` as options, takes them).
  const inputs = [
    [], [0x68, 0x69], [0xEF, 0xBB, 0xBF, 0x41], [0xEF, 0xBB, 0xBF], [0xEF, 0xBB],
    [0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80], [0xFF, 0x41], [0xE2, 0x82], [0xED, 0xA0, 0x80],
  ];
  for (const fatal of [false, true]) for (const ignoreBOM of [false, true]) {
    for (const bytes of inputs) {
      const fast = new TextDecoder("utf-8", { fatal, ignoreBOM }), general = new TextDecoder("utf-8", { fatal, ignoreBOM });
      const run = (f) => { try { return f(); } catch (e) { return e.constructor.name; } };
      const a = run(() => fast.decode(new Uint8Array(bytes)));
      const b = run(() => general.decode(new DataView(new Uint8Array(bytes).buffer), {}));
      assert_equals(a, b, `${bytes} fatal=${fatal} ignoreBOM=${ignoreBOM}`);
      // And what each leaves: a BOM at the start of the next call.
      assert_equals(run(() => fast.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x42]))), run(() => general.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x42]), {})), `then a BOM, after ${bytes}`);
    }
  }
  const d = new TextDecoder();
  const big = new Uint8Array([0, 0x61, 0x62, 0x63, 0]);
  assert_equals(d.decode(big.subarray(1, 4)), "abc", "a view's own bytes only");
  class Bytes extends Uint8Array {}
  assert_equals(d.decode(new Bytes([0x6F, 0x6B])), "ok", "a subclass");
  assert_equals(d.decode(new Uint8ClampedArray([0x6F, 0x6B])), "ok");
  assert_equals(d.decode(new Int8Array([0x6F, 0x6B])), "ok");
  assert_equals(d.decode(new Uint16Array([0x6B6F])), "ok");
  const shared = new Uint8Array(new SharedArrayBuffer(2));
  shared.set([0x6F, 0x6B]);
  assert_equals(d.decode(shared), "ok", "shared memory");
  const gone = new Uint8Array([0x61]);
  structuredClone(gone.buffer, { transfer: [gone.buffer] });
  assert_equals(d.decode(gone), "", "a view of a detached buffer has no bytes");
  assert_throws_js(TypeError, () => d.decode("text"), "not a BufferSource");
  assert_throws_js(TypeError, () => d.decode({ length: 1, 0: 0x61 }), "not a BufferSource");
  // A pending sequence from a streaming call is completed, not skipped.
  assert_equals(d.decode(new Uint8Array([0xE2, 0x82]), { stream: true }), "");
  assert_equals(d.decode(new Uint8Array([0xAC])), "€");
  assert_equals(d.decode(new Uint8Array([0x21])), "!");
  // The end of a stream: a BOM there is text; the next call starts anew.
  assert_equals(d.decode(new Uint8Array([0x61]), { stream: true }), "a");
  assert_equals(d.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x42])), "\uFEFFB", "mid-stream, a BOM is a character");
  assert_equals(d.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x42])), "B", "a new stream drops its BOM");
}, "decode(Uint8Array) gives what the general steps give, and leaves the same state");
