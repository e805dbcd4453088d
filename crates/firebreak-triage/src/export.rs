//! A sample's IOCs as a STIX 2.1 bundle and a MISP event, in the conventions of
//! firebreak-report's exports (deterministic ids, one value per pattern, command
//! lines as MISP `process` objects) so that firebreak-ioc reads them back.

use crate::extract::IocKind;
use crate::sample::SampleCard;
use firebreak_ioc::stix_pattern;
use serde_json::{json, Value};

/// The producer named in the exports.
pub const PRODUCER: &str = "Firebreak";

pub use firebreak_ioc::deterministic_uuid as uuid;

/// One exported indicator: (firebreak-ioc type name, value, context).
pub fn indicators(card: &SampleCard) -> Vec<(&'static str, String, String)> {
    let name = &card.name;
    let mut out = vec![
        ("md5", card.hashes.md5.clone(), format!("sample {name}")),
        ("sha1", card.hashes.sha1.clone(), format!("sample {name}")),
        (
            "sha256",
            card.hashes.sha256.clone(),
            format!("sample {name}"),
        ),
        (
            "sha512",
            card.hashes.sha512.clone(),
            format!("sample {name}"),
        ),
    ];
    if let Some(i) = card.pe.as_ref().and_then(|p| p.imphash.clone()) {
        out.push(("imphash", i, format!("imphash of {name}")));
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if !base.is_empty() {
        out.push(("file_name", base.to_string(), "sample file name".into()));
    }
    for i in &card.iocs {
        let kind = match i.kind {
            IocKind::Url => "url",
            IocKind::Domain => "domain",
            IocKind::Onion => "domain",
            IocKind::Ipv4 => "ipv4",
            IocKind::Email => "email",
            // A key without its hive cannot be matched (firebreak-ioc refuses it).
            IocKind::RegistryKey if !i.value.to_ascii_uppercase().starts_with("HK") => continue,
            IocKind::RegistryKey => "registry_key",
            IocKind::Command => "command_line",
            // A path is exported with its directory (STIX: name + parent directory).
            IocKind::FilePath if i.value.contains(['\\', '/']) => "file_path",
            IocKind::FilePath | IocKind::Btc | IocKind::Xmr | IocKind::Mutex => continue,
        };
        out.push((
            kind,
            i.value.clone(),
            format!("string in {name} at offset {}", i.offset),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(k, v, _)| seen.insert((*k, v.clone())));
    out
}

fn all_indicators(cards: &[SampleCard]) -> Vec<(&'static str, String, String)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in cards {
        for i in indicators(c) {
            if seen.insert((i.0, i.1.clone())) {
                out.push(i);
            }
        }
    }
    out
}

fn families(cards: &[SampleCard]) -> Vec<String> {
    let mut f: Vec<String> = cards
        .iter()
        .flat_map(|c| c.families.iter().cloned())
        .collect();
    f.sort();
    f.dedup();
    f
}

fn key(cards: &[SampleCard]) -> String {
    cards
        .iter()
        .map(|c| c.hashes.sha256.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A STIX 2.1 bundle: the producer identity, a malware object per family named,
/// and one indicator per IOC of the cards; `created` is the time given (RFC 3339).
pub fn stix_bundle(cards: &[SampleCard], created: &str) -> Value {
    let fams = families(cards);
    let identity_id = format!("identity--{}", uuid("identity", PRODUCER));
    let mut objects = vec![json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id,
        "created": created, "modified": created, "name": PRODUCER,
        "identity_class": "system",
    })];
    for f in &fams {
        objects.push(json!({
            "type": "malware", "spec_version": "2.1",
            "id": format!("malware--{}", uuid("malware", f)),
            "created": created, "modified": created, "created_by_ref": identity_id,
            "name": f, "is_family": true, "malware_types": ["ransomware"],
        }));
    }
    for (kind, value, context) in all_indicators(cards) {
        let Some(pattern) = stix_pattern(kind, &value) else {
            continue;
        };
        objects.push(json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{}", uuid("indicator", &format!("{kind}\u{0}{value}"))),
            "created": created, "modified": created, "created_by_ref": identity_id,
            "name": format!("{kind}: {value}"),
            "description": context,
            "indicator_types": ["malicious-activity"],
            "pattern": pattern, "pattern_type": "stix", "pattern_version": "2.1",
            "valid_from": created,
            "labels": fams.clone(),
        }));
    }
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid("bundle", &key(cards))),
        "objects": objects,
    })
}

/// A MISP event (`{"Event": ...}`) with one attribute per IOC, command lines as
/// `process` objects, and the families as tags. `date` is `YYYY-MM-DD`, `ts` Unix seconds.
pub fn misp_event(cards: &[SampleCard], date: &str, ts: i64) -> Value {
    let fams = families(cards);
    let ts = ts.to_string();
    let mut attributes = Vec::new();
    let mut objects = Vec::new();
    for (kind, value, context) in all_indicators(cards) {
        let (t, cat) = match kind {
            "ipv4" => ("ip-dst", "Network activity"),
            "domain" => ("domain", "Network activity"),
            "url" => ("url", "Network activity"),
            "email" => ("email-src", "Payload delivery"),
            "md5" | "sha1" | "sha256" | "sha512" | "imphash" => (kind, "Payload delivery"),
            "file_name" | "file_path" => ("filename", "Payload delivery"),
            "registry_key" => ("regkey", "Persistence mechanism"),
            "command_line" => {
                objects.push(json!({
                    "uuid": uuid("misp-object", &format!("process\u{0}{value}")),
                    "name": "process", "meta-category": "misc",
                    "description": "Object describing a system process.",
                    "timestamp": ts, "distribution": "5", "comment": context, "deleted": false,
                    "Attribute": [{
                        "uuid": uuid("misp-attribute", &format!("command-line\u{0}{value}")),
                        "type": "text", "category": "Other", "object_relation": "command-line",
                        "to_ids": false, "value": value, "comment": context, "timestamp": ts,
                        "distribution": "5", "disable_correlation": false, "deleted": false,
                    }],
                }));
                continue;
            }
            _ => continue,
        };
        attributes.push(json!({
            "uuid": uuid("misp-attribute", &format!("{t}\u{0}{value}")),
            "type": t, "category": cat, "to_ids": true, "value": value, "comment": context,
            "timestamp": ts, "distribution": "5", "disable_correlation": false, "deleted": false,
        }));
    }
    let tags: Vec<Value> = fams
        .iter()
        .map(|f| json!({"name": format!("misp-galaxy:ransomware=\"{f}\"")}))
        .collect();
    json!({"Event": {
        "uuid": uuid("misp-event", &key(cards)),
        "info": format!("Firebreak sample triage: {}", cards.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")),
        "date": date, "threat_level_id": if fams.is_empty() { "2" } else { "1" },
        "analysis": "1", "distribution": "0", "published": false, "timestamp": ts,
        "Tag": tags, "Attribute": attributes, "Object": objects,
    }})
}
