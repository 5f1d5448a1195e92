#!/usr/bin/env bash
# The whole test suite: what README tells you to run and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Unit, integration, differential (against Node's V8) and doc tests.
cargo test --workspace --lib --bins --tests --examples --locked
cargo test --workspace --doc --locked
