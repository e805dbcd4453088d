//! STIX 2.1, MISP, Timesketch and JSON exports: well-formed, valid, and read back by
//! firebreak-ioc.

mod common;

use common::fixture;
use firebreak_analysis::Investigation;
use firebreak_report::{misp_event, render_json, stix_bundle, timesketch_key_events};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn is_uuid_v4_or_v5(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    lens == [8, 4, 4, 4, 12]
        && s.chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && matches!(&s[14..15], "4" | "5")
        && matches!(&s[19..20], "8" | "9" | "a" | "b")
}

/// `YYYY-MM-DDTHH:MM:SS[.s+]Z` (STIX 2.1 section 3.2).
fn is_stix_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        r.into_iter()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    let frac_ok = match s.get(19..) {
        Some("Z") => true,
        Some(rest) => {
            rest.len() >= 3
                && rest.starts_with('.')
                && rest.ends_with('Z')
                && rest[1..rest.len() - 1].bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    };
    digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && frac_ok
}

/// The STIX 2.1 rules this bundle's objects fall under, checked by hand: required
/// common properties, id form, timestamp form, indicator and report properties,
/// references resolved within the bundle.
#[test]
fn stix_bundle_follows_the_stix_2_1_rules() {
    let bundle = stix_bundle(&fixture());
    assert_eq!(bundle["type"], "bundle");
    let bundle_id = bundle["id"].as_str().unwrap();
    assert!(is_uuid_v4_or_v5(
        bundle_id.strip_prefix("bundle--").unwrap()
    ));
    let objects = bundle["objects"].as_array().unwrap();
    let ids: BTreeSet<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), objects.len(), "ids are unique");
    for o in objects {
        let ty = o["type"].as_str().unwrap();
        let id = o["id"].as_str().unwrap();
        let uuid = id
            .strip_prefix(&format!("{ty}--"))
            .expect("id is <type>--<uuid>");
        assert!(is_uuid_v4_or_v5(uuid), "{id}");
        assert_eq!(o["spec_version"], "2.1");
        for key in ["created", "modified"] {
            assert!(is_stix_timestamp(o[key].as_str().unwrap()), "{key} of {id}");
        }
        if let Some(r) = o.get("created_by_ref") {
            assert!(ids.contains(r.as_str().unwrap()), "created_by_ref resolves");
        }
        match ty {
            "identity" => assert!(o["name"].is_string()),
            "indicator" => check_indicator(o),
            "report" => {
                assert!(is_stix_timestamp(o["published"].as_str().unwrap()));
                assert!(o["name"].is_string());
                let refs = o["object_refs"].as_array().unwrap();
                assert!(!refs.is_empty());
                assert!(refs.iter().all(|r| ids.contains(r.as_str().unwrap())));
            }
            other => panic!("unexpected object type {other}"),
        }
    }
    let indicators = objects.iter().filter(|o| o["type"] == "indicator").count();
    assert_eq!(indicators, fixture().indicators.len());
}

/// A quoted STIX string with only `\\` and `\'` escapes.
fn check_value(pattern: &str, value: &str) {
    assert!(
        value.starts_with('\'') && value.ends_with('\''),
        "{pattern}"
    );
    let inner = &value[1..value.len() - 1];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => assert!(
                matches!(chars.next(), Some('\\' | '\'')),
                "escape in {pattern}"
            ),
            '\'' => panic!("unescaped quote in {pattern}"),
            _ => {}
        }
    }
}

