//! A hand-built investigation: a NetScaler Gateway login with leaked credentials,
//! three Windows hosts, RDP and PsExec movement, encryption of the file server, no
//! exfiltration (a large nightly backup transfer explained). And a hostile variant
//! with attacker text in every string field.

#![allow(dead_code)]

use firebreak_analysis::*;
use firebreak_event::{Location, Timestamp};
use serde_json::Value;

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).expect("fixture time")
}

fn ev(path: &str, line: u64, event: i64) -> EvidenceRef {
    EvidenceRef {
        path: path.to_string(),
        location: Location::Line(line),
        event_ref: Some(event),
    }
}

fn rec(path: &str, record: u64) -> EvidenceRef {
    EvidenceRef {
        path: path.to_string(),
        location: Location::Record(record),
        event_ref: None,
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

const NS_LOG: &str = "case.zip!netscaler/ns.log";
const WS_SEC: &str = "case.zip!WS042/Security.evtx";
const WS_SYS: &str = "case.zip!WS042/Sysmon.evtx";
const DC_SEC: &str = "case.zip!DC01/Security.evtx";
const FS_SYS: &str = "case.zip!FS01/Sysmon.evtx";

#[allow(clippy::too_many_arguments)]
fn key(
    time: &str,
    host: &str,
    user: &str,
    title: &str,
    detail: &str,
    techniques: &[&str],
    level: &str,
    evidence: EvidenceRef,
) -> KeyEvent {
    KeyEvent {
        time: ts(time),
        host: (!host.is_empty()).then(|| host.to_string()),
        user: (!user.is_empty()).then(|| user.to_string()),
        title: title.to_string(),
        detail: detail.to_string(),
        techniques: s(techniques),
        level: level.to_string(),
        evidence,
    }
}

fn initial_access() -> InitialAccess {
    InitialAccess {
        time: ts("2026-11-24T01:52:10Z"),
        account: "ACME\\j.doe".into(),
        source_ip: Some("185.220.101.47".into()),
        via: "ns-gw01 (NetScaler Gateway)".into(),
        channel: "gateway".into(),
        reasons: s(&[
            "First login of ACME\\j.doe from 185.220.101.47 (never seen in 90 days of gateway logs).",
            "Outside the account's working hours (01:52 UTC; usual 07:00-18:00).",
            "The credentials are in the leak file given to the case.",
            "14 failed logins for other accounts from the same address in the 10 minutes before.",
            "Followed by an RDP logon from the gateway's address to WS042 within 3 minutes.",
        ]),
        leaked_credentials: true,
        led_to: Some("WS042".into()),
        confidence: Confidence {
            level: ConfidenceLevel::High,
            because: s(&[
                "Leaked credentials used from a new address.",
                "Internal logon from the gateway follows within minutes.",
            ]),
        },
        evidence: vec![ev(NS_LOG, 48213, 1001), ev(NS_LOG, 48190, 1000)],
    }
}

fn storyline() -> Vec<StoryPhase> {
    vec![
        StoryPhase {
            phase: Phase::InitialAccess,
            first: ts("2026-11-24T01:52:10Z"),
            last: ts("2026-11-24T01:55:02Z"),
            hosts: s(&["WS042"]),
            accounts: s(&["ACME\\j.doe"]),
            key_events: vec![
                key(
                    "2026-11-24T01:52:10Z",
                    "",
                    "ACME\\j.doe",
                    "NetScaler Gateway login from a new address",
                    "SSLVPN LOGIN user j.doe client_ip 185.220.101.47",
                    &["T1133", "T1078"],
                    "high",
                    ev(NS_LOG, 48213, 1001),
                ),
                key(
                    "2026-11-24T01:55:02Z",
                    "WS042",
                    "ACME\\j.doe",
                    "RDP logon from the gateway",
                    "4624 LogonType 10 from 10.0.0.5",
                    &["T1021.001"],
                    "medium",
                    rec(WS_SEC, 88120),
                ),
            ],
            event_total: 17,
        },
        StoryPhase {
            phase: Phase::CredentialAccess,
            first: ts("2026-11-24T02:04:40Z"),
            last: ts("2026-11-24T02:05:13Z"),
            hosts: s(&["WS042"]),
            accounts: s(&["ACME\\j.doe"]),
            key_events: vec![key(
                "2026-11-24T02:04:40Z",
                "WS042",
                "ACME\\j.doe",
                "LSASS memory dump",
                "procdump64.exe -accepteula -ma lsass.exe C:\\ProgramData\\l.dmp",
                &["T1003.001"],
                "critical",
                rec(WS_SYS, 551230),
            )],
            event_total: 3,
        },
        StoryPhase {
            phase: Phase::LateralMovement,
            first: ts("2026-11-24T02:11:41Z"),
            last: ts("2026-11-24T02:40:05Z"),
            hosts: s(&["DC01", "FS01"]),
            accounts: s(&["ACME\\adm_jdoe"]),
            key_events: vec![
                key(
                    "2026-11-24T02:11:41Z",
                    "DC01",
                    "ACME\\adm_jdoe",
                    "RDP logon with an admin account",
                    "4624 LogonType 10 from WS042 (10.0.1.42)",
                    &["T1021.001", "T1078.002"],
                    "high",
                    rec(DC_SEC, 1203344),
                ),
                key(
                    "2026-11-24T02:40:05Z",
                    "FS01",
                    "ACME\\adm_jdoe",
                    "PsExec service installed",
                    "PSEXESVC.exe installed by \\\\DC01",
                    &["T1569.002", "T1021.002"],
                    "high",
                    rec(FS_SYS, 90211),
                ),
            ],
            event_total: 9,
        },
        StoryPhase {
            phase: Phase::Impact,
            first: ts("2026-11-24T03:02:11Z"),
            last: ts("2026-11-24T03:47:59Z"),
            hosts: s(&["FS01"]),
            accounts: s(&["ACME\\adm_jdoe"]),
            key_events: vec![
                key(
                    "2026-11-24T03:02:11Z",
                    "FS01",
                    "ACME\\adm_jdoe",
                    "Shadow copies deleted",
                    "vssadmin.exe delete shadows /all /quiet",
                    &["T1490"],
                    "critical",
                    rec(FS_SYS, 90540),
                ),
                key(
                    "2026-11-24T03:03:30Z",
                    "FS01",
                    "ACME\\adm_jdoe",
                    "Mass file encryption",
                    "12804 files renamed to *.lkr by C:\\ProgramData\\svc\\locker.exe",
                    &["T1486"],
                    "critical",
                    ev("case.zip!FS01/bodyfile.txt", 20031, 5001),
                ),
            ],
            event_total: 12_811,
        },
    ]
}

fn scope() -> Scope {
    let host =
        |name: &str, first: &str, last: &str, reasons: &[&str], encrypted, zero| HostInScope {
            name: name.into(),
            first_compromise: ts(first),
            last_activity: ts(last),
            reasons: s(reasons),
            encrypted,
            patient_zero: zero,
        };
    Scope {
        hosts: vec![
            host(
                "WS042",
                "2026-11-24T01:55:02Z",
                "2026-11-24T02:12:00Z",
                &[
                    "RDP logon from the gateway with leaked credentials",
                    "LSASS dump",
                ],
                false,
                true,
            ),
            host(
                "DC01",
                "2026-11-24T02:11:41Z",
                "2026-11-24T02:39:50Z",
                &["RDP logon with ACME\\adm_jdoe from WS042"],
                false,
                false,
            ),
            host(
                "FS01",
                "2026-11-24T02:40:05Z",
                "2026-11-24T03:47:59Z",
                &["PsExec from DC01", "Encryption"],
                true,
                false,
            ),
        ],
        accounts: vec![
            AccountInScope {
                name: "ACME\\j.doe".into(),
                first_misuse: ts("2026-11-24T01:52:10Z"),
                hosts: s(&["WS042"]),
                leaked_credentials: true,
                reasons: s(&["Gateway login from 185.220.101.47"]),
            },
            AccountInScope {
                name: "ACME\\adm_jdoe".into(),
                first_misuse: ts("2026-11-24T02:11:41Z"),
                hosts: s(&["DC01", "FS01"]),
                leaked_credentials: false,
                reasons: s(&["Used from WS042 after the LSASS dump"]),
            },
        ],
        lateral_movement: vec![
            LateralEdge {
                time: ts("2026-11-24T01:55:02Z"),
                from: "ns-gw01".into(),
                to: "WS042".into(),
                account: Some("ACME\\j.doe".into()),
                method: "RDP".into(),
                evidence: vec![rec(WS_SEC, 88120)],
            },
            LateralEdge {
                time: ts("2026-11-24T02:11:41Z"),
                from: "WS042".into(),
                to: "DC01".into(),
                account: Some("ACME\\adm_jdoe".into()),
                method: "RDP".into(),
                evidence: vec![rec(DC_SEC, 1203344)],
            },
            LateralEdge {
                time: ts("2026-11-24T02:40:05Z"),
                from: "DC01".into(),
                to: "FS01".into(),
                account: Some("ACME\\adm_jdoe".into()),
                method: "PsExec".into(),
                evidence: vec![rec(FS_SYS, 90211)],
            },
        ],
        attacker_addresses: s(&["185.220.101.47"]),
        tools: s(&["procdump64.exe", "PsExec.exe", "locker.exe"]),
    }
}

fn exfiltration() -> Exfiltration {
    Exfiltration {
        found: false,
        signs: vec![],
        checked: s(&[
            "Outbound volume per host from the firewall log (fw01), 2026-11-23 18:00 to 2026-11-24 06:30 UTC.",
            "Archiving tools (7z, rar, makecab) in process creation on all three hosts: none.",
            "Known exfiltration tools (rclone, MEGAsync, WinSCP): none.",
            "Cloud storage domains in proxy logs: none from the hosts in scope.",
        ]),
        explained: s(&["2.1 GB from FS01 to backup01.acme.local (10.0.5.20) at 02:00 UTC: the nightly Veeam job, same size and time every night of the 30 days in the logs."]),
        confidence: Some(Confidence {
            level: ConfidenceLevel::Medium,
            because: s(&["Firewall and proxy logs cover the whole period.", "No EDR network telemetry for DC01."]),
        }),
    }
}

fn indicators() -> Vec<Indicator> {
    let i = |kind: &str, value: &str, context: &str, first: Option<&str>| Indicator {
        kind: kind.into(),
        value: value.into(),
        context: context.into(),
        first_seen: first.map(ts),
    };
    vec![
        i(
            "ipv4",
            "185.220.101.47",
            "Gateway login with leaked credentials",
            Some("2026-11-24T01:52:10Z"),
        ),
        i(
            "ipv6",
            "2a03:b0c0:3:d0::1a51:c001",
            "Second gateway login attempt",
            Some("2026-11-24T01:49:00Z"),
        ),
        i(
            "domain",
            "update-check.example-cdn.net",
            "Payload download",
            Some("2026-11-24T02:58:00Z"),
        ),
        i(
            "url",
            "https://update-check.example-cdn.net/dl/locker.bin",
            "Payload download",
            Some("2026-11-24T02:58:00Z"),
        ),
        i(
            "sha256",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "locker.exe",
            Some("2026-11-24T03:02:00Z"),
        ),
        i(
            "md5",
            "098f6bcd4621d373cade4e832627b4f6",
            "procdump64.exe",
            None,
        ),
        i(
            "sha1",
            "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
            "PSEXESVC.exe",
            None,
        ),
        i(
            "file_name",
            "locker.exe",
            "Ransomware binary",
            Some("2026-11-24T03:02:00Z"),
        ),
        i(
            "file_path",
            "C:\\ProgramData\\svc\\locker.exe",
            "Ransomware binary location",
            Some("2026-11-24T03:02:00Z"),
        ),
        i(
            "user",
            "ACME\\adm_jdoe",
            "Admin account used for lateral movement",
            Some("2026-11-24T02:11:41Z"),
        ),
        i(
            "command_line",
            "vssadmin.exe delete shadows /all /quiet",
            "Shadow copy deletion",
            Some("2026-11-24T03:02:11Z"),
        ),
    ]
}

pub fn fixture() -> Investigation {
    Investigation {
        schema_version: SCHEMA_VERSION,
        case: CaseOverview {
            name: "acme-2026-11-ransomware".into(),
            evidence_files: 14,
            events: 1_284_553,
            detections: 212,
            sources: vec![("evtx".into(), 1_100_000), ("netscaler".into(), 150_000), ("bodyfile".into(), 34_553)],
            first_event: Some(ts("2026-11-23T18:00:00Z")),
            last_event: Some(ts("2026-11-24T06:30:00Z")),
            hosts: s(&["WS042", "DC01", "FS01", "ns-gw01"]),
        },
        executive_summary: s(&[
            "On 24 November 2026 at 01:52 UTC an attacker logged in to the NetScaler Gateway with leaked credentials of ACME\\j.doe, moved to the domain controller and the file server, and encrypted 12,804 files on FS01.",
            "No sign of data exfiltration was found; a large transfer at 02:00 UTC is the nightly backup.",
            "Now: disable the two accounts, block the attacker's addresses, restore FS01 from a backup taken before 01:52 UTC, enforce MFA on the gateway.",
        ]),
        initial_access: Some(initial_access()),
        storyline: storyline(),
        scope: scope(),
        impact: vec![HostImpact {
            host: "FS01".into(),
            first: ts("2026-11-24T03:03:30Z"),
            last: ts("2026-11-24T03:47:59Z"),
            files: 12_804,
            extension: Some(".lkr".into()),
            ransom_note: Some("README_RESTORE.txt".into()),
            evidence: vec![ev("case.zip!FS01/bodyfile.txt", 20031, 5001)],
        }],
        recovery_inhibition: vec![Inhibition {
            time: ts("2026-11-24T03:02:11Z"),
            host: Some("FS01".into()),
            what: "vssadmin.exe delete shadows /all /quiet".into(),
            evidence: rec(FS_SYS, 90540),
        }],
        exfiltration: exfiltration(),
        gaps: vec![Gap {
            kind: "log-cleared".into(),
            description: "The Security log of DC01 was cleared at 02:39:50 UTC (event 1102); nothing before it on that host.".into(),
            host: Some("DC01".into()),
            evidence: vec![rec(DC_SEC, 1203990)],
        }],
        containment: Containment {
            isolate_hosts: s(&["WS042", "DC01", "FS01"]),
            disable_accounts: s(&["ACME\\j.doe", "ACME\\adm_jdoe"]),
            kill_sessions: s(&["NetScaler session 0x5f2a for j.doe on ns-gw01", "Logon 0x3E7A12 of ACME\\adm_jdoe on DC01"]),
            block_addresses: s(&["185.220.101.47", "2a03:b0c0:3:d0::1a51:c001"]),
            block_domains: s(&["update-check.example-cdn.net"]),
            block_hashes: s(&["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]),
        },
        recovery: Recovery {
            restore_before: Some(ts("2026-11-24T01:52:10Z")),
            advice: s(&["Rebuild WS042 and FS01 from known-good images.", "Reset the krbtgt password twice, 10 hours apart.", "Reset all passwords of accounts that logged on to DC01 since 01:52 UTC."]),
        },
        hardening: vec![
            Recommendation { title: "Enforce MFA on the NetScaler Gateway".into(), why: "The attacker logged in with a leaked password alone.".into(), priority: 1, motivated_by: "Initial access".into() },
            Recommendation { title: "Separate admin accounts from daily accounts and restrict RDP to jump hosts".into(), why: "An admin account's credentials were dumped from a workstation.".into(), priority: 2, motivated_by: "Lateral movement".into() },
            Recommendation { title: "Offline or immutable backups".into(), why: "Shadow copies were deleted before encryption.".into(), priority: 3, motivated_by: "Recovery inhibition".into() },
        ],
        attack_matrix: vec![
            TechniqueSeen { technique: "T1133".into(), phase: Phase::InitialAccess, count: 1, hosts: s(&["ns-gw01"]) },
            TechniqueSeen { technique: "T1078".into(), phase: Phase::InitialAccess, count: 2, hosts: s(&["ns-gw01", "WS042"]) },
            TechniqueSeen { technique: "T1003.001".into(), phase: Phase::CredentialAccess, count: 1, hosts: s(&["WS042"]) },
            TechniqueSeen { technique: "T1021.001".into(), phase: Phase::LateralMovement, count: 2, hosts: s(&["WS042", "DC01"]) },
            TechniqueSeen { technique: "T1569.002".into(), phase: Phase::Execution, count: 1, hosts: s(&["FS01"]) },
            TechniqueSeen { technique: "T1070.001".into(), phase: Phase::DefenseEvasion, count: 1, hosts: s(&["DC01"]) },
            TechniqueSeen { technique: "T1490".into(), phase: Phase::Impact, count: 1, hosts: s(&["FS01"]) },
            TechniqueSeen { technique: "T1486".into(), phase: Phase::Impact, count: 12_804, hosts: s(&["FS01"]) },
        ],
        indicators: indicators(),
        open_questions: s(&["How were the credentials of ACME\\j.doe leaked?", "DC01 has no logs before 02:39:50 UTC: what else happened there?"]),
    }
}

/// Attacker text put in front of every string of the model.
pub const PAYLOAD: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)></style><svg onload=alert(2)>\
javascript:alert(3) {{7*7}} [click](javascript:alert(4)) ![i](http://198.51.100.77/md.png) | x | y |\n# Heading\n- item\n```\n\
\u{0}\u{7}\u{1b}[31m\u{202e}www.evil.example <a href=\"http://198.51.100.77/a\">a</a> <img src='http://198.51.100.77/i.png'> \
<link rel=stylesheet href=//198.51.100.77/s.css> <iframe src=http://198.51.100.77/f></iframe> url(http://198.51.100.77/c.png) ";

/// Strings that are enum tags in the serialised model (phases, confidence levels,
/// location kinds): left alone so the model still deserialises.
const TAGS: &[&str] = &[
    "initial_access",
    "execution",
    "persistence",
    "privilege_escalation",
    "defense_evasion",
    "credential_access",
    "discovery",
    "lateral_movement",
    "collection",
    "command_and_control",
    "exfiltration",
    "impact",
    "high",
    "medium",
    "low",
    "line",
    "record",
    "offset",
];

fn poison(v: &mut Value) {
    match v {
        Value::String(s) if !TAGS.contains(&s.as_str()) => *s = format!("{PAYLOAD}{s}"),
        Value::Array(a) => a.iter_mut().for_each(poison),
        Value::Object(o) => o.values_mut().for_each(poison),
        _ => {}
    }
}

/// The fixture with [`PAYLOAD`] in front of every string field (through serde, so a
/// field added to the model is covered too).
pub fn hostile_fixture() -> Investigation {
    let mut v = serde_json::to_value(fixture()).unwrap();
    poison(&mut v);
    serde_json::from_value(v).expect("poisoned fixture deserialises")
}
