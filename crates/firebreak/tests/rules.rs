//! `firebreak rules check` on SigmaHQ's rules and on broken rules.

mod common;

use common::*;

#[test]
fn sigmahq_rules_load_and_each_failure_has_a_reason() {
    let sigma = shared().join("data/sigma");
    let rules = sigma.join("rules");
    let et = sigma.join("rules-emerging-threats");
    let out = firebreak()
        .args(["rules", "check"])
        .arg(&rules)
        .arg(&et)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    let (loaded, total) = first
        .strip_prefix("loaded ")
        .and_then(|s| s.split_once(' '))
        .and_then(|(n, _)| n.split_once('/'))
        .map(|(a, b)| (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()))
        .unwrap();
    assert!(total >= 3600, "{first}");
    let failures: Vec<&str> = text.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(total - loaded, failures.len(), "{text}");
    assert!(
        failures
            .iter()
            .all(|l| l.contains(".yml") && l.contains(": ")),
        "{text}"
    );
    assert_eq!(
        out.status.code(),
        Some(if failures.is_empty() { 0 } else { 4 })
    );
    // The placeholder the two emerging-threat rules need makes everything load.
    let all = run_ok(&[
        "rules",
        "check",
        "--placeholder",
        "known_cdcs=10.0.0.1",
        rules.to_str().unwrap(),
        et.to_str().unwrap(),
    ]);
    assert!(all.contains(&format!("loaded {total}/{total} ")), "{all}");
}

#[test]
fn a_broken_rule_is_named_with_its_reason_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.yml"),
        "title: Whoami\nid: 11111111-1111-1111-1111-111111111111\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\nlevel: medium\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.yml"),
        "title: Broken\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Image|nosuchmodifier: x\n  condition: sel and missing\n",
    )
    .unwrap();
    let out = firebreak()
        .args(["rules", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("loaded 1/2 "), "{text}");
    let bad = text
        .lines()
        .find(|l| l.contains("bad.yml"))
        .expect("bad.yml named");
    assert!(bad.contains("Broken"), "{bad}");
}
