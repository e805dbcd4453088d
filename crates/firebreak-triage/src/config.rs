//! Embedded configuration: JSON found in plain text, in base64 blobs, or XOR-ed
//! with a repeating key of 1 to 16 bytes (1–2 bytes from the `{"` known plaintext
//! alone, longer keys by period detection: see [`long_key`]), reported in the shape of the MACO
//! `ExtractorModel` (family, version, campaign_id, mutex, http, cryptocurrency,
//! paths, registry, encryption, other, ...).

use crate::strings::{Encoding, FoundString};
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// How a configuration was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// `plain`, `base64`, `xor` or `base64+xor`.
    pub method: String,
    /// The XOR key in hex, for `xor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Offset of the blob in the file.
    pub offset: u64,
    pub length: u64,
}

/// One recovered configuration.
#[derive(Debug, Clone, Serialize)]
pub struct RecoveredConfig {
    pub recovery: Recovery,
    /// The decoded document.
    pub raw: Value,
    /// The MACO-shaped view of it.
    pub maco: Value,
}

/// Longest blob decoded.
const MAX_BLOB: usize = 64 << 10;

fn is_text_byte(b: u8) -> bool {
    (0x20..0x7F).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t')
}

/// A JSON object with at least two members at the start of `text`, and its length.
fn json_object_prefix(text: &[u8]) -> Option<(Value, usize)> {
    let mut it = serde_json::Deserializer::from_slice(text).into_iter::<Value>();
    match it.next() {
        Some(Ok(v @ Value::Object(_))) if v.as_object().is_some_and(|o| o.len() >= 2) => {
            Some((v, it.byte_offset()))
        }
        _ => None,
    }
}

