//! `firebreak hunt` on the simulator's intrusion and on hostile input, through the
//! real binary.

mod common;

use common::*;
use firebreak_simulate::truth::Truth;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// (rule, file relative to the simulation folder, location) of each detection.
fn keys(detections: &[Value], root: &str) -> BTreeSet<(String, String, String)> {
    detections
        .iter()
        .map(|d| {
            let path = d["source"]["path"].as_str().unwrap();
            let rel = path.split_once(root).map_or(path, |(_, r)| r);
            let loc = &d["source"]["location"];
            (
                d["rule_key"].as_str().unwrap().to_string(),
                rel.trim_start_matches('/').to_string(),
                format!("{}:{}", loc["kind"], loc["value"]),
            )
        })
        .collect()
}

struct Sim {
    _dir: tempfile::TempDir,
    sim: std::path::PathBuf,
    case: std::path::PathBuf,
    truth: Truth,
}

fn simulated_case() -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    // Three background days: enough history for "new source" and for the nightly
    // backup (the decoy) to be seen recurring.
    let truth = simulate(&sim, 3, 3);
    let case = dir.path().join("case");
    ingest(&case, &[&sim]);
    Sim {
        _dir: dir,
        sim,
        case,
        truth,
    }
}

fn truth_hits(s: &Sim, detections: &[Value], phase: &str) -> usize {
    let found = keys(detections, "sim/");
    s.truth
        .events
        .iter()
        .filter(|t| t.phase == phase)
        .filter(|t| {
            let loc = format!("\"{}\":{}", t.location.kind(), t.location.value());
            found.iter().any(|(_, f, l)| *f == t.file && *l == loc)
        })
        .count()
}

