#!/usr/bin/env bash
# The layers of DESIGN §2 point one way: a module may use only modules of a lower layer
# (and itself). Fails naming each import that points up or sideways, and any database
# access from the Telegram and HTTP adapters.
#
#   60 entry      serve lib main
#   50 sandbox    sandbox (builds an app with the emulated Telegram)
#   40 wiring     app; message_lengths (a test over the bot's texts)
#   30 adapters   bot http workers rehearse (simulated applicants against a deployment)
#   20 use cases  services seed import doctor (preflight of a deployment)
#   17 session    session files: parse, check, plan, apply (used by seed and the console)
#   15 runtime    runtime (leader lock, LISTEN wakeups, health, probe, shutdown, the worker loop);
#                 render (messages with their buttons, for the bot and the jobs alike)
#   10 outside    db payments mail callback (what Telegram buttons carry)
#    0 base       domain i18n format clock config telemetry metrics
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A layer=(
    [domain]=0 [i18n]=0 [format]=0 [clock]=0 [config]=0 [telemetry]=0 [metrics]=0
    [db]=10 [payments]=10 [mail]=10 [callback]=10
    [runtime]=15 [render]=15 [session]=17
    [services]=20 [seed]=20 [import]=20 [doctor]=20
    [bot]=30 [http]=30 [workers]=30 [rehearse]=30
    [app]=40 [message_lengths]=40 [sandbox]=50 [serve]=60 [lib]=60 [main]=60
)

bad=0
while IFS= read -r file; do
    rel=${file#src/}
    module=${rel%%/*}
    module=${module%.rs}
    own=${layer[$module]:-}
    if [ -z "$own" ]; then
        echo "check-layers: $file: module '$module' has no layer; add it to scripts/check-layers.sh"
        bad=1
        continue
    fi
    while IFS= read -r hit; do
        line=${hit%%:*}
        used=$(sed -E 's/.*crate::([a-z_]+).*/\1/' <<<"${hit#*:}")
        [ "$used" = "$module" ] && continue
        theirs=${layer[$used]:-}
        if [ -z "$theirs" ]; then
            continue
        fi
        if [ "$theirs" -ge "$own" ]; then
            echo "check-layers: $file:$line: $module (layer $own) uses crate::$used (layer $theirs)"
            bad=1
        fi
    done < <(grep -nE 'crate::[a-z_]+' "$file" | grep -vE '^[0-9]+:\s*//' | sed -E 's/^([0-9]+):.*/\1:&/' | while IFS= read -r l; do
        n=${l%%:*}; rest=${l#*:}; rest=${rest#*:}
        grep -oE 'crate::[a-z_]+' <<<"$rest" | sed "s/^/$n:/"
    done || true)
    if [ "$module" = bot ] || [ "$module" = http ]; then
        if grep -nE 'crate::db\b|sqlx::' "$file" | grep -vqE '^[0-9]+:\s*//'; then
            grep -nE 'crate::db\b|sqlx::' "$file" | grep -vE '^[0-9]+:\s*//' | sed "s|^|check-layers: $file: database access in an adapter: |"
            bad=1
        fi
    fi
done < <(find src -name '*.rs' | sort)

if [ "$bad" -ne 0 ]; then
    echo "check-layers: FAILED"
    exit 1
fi
echo "check-layers: ok ($(find src -name '*.rs' | wc -l) files)"
