// importScripts (HTML #import-scripts-into-worker-global-scope): what it
// accepts as a script, and when a blob: URL is looked up.

test(() => {
  self.ran = [];
  importScripts("data:text/javascript,self.ran.push(1)", "data:application/javascript;charset=utf-8,self.ran.push(2)");
  assert_array_equals(self.ran, [1, 2]);
  for (const type of ["text/plain", "", "text/html", "image/png", "application/json"]) {
    assert_throws_dom("NetworkError", () => importScripts(`data:${type},self.ran.push(3)`), type || "(empty: text/plain)");
  }
  assert_array_equals(self.ran, [1, 2], "nothing of a refused script ran");
}, "a data: URL must have a JavaScript MIME type");

test(() => {
  self.ran = [];
  const ok = URL.createObjectURL(new Blob(["self.ran.push('js')"], { type: "text/javascript" }));
  const bad = URL.createObjectURL(new Blob(["self.ran.push('csv')"], { type: "text/csv" }));
  importScripts(ok);
  assert_throws_dom("NetworkError", () => importScripts(bad));
  assert_array_equals(self.ran, ["js"]);
}, "a blob: URL's Blob must have a JavaScript MIME type");

test(() => {
  self.ran = [];
  const second = URL.createObjectURL(new Blob(["self.ran.push('second')"], { type: "text/javascript" }));
  self.secondURL = second;
  const first = URL.createObjectURL(new Blob(["URL.revokeObjectURL(self.secondURL); self.ran.push('first')"], { type: "text/javascript" }));
  importScripts(first, second);
  assert_array_equals(self.ran, ["first", "second"]);
  assert_throws_dom("NetworkError", () => importScripts(second), "revoked for a later call");
}, "blob: URLs are looked up when the call parses them, before any script runs");

test(() => {
  // File API #FileReaderSync, in workers.
  const r = new FileReaderSync();
  const blob = new Blob(["h\u00e9llo"], { type: "text/plain" });
  assert_equals(r.readAsText(blob), "h\u00e9llo");
  assert_equals(r.readAsText(new Blob([new Uint8Array([0xFE, 0xFF, 0, 0x41])])), "A", "a BOM decides");
  assert_equals(r.readAsText(new Blob([new Uint8Array([0x41, 0])]), "utf-16le"), "A", "the encoding argument");
  assert_equals(new Uint8Array(r.readAsArrayBuffer(blob)).length, 6);
  assert_equals(r.readAsDataURL(new Blob(["hi"], { type: "text/plain" })), "data:text/plain;base64,aGk=");
  assert_equals(r.readAsBinaryString(new Blob([new Uint8Array([0xFF])])), "\u00ff");
  assert_throws_js(TypeError, () => r.readAsText("not a blob"));
  assert_throws_js(TypeError, () => FileReaderSync.prototype.readAsText.call({}, blob));
}, "FileReaderSync reads a Blob at once");
