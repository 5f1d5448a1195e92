#!/usr/bin/env bash
# Runs upstream web-platform-tests with `msgport test` and prints pass counts
# per directory, next to Deno's for the same files.
#
#   bash scripts/wpt.sh fetch   # sparse, shallow clone of upstream WPT (needs the network;
#                               # WPT_FROM=/path/to/wpt/.git takes the files from a local clone)
#   bash scripts/wpt.sh run     # run the directories below; writes tests/wpt/results.json
#   bash scripts/wpt.sh deno    # fetch Deno's expectations and compare (needs the network)
#
# Nothing of WPT is committed: the clone lives in tests/wpt/upstream (git-ignored),
# or wherever WPT_DIR points. WPT_REV pins the upstream commit (default: master).
# Known failures, each with its reason, are in tests/wpt/expectations.txt.
# CI does not run this (it has no network); it runs our own tests (scripts/test.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wpt="${WPT_DIR:-$root/tests/wpt/upstream}"
rev="${WPT_REV:-master}"

# What issue #16 names: messaging, workers, timers, abort, encoding, URL, File API.
dirs=(webmessaging workers html/webappapis/timers dom/abort encoding url FileAPI)
# What those tests load by absolute path.
support=(resources common interfaces html/webappapis/structured-clone fetch/api/resources)

case "${1:-run}" in
fetch)
  if [ -n "${WPT_FROM:-}" ]; then
    # From a local clone or mirror of WPT (a git directory), at WPT_REV.
    mkdir -p "$wpt"
    [ "$rev" = master ] && rev=HEAD
    for d in "${dirs[@]}" "${support[@]}"; do
      # (A mirror that lacks some large file elsewhere in the tree makes
      # git archive complain; what it writes is whole.)
      { git --git-dir="$WPT_FROM" archive "$rev" "$d" 2>/dev/null || true; } | tar -x -C "$wpt"
    done
    git --git-dir="$WPT_FROM" rev-parse "$rev" > "$root/tests/wpt/upstream.rev"
    echo "wpt: $(cat "$root/tests/wpt/upstream.rev") in $wpt" >&2
    exit 0
  fi
  if [ ! -d "$wpt/.git" ]; then
    git clone --depth 1 --filter=blob:none --sparse --no-checkout \
      https://github.com/web-platform-tests/wpt "$wpt"
  fi
  cd "$wpt"
  git sparse-checkout set "${dirs[@]}" "${support[@]}"
  git fetch --depth 1 origin "$rev"
  git checkout -q FETCH_HEAD
  git rev-parse HEAD > "$root/tests/wpt/upstream.rev"
  echo "wpt: $(cat "$root/tests/wpt/upstream.rev") in $wpt" >&2
  ;;
run)
  [ -d "$wpt" ] || { echo "wpt: no WPT tree at $wpt (run: bash scripts/wpt.sh fetch, or set WPT_DIR)" >&2; exit 2; }
  bash "$root/scripts/setup.sh"
  cargo build --release -q -p msgport-cli --manifest-path "$root/Cargo.toml"
  paths=()
  for d in "${dirs[@]}"; do [ -e "$wpt/$d" ] && paths+=("$wpt/$d"); done
  # A failing subtest makes the exit status non-zero; the counts are the point here.
  "$root/target/release/msgport" test --json --timeout 20 \
    --expectations "$root/tests/wpt/expectations.txt" \
    --wpt-root "$wpt" "${paths[@]}" > "$root/tests/wpt/results.json" || true
  node "$root/tests/wpt/summary.mjs" "$wpt" "$root/tests/wpt/results.json" "${dirs[@]}"
  ;;
deno)
  # Deno keeps one JSON file of expectations per top directory.
  out="$root/tests/wpt/deno"
  mkdir -p "$out"
  for top in webmessaging workers html dom encoding url FileAPI; do
    curl -fsSL "https://raw.githubusercontent.com/denoland/deno/${DENO_REV:-main}/tests/wpt/runner/expectations/$top.json" \
      -o "$out/$top.json"
  done
  node "$root/tests/wpt/summary.mjs" "$wpt" "$root/tests/wpt/results.json" "${dirs[@]}" --deno "$out"
  ;;
*)
  echo "usage: bash scripts/wpt.sh fetch|run|deno" >&2; exit 2 ;;
esac
