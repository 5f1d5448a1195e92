#!/usr/bin/env bash
# The whole test suite: what README tells you to run and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Unit, integration, differential (against Node's V8) and doc tests.
cargo test --workspace --lib --bins --tests --examples --locked
cargo test --workspace --doc --locked
# Model-checked races of the router (shuttle schedules every lock and park).
cargo test -p msgport --features shuttle --test shuttle --locked
# Our conformance suite for the JS runtime (testharness.js, spec-notes §5),
# in the main context and in dedicated workers.
cargo run -q -p msgport-cli --locked -- test tests/js
