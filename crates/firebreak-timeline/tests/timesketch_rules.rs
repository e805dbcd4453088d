//! Every Timesketch import rule, checked on the parsed output of a mixed export.

mod common;

use common::{rows, sample};
use firebreak_event::Event;
use firebreak_timeline::{render, OutputFormat, RenderOptions, RenderSummary};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Timesketch's real ceiling on distinct fields per index.
const FIELD_CEILING: usize = 333;

fn mixed_events() -> Vec<Event> {
    let mut events = sample();
    events.push(common::hostile());
    events.push(common::wide("alpha", 200, 1));
    events.push(common::wide("beta", 200, 2));
    events.push(common::wide("gamma", 150, 3));
    events.push(common::wide("alpha", 10, 4));
    let mut odd = common::wide("x", 0, 5);
    for name in [
        "_id",
        "_index",
        "tag",
        "@timestamp",
        "message",
        "datetime",
        "a.b",
        "a_b",
    ] {
        odd.fields.push(name, "v");
    }
    events.push(odd);
    events.push(common::zero_filetime());
    events
}

fn export(events: &[Event]) -> (Vec<Map<String, Value>>, RenderSummary) {
    let mut out = Vec::new();
    let summary = render(
        OutputFormat::Timesketch,
        &RenderOptions::default(),
        rows(events),
        &mut out,
    )
    .unwrap();
    let docs = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect();
    (docs, summary)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_required(doc: &Map<String, Value>) {
    for key in ["message", "datetime", "timestamp_desc"] {
        let v = doc
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{key}"));
        assert!(!v.is_empty(), "{key} empty");
    }
    let datetime = doc["datetime"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(datetime).expect("ISO 8601 with offset");
    assert!(datetime.ends_with("+00:00"), "explicit offset: {datetime}");
    assert!(chrono::Datelike::year(&parsed) >= 1700, "{datetime}");
    let ts = doc["timestamp"].as_i64().expect("integer timestamp");
    assert_eq!(ts, parsed.timestamp_micros());
    for key in ["evidence_path", "evidence_sha256", "evidence_location"] {
        assert!(doc.get(key).is_some_and(Value::is_string), "{key}");
    }
}

fn check_names(doc: &Map<String, Value>) {
    for (name, value) in doc {
        assert!(!name.starts_with('_'), "{name}");
        assert_ne!(name, "tag");
        assert!(!name.contains('.'), "no object mappings: {name}");
        let want = if name == "timestamp" {
            "integer"
        } else {
            "string"
        };
        assert_eq!(type_name(value), want, "{name}");
    }
    let own = doc.keys().filter(|k| k.starts_with("orig_")).count();
    assert!(own <= 64, "{own} original fields in one event");
}

/// Every original field is either its own `orig_` field or inside `extra_fields`.
fn check_nothing_lost(doc: &Map<String, Value>, event: &Event) {
    let extra: Map<String, Value> = doc
        .get("extra_fields")
        .map(|v| serde_json::from_str(v.as_str().unwrap()).unwrap())
        .unwrap_or_default();
    for (name, value) in event.fields.iter() {
        let in_extra = extra.get(name).and_then(Value::as_str) == Some(value);
        let own = doc.values().any(|v| v.as_str() == Some(value));
        assert!(in_extra || own, "{name} lost");
    }
}

#[test]
fn export_follows_every_timesketch_rule() {
    let events = mixed_events();
    let (docs, summary) = export(&events);
    assert_eq!(summary.skipped, 1, "the 1601 event");
    assert_eq!(docs.len(), events.len() - 1);
    assert_eq!(summary.written as usize, docs.len());
    assert!(summary.folded_fields > 0);

    let mut types: BTreeMap<String, &'static str> = BTreeMap::new();
    for doc in &docs {
        check_required(doc);
        check_names(doc);
        for (name, value) in doc {
            let t = types.entry(name.clone()).or_insert(type_name(value));
            assert_eq!(*t, type_name(value), "{name} changes type");
        }
    }
    let distinct: BTreeSet<&String> = types.keys().collect();
    assert!(distinct.len() <= FIELD_CEILING, "{} fields", distinct.len());
    assert!(distinct.len() <= RenderOptions::default().timesketch.max_distinct_fields);
    assert!(
        distinct.len() > 250,
        "the budget is used: {}",
        distinct.len()
    );
}

#[test]
fn original_fields_are_folded_not_lost() {
    let events: Vec<Event> = mixed_events()
        .into_iter()
        .filter(|e| e.timestamp.micros() > 0)
        .collect();
    let (docs, _) = export(&events);
    for (doc, event) in docs.iter().zip(&events) {
        check_nothing_lost(doc, event);
    }
}

#[test]
fn names_seen_before_keep_their_own_field() {
    let events = vec![
        common::wide("alpha", 10, 1),
        common::wide("zeta", 400, 2),
        common::wide("alpha", 10, 3),
    ];
    let (docs, _) = export(&events);
    assert!(docs[2].contains_key("orig_alpha_field_9"));
    assert!(!docs[2].contains_key("extra_fields"));
    assert!(docs[1].contains_key("extra_fields"));
}
