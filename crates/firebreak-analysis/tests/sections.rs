//! Each section on small hand-built inputs, negatives included.

use firebreak_analysis::{
    investigate, CaseOverview, ConfidenceLevel, EvidenceRef, HostCoverage, Input, Investigation,
    Signal,
};
use firebreak_analytics::{ExfilAssessment, Finding, HostImpact, Level, Report};
use firebreak_event::{Location, Timestamp};

const T0: i64 = 1_795_486_301_000_000; // 2026-11-24T02:11:41Z

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(T0 + secs * 1_000_000).expect("time")
}

fn ev(path: &str, n: u64) -> EvidenceRef {
    EvidenceRef {
        path: path.into(),
        location: Location::Record(n),
        event_ref: None,
    }
}

fn sig(title: &str, level: &str, at: i64, host: &str, user: Option<&str>) -> Signal {
    Signal {
        kind: "sigma".into(),
        rule_key: title.to_lowercase().replace(' ', "-"),
        title: title.into(),
        level: level.into(),
        tags: Vec::new(),
        attack: Vec::new(),
        time: t(at),
        host: Some(host.into()),
        user: user.map(str::to_string),
        summary: String::new(),
        key_fields: Vec::new(),
        evidence: ev(&format!("{host}/Security.xml"), at.unsigned_abs() + 1),
        related: Vec::new(),
    }
}

fn with(mut s: Signal, tags: &[&str], attack: &[&str], fields: &[(&str, &str)]) -> Signal {
    s.tags = tags.iter().map(|x| x.to_string()).collect();
    s.attack = attack.iter().map(|x| x.to_string()).collect();
    s.key_fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    s
}

fn finding(
    analytic: &'static str,
    level: Level,
    at: i64,
    host: &str,
    user: &str,
    src: &str,
    reasons: &[&str],
) -> Finding {
    Finding {
        analytic,
        title: format!("{analytic} of {user}"),
        level,
        attack: Vec::new(),
        time: t(at),
        host: Some(host.into()),
        user: Some(user.into()),
        src_ip: Some(src.into()),
        summary: String::new(),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        event_refs: Vec::new(),
    }
}

fn no_exfil(explained: Vec<String>) -> ExfilAssessment {
    ExfilAssessment {
        found: false,
        findings: Vec::new(),
        checked: vec!["egress records: 12 proxy from 3 sources".into()],
        explained,
    }
}

fn run(signals: &[Signal], report: Option<&Report>, coverage: &[HostCoverage]) -> Investigation {
    let overview = CaseOverview::default();
    investigate(&Input {
        overview: &overview,
        signals,
        analytics: report,
        coverage,
    })
}

