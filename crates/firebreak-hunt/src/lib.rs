//! Hunting: Sigma rules (with their correlation and filter rules), IOC sets and the
//! built-in analytics run over a case's stored events ([`hunt_case`]: no re-parsing,
//! so new rules or IOCs run again in seconds) or straight over evidence paths
//! ([`hunt_paths`]: matched on the reader threads as files are parsed, nothing
//! stored).
//!
//! A [`Detection`] carries the rule's id, title, level, status and ATT&CK tags, the
//! event's key fields and its provenance (evidence path and record location; the case's
//! evidence and event ids when hunting a case). The same rule firing on the same record
//! is reported once. [`store`] keeps detections in the case; the case reports which
//! are new.
//!
//! The matching engines do no I/O; this crate reads the case or the evidence and
//! hands events to them.

mod analytic;
mod case_hunt;
mod correlate;
mod detection;
mod engine;
mod infer;
mod path_hunt;
pub mod render;
mod select;

pub use case_hunt::hunt_case;
pub use detection::{key_fields, Detection, Kind, Source};
pub use path_hunt::{hunt_paths, hunt_paths_loading};
pub use select::Selection;

use firebreak_case::{Case, CaseError, HuntRecord};
use firebreak_ingest::IngestReport;
use std::time::Duration;

/// How to hunt.
#[derive(Default)]
pub struct HuntOptions {
    pub selection: Selection,
    /// Matching threads for a case hunt (0 = all cores).
    pub threads: usize,
    /// Run the built-in analytics with this configuration (`None`: do not).
    pub analytics: Option<firebreak_analytics::AnalyticsConfig>,
    /// IOC sets to match, in the same pass as the rules.
    pub iocs: Option<firebreak_ioc::IocMatcher>,
}

/// What a hunt found.
#[derive(Debug, Default)]
pub struct HuntOutcome {
    /// In time order, one per (kind, rule, record).
    pub detections: Vec<Detection>,
    /// Events matched.
    pub events: u64,
    pub elapsed: Duration,
    /// For a hunt over paths: what was read, and what could not be.
    pub read: Option<IngestReport>,
    /// Problems that did not stop the hunt (a correlation's buffer full, ...).
    pub warnings: Vec<String>,
    /// What the built-in analytics found, among it the exfiltration assessment (what
    /// was checked, what was found, which large transfers were explained).
    pub analytics: Option<firebreak_analytics::Report>,
}

/// Correlate the workers' collected matches and merge everything into one
/// de-duplicated, time-ordered list.
fn finish(
    rules: &firebreak_sigma::RuleSet,
    selection: &Selection,
    mut found: Vec<Detection>,
    correlated: Vec<(usize, firebreak_event::Event, Source)>,
) -> (Vec<Detection>, Vec<String>) {
    let (hits, errors) = correlate::correlate(rules, selection, correlated);
    found.extend(hits);
    let warnings = errors.iter().map(|e| e.to_string()).collect();
    (detection::dedupe(found), warnings)
}

/// A hunt failed as a whole (one bad event or rule never does this).
#[derive(Debug, thiserror::Error)]
pub enum HuntError {
    #[error(transparent)]
    Case(#[from] CaseError),
}

fn threads(wanted: usize) -> usize {
    if wanted > 0 {
        return wanted;
    }
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Store `detections` in `case` as one hunt described by `description`.
pub fn store(
    case: &mut Case,
    description: &str,
    detections: &[Detection],
) -> Result<HuntRecord, HuntError> {
    let rows: Vec<_> = detections.iter().map(Detection::to_row).collect();
    let now = chrono::Utc::now().timestamp_micros();
    Ok(case.record_hunt(description, now, &rows)?)
}
