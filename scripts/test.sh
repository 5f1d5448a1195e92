#!/usr/bin/env bash
# The whole test suite: what README tells you to run and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Unit, integration, differential (against Node's V8) and doc tests.
cargo test --workspace --lib --bins --tests --examples --locked
cargo test --workspace --doc --locked
# Model-checked races of the router (shuttle schedules every lock, condition
# variable and park). A cfg, not a feature, in a target dir of its own.
RUSTFLAGS="--cfg shuttle" cargo test -p msgport --test shuttle --locked --target-dir target/shuttle
# The same for msgport-ipc's read role (who reads a link's socket), its own
# code against a simulated socket, eventfds and epoll set.
RUSTFLAGS="--cfg shuttle" cargo test -p msgport-ipc --lib --locked --target-dir target/shuttle lead::sim
# And for the JS runtime's Atomics waiter lists (their own lock, condition
# variables and flags, shuttle's under the cfg).
RUSTFLAGS="--cfg shuttle" cargo test -p msgport-js --lib --locked --target-dir target/shuttle atomics::model
# A short sanitizer pass: the JS fuzz targets under AddressSanitizer (the
# Rust code and QuickJS's C), 30 s each. A finding fails the run.
bash scripts/fuzz.sh js:wire_delivery 30
bash scripts/fuzz.sh js:clone_values 30
# The frame decoder of links between processes, on arbitrary peer bytes,
# and live links fed frames in any order by two hostile peers.
bash scripts/fuzz.sh ipc:frames 30
bash scripts/fuzz.sh ipc:link 30
# Our conformance suite for the JS runtime (testharness.js),
# in the main context and in dedicated workers.
cargo run -q -p msgport-cli --locked -- test tests/js
# Real RPC libraries from npm (comlink, birpc, penpal, post-me), unchanged.
bash tests/npm/run.sh target/debug/msgport
# The same suites on a build with AddressSanitizer (QuickJS's C included):
# every memory error and leak our own tests and the npm libraries reach.
bash scripts/asan-tests.sh
