#!/usr/bin/env bash
# Firebreak benchmarks. Prints figures and ratios against baselines measured in
# the same run (machines here are noisy; compare ratios, not seconds).
#
#   bench/run.sh            # all
#   bench/run.sh evtx       # EVTX ingest vs evtx_dump (>= 1 GB)
#   bench/run.sh case       # 10M-event simulated case: text ingest, queries
#   bench/run.sh hunt       # Sigma (rules/windows) over the EVTX corpus: raw and stored
#
# Work files go to $BENCH_DIR (default /var/tmp/firebreak-bench), outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED="$ROOT/../shared"
BENCH_DIR="${BENCH_DIR:-/var/tmp/firebreak-bench}"
THREADS="${THREADS:-2}"
EVTX_GB="${EVTX_GB:-1}"
CASE_EVENTS="${CASE_EVENTS:-10000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/firebreak-target}"
mkdir -p "$BENCH_DIR"

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
ratio() { echo "scale=3; $1 / $2" | bc -l; }

build() {
    log "== building firebreak (release)"
    cargo build --release --locked -p firebreak >&2
    FB="$CARGO_TARGET_DIR/release/firebreak"
    if [ ! -x "$BENCH_DIR/tools/bin/evtx_dump" ]; then
        log "== installing evtx_dump (the evtx crate's own CLI) from crates.io"
        cargo install --locked evtx --version 0.15.1 --root "$BENCH_DIR/tools" >&2
    fi
    EVTX_DUMP="$BENCH_DIR/tools/bin/evtx_dump"
}

# Copies of the shared EVTX files up to EVTX_GB, each copy made unique (a byte in
# the header's unused padding at offset 4000 is the copy number) so SHA-256
# de-duplication does not skip it; parsers ignore that padding.
make_evtx_corpus() {
    local dir="$BENCH_DIR/evtx-corpus"
    local want=$((EVTX_GB * 1024 * 1024 * 1024))
    if [ -f "$dir/.done-$EVTX_GB" ]; then echo "$dir"; return; fi
    rm -rf "$dir"; mkdir -p "$dir"
    local total=0 n=0
    mapfile -d '' files < <(find "$SHARED/data/evtx-attack-samples" -name '*.evtx' -print0 | sort -z)
    while [ "$total" -lt "$want" ]; do
        n=$((n + 1))
        for f in "${files[@]}"; do
            local out="$dir/c$n-$(basename "$f")"
            cp "$f" "$out"
            printf "$(printf '\\x%02x\\x%02x' $((n % 256)) $((n / 256)))" |
                dd of="$out" bs=1 seek=4000 conv=notrunc status=none
            total=$((total + $(stat -c %s "$f")))
        done
    done
    touch "$dir/.done-$EVTX_GB"
    echo "$dir"
}

