//! `firebreak timeline` output through the real binary.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Timesketch's import rules (../shared/docs/formats-notes.md) over a real export.
#[test]
fn timesketch_export_follows_the_import_rules() {
    let case = tempfile::tempdir().unwrap();
    ingest(case.path(), &[&evtx_samples()]);
    let out = run_ok(&[
        "timeline",
        "--case",
        case.path().to_str().unwrap(),
        "--format",
        "timesketch",
        "--limit",
        "0",
    ]);
    let mut types: HashMap<String, &'static str> = HashMap::new();
    let mut lines = 0;
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON object per line");
        let obj = v.as_object().unwrap();
        assert!(obj["message"].is_string(), "{line}");
        assert!(obj["timestamp_desc"].is_string(), "{line}");
        assert!(obj["timestamp"].is_i64(), "{line}");
        let dt = obj["datetime"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(dt).is_ok(),
            "datetime with offset: {dt}"
        );
        for (k, val) in obj {
            assert!(!k.starts_with('_'), "field {k} breaks an import");
            let t = match val {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "bool",
                Value::Null => "null",
                _ => "object",
            };
            let seen = types.entry(k.clone()).or_insert(t);
            assert_eq!(*seen, t, "field {k} changes type");
        }
        lines += 1;
    }
    assert!(lines > 5000, "{lines}");
    assert!(types.len() <= 333, "{} distinct fields", types.len());
}

/// Attacker-controlled text cannot drive the terminal or a spreadsheet.
#[test]
fn hostile_log_text_is_neutralised_in_table_and_csv() {
    let ev = tempfile::tempdir().unwrap();
    let line = "Nov 24 02:10:01 jump01 sshd[1234]: Invalid user =cmd|' /C calc'!A0 \u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e}gnp.exe from 10.0.5.4 port 50122\n";
    std::fs::write(ev.path().join("auth.log"), line).unwrap();
    let case = tempfile::tempdir().unwrap();
    ingest(case.path(), &[ev.path()]);
    let c = case.path().to_str().unwrap();
    let table = run_ok(&["timeline", "--case", c]);
    assert!(table.contains("Invalid user"), "{table}");
    let bad: HashSet<char> = table
        .chars()
        .filter(|ch| ch.is_control() && *ch != '\n')
        .collect();
    assert!(
        bad.is_empty(),
        "control characters reach the terminal: {bad:?}"
    );
    assert!(!table.contains('\u{202e}'));
    let csv = run_ok(&["timeline", "--case", c, "--format", "csv"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let user_col = headers.iter().position(|h| h == "user").unwrap();
    let row = rdr.records().next().expect("the event").unwrap();
    assert!(
        row[user_col].starts_with("'="),
        "user cell {:?}",
        &row[user_col]
    );
    for cell in row.iter() {
        assert!(
            !cell.starts_with(['=', '+', '@']),
            "unguarded cell {cell:?}"
        );
    }
}

#[test]
fn quick_look_without_a_case_writes_nothing() {
    let ev = tempfile::tempdir().unwrap();
    std::fs::write(
        ev.path().join("auth.log"),
        "Nov 24 02:10:01 jump01 sshd[1234]: Accepted password for ops from 10.0.5.4 port 50122 ssh2\n",
    )
    .unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let out = firebreak()
        .current_dir(cwd.path())
        .args(["timeline", "--format", "jsonl", "--year", "2026"])
        .arg(ev.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["event_id"], "sshd.accepted");
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(ev.path()).unwrap().count(), 1);
}
