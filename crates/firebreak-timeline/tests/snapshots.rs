//! Snapshots of every format over the same hand-built events.

mod common;

use common::{rendered, sample};
use firebreak_timeline::{OutputFormat, RenderOptions};

fn options() -> RenderOptions {
    RenderOptions {
        display_tz: chrono_tz::Europe::Berlin,
        terminal_width: Some(120),
        ..RenderOptions::default()
    }
}

/// JSON lines re-printed one per block, keys pretty, so snapshots diff well.
fn pretty_lines(text: &str) -> String {
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            serde_json::to_string_pretty(&v).unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(OutputFormat::Table, &options(), &sample()));
}

#[test]
fn table_narrow_snapshot() {
    let narrow = RenderOptions {
        terminal_width: Some(72),
        ..options()
    };
    insta::assert_snapshot!(rendered(OutputFormat::Table, &narrow, &sample()));
}

#[test]
fn csv_snapshot() {
    insta::assert_snapshot!(rendered(OutputFormat::Csv, &options(), &sample()));
}

#[test]
fn jsonl_snapshot() {
    let out = rendered(OutputFormat::Jsonl, &options(), &sample());
    assert_eq!(out.lines().count(), sample().len());
    insta::assert_snapshot!(out);
}

#[test]
fn jsonl_keeps_field_order_and_all_keys() {
    let event = common::logon_4624();
    let out = rendered(
        OutputFormat::Jsonl,
        &options(),
        std::slice::from_ref(&event),
    );
    let line = out.lines().next().unwrap();
    let mut last = 0;
    for (n, _) in event.fields.iter() {
        let at = line.find(&format!("\"{n}\":")).unwrap();
        assert!(at > last, "{n} out of order");
        last = at;
    }
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    for key in ["url", "domain", "host", "channel"] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert_eq!(v["provenance"]["evidence_sha256"], common::SHA);
    assert_eq!(v["provenance"]["location"]["kind"], "record");
    assert_eq!(v["timestamp_us"], 1_795_554_843_123_456_i64);
}

#[test]
fn timesketch_snapshot() {
    let out = rendered(OutputFormat::Timesketch, &options(), &sample());
    insta::assert_snapshot!(pretty_lines(&out));
}

#[test]
fn ecs_snapshot() {
    let out = rendered(OutputFormat::Ecs, &options(), &sample());
    insta::assert_snapshot!(pretty_lines(&out));
}
