//! Embedded configuration: JSON found in plain text, in base64 blobs, or XOR-ed
//! with a one- or two-byte repeating key, reported in the shape of the MACO
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
    for (v, key, offset, length) in xor_scan_located(bytes) {
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

    #[test]
    fn noise_recovers_nothing() {
        let data: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(recover(&data, &[]).is_empty());
    }
}
