#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input (fuzz/fuzz_targets/) with cargo-fuzz on nightly:
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]      (default: all, 60 seconds each)
#
# Targets run one after another. Each starts from its corpus, fuzz/corpus/TARGET/ (kept
# between runs, not committed), topped up with the hand-written seeds of fuzz/seeds/TARGET/.
# Prints a line per target (executions, exec/s, corpus size, crashes); a crash leaves its
# input in fuzz/artifacts/TARGET/ and makes the script exit with 1. Logs: fuzz/logs/.
# Extra cargo-fuzz options go in CARGO_FUZZ_ARGS (e.g. "--sanitizer none" for speed).
# The targets are built once, up front; FUZZ_NO_REBUILD=1 then runs those binaries as they
# are instead of `cargo fuzz run` (which rebuilds first whenever a source file changed).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-all}
seconds=${2:-60}
case $seconds in
    '' | *[!0-9]*)
        echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2
        exit 2
        ;;
esac

targets=()
for f in fuzz/fuzz_targets/*.rs; do
    targets+=("$(basename "$f" .rs)")
done
if [ "$target" != all ]; then
    if [ ! -f "fuzz/fuzz_targets/$target.rs" ]; then
        echo "fuzz.sh: no target '$target'; targets: all ${targets[*]}" >&2
        exit 2
    fi
    targets=("$target")
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: needs the nightly toolchain: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

read -r -a extra <<<"${CARGO_FUZZ_ARGS:-}"
mkdir -p fuzz/logs
build=(); [ "$target" = all ] || build=("$target")
cargo +nightly fuzz build --fuzz-dir fuzz "${extra[@]}" "${build[@]}"
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
summary=()
failed=0
for t in "${targets[@]}"; do
    corpus=fuzz/corpus/$t
    artifacts=fuzz/artifacts/$t
    log=fuzz/logs/$t.log
    mkdir -p "$corpus" "$artifacts"
    if [ -d "fuzz/seeds/$t" ]; then
        cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
    fi
    before=$(find "$artifacts" -type f | wc -l)
    echo "fuzz.sh: $t for ${seconds}s (log: $log)"
    status=0
    flags=(-max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1)
    if [ "${FUZZ_NO_REBUILD:-0}" = 1 ]; then
        # What `cargo fuzz run` does after building (cargo-fuzz's default ASan options).
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0" \
            "fuzz/target/$host/release/$t" -artifact_prefix="$artifacts/" "$corpus" "${flags[@]}" \
            >"$log" 2>&1 || status=$?
    else
        cargo +nightly fuzz run --fuzz-dir fuzz "${extra[@]}" "$t" "$corpus" -- "${flags[@]}" \
            >"$log" 2>&1 || status=$?
    fi
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    if [ -z "$runs" ]; then
        # A crash ends the run before the final stats: take the last status line.
        runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    fi
    rate=$(grep -oE '^stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    files=$(find "$corpus" -type f | wc -l)
    crashes=$(($(find "$artifacts" -type f | wc -l) - before))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        # Failed without leaving an input (a build error, say): still a failure.
        crashes=?
    fi
    line=$(printf '%-14s executions=%-10s exec/s=%-7s corpus=%-6s crashes=%s' \
        "$t" "${runs:-?}" "${rate:-?}" "$files" "$crashes")
    echo "$line"
    summary+=("$line")
    if [ "$status" -ne 0 ]; then
        failed=1
        echo "fuzz.sh: $t failed (exit $status); the end of $log:" >&2
        tail -n 30 "$log" >&2
    fi
done

echo
echo "fuzz.sh: summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}" | tee fuzz/logs/summary.txt
exit "$failed"
