//! Hunting evidence paths directly: each reader thread matches the events of the file
//! it reads as they come; nothing is stored. The analytics, when asked for, take the
//! events in batches under a lock; their event refs encode file and location.

use crate::detection::{Detection, Source};
use crate::engine::{Matchers, Worker};
use crate::{HuntOptions, HuntOutcome};
use firebreak_analytics::Analytics;
use firebreak_event::{Event, EventSink, Location, Rejected};
use firebreak_ingest::{FileRef, FileSinks, IngestOptions, Progress};
use firebreak_sigma::{RuleSet, Scratch};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

type Collected = (Vec<Detection>, Vec<(usize, Event, Source)>, u64);

struct Sinks<'m, 'a> {
    m: &'m Matchers<'a>,
    found: Mutex<Collected>,
    analytics: Option<Mutex<Analytics>>,
    /// File number → display path, for the analytics' refs.
    paths: Mutex<HashMap<u64, String>>,
    /// Scratch spaces of finished files, for the next files (one per reader thread
    /// in steady state).
    scratch: Mutex<Vec<Scratch>>,
}

struct Sink<'s, 'm, 'a> {
    sinks: &'s Sinks<'m, 'a>,
    worker: Worker<'m, 'a>,
    path: String,
    file: u64,
    batch: Vec<(i64, Event)>,
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

impl Sink<'_, '_, '_> {
    fn flush(&mut self) {
        let Some(a) = &self.sinks.analytics else {
            return;
        };
        let mut a = a.lock().unwrap_or_else(|p| p.into_inner());
        for (r, e) in self.batch.drain(..) {
            a.observe(r, &e);
        }
    }
}

impl EventSink for Sink<'_, '_, '_> {
    fn accept(&mut self, event: Event) {
        let path = &self.path;
        let location = event.provenance.location;
        self.worker.event(&event, || Source {
            path: path.clone(),
            location,
            evidence_id: None,
            event_ref: None,
        });
        if self.sinks.analytics.is_some() {
            self.batch.push((encode_ref(self.file, location), event));
            if self.batch.len() >= BATCH {
                self.flush();
            }
        }
    }
    fn record_done(&mut self) {}
    fn reject(&mut self, _rejected: Rejected) {}
}

impl<'s, 'm, 'a> FileSinks for &'s Sinks<'m, 'a> {
    type Sink = Sink<'s, 'm, 'a>;
    fn open(&self, file: &FileRef) -> Self::Sink {
        let path = file.meta.display_path.clone();
        if self.analytics.is_some() {
            let mut paths = self.paths.lock().unwrap_or_else(|p| p.into_inner());
            paths.insert(file.index, path.clone());
        }
        let scratch = self
            .scratch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        Sink {
            sinks: self,
            worker: Worker::with_scratch(self.m, scratch),
            path,
            file: file.index,
            batch: Vec::new(),
        }
    }
    fn close(&self, _file: &FileRef, mut sink: Self::Sink, _note: Option<String>) {
        sink.flush();
        let scratch = sink.worker.take_scratch();
        self.scratch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(scratch);
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.0.extend(sink.worker.found);
        found.1.extend(sink.worker.correlated);
        found.2 += sink.worker.events;
    }
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
    let started = Instant::now();
    let m = Matchers::new(rules, opts.iocs.as_ref(), &opts.selection);
    let sinks = Sinks {
        m: &m,
        found: Mutex::new((Vec::new(), Vec::new(), 0)),
        analytics: opts
            .analytics
            .clone()
            .map(|c| Mutex::new(Analytics::new(c))),
        paths: Mutex::new(HashMap::new()),
        scratch: Mutex::new(Vec::new()),
    };
    let report = firebreak_ingest::read_each(paths, read, progress, &&sinks);
    let files = sinks.paths.into_inner().unwrap_or_else(|p| p.into_inner());
    let (mut found, correlated, events) =
        sinks.found.into_inner().unwrap_or_else(|p| p.into_inner());
    let analytics = sinks
        .analytics
        .map(|a| a.into_inner().unwrap_or_else(|p| p.into_inner()).finish());
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
