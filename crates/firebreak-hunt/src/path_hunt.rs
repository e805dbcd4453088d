//! Hunting evidence paths directly: the reader threads hand each file's events in
//! batches to matching threads (one per core), so parsing and matching overlap;
//! nothing is stored. The analytics, when asked for, take each batch under a lock
//! after it was matched; their event refs encode file and location.

use crate::detection::{Detection, Source};
use crate::engine::{Matchers, Worker};
use crate::{HuntOptions, HuntOutcome};
use crossbeam_channel::{bounded, Receiver, Sender};
use firebreak_analytics::Analytics;
use firebreak_event::{Event, EventSink, Location, Rejected};
use firebreak_ingest::{FileRef, FileSinks, IngestOptions, Progress};
use firebreak_sigma::RuleSet;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// A run of one file's events, handed from a reader thread to the matching threads.
struct Batch {
    path: Arc<str>,
    file: u64,
    events: Vec<Event>,
}

/// What each matching thread found.
type Collected = (Vec<Detection>, Vec<(usize, Event, Source)>, u64);

struct Sinks<'a> {
    tx: Sender<Batch>,
    analytics: Option<&'a Mutex<Analytics>>,
    /// File number → display path, for the analytics' refs.
    paths: Mutex<HashMap<u64, String>>,
}

struct Sink<'s, 'a> {
    sinks: &'s Sinks<'a>,
    batch: Batch,
}

const BATCH: usize = 1024;
const VALUE_BITS: u32 = 40;
const KIND_BITS: u32 = 2;

/// An analytics ref: file number, location kind and value in one i64.
fn encode_ref(file: u64, loc: Location) -> i64 {
    let kind = match loc {
        Location::Record(_) => 0,
        Location::Line(_) => 1,
        Location::Offset(_) => 2,
    };
    let value = loc.value() & ((1 << VALUE_BITS) - 1);
    ((file << (VALUE_BITS + KIND_BITS)) | (kind << VALUE_BITS) | value) as i64
}

fn decode_ref(r: i64) -> (u64, Location) {
    let r = r as u64;
    let value = r & ((1 << VALUE_BITS) - 1);
    let loc = match (r >> VALUE_BITS) & 3 {
        0 => Location::Record(value),
        1 => Location::Line(value),
        _ => Location::Offset(value),
    };
    (r >> (VALUE_BITS + KIND_BITS), loc)
}

impl Sink<'_, '_> {
    fn send(&mut self) {
        if self.batch.events.is_empty() {
            return;
        }
        let events = std::mem::replace(&mut self.batch.events, Vec::with_capacity(BATCH));
        let _ = self.sinks.tx.send(Batch {
            path: self.batch.path.clone(),
            file: self.batch.file,
            events,
        });
    }
}

impl EventSink for Sink<'_, '_> {
    fn accept(&mut self, event: Event) {
        self.batch.events.push(event);
        if self.batch.events.len() >= BATCH {
            self.send();
        }
    }
    fn record_done(&mut self) {}
    fn reject(&mut self, _rejected: Rejected) {}
}

impl<'s, 'a> FileSinks for &'s Sinks<'a> {
    type Sink = Sink<'s, 'a>;
    fn open(&self, file: &FileRef) -> Self::Sink {
        let path = file.meta.display_path.clone();
        if self.analytics.is_some() {
            let mut paths = self.paths.lock().unwrap_or_else(|p| p.into_inner());
            paths.insert(file.index, path.clone());
        }
        Sink {
            sinks: self,
            batch: Batch {
                path: path.into(),
                file: file.index,
                events: Vec::with_capacity(BATCH),
            },
        }
    }
    fn close(&self, _file: &FileRef, mut sink: Self::Sink, _note: Option<String>) {
        sink.send();
    }
}

/// One matching thread: every batch through the matchers, then to the analytics.
fn work(rx: Receiver<Batch>, m: &Matchers<'_>, analytics: Option<&Mutex<Analytics>>) -> Collected {
    let mut w = Worker::new(m);
    for batch in rx {
        for e in &batch.events {
            let location = e.provenance.location;
            w.event(e, || Source {
                path: batch.path.to_string(),
                location,
                evidence_id: None,
                event_ref: None,
            });
        }
        if let Some(a) = analytics {
            let mut a = a.lock().unwrap_or_else(|p| p.into_inner());
            for e in &batch.events {
                a.observe(encode_ref(batch.file, e.provenance.location), e);
            }
        }
    }
    (w.found, w.correlated, w.events)
}

