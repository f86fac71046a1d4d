#!/usr/bin/env bash
# The whole test suite: makes sure PostgreSQL runs, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-postgres.sh

# Layers point one way (DESIGN §2); cheap, so first.
bash scripts/check-layers.sh

# Licenses and banned or duplicate crates (deny.toml). Offline: the advisories check needs
# the RustSec database from the internet and is run where it can be (README, "Tests").
CARGO_DENY_VERSION=0.20.2 # builds with Rust 1.88 and later
if ! cargo deny --version >/dev/null 2>&1; then
    cargo install --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi
# The crates' sources first (their license files are read): a no-op once downloaded.
cargo fetch --locked
cargo deny --offline --locked check licenses bans

# Databases left by earlier runs (each test creates its own ent_test_<random>). Never with
# FORCE: a database someone is still connected to belongs to a run still going.
# Several at a time: a DROP waits up to 5 s for a database still in use before it gives up.
psql "$TEST_DATABASE_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'ent\_test\_%'" |
    xargs -r -P 6 -I{} psql "$TEST_DATABASE_URL" -q -c 'DROP DATABASE IF EXISTS "{}"' 2>/dev/null || true

# Tests wait on I/O (PostgreSQL, HTTP), not on the CPU: run more of them than there are cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-6}"
# --workspace: the root package and crates/* (the Bot API emulator has its own tests).
cargo test --locked --workspace "$@"
bash scripts/e2e.sh
