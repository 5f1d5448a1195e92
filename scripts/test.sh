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