#[test]
fn case_hunt_finds_the_intrusion_stores_once_and_agrees_with_a_path_hunt() {
    let s = simulated_case();
    let c = s.case.to_str().unwrap();
    let found = jsonl(&run_ok(&["hunt", "--case", c, "--format", "jsonl"]));
    assert!(!found.is_empty());
    for phase in [
        "credential_access",
        "lateral_movement",
        "impact",
        "defense_evasion",
    ] {
        assert!(
            truth_hits(&s, &found, phase) > 0,
            "no detection on a truth event of phase {phase}"
        );
    }
    // Every detection carries rule metadata and provenance.
    for d in &found {
        assert!(d["title"].as_str().is_some_and(|t| !t.is_empty()), "{d}");
        assert!(d["source"]["event_ref"].as_i64().is_some(), "{d}");
        assert!(d["source"]["path"].as_str().unwrap().contains("sim"), "{d}");
    }
    // The case keeps them once: hunting again stores nothing new.
    let again = firebreak()
        .args(["hunt", "--case", c, "--format", "csv"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains(&format!("{} detections, 0 new", found.len())),
        "{err}"
    );
    // Hunting the evidence directly finds the same (rule, record) pairs. (Analytics
    // differ by design: a case hunt gives the hostless bodyfile its folder's host.)
    let engine = |d: &&Value| d["kind"] != "analytic";
    let direct = jsonl(&run_ok(&[
        "hunt",
        s.sim.to_str().unwrap(),
        "--format",
        "jsonl",
    ]));
    let stored: Vec<Value> = found.iter().filter(engine).cloned().collect();
    let direct: Vec<Value> = direct.iter().filter(engine).cloned().collect();
    assert!(stored.len() > 100);
    assert_eq!(keys(&stored, "sim/"), keys(&direct, "sim/"));
}

#[test]
fn level_and_tag_filters_select_what_reports() {
    let s = simulated_case();
    let c = s.case.to_str().unwrap();
    let all = jsonl(&run_ok(&[
        "hunt",
        "--case",
        c,
        "--no-store",
        "--format",
        "jsonl",
    ]));
    let high = jsonl(&run_ok(&[
        "hunt",
        "--case",
        c,
        "--no-store",
        "--format",
        "jsonl",
        "--min-level",
        "high",
    ]));
    assert!(!high.is_empty() && high.len() < all.len());
    assert!(high
        .iter()
        .all(|d| matches!(d["level"].as_str(), Some("high" | "critical"))));
    let t1003 = jsonl(&run_ok(&[
        "hunt",
        "--case",
        c,
        "--no-store",
        "--format",
        "jsonl",
        "--tag",
        "attack.t1003",
    ]));
    assert!(!t1003.is_empty());
    for d in &t1003 {
        let tags: Vec<&str> = d["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        assert!(
            tags.iter().any(|t| t.starts_with("attack.t1003")),
            "{tags:?}"
        );
    }
    // --no-store left the case without detections of these runs.
    let stored = firebreak_case::Case::open_read(Path::new(c))
        .unwrap()
        .detections()
        .unwrap();
    assert!(stored.is_empty());
}

/// Log text is the attacker's: a command line built to be a spreadsheet formula or a
/// terminal escape reaches the analyst inert.
#[test]
fn hostile_log_text_is_escaped_in_csv_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.yml");
    std::fs::write(
        &rule,
        "title: Test Hostile\nid: 5b0f8e5e-1111-4c1e-9a59-0d5b0c1f0001\nstatus: test\nlevel: high\n\
         logsource: {product: windows, category: process_creation}\n\
         detection:\n  sel:\n    CommandLine|contains: calc\n  condition: sel\n",
    )
    .unwrap();
    let ev = dir.path().join("events.jsonl");
    let line = serde_json::json!({
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": 1,
                "EventRecordID": 7,
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "Computer": "WS-1",
                "TimeCreated": {"#attributes": {"SystemTime": "2026-11-24T02:00:00.000000Z"}}
            },
            "EventData": {
                "Image": "C:\\Windows\\System32\\cmd.exe",
                "CommandLine": "=cmd|' /C calc'!A0 \u{1b}]0;owned\u{7}"
            }
        }
    });
    std::fs::write(&ev, format!("{line}\n")).unwrap();
    let (r, e) = (rule.to_str().unwrap(), ev.to_str().unwrap());
    let csv_out = run_ok(&["hunt", e, "--rules", r, "--format", "csv"]);
    let mut rdr = csv::Reader::from_reader(csv_out.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "summary").unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{csv_out}");
    assert!(rows[0][col].starts_with("'="), "{}", &rows[0][col]);
    let table = run_ok(&["hunt", e, "--rules", r]);
    assert!(table.contains("Test Hostile"), "{table}");
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
}

/// A Windows event as the evtx crate's JSON dump writes it.
fn win_event(record: u64, time: &str, id: u32, data: serde_json::Value) -> String {
    serde_json::json!({
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
                "EventID": id,
                "EventRecordID": record,
                "Channel": "Security",
                "Computer": "DC01.corp.local",
                "TimeCreated": {"#attributes": {"SystemTime": time}}
            },
            "EventData": data
        }
    })
    .to_string()
}

