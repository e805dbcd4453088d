//! The acceptance test: the simulator's intrusion, hunted for real, investigated, and
//! every conclusion checked against its `truth.json`.

mod common;

use common::{ts, Run};
use firebreak_analysis::{EvidenceRef, Investigation, Phase};
use firebreak_simulate::truth::Evidence;
use std::collections::BTreeSet;

fn cites(refs: &[EvidenceRef], e: &Evidence) -> bool {
    refs.iter()
        .any(|r| r.path.replace('\\', "/").ends_with(&e.file) && r.location == e.location)
}

fn check(seed: u64, scale: u64) {
    let run = common::run(seed, scale);
    let inv = run.investigate();
    let t = &run.truth;
    let at = format!("seed {seed} scale {scale}");
    initial_access(&inv, &run, &at);
    scope(&inv, &run, &at);
    lateral(&inv, &run, &at);
    impact(&inv, &run, &at);
    exfiltration(&inv, &run, &at);
    let restore = inv.recovery.restore_before.expect("restore point");
    assert!(
        restore <= ts(&t.initial_access.time),
        "{at}: restore before the access"
    );
    assert!(
        inv.containment.isolate_hosts.contains(&t.patient_zero),
        "{at}"
    );
    assert!(
        inv.containment
            .kill_sessions
            .iter()
            .any(|s| s.starts_with("gateway session ")),
        "{at}: {:?}",
        inv.containment.kill_sessions
    );
    let phases: Vec<Phase> = inv.storyline.iter().map(|p| p.phase).collect();
    for p in [
        Phase::InitialAccess,
        Phase::CredentialAccess,
        Phase::LateralMovement,
        Phase::Impact,
    ] {
        assert!(phases.contains(&p), "{at}: {p:?} in {phases:?}");
    }
    assert!(
        phases.windows(2).all(|w| w[0] < w[1]),
        "{at}: phases in order"
    );
    for p in &inv.storyline {
        assert!(!p.key_events.is_empty() && p.key_events.len() <= 8, "{at}");
        assert!(
            p.key_events.windows(2).all(|w| w[0].time <= w[1].time),
            "{at}"
        );
    }
    assert!(
        inv.hardening.iter().any(|r| r.motivated_by == "initial_access" && r.why.contains(&t.initial_access.src_ip)),
        "{at}: MFA on the gateway"
    );
    assert!(
        inv.open_questions
            .iter()
            .all(|q| !q.starts_with("How did the attacker get in")),
        "{at}"
    );
    // no password from a command line reaches the report
    let json = serde_json::to_string(&inv).expect("serialises");
    assert!(
        !json.contains("-p W1nter") && !json.contains("-p S0mmer"),
        "{at}: password leaked into the report"
    );
}

fn initial_access(inv: &Investigation, run: &Run, at: &str) {
    let t = &run.truth.initial_access;
    let ia = inv.initial_access.as_ref().expect("initial access found");
    assert_eq!(ia.time, ts(&t.time), "{at}");
    assert_eq!(ia.account, t.user, "{at}");
    assert_eq!(ia.source_ip.as_deref(), Some(t.src_ip.as_str()), "{at}");
    assert_eq!(ia.via, t.gateway, "{at}");
    assert_eq!(ia.channel, "gateway", "{at}");
    assert!(ia.leaked_credentials, "{at}");
    assert_eq!(
        ia.led_to.as_deref(),
        Some(run.truth.patient_zero.as_str()),
        "{at}"
    );
    assert!(cites(&ia.evidence, &t.evidence), "{at}: {:?}", ia.evidence);
    assert_eq!(
        ia.confidence.level,
        firebreak_analysis::ConfidenceLevel::High,
        "{at}"
    );
}

fn scope(inv: &Investigation, run: &Run, at: &str) {
    let t = &run.truth;
    let pz = &inv.scope.hosts[0];
    assert_eq!(pz.name, t.patient_zero, "{at}");
    assert!(pz.patient_zero, "{at}");
    assert_eq!(
        inv.scope.hosts.iter().filter(|h| h.patient_zero).count(),
        1,
        "{at}"
    );
    let accounts: BTreeSet<&str> = inv.scope.accounts.iter().map(|a| a.name.as_str()).collect();
    let want: BTreeSet<&str> = t.compromised_accounts.iter().map(String::as_str).collect();
    assert_eq!(accounts, want, "{at}: {:#?}", inv.scope.accounts);
    let hosts: BTreeSet<&str> = inv.scope.hosts.iter().map(|h| h.name.as_str()).collect();
    let mut want: BTreeSet<&str> = t.impact.hosts.iter().map(String::as_str).collect();
    want.insert(&t.patient_zero);
    want.extend(t.lateral_movement.iter().map(|e| e.to.as_str()));
    assert_eq!(hosts, want, "{at}");
    let ips: BTreeSet<&str> = inv
        .scope
        .attacker_addresses
        .iter()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = t.attacker_ips.iter().map(String::as_str).collect();
    assert_eq!(ips, want, "{at}");
    assert_eq!(
        inv.containment.block_addresses.len(),
        t.attacker_ips.len(),
        "{at}"
    );
    for h in &inv.scope.hosts {
        assert!(
            h.first_compromise >= ts(&t.initial_access.time),
            "{at}: {}",
            h.name
        );
        assert!(h.first_compromise <= h.last_activity, "{at}: {}", h.name);
    }
}

