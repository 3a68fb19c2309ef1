#!/usr/bin/env bash
# Runs every fuzz target in fuzz/fuzz_targets/ for N seconds each (default 600) and prints one
# result line per target. Exit status is non-zero when any target found a crash or failed to build.
#
# Usage: fuzz/run.sh [seconds-per-target]
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -uo pipefail

seconds="${1:-600}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: $0 [seconds-per-target]" >&2
    exit 2
fi

cd "$(dirname "$0")" || exit 2
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz on a nightly toolchain is required: rustup toolchain install nightly && cargo install cargo-fuzz --locked" >&2
    exit 2
fi

shopt -s nullglob
targets=(fuzz_targets/*.rs)
if [ "${#targets[@]}" -eq 0 ]; then
    echo "no fuzz targets in $(pwd)/fuzz_targets" >&2
    exit 2
fi

mkdir -p logs
failed=0
for file in "${targets[@]}"; do
    target="$(basename "$file" .rs)"
    log="logs/$target.log"
    start=$(date +%s)
    cargo +nightly fuzz run --fuzz-dir . "$target" -- -max_total_time="$seconds" >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(grep -Eo '^Done [0-9]+ runs' "$log" | tail -n 1 | grep -Eo '[0-9]+' || true)
    if [ "$status" -eq 0 ]; then
        printf '%-24s ok      %6ss  %s runs\n' "$target" "$elapsed" "${runs:-?}"
    else
        failed=1
        artifact=$(grep -Eo 'artifacts/[^ ]+' "$log" | tail -n 1 || true)
        printf '%-24s FAILED  %6ss  exit %s  %s (log: fuzz/%s)\n' \
            "$target" "$elapsed" "$status" "${artifact:-no artifact}" "$log"
    fi
done
exit "$failed"