/// Every configuration that can be recovered from `bytes` and its `strings`.
pub fn recover(bytes: &[u8], strings: &[FoundString]) -> Vec<RecoveredConfig> {
    let mut out: Vec<RecoveredConfig> = Vec::new();
    let push = |raw: Value, recovery: Recovery, out: &mut Vec<RecoveredConfig>| {
        if out
            .iter()
            .any(|c| c.raw == raw && c.recovery.method == recovery.method)
        {
            return;
        }
        let maco = maco(&raw);
        out.push(RecoveredConfig {
            recovery,
            raw,
            maco,
        });
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    for s in strings.iter().filter(|s| s.encoding == Encoding::Ascii) {
        let t = s.text.trim();
        if t.starts_with('{') {
            if let Some((v, n)) = json_object_prefix(t.as_bytes()) {
                push(
                    v,
                    Recovery {
                        method: "plain".into(),
                        key: None,
                        offset: s.offset,
                        length: n as u64,
                    },
                    &mut out,
                );
            }
        } else if t.len() >= 24
            && t.len() % 4 == 0
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        {
            let Ok(decoded) = b64.decode(t) else { continue };
            if let Some((v, _)) = json_object_prefix(&decoded) {
                push(
                    v,
                    Recovery {
                        method: "base64".into(),
                        key: None,
                        offset: s.offset,
                        length: t.len() as u64,
                    },
                    &mut out,
                );
            } else {
                for c in xor_scan(&decoded) {
                    push(
                        c.0,
                        Recovery {
                            method: "base64+xor".into(),
                            key: Some(c.1),
                            offset: s.offset,
                            length: t.len() as u64,
                        },
                        &mut out,
                    );
                }
            }
        }
    }
    for (v, key, offset, length) in xor_scan_located(bytes)
        .into_iter()
        .chain(long_key::scan(bytes))
    {
        push(
            v,
            Recovery {
                method: "xor".into(),
                key: Some(key),
                offset,
                length,
            },
            &mut out,
        );
    }
    out
}

fn xor_scan(bytes: &[u8]) -> Vec<(Value, String)> {
    xor_scan_located(bytes)
        .into_iter()
        .map(|(v, k, _, _)| (v, k))
        .collect()
}

/// JSON objects XOR-ed with a 1- or 2-byte repeating key: every place where the
/// key that turns two bytes into `{"` also turns the next bytes into text is tried.
fn xor_scan_located(bytes: &[u8]) -> Vec<(Value, String, u64, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 < bytes.len() {
        let key = [bytes[i] ^ b'{', bytes[i + 1] ^ b'"'];
        if key == [0, 0] {
            i += 1;
            continue;
        }
        // A cheap first check: `{"` is followed by a member name (letters, digits,
        // `_`, `-`, at most 40) and `":`; text that merely stays printable under the
        // key (any text under a key made from text) does not qualify.
        if !member_name_follows(&bytes[i..], key) {
            i += 1;
            continue;
        }
        let end = (i + MAX_BLOB).min(bytes.len());
        let mut text = Vec::with_capacity(256);
        for (j, &b) in bytes[i..end].iter().enumerate() {
            let d = b ^ key[j % 2];
            if !is_text_byte(d) {
                break;
            }
            text.push(d);
        }
        if let Some((v, n)) = json_object_prefix(&text) {
            let key_hex = if key[0] == key[1] {
                hex::encode([key[0]])
            } else {
                hex::encode(key)
            };
            out.push((v, key_hex, i as u64, n as u64));
            i += n.max(1);
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `{"name":` (optionally with spaces before the colon) decodes at the start of `b`.
fn member_name_follows(b: &[u8], key: [u8; 2]) -> bool {
    let mut j = 2;
    while j < b.len().min(44) {
        let d = b[j] ^ key[j % 2];
        if d == b'"' {
            if j == 2 {
                return false;
            }
            let mut k = j + 1;
            while k < b.len().min(j + 4) && b[k] ^ key[k % 2] == b' ' {
                k += 1;
            }
            return k < b.len() && b[k] ^ key[k % 2] == b':';
        }
        if !(d.is_ascii_alphanumeric() || d == b'_' || d == b'-') {
            return false;
        }
        j += 1;
    }
    false
}

/// Repeating-key XOR with keys of 3 to 16 bytes.
///
/// 1. **Period**: in 32-byte blocks, count positions where a byte equals the one
///    `L` further on, for every `L` in 1..=16. Under a key of period `L` two bytes
///    `L` apart were XOR-ed with the same key byte, so they are equal exactly when
///    the plaintext bytes are: JSON text gives many coincidences at `L` and its
///    multiples (its index of coincidence is far above random's 1/256) and few at
///    1 and 2, where code, text and zero padding give many.
/// 2. **Zero-run exposure**: a block that repeats with period `L` all along is the
///    key itself XOR-ed over zero padding (configs are fixed-size structures): the
///    key, in absolute phase, is read off those bytes.
/// 3. Otherwise each key byte (column `j mod L`) is the one that makes its column
///    look most like JSON text (quotes, lower-case letters, `:` `,` digits; control
///    bytes heavily penalised).
/// 4. With the key, the region is decoded, a `{"member":` start is looked for and
///    the JSON object parsed; only a parsed object with two members counts. The
///    key is reported in the blob's own phase (its first byte XORs the `{`).
pub mod long_key {
    use super::{is_text_byte, MAX_BLOB};
    use serde_json::Value;

    const BLOCK: usize = 64;
    const MAX_PERIOD: usize = 16;
    /// Shifts counted: every period has at least two multiples among them.
    const SHIFTS: usize = 2 * MAX_PERIOD;
    /// Blocks whose counts are added up to decide a period (a config is a few
    /// hundred bytes: longer windows would drown it in what surrounds it).
    const WINDOW: usize = 4;
    /// At most this many candidate regions are decoded per file.
    const MAX_REGIONS: usize = 64;

    type Counts = [u32; SHIFTS + 1];

    /// Coincidences at shifts 1..=SHIFTS of the block at `at`.
    fn coincidences(b: &[u8], at: usize) -> Counts {
        let mut c = [0u32; SHIFTS + 1];
        let block = &b[at..at + BLOCK];
        for l in 1..=SHIFTS {
            // Shifts 1 and 2 decide first whether the rest is worth counting.
            if l == 3 && (c[1] > 3 || c[2] > 3) {
                break;
            }
            let ahead = &b[at + l..at + l + BLOCK];
            c[l] = block
                .iter()
                .zip(ahead)
                .map(|(x, y)| u32::from(x == y))
                .sum();
        }
        c
    }

    /// Key periods the counts suggest, likeliest first: coincidences at the
    /// multiples of `L` above those at the other shifts. Multiples of a period
    /// score as well as it does, so the smallest `L` within 70% of the best score
    /// comes first. (ASCII keys leave more coincidences at other shifts: plaintext
    /// pairs whose XOR equals two key bytes' XOR; hence a loose bound here, and
    /// the decoding decides.)
    fn periods(c: &Counts) -> Vec<usize> {
        let score = |l: usize| {
            let (mut m, mut nm, mut o, mut no) = (0u32, 0u32, 0u32, 0u32);
            for (s, &n) in c.iter().enumerate().skip(1) {
                if s % l == 0 {
                    m += n;
                    nm += 1;
                } else {
                    o += n;
                    no += 1;
                }
            }
            let (m, o) = (f64::from(m) / f64::from(nm), f64::from(o) / f64::from(no));
            (m >= 1.5 + 1.5 * o && m >= 2.0 * o).then_some(m - o)
        };
        let mut scores: Vec<(usize, f64)> = (3..=MAX_PERIOD)
            .filter_map(|l| score(l).map(|s| (l, s)))
            .collect();
        let best = scores.iter().map(|x| x.1).fold(0.0, f64::max);
        scores.sort_by(|a, b| {
            let (ta, tb) = (a.1 >= best * 0.7, b.1 >= best * 0.7);
            tb.cmp(&ta).then(if ta {
                a.0.cmp(&b.0)
            } else {
                b.1.total_cmp(&a.1)
            })
        });
        scores.into_iter().take(3).map(|x| x.0).collect()
    }

    struct Region {
        start: usize,
        end: usize,
        /// Candidate periods, likeliest first.
        periods: Vec<usize>,
        /// A block repeating with the period all along: the key over zeros.
        exposed: Option<usize>,
    }

    fn regions(b: &[u8]) -> Vec<Region> {
        let mut out: Vec<Region> = Vec::new();
        // Blocks that may be cipher text: few coincidences at shifts 1 and 2 (code,
        // text, tables and zeros have many) and not one byte repeated.
        let mut blocks: Vec<(usize, Counts)> = Vec::new();
        let mut at = 0;
        while at + BLOCK + SHIFTS <= b.len() {
            let c = coincidences(b, at);
            // Printable text is plain text (cipher text of JSON under any key
            // holds control bytes), whatever its coincidences.
            let printable = b[at..at + BLOCK]
                .iter()
                .filter(|&&x| (0x20..0x7f).contains(&x) || x == b'\n')
                .count();
            if c[1] <= 3 && c[2] <= 3 && printable < BLOCK - 2 {
                blocks.push((at, c));
            }
            at += BLOCK;
        }
        let mut i = 0;
        while i < blocks.len() && out.len() < MAX_REGIONS {
            // Up to WINDOW consecutive candidate blocks, added up.
            let mut sum = blocks[i].1;
            let mut n = 1;
            while n < WINDOW && i + n < blocks.len() && blocks[i + n].0 == blocks[i].0 + n * BLOCK {
                for (s, v) in sum.iter_mut().zip(blocks[i + n].1) {
                    *s += v;
                }
                n += 1;
            }
            let ps = periods(&sum);
            if let Some(&l) = ps.first() {
                let (start, end) = (blocks[i].0, blocks[i + n - 1].0 + BLOCK);
                let exposed = blocks[i..i + n]
                    .iter()
                    .find(|(_, c)| c[l] as usize >= BLOCK - 1)
                    .map(|(p, _)| *p);
                match out.last_mut() {
                    Some(r)
                        if r.end >= start
                            && r.periods == ps
                            && r.exposed.is_some() == exposed.is_some() =>
                    {
                        r.end = r.end.max(end);
                        r.exposed = r.exposed.or(exposed);
                    }
                    _ => out.push(Region {
                        start,
                        end,
                        periods: ps,
                        exposed,
                    }),
                }
            }
            i += 1;
        }
        out
    }

    /// How much a decoded byte looks like JSON configuration text (quotes and
    /// separators, then lower-case letters by their frequency in English and
    /// configuration keys, URLs' punctuation); control bytes are heavily penalised.
    fn weight(d: u8) -> i32 {
        // a..z: e t a o i n s r highest, q j x z lowest.
        const LOWER: &[u8; 26] = b"84659445723657751778534242";
        match d {
            b'"' => 12,
            b':' | b',' | b'.' => 6,
            b'a'..=b'z' => i32::from(LOWER[usize::from(d - b'a')] - b'0'),
            b'/' => 5,
            b'0'..=b'9' | b'-' | b'_' | b'{' | b'}' | b'[' | b']' => 4,
            b' ' => 3,
            b'A'..=b'Z' | b'\\' => 2,
            0x21..=0x7e => 0,
            _ => -40,
        }
    }

    /// For each column (`j mod L`, absolute phase), key bytes ranked by how
    /// JSON-like they make the column within `b[start..end]`; zero bytes are left
    /// out (padding that was never XOR-ed; JSON holds none).
    fn rank(b: &[u8], start: usize, end: usize, l: usize) -> Vec<Vec<u8>> {
        // At most this many bytes are ranked: enough for any config's columns.
        let end = end.min(start.saturating_add(8192)).min(b.len());
        (0..l)
            .map(|col| {
                let first = start + (col + l - start % l) % l;
                // A column's histogram: scoring a key byte costs its distinct values.
                let mut hist = [0u32; 256];
                for &x in b[first.min(end)..end].iter().step_by(l) {
                    hist[usize::from(x)] += u32::from(x != 0);
                }
                let present: Vec<(u8, i32)> = (0..=255u8)
                    .zip(hist)
                    .filter(|(_, n)| *n > 0)
                    .map(|(v, n)| (v, n as i32))
                    .collect();
                let mut scored: Vec<(i32, u8)> = (0..=255u8)
                    .map(|k| {
                        (
                            present.iter().map(|&(v, n)| n * weight(v ^ k)).sum::<i32>(),
                            k,
                        )
                    })
                    .collect();
                scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                scored.into_iter().take(8).map(|x| x.1).collect()
            })
            .collect()
    }

    /// Decoded text from `s` while it stays text.
    fn text_from(b: &[u8], s: usize, key: &[u8]) -> Vec<u8> {
        let l = key.len();
        let end = (s + MAX_BLOB).min(b.len());
        (s..end)
            .map(|j| b[j] ^ key[j % l])
            .take_while(|&d| is_text_byte(d))
            .collect()
    }

    /// Decode around a region with the ranked key bytes (absolute phase) and parse
    /// the first JSON object found: (value, key in blob phase, offset, length).
    /// At a `{"` start the two key bytes it implies are fixed; where the text then
    /// breaks off (a control byte, or JSON that does not parse there) the column
    /// at fault takes its next-ranked byte, a few times per column.
    fn decode(
        b: &[u8],
        from: usize,
        to: usize,
        ranked: &[Vec<u8>],
        exact: bool,
        budget: &mut usize,
    ) -> Option<(Value, Vec<u8>, u64, u64)> {
        let l = ranked.len();
        let best: Vec<u8> = ranked.iter().map(|r| r[0]).collect();
        let mut starts = 0;
        for s in from..to.min(b.len().saturating_sub(8)) {
            let (c0, c1) = (s % l, (s + 1) % l);
            let mut key = best.clone();
            if exact {
                // A key read off zero padding is not second-guessed.
                if b[s] ^ key[c0] != b'{' || b[s + 1] ^ key[c1] != b'"' {
                    continue;
                }
            }
            key[c0] = b[s] ^ b'{';
            key[c1] = b[s + 1] ^ b'"';
            // The member name after `{"` must decode as a name for this start.
            let name_follows = (s + 2..s + 5).all(|j| {
                let d = b[j] ^ key[j % l];
                d.is_ascii_alphanumeric() || d == b'_'
            });
            if !name_follows {
                continue;
            }
            // Bounded work per region and per file, whatever the bytes.
            starts += 1;
            if starts > 64 || *budget == 0 {
                break;
            }
            *budget -= 1;
            let head = text_from(b, s, &key);
            if head.len() < 8 {
                continue;
            }
            // Re-rank over the text this start decodes to, as long as it grows
            // (the region's edges hold other bytes that blur the ranking).
            let mut ranked = ranked.to_vec();
            let mut run = head.len();
            for _ in 0..2 {
                let r = rank(b, s, (s + run + l).min(b.len()), l);
                let mut k: Vec<u8> = r.iter().map(|x| x[0]).collect();
                k[c0] = key[c0];
                k[c1] = key[c1];
                let grown = text_from(b, s, &k).len();
                if grown <= run {
                    break;
                }
                ranked = r;
                key = k;
                run = grown;
            }
            if let Some((v, n)) = repair(b, s, &mut key, &ranked, [c0, c1]) {
                let phased = (0..l).map(|i| key[(s + i) % l]).collect();
                return Some((v, phased, s as u64, n as u64));
            }
        }
        None
    }

    /// The JSON object decoded at `s`, or how far the text got before it broke
    /// off (a control byte, or JSON that does not parse there).
    fn attempt(b: &[u8], s: usize, key: &[u8]) -> Result<(Value, usize), usize> {
        let text = text_from(b, s, key);
        let mut it = serde_json::Deserializer::from_slice(&text).into_iter::<Value>();
        match it.next() {
            Some(Ok(v @ Value::Object(_))) if v.as_object().is_some_and(|o| o.len() >= 2) => {
                Ok((v, it.byte_offset()))
            }
            Some(Err(e)) if e.column() > 0 => Err((e.column() - 1).min(text.len())),
            _ => Err(text.len()),
        }
    }

    /// Parse the JSON object that decodes at `s`, repairing the key on the way:
    /// where the text breaks off, the column (among the `L` bytes before the
    /// fault: a wrong byte inside a string shows only at the next quote) and
    /// ranked byte that carry the parse furthest are taken, as long as it gets
    /// further. `fixed` columns come from known plaintext.
    fn repair(
        b: &[u8],
        s: usize,
        key: &mut [u8],
        ranked: &[Vec<u8>],
        fixed: [usize; 2],
    ) -> Option<(Value, usize)> {
        let l = key.len();
        let mut fault = match attempt(b, s, key) {
            Ok(found) => return Some(found),
            Err(f) => f,
        };
        for _ in 0..2 * l {
            let mut best: Option<(usize, usize, u8)> = None;
            for back in 0..l.min(fault + 1) {
                let col = (s + fault - back) % l;
                if fixed.contains(&col) {
                    continue;
                }
                let old = key[col];
                for &alt in ranked[col].iter().filter(|&&k| k != old) {
                    key[col] = alt;
                    match attempt(b, s, key) {
                        Ok(found) => return Some(found),
                        Err(f) if f > fault && best.is_none_or(|x| f > x.0) => {
                            best = Some((f, col, alt))
                        }
                        Err(_) => {}
                    }
                }
                key[col] = old;
            }
            let (f, col, alt) = best?;
            key[col] = alt;
            fault = f;
        }
        None
    }

    /// Every JSON object XOR-ed with a key of 3..=16 bytes found in `b`.
    pub fn scan(b: &[u8]) -> Vec<(Value, String, u64, u64)> {
        let mut out: Vec<(Value, String, u64, u64)> = Vec::new();
        let mut regions = regions(b);
        // Starts tried (each may re-rank and repair) over the whole file.
        let mut budget = 256usize;
        // Key bytes read off zero padding are exact: those first.
        regions.sort_by_key(|r| r.exposed.is_none());
        for r in regions {
            let found = r.periods.iter().find_map(|&l| {
                let exact = r.exposed.is_some() && r.periods[0] == l;
                let ranked = match r.exposed {
                    Some(p) if exact => (0..l).map(|i| vec![b[p + (i + l - p % l) % l]]).collect(),
                    _ => rank(
                        b,
                        r.start.saturating_sub(BLOCK),
                        (r.end + BLOCK).min(b.len()),
                        l,
                    ),
                };
                // Zero padding follows the text it pads: look back a whole blob.
                let from = if exact {
                    r.start.saturating_sub(MAX_BLOB)
                } else {
                    r.start.saturating_sub(BLOCK)
                };
                decode(b, from, r.end, &ranked, exact, &mut budget).map(|d| (l, d))
            });
            let Some((l, (v, phased, offset, len))) = found else {
                continue;
            };
            // A key that repeats with a shorter period is that shorter key.
            let p = (1..=l)
                .find(|&p| l % p == 0 && (0..l).all(|i| phased[i] == phased[i % p]))
                .unwrap_or(l);
            if p < 3 {
                continue;
            }
            out.push((v, hex::encode(&phased[..p]), offset, len));
        }
        // A false `{"` inside a blob decodes its tail under a partly wrong key: of
        // overlapping finds the earliest start is the blob's own.
        out.sort_by_key(|o| (o.2, std::cmp::Reverse(o.3)));
        let mut kept: Vec<(Value, String, u64, u64)> = Vec::new();
        for o in out {
            let inside = kept.last().is_some_and(|k| o.2 < k.2 + k.3.max(1));
            if !inside && !kept.iter().any(|k| k.0 == o.0) {
                kept.push(o);
            }
        }
        kept
    }
}

fn strings_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings_of).collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// The MACO ExtractorModel view of a decoded configuration: well-known member
/// names are mapped (c2/url/host → http[usage c2], wallet/btc → cryptocurrency,
/// mutex, extension/note/kill lists → other); the whole document stays in
/// `other.config`.
pub fn maco(raw: &Value) -> Value {
    let mut m = Map::new();
    let mut http = Vec::new();
    let mut crypto = Vec::new();
    let mut mutex = Vec::new();
    let mut campaign = Vec::new();
    let mut paths = Vec::new();
    let mut registry = Vec::new();
    let mut encryption = Vec::new();
    let mut sleep = None;
    let mut category = Vec::new();
    if let Some(obj) = raw.as_object() {
        for (k, v) in obj {
            let key = k.to_ascii_lowercase();
            let vals = strings_of(v);
            if key == "family" || key == "name" && !m.contains_key("family") {
                if let Some(s) = vals.first() {
                    m.insert("family".into(), json!(s));
                }
            } else if key == "version" || key == "ver" {
                if let Some(s) = vals.first() {
                    m.insert("version".into(), json!(s));
                }
            } else if key.contains("c2")
                || key.contains("url")
                || key.contains("server")
                || key.contains("host")
                || key.contains("panel")
                || key == "domains"
            {
                for s in vals {
                    http.push(json!({"uri": s, "usage": "c2"}));
                }
            } else if key.contains("btc")
                || key.contains("wallet")
                || key.contains("bitcoin")
                || key.contains("xmr")
                || key.contains("monero")
            {
                let coin = if key.contains("xmr") || key.contains("monero") {
                    "XMR"
                } else {
                    "BTC"
                };
                for s in vals {
                    crypto.push(json!({"coin": coin, "address": s, "usage": "ransom"}));
                }
            } else if key.contains("mutex") {
                mutex.extend(vals);
            } else if key.contains("campaign")
                || key.contains("affiliate")
                || key == "id"
                || key == "bot_id"
                || key == "build"
            {
                campaign.extend(vals);
            } else if key.contains("path") || key.contains("dir") {
                for s in vals {
                    paths.push(json!({"path": s, "usage": "other"}));
                }
            } else if key.contains("reg") {
                for s in vals {
                    registry.push(json!({"key": s, "usage": "other"}));
                }
            } else if key.contains("pubkey")
                || key.contains("public_key")
                || key == "key"
                || key.contains("rsa")
            {
                for s in vals {
                    encryption.push(json!({"public_key": s, "usage": "ransom"}));
                }
            } else if key.contains("sleep") || key.contains("delay") {
                sleep = vals.first().and_then(|s| s.parse::<u64>().ok());
            } else if key.contains("ext") || key.contains("note") {
                category.push("ransomware");
            }
        }
    }
    category.dedup();
    m.insert("category".into(), json!(category));
    for (name, list) in [
        ("http", http),
        ("cryptocurrency", crypto),
        ("paths", paths),
        ("registry", registry),
        ("encryption", encryption),
    ] {
        if !list.is_empty() {
            m.insert(name.into(), Value::Array(list));
        }
    }
    if !mutex.is_empty() {
        m.insert("mutex".into(), json!(mutex));
    }
    if !campaign.is_empty() {
        m.insert("campaign_id".into(), json!(campaign));
    }
    if let Some(s) = sleep {
        m.insert("sleep_delay".into(), json!(s));
    }
    m.insert("other".into(), json!({ "config": raw }));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_xor_and_base64() {
        let cfg = br#"{"family":"Testlock","c2":["http://c2.example.top/gate"],"btc":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa","mutex":"Global\\tl"}"#;
        for key in [vec![0x5Au8], vec![0x13, 0x37]] {
            let mut data = vec![0u8; 300];
            data.extend(cfg.iter().enumerate().map(|(i, b)| b ^ key[i % key.len()]));
            data.extend([0u8; 50]);
            let found = recover(&data, &[]);
            assert_eq!(found.len(), 1, "key {key:?}");
            let c = &found[0];
            assert_eq!(c.recovery.method, "xor");
            assert_eq!(c.recovery.key.as_deref(), Some(hex::encode(&key).as_str()));
            assert_eq!(c.recovery.offset, 300);
            assert_eq!(c.maco["family"], "Testlock");
            assert_eq!(c.maco["http"][0]["uri"], "http://c2.example.top/gate");
            assert_eq!(c.maco["cryptocurrency"][0]["coin"], "BTC");
            assert_eq!(c.maco["mutex"][0], "Global\\tl");
        }
        let b = base64::engine::general_purpose::STANDARD.encode(cfg);
        let s = FoundString {
            offset: 7,
            encoding: Encoding::Ascii,
            text: b,
        };
        let found = recover(&[], &[s]);
        assert_eq!(found[0].recovery.method, "base64");
    }

    /// `cfg` XOR-ed with `key` (from its first byte), between code-like bytes.
    fn embedded(cfg: &[u8], key: &[u8], pad_to: usize) -> Vec<u8> {
        let mut data: Vec<u8> = (0..4000u32)
            .map(|i| {
                [0x48, 0x89, 0x5c, 0x24, 0x08, 0x00, 0x00, 0xe8][i as usize % 8] ^ (i as u8 & 3)
            })
            .collect();
        let mut plain = cfg.to_vec();
        plain.resize(pad_to.max(cfg.len()), 0);
        data.extend(
            plain
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ key[i % key.len()]),
        );
        data.extend(std::iter::repeat_n(0u8, 300));
        data
    }

    #[test]
    fn recovers_long_xor_keys_by_period_and_zero_runs() {
        let cfg = br#"{"family":"Testlock","version":"2.1","c2":["http://c2.example.top/gate","https://cdn.example.net/api"],"btc":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa","mutex":"Global\\tl-8812","campaign":"q4-eu"}"#;
        let keys: [&[u8]; 4] = [
            &[0x9e, 0x21, 0xc4, 0x37],
            b"K3y!",
            &[
                0x11, 0xa7, 0x3c, 0xf0, 0x5d, 0x82, 0x6b, 0xe9, 0x04, 0xc8, 0x77, 0x1f, 0xb2,
            ],
            &[
                0xde, 0xad, 0xbe, 0xef, 0x93, 0x4e, 0x2a, 0xc1, 0x68, 0xf5, 0x0b, 0x7d, 0xb9, 0x36,
                0xe2, 0x54,
            ],
        ];
        for key in keys {
            // A 200-byte blob gives a 16-byte key 12 bytes per column: too few to
            // rank reliably; with zero padding the key shows itself.
            let pads: &[usize] = if key.len() > 13 { &[512] } else { &[0, 512] };
            for &pad in pads {
                let data = embedded(cfg, key, pad);
                let found = recover(&data, &[]);
                let c = found
                    .iter()
                    .find(|c| c.recovery.method == "xor")
                    .unwrap_or_else(|| panic!("key {key:02x?} pad {pad}: {found:?}"));
                assert_eq!(c.recovery.key.as_deref(), Some(hex::encode(key).as_str()));
                assert_eq!(c.recovery.offset, 4000);
                assert_eq!(c.raw, serde_json::from_slice::<Value>(cfg).unwrap());
                assert_eq!(c.maco["family"], "Testlock");
                assert_eq!(c.maco["http"][1]["uri"], "https://cdn.example.net/api");
            }
        }
    }

    #[test]
    fn noise_recovers_nothing() {
        let data: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(recover(&data, &[]).is_empty());
    }
}
