#!/usr/bin/env bash
# Two builds of `msgport` on the same JS benchmarks, alternated round by
# round, with the median of each (for "did this change slow anything").
#
#   bash bench/js/ab.sh BEFORE_BINARY AFTER_BINARY [rounds]
#
# Build the before side from another checkout, e.g.
#   git worktree add /tmp/before <commit> && (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release -p msgport-cli)
#   bash bench/js/ab.sh /tmp/before-target/release/msgport target/release/msgport 5
set -euo pipefail
cd "$(dirname "$0")/../.."
before="${1:?before binary}"
after="${2:?after binary}"
rounds="${3:-5}"
here=bench/js
cases=(${CASES:-stream pingpong transfer clone workerstream streamnested manychannels})
for s in "${cases[@]}"; do cat "$here/compat.js" "$here/$s.js" > "$here/_with_compat_$s.js"; done
trap 'rm -f $here/_with_compat_*.js' EXIT
printf "%-16s %16s %16s %8s\n" case before after after/before
for s in "${cases[@]}"; do
  b=(); a=()
  for r in $(seq "$rounds"); do
    b+=("$("$before" run "$here/_with_compat_$s.js" | tail -1)")
    a+=("$("$after" run "$here/_with_compat_$s.js" | tail -1)")
  done
  node -e '
    const n = Number(process.argv[1]);
    const all = process.argv.slice(2).map((x) => JSON.parse(x));
    const med = (xs) => { xs = xs.slice().sort((p, q) => p - q); const m = xs.length >> 1; return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2; };
    const b = all.slice(0, n), a = all.slice(n);
    const mb = med(b.map((x) => x.value)), ma = med(a.map((x) => x.value));
    const higher = b[0].unit === "msgs/s";
    const ratio = higher ? ma / mb : mb / ma;
    console.log(`${b[0].name.padEnd(16)} ${(mb.toFixed(1) + " " + b[0].unit).padStart(16)} ${(ma.toFixed(1) + " " + a[0].unit).padStart(16)} ${ratio.toFixed(2).padStart(7)}x`);
  ' "$rounds" "${b[@]}" "${a[@]}"
done
echo "(after/before > 1: the after build is faster; medians of $rounds alternated rounds)"
