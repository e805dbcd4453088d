//! Runs the simulator and the real hunt, and hands the analysis its input.
#![allow(dead_code)]

use firebreak_analysis::{CaseOverview, HostCoverage, Input, Investigation, Signal};
use firebreak_analytics::{AnalyticsConfig, LeakSet, Report};
use firebreak_event::{Timestamp, VecSink};
use firebreak_hunt::{HuntOptions, Selection};
use firebreak_ingest::{IngestOptions, SilentProgress};
use firebreak_readers::{ReadContext, ReadOptions, SNIFF_LEN};
use firebreak_sigma::{LoadOptions, RuleSet};
use firebreak_simulate::truth::Truth;
use firebreak_simulate::SimConfig;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One simulated intrusion, hunted.
pub struct Run {
    pub dir: tempfile::TempDir,
    pub truth: Truth,
    pub signals: Vec<Signal>,
    pub analytics: Report,
    pub coverage: Vec<HostCoverage>,
    pub overview: CaseOverview,
}

impl Run {
    pub fn investigate(&self) -> Investigation {
        firebreak_analysis::investigate(&Input {
            overview: &self.overview,
            signals: &self.signals,
            analytics: Some(&self.analytics),
            coverage: &self.coverage,
        })
    }
}

/// Simulates (`seed`, `scale`, 3 background days), hunts with the bundled pack, the
/// analytics and the leak list, and reads every file once more for the coverage.
pub fn run(seed: u64, scale: u64) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = SimConfig {
        seed,
        scale,
        background_days: 3,
        ..SimConfig::default()
    };
    firebreak_simulate::simulate(dir.path(), &cfg).expect("simulate");
    let truth: Truth =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).expect("truth.json"))
            .expect("truth parses");
    let (rules, errors) = RuleSet::load(&firebreak_rules::bundled(), &LoadOptions::default());
    assert!(errors.is_empty(), "{errors:#?}");
    let leaks_path = dir.path().join("leaks/combolist.txt");
    let (leaks, _) = LeakSet::parse(
        "leaks/combolist.txt",
        &std::fs::read(&leaks_path).expect("leaks"),
    );
    let analytics_cfg = AnalyticsConfig {
        leaks: Some(leaks),
        ..AnalyticsConfig::default()
    };
    let opts = HuntOptions {
        selection: Selection::default(),
        threads: 0,
        analytics: Some(analytics_cfg),
        iocs: None,
    };
    let outcome = firebreak_hunt::hunt_paths(
        &[dir.path().to_path_buf()],
        &IngestOptions::default(),
        &rules,
        &opts,
        &SilentProgress,
    );
    let signals: Vec<Signal> = outcome.detections.iter().map(|d| d.to_signal()).collect();
    let analytics = outcome.analytics.expect("analytics ran");
    let coverage = coverage(dir.path());
    let overview = overview(&coverage, signals.len() as u64);
    Run {
        dir,
        truth,
        signals,
        analytics,
        coverage,
        overview,
    }
}

/// Per host (events without one: per file, by its relative path): sources, period, count.
fn coverage(root: &Path) -> Vec<HostCoverage> {
    let mut by_host: BTreeMap<String, HostCoverage> = BTreeMap::new();
    for file in files(root) {
        let Some(events) = read_any(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        for ev in events {
            let host = ev.host.clone().unwrap_or_else(|| rel.clone());
            let c = by_host.entry(host.clone()).or_insert_with(|| HostCoverage {
                host,
                sources: Vec::new(),
                first: ev.timestamp,
                last: ev.timestamp,
                events: 0,
            });
            let kind = ev.source.as_str().to_string();
            if !c.sources.contains(&kind) {
                c.sources.push(kind);
            }
            c.first = c.first.min(ev.timestamp);
            c.last = c.last.max(ev.timestamp);
            c.events += 1;
        }
    }
    by_host.into_values().collect()
}

fn overview(coverage: &[HostCoverage], detections: u64) -> CaseOverview {
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    for c in coverage {
        for s in &c.sources {
            *sources.entry(s.clone()).or_default() += c.events;
        }
    }
    CaseOverview {
        name: "simulated".into(),
        evidence_files: 0,
        events: coverage.iter().map(|c| c.events).sum(),
        detections,
        sources: sources.into_iter().collect(),
        first_event: coverage.iter().map(|c| c.first).min(),
        last_event: coverage.iter().map(|c| c.last).max(),
        hosts: coverage.iter().map(|c| c.host.clone()).collect(),
    }
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "truth.json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read_any(path: &Path) -> Option<Vec<firebreak_event::Event>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    std::fs::File::open(path)
        .expect("open")
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .expect("read head");
    let format = firebreak_readers::sniff(&head)?;
    let mtime = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| Timestamp::from_micros(d.as_micros() as i64).ok());
    let ctx = ReadContext {
        options: ReadOptions::default(),
        file_mtime: mtime,
        ..ReadContext::new(path.display().to_string())
    };
    let mut sink = VecSink::default();
    let file = std::fs::File::open(path).expect("open");
    firebreak_readers::read(format, Box::new(file), &ctx, &mut sink).ok()?;
    Some(sink.events)
}

/// RFC 3339 of truth.json as a timestamp.
pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}
