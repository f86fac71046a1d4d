#!/usr/bin/env bash
# Runs a benchmark (booking, jobs, …) against the local PostgreSQL: scripts/bench.sh booking
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-postgres.sh
exec cargo bench --locked --bench "${1:-booking}"
