#!/usr/bin/env bash
# How close item 5 of issue 14 (graph and RPC clones at 1.5x Node) can get
# on QuickJS at all: each case's floor on msgport's engine (the objects made
# as the engine's own literals, no clone; see floor/*.js) beside msgport's
# real time and Node's, in one run, alternating round by round, medians.
# "floor / target" over 1 means no clone on this engine can meet 1.5x Node.
#
#   bash bench/js/floor.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q --release -p msgport-cli
rounds=${1:-5}
here=bench/js
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ cat $here/compat.js; node $here/floor/graph-builder.js; } > "$tmp/graph-build.js"
{ cat $here/compat.js $here/graph-data.js $here/graph-clone.js; } > "$tmp/graph-clone.js"
{ cat $here/compat.js $here/floor/rpc-floor.js; } > "$tmp/rpc-floor.js"
{ cat $here/compat.js $here/rpc.js; } > "$tmp/rpc.js"
one() { # runtime script -> value in us per operation
  local out
  case $1 in
    msgport) out=$(./target/release/msgport run "$tmp/$2.js") ;;
    node) out=$(node "$tmp/$2.js") ;;
  esac
  node -e 'const r = JSON.parse(process.argv[1].trim().split("\n").pop()); console.log(r.unit === "msgs/s" ? 1e6 / r.value : r.value);' "$out"
}
: > "$tmp/all"
for _ in $(seq "$rounds"); do
  for job in "msgport graph-build" "msgport graph-clone" "node graph-clone" "msgport rpc-floor" "msgport rpc" "node rpc"; do
    set -- $job
    echo "$1 $2 $(one "$1" "$2")" >> "$tmp/all"
  done
done
node -e '
  const by = {};
  for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
    const [rt, s, v] = l.split(" "); (by[rt + " " + s] ??= []).push(Number(v));
  }
  const med = (xs) => { xs = [...xs].sort((a, b) => a - b); const m = xs.length >> 1; return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2; };
  const f = (x) => x.toFixed(x < 10 ? 3 : 0);
  console.log("case     unit    floor (msgport engine)   msgport   node   target (node / 1.5)   floor / target");
  for (const [name, floor, real, unit] of [["graph", "graph-build", "graph-clone", "us/op"], ["rpc", "rpc-floor", "rpc", "us/msg"]]) {
    const fl = med(by["msgport " + floor]), m = med(by["msgport " + real]), n = med(by["node " + real]), t = n / 1.5;
    console.log(`${name.padEnd(8)} ${unit.padEnd(7)} ${f(fl).padStart(22)} ${f(m).padStart(9)} ${f(n).padStart(6)} ${f(t).padStart(21)} ${(fl / t).toFixed(2).padStart(16)}`);
  }
' "$tmp/all"
