//! The analytics on the simulator's intrusion, checked against its truth.json.

mod common;

use common::{at, read_dir, run, with_leaks};
use firebreak_analytics::{ids, Level, Report};
use firebreak_simulate::{simulate, truth::Truth, SimConfig};

fn simulated(seed: u64) -> (Truth, Report, String) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        seed,
        scale: 1,
        attack_date: (2026, 11, 24),
        background_days: 3,
    };
    simulate(dir.path(), &cfg).unwrap();
    let truth: Truth =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let leaks = std::fs::read(dir.path().join("leaks/combolist.txt")).unwrap();
    let events = read_dir(dir.path(), 2026);
    let report = run(with_leaks("leaks/combolist.txt", &leaks), &events);
    let password_line = String::from_utf8_lossy(&leaks)
        .lines()
        .nth(truth.leaked_credentials.location.value() as usize - 1)
        .unwrap()
        .to_string();
    (truth, report, password_line)
}

fn user_part(account: &str) -> String {
    account.rsplit('\\').next().unwrap().to_lowercase()
}

fn check(seed: u64) {
    let (truth, report, leak_line) = simulated(seed);
    let ia = &truth.initial_access;
    let user = user_part(&ia.user);
    // 1. The initial access is the strongest gateway login finding, naming account, source, time.
    let logins: Vec<_> = report
        .by_analytic(ids::REMOTE_LOGIN)
        .filter(|f| f.host.as_deref() == Some(ia.gateway.as_str()))
        .collect();
    let top = logins
        .iter()
        .max_by_key(|f| (f.level, f.reasons.len()))
        .expect("login findings");
    assert_eq!(
        top.user.as_deref().map(str::to_lowercase),
        Some(user.clone()),
        "{top:#?}"
    );
    assert_eq!(top.src_ip.as_deref(), Some(ia.src_ip.as_str()));
    assert_eq!(top.time, at(&ia.time));
    assert!(top.level >= Level::High, "{top:#?}");
    for tag in ["new source", "leaked credentials", "unusual hour"] {
        assert!(
            top.reasons.iter().any(|r| r.starts_with(tag)),
            "{tag}: {:#?}",
            top.reasons
        );
    }
    // 2. The chain from that session reaches patient zero, with the discovery that followed.
    let chain = report
        .by_analytic(ids::CHAIN)
        .find(|f| f.src_ip.as_deref() == Some(ia.src_ip.as_str()))
        .expect("chain finding");
    assert_eq!(
        chain.host.as_deref(),
        Some(truth.patient_zero.as_str()),
        "{chain:#?}"
    );
    assert!(
        chain.reasons.iter().any(|r| r.contains("whoami")),
        "{:#?}",
        chain.reasons
    );
    // 3. Impact: extension, first and last within the formats' precision (bodyfile: 1 s).
    assert!(!report.impact.is_empty());
    for imp in &report.impact {
        assert_eq!(
            imp.extension.as_deref(),
            Some(truth.impact.extension.as_str()),
            "{imp:#?}"
        );
        assert_eq!(
            imp.note_name.as_deref(),
            Some(truth.impact.note_name.to_lowercase().as_str())
        );
    }
    let hosts: Vec<&str> = report.impact.iter().map(|i| i.host.as_str()).collect();
    for h in &truth.impact.hosts {
        assert!(hosts.contains(&h.as_str()), "{h} not in {hosts:?}");
    }
    let files: usize = report.impact.iter().map(|i| i.files).sum();
    assert_eq!(
        files as u64, truth.impact.files_encrypted,
        "bodyfile and Sysmon counted once"
    );
    let first = report.impact.iter().map(|i| i.first).min().unwrap();
    let last = report.impact.iter().map(|i| i.last).max().unwrap();
    let close =
        |a: firebreak_event::Timestamp, b: &str| (a.micros() - at(b).micros()).abs() < 1_000_000;
    assert!(
        close(first, &truth.impact.first),
        "{first} vs {}",
        truth.impact.first
    );
    assert!(
        close(last, &truth.impact.last),
        "{last} vs {}",
        truth.impact.last
    );
    // 4. No exfiltration; the decoy is explained, from the data.
    let ex = &report.exfiltration;
    assert!(!ex.found, "{:#?}", ex.findings);
    assert!(ex.checked.len() >= 3, "{:#?}", ex.checked);
    let decoy_time = at(&truth.decoy.time).to_string();
    let explained = ex
        .explained
        .iter()
        .find(|e| e.contains(&decoy_time))
        .expect("decoy explained");
    assert!(explained.contains("recurs"), "{explained}");
    // The leaked password appears nowhere.
    let password = leak_line.split_once(':').unwrap().1;
    let all = format!("{report:?}");
    assert!(!all.contains(password));
    let _ = serde_json::to_string(&report).unwrap();
}

#[test]
fn seed_3_matches_truth() {
    check(3);
}

#[test]
fn seed_11_matches_truth() {
    check(11);
}
