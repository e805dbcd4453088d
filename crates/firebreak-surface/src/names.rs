//! Host names from text the scan already has: HTTP answers (the `Location` redirect,
//! Content-Security-Policy sources, links and URLs in the page), TLS certificate SANs,
//! and passive inputs (crt.sh JSON exports, plain name lists as subfinder/amass write
//! them, an earlier `firebreak surface` JSONL). Only syntax here: the caller keeps the
//! names under a scoped domain. Everything read is attacker-controlled; a name comes out
//! only when every label is a valid host label.

use std::collections::BTreeSet;

/// Longest text scanned in one HTTP answer.
const MAX_SCAN: usize = 512 * 1024;

/// A host name in canonical form (lower case, no trailing dot, no `*.`), or `None`.
pub fn canonical(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('.');
    let s = s.strip_prefix("*.").unwrap_or(s);
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        // an address is not a name
        && !s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    ok.then(|| s.to_ascii_lowercase())
}

fn host_chars(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' || b == b'*'
}

/// Host names after every `//` (scheme-relative and absolute URLs) in `text`.
fn url_hosts(text: &[u8], out: &mut BTreeSet<String>) {
    let mut i = 0;
    while let Some(p) = text[i..].windows(2).position(|w| w == b"//") {
        let start = i + p + 2;
        let end = text[start..]
            .iter()
            .position(|&b| !host_chars(b))
            .map_or(text.len(), |e| start + e);
        if let Some(n) = std::str::from_utf8(&text[start..end])
            .ok()
            .and_then(canonical)
        {
            out.insert(n);
        }
        i = end.max(start);
    }
}

/// Names in a CSP value: sources are `scheme://host:port/path`, `host`, `*.host`.
fn csp_hosts(value: &str, out: &mut BTreeSet<String>) {
    for tok in value.split([';', ' ', '\t']) {
        let t = tok.trim().trim_matches('\'');
        let t = t.split_once("://").map_or(t, |(_, r)| r);
        let host = t.split(['/', ':']).next().unwrap_or("");
        if let Some(n) = canonical(host) {
            out.insert(n);
        }
    }
}

/// Names in one raw HTTP answer (headers and body): `Location`, `Content-Location`,
/// `Content-Security-Policy(-Report-Only)`, `Access-Control-Allow-Origin`, `Link`,
/// and every absolute or scheme-relative URL of the body.
pub fn from_http(raw: &[u8]) -> BTreeSet<String> {
    let raw = &raw[..raw.len().min(MAX_SCAN)];
    let mut out = BTreeSet::new();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&raw[..split]);
    for line in head.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-security-policy" | "content-security-policy-report-only" => {
                csp_hosts(value, &mut out)
            }
            "location"
            | "content-location"
            | "access-control-allow-origin"
            | "link"
            | "refresh" => url_hosts(value.as_bytes(), &mut out),
            _ => {}
        }
    }
    url_hosts(&raw[split..], &mut out);
    out
}

/// What a passive input gave.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Passive {
    /// Names read (canonical; not yet filtered by scope).
    pub names: BTreeSet<String>,
    /// Entries or lines that held no usable name.
    pub skipped: usize,
    /// The format recognised: `crt.sh-json`, `jsonl`, `list`.
    pub format: &'static str,
}

fn json_names(v: &serde_json::Value, p: &mut Passive) {
    let mut any = false;
    // crt.sh: name_value (several names, one a line) and common_name; subfinder -oJ:
    // host; amass: name; firebreak surface: asset (and AXFR names in evidence)
    for key in ["name_value", "common_name", "host", "name", "asset"] {
        if let Some(s) = v.get(key).and_then(|s| s.as_str()) {
            for n in s.lines().filter_map(canonical) {
                p.names.insert(n);
                any = true;
            }
        }
    }
    if let Some(list) = v
        .get("evidence")
        .and_then(|e| e.get("names"))
        .and_then(|n| n.as_array())
    {
        for n in list.iter().filter_map(|n| n.as_str()).filter_map(canonical) {
            p.names.insert(n);
            any = true;
        }
    }
    if let Some(s) = v.as_str().and_then(canonical) {
        p.names.insert(s);
        any = true;
    }
    if !any {
        p.skipped += 1;
    }
}

/// Reads a passive input, recognising its format from the content.
pub fn passive(text: &str) -> Passive {
    let mut p = Passive::default();
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') {
        p.format = "crt.sh-json";
        match serde_json::from_str::<Vec<serde_json::Value>>(t) {
            Ok(list) => list.iter().for_each(|v| json_names(v, &mut p)),
            Err(_) => p.skipped += 1,
        }
        return p;
    }
    if t.starts_with('{') {
        p.format = "jsonl";
        for line in t.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) => json_names(&v, &mut p),
                Err(_) => p.skipped += 1,
            }
        }
        return p;
    }
    p.format = "list";
    for line in t.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `name`, `name,ip,source` (subfinder -cs), `name ip`
        let first = line.split([',', ' ', '\t']).next().unwrap_or("");
        match canonical(first) {
            Some(n) => {
                p.names.insert(n);
            }
            None => p.skipped += 1,
        }
    }
    p
}

/// Addresses a name had in the past (origin candidates).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct History {
    /// (name, address); no name = a candidate for every protected site.
    pub entries: Vec<(Option<String>, std::net::IpAddr)>,
    /// Lines or entries without an address.
    pub skipped: usize,
}

