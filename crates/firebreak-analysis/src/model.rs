//! The investigation model: what `firebreak investigate` concludes, in a shape the
//! report renders (HTML, Markdown) and other tools consume (JSON; schema in
//! `docs/report-schema.md`). Plain data; every claim carries the evidence behind it.
//!
//! Times are `firebreak_event::Timestamp` (serialised as microseconds since the epoch
//! by `Timestamp`'s serde; the JSON report adds RFC 3339 text where it matters).

use firebreak_event::{Location, Timestamp};
use serde::{Deserialize, Serialize};

/// Bump when a field changes meaning or disappears (adding fields does not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// Where a claim comes from: an evidence file and the record in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    /// The evidence file as the user gave it (`case.zip!logs/Security.evtx`).
    pub path: String,
    pub location: Location,
    /// The case's event id, when known.
    pub event_ref: Option<i64>,
}

/// How sure a conclusion is, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confidence {
    pub level: ConfidenceLevel,
    /// One sentence per thing that raised or lowered it.
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceLevel {
    Low,
    Medium,
    High,
}

/// Attack phases in the order a storyline tells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
    Exfiltration,
    Impact,
}

/// One event that carries a phase of the story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEvent {
    pub time: Timestamp,
    pub host: Option<String>,
    pub user: Option<String>,
    /// What it is (a rule title, an analytic's title).
    pub title: String,
    /// The telling detail (command line, file, address), attacker-controlled text.
    pub detail: String,
    /// ATT&CK technique ids.
    pub techniques: Vec<String>,
    /// `critical`, `high`, `medium`, `low`, `informational`.
    pub level: String,
    pub evidence: EvidenceRef,
}

/// One phase of the storyline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryPhase {
    pub phase: Phase,
    pub first: Timestamp,
    pub last: Timestamp,
    pub hosts: Vec<String>,
    pub accounts: Vec<String>,
    /// The most telling events, in time order (bounded; `event_total` counts all).
    pub key_events: Vec<KeyEvent>,
    pub event_total: usize,
}

/// The earliest attacker-controlled access, with the reasoning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitialAccess {
    pub time: Timestamp,
    pub account: String,
    pub source_ip: Option<String>,
    /// The gateway / VPN / host that accepted it.
    pub via: String,
    /// `gateway`, `rdp`, `ssh`, ...
    pub channel: String,
    /// Each reason, from the data (new address, unusual hour, leaked, failures before,
    /// followed by an internal logon from the gateway's address to H within minutes...).
    pub reasons: Vec<String>,
    /// Whether the account's credentials are in a leak file given to the case.
    pub leaked_credentials: bool,
    /// The internal host the access led to first, if seen.
    pub led_to: Option<String>,
    pub confidence: Confidence,
    pub evidence: Vec<EvidenceRef>,
}

/// A host in scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInScope {
    pub name: String,
    pub first_compromise: Timestamp,
    pub last_activity: Timestamp,
    /// Why it is in scope (attacker logon, detections, encryption...).
    pub reasons: Vec<String>,
    pub encrypted: bool,
    pub patient_zero: bool,
}

/// An account in scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountInScope {
    /// `DOMAIN\name` or `name`, as the logs write it.
    pub name: String,
    pub first_misuse: Timestamp,
    pub hosts: Vec<String>,
    pub leaked_credentials: bool,
    pub reasons: Vec<String>,
}

/// One lateral movement: host to host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateralEdge {
    pub time: Timestamp,
    /// Source host (or the gateway / address when the source is not a known host).
    pub from: String,
    pub to: String,
    pub account: Option<String>,
    /// `RDP`, `PsExec`, `WMI`, `WinRM`, `SMB admin share`, `network logon`...
    pub method: String,
    pub evidence: Vec<EvidenceRef>,
}

/// Scope of the compromise.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Patient zero first.
    pub hosts: Vec<HostInScope>,
    pub accounts: Vec<AccountInScope>,
    pub lateral_movement: Vec<LateralEdge>,
    pub attacker_addresses: Vec<String>,
    /// Tools and binaries the attacker used (images, names).
    pub tools: Vec<String>,
}

/// Encryption on one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostImpact {
    pub host: String,
    pub first: Timestamp,
    pub last: Timestamp,
    pub files: usize,
    pub extension: Option<String>,
    pub ransom_note: Option<String>,
    pub evidence: Vec<EvidenceRef>,
}

/// Recovery inhibition seen (shadow copies, backups, recovery settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inhibition {
    pub time: Timestamp,
    pub host: Option<String>,
    pub what: String,
    pub evidence: EvidenceRef,
}

/// Was data taken out? Found or not, and exactly what was checked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Exfiltration {
    pub found: bool,
    pub signs: Vec<KeyEvent>,
    pub checked: Vec<String>,
    /// Large transfers judged legitimate, and why.
    pub explained: Vec<String>,
    pub confidence: Option<Confidence>,
}

/// A hole in the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// `no-logs-for-host`, `period-without-logs`, `log-cleared`, `clock-skew`,
    /// `source-missing`, ...
    pub kind: String,
    pub description: String,
    pub host: Option<String>,
    pub evidence: Vec<EvidenceRef>,
}

/// Stop the bleeding.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Containment {
    pub isolate_hosts: Vec<String>,
    pub disable_accounts: Vec<String>,
    /// Sessions to kill (gateway session ids, logon ids) with where they are.
    pub kill_sessions: Vec<String>,
    pub block_addresses: Vec<String>,
    pub block_domains: Vec<String>,
    pub block_hashes: Vec<String>,
}

/// What to restore, from when.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Recovery {
    /// Restore from a point before this (the first compromise), unless verified clean.
    pub restore_before: Option<Timestamp>,
    pub advice: Vec<String>,
}

/// A hardening recommendation, tied to the finding that motivates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub title: String,
    pub why: String,
    /// 1 = first.
    pub priority: u8,
    /// What was found that motivates it (a section or finding name).
    pub motivated_by: String,
}

/// An ATT&CK technique seen in the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TechniqueSeen {
    pub technique: String,
    pub phase: Phase,
    pub count: usize,
    pub hosts: Vec<String>,
}

/// An indicator of compromise the investigation produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// `ipv4`, `ipv6`, `domain`, `url`, `sha256`, `md5`, `sha1`, `file_name`,
    /// `file_path`, `user`, `command_line` (the names of firebreak-ioc's `IocType`).
    pub kind: String,
    pub value: String,
    pub context: String,
    pub first_seen: Option<Timestamp>,
}

/// What the case holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseOverview {
    pub name: String,
    pub evidence_files: u64,
    pub events: u64,
    pub detections: u64,
    /// (source kind, events).
    pub sources: Vec<(String, u64)>,
    pub first_event: Option<Timestamp>,
    pub last_event: Option<Timestamp>,
    pub hosts: Vec<String>,
}

/// The whole investigation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub schema_version: u32,
    pub case: CaseOverview,
    /// A few sentences for the CISO: what happened, how bad, what now.
    pub executive_summary: Vec<String>,
    pub initial_access: Option<InitialAccess>,
    pub storyline: Vec<StoryPhase>,
    pub scope: Scope,
    pub impact: Vec<HostImpact>,
    pub recovery_inhibition: Vec<Inhibition>,
    pub exfiltration: Exfiltration,
    pub gaps: Vec<Gap>,
    pub containment: Containment,
    pub recovery: Recovery,
    pub hardening: Vec<Recommendation>,
    pub attack_matrix: Vec<TechniqueSeen>,
    pub indicators: Vec<Indicator>,
    /// What the evidence does not answer yet.
    pub open_questions: Vec<String>,
}