/// A gateway login that led to WS-1, then PsExec from WS-1 to SRV with adm.x.
fn intrusion() -> (Vec<Signal>, Report) {
    let login = finding(
        "remote-access.login",
        Level::High,
        0,
        "gw01",
        "p.user",
        "203.0.113.9",
        &[
            "new source: 203.0.113.9 was never seen for p.user",
            "unusual hour: at 02:11",
            "leaked credentials: p.user is listed in leaks.txt",
        ],
    );
    let mut chain = finding(
        "chain.gateway-session",
        Level::High,
        0,
        "WS-1",
        "p.user",
        "203.0.113.9",
        &[
            "gateway login of p.user from 203.0.113.9 at X (session 4711, ended Y)",
            "logon type 10 of p.user on WS-1 from the gateway's address 10.0.0.9",
        ],
    );
    chain.attack = vec!["T1133".into()];
    let report = Report {
        findings: vec![login, chain],
        impact: Vec::new(),
        exfiltration: no_exfil(Vec::new()),
    };
    let lm = ["attack.lateral_movement"];
    let mut gateway = sig(
        "gateway/VPN login of p.user",
        "high",
        0,
        "gw01",
        Some("p.user"),
    );
    gateway.kind = "analytic".into();
    gateway.rule_key = "remote-access.login".into();
    gateway.attack = vec!["T1078".into(), "T1133".into()];
    gateway.key_fields = vec![("network.src_ip".into(), "203.0.113.9".into())];
    let signals = vec![
        gateway,
        with(
            sig(
                "RDP Logon",
                "low",
                120,
                "WS-1.corp.local",
                Some("CORP\\p.user"),
            ),
            &lm,
            &["T1021.001"],
            &[
                ("event_id", "4624"),
                ("network.src_ip", "10.0.0.9"),
                ("LogonType", "10"),
            ],
        ),
        with(
            sig(
                "LSASS Dump",
                "critical",
                900,
                "WS-1.corp.local",
                Some("CORP\\p.user"),
            ),
            &["attack.credential_access"],
            &["T1003.001"],
            &[(
                "process.command_line",
                "rundll32 comsvcs.dll MiniDump 1 x.dmp full",
            )],
        ),
        with(
            sig(
                "PsExec Started",
                "high",
                1800,
                "WS-1.corp.local",
                Some("CORP\\p.user"),
            ),
            &lm,
            &["T1021.002"],
            &[
                (
                    "process.command_line",
                    "PsExec64.exe \\\\SRV -u CORP\\adm.x -p Secret1! cmd.exe",
                ),
                ("process.image", "C:\\Users\\Public\\PsExec64.exe"),
            ],
        ),
        with(
            sig(
                "Explicit Credentials",
                "medium",
                1801,
                "WS-1.corp.local",
                Some("CORP\\adm.x"),
            ),
            &lm,
            &["T1021.002"],
            &[
                ("event_id", "4648"),
                ("TargetServerName", "SRV"),
                ("TargetUserName", "adm.x"),
            ],
        ),
        with(
            sig(
                "Network Logon Then Admin Share",
                "high",
                1802,
                "SRV.corp.local",
                Some("CORP\\adm.x"),
            ),
            &lm,
            &["T1021.002"],
            &[("logon_id", "0x1234")],
        ),
        with(
            sig(
                "Admin Share",
                "medium",
                1803,
                "SRV.corp.local",
                Some("CORP\\adm.x"),
            ),
            &lm,
            &["T1021.002"],
            &[
                ("event_id", "5145"),
                ("IpAddress", "10.1.1.5"),
                ("RelativeTargetName", "PSEXESVC.exe"),
            ],
        ),
        with(
            sig(
                "Shadow Copies Deleted",
                "critical",
                2400,
                "SRV.corp.local",
                Some("NT AUTHORITY\\SYSTEM"),
            ),
            &["attack.impact"],
            &["T1490"],
            &[(
                "process.command_line",
                "vssadmin delete shadows /all /quiet",
            )],
        ),
        // background: an admin's RDP session from an unknown address, and a helpdesk login
        with(
            sig(
                "RDP Logon",
                "low",
                5000,
                "SRV.corp.local",
                Some("CORP\\adm.other"),
            ),
            &lm,
            &["T1021.001"],
            &[
                ("event_id", "4624"),
                ("network.src_ip", "10.1.1.77"),
                ("LogonType", "10"),
            ],
        ),
        with(
            sig(
                "Whoami",
                "low",
                2000,
                "WS-9.corp.local",
                Some("CORP\\helpdesk"),
            ),
            &["attack.discovery"],
            &["T1033"],
            &[],
        ),
        // the stolen admin account's owner, the next morning, from their workstation
        with(
            sig(
                "RDP Logon",
                "low",
                20_000,
                "SRV.corp.local",
                Some("CORP\\adm.x"),
            ),
            &lm,
            &["T1021.001"],
            &[
                ("event_id", "4624"),
                ("network.src_ip", "10.1.1.20"),
                ("LogonType", "10"),
            ],
        ),
    ];
    (signals, report)
}

#[test]
fn no_detections_no_initial_access_but_a_question() {
    let inv = run(&[], None, &[]);
    assert!(inv.initial_access.is_none());
    assert!(inv.storyline.is_empty());
    assert!(inv.scope.hosts.is_empty() && inv.scope.accounts.is_empty());
    assert!(inv
        .open_questions
        .iter()
        .any(|q| q.starts_with("How did the attacker get in")));
    assert!(inv.hardening.is_empty());
    assert!(inv.recovery.restore_before.is_none());
    assert!(!inv.exfiltration.found);
    assert_eq!(
        inv.exfiltration.confidence.as_ref().map(|c| c.level),
        Some(ConfidenceLevel::Low)
    );
}

#[test]
fn low_level_logins_alone_are_not_an_initial_access() {
    let report = Report {
        findings: vec![finding(
            "remote-access.login",
            Level::Medium,
            0,
            "gw01",
            "u",
            "198.51.100.1",
            &["a", "b"],
        )],
        impact: Vec::new(),
        exfiltration: no_exfil(Vec::new()),
    };
    let inv = run(&[], Some(&report), &[]);
    assert!(inv.initial_access.is_none());
    assert!(inv
        .open_questions
        .iter()
        .any(|q| q.starts_with("How did the attacker get in")));
}