fn lateral(inv: &Investigation, run: &Run, at: &str) {
    let got = &inv.scope.lateral_movement;
    assert_eq!(
        got.len(),
        run.truth.lateral_movement.len(),
        "{at}: {got:#?}"
    );
    for (e, w) in got.iter().zip(&run.truth.lateral_movement) {
        assert_eq!(
            (e.from.as_str(), e.to.as_str(), e.method.as_str()),
            (w.from.as_str(), w.to.as_str(), w.method.as_str()),
            "{at}"
        );
        assert_eq!(e.account.as_deref(), Some(w.user.as_str()), "{at}");
        assert_eq!(e.time, ts(&w.time), "{at}: {} → {}", w.from, w.to);
        assert!(
            cites(&e.evidence, &w.evidence),
            "{at}: {} → {} cites {:?}",
            w.from,
            w.to,
            w.evidence
        );
    }
}

fn impact(inv: &Investigation, run: &Run, at: &str) {
    let t = &run.truth.impact;
    let hosts: BTreeSet<&str> = inv.impact.iter().map(|i| i.host.as_str()).collect();
    let want: BTreeSet<&str> = t.hosts.iter().map(String::as_str).collect();
    assert_eq!(hosts, want, "{at}: no unattributed impact left");
    assert_eq!(
        inv.impact.iter().map(|i| i.first).min(),
        Some(ts(&t.first)),
        "{at}"
    );
    assert_eq!(
        inv.impact.iter().map(|i| i.last).max(),
        Some(ts(&t.last)),
        "{at}"
    );
    let files: u64 = inv.impact.iter().map(|i| i.files as u64).sum();
    assert_eq!(files, t.files_encrypted, "{at}");
    for i in &inv.impact {
        assert_eq!(i.extension.as_deref(), Some(t.extension.as_str()), "{at}");
        assert_eq!(i.ransom_note.as_deref(), Some(t.note_name.as_str()), "{at}");
        assert!(!i.evidence.is_empty(), "{at}");
    }
    let all: Vec<EvidenceRef> = inv.impact.iter().flat_map(|i| i.evidence.clone()).collect();
    assert!(
        cites(&all, &t.first_evidence),
        "{at}: first encrypted file cited"
    );
    assert!(
        inv.scope.hosts.iter().filter(|h| h.encrypted).count() == t.hosts.len(),
        "{at}"
    );
    let inhibited: BTreeSet<&str> = inv
        .recovery_inhibition
        .iter()
        .filter_map(|i| i.host.as_deref())
        .collect();
    let truth: BTreeSet<&str> = run
        .truth
        .events
        .iter()
        .filter(|e| e.technique == "T1490")
        .map(|e| e.host.as_str())
        .collect();
    assert_eq!(inhibited, truth, "{at}: recovery inhibition per host");
}

fn exfiltration(inv: &Investigation, run: &Run, at: &str) {
    let x = &inv.exfiltration;
    assert_eq!(x.found, run.truth.exfiltration, "{at}");
    assert!(x.signs.is_empty(), "{at}: {:?}", x.signs);
    assert!(!x.checked.is_empty(), "{at}");
    assert!(
        x.explained
            .iter()
            .any(|e| e.contains(&run.truth.decoy.time)),
        "{at}: the decoy ({}) is explained: {:?}",
        run.truth.decoy.time,
        x.explained
    );
    assert!(x.confidence.is_some(), "{at}");
    assert!(
        inv.containment.block_domains.is_empty(),
        "{at}: the backup destination is not blocked"
    );
}

#[test]
fn seed_3_scale_1() {
    check(3, 1);
}

#[test]
fn seed_11_scale_1() {
    check(11, 1);
}

#[test]
fn seed_21_scale_1() {
    check(21, 1);
}

#[test]
fn seed_7_scale_2() {
    check(7, 2);
}

/// The stolen admin account's owner logs on to DC01 the next morning from their own
/// workstation: not a lateral movement of the attacker.
#[test]
fn seed_1_scale_1() {
    check(1, 1);
}
