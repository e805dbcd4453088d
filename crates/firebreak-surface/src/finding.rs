//! Findings, their severity and reason, and the closing summary (risk per asset).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Inventory, no action.
    Info,
    /// Worth knowing.
    Low,
    /// Fix soon.
    Medium,
    /// Fix first.
    High,
    /// Fix now.
    Critical,
}

impl Severity {
    /// Risk points one finding of this severity adds to its asset.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Medium => 4,
            Severity::High => 10,
            Severity::Critical => 25,
        }
    }

    /// Parses the lower-case name.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One confirmed fact about the surface, streamed as one JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// When it was confirmed (RFC 3339, UTC).
    pub ts: String,
    /// Stable kind, e.g. `dns.axfr_open`, `rdp.nla_not_enforced`, `dos.known_cve`.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// The asset: a host name, or an address when no name is known.
    pub asset: String,
    /// Address probed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// Port, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// One line for humans.
    pub title: String,
    /// Why it has this severity.
    pub reason: String,
    /// What was seen (banners, reply sizes, names): attacker-controlled text, never
    /// printed to a terminal unsanitised.
    pub evidence: serde_json::Value,
}

impl Finding {
    /// A finding stamped now.
    pub fn new(
        kind: &str,
        severity: Severity,
        asset: &str,
        title: impl Into<String>,
        reason: impl Into<String>,
    ) -> Finding {
        Finding {
            ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            kind: kind.to_string(),
            severity,
            asset: asset.to_string(),
            address: None,
            port: None,
            title: title.into(),
            reason: reason.into(),
            evidence: serde_json::Value::Null,
        }
    }

    /// With an address and port.
    pub fn at(mut self, address: IpAddr, port: Option<u16>) -> Finding {
        self.address = Some(address);
        self.port = port;
        self
    }

    /// With evidence.
    pub fn evidence(mut self, e: serde_json::Value) -> Finding {
        self.evidence = e;
        self
    }
}

/// Risk of one asset in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetRisk {
    /// Asset name.
    pub asset: String,
    /// Sum of the weights of its findings.
    pub score: u32,
    /// Its worst severity.
    pub worst: Severity,
    /// Findings above info.
    pub findings: usize,
    /// Title of its worst finding.
    pub top: String,
}

/// Assets ranked by risk (score, then worst severity, then name), info-only assets last.
pub fn rank_assets(findings: &[Finding]) -> Vec<AssetRisk> {
    let mut by: BTreeMap<&str, AssetRisk> = BTreeMap::new();
    for f in findings {
        let e = by.entry(f.asset.as_str()).or_insert_with(|| AssetRisk {
            asset: f.asset.clone(),
            score: 0,
            worst: Severity::Info,
            findings: 0,
            top: f.title.clone(),
        });
        e.score += f.severity.weight();
        if f.severity > Severity::Info {
            e.findings += 1;
        }
        if f.severity > e.worst {
            e.worst = f.severity;
            e.top = f.title.clone();
        }
    }
    let mut v: Vec<AssetRisk> = by.into_values().collect();
    v.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.worst.cmp(&a.worst))
            .then(a.asset.cmp(&b.asset))
    });
    v
}

/// The closing summary table: the `top` riskiest assets first, then the counts.
/// Every text cell goes through `sanitize_terminal`.
pub fn summary_table(findings: &[Finding], top: usize) -> String {
    let ranked = rank_assets(findings);
    let clean = |s: &str| firebreak_timeline::sanitize_terminal(s).into_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>3}  {:<40} {:>5}  {:<8} {:>4}  top finding",
        "#", "asset", "risk", "worst", "n"
    );
    for (i, a) in ranked.iter().filter(|a| a.score > 0).take(top).enumerate() {
        let name: String = clean(&a.asset).chars().take(40).collect();
        let title: String = clean(&a.top).chars().take(80).collect();
        let _ = writeln!(
            out,
            "{:>3}  {:<40} {:>5}  {:<8} {:>4}  {}",
            i + 1,
            name,
            a.score,
            a.worst.as_str(),
            a.findings,
            title
        );
    }
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.severity).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "{} assets, {} with risk; findings: {}",
        ranked.len(),
        ranked.iter().filter(|a| a.score > 0).count(),
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_puts_the_worst_first_and_sanitises() {
        let f = vec![
            Finding::new("a", Severity::Info, "quiet.example", "asset", "r"),
            Finding::new("b", Severity::Medium, "b.example", "exposed", "r"),
            Finding::new("c", Severity::High, "a.example", "rdp\x1b[2J no nla", "r"),
            Finding::new("d", Severity::Medium, "b.example", "db", "r"),
            Finding::new("e", Severity::Critical, "c.example", "killer", "r"),
        ];
        let r = rank_assets(&f);
        assert_eq!(
            r.iter().map(|a| a.asset.as_str()).collect::<Vec<_>>(),
            ["c.example", "a.example", "b.example", "quiet.example"]
        );
        assert_eq!(r[2].score, 8);
        let t = summary_table(&f, 2);
        assert!(!t.contains('\x1b'));
        assert!(t.contains("c.example") && t.contains("a.example") && !t.contains("b.example"));
        assert!(t.contains("4 assets, 3 with risk"));
        let line = serde_json::to_string(&f[2]).unwrap();
        assert!(line.contains("\"severity\":\"high\""));
    }
}
