//! Reading evidence without a case: the same walk, sniffing and parallel readers as
//! [`crate::ingest`], but each file's events go to a sink the caller makes for it
//! (hunting paths directly, quick looks that need no store).

use crate::ahead::{Ahead, FILES_AHEAD_PER_READER};
use crate::pipeline::{read_head, reader_threads};
use crate::report::{IngestReport, KindSummary, Progress};
use crate::IngestOptions;
use crossbeam_channel::{bounded, Receiver, Sender};
use firebreak_event::{EventSink, Timestamp};
use firebreak_evidence::{ContainerKind, Decision, EvidenceData, EvidenceMeta, Problem, Visitor};
use firebreak_readers::ReadContext;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// A file about to be read.
#[derive(Debug, Clone)]
pub struct FileRef {
    /// Order in which the walk found the file (0-based): a stable file number.
    pub index: u64,
    pub meta: EvidenceMeta,
    /// The reader chosen by content.
    pub format: &'static str,
}

/// Makes the sink for each file and takes it back when the file is read. Called from
/// several reader threads at once.
pub trait FileSinks: Sync {
    type Sink: EventSink;
    fn open(&self, file: &FileRef) -> Self::Sink;
    /// `note` says why reading stopped early, when it did.
    fn close(&self, file: &FileRef, sink: Self::Sink, note: Option<String>);
}

struct Job {
    index: u64,
    meta: EvidenceMeta,
    data: EvidenceData,
    /// In-memory bytes it holds in `Shared::ahead`.
    held: u64,
}

struct Shared<'a, S> {
    opts: &'a IngestOptions,
    progress: &'a dyn Progress,
    sinks: &'a S,
    report: Mutex<IngestReport>,
    ahead: Ahead,
}

impl<S> Shared<'_, S> {
    fn report(&self) -> std::sync::MutexGuard<'_, IngestReport> {
        self.report.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Counts a file's records on the way to the caller's sink.
struct Counting<'a, K> {
    inner: &'a mut K,
    records: u64,
    rejected: u64,
    events: u64,
}

impl<K: EventSink> EventSink for Counting<'_, K> {
    fn accept(&mut self, event: firebreak_event::Event) {
        self.events += 1;
        self.inner.accept(event);
    }
    fn record_done(&mut self) {
        self.records += 1;
        self.inner.record_done();
    }
    fn reject(&mut self, r: firebreak_event::Rejected) {
        self.records += 1;
        self.rejected += 1;
        self.inner.reject(r);
    }
}

fn read_job<S: FileSinks>(job: Job, shared: &Shared<'_, S>) {
    let started = Instant::now();
    shared
        .progress
        .file_started(&job.meta.display_path, job.meta.size);
    let mut reader = job.data.into_reader();
    let format = match read_head(&mut reader) {
        Ok(head) => firebreak_readers::sniff(&head).ok_or(if head.is_empty() {
            "empty file".to_string()
        } else {
            "not a format Firebreak reads (binary or unknown text)".to_string()
        }),
        Err(e) => Err(format!("cannot read: {e}")),
    };
    let format = match format {
        Ok(f) => f,
        Err(reason) => {
            let path = job.meta.display_path.clone();
            shared.report().unrecognised.push((path, reason));
            return shared.progress.file_done(job.meta.size);
        }
    };
    let file = FileRef {
        index: job.index,
        meta: job.meta,
        format: format.name(),
    };
    let ctx = ReadContext {
        options: shared.opts.read.clone(),
        display_name: file.meta.display_path.clone(),
        file_mtime: file.meta.mtime.and_then(|s| Timestamp::from_secs(s).ok()),
        lines_before: 0,
    };
    let mut sink = shared.sinks.open(&file);
    let mut counting = Counting {
        inner: &mut sink,
        records: 0,
        rejected: 0,
        events: 0,
    };
    let result = firebreak_readers::read(format, Box::new(reader), &ctx, &mut counting);
    let (records, rejected, events) = (counting.records, counting.rejected, counting.events);
    shared.progress.records(records);
    let note = result.err().map(|e| e.to_string());
    {
        let mut report = shared.report();
        if let Some(n) = &note {
            report
                .partial
                .push((file.meta.display_path.clone(), n.clone()));
        }
        let s: &mut KindSummary = report.per_format.entry(format.name()).or_default();
        s.files += 1;
        s.records += records;
        s.rejected += rejected;
        s.events += events;
        s.bytes += file.meta.size;
        s.time += started.elapsed();
    }
    shared.progress.file_done(file.meta.size);
    shared.sinks.close(&file, sink, note);
}

struct StreamVisitor<'a, S> {
    jobs: Sender<Job>,
    shared: &'a Shared<'a, S>,
    seen: HashSet<String>,
    next: u64,
}

impl<S> StreamVisitor<'_, S> {
    fn decide(&mut self, meta: &EvidenceMeta) -> Decision {
        if self.seen.insert(meta.sha256.clone()) {
            Decision::Open
        } else {
            self.shared.report().already_known += 1;
            Decision::Skip
        }
    }
}

impl<S> Visitor for StreamVisitor<'_, S> {
    fn container(&mut self, meta: &EvidenceMeta, _kind: ContainerKind) -> Decision {
        self.decide(meta)
    }
    fn container_done(&mut self, _meta: &EvidenceMeta, _kind: ContainerKind) {}
    fn seen(&mut self, meta: &EvidenceMeta) -> Decision {
        self.decide(meta)
    }
    fn file(&mut self, meta: EvidenceMeta, data: EvidenceData) {
        let index = self.next;
        self.next += 1;
        let held = self.shared.ahead.hold(&data);
        let job = Job {
            index,
            meta,
            data,
            held,
        };
        let _ = self.jobs.send(job);
    }
    fn problem(&mut self, problem: Problem) {
        let path = problem.path().to_string();
        self.shared
            .report()
            .problems
            .push((path, problem.to_string()));
    }
}

fn reader_loop<S: FileSinks>(jobs: Receiver<Job>, shared: &Shared<'_, S>) {
    for job in jobs {
        shared.ahead.release(job.held);
        read_job(job, shared);
    }
}

/// Read every file under `paths` (folders and archives recursed, the same content
/// read once) on the reader threads, each file into the sink `sinks` makes for it.
/// Nothing is written anywhere: archive members too large to hold in memory are
/// refused unless `opts.walk.spool_dir` names a folder.
pub fn read_each<S: FileSinks>(
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
    sinks: &S,
) -> IngestReport {
    let started = Instant::now();
    let shared = Shared {
        opts,
        progress,
        sinks,
        report: Mutex::new(IngestReport::default()),
        ahead: Ahead::default(),
    };
    let threads = reader_threads(opts);
    let (job_tx, job_rx) = bounded::<Job>(threads * FILES_AHEAD_PER_READER);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let jobs = job_rx.clone();
            let shared = &shared;
            s.spawn(move || reader_loop(jobs, shared));
        }
        drop(job_rx);
        let mut v = StreamVisitor {
            jobs: job_tx,
            shared: &shared,
            seen: HashSet::new(),
            next: 0,
        };
        firebreak_evidence::walk(paths, &opts.walk, &mut v);
    });
    let mut report = shared
        .report
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    report.elapsed = started.elapsed();
    report
}