fn check_indicator(o: &Value) {
    assert_eq!(o["pattern_type"], "stix");
    assert!(is_stix_timestamp(o["valid_from"].as_str().unwrap()));
    let pattern = o["pattern"].as_str().unwrap();
    assert!(
        pattern.starts_with('[') && pattern.ends_with(']'),
        "{pattern}"
    );
    // One comparison, or (a file path) the file's name AND its directory's path.
    let inner = &pattern[1..pattern.len() - 1];
    let terms: Vec<&str> = match inner.split_once("' AND file:parent_directory_ref.path = ") {
        Some((name, dir)) => vec![&inner[..name.len() + 1], dir],
        None => vec![inner],
    };
    if terms.len() == 2 {
        assert!(terms[0].starts_with("file:name = '"), "{pattern}");
        check_value(pattern, terms[1]);
    }
    let (path, value) = terms[0].split_once(" = ").unwrap();
    let (object, property) = path.split_once(':').unwrap();
    assert!(
        [
            "ipv4-addr",
            "ipv6-addr",
            "domain-name",
            "url",
            "file",
            "user-account",
            "process"
        ]
        .contains(&object),
        "{pattern}"
    );
    assert!(!property.is_empty());
    check_value(pattern, value);
    assert!(o["indicator_types"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
}

/// The OASIS validator (`pip install stix2-validator`), strict: warnings fail too.
#[test]
fn stix_bundle_passes_the_oasis_validator() {
    // Kept after the run for a look: `$CARGO_TARGET_TMPDIR/report.stix.json`.
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.stix.json");
    let bundle = serde_json::to_vec_pretty(&stix_bundle(&fixture())).unwrap();
    std::fs::write(&path, bundle).unwrap();
    let out = match Command::new("stix2_validator")
        .args(["--version", "2.1", "--strict", "--no-cache"])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!(
            "the OASIS STIX validator is not installed ({e}): install it with `pip install stix2-validator`"
        ),
    };
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stix2_validator rejected the bundle:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("STIX JSON: Valid"), "{report}");
}

/// (kind, value) of each indicator as firebreak-ioc reads it back from STIX: a file
/// path is written as name + parent directory and comes back whole (see `stix_pattern`).
fn expected_from_stix(inv: &Investigation) -> BTreeSet<(String, String)> {
    inv.indicators
        .iter()
        .map(|i| (i.kind.clone(), i.value.clone()))
        .collect()
}

#[test]
fn stix_round_trips_through_firebreak_ioc() {
    let inv = fixture();
    let bytes = serde_json::to_vec(&stix_bundle(&inv)).unwrap();
    let (set, errors) = firebreak_ioc::parse_stix("report.stix.json", &bytes);
    assert!(errors.is_empty(), "{errors:#?}");
    let got: BTreeSet<(String, String)> = set
        .iocs
        .iter()
        .map(|i| (i.kind.as_str().to_string(), i.value.clone()))
        .collect();
    assert_eq!(got, expected_from_stix(&inv));
    assert!(set
        .iocs
        .iter()
        .all(|i| i.meta.created_by.as_deref() == Some("Firebreak")));
}

#[test]
fn misp_event_has_the_misp_shape() {
    let doc = misp_event(&fixture());
    let e = &doc["Event"];
    for key in [
        "info",
        "date",
        "threat_level_id",
        "analysis",
        "distribution",
        "uuid",
        "timestamp",
    ] {
        assert!(e[key].is_string(), "Event.{key}");
    }
    assert_eq!(e["date"], "2026-11-24");
    assert_eq!(e["threat_level_id"], "1");
    for a in e["Attribute"].as_array().unwrap() {
        for key in ["type", "category", "value", "comment", "uuid"] {
            assert!(a[key].is_string(), "Attribute.{key}");
        }
        assert!(a["to_ids"].is_boolean());
    }
    let types: BTreeSet<&str> = e["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    let want = [
        "ip-src",
        "ip-dst",
        "domain",
        "url",
        "sha256",
        "md5",
        "sha1",
        "filename",
        "target-user",
    ];
    assert_eq!(types, want.into_iter().collect());
}

