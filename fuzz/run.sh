#!/usr/bin/env bash
# Build the reader fuzz targets and run each for FUZZ_SECONDS (default 60), one after
# the other, at low priority. Works on a stable toolchain (see README.md).
#
#   fuzz/run.sh                 # every target
#   fuzz/run.sh syslog csv      # some targets
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 60)
#   FUZZ_SANITIZER   none (default) or address (needs RUSTC_BOOTSTRAP=1, set here)
#   FUZZ_TARGET_DIR  build directory (default /var/tmp/firebreak-fuzz-target); the
#                    build goes in a subfolder named after the sanitizer
#   FUZZ_EVTX_SAMPLES  a folder of .evtx files read as extra (read-only) seeds for the
#                    evtx target; default: the shared evtx-attack-samples when present
#   FUZZ_TIMEOUT     seconds one input may take before it counts as found (default 10)
#   FUZZ_ARGS        extra libFuzzer arguments
# Exit status: 0 when nothing was found, 1 when a target crashed or failed to build.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-none}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-/var/tmp/firebreak-fuzz-target}/$sanitizer"
if [ "$sanitizer" != none ]; then
    # Sanitizers are unstable compiler flags; this lets a stable toolchain take them.
    export RUSTC_BOOTSTRAP=1
fi
evtx_samples="${FUZZ_EVTX_SAMPLES:-$here/../../shared/data/evtx-attack-samples}"

all=(evtx winxml winjson syslog netscaler web iis squid bodyfile csv jsonl sniff)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

build=(cargo fuzz build --sanitizer "$sanitizer" --debug-assertions)
echo "== building ${targets[*]} (sanitizer: $sanitizer, target dir: $CARGO_TARGET_DIR)"
for t in "${targets[@]}"; do
    if ! nice "${build[@]}" "$t"; then
        echo "== build of $t failed" >&2
        exit 1
    fi
done

found=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    dirs=("corpus/$t" "corpus-seed/$t")
    extra=()
    if [ "$t" = evtx ]; then
        # Real EVTX files are 68 KiB and up: let inputs be two chunks long.
        extra+=(-max_len=135168)
        if [ -d "$evtx_samples" ]; then
            dirs+=("$evtx_samples")
        fi
    fi
    log="artifacts/$t/last-run.log"
    echo "== $t: ${seconds}s"
    before=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
    start=$(date +%s)
    # shellcheck disable=SC2086
    nice cargo fuzz run --sanitizer "$sanitizer" --debug-assertions "$t" "${dirs[@]}" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 -timeout="${FUZZ_TIMEOUT:-10}" \
        "${extra[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    after=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
    if [ "$rc" -eq 0 ]; then
        result="nothing found"
    else
        found=1
        art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        result="FOUND (exit $rc) ${art:-see $log}"
        grep -m3 -E 'RECORD PROTOCOL VIOLATION|panicked at|ERROR: (libFuzzer|AddressSanitizer)' "$log" | sed 's/^/    /'
    fi
    line=$(printf '%-10s %10s runs in %4ss  %s (new artifacts: %d)' "$t" "${runs:-?}" "$elapsed" "$result" $((after - before)))
    echo "$line"
    summary+=("$line")
done

echo
echo "== summary (${seconds}s per target, sanitizer: $sanitizer)"
printf '%s\n' "${summary[@]}"
exit "$found"
