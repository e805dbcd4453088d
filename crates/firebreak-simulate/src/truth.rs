//! `truth.json`: what happened, and where the evidence of each step is.
//!
//! Schema (all times RFC 3339 UTC with microseconds, as a reader stores them — i.e.
//! truncated to the source format's precision; `file` is relative to the output
//! directory with `/` separators; `location` is `firebreak_event::Location`:
//! `{"kind":"record","value":N}` = the N-th `<Event>` (1-based) of a Windows XML
//! export, `{"kind":"line","value":N}` = 1-based line of a JSON-lines or text file):
//!
//! ```text
//! { "seed": u64, "scale": u64,
//!   "window": { "start", "end" },
//!   "attacker_ips": [ip], "compromised_accounts": ["CORP\\user"],
//!   "patient_zero": "WS-042",
//!   "initial_access": { "time", "user", "src_ip", "gateway", "evidence": {file, location} },
//!   "lateral_movement": [ { "time", "from", "to", "user", "method", "evidence" } ],
//!   "impact": { "hosts", "first", "last", "extension", "note_name", "files_encrypted",
//!               "first_evidence", "last_evidence" },
//!   "exfiltration": false, "exfiltration_note": str,
//!   "decoy": { "description", "time", "evidence" },
//!   "leaked_credentials": { "file": "leaks/combolist.txt", "location" },
//!   "events": [ { "file", "location", "time", "host", "phase", "technique",
//!                 "description" } ] }
//! ```
//!
//! `phase` is one of initial_access, execution, discovery, credential_access,
//! lateral_movement, defense_evasion, command_and_control, impact (ATT&CK tactics; the
//! recovery inhibition T1490 and service stops T1489 are `impact` as in ATT&CK);
//! `technique` is an ATT&CK id. `events` are in time order.

use firebreak_event::{Location, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub file: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitialAccess {
    pub time: String,
    pub user: String,
    pub src_ip: String,
    pub gateway: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateralEdge {
    pub time: String,
    pub from: String,
    pub to: String,
    pub user: String,
    pub method: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    pub hosts: Vec<String>,
    pub first: String,
    pub last: String,
    pub extension: String,
    pub note_name: String,
    pub files_encrypted: u64,
    pub first_evidence: Evidence,
    pub last_evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decoy {
    pub description: String,
    pub time: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthEvent {
    pub file: String,
    pub location: Location,
    pub time: String,
    pub host: String,
    pub phase: String,
    pub technique: String,
    pub description: String,
}

/// The content of `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub scale: u64,
    pub window: Window,
    pub attacker_ips: Vec<String>,
    pub compromised_accounts: Vec<String>,
    pub patient_zero: String,
    pub initial_access: InitialAccess,
    pub lateral_movement: Vec<LateralEdge>,
    pub impact: Impact,
    pub exfiltration: bool,
    pub exfiltration_note: String,
    pub decoy: Decoy,
    /// The compromised account's line in the leaked combolist.
    pub leaked_credentials: Evidence,
    pub events: Vec<TruthEvent>,
}

/// RFC 3339 of 100-ns ticks, truncated to microseconds.
pub(crate) fn rfc3339(t: crate::time::Ticks) -> String {
    Timestamp::from_micros(crate::time::micros(t))
        .map(|ts| ts.to_rfc3339())
        .unwrap_or_default()
}
