#!/usr/bin/env bash
# Peak memory of a large attendance export: a scratch database with ROWS paid applications
# (50,000 by default), exported by `ent-bot export applications` as CSV and as XLSX under
# /usr/bin/time; prints the maximum resident set size of each. Not part of the test suite.
#
#   scripts/export-memory.sh [BINARY] [ROWS]
#
# BINARY defaults to target/debug/ent-bot (build it first: `cargo build --bin ent-bot`);
# README's figures come from a release build.
# The console's download runs the same service code, so the CLI's peak is what one export
# costs the server on top of its own footprint.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/debug/ent-bot}"
ROWS="${2:-50000}"
DB="ent_export_mem_$$"
ADMIN_URL="${ADMIN_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
URL="${ADMIN_URL%/*}/$DB"
OUT="$(mktemp -d)"
cleanup() {
    psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$OUT"
}
trap cleanup EXIT

psql -q "$ADMIN_URL" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$URL"
"$BIN" seed demo >/dev/null
psql -q "$URL" -v rows="$ROWS" <<'SQL' >/dev/null
INSERT INTO persons (iin, last_name, first_name, patronymic)
SELECT lpad((700000000000 + g)::text, 12, '0'), 'Тестов' || g, 'Тест', 'Тестович'
FROM generate_series(1, :rows) g;
INSERT INTO telegram_users (id, chat_id, first_name) SELECT 5000000 + g, 5000000 + g, 'T' FROM generate_series(1, :rows) g;
INSERT INTO applicants (telegram_user_id, iin, full_name, birth_date)
SELECT 5000000 + g, lpad((700000000000 + g)::text, 12, '0'), 'Тестов' || g || ' Тест Тестович', '2008-01-01'
FROM generate_series(1, :rows) g;
WITH s AS (SELECT id, campaign_id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total FROM slots)
INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                          status, payment_deadline, paid_at)
SELECT ap.id, s.campaign_id, (SELECT min(id) FROM categories), 'ru', (SELECT min(id) FROM subject_combinations),
       s.id, 'paid', now(), now() + ap.id * interval '1 second'
FROM applicants ap JOIN s ON s.n = ap.id % s.total;
ANALYZE;
SQL
CAMPAIGN="$(psql -qtA "$URL" -c "SELECT code FROM campaigns LIMIT 1")"
echo "rows: $(psql -qtA "$URL" -c "SELECT count(*) FROM applications WHERE status = 'paid'")  binary: $BIN"
for format in csv xlsx; do
    /usr/bin/time -f "%M %e" -o "$OUT/time" \
        "$BIN" export applications --campaign "$CAMPAIGN" --format "$format" --output "$OUT/out.$format" 2>/dev/null
    read -r kb secs <"$OUT/time"
    echo "$format: max RSS $((kb / 1024)) MB, $secs s, file $(($(stat -c %s "$OUT/out.$format") / 1024)) KB"
done