/// Run `rules` (and the analytics, if configured) over the evidence under `paths`
/// (read as `ingest` would read it, on the reader threads, without a case). What could
/// not be read is in the outcome's `read` report.
pub fn hunt_paths(
    paths: &[PathBuf],
    read: &IngestOptions,
    rules: &RuleSet,
    opts: &HuntOptions,
    progress: &dyn Progress,
) -> HuntOutcome {
    run(paths, read, RuleSource::Ready(rules), opts, progress)
}

/// [`hunt_paths`] with the rules made by `load` on a thread of their own while the
/// first files are walked, hashed and parsed (loading thousands of rules takes a
/// noticeable part of a hunt); matching starts once they are ready. Returns the rules
/// with the outcome.
pub fn hunt_paths_loading<F>(
    paths: &[PathBuf],
    read: &IngestOptions,
    load: F,
    opts: &HuntOptions,
    progress: &dyn Progress,
) -> (HuntOutcome, RuleSet)
where
    F: FnOnce() -> RuleSet + Send,
{
    let owned = OnceLock::new();
    let outcome = run(
        paths,
        read,
        RuleSource::Later(&owned, Box::new(load)),
        opts,
        progress,
    );
    (outcome, owned.into_inner().unwrap_or_default())
}

/// Where a path hunt's rules come from.
enum RuleSource<'r> {
    Ready(&'r RuleSet),
    Later(
        &'r OnceLock<RuleSet>,
        Box<dyn FnOnce() -> RuleSet + Send + 'r>,
    ),
}

/// Batches queued for the matching threads, per thread: room for what the readers
/// parse while the rules load, bounded all the same.
const QUEUED_PER_THREAD: usize = 16;

fn run(
    paths: &[PathBuf],
    read: &IngestOptions,
    source: RuleSource<'_>,
    opts: &HuntOptions,
    progress: &dyn Progress,
) -> HuntOutcome {
    let started = Instant::now();
    let matchers: OnceLock<Matchers<'_>> = OnceLock::new();
    let analytics = opts
        .analytics
        .clone()
        .map(|c| Mutex::new(Analytics::new(c)));
    let threads = crate::threads(opts.threads);
    let (tx, rx) = bounded::<Batch>(threads * QUEUED_PER_THREAD);
    let sinks = Sinks {
        tx,
        analytics: analytics.as_ref(),
        paths: Mutex::new(HashMap::new()),
    };
    let ready = |r| {
        let _ = matchers.set(Matchers::new(r, opts.iocs.as_ref(), &opts.selection));
    };
    let (report, results, files) = std::thread::scope(|s| {
        match source {
            RuleSource::Ready(r) => ready(r),
            RuleSource::Later(owned, load) => {
                s.spawn(move || ready(owned.get_or_init(|| load_or_empty(load))));
            }
        }
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (rx, m, a) = (rx.clone(), &matchers, analytics.as_ref());
                s.spawn(move || work(rx, m.wait(), a))
            })
            .collect();
        drop(rx);
        let report = firebreak_ingest::read_each(paths, read, progress, &&sinks);
        let Sinks { tx, paths, .. } = sinks;
        drop(tx); // the matching threads finish the queue and stop
        let results: Vec<Collected> = workers.into_iter().filter_map(|h| h.join().ok()).collect();
        (report, results, paths)
    });
    let files = files.into_inner().unwrap_or_else(|p| p.into_inner());
    let (mut found, mut correlated, mut events) = (Vec::new(), Vec::new(), 0);
    for (f, c, n) in results {
        found.extend(f);
        correlated.extend(c);
        events += n;
    }
    let analytics = analytics.map(|a| a.into_inner().unwrap_or_else(|p| p.into_inner()).finish());
    if let Some(a) = &analytics {
        let source_of = |r: i64| {
            let (file, location) = decode_ref(r);
            Some(Source {
                path: files.get(&file)?.clone(),
                location,
                evidence_id: None,
                event_ref: None,
            })
        };
        found.extend(crate::analytic::detections(a, &opts.selection, &source_of));
    }
    let empty = RuleSet::default();
    let rules = matchers.get().map_or(&empty, |m| m.rules);
    let (detections, warnings) = crate::finish(rules, &opts.selection, found, correlated);
    HuntOutcome {
        detections,
        events,
        elapsed: started.elapsed(),
        read: Some(report),
        warnings,
        analytics,
    }
}

/// The loaded rules; none if loading panicked, so the matching threads waiting for
/// them are never left waiting.
fn load_or_empty(load: Box<dyn FnOnce() -> RuleSet + Send + '_>) -> RuleSet {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_round_trip() {
        for loc in [
            Location::Record(1),
            Location::Line(123_456),
            Location::Offset((1 << 40) - 1),
        ] {
            assert_eq!(decode_ref(encode_ref(77_000, loc)), (77_000, loc));
        }
    }
}
