//! IOC and timeline exports: a STIX 2.1 bundle, a MISP event, Timesketch JSONL.
//! Ids are deterministic (see [`ids::uuid`]), times derived from the model, so the
//! same investigation always exports the same documents.

use crate::ids;
use crate::text;
use firebreak_analysis::{Indicator, Investigation};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// The name the exports are created by.
pub const PRODUCER: &str = "Firebreak";

/// A STIX pattern string literal: `'`, with `\` and `'` escaped.
pub use firebreak_ioc::stix_pattern;

/// STIX `indicator_types` (open vocabulary): accounts are `compromised`, everything
/// else `malicious-activity`.
fn indicator_type(kind: &str) -> &'static str {
    match kind {
        "user" => "compromised",
        _ => "malicious-activity",
    }
}

fn identity(created: &str) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": format!("identity--{}", ids::uuid("identity", PRODUCER)),
        "created": created,
        "modified": created,
        "name": PRODUCER,
        "description": "Firebreak incident-response workbench (automated analysis).",
        "identity_class": "system",
    })
}

fn stix_indicator(i: &Indicator, identity_id: &str, created: &str) -> Option<Value> {
    let pattern = stix_pattern(&i.kind, &i.value)?;
    let valid_from = i
        .first_seen
        .map_or_else(|| created.to_string(), ids::stix_time);
    let description = if i.context.is_empty() {
        format!("{} {}", i.kind, i.value)
    } else {
        format!("{} {}: {}", i.kind, i.value, i.context)
    };
    Some(json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{}", ids::uuid("indicator", &format!("{}\u{0}{}", i.kind, i.value))),
        "created_by_ref": identity_id,
        "created": created,
        "modified": created,
        "name": format!("{}: {}", i.kind, text::one_line(&i.value)),
        "description": description,
        "indicator_types": [indicator_type(&i.kind)],
        "labels": ["firebreak", i.kind.clone()],
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": valid_from,
    }))
}

fn stix_report(inv: &Investigation, identity_id: &str, created: &str, refs: Vec<Value>) -> Value {
    let name = if inv.case.name.is_empty() {
        "Firebreak investigation".to_string()
    } else {
        format!("Firebreak investigation: {}", inv.case.name)
    };
    let mut report = json!({
        "type": "report",
        "spec_version": "2.1",
        "id": format!("report--{}", ids::uuid("report", &ids::case_key(inv))),
        "created_by_ref": identity_id,
        "created": created,
        "modified": created,
        "name": name,
        "report_types": ["threat-report"],
        "published": created,
        "object_refs": refs,
    });
    if !inv.executive_summary.is_empty() {
        report["description"] = Value::String(inv.executive_summary.join("\n\n"));
    }
    report
}

/// The investigation's indicators as a STIX 2.1 bundle: the Firebreak `identity`, one
/// `indicator` per [`Indicator`] whose kind STIX can express (see [`stix_pattern`];
/// others are left out), and a `report` referencing them. Ids are deterministic
/// (`<type>--<uuid>` from the content); `created` / `modified` / `published` are the
/// case's last event time, `valid_from` the indicator's first sighting.
pub fn stix_bundle(inv: &Investigation) -> Value {
    let created = ids::stix_time(ids::as_of(inv));
    let ident = identity(&created);
    let identity_id = ident["id"].as_str().unwrap_or_default().to_string();
    let mut seen = std::collections::HashSet::new();
    let indicators: Vec<Value> = inv
        .indicators
        .iter()
        .filter_map(|i| stix_indicator(i, &identity_id, &created))
        .filter(|v| seen.insert(v["id"].clone()))
        .collect();
    let mut refs: Vec<Value> = indicators.iter().map(|v| v["id"].clone()).collect();
    if refs.is_empty() {
        refs.push(Value::String(identity_id.clone()));
    }
    let report = stix_report(inv, &identity_id, &created, refs);
    let mut objects = vec![ident];
    objects.extend(indicators);
    objects.push(report);
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", ids::uuid("bundle", &ids::case_key(inv))),
        "objects": objects,
    })
}

/// MISP attribute (type, category) of an indicator kind; `ip-src` for addresses the
/// scope names as the attacker's, `ip-dst` otherwise.
fn misp_type(i: &Indicator, inv: &Investigation) -> Option<(&'static str, &'static str)> {
    Some(match i.kind.as_str() {
        "ipv4" | "ipv6" | "cidr" => {
            let attacker = inv.scope.attacker_addresses.iter().any(|a| a == &i.value);
            let t = if attacker { "ip-src" } else { "ip-dst" };
            (t, "Network activity")
        }
        "domain" => ("domain", "Network activity"),
        "url" => ("url", "Network activity"),
        "email" => ("email-src", "Payload delivery"),
        "md5" => ("md5", "Artifacts dropped"),
        "sha1" => ("sha1", "Artifacts dropped"),
        "sha256" => ("sha256", "Artifacts dropped"),
        "sha512" => ("sha512", "Artifacts dropped"),
        "file_name" | "file_path" => ("filename", "Artifacts dropped"),
        "user" => ("target-user", "Targeting data"),
        "registry_key" => ("regkey", "Persistence mechanism"),
        _ => return None,
    })
}

