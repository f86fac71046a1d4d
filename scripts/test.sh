#!/usr/bin/env bash
# The whole test suite: makes sure PostgreSQL runs, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-postgres.sh

# Databases left by earlier runs (each test creates its own ent_test_<random>).
psql "$TEST_DATABASE_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'ent\_test\_%'" |
    while read -r db; do psql "$TEST_DATABASE_URL" -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done

# Tests wait on I/O (PostgreSQL, HTTP), not on the CPU: run more of them than there are cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-6}"
# --workspace: the root package and crates/* (the Bot API emulator has its own tests).
cargo test --locked --workspace "$@"
bash scripts/e2e.sh
