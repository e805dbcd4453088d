//! Hunting a stored case: events are read back in storage order (no re-parsing) and
//! matched on all cores; the analytics, when asked for, see every event on a thread
//! of their own.

use crate::detection::{Detection, Source};
use crate::engine::{Matchers, Worker};
use crate::{HuntError, HuntOptions, HuntOutcome};
use crossbeam_channel::{bounded, Receiver, Sender};
use firebreak_analytics::{Analytics, Report};
use firebreak_case::{Case, StoredEvent};
use firebreak_event::Event;
use firebreak_sigma::RuleSet;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

const BATCH: usize = 1024;

type Batch = Arc<Vec<StoredEvent>>;
type WorkerResult = (Vec<Detection>, Vec<(usize, Event, Source)>, u64);

/// Run `rules` (and the analytics, if configured) over every event of `case`.
/// Detections are returned, not stored: see [`crate::store`].
pub fn hunt_case(
    case: &Case,
    rules: &RuleSet,
    opts: &HuntOptions,
) -> Result<HuntOutcome, HuntError> {
    let started = Instant::now();
    let evidence = case.evidence()?;
    let inferred = crate::infer::hostless_evidence(case, &evidence)?;
    let paths: HashMap<i64, String> = evidence
        .into_iter()
        .map(|e| (e.id, e.info.display_path))
        .collect();
    let m = Matchers::new(rules, opts.iocs.as_ref(), &opts.selection);
    let threads = crate::threads(opts.threads);
    let (tx, rx) = bounded::<Batch>(threads * 2);
    let (atx, arx) = bounded::<Batch>(4);
    let (scanned, results, report) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (rx, m, paths) = (rx.clone(), &m, &paths);
                s.spawn(move || work(rx, m, paths))
            })
            .collect();
        drop(rx);
        let analytics = opts.analytics.clone().map(|cfg| {
            let arx = arx.clone();
            s.spawn(move || analyse(arx, Analytics::new(cfg)))
        });
        drop(arx);
        let to_analytics = analytics.as_ref().map(|_| &atx);
        let scanned = scan(case, &inferred, &tx, to_analytics);
        drop((tx, atx));
        let results: Vec<_> = workers.into_iter().filter_map(|h| h.join().ok()).collect();
        let report = analytics.and_then(|h| h.join().ok());
        (scanned, results, report)
    });
    scanned?;
    let (mut found, mut correlated) = (Vec::new(), Vec::new());
    let mut events = 0;
    for (f, c, n) in results {
        found.extend(f);
        correlated.extend(c);
        events += n;
    }
    if let Some(report) = &report {
        found.extend(analytic_detections(case, report, opts, &paths)?);
    }
    let (detections, warnings) = crate::finish(rules, &opts.selection, found, correlated);
    Ok(HuntOutcome {
        detections,
        events,
        elapsed: started.elapsed(),
        read: None,
        warnings,
        analytics: report,
    })
}

fn work(rx: Receiver<Batch>, m: &Matchers<'_>, paths: &HashMap<i64, String>) -> WorkerResult {
    let mut w = Worker::new(m);
    for batch in rx {
        for e in batch.iter() {
            w.event(&e.event, || source_of(e, paths));
        }
    }
    (w.found, w.correlated, w.events)
}

fn analyse(rx: Receiver<Batch>, mut a: Analytics) -> Report {
    for batch in rx {
        for e in batch.iter() {
            a.observe(e.id, &e.event);
        }
    }
    a.finish()
}

/// The analytics' findings with the provenance of the events they rest on.
fn analytic_detections(
    case: &Case,
    report: &Report,
    opts: &HuntOptions,
    paths: &HashMap<i64, String>,
) -> Result<Vec<Detection>, HuntError> {
    let refs: Vec<i64> = report
        .findings
        .iter()
        .chain(&report.exfiltration.findings)
        .flat_map(|f| f.event_refs.iter().copied())
        .collect();
    let sources: HashMap<i64, Source> = case
        .events_by_id(&refs)?
        .iter()
        .map(|e| (e.id, source_of(e, paths)))
        .collect();
    Ok(crate::analytic::detections(report, &opts.selection, &|r| {
        sources.get(&r).cloned()
    }))
}

fn source_of(e: &StoredEvent, paths: &HashMap<i64, String>) -> Source {
    let id = e.event.provenance.evidence_id;
    Source {
        path: paths.get(&id).cloned().unwrap_or_default(),
        location: e.event.provenance.location,
        evidence_id: Some(id),
        event_ref: Some(e.id),
    }
}

/// Reads the case into batches for the workers (and the analytics).
fn scan(
    case: &Case,
    inferred: &HashMap<i64, String>,
    tx: &Sender<Batch>,
    analytics: Option<&Sender<Batch>>,
) -> Result<(), firebreak_case::CaseError> {
    let mut batch = Vec::with_capacity(BATCH);
    let send = |batch: Vec<StoredEvent>| {
        let batch = Arc::new(batch);
        let a_ok = analytics.is_none_or(|a| a.send(batch.clone()).is_ok());
        tx.send(batch).is_ok() && a_ok
    };
    case.scan_each(&[], &mut |mut e| {
        if e.event.host.is_none() {
            e.event.host = inferred.get(&e.event.provenance.evidence_id).cloned();
        }
        batch.push(e);
        batch.len() < BATCH || send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
    })?;
    if !batch.is_empty() {
        send(batch);
    }
    Ok(())
}
