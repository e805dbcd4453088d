#!/usr/bin/env bash
# Benchmarks for `firebreak scan` and `firebreak sample`, as ratios measured in the
# same run:
#  1. scan of a generated tree (FILES files, ~MB MiB) with a generated 1,000-rule
#     YARA set and 10,000 hash IOCs, against Debian's `yara -r -p THREADS` with the
#     same rules on the same tree (firebreak also hashes and runs impact checks);
#  2. `firebreak sample` on a ~10 MB PE cross-compiled with MinGW (goal < 1 s).
# Usage: crates/firebreak-triage/bench/triage.sh [FILES] [MB] [THREADS]
# Needs: a release build (cargo build --release -p firebreak), yara, x86_64-w64-mingw32-gcc.
# BENCH_DIR=DIR keeps the generated tree and rules in DIR (made once, reused);
# FIREBREAK=PATH picks the binary (e.g. an older build, to compare).
set -euo pipefail
FILES=${1:-2000}
MB=${2:-400}
THREADS=${3:-2}
BIN=${FIREBREAK:-${CARGO_TARGET_DIR:-target}/release/firebreak}
if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

[ -f "$work/hashes.txt" ] || python3 - "$work" "$FILES" "$MB" <<'PY'
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
# Rule set 1 ("plain"): three random 8-14 character strings per rule (ascii, nocase,
# wide), `any of them`. Only plain literals and no conditions: classic YARA's home
# ground (yara-x's authors say it is still slower there).
with open(os.path.join(work, "rules.yar"), "w") as f:
    for r in range(1000):
        toks = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(rnd.randint(8, 14))) for _ in range(3)]
        f.write(f'rule bench_{r} {{ strings: $a = "{toks[0]}" $b = "{toks[1]}" nocase $c = "{toks[2]}" wide condition: any of them }}\n')
# Rule set 2 ("mixed"): shaped like public hunting rules (signature-base style):
# metadata; 2-8 strings mixing realistic text (paths, mutexes, URLs, commands, API
# names; ascii/wide/nocase/fullword), hex strings with wildcards and jumps, a regexp
# in one rule of ten; conditions with the MZ check, filesize bounds and `N of`
# groups. Tokens are random words so nothing matches by accident.
def word(n=None):
    return ''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(n or rnd.randint(5, 10)))
def cap(w):
    return w[:1].upper() + w[1:]
def text_string():
    k = rnd.randrange(8)
    if k == 0: return f'\\\\AppData\\\\Roaming\\\\{word()}\\\\{word()}.exe'
    if k == 1: return f'Global\\\\{cap(word())}{cap(word())}Mutex'
    if k == 2: return f'http://{word()}.{rnd.choice(["top","xyz","ru","net"])}/{word()}.php'
    if k == 3: return f'cmd.exe /c {word()} {word()} /{word(3)}'
    if k == 4: return f'{cap(word())}{cap(word())}{rnd.choice(["W","A","Ex"])}'
    if k == 5: return f'Mozilla/5.0 ({cap(word())} {word(4)}) {cap(word())}/{rnd.randint(1,99)}'
    if k == 6: return f'SOFTWARE\\\\{cap(word())}\\\\{cap(word())}'
    return f'{word()} {word()} {word()}'
def hex_string():
    parts = []
    for _ in range(rnd.randint(3, 5)):
        parts.append(' '.join(f'{rnd.randrange(256):02X}' for _ in range(rnd.randint(2, 5))))
    seps = [rnd.choice(['??', '?? ??', '[2-4]', '[1-8]', '( 01 | 02 )']) for _ in parts[1:]]
    out = parts[0]
    for sep, p in zip(seps, parts[1:]):
        out += f' {sep} {p}'
    return '{ ' + out + ' }'
with open(os.path.join(work, "mixed.yar"), "w") as f:
    for r in range(1000):
        strings = []
        for i in range(rnd.randint(2, 6)):
            mods = rnd.choice(['', ' ascii wide', ' nocase', ' fullword', ' wide'])
            strings.append((f'$s{i}', f'"{text_string()}"{mods}'))
        for i in range(rnd.randint(0, 2)):
            strings.append((f'$x{i}', hex_string()))
        if r % 10 == 0:
            strings.append(('$r0', f'/{word()}[0-9]{{2,4}}\\.(dll|exe) {word()}/'))
        decl = '\n    '.join(f'{n} = {v}' for n, v in strings)
        others = [n for n, _ in strings if not n.startswith('$s')]
        rest = f' or any of ({", ".join(others)})' if others else ''
        cond = rnd.choice([
            f'uint16(0) == 0x5a4d and filesize < {rnd.randint(1, 20)}MB and ({rnd.randint(1, 2)} of ($s*){rest})',
            'any of them',
            f'{min(2, len(strings))} of them',
            f'uint16(0) == 0x5a4d and (1 of ($s*){rest})',
            'all of them',
        ])
        f.write(f'rule hunt_{r} {{\n  meta:\n    author = "bench"\n    description = "generated {word()}"\n    score = {rnd.randint(40, 90)}\n  strings:\n    {decl}\n  condition:\n    {cond}\n}}\n')
with open(os.path.join(work, "hashes.txt"), "w") as f:
    for h in range(10000):
        f.write(hashlib.sha256(str(h).encode()).hexdigest() + ";bench ioc\n")
PY
du -sm "$work/tree" | awk '{print "tree: " $1 " MiB"}'

# Read the tree once so both sides start from the page cache.
cat "$work"/tree/*/* > /dev/null
uptime
for set in rules mixed; do
    yara -r -p "$THREADS" "$work/$set.yar" "$work/tree" 2>/dev/null | sort > "$work/yara.$set" || true
    # Wall and CPU (user + system) seconds: on a shared machine the CPU ratio is
    # the steadier one.
    /usr/bin/time -o "$work/t.yara" -f "%e %U %S" yara -r -p "$THREADS" "$work/$set.yar" "$work/tree" > /dev/null 2>&1
    /usr/bin/time -o "$work/t.fb" -f "%e %U %S" "$BIN" scan "$work/tree" --no-bundled --yara "$work/$set.yar" --loki-hashes "$work/hashes.txt" --threads "$THREADS" --format json > /dev/null 2> "$work/scan.err"
    tail -1 "$work/scan.err"
    python3 - "$set" "$work/t.yara" "$work/t.fb" <<'PY'
import sys
name = sys.argv[1]
def t(p):
    e, u, s = map(float, open(p).read().split()[-3:])
    return e, u + s
(yw, yc), (fw, fc) = t(sys.argv[2]), t(sys.argv[3])
print(f"scan ({name}.yar): yara {yw:.2f} s wall / {yc:.2f} s CPU, firebreak {fw:.2f} s wall / {fc:.2f} s CPU: "
      f"firebreak throughput = {yw / fw:.2f}x yara wall, {yc / fc:.2f}x CPU (goal >= 0.8x)")
PY
done

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