/// A correlation (event_count by source address) reports the burst once; its base
/// rule, read by a correlation with `generate: false`, does not report on its own.
#[test]
fn correlation_rules_report_bursts_not_their_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(
        &rules,
        "title: Failed Logon\nname: failed_logon\nid: 0d7e3c52-2222-4c1e-9a59-0d5b0c1f0002\n\
         status: test\nlevel: low\nlogsource: {product: windows, service: security}\n\
         detection:\n  sel:\n    EventID: 4625\n  condition: sel\n\
         ---\n\
         title: Many Failed Logons From One Address\nid: 0d7e3c52-2222-4c1e-9a59-0d5b0c1f0003\n\
         status: test\nlevel: high\ntags: [attack.credential-access, attack.t1110]\n\
         correlation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n\
         \x20 timespan: 5m\n  condition: {gte: 4}\n",
    )
    .unwrap();
    let mut lines = Vec::new();
    for i in 0..5u64 {
        let t = format!("2026-11-24T02:0{i}:00.000000Z");
        lines.push(win_event(i + 1, &t, 4625, serde_json::json!({"IpAddress": "185.220.101.91", "TargetUserName": format!("user{i}")})));
    }
    lines.push(win_event(
        6,
        "2026-11-24T02:01:30.000000Z",
        4625,
        serde_json::json!({"IpAddress": "10.0.0.5", "TargetUserName": "x"}),
    ));
    // A long burst from another address, one failure a minute for 12 minutes: one
    // detection, not one per window.
    for i in 0..12u64 {
        let t = format!("2026-11-24T03:{i:02}:00.000000Z");
        lines.push(win_event(
            100 + i,
            &t,
            4625,
            serde_json::json!({"IpAddress": "203.0.113.7", "TargetUserName": "z"}),
        ));
    }
    // The same address much later: outside the 5-minute window of the burst.
    lines.push(win_event(
        7,
        "2026-11-24T05:00:00.000000Z",
        4625,
        serde_json::json!({"IpAddress": "185.220.101.91", "TargetUserName": "y"}),
    ));
    let ev = dir.path().join("security.jsonl");
    std::fs::write(&ev, lines.join("\n") + "\n").unwrap();
    let found = jsonl(&run_ok(&[
        "hunt",
        ev.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "jsonl",
    ]));
    assert_eq!(found.len(), 2, "{found:?}");
    let long = &found[1];
    assert_eq!(long["key_fields"][0][1], "203.0.113.7");
    assert!(
        long["matched"].as_str().unwrap().contains("over 12 events"),
        "{long}"
    );
    let d = &found[0];
    assert_eq!(d["kind"], "correlation");
    assert_eq!(d["title"], "Many Failed Logons From One Address");
    assert_eq!(d["key_fields"][0][1], "185.220.101.91");
    assert_eq!(d["time"], "2026-11-24T02:00:00.000000Z");
    assert!(d["related"].as_array().unwrap().len() >= 3, "{d}");
}

