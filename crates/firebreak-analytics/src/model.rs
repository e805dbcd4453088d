//! What the analytics report.

use firebreak_event::Timestamp;
use serde::Serialize;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    /// The level for `n` independent reasons: 1 low, 2 medium, 3 high, 4+ critical.
    pub fn from_reasons(n: usize) -> Level {
        match n {
            0 => Level::Informational,
            1 => Level::Low,
            2 => Level::Medium,
            3 => Level::High,
            _ => Level::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// One result of an analytic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable id of the analytic, e.g. `remote-access.login`.
    pub analytic: &'static str,
    pub title: String,
    pub level: Level,
    /// ATT&CK technique ids.
    pub attack: Vec<String>,
    /// When it happened (the first event it is about).
    pub time: Timestamp,
    pub host: Option<String>,
    pub user: Option<String>,
    pub src_ip: Option<String>,
    pub summary: String,
    /// Why: one sentence per reason, each from the data.
    pub reasons: Vec<String>,
    /// The `event_ref`s given to `observe` for the events it rests on.
    pub event_refs: Vec<i64>,
}

impl Finding {
    pub(crate) fn new(analytic: &'static str, time: Timestamp, title: String) -> Finding {
        Finding {
            analytic,
            title,
            level: Level::Informational,
            attack: Vec::new(),
            time,
            host: None,
            user: None,
            src_ip: None,
            summary: String::new(),
            reasons: Vec::new(),
            event_refs: Vec::new(),
        }
    }

    pub(crate) fn attack(mut self, ids: &[&str]) -> Finding {
        self.attack = ids.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// The exfiltration question answered either way, with what was looked at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExfilAssessment {
    /// True when any finding below is a sign of exfiltration.
    pub found: bool,
    pub findings: Vec<Finding>,
    /// What was checked: sources, hosts, windows, thresholds, counts.
    pub checked: Vec<String>,
    /// Large transfers judged legitimate, and why (from the data).
    pub explained: Vec<String>,
}

/// Everything the analytics found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Remote access, chain and impact findings, in time order.
    pub findings: Vec<Finding>,
    /// Ransomware impact per host (the facts behind the `impact.ransomware` findings).
    pub impact: Vec<crate::impact::HostImpact>,
    pub exfiltration: ExfilAssessment,
}

impl Report {
    /// Findings of one analytic (by id or id prefix such as `impact.`).
    pub fn by_analytic<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .chain(&self.exfiltration.findings)
            .filter(move |f| f.analytic.starts_with(prefix))
    }
}
