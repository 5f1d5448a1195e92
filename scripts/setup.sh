#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain. Idempotent.
set -euo pipefail
need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
node --version >/dev/null
# testharness.js for `msgport test`: the pinned npm package wpt-runner,
# installed under tests/wpt (never committed). `npm ci` only when the lock
# file changed since the last install.
cd "$(dirname "$0")/../tests/wpt"
stamp=node_modules/.msgport-lock
if [ ! -f node_modules/wpt-runner/testharness/testharness.js ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: installing wpt-runner (testharness.js) with npm ci" >&2
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
  cp package-lock.json "$stamp"
fi
# Real npm libraries for tests/npm/run.sh (RPC and worker libraries,
# CommonJS packages, everyday packages: see that script), pinned by
# tests/npm/package-lock.json, the same way.
cd ../npm
if [ ! -d node_modules/comlink ] || ! cmp -s package-lock.json node_modules/.msgport-lock; then
  echo "setup: installing the npm libraries of tests/npm with npm ci" >&2
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
  cp package-lock.json node_modules/.msgport-lock
fi
