// Writes tests/wpt/expectations.txt from `msgport test --json` results:
// every failing subtest with the reason it fails, by what its message
// shows it needs. Run it after `scripts/wpt.sh run` when a change makes a
// known failure pass or a new one appear; read the "open" ones (no known
// reason) before committing.
//
//   node tests/wpt/expect.mjs WPT_ROOT results.json > tests/wpt/expectations.txt
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const [wptRoot, resultsPath] = process.argv.slice(2);
const { results } = JSON.parse(readFileSync(resultsPath, "utf8"));

// [pattern over "file name message", reason], first match wins.
const reasons = [
  [/-manual\.html/, "a manual test"],
  [/^encoding\/legacy-mb-[^ ]*\.html .*tests unfinished|^encoding\/(bom-handling|remove-only-one-bom|big5-encoder|iso-2022-jp-(encoder|decoder)|eof-)[^ ]*\.html/, "needs a document or iframes: a shell host has none"],
  [/^webmessaging\/(MessageEvent_properties|Transferred_objects_unusable|with-ports\/01[0-9]|without-ports\/01[0-9])|^FileAPI\/url\/url-(charset|in-tags)/, "needs a document or iframes: a shell host has none"],
  [/self\.open|window\.open|\bopener\b/, "needs window.open (other windows)"],
  [/^workers\/baseurl\/|^workers\/importscripts_mime\.any\.js|^workers\/Worker_script_mimetype/, "needs the WPT server: .py handlers"],
  [/gb18030-decoder/, "encoding_rs decodes these GB18030 byte pairs as GB18030-2005 did; the Encoding Standard follows GB18030-2022"],
  [/eval\(import\(\)\)/, "QuickJS resolves an eval's dynamic import without the calling module's URL"],
  [/document is not defined|iframe|Iframe|window\[0\]|parent is not defined|contentWindow|opener|\bframes\b|remote-context-helper|emptyDocument/, "needs a document or iframes: a shell host has none"],
  [/crossOrigin|cross-origin|cross-site|xsite|\{\{|\.py\b|https|credentials|referrer|csp|redirect|service-worker|ServiceWorker|partition|sandbox|same-origin\.html|host-specific|file:\/\/:81|:8012|www1|user-activation|userActivation|userAgentData/, "needs the WPT server: other origins, .py handlers, HTTPS or a browser feature"],
  [/XMLHttpRequest|WebSocket|EventSource|FormData|Request is not defined|requestAnimationFrame|indexedDB|ImageData|canvas|CryptoKey|crypto\.subtle/, "needs an API this host does not provide (XHR, WebSocket, EventSource, FormData, Request, rAF, IndexedDB, canvas, WebCrypto keys)"],
  [/BYOB|ReadableByteStream|type: ?["']bytes["']|transfer(red|able) stream/i, "needs readable byte streams or transferable streams, not provided"],
  [/WebAssembly/, "needs WebAssembly, not provided"],
  [/SharedArrayBuffer/, "needs WebAssembly.Memory to make a SharedArrayBuffer (common/sab.js); no WebAssembly here"],
  [/ShadowRealm/, "needs ShadowRealm"],
  [/FileList/, "needs FileList (a DOM input's), not provided"],
  [/IdnaTestV2|toascii|url-constructor\.any\.js.*file|url-setters.*file|url-origin|url-setters\.any\.js/, "the url crate's parser differs from this revision of the URL tests"],
  [/\[native code\]/, "QuickJS prints a built-in function's source on several lines"],
  [/^url\/url-constructor/, "the url crate's parser differs from this revision of the URL tests"],
  [/Worker top-level script is|report-error-.*filename|null\/workers/, "tests are served from file: URLs, not http://web-platform.test (other paths and origin)"],
];

// When the message says nothing, what the test's own source uses.
const sources = new Map();
function bySource(path) {
  if (!sources.has(path)) {
    let text = "";
    try { text = readFileSync(path, "utf8"); } catch { /* gone */ }
    let reason = null;
    if (/<iframe|createElement\(\s*["']iframe|window\.open\(|document\.(body|createElement|querySelector|getElementById|domain)/.test(text)) reason = "needs a document or iframes: a shell host has none";
    else if (/XMLHttpRequest/.test(text)) reason = "needs an API this host does not provide (XHR)";
    else if (/IDB|Canvas|Path2D|ImageBitmap|WritableStream|QueuingStrategy|CloseEvent|TextMetrics/.test(text) && /interface object should be exposed/.test(text)) reason = "needs interfaces this host does not provide (canvas, IndexedDB, streams, WebSocket)";
    sources.set(path, reason);
  }
  return sources.get(path);
}

const lines = new Map();
let open = 0;
for (const r of results) {
  if (r.status === "PASS") continue;
  const file = relative(wptRoot, r.file);
  const hay = `${file} ${r.name} ${r.message}`;
  const found = reasons.find(([re]) => re.test(hay));
  const guessed = found ? found[1] : bySource(r.file.split("?")[0]);
  const reason = guessed ?? "open: not yet explained";
  if (!guessed) open++;
  // One line per file when every failure of it has one reason.
  const key = `${file}\u0000${r.name}`;
  lines.set(key, { file, name: r.name, reason });
}
// A subtest that failed without saying why (a timeout) in a file whose
// harness said what it lacked fails for that reason too.
const knownOfFile = new Map();
for (const l of lines.values()) if (!l.reason.startsWith("open")) knownOfFile.set(l.file, knownOfFile.get(l.file) ?? l.reason);
for (const l of lines.values()) {
  if (l.reason.startsWith("open") && knownOfFile.has(l.file)) { l.reason = knownOfFile.get(l.file); open--; }
}
const byFile = new Map();
for (const l of lines.values()) {
  const f = byFile.get(l.file) ?? [];
  f.push(l);
  byFile.set(l.file, f);
}
const out = [
  "# Known failures of upstream web-platform-tests under `msgport test` (scripts/wpt.sh),",
  "# written by tests/wpt/expect.mjs: `path | subtest (or *) | reason`.",
  "# A reason starting with \"open:\" is a failure not yet explained.",
];
for (const [file, ls] of [...byFile].sort()) {
  const reasonsOfFile = new Set(ls.map((l) => l.reason));
  if (reasonsOfFile.size === 1 && !ls[0].reason.startsWith("open")) {
    out.push(`${file} | * | ${ls[0].reason}`);
  } else {
    for (const l of ls) out.push(`${file} | ${l.name.replace(/\n/g, " ")} | ${l.reason}`);
  }
}
process.stdout.write(out.join("\n") + "\n");
process.stderr.write(`${lines.size} failing subtests, ${open} without a known reason\n`);
