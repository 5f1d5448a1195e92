#!/usr/bin/env bash
# The JS benchmarks side by side: the same scripts on msgport (release
# build), Node and Deno, in one run, alternating round by round, with the
# median of each, the ratios, and each runtime's peak RSS.
#
#   bash bench/js/run.sh [rounds]            # every case, 3 rounds
#   CASES="graph-clone rpc" bash bench/js/run.sh 5
#   PIN=0 bash bench/js/run.sh               # every process on CPU 0
#   LOAD=2 bash bench/js/run.sh              # two CPU-bound processes beside
#
# Values are per message or per operation (lower is better) or msgs/s
# (higher is better); "x node" and "x deno" are how many times better
# msgport is. Deno is installed from npm by setup-deno.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q --release -p msgport-cli
deno=$(bash bench/js/setup-deno.sh)
rounds=${1:-3}
here=bench/js
all="stream pingpong rtt atomics transfer clone workerstream streamnested manychannels rpc rpc-shapes graph-clone graph-post graph-worker clone256 numbers-clone numbers-post strings-post"
cases=(${CASES:-$all})
for s in "${cases[@]}"; do
  { cat "$here/compat.js"; case $s in graph-*) cat "$here/graph-data.js" ;; esac; cat "$here/$s.js"; } > "$here/_with_compat_$s.js"
done
loaders=()
cleanup() {
  rm -f "$here"/_with_compat_*.js
  for p in "${loaders[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
for _ in $(seq "${LOAD:-0}"); do (exec yes >/dev/null) & loaders+=($!); done
wrap=()
[ -n "${PIN:-}" ] && wrap=(taskset -c "$PIN")
run() { # runtime case -> one JSON line {name, value, unit, rss_kb}
  local out err f="$here/_with_compat_$2.js"
  err=$(mktemp)
  case $1 in
    msgport) out=$("${wrap[@]}" /usr/bin/time -f "RSS %M" ./target/release/msgport run "$f" 2>"$err") ;;
    node) out=$("${wrap[@]}" /usr/bin/time -f "RSS %M" node "$f" 2>"$err") ;;
    deno) out=$("${wrap[@]}" /usr/bin/time -f "RSS %M" "$deno" run -A --quiet "$f" 2>"$err") ;;
  esac || { echo "$1 $2 failed:" >&2; cat "$err" >&2; }
  local rss
  rss=$(grep -o 'RSS [0-9]*' "$err" | tail -1 | cut -d' ' -f2)
  rm -f "$err"
  node -e 'const l = process.argv[1].trim().split("\n").pop(); let r; try { r = JSON.parse(l); } catch { r = { name: process.argv[3], value: NaN, unit: "?" }; } r.rss_kb = Number(process.argv[2]) || NaN; console.log(JSON.stringify(r));' "$out" "${rss:-0}" "$2"
}
printf "%-14s %13s %13s %13s %8s %8s %8s %8s %8s\n" case msgport node deno "x node" "x deno" "MB msgp" "MB node" "MB deno"
for s in "${cases[@]}"; do
  results=()
  for _ in $(seq "$rounds"); do
    for rt in msgport node deno; do results+=("$rt $(run $rt "$s")"); done
  done
  printf '%s\n' "${results[@]}" | node -e '
    const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
    const by = { msgport: [], node: [], deno: [] };
    for (const l of lines) { const i = l.indexOf(" "); by[l.slice(0, i)].push(JSON.parse(l.slice(i + 1))); }
    const med = (xs) => { xs = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b); if (!xs.length) return NaN; const m = xs.length >> 1; return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2; };
    const unit = by.msgport.concat(by.node).find((r) => r.unit !== "?")?.unit ?? "?";
    const higher = unit === "msgs/s";
    const v = {}, mb = {};
    for (const k in by) { v[k] = med(by[k].map((r) => r.value)); mb[k] = med(by[k].map((r) => r.rss_kb)) / 1024; }
    const ratio = (o) => (higher ? v.msgport / v[o] : v[o] / v.msgport);
    const f = (x) => (Number.isNaN(x) ? "-" : x >= 1e5 ? x.toExponential(2) : x.toFixed(x < 10 ? 2 : 1));
    const name = by.msgport[0]?.name ?? "?";
    console.log(`${name.padEnd(14)} ${(f(v.msgport) + " " + unit).padStart(13)} ${(f(v.node)).padStart(13)} ${(f(v.deno)).padStart(13)} ${(f(ratio("node")) + "x").padStart(8)} ${(f(ratio("deno")) + "x").padStart(8)} ${f(mb.msgport).padStart(8)} ${f(mb.node).padStart(8)} ${f(mb.deno).padStart(8)}`);
  '
done
