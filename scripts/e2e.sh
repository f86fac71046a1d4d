#!/usr/bin/env bash
# End-to-end test of the sandbox chat page in headless Chromium (tests/e2e/). Installs what
# is missing — Debian's chromium, Node.js and an emoji font with apt-get when root,
# playwright-core with `npm ci` (never a downloaded browser) — builds the binary, runs the
# scenarios and ends with `e2e: N passed, M failed`. Screenshots: artifacts/e2e/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-postgres.sh

say() { echo "e2e: $*" >&2; }
fail() { say "$*"; echo "e2e: 0 passed, 1 failed"; exit 1; }
# Whatever stops the preparation (apt-get, npm, cargo) still ends with the closing line.
trap 'echo "e2e: 0 passed, 1 failed"' ERR

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "$(id -u)" -eq 0 ]; then
    # Optional: without it the screenshots show the bot's emoji as empty boxes.
    [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        # A mirror hiccup should not fail the suite: try a few times.
        for attempt in 1 2 3; do
            if apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; then
                break
            fi
            [ "$attempt" -lt 3 ] || fail "apt-get could not install ${missing[*]}"
            sleep 10
        done
    fi
elif [ ${#missing[@]} -gt 0 ]; then
    fail "missing ${missing[*]}: run as root, or install them (apt-get install ${missing[*]})"
fi

# The installed playwright-core must be the one package-lock.json pins.
installed_matches_lock() {
    (cd tests/e2e && node -e '
        const want = require("./package-lock.json").packages["node_modules/playwright-core"].version;
        const have = require("./node_modules/playwright-core/package.json").version;
        process.exit(want === have ? 0 : 1);' 2>/dev/null)
}
if ! installed_matches_lock; then
    say "installing playwright-core (npm ci)"
    (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

cargo build --locked --bin ent-bot
ENT_BOT_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/ent-bot" exec node tests/e2e/sandbox.e2e.js