#[test]
fn initial_access_from_the_chained_login() {
    let (signals, report) = intrusion();
    let inv = run(&signals, Some(&report), &[]);
    let ia = inv.initial_access.expect("initial access");
    assert_eq!(ia.account, "CORP\\p.user");
    assert_eq!(ia.via, "gw01");
    assert_eq!(ia.led_to.as_deref(), Some("WS-1"));
    assert!(ia.leaked_credentials);
    assert_eq!(ia.confidence.level, ConfidenceLevel::High);
    assert_eq!(ia.confidence.because.len(), 3);
    assert!(ia.reasons.iter().any(|r| r.contains("10.0.0.9")));
}

#[test]
fn lateral_movement_from_the_chain_and_psexec() {
    let (signals, report) = intrusion();
    let inv = run(&signals, Some(&report), &[]);
    let edges: Vec<(&str, &str, &str, Option<&str>)> = inv
        .scope
        .lateral_movement
        .iter()
        .map(|e| {
            (
                e.from.as_str(),
                e.to.as_str(),
                e.method.as_str(),
                e.account.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        edges,
        vec![
            ("gw01", "WS-1", "RDP", Some("CORP\\p.user")),
            ("WS-1", "SRV", "PsExec", Some("CORP\\adm.x")),
        ]
    );
    // the edge's time is the target's logon, not the tool start
    assert_eq!(inv.scope.lateral_movement[1].time, t(1802));
    assert!(inv
        .scope
        .lateral_movement
        .iter()
        .all(|e| !e.evidence.is_empty()));
}

#[test]
fn scope_keeps_background_users_out() {
    let (signals, report) = intrusion();
    let inv = run(&signals, Some(&report), &[]);
    let hosts: Vec<&str> = inv.scope.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(hosts, ["WS-1", "SRV"]);
    assert!(inv.scope.hosts[0].patient_zero);
    let accounts: Vec<&str> = inv.scope.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(accounts, ["CORP\\p.user", "CORP\\adm.x"]);
    assert_eq!(inv.scope.attacker_addresses, ["203.0.113.9"]);
    assert!(inv.scope.tools.iter().any(|t| t.ends_with("PsExec64.exe")));
    assert!(inv
        .containment
        .kill_sessions
        .iter()
        .any(|s| s.contains("4711")));
    assert!(inv
        .containment
        .kill_sessions
        .iter()
        .any(|s| s.contains("0x1234") && s.contains("SRV")));
    let json = serde_json::to_string(&inv).expect("json");
    assert!(!json.contains("Secret1!"), "password redacted");
}

#[test]
fn storyline_and_matrix() {
    let (signals, report) = intrusion();
    let inv = run(&signals, Some(&report), &[]);
    let phases: Vec<_> = inv.storyline.iter().map(|p| p.phase).collect();
    use firebreak_analysis::Phase::*;
    assert_eq!(
        phases,
        [InitialAccess, CredentialAccess, LateralMovement, Impact]
    );
    let lm = &inv.storyline[2];
    assert_eq!(lm.hosts, ["WS-1", "SRV"]);
    assert!(lm.key_events.iter().all(|k| !k.detail.contains("Secret1!")));
    assert!(inv
        .attack_matrix
        .iter()
        .any(|t| t.technique == "T1003.001" && t.hosts == ["WS-1"]));
    assert!(
        !inv.attack_matrix.iter().any(|t| t.technique == "T1033"),
        "background discovery out"
    );
    assert_eq!(inv.recovery_inhibition.len(), 1);
    assert!(inv
        .hardening
        .iter()
        .any(|h| h.motivated_by == "recovery_inhibition"));
    assert!(inv
        .hardening
        .iter()
        .any(|h| h.title.contains("LAPS") && h.why.contains("CORP\\adm.x")));
}

#[test]
fn key_events_are_bounded_most_telling_first() {
    let mut signals: Vec<Signal> = (0..20)
        .map(|i| {
            with(
                sig("Discovery", "low", 100 + i, "H1", Some("CORP\\u")),
                &["attack.discovery"],
                &["T1082"],
                &[("process.command_line", &format!("cmd{i}"))],
            )
        })
        .collect();
    signals.push(with(
        sig("AdFind", "high", 500, "H1", Some("CORP\\u")),
        &["attack.discovery"],
        &["T1087"],
        &[("process.command_line", "adfind")],
    ));
    let inv = run(&signals, None, &[]);
    let p = &inv.storyline[0];
    assert_eq!(p.event_total, 21);
    assert_eq!(p.key_events.len(), 8);
    assert!(p.key_events.iter().any(|k| k.title == "AdFind"));
    assert_eq!(p.key_events[0].detail, "cmd0");
}

#[test]
fn unnamed_timeline_merged_into_its_host_or_labelled() {
    let imp = |host: &str, first: i64, last: i64| HostImpact {
        host: host.into(),
        extension: Some(".lockx".into()),
        first: t(first),
        last: t(last),
        files: 100,
        double_extension: 100,
        note_name: Some("readme.txt".into()),
        note_folders: 5,
    };
    let report = Report {
        findings: Vec::new(),
        impact: vec![
            imp("FS01", 3000, 3300),
            imp("evidence #0", 3000, 3300),
            imp("evidence #1", 9000, 9100),
        ],
        exfiltration: no_exfil(Vec::new()),
    };
    let inv = run(&[], Some(&report), &[]);
    let hosts: Vec<&str> = inv.impact.iter().map(|i| i.host.as_str()).collect();
    assert_eq!(hosts, ["FS01", "evidence #1"]);
    let attributions: Vec<_> = inv
        .gaps
        .iter()
        .filter(|g| g.kind == "host-attribution")
        .collect();
    assert_eq!(attributions.len(), 2);
    assert!(attributions[1].description.contains("must be established"));
}

#[test]
fn recurring_transfer_stays_explained() {
    let explained = vec![
        "8.46 GB from FS01 to backup.example: legitimate — it recurs on 3 other days".to_string(),
    ];
    let report = Report {
        findings: Vec::new(),
        impact: Vec::new(),
        exfiltration: no_exfil(explained.clone()),
    };
    let inv = run(&[], Some(&report), &[]);
    assert!(!inv.exfiltration.found);
    assert_eq!(inv.exfiltration.explained, explained);
    let c = inv.exfiltration.confidence.expect("confidence");
    assert_eq!(c.level, ConfidenceLevel::Medium);
    assert!(c.because.iter().any(|b| b.contains("1 large transfer")));
}

#[test]
fn exfiltration_tool_is_found() {
    let s = with(
        sig("Rclone Execution", "high", 10, "FS01", Some("CORP\\u")),
        &["attack.exfiltration"],
        &["T1567.002"],
        &[("process.command_line", "rclone copy D:\\ mega:x")],
    );
    let inv = run(&[s], None, &[]);
    assert!(inv.exfiltration.found);
    assert_eq!(inv.exfiltration.signs.len(), 1);
}

#[test]
fn gaps_cleared_logs_missing_hosts_and_clock_skew() {
    let (mut signals, report) = intrusion();
    signals.push(with(
        sig("Security Log Cleared", "high", 2500, "SRV", None),
        &["attack.defense_evasion"],
        &["T1070.001"],
        &[("event_id", "1102")],
    ));
    for (i, cmd) in ["whoami", "ipconfig", "net view"].iter().enumerate() {
        let at = 1000 + i as i64 * 10;
        let sysmon = [
            ("event_id", "1"),
            ("channel", "Microsoft-Windows-Sysmon/Operational"),
            ("process.command_line", *cmd),
        ];
        let security = [
            ("event_id", "4688"),
            ("channel", "Security"),
            ("process.command_line", *cmd),
        ];
        signals.push(with(
            sig("Discovery", "medium", at, "WS-1", Some("CORP\\p.user")),
            &["attack.discovery"],
            &[],
            &sysmon,
        ));
        signals.push(with(
            sig("Discovery", "medium", at + 90, "WS-1", Some("CORP\\p.user")),
            &["attack.discovery"],
            &[],
            &security,
        ));
    }
    let coverage = vec![HostCoverage {
        host: "WS-1.corp.local".into(),
        sources: vec!["evtx".into()],
        first: t(-86_400),
        last: t(1_000),
        events: 10,
    }];
    let inv = run(&signals, Some(&report), &coverage);
    let kinds: Vec<(&str, Option<&str>)> = inv
        .gaps
        .iter()
        .map(|g| (g.kind.as_str(), g.host.as_deref()))
        .collect();
    assert!(kinds.contains(&("log-cleared", Some("SRV"))), "{kinds:?}");
    assert!(
        kinds.contains(&("no-logs-for-host", Some("SRV"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("no-logs-for-host", Some("gw01"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("period-without-logs", Some("WS-1"))),
        "{kinds:?}"
    );
    let skew = inv
        .gaps
        .iter()
        .find(|g| g.kind == "clock-skew")
        .expect("skew found");
    assert!(skew.description.contains("+90 s"), "{}", skew.description);
    assert!(inv.hardening.iter().any(|h| h.motivated_by == "gaps"));
}