peak_rss_mib() { awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$1"; }

bench_evtx() {
    local corpus; corpus=$(make_evtx_corpus)
    local bytes; bytes=$(du -sb "$corpus" | cut -f1)
    log "== EVTX: $(ls "$corpus" | wc -l) files, $((bytes / 1048576)) MiB, $THREADS threads"
    local t0 t1 t2 t3
    t0=$(now)
    for f in "$corpus"/*.evtx; do "$EVTX_DUMP" -t "$THREADS" -o jsonl "$f"; done >/dev/null 2>&1
    t1=$(now)
    rm -rf "$BENCH_DIR/evtx.case"
    t2=$(now)
    /usr/bin/time -v -o "$BENCH_DIR/evtx.time" "$FB" ingest -q --threads "$THREADS" \
        --case "$BENCH_DIR/evtx.case" "$corpus" >"$BENCH_DIR/evtx.ingest.txt"
    t3=$(now)
    local dump ours; dump=$(secs "$t0" "$t1"); ours=$(secs "$t2" "$t3")
    printf 'evtx_dump -o jsonl (%s threads): %8.2f s  %7.1f MiB/s\n' "$THREADS" "$dump" "$(echo "$bytes/1048576/$dump" | bc -l)"
    printf 'firebreak ingest   (%s threads): %8.2f s  %7.1f MiB/s\n' "$THREADS" "$ours" "$(echo "$bytes/1048576/$ours" | bc -l)"
    printf 'EVTX ingest throughput ratio firebreak/evtx_dump: %s (goal >= 0.7)\n' "$(ratio "$dump" "$ours")"
    printf 'EVTX ingest peak RSS: %s MiB (goal < 1024)\n' "$(peak_rss_mib "$BENCH_DIR/evtx.time")"
    grep -E '^(evtx|total) ' "$BENCH_DIR/evtx.ingest.txt"
}

bench_case() {
    local sim="$BENCH_DIR/sim-$CASE_EVENTS"
    if [ ! -f "$sim/truth.json" ]; then
        # scale 1 writes about SIM_EVENTS_PER_SCALE events.
        local per="${SIM_EVENTS_PER_SCALE:-24000}"
        local scale=$(( (CASE_EVENTS + per - 1) / per ))
        log "== simulating scale $scale into $sim"
        rm -rf "$sim"
        "$FB" simulate "$sim" --seed 7 --scale "$scale" >&2
    fi
    local lines; lines=$(find -L "$sim" -type f ! -name truth.json -exec cat {} + | wc -l)
    local t0 t1 t2 t3
    t0=$(now); find -L "$sim" -type f -exec cat {} + | wc -l >/dev/null; t1=$(now)
    rm -rf "$BENCH_DIR/sim.case"
    t2=$(now)
    /usr/bin/time -v -o "$BENCH_DIR/sim.time" "$FB" ingest -q --case "$BENCH_DIR/sim.case" "$sim" \
        >"$BENCH_DIR/sim.ingest.txt"
    t3=$(now)
    local base ours; base=$(secs "$t0" "$t1"); ours=$(secs "$t2" "$t3")
    local events; events=$("$FB" case status --case "$BENCH_DIR/sim.case" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
    printf 'simulated case: %s lines, %s events\n' "$lines" "$events"
    printf 'ingest (all formats): %.2f s = %.0f lines/s (goal >= 300000); baseline cat|wc -l %.2f s; ratio ingest/baseline time %s\n' \
        "$ours" "$(echo "$lines/$ours" | bc -l)" "$base" "$(ratio "$ours" "$base")"
    printf 'ingest peak RSS: %s MiB\n' "$(peak_rss_mib "$BENCH_DIR/sim.time")"
    grep -vE '^(case:|elapsed)' "$BENCH_DIR/sim.ingest.txt"
    text_only "$sim"
    query_figures
}

# The text formats alone (proxy, gateway, auth.log, bodyfile), without the Windows
# exports that dominate the simulated case; and the same with every file read whole on
# one thread (--part-mib 0) as the in-run baseline for reading large files in parts.
text_only() {
    local sim="$1" files=("$1/proxy/access.log" "$1/ns01/ns.log" "$1/jump01/auth.log" "$1/FS01/bodyfile.txt")
    local lines; lines=$(cat "${files[@]}" | wc -l)
    local whole parts
    whole=$(time_ingest "$BENCH_DIR/text-whole" --part-mib 0 "${files[@]}")
    parts=$(time_ingest "$BENCH_DIR/text" "${files[@]}")
    printf 'text formats only: %s lines in %.2f s = %.0f lines/s (goal >= 300000); peak RSS %s MiB\n' \
        "$lines" "$parts" "$(echo "$lines/$parts" | bc -l)" "$(peak_rss_mib "$BENCH_DIR/text.time")"
    printf 'text formats, files read whole (--part-mib 0): %.2f s = %.0f lines/s; peak RSS %s MiB; speed-up of parts: %sx\n' \
        "$whole" "$(echo "$lines/$whole" | bc -l)" "$(peak_rss_mib "$BENCH_DIR/text-whole.time")" "$(ratio "$whole" "$parts")"
}

# Seconds to ingest into a new case $1 (rest: ingest arguments); /usr/bin/time to $1.time.
time_ingest() {
    local case="$1"; shift
    rm -rf "$case.case"
    local t0 t1; t0=$(now)
    /usr/bin/time -v -o "$case.time" "$FB" ingest -q --case "$case.case" "$@" >"$case.ingest.txt"
    t1=$(now)
    secs "$t0" "$t1"
}

# Median of 5 runs of a query, in milliseconds.
time_query() {
    local -a ts=()
    for _ in 1 2 3 4 5; do
        local a b; a=$(now); "$FB" timeline --case "$BENCH_DIR/sim.case" "$@" >/dev/null; b=$(now)
        ts+=("$(echo "($b - $a) * 1000" | bc -l)")
    done
    printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p
}

query_figures() {
    local host from to
    host=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["patient_zero"])' "$BENCH_DIR/sim-$CASE_EVENTS/truth.json")
    from=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["initial_access"]["time"][:13] + ":00:00Z")' "$BENCH_DIR/sim-$CASE_EVENTS/truth.json")
    to=$(python3 -c 'import datetime,sys; d=datetime.datetime.fromisoformat(sys.argv[1].replace("Z","+00:00")); print((d+datetime.timedelta(hours=1)).isoformat())' "$from")
    local base; base=$(time_query --limit 1)
    local page; page=$(time_query --host "$host" --from "$from" --to "$to" --limit 100)
    local fts; fts=$(time_query --search "comsvcs.dll" --limit 100)
    local fts_rare; fts_rare=$(time_query --search "no-such-text-anywhere-42" --limit 100)
    printf 'query baseline (first row of the case, process start included): %.0f ms\n' "$base"
    printf 'first page, one host, one hour: %.0f ms (goal < 200 ms)\n' "$page"
    printf 'full-text search (hits): %.0f ms; (no hit, full scan): %.0f ms (goal < 5000 ms)\n' "$fts" "$fts_rare"
}

# "hunted N events ..." from a hunt's stderr.
hunted_events() { sed -n 's/^hunted \([0-9]*\) events.*/\1/p' "$1"; }

# Sigma alone (no analytics: they are the same work with or without rules), against
# reading alone on the same threads.
bench_hunt() {
    local corpus; corpus=$(make_evtx_corpus)
    local bytes; bytes=$(du -sb "$corpus" | cut -f1)
    local rules="$SHARED/data/sigma/rules/windows"
    local mib=$((bytes / 1048576))
    log "== hunt: $(ls "$corpus" | wc -l) EVTX files, $mib MiB, $THREADS threads, rules $rules"
    if ! "$FB" case status --case "$BENCH_DIR/evtx.case" >/dev/null 2>&1; then
        log "== ingesting the corpus into $BENCH_DIR/evtx.case (not timed)"
        rm -rf "$BENCH_DIR/evtx.case"
        "$FB" ingest -q --threads "$THREADS" --case "$BENCH_DIR/evtx.case" "$corpus" >/dev/null
    fi
    local t0 t1 t2 t3
    t0=$(now)
    "$FB" hunt --no-sigma --no-analytics --threads "$THREADS" "$corpus" >/dev/null 2>"$BENCH_DIR/parse.txt"
    t1=$(now)
    /usr/bin/time -v -o "$BENCH_DIR/hunt.time" "$FB" hunt --no-analytics --threads "$THREADS" --rules "$rules" \
        --format jsonl "$corpus" >"$BENCH_DIR/hunt.jsonl" 2>"$BENCH_DIR/hunt.txt"
    t2=$(now)
    /usr/bin/time -v -o "$BENCH_DIR/hunt-case.time" "$FB" hunt --no-analytics --no-store --hunt-threads "$THREADS" \
        --rules "$rules" --format jsonl --case "$BENCH_DIR/evtx.case" \
        >"$BENCH_DIR/hunt-case.jsonl" 2>"$BENCH_DIR/hunt-case.txt"
    t3=$(now)
    local parse raw stored; parse=$(secs "$t0" "$t1"); raw=$(secs "$t1" "$t2"); stored=$(secs "$t2" "$t3")
    local events; events=$(hunted_events "$BENCH_DIR/hunt.txt")
    local row='%-34s %8.2f s %10.0f events/s %7.1f MiB/s\n'
    printf "$row" "parse only (no rules)" "$parse" "$(echo "$events/$parse" | bc -l)" "$(echo "$mib/$parse" | bc -l)"
    printf "$row" "hunt raw EVTX (rules/windows)" "$raw" "$(echo "$events/$raw" | bc -l)" "$(echo "$mib/$raw" | bc -l)"
    printf "$row" "hunt stored case (same rules)" "$stored" "$(echo "$events/$stored" | bc -l)" "$(echo "$mib/$stored" | bc -l)"
    printf 'hunt throughput / parse-only throughput: %s (goal >= 0.75)\n' "$(ratio "$parse" "$raw")"
    printf 'stored-case hunt speed-up over raw EVTX hunt: %sx (goal > 1)\n' "$(ratio "$raw" "$stored")"
    printf 'peak RSS: raw hunt %s MiB, case hunt %s MiB (goal <= 1024)\n' \
        "$(peak_rss_mib "$BENCH_DIR/hunt.time")" "$(peak_rss_mib "$BENCH_DIR/hunt-case.time")"
    printf 'detections: raw %s, case %s\n' "$(wc -l <"$BENCH_DIR/hunt.jsonl")" "$(wc -l <"$BENCH_DIR/hunt-case.jsonl")"
    grep '^hunted' "$BENCH_DIR/hunt.txt" "$BENCH_DIR/hunt-case.txt" >&2 || true
}

build
case "${1:-all}" in
    evtx) bench_evtx ;;
    case) bench_case ;;
    hunt) bench_hunt ;;
    all) bench_evtx; bench_case; bench_hunt ;;
    *) echo "usage: bench/run.sh [evtx|case|hunt|all]" >&2; exit 2 ;;
esac
