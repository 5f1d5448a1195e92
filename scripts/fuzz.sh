#!/usr/bin/env bash
# Fuzzes msgport under AddressSanitizer: the Rust code and QuickJS's C alike.
#
#   bash scripts/fuzz.sh TARGET [SECONDS]      # default 60 s; any libFuzzer flags after --
#
# Targets:
#   js:wire_delivery   arbitrary wire bytes through the JS delivery path
#   js:clone_values    JS values built from the input through structuredClone and postMessage
#   clone:decode       arbitrary bytes through msgport-clone's decoders
#   clone:roundtrip    generated values through encode and decode
#   ipc:frames         arbitrary bytes through msgport-ipc's frame splitter and decoder
#   ipc:link           well-formed frames in any order from two hostile peers into live links
#
# It uses the stable toolchain with RUSTC_BOOTSTRAP=1 (for -Zsanitizer; the
# toolchain's sysroot ships the ASan runtime), so it needs no nightly. The
# corpus and crash artifacts go to crates/*/fuzz/{corpus,artifacts}/TARGET
# (git-ignored). A finding stops the run and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh CRATE:TARGET [SECONDS] [-- libFuzzer flags]}"
shift
seconds="${1:-60}"
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
crate="${target%%:*}"
bin="${target#*:}"
dir="crates/$crate/fuzz"
[ -f "$dir/Cargo.toml" ] || { echo "no fuzz crate at $dir" >&2; exit 2; }
triple="$(rustc -vV | sed -n 's/^host: //p')"

export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Zsanitizer=address -Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks -Cforce-frame-pointers=yes"
# QuickJS (built by rquickjs-sys through the cc crate) is instrumented too.
export CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g"
cargo build --release --locked --manifest-path "$dir/Cargo.toml" --target "$triple" --bin "$bin"

corpus="$dir/corpus/$bin"
artifacts="$dir/artifacts/$bin"
mkdir -p "$corpus" "$artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
extra=()
# Generated JS values need inputs of some length from the start (libFuzzer
# otherwise grows them from 4 bytes).
[ "$target" = "js:clone_values" ] && extra=(-len_control=0 -max_len=1024)
exec "$dir/target/$triple/release/$bin" "$corpus" \
  -artifact_prefix="$artifacts/" -max_total_time="$seconds" \
  -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 "${extra[@]}" "$@"
