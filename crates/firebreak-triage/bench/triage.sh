#!/usr/bin/env bash
# Benchmarks for `firebreak scan` and `firebreak sample`, as ratios measured in the
# same run:
#  1. scan of a generated tree (FILES files, ~MB MiB) with a generated 1,000-rule
#     YARA set and 10,000 hash IOCs, against Debian's `yara -r -p THREADS` with the
#     same rules on the same tree (firebreak also hashes and runs impact checks);
#  2. `firebreak sample` on a ~10 MB PE cross-compiled with MinGW (goal < 1 s).
# Usage: crates/firebreak-triage/bench/triage.sh [FILES] [MB] [THREADS]
# Needs: a release build (cargo build --release -p firebreak), yara, x86_64-w64-mingw32-gcc.
set -euo pipefail
FILES=${1:-2000}
MB=${2:-400}
THREADS=${3:-2}
BIN=${FIREBREAK:-${CARGO_TARGET_DIR:-target}/release/firebreak}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$FILES" "$MB" <<'PY'
import os, random, sys, hashlib
work, files, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
tree = os.path.join(work, "tree"); os.makedirs(tree)
avg = mb * 1024 * 1024 // files
words = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rnd.randint(3, 9))) for _ in range(5000)]
for i in range(files):
    d = os.path.join(tree, f"d{i % 50:02d}"); os.makedirs(d, exist_ok=True)
    size = max(1024, int(rnd.expovariate(1 / avg)))
    kind = i % 4
    if kind == 0:   # random (encrypted-looking)
        data = os.urandom(size); name = f"f{i}.bin"
    elif kind == 1: # text
        out = []; n = 0
        while n < size:
            w = rnd.choice(words); out.append(w); n += len(w) + 1
        data = ' '.join(out).encode()[:size]; name = f"f{i}.txt"
    elif kind == 2: # xz-like
        data = b'\xfd7zXZ\x00\x00\x04' + os.urandom(size); name = f"f{i}.xz"
    else:           # structured binary
        data = bytes((j * 31 + i) % 251 for j in range(size)); name = f"f{i}.dat"
    open(os.path.join(d, name), 'wb').write(data)
with open(os.path.join(work, "rules.yar"), "w") as f:
    for r in range(1000):
        toks = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(rnd.randint(8, 14))) for _ in range(3)]
        f.write(f'rule bench_{r} {{ strings: $a = "{toks[0]}" $b = "{toks[1]}" nocase $c = "{toks[2]}" wide condition: any of them }}\n')
with open(os.path.join(work, "hashes.txt"), "w") as f:
    for h in range(10000):
        f.write(hashlib.sha256(str(h).encode()).hexdigest() + ";bench ioc\n")
PY
du -sm "$work/tree" | awk '{print "tree: " $1 " MiB"}'

t0=$(date +%s.%N)
yara -r -p "$THREADS" "$work/rules.yar" "$work/tree" > /dev/null
t1=$(date +%s.%N)
"$BIN" scan "$work/tree" --no-bundled --yara "$work/rules.yar" --loki-hashes "$work/hashes.txt" --threads "$THREADS" --format json > /dev/null 2> "$work/scan.err"
t2=$(date +%s.%N)
tail -1 "$work/scan.err"
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
y, f = t1 - t0, t2 - t1
print(f"scan: yara {y:.2f} s, firebreak {f:.2f} s: firebreak throughput = {y / f:.2f}x yara (goal >= 0.8x)")
PY

# A ~10 MB PE: 10 MB of text-like data in .rdata.
python3 - "$work/big.c" <<'PY'
import sys, random
rnd = random.Random(3)
words = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rnd.randint(3, 9))) for _ in range(3000)]
n = 10 * 1024 * 1024
with open(sys.argv[1], "w") as f:
    f.write('#include <windows.h>\nstatic const unsigned char big[] = {')
    out = []
    while len(out) < n:
        out.extend(rnd.choice(words).encode() + b' ')
    f.write(','.join(str(b) for b in out[:n]))
    f.write('};\nvolatile const void *keep[] = { big, (const void*)CryptEncrypt };\nint main(int c, char **v) { (void)v; return c > 1000 ? (int)(long long)keep[0] : 0; }\n')
PY
x86_64-w64-mingw32-gcc -O0 -s -o "$work/big.exe" "$work/big.c" -ladvapi32
ls -l "$work/big.exe" | awk '{print "PE: " $5 " bytes"}'
t0=$(date +%s.%N)
"$BIN" sample "$work/big.exe" --format json > /dev/null
t1=$(date +%s.%N)
python3 -c "import sys; print(f'sample on a 10 MB PE: {float(sys.argv[2]) - float(sys.argv[1]):.2f} s (goal < 1 s)')" "$t0" "$t1"