/// Reads a DNS-history file: lines `name address` / `name,address,...` / `address`
/// (the first address and the first name of the line), or JSONL (an earlier
/// `firebreak surface` run's `asset.name` lines: `asset` and `evidence.addresses`;
/// or objects with `hostname`/`host`/`name` and `ip`/`address`/`addresses`).
pub fn history(text: &str) -> History {
    let mut h = History::default();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let before = h.entries.len();
        if line.starts_with('{') {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                let name = ["asset", "hostname", "host", "name"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(|s| s.as_str()).and_then(canonical));
                let mut addrs: Vec<&serde_json::Value> = Vec::new();
                for k in ["ip", "address", "addresses"] {
                    match v.get(k) {
                        Some(serde_json::Value::Array(a)) => addrs.extend(a),
                        Some(x) => addrs.push(x),
                        None => {}
                    }
                }
                if let Some(a) = v
                    .get("evidence")
                    .and_then(|e| e.get("addresses"))
                    .and_then(|a| a.as_array())
                {
                    addrs.extend(a);
                }
                for a in addrs.iter().filter_map(|a| a.as_str()?.parse().ok()) {
                    h.entries.push((name.clone(), a));
                }
            }
        } else {
            let toks: Vec<&str> = line
                .split([',', ' ', '\t', ';'])
                .filter(|t| !t.is_empty())
                .collect();
            let addr = toks.iter().find_map(|t| t.parse::<std::net::IpAddr>().ok());
            let name = toks.iter().find_map(|t| canonical(t));
            if let Some(a) = addr {
                h.entries.push((name, a));
            }
        }
        if h.entries.len() == before {
            h.skipped += 1;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_an_http_answer() {
        let raw = b"HTTP/1.1 302 Found\r\nLocation: https://Login.Lab.Test:8443/sso?x=//evil\r\n\
Content-Security-Policy: default-src 'self' *.cdn.lab.test; script-src https://js.lab.test/a 'nonce-x'; frame-ancestors citrixng://x\r\n\
Set-Cookie: a=b\r\n\r\n<a href=\"//static.lab.test/x.png\">x</a><a href='https://other.example/'>o</a>\
<script src=\"http://10.1.2.3/x.js\"></script><a href=\"http://bad_-.lab.test.\">b</a>\x1b[2J";
        let n = from_http(raw);
        let want: BTreeSet<String> = [
            "login.lab.test",
            "cdn.lab.test",
            "js.lab.test",
            "static.lab.test",
            "other.example",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(n, want);
        assert!(from_http(b"").is_empty());
        assert!(from_http(b"garbage //").is_empty());
    }

    #[test]
    fn arbitrary_answers_never_panic() {
        let pieces: [&[u8]; 12] = [
            b"//",
            b"://",
            b"\r\n\r\n",
            b"Location: ",
            b"content-security-policy:",
            b"a.lab.test",
            b"*.",
            b"\xff\xfe",
            b"'",
            b";",
            b"\n",
            b"-",
        ];
        let mut x: u64 = 7;
        for _ in 0..5_000 {
            let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
            for _ in 0..(x % 30) {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                raw.extend_from_slice(pieces[(x >> 33) as usize % pieces.len()]);
            }
            for n in from_http(&raw) {
                assert_eq!(canonical(&n).as_deref(), Some(n.as_str()));
            }
            let _ = passive(&String::from_utf8_lossy(&raw));
        }
    }

    #[test]
    fn history_formats() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let h = history(
            "# securitytrails export\nshop.lab.test,10.77.0.20,2024-01-01\n10.77.0.21\nLocked.Lab.Test 10.77.0.22\n\
             {\"kind\":\"asset.name\",\"asset\":\"www.lab.test\",\"evidence\":{\"addresses\":[\"10.77.0.23\"]}}\n\
             {\"hostname\":\"a.lab.test\",\"ip\":\"2001:db8::1\"}\nno address here\n{broken\n",
        );
        assert_eq!(
            h.entries,
            [
                (Some("shop.lab.test".into()), ip("10.77.0.20")),
                (None, ip("10.77.0.21")),
                (Some("locked.lab.test".into()), ip("10.77.0.22")),
                (Some("www.lab.test".into()), ip("10.77.0.23")),
                (Some("a.lab.test".into()), ip("2001:db8::1")),
            ]
        );
        assert_eq!(h.skipped, 2);
    }

    #[test]
    fn passive_formats() {
        let crt = r#"[{"issuer_name":"x","common_name":"lab.test","name_value":"lab.test\n*.lab.test\nvpn.lab.test"},{"id":1}]"#;
        let p = passive(crt);
        assert_eq!(p.format, "crt.sh-json");
        assert_eq!(
            p.names.iter().cloned().collect::<Vec<_>>(),
            ["lab.test", "vpn.lab.test"]
        );
        assert_eq!(p.skipped, 1);
        let jsonl = "{\"kind\":\"asset.name\",\"asset\":\"www.lab.test\"}\n{\"host\":\"api.lab.test\",\"input\":\"lab.test\"}\nnot json\n";
        let p = passive(jsonl);
        assert_eq!(p.format, "jsonl");
        assert!(p.names.contains("www.lab.test") && p.names.contains("api.lab.test"));
        assert_eq!(p.skipped, 1);
        let list = "# amass\nA.lab.test\nb.lab.test,10.0.0.1,crtsh\n\nnot a name!\n10.0.0.1\n";
        let p = passive(list);
        assert_eq!(p.format, "list");
        assert_eq!(
            p.names.iter().cloned().collect::<Vec<_>>(),
            ["a.lab.test", "b.lab.test"]
        );
        assert_eq!(p.skipped, 2);
        assert_eq!(passive("[broken").skipped, 1);
    }
}
