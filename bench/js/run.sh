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
for s in ${CASES:-stream pingpong transfer clone workerstream streamnested manychannels}; do
  cat "$here/compat.js" "$here/$s.js" > "$here/_with_compat_$s.js"
done
trap 'rm -f $here/_with_compat_*.js' EXIT
printf "%-16s %14s %14s %8s  %s\n" case msgport node ratio better
for s in ${CASES:-stream pingpong transfer clone workerstream streamnested manychannels}; do
  pairs=()
  for r in $(seq "$rounds"); do
    m=$(run msgport "$s.js" | tail -1)
    n=$(run node "$s.js" | tail -1)
    pairs+=("$m" "$n")
  done
  # One line per round, then the median ratio of the rounds (these shared
  # machines make single rounds swing by tens of percent).
  node -e '
    const a = process.argv.slice(1).map((x) => JSON.parse(x));
    const ratios = [];
    for (let i = 0; i < a.length; i += 2) {
      const m = a[i], n = a[i + 1];
      const higher = m.unit === "msgs/s";
      const ratio = higher ? m.value / n.value : n.value / m.value;
      if (!Number.isNaN(ratio)) ratios.push(ratio);
      console.log(`${m.name.padEnd(16)} ${(m.value.toFixed(1) + " " + m.unit).padStart(14)} ${(n.value.toFixed(1) + " " + n.unit).padStart(14)} ${ratio.toFixed(2).padStart(7)}x  ${ratio >= 1 ? "msgport" : "node"}`);
    }
    ratios.sort((x, y) => x - y);
    const mid = ratios.length ? (ratios.length % 2 ? ratios[(ratios.length - 1) / 2] : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2) : NaN;
    console.log(`${(a[0].name + " median").padEnd(16)} ${"".padStart(14)} ${"".padStart(14)} ${mid.toFixed(2).padStart(7)}x  (of ${ratios.length} rounds with a ratio)`);
  ' "${pairs[@]}"
done
