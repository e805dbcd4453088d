#!/usr/bin/env bash
# `firebreak surface` benchmark in the namespace lab (root; .ci/run's lab packages;
# nmap for the ratio, if installed):
#   - names/s: brute force of NAMES names (all present in the lab zone) against the
#     lab's authoritative server (bind9, 10.77.0.2) directly;
#   - ports/s: connect scan of ports 1..PORTS on one lab host;
#   - the same ports with `nmap -sT -n` as a ratio;
#   - the whole pipeline (discovery, AXFR, brute force, scan, checks) over DOMAINS
#     domains (generated zones d001.test ... plus lab.test), with its peak RSS.
#   bench/surface.sh            # NAMES=20000 PORTS=20000 DOMAINS=350
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/firebreak-target}"
NAMES="${NAMES:-20000}"
PORTS="${PORTS:-20000}"
DOMAINS="${DOMAINS:-350}"
P="fbb$$"
WORK=$(mktemp -d /var/tmp/firebreak-surface-bench.XXXXXX)
LAB="$ROOT/crates/firebreak-surface/lab/lab.sh"
cleanup() { bash "$LAB" down "$P" "$WORK/lab" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT

if [ -z "${FB:-}" ]; then
    cargo build --release --locked -p firebreak >&2
    FB="$CARGO_TARGET_DIR/release/firebreak"
fi
seq 1 "$NAMES" | sed 's/^/b/' > "$WORK/words"
printf 'lab.test\n' > "$WORK/scope-names"
printf '10.77.0.20/32\n' > "$WORK/scope-host"
fast=(--rate 1000000 --host-rate 1000000 --conns 512 --host-conns 512 --dns-rate 1000000 --dns-concurrency 512 --timeout-ms 2000)
secs_of() { sed -n 's/.*, \([0-9.]*\) s$/\1/p' "$1" | tail -1; }

# Brute force of NAMES names against bind9; $1 says what else bind9 serves.
names_rate() {
    ip netns exec "$P-scan" "$FB" surface --scope "$WORK/scope-names" --resolver 10.77.0.2 \
        --no-bundled-wordlist --wordlist "$WORK/words" --no-axfr --no-scan --no-udp --permutations 0 --recursion 0 "${fast[@]}" \
        --out "$WORK/names.jsonl" > "$WORK/names.txt"
    local resolved s
    resolved=$(grep -c '"kind":"asset.name"' "$WORK/names.jsonl" || true)
    s=$(secs_of "$WORK/names.txt")
    echo "names ($1): $resolved of $NAMES resolved in ${s} s: $(echo "scale=0; $resolved / $s" | bc -l) names/s (goal 20000)"
}

# The lab's own zones first, then the lab again with DOMAINS generated zones for the
# rest (bind9 answers markedly slower when it serves them all).
LAB_EXTRA_NAMES="$NAMES" bash "$LAB" up "$P" "$WORK/lab" >/dev/null
names_rate "bind9 serving the lab's zones"
bash "$LAB" down "$P" "$WORK/lab" >/dev/null 2>&1 || true
LAB_EXTRA_NAMES="$NAMES" LAB_DOMAINS="$DOMAINS" bash "$LAB" up "$P" "$WORK/lab" >/dev/null
names_rate "bind9 also serving $DOMAINS more zones"

ports=$(seq -s, 1 "$PORTS")
# (the slowloris check holds web connections for seconds on purpose: not part of a scan rate)
ip netns exec "$P-scan" "$FB" surface --scope "$WORK/scope-host" --sweep --ports "$ports" --no-udp --slowloris-secs 0 \
    "${fast[@]}" --out "$WORK/ports.jsonl" > "$WORK/ports.txt"
s=$(secs_of "$WORK/ports.txt")
fb_rate=$(echo "scale=0; $PORTS / $s" | bc -l)
echo "ports: $PORTS connect-scanned in ${s} s: $fb_rate ports/s (goal 10000); open: $(grep -c '"kind":"port.open"' "$WORK/ports.jsonl" || true)"

if command -v nmap >/dev/null; then
    t0=$(date +%s.%N)
    timeout 600 ip netns exec "$P-scan" nmap -sT -n -Pn -p "1-$PORTS" --max-retries 0 10.77.0.20 -oG "$WORK/nmap.txt" >/dev/null
    t1=$(date +%s.%N)
    ns=$(echo "$t1 - $t0" | bc -l)
    echo "nmap -sT -n: ${ns} s: $(echo "scale=0; $PORTS / $ns" | bc -l) ports/s; firebreak/nmap speed ratio $(echo "scale=2; $ns / $s" | bc -l)"
else
    echo "nmap: not installed, no ratio"
fi

{ seq -w 1 "$DOMAINS" | sed 's/^/d/; s/$/.test/'; echo lab.test; echo 10.77.0.0/24; } > "$WORK/scope-all"
/usr/bin/time -f %M -o "$WORK/rss" ip netns exec "$P-scan" "$FB" surface --scope "$WORK/scope-all" \
    --resolver 10.77.0.3 --dns-rate 20000 --timeout-ms 2000 --out "$WORK/all.jsonl" > "$WORK/all.txt"
s=$(secs_of "$WORK/all.txt")
echo "pipeline: $DOMAINS+1 domains, $(grep -c '"kind":"asset.name"' "$WORK/all.jsonl" || true) names, $(grep -c '"kind":"dns.axfr_open"' "$WORK/all.jsonl" || true) open zone transfers, in ${s} s; peak RSS $(( $(cat "$WORK/rss") / 1024 )) MiB"
