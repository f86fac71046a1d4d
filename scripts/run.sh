#!/usr/bin/env bash
# Runs the bot. Without BOT_TOKEN (in the environment or .env) it runs in sandbox mode.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; source .env; set +a; fi
source scripts/ensure-postgres.sh
exec cargo run --release --locked -- "${@:-serve}"
