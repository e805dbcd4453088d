//! `firebreak investigate`: ingest, hunt, analyse, report — one command.

use crate::cli::InvestigateArgs;
use crate::cmd_hunt::{analytics_config, exfiltration, load_iocs, load_rules, summary};
use crate::opts::read_options;
use crate::progress::Bar;
use crate::Outcome;
use anyhow::{Context, Result};
use firebreak_analysis::{CaseOverview, HostCoverage, Input, Investigation};
use firebreak_case::Case;
use firebreak_event::Timestamp;
use firebreak_hunt::{HuntOptions, HuntOutcome};
use firebreak_ingest::{ingest, IngestOptions};
use firebreak_timeline::sanitize_terminal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(a: &InvestigateArgs) -> Result<Outcome> {
    let mut case =
        Case::open(&a.case).with_context(|| format!("opening case {}", a.case.display()))?;
    if !a.paths.is_empty() {
        add_evidence(&mut case, a)?;
    }
    let rules = load_rules(&a.with)?;
    let opts = HuntOptions {
        analytics: analytics_config(&a.with)?,
        iocs: load_iocs(&a.with.ioc)?,
        ..HuntOptions::default()
    };
    let hunt = firebreak_hunt::hunt_case(&case, &rules, &opts)?;
    summary(&hunt, rules.len())?;
    let record = firebreak_hunt::store(&mut case, "investigate", &hunt.detections)?;
    eprintln!(
        "detections: {} ({} new since the last run)",
        record.total, record.new
    );
    let inv = analyse(&case, &a.case, &hunt)?;
    let previous = case.latest_investigation()?;
    let json = serde_json::to_string(&inv)?;
    case.save_investigation(chrono::Utc::now().timestamp_micros(), &json)?;
    if let Some((_, prev)) = previous {
        what_changed(&prev, &inv);
    }
    if let Some(report) = &hunt.analytics {
        exfiltration(&report.exfiltration)?;
    }
    let out = a.out.clone().unwrap_or_else(|| a.case.join("report"));
    let written = crate::report_files::write_all(&inv, &out)?;
    conclusions(&inv, &written);
    Ok(Outcome::Ok)
}

fn add_evidence(case: &mut Case, a: &InvestigateArgs) -> Result<()> {
    let opts = IngestOptions {
        read: read_options(&a.read)?,
        ..IngestOptions::default()
    };
    let bar = Bar::new(a.quiet);
    let report = ingest(case, &a.paths, &opts, &bar)?;
    bar.finish();
    let mut err = std::io::stderr().lock();
    crate::cmd_ingest::print_summary(&mut err, &report)?;
    Ok(())
}

/// What the case holds, per host and overall, and the investigation derived from it.
fn analyse(case: &Case, dir: &Path, hunt: &HuntOutcome) -> Result<Investigation> {
    let coverage = case.coverage()?;
    let mut hosts: BTreeMap<String, HostCoverage> = BTreeMap::new();
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for c in &coverage {
        *sources.entry(c.source.clone()).or_default() += c.events;
        first = first.min(c.first);
        last = last.max(c.last);
        let Some(h) = &c.host else { continue };
        let entry = hosts.entry(h.clone()).or_insert_with(|| HostCoverage {
            host: h.clone(),
            sources: Vec::new(),
            first: ts(c.first),
            last: ts(c.last),
            events: 0,
        });
        entry.sources.push(c.source.clone());
        entry.first = entry.first.min(ts(c.first));
        entry.last = entry.last.max(ts(c.last));
        entry.events += c.events;
    }
    let overview = CaseOverview {
        name: dir.display().to_string(),
        evidence_files: case.evidence()?.len() as u64,
        events: sources.values().sum(),
        detections: hunt.detections.len() as u64,
        sources: sources.into_iter().collect(),
        first_event: (first != i64::MAX).then(|| ts(first)),
        last_event: (last != i64::MIN).then(|| ts(last)),
        hosts: hosts.keys().cloned().collect(),
    };
    let signals: Vec<_> = hunt.detections.iter().map(|d| d.to_signal()).collect();
    let coverage: Vec<HostCoverage> = hosts.into_values().collect();
    Ok(firebreak_analysis::investigate(&Input {
        overview: &overview,
        signals: &signals,
        analytics: hunt.analytics.as_ref(),
        coverage: &coverage,
    }))
}

fn ts(us: i64) -> Timestamp {
    Timestamp::from_micros(us).unwrap_or_else(|_| Timestamp::from_micros(0).expect("epoch"))
}

/// Differences from the previous run's conclusions that a responder acts on.
fn what_changed(previous: &str, now: &Investigation) {
    let Ok(prev) = serde_json::from_str::<Investigation>(previous) else {
        eprintln!("changes: the previous investigation was written by another version");
        return;
    };
    let names = |i: &Investigation| -> Vec<String> {
        let hosts = i.scope.hosts.iter().map(|h| format!("host {}", h.name));
        let accounts = i
            .scope
            .accounts
            .iter()
            .map(|a| format!("account {}", a.name));
        hosts.chain(accounts).collect()
    };
    let before = names(&prev);
    let added: Vec<String> = names(now)
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    let changed_access =
        prev.initial_access.as_ref().map(|i| i.time) != now.initial_access.as_ref().map(|i| i.time);
    if added.is_empty() && !changed_access && prev.exfiltration.found == now.exfiltration.found {
        eprintln!("changes since the last run: none in scope, initial access or exfiltration");
        return;
    }
    for a in added {
        eprintln!("changes: new in scope: {}", sanitize_terminal(&a));
    }
    if changed_access {
        eprintln!("changes: the initial access is now a different event");
    }
    if prev.exfiltration.found != now.exfiltration.found {
        eprintln!("changes: exfiltration found = {}", now.exfiltration.found);
    }
}

fn conclusions(inv: &Investigation, written: &[PathBuf]) {
    match &inv.initial_access {
        Some(ia) => eprintln!(
            "initial access: {} {} via {} from {} (confidence {:?})",
            ia.time,
            sanitize_terminal(&ia.account),
            sanitize_terminal(&ia.via),
            sanitize_terminal(ia.source_ip.as_deref().unwrap_or("?")),
            ia.confidence.level
        ),
        None => eprintln!("initial access: not determined (see open questions)"),
    }
    let hosts: Vec<String> = inv
        .scope
        .hosts
        .iter()
        .map(|h| sanitize_terminal(&h.name).into_owned())
        .collect();
    eprintln!("hosts in scope: {}", hosts.join(", "));
    for p in written {
        println!("{}", p.display());
    }
}