fn misp_attribute(type_: &str, category: &str, value: &str, comment: &str, ts: &str) -> Value {
    json!({
        "uuid": ids::uuid("misp-attribute", &format!("{type_}\u{0}{value}")),
        "type": type_,
        "category": category,
        "to_ids": true,
        "value": value,
        "comment": comment,
        "timestamp": ts,
        "distribution": "5",
        "disable_correlation": false,
        "deleted": false,
    })
}

/// A command line as MISP writes it: a `process` object with a `command-line`
/// attribute (MISP has no command-line attribute type).
fn misp_process_object(i: &Indicator, ts: &str) -> Value {
    let mut attr = misp_attribute("text", "Other", &i.value, &i.context, ts);
    attr["object_relation"] = Value::String("command-line".into());
    attr["to_ids"] = Value::Bool(false);
    json!({
        "uuid": ids::uuid("misp-object", &format!("process\u{0}{}", i.value)),
        "name": "process",
        "meta-category": "misc",
        "description": "Object describing a system process.",
        "timestamp": ts,
        "distribution": "5",
        "comment": i.context,
        "deleted": false,
        "Attribute": [attr],
    })
}

/// MISP threat level: 1 high (encryption or exfiltration), 2 medium (hosts
/// compromised), 3 low.
fn threat_level(inv: &Investigation) -> &'static str {
    if !inv.impact.is_empty() || inv.exfiltration.found {
        "1"
    } else if !inv.scope.hosts.is_empty() {
        "2"
    } else {
        "3"
    }
}

/// The investigation as a MISP event (`{"Event": {...}}`, as MISP exports it):
/// `info`, `date` (first compromise, else first event), `threat_level_id`,
/// `analysis` (1 ongoing while questions are open, else 2 completed),
/// `distribution` 0 (this organisation only), a deterministic `uuid`, and one
/// `Attribute` per indicator (`ip-src`/`ip-dst`, `domain`, `url`, hashes, `filename`,
/// `target-user`, `regkey`, `email-src`, with `category`, `to_ids`, `comment` (the
/// indicator's context), `uuid`). Command lines go into `process` objects
/// (`command-line`, type `text`), as MISP has no attribute type for them.
pub fn misp_event(inv: &Investigation) -> Value {
    let as_of = ids::as_of(inv);
    let ts = (as_of.micros().div_euclid(1_000_000)).to_string();
    let mut attributes = Vec::new();
    let mut objects = Vec::new();
    for i in &inv.indicators {
        if i.kind == "command_line" {
            objects.push(misp_process_object(i, &ts));
        } else if let Some((t, c)) = misp_type(i, inv) {
            attributes.push(misp_attribute(t, c, &i.value, &i.context, &ts));
        }
    }
    dedup_by_uuid(&mut attributes);
    dedup_by_uuid(&mut objects);
    let date = inv
        .initial_access
        .as_ref()
        .map(|a| a.time)
        .or(inv.case.first_event)
        .unwrap_or(as_of);
    let mut event = Map::new();
    event.insert(
        "uuid".into(),
        ids::uuid("misp-event", &ids::case_key(inv)).into(),
    );
    event.insert("info".into(), event_info(inv).into());
    event.insert(
        "date".into(),
        date.to_datetime().format("%Y-%m-%d").to_string().into(),
    );
    event.insert("threat_level_id".into(), threat_level(inv).into());
    let analysis = if inv.open_questions.is_empty() {
        "2"
    } else {
        "1"
    };
    event.insert("analysis".into(), analysis.into());
    event.insert("distribution".into(), "0".into());
    event.insert("published".into(), false.into());
    event.insert("timestamp".into(), ts.into());
    event.insert("Attribute".into(), attributes.into());
    event.insert("Object".into(), objects.into());
    json!({ "Event": event })
}

fn event_info(inv: &Investigation) -> String {
    if inv.case.name.is_empty() {
        "Firebreak investigation".to_string()
    } else {
        format!(
            "Firebreak investigation: {}",
            text::one_line(&inv.case.name)
        )
    }
}

fn dedup_by_uuid(items: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|v| seen.insert(v["uuid"].clone()));
}

/// The storyline's key events as Timesketch JSONL, one JSON object per line, in time
/// order: `message` (`<title>: <detail>`), `datetime` (ISO 8601, `+00:00`),
/// `timestamp` (µs since the epoch), `timestamp_desc` (`Key event`), and `phase`,
/// `host`, `user`, `level`, `techniques` (comma-separated), `evidence`
/// (`path#kind:N`); every field a string except `timestamp`, empty when unknown.
pub fn timesketch_key_events(inv: &Investigation, out: &mut dyn Write) -> io::Result<()> {
    let mut events: Vec<_> = inv
        .storyline
        .iter()
        .flat_map(|p| p.key_events.iter().map(move |k| (p.phase, k)))
        .collect();
    events.sort_by_key(|(_, k)| k.time);
    for (phase, k) in events {
        let message = if k.detail.is_empty() {
            k.title.clone()
        } else {
            format!("{}: {}", k.title, k.detail)
        };
        let line = json!({
            "message": message,
            "datetime": ids::iso_offset(k.time),
            "timestamp": k.time.micros(),
            "timestamp_desc": "Key event",
            "phase": text::phase_name(phase),
            "host": k.host.clone().unwrap_or_default(),
            "user": k.user.clone().unwrap_or_default(),
            "level": k.level,
            "techniques": k.techniques.join(","),
            "evidence": text::evidence(&k.evidence),
            "data_type": "firebreak:key_event",
        });
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