#[test]
fn misp_round_trips_through_firebreak_ioc() {
    let inv = fixture();
    let bytes = serde_json::to_vec(&misp_event(&inv)).unwrap();
    let (set, errors) = firebreak_ioc::parse_misp("report.misp.json", &bytes);
    let got: BTreeSet<(String, String)> = set
        .iocs
        .iter()
        .map(|i| (i.kind.as_str().to_string(), i.value.clone()))
        .collect();
    // Command lines are `process` objects with a `text` attribute whose
    // `object_relation` is `command-line` (MISP has no command-line type):
    // firebreak-ioc reads them back as command lines.
    let want: BTreeSet<(String, String)> = inv
        .indicators
        .iter()
        .map(|i| (i.kind.clone(), i.value.clone()))
        .collect();
    assert_eq!(got, want);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn exports_are_deterministic() {
    assert_eq!(stix_bundle(&fixture()), stix_bundle(&fixture()));
    assert_eq!(misp_event(&fixture()), misp_event(&fixture()));
}

#[test]
fn timesketch_lines_have_the_required_fields() {
    let inv = fixture();
    let mut out = Vec::new();
    timesketch_key_events(&inv, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let total: usize = inv.storyline.iter().map(|p| p.key_events.len()).sum();
    assert_eq!(lines.len(), total);
    let mut last = i64::MIN;
    for l in &lines {
        let obj = l.as_object().unwrap();
        assert!(!l["message"].as_str().unwrap().is_empty());
        assert_eq!(l["timestamp_desc"], "Key event");
        let us = l["timestamp"].as_i64().unwrap();
        assert!(us >= last, "time order");
        last = us;
        let dt = l["datetime"].as_str().unwrap();
        assert!(dt.ends_with("+00:00"), "{dt}");
        let parsed = firebreak_event::Timestamp::parse_rfc3339(dt).unwrap();
        assert_eq!(parsed.micros(), us);
        for (k, v) in obj {
            assert!(k == "timestamp" || v.is_string(), "{k} is a string");
        }
    }
    assert_eq!(lines[0]["message"], "NetScaler Gateway login from a new address: SSLVPN LOGIN user j.doe client_ip 185.220.101.47");
    assert_eq!(
        lines[0]["evidence"],
        "case.zip!netscaler/ns.log#line:48213 (event 1001)"
    );
}

#[test]
fn json_report_reads_back_and_carries_rfc3339_times() {
    let inv = fixture();
    let mut out = Vec::new();
    render_json(&inv, &mut out).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["initial_access"]["time"], 1_795_485_130_000_000_i64);
    assert_eq!(
        v["initial_access"]["time_rfc3339"],
        "2026-11-24T01:52:10.000000Z"
    );
    assert_eq!(
        v["case"]["first_event_rfc3339"],
        "2026-11-23T18:00:00.000000Z"
    );
    assert_eq!(
        v["storyline"][0]["key_events"][0]["evidence"]["location"]["kind"],
        "line"
    );
    assert!(v["indicators"][5]["first_seen"].is_null());
    assert!(v["indicators"][5].get("first_seen_rfc3339").is_none());
    let back: Investigation = serde_json::from_slice(&out).unwrap();
    assert_eq!(back, inv);
}

/// Attacker text in values (quotes, backslashes, brackets, control characters) must
/// not break a pattern: firebreak-ioc parses every one (values it finds invalid for
/// their type, like a domain with spaces, are reported as such, not as syntax).
#[test]
fn stix_patterns_stay_well_formed_with_hostile_values() {
    let mut inv = common::hostile_fixture();
    inv.indicators.push(firebreak_analysis::Indicator {
        kind: "command_line".into(),
        value: "cmd /c echo ' OR [x:y = 'z'] \\' \\\\".into(),
        context: String::new(),
        first_seen: None,
    });
    let bytes = serde_json::to_vec(&stix_bundle(&inv)).unwrap();
    let (set, errors) = firebreak_ioc::parse_stix("hostile", &bytes);
    for e in &errors {
        assert!(
            !matches!(e.reason, firebreak_ioc::Reason::PatternSyntax(_)),
            "{e:?}"
        );
    }
    assert!(set
        .iocs
        .iter()
        .any(|i| i.value == "cmd /c echo ' OR [x:y = 'z'] \\' \\\\"));
}
