//! Plain-text pieces shared by the HTML and Markdown reports: names of phases,
//! times, evidence references. Nothing here escapes: callers escape what they write.

use firebreak_analysis::{Confidence, ConfidenceLevel, EvidenceRef, Investigation, Phase};
use firebreak_event::Timestamp;

/// Every phase, in storyline order.
pub const PHASES: [Phase; 12] = [
    Phase::InitialAccess,
    Phase::Execution,
    Phase::Persistence,
    Phase::PrivilegeEscalation,
    Phase::DefenseEvasion,
    Phase::CredentialAccess,
    Phase::Discovery,
    Phase::LateralMovement,
    Phase::Collection,
    Phase::CommandAndControl,
    Phase::Exfiltration,
    Phase::Impact,
];

/// The ATT&CK tactic name of a phase.
pub fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::InitialAccess => "Initial Access",
        Phase::Execution => "Execution",
        Phase::Persistence => "Persistence",
        Phase::PrivilegeEscalation => "Privilege Escalation",
        Phase::DefenseEvasion => "Defense Evasion",
        Phase::CredentialAccess => "Credential Access",
        Phase::Discovery => "Discovery",
        Phase::LateralMovement => "Lateral Movement",
        Phase::Collection => "Collection",
        Phase::CommandAndControl => "Command and Control",
        Phase::Exfiltration => "Exfiltration",
        Phase::Impact => "Impact",
    }
}

/// The ATT&CK tactic id of a phase.
pub fn tactic_id(p: Phase) -> &'static str {
    match p {
        Phase::InitialAccess => "TA0001",
        Phase::Execution => "TA0002",
        Phase::Persistence => "TA0003",
        Phase::PrivilegeEscalation => "TA0004",
        Phase::DefenseEvasion => "TA0005",
        Phase::CredentialAccess => "TA0006",
        Phase::Discovery => "TA0007",
        Phase::LateralMovement => "TA0008",
        Phase::Collection => "TA0009",
        Phase::CommandAndControl => "TA0011",
        Phase::Exfiltration => "TA0010",
        Phase::Impact => "TA0040",
    }
}

/// The position of a phase in storyline order (0-based), for colours.
pub fn phase_index(p: Phase) -> usize {
    PHASES.iter().position(|q| *q == p).unwrap_or(0)
}

/// `2026-11-24 02:11:41 UTC`.
pub fn time(t: Timestamp) -> String {
    t.to_datetime().format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `2026-11-24 02:11:41 UTC`, or `unknown`.
pub fn opt_time(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "unknown".to_string(), time)
}

/// `02:11` (for chart labels).
pub fn short_time(t: Timestamp) -> String {
    t.to_datetime().format("%H:%M").to_string()
}

/// `11-24 02:11` (for chart axes).
pub fn axis_time(t: Timestamp) -> String {
    t.to_datetime().format("%m-%d %H:%M").to_string()
}

/// `path#line:42`, `Security.evtx#record:1234`, with ` (event 7)` when the case's
/// event id is known.
pub fn evidence(e: &EvidenceRef) -> String {
    let base = format!("{}#{}:{}", e.path, e.location.kind(), e.location.value());
    match e.event_ref {
        Some(id) => format!("{base} (event {id})"),
        None => base,
    }
}

/// `high`, `medium`, `low`.
pub fn level(l: ConfidenceLevel) -> &'static str {
    match l {
        ConfidenceLevel::High => "high",
        ConfidenceLevel::Medium => "medium",
        ConfidenceLevel::Low => "low",
    }
}

/// `High confidence`.
pub fn confidence_label(c: &Confidence) -> String {
    let l = level(c.level);
    let mut s = l[..1].to_uppercase();
    s.push_str(&l[1..]);
    s + " confidence"
}

/// `yes` / `no`.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The report's title.
pub fn title(inv: &Investigation) -> String {
    if inv.case.name.is_empty() {
        "Incident report".to_string()
    } else {
        format!("Incident report: {}", inv.case.name)
    }
}

/// Headline numbers: (label, value) for the summary cards.
pub fn key_figures(inv: &Investigation) -> Vec<(&'static str, String)> {
    let encrypted = inv.scope.hosts.iter().filter(|h| h.encrypted).count();
    let first = inv
        .initial_access
        .as_ref()
        .map(|a| a.time)
        .or_else(|| inv.scope.hosts.iter().map(|h| h.first_compromise).min());
    vec![
        ("Hosts compromised", inv.scope.hosts.len().to_string()),
        ("Hosts encrypted", encrypted.to_string()),
        ("Accounts misused", inv.scope.accounts.len().to_string()),
        (
            "Data exfiltration",
            if inv.exfiltration.found {
                "found".to_string()
            } else {
                "not found".to_string()
            },
        ),
        ("First compromise", opt_time(first)),
        ("Indicators", inv.indicators.len().to_string()),
    ]
}

/// The section ids and headings, in report order (the table of contents).
pub const SECTIONS: [(&str, &str); 18] = [
    ("summary", "Executive summary"),
    ("case", "Case overview"),
    ("initial-access", "Initial access"),
    ("storyline", "Storyline"),
    ("timeline", "Timeline"),
    ("lateral", "Lateral movement"),
    ("attack", "ATT&CK techniques seen"),
    ("scope", "Affected hosts and accounts"),
    ("impact", "Impact"),
    ("inhibition", "Recovery inhibition"),
    ("exfiltration", "Exfiltration"),
    ("gaps", "Gaps in the evidence"),
    ("iocs", "Indicators of compromise"),
    ("containment", "Containment"),
    ("recovery", "Recovery"),
    ("hardening", "Hardening"),
    ("questions", "Open questions"),
    ("method", "About this report"),
];

/// The heading of a section id.
pub fn heading(id: &str) -> &'static str {
    SECTIONS
        .iter()
        .find(|(i, _)| *i == id)
        .map_or("", |(_, h)| h)
}

/// The firewall block list: one address or network per line.
pub fn firewall_list(inv: &Investigation) -> String {
    inv.containment
        .block_addresses
        .iter()
        .map(|a| one_line(a))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The DNS block list: one domain per line (RPZ / hosts-style tools take it as is).
pub fn dns_list(inv: &Investigation) -> String {
    inv.containment
        .block_domains
        .iter()
        .map(|d| one_line(d))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value on one line: line breaks and surrounding blanks removed, so one value can
/// never become two entries of a block list.
pub fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}
