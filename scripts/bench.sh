#!/usr/bin/env bash
# Runs a benchmark (booking, jobs, broadcast, pipeline, registry) against the local PostgreSQL: scripts/bench.sh booking
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-postgres.sh
exec cargo bench --locked --bench "${1:-booking}"
