#!/usr/bin/env bash
# Runs the bot: `ent-bot serve` with a BOT_TOKEN (in the environment or .env), otherwise
# `ent-bot sandbox` (an emulated Telegram in the browser, on an empty or a demo database).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; source .env; set +a; fi
source scripts/ensure-postgres.sh
if [ $# -eq 0 ]; then
    if [ -n "${BOT_TOKEN:-}" ]; then set -- serve; else set -- sandbox; fi
fi
exec cargo run --release --locked -- "$@"
