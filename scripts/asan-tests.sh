#!/usr/bin/env bash
# The JS conformance suite (tests/js) on a `msgport` built with
# AddressSanitizer, QuickJS's C included: every memory error in the runtime
# that our own tests reach is reported, with leaks. With no paths, the npm
# libraries' tests (tests/npm/run.sh) run on that build too.
#
#   bash scripts/asan-tests.sh [paths…]      # default: tests/js, then tests/npm
#
# Stable toolchain with RUSTC_BOOTSTRAP=1 (see scripts/fuzz.sh); a target
# dir of its own (target/asan).
set -euo pipefail
cd "$(dirname "$0")/.."
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Zsanitizer=address -Cforce-frame-pointers=yes"
export CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g"
cargo build --locked -p msgport-cli --target "$triple" --target-dir target/asan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
# A sanitized build is several times slower: files get a longer timeout.
bin="target/asan/$triple/debug/msgport"
if [ $# -gt 0 ]; then
  exec "$bin" test --timeout 120 "$@"
fi
"$bin" test --timeout 120 tests/js
NPM_TEST_TIMEOUT=300 bash tests/npm/run.sh "$bin"
