//! Findings of non-event stages survive reopening the case and diff against the
//! previous run of the same source only.

use firebreak_case::{Case, FindingRecord};

fn finding(key: &str, severity: &str, detail: u32) -> FindingRecord {
    FindingRecord {
        key: key.to_string(),
        kind: key.split('|').next().unwrap_or(key).to_string(),
        subject: "10.0.0.5".to_string(),
        severity: severity.to_string(),
        summary: format!("{key} ({severity})"),
        details: serde_json::json!({ "port": detail }),
    }
}

#[test]
fn second_run_reports_new_gone_and_changed_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let first = [
        finding("port.open|10.0.0.5:22", "info", 22),
        finding("port.open|10.0.0.5:3389", "medium", 3389),
        finding("rdp.nla_not_enforced|10.0.0.5:3389", "high", 3389),
    ];
    {
        let mut case = Case::open(dir.path()).unwrap();
        let d = case.record_findings("surface", 1, &first).unwrap();
        assert_eq!(d.previous_run, None);
        assert_eq!(d.new.len(), 3);
        // Another source's runs are kept apart.
        let other = case
            .record_findings("scan", 2, &[finding("file.encrypted|x", "high", 1)])
            .unwrap();
        assert_eq!(other.previous_run, None);
    }
    let mut case = Case::open(dir.path()).unwrap();
    let second = [
        finding("port.open|10.0.0.5:22", "info", 22),
        finding("port.open|10.0.0.5:3389", "medium", 3390),
        finding("port.open|10.0.0.5:445", "medium", 445),
    ];
    let d = case.record_findings("surface", 3, &second).unwrap();
    assert!(d.previous_run.is_some());
    assert_eq!(d.unchanged, 1);
    let keys = |v: &[FindingRecord]| v.iter().map(|f| f.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&d.new), ["port.open|10.0.0.5:445"]);
    assert_eq!(keys(&d.gone), ["rdp.nla_not_enforced|10.0.0.5:3389"]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].0.details["port"], 3389);
    assert_eq!(d.changed[0].1.details["port"], 3390);

    let latest = case.findings("surface").unwrap();
    assert_eq!(latest.len(), 3);
    assert!(latest.iter().any(|f| f.key == "port.open|10.0.0.5:445"));
    assert_eq!(case.finding_runs("surface").unwrap().len(), 2);
    assert_eq!(case.findings("scan").unwrap().len(), 1);
    assert!(case.findings("backup").unwrap().is_empty());
}
