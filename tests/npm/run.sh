#!/usr/bin/env bash
# Real RPC and worker libraries from npm (comlink, birpc, penpal,
# post-me, rpc-anywhere, async-call-rpc, coincident, observable-webworker
# with rxjs; the CommonJS packages promise-worker, workerpool and threads;
# everyday packages: immer, lodash, @msgpack/msgpack, superjson, nanoid,
# worker-timers; around messages' data: @ungap/structured-clone, zod,
# json-rpc-2.0, p-queue, async-mutex, date-fns, uuid; builds for
# bundlers: readable-stream, buffer, events, yjs, fflate), run unchanged by `msgport run`: each *.mjs here drives
# libraries through MessageChannels and workers and prints "ok …" at the
# end; an assertion that fails, a hang (timeout) or a crash fails the run.
#
#   bash tests/npm/run.sh [msgport-binary]   # default: a release build
#
# The packages are pinned in package-lock.json and installed by
# scripts/setup.sh into tests/npm/node_modules (never committed). The
# same scripts run on Deno as a cross-check, but for penpal's call timeout
# (penpal sets it with window.setTimeout, and Deno has no window) and the
# SharedWorker one (Deno has none).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-}"
[ -z "$bin" ] || bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
if [ -z "$bin" ]; then
  cargo build -q --release --locked -p msgport-cli --manifest-path "$root/Cargo.toml"
  bin="$root/target/release/msgport"
fi
[ -d "$here/node_modules/comlink" ] || { echo "npm tests: packages missing (run: bash scripts/setup.sh)" >&2; exit 2; }
failed=0
for t in "$here"/*.mjs; do
  name="$(basename "$t")"
  if out=$(cd "$here" && timeout "${NPM_TEST_TIMEOUT:-120}" "$bin" run "$name" 2>&1) && grep -q '^ok ' <<<"$out"; then
    echo "PASS npm/$name: $(grep '^ok ' <<<"$out" | tail -1)"
  else
    echo "FAIL npm/$name:"
    sed 's/^/    /' <<<"$out"
    failed=1
  fi
done
exit $failed