/// The analytics find the initial access (leaked account, new address, at night), the
/// chain to patient zero and the impact, and clear the decoy transfer by name.
#[test]
fn analytics_find_initial_access_and_clear_the_decoy() {
    let s = simulated_case();
    let leaks = s.sim.join("leaks/combolist.txt");
    let out = firebreak()
        .args([
            "hunt",
            "--case",
            s.case.to_str().unwrap(),
            "--format",
            "jsonl",
        ])
        .args(["--leaks", leaks.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let found = jsonl(&String::from_utf8(out.stdout).unwrap());
    let err = String::from_utf8(out.stderr).unwrap();
    let ia = &s.truth.initial_access;
    let user = ia.user.rsplit('\\').next().unwrap();
    let login = found
        .iter()
        .find(|d| {
            d["rule_key"] == "remote-access.login"
                && d["time"] == ia.time.as_str()
                && d["user"].as_str() == Some(user)
        })
        .unwrap_or_else(|| panic!("no login finding at {} for {user}", ia.time));
    assert!(
        matches!(login["level"].as_str(), Some("high" | "critical")),
        "{login}"
    );
    assert!(
        login["matched"].as_str().unwrap().contains(&ia.src_ip),
        "{login}"
    );
    assert_eq!(
        login["source"]["path"]
            .as_str()
            .unwrap()
            .rsplit("sim/")
            .next(),
        Some(ia.evidence.file.as_str())
    );
    let chain = found
        .iter()
        .find(|d| d["rule_key"] == "chain.gateway-session")
        .expect("a chain finding");
    assert_eq!(chain["host"].as_str(), Some(s.truth.patient_zero.as_str()));
    for host in &s.truth.impact.hosts {
        assert!(
            found
                .iter()
                .any(|d| d["rule_key"] == "impact.ransomware" && d["host"].as_str() == Some(host)),
            "no impact finding on {host}"
        );
    }
    assert!(!found
        .iter()
        .any(|d| d["rule_key"].as_str().unwrap().starts_with("exfiltration.")));
    assert!(err.contains("exfiltration: none found"), "{err}");
    let explained: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("explained as legitimate"))
        .collect();
    assert!(
        explained.iter().any(|l| l.contains(&s.truth.decoy.time)),
        "the decoy at {} is not explained: {explained:?}",
        s.truth.decoy.time
    );
    // No password from the leak file reaches the output.
    let leaked = std::fs::read_to_string(&leaks).unwrap();
    for line in leaked.lines().take(50) {
        if let Some((_, pw)) = line.split_once(':') {
            if pw.len() >= 8 {
                assert!(!err.contains(pw), "a leaked password was printed");
            }
        }
    }
}

/// IOCs from a STIX 2.1 bundle and a MISP event hit the attacker's address and the
/// ransom note in every source that carries them; an unsupported pattern is reported.
#[test]
fn ioc_sets_from_stix_and_misp_hit_across_sources() {
    let s = simulated_case();
    let dir = tempfile::tempdir().unwrap();
    let ip = &s.truth.initial_access.src_ip;
    let stix = serde_json::json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created": "2026-11-24T10:00:00.000Z", "modified": "2026-11-24T10:00:00.000Z",
             "name": "Intrusion source", "pattern_type": "stix", "valid_from": "2026-11-24T10:00:00Z",
             "pattern": format!("[ipv4-addr:value = '{ip}']")},
            {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created": "2026-11-24T10:00:00.000Z", "modified": "2026-11-24T10:00:00.000Z",
             "pattern_type": "stix", "valid_from": "2026-11-24T10:00:00Z",
             "pattern": "[file:name = 'a.exe'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.4']"}
        ]
    });
    let misp = serde_json::json!({"Event": {
        "info": "ransomware case", "uuid": "5f0a6f1c-0c3b-4b0e-9d0a-1f2e3d4c5b6a",
        "Attribute": [
            {"type": "filename", "category": "Artifacts dropped", "to_ids": true,
             "value": s.truth.impact.note_name, "uuid": "6f0a6f1c-0c3b-4b0e-9d0a-1f2e3d4c5b6a"}
        ]
    }});
    let (sp, mp) = (
        dir.path().join("iocs.stix.json"),
        dir.path().join("event.misp.json"),
    );
    std::fs::write(&sp, stix.to_string()).unwrap();
    std::fs::write(&mp, misp.to_string()).unwrap();
    let out = firebreak()
        .args([
            "hunt",
            "--case",
            s.case.to_str().unwrap(),
            "--no-store",
            "--no-analytics",
        ])
        .args([
            "--format",
            "jsonl",
            "--ioc",
            sp.to_str().unwrap(),
            "--ioc",
            mp.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("indicator--0e2e2d2b"),
        "the unsupported pattern is named: {err}"
    );
    let found = jsonl(&String::from_utf8(out.stdout).unwrap());
    let iocs: Vec<&Value> = found.iter().filter(|d| d["kind"] == "ioc").collect();
    let ip_hit = iocs
        .iter()
        .find(|d| d["rule_key"] == format!("ipv4:{ip}").as_str())
        .expect("the attacker address");
    let ia = &s.truth.initial_access.evidence;
    assert!(
        iocs.iter().any(|d| {
            d["rule_key"] == ip_hit["rule_key"]
                && d["source"]["path"].as_str().unwrap().ends_with(&ia.file)
                && d["source"]["location"]["value"] == ia.location.value()
        }),
        "the gateway login line is hit"
    );
    let note_hits: BTreeSet<&str> = iocs
        .iter()
        .filter(|d| d["rule_key"].as_str().unwrap().starts_with("file_name:"))
        .map(|d| {
            d["source"]["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        })
        .collect();
    assert!(
        note_hits.contains("Sysmon.jsonl") && note_hits.contains("bodyfile.txt"),
        "{note_hits:?}"
    );
}
