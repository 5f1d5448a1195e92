// Pass counts per directory from `msgport test --json` results, and, given
// `--deno DIR` (Deno's expectation files, one JSON per top directory), how
// many of the same test files Deno passes fully.
//
//   node summary.mjs WPT_ROOT results.json dir... [--deno DIR]
//
// A test file is counted once per global it runs in, as wptrunner and Deno
// count them: `x.any.js` in a window is Deno's `x.any.html`, in a dedicated
// worker `x.any.worker.html`, in a shared worker `x.any.sharedworker.html`.
import { readFileSync, existsSync } from "node:fs";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
const denoAt = args.indexOf("--deno");
const denoDir = denoAt >= 0 ? args[denoAt + 1] : null;
const [wptRoot, resultsPath, ...dirs] = denoAt >= 0 ? args.slice(0, denoAt) : args;
const { results } = JSON.parse(readFileSync(resultsPath, "utf8"));

// The name wptrunner (and Deno) gives a file run in a scope.
function unitName(rel, scope) {
  const any = rel.match(/^(.*)\.any\.js$/);
  if (any) {
    const suffix = { window: "html", dedicatedworker: "worker.html", sharedworker: "sharedworker.html" }[scope];
    return `${any[1]}.any.${suffix ?? scope + ".html"}`;
  }
  return rel.replace(/\.(window|worker)\.js$/, ".$1.html");
}

// Deno's verdict for a unit: true (all pass), false (not run or fails), or
// the list of subtests it is known to fail.
function denoVerdict(unit) {
  const parts = unit.split("/");
  const file = join(denoDir, `${parts[0]}.json`);
  if (!existsSync(file)) return undefined;
  let node = JSON.parse(readFileSync(file, "utf8"));
  for (const p of parts.slice(1)) {
    if (node === undefined || node === null || typeof node !== "object") return undefined;
    node = node[p];
  }
  if (node && typeof node === "object" && Array.isArray(node.expectedFailures)) {
    return node.expectedFailures.length === 0 ? true : node.expectedFailures;
  }
  return node;
}
// A file Deno runs in variants (`x.any.html?1-1000`) passes whole when
// every variant does; `msgport test` counts the variants as one file.
function denoVerdictOfFile(unit) {
  const whole = denoVerdict(unit);
  if (whole !== undefined) return whole;
  const parts = unit.split("/");
  const file = join(denoDir, `${parts[0]}.json`);
  if (!existsSync(file)) return undefined;
  let dir = JSON.parse(readFileSync(file, "utf8"));
  for (const p of parts.slice(1, -1)) dir = dir && typeof dir === "object" ? dir[p] : undefined;
  if (!dir || typeof dir !== "object") return undefined;
  const base = parts[parts.length - 1];
  const variants = Object.keys(dir).filter((k) => k.startsWith(`${base}?`));
  if (variants.length === 0) return undefined;
  const passes = (v) => v === true || (v && Array.isArray(v.expectedFailures) && v.expectedFailures.length === 0);
  return variants.every((k) => passes(dir[k]));
}

// Failures the expectations file does not name (none, when it is up to date).
const unexpected = new Map();
for (const r of results) {
  if (r.status !== "PASS" && (r.expected_failure === null || r.expected_failure === undefined)) {
    const rel = relative(wptRoot, r.file);
    unexpected.set(rel, (unexpected.get(rel) ?? 0) + 1);
  }
}
const units = new Map();
for (const r of results) {
  const rel = relative(wptRoot, r.file);
  const key = unitName(rel, r.scope);
  const u = units.get(key) ?? { pass: 0, total: 0 };
  u.total += 1;
  if (r.status === "PASS") u.pass += 1;
  units.set(key, u);
}

const rows = [["directory", "files", "msgport: files passing", "msgport: subtests passing", "unexpected failures", ...(denoDir ? ["Deno: same files passing"] : [])]];
for (const dir of dirs) {
  let files = 0, full = 0, pass = 0, total = 0, deno = 0;
  for (const [unit, u] of units) {
    if (!unit.startsWith(dir + "/")) continue;
    files += 1;
    if (u.pass === u.total) full += 1;
    pass += u.pass;
    total += u.total;
    if (denoDir && denoVerdictOfFile(unit) === true) deno += 1;
  }
  let surprises = 0;
  for (const [file, n] of unexpected) if (file.startsWith(dir + "/")) surprises += n;
  rows.push([dir, String(files), String(full), `${pass}/${total}`, String(surprises), ...(denoDir ? [String(deno)] : [])]);
}
console.log(rows.map((r) => `| ${r.join(" | ")} |`).join("\n").replace(/\n/, `\n|${rows[0].map(() => "---").join("|")}|\n`));
