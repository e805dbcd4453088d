//! The built-in analytics' findings as detections.

use crate::detection::{Detection, Kind, Source};
use crate::select::Selection;
use firebreak_analytics::{Finding, Report};

/// Findings the selection admits, as detections; `source_of` gives the provenance of
/// an event ref (`None`: unknown ref, the finding is kept without it).
pub(crate) fn detections(
    report: &Report,
    selection: &Selection,
    source_of: &dyn Fn(i64) -> Option<Source>,
) -> Vec<Detection> {
    let all = report.findings.iter().chain(&report.exfiltration.findings);
    all.filter(|f| admitted(f, selection))
        .filter_map(|f| detection(f, source_of))
        .collect()
}

fn tags(f: &Finding) -> Vec<String> {
    f.attack
        .iter()
        .map(|t| format!("attack.{}", t.to_ascii_lowercase()))
        .collect()
}

fn admitted(f: &Finding, s: &Selection) -> bool {
    let level = firebreak_sigma::Level::parse(f.level.as_str());
    s.admits(level, Some("stable"), &tags(f))
}

fn detection(f: &Finding, source_of: &dyn Fn(i64) -> Option<Source>) -> Option<Detection> {
    let mut sources = f.event_refs.iter().filter_map(|&r| source_of(r));
    let source = sources.next()?;
    let mut key_fields = Vec::new();
    if let Some(ip) = &f.src_ip {
        key_fields.push(("network.src_ip".to_string(), ip.clone()));
    }
    for (i, r) in f.reasons.iter().enumerate() {
        key_fields.push((format!("reason.{}", i + 1), r.clone()));
    }
    Some(Detection {
        kind: Kind::Analytic,
        rule_key: f.analytic.to_string(),
        title: f.title.clone(),
        level: f.level.as_str().to_string(),
        status: None,
        tags: tags(f),
        attack: f.attack.clone(),
        time: f.time,
        host: f.host.clone(),
        user: f.user.clone(),
        key_fields,
        matched: Some(f.summary.clone()),
        source,
        related: sources.collect(),
    })
}
