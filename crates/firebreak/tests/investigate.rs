//! `firebreak investigate` through the real binary: from the simulator's evidence to
//! the report files, the stored investigation, `case summary`, and IOCs that hunt.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn investigate(case: &Path, extra: &[&str]) -> (String, String) {
    let out = firebreak()
        .args(["investigate", "-q", "--case", case.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap();
    let (o, e) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "{e}");
    (o, e)
}

#[test]
fn investigate_writes_the_report_and_its_iocs_hunt_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let truth = simulate(&sim, 11, 3);
    let case = dir.path().join("case");
    let leaks = sim.join("leaks/combolist.txt");
    let (out, err) = investigate(
        &case,
        &["--leaks", leaks.to_str().unwrap(), sim.to_str().unwrap()],
    );

    // The files it lists exist, in the case's report folder.
    let files: Vec<&str> = out.lines().collect();
    for name in [
        "report.html",
        "report.md",
        "report.json",
        "iocs.stix.json",
        "iocs.misp.json",
    ] {
        let p = case.join("report").join(name);
        assert!(
            files.contains(&p.to_str().unwrap()),
            "{name} not listed: {out}"
        );
        assert!(
            std::fs::metadata(&p).unwrap().len() > 500,
            "{name} is nearly empty"
        );
    }
    // The JSON report states what truth.json says.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("report/report.json")).unwrap())
            .unwrap();
    let ia = &report["initial_access"];
    assert_eq!(ia["account"], truth.initial_access.user.as_str(), "{ia}");
    assert_eq!(ia["source_ip"], truth.initial_access.src_ip.as_str());
    assert_eq!(ia["led_to"], truth.patient_zero.as_str());
    assert_eq!(report["exfiltration"]["found"], false);
    assert!(
        err.contains(&format!("initial access: {}", truth.initial_access.time)),
        "{err}"
    );

    // case summary tells the same story in the terminal.
    let summary = run_ok(&["case", "summary", "--case", case.to_str().unwrap()]);
    assert!(summary.contains(&truth.initial_access.src_ip), "{summary}");
    assert!(summary.contains("exfiltration: none found"), "{summary}");

    // A second run with nothing new says so.
    let (_, again) = investigate(&case, &["--leaks", leaks.to_str().unwrap()]);
    assert!(again.contains("0 new since the last run"), "{again}");
    assert!(
        again.contains("changes since the last run: none"),
        "{again}"
    );

    // The STIX bundle it wrote hunts: the attacker's address is found on the gateway.
    let stix = case.join("report/iocs.stix.json");
    let hunt = firebreak()
        .args([
            "hunt",
            "--case",
            case.to_str().unwrap(),
            "--no-store",
            "--no-analytics",
        ])
        .args([
            "--no-sigma",
            "--format",
            "jsonl",
            "--ioc",
            stix.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(hunt.status.success());
    let hits: Vec<Value> = String::from_utf8(hunt.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = format!("ipv4:{}", truth.initial_access.src_ip);
    assert!(
        hits.iter().any(|d| d["rule_key"] == want.as_str()
            && d["source"]["path"]
                .as_str()
                .unwrap()
                .ends_with(&truth.initial_access.evidence.file)),
        "the exported attacker address does not hunt: {} hits",
        hits.len()
    );
}
