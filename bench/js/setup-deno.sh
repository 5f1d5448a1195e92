#!/usr/bin/env bash
# Installs Deno from npm into target/bench-deno (once; idempotent) and
# prints the path of its binary. The JS benchmarks run it beside Node.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=2.9.6
dir=target/bench-deno
bin="$dir/node_modules/.bin/deno"
if ! [ -x "$bin" ] || ! "$bin" --version 2>/dev/null | grep -q "deno $version"; then
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" "deno@$version" >&2
fi
echo "$PWD/$bin"
