#!/usr/bin/env bash
# The JS benchmarks, side by side: the same scripts on msgport (release
# build) and on Node, in one run, with ratios. Usage: bash bench/js/run.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q --release -p msgport-cli
rounds=${1:-3}
here=bench/js
run() { # runtime script -> JSON line
  if [ "$1" = node ]; then node -e "require('./$here/compat.js'); require('./$here/$2')"; else ./target/release/msgport run "$here/_with_compat_$2"; fi
}
for s in stream pingpong transfer clone; do
  cat "$here/compat.js" "$here/$s.js" > "$here/_with_compat_$s.js"
done
trap 'rm -f $here/_with_compat_*.js' EXIT
printf "%-16s %14s %14s %8s  %s\n" case msgport node ratio better
for s in stream pingpong transfer clone; do
  for r in $(seq "$rounds"); do
    m=$(run msgport "$s.js" | tail -1)
    n=$(run node "$s.js" | tail -1)
    node -e '
      const m = JSON.parse(process.argv[1]), n = JSON.parse(process.argv[2]);
      const higher = m.unit === "msgs/s";
      const ratio = higher ? m.value / n.value : n.value / m.value;
      console.log(`${m.name.padEnd(16)} ${(m.value.toFixed(1) + " " + m.unit).padStart(14)} ${(n.value.toFixed(1) + " " + n.unit).padStart(14)} ${ratio.toFixed(2).padStart(7)}x  ${ratio >= 1 ? "msgport" : "node"}`);
    ' "$m" "$n"
  done
done
