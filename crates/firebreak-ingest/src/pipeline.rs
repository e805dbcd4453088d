use crate::report::{IngestReport, KindSummary, Progress};
use crate::IngestError;
use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use firebreak_case::{
    Case, CaseError, EvidenceInfo, EvidenceOutcome, EvidenceState, Lookup, Segment, SegmentBuilder,
};
use firebreak_event::{Event, EventSink, Rejected, Timestamp};
use firebreak_evidence::{
    ContainerKind, Decision, EvidenceData, EvidenceMeta, Problem, Visitor, WalkOptions,
};
use firebreak_readers::{ReadContext, ReadOptions};
use std::collections::HashSet;
use std::io::{Read, SeekFrom};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// How to ingest.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub read: ReadOptions,
    pub walk: WalkOptions,
}

/// One message from the reading side to the store.
enum Msg {
    Begin(EvidenceInfo),
    Items(Vec<Item>),
    End(EvidenceOutcome),
    Container(EvidenceInfo),
    PathSeen {
        sha256: String,
        path: String,
    },
    Problem {
        path: String,
        kind: &'static str,
        reason: String,
    },
}

enum Item {
    /// Events encoded and compressed for the store: that work runs on the reading
    /// thread, the single writer only appends the blob.
    Segment(Box<Segment>),
    /// This many records are complete.
    Done(u64),
    Reject(Rejected),
}

/// Messages of one file, in order. The writer drains lanes in the order the walk
/// found the files, so files are read in parallel but stored one after the other.
type Lane = Receiver<Msg>;

/// Messages a lane holds before its reader waits for the writer.
const LANE_DEPTH: usize = 4;

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn info_of(meta: &EvidenceMeta, format: Option<&str>) -> EvidenceInfo {
    EvidenceInfo {
        sha256: meta.sha256.clone(),
        display_path: meta.display_path.clone(),
        disk_path: meta.disk_path.to_string_lossy().into_owned(),
        member: meta.member.clone(),
        container_sha256: meta.container_sha256.clone(),
        size: meta.size,
        mtime: meta.mtime,
        format: format.map(str::to_string),
    }
}

fn container_name(kind: ContainerKind) -> &'static str {
    match kind {
        ContainerKind::Zip => "zip",
        ContainerKind::Tar => "tar",
        ContainerKind::Gzip => "gzip",
    }
}

/// Batches a reader's output into one lane and counts what it sees.
struct LaneSink<'a> {
    lane: &'a Sender<Msg>,
    progress: &'a dyn Progress,
    batch: Vec<Item>,
    segment: SegmentBuilder,
    records: u64,
    rejected: u64,
    events: u64,
    alive: bool,
    /// Time spent waiting for the writer to take a batch.
    waited: std::time::Duration,
}

const BATCH: usize = 2048;

impl LaneSink<'_> {
    fn push(&mut self, item: Item) {
        self.batch.push(item);
        if self.batch.len() >= BATCH {
            self.send();
        }
    }
    /// Send what is batched, with the events of an unfinished segment.
    fn flush(&mut self) {
        if !self.segment.is_empty() {
            self.batch
                .push(Item::Segment(Box::new(self.segment.finish())));
        }
        self.send();
    }
    fn send(&mut self) {
        if !self.batch.is_empty() && self.alive {
            let items = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            let t = Instant::now();
            self.alive = self.lane.send(Msg::Items(items)).is_ok();
            self.waited += t.elapsed();
        }
        self.batch.clear();
    }
    fn count_record(&mut self) {
        self.records += 1;
        if self.records.is_multiple_of(4096) {
            self.progress.records(4096);
        }
    }
}

impl EventSink for LaneSink<'_> {
    fn accept(&mut self, event: Event) {
        self.events += 1;
        self.segment.push(&event);
        if self.segment.is_full() {
            // A finished segment is the writer's unit of work: send it now.
            self.batch
                .push(Item::Segment(Box::new(self.segment.finish())));
            self.send();
        }
    }
    fn record_done(&mut self) {
        self.count_record();
        match self.batch.last_mut() {
            Some(Item::Done(n)) => *n += 1,
            _ => self.push(Item::Done(1)),
        }
    }
    fn reject(&mut self, rejected: Rejected) {
        self.count_record();
        self.rejected += 1;
        self.push(Item::Reject(rejected));
    }
}

/// A file to read, and the lane its messages go to.
struct Job {
    meta: EvidenceMeta,
    data: EvidenceData,
    lane: Sender<Msg>,
}

/// What the reader threads share.
struct Shared<'a> {
    opts: &'a IngestOptions,
    progress: &'a dyn Progress,
    report: Mutex<IngestReport>,
}

impl Shared<'_> {
    fn report(&self) -> std::sync::MutexGuard<'_, IngestReport> {
        self.report.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn reader_loop(jobs: Receiver<Job>, shared: &Shared<'_>) {
    for job in jobs {
        read_file(job, shared);
    }
}

fn read_file(job: Job, shared: &Shared<'_>) {
    let Job { meta, data, lane } = job;
    let started = Instant::now();
    shared.progress.file_started(&meta.display_path, meta.size);
    let mut reader = data.into_reader();
    let head = match read_head(&mut reader) {
        Ok(h) => h,
        Err(e) => return unrecognised(&meta, &lane, format!("cannot read: {e}"), shared),
    };
    let Some(format) = firebreak_readers::sniff(&head) else {
        let reason = if head.is_empty() {
            "empty file"
        } else {
            "not a format Firebreak reads (binary or unknown text)"
        };
        return unrecognised(&meta, &lane, reason.to_string(), shared);
    };
    let _ = lane.send(Msg::Begin(info_of(&meta, Some(format.name()))));
    let ctx = ReadContext {
        options: shared.opts.read.clone(),
        display_name: meta.display_path.clone(),
        file_mtime: meta.mtime.and_then(|s| Timestamp::from_secs(s).ok()),
    };
    let mut sink = LaneSink {
        lane: &lane,
        progress: shared.progress,
        batch: Vec::with_capacity(BATCH),
        segment: SegmentBuilder::new(),
        records: 0,
        rejected: 0,
        events: 0,
        alive: true,
        waited: std::time::Duration::ZERO,
    };
    let result = firebreak_readers::read(format, Box::new(reader), &ctx, &mut sink);
    sink.flush();
    shared.progress.records(sink.records % 4096);
    let counts = (sink.records, sink.rejected, sink.events);
    let busy = started.elapsed().saturating_sub(sink.waited);
    let note = result.err().map(|e| e.to_string());
    let _ = lane.send(Msg::End(EvidenceOutcome::Complete { note: note.clone() }));
    let mut report = shared.report();
    if let Some(n) = note {
        report.partial.push((meta.display_path.clone(), n));
    }
    let s: &mut KindSummary = report.per_format.entry(format.name()).or_default();
    s.files += 1;
    s.records += counts.0;
    s.rejected += counts.1;
    s.events += counts.2;
    s.bytes += meta.size;
    s.time += busy;
    drop(report);
    shared.progress.file_done(meta.size);
}

fn unrecognised(meta: &EvidenceMeta, lane: &Sender<Msg>, reason: String, shared: &Shared<'_>) {
    shared
        .report()
        .unrecognised
        .push((meta.display_path.clone(), reason.clone()));
    let _ = lane.send(Msg::Begin(info_of(meta, None)));
    let _ = lane.send(Msg::End(EvidenceOutcome::Unrecognised { reason }));
    shared.progress.file_done(meta.size);
}

pub(crate) fn read_head(r: &mut dyn firebreak_evidence::ReadSeekSend) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(firebreak_readers::SNIFF_LEN);
    r.take(firebreak_readers::SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    r.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// Walks the evidence on the calling thread and hands files to the readers.
struct IngestVisitor<'a> {
    order: Sender<Lane>,
    jobs: Sender<Job>,
    lookup: Lookup,
    shared: &'a Shared<'a>,
    this_run: HashSet<String>,
    alive: bool,
}

impl IngestVisitor<'_> {
    fn is_known(&self, sha256: &str) -> bool {
        matches!(
            self.lookup.evidence_state(sha256),
            Ok(Some(
                EvidenceState::Complete | EvidenceState::Container | EvidenceState::Unrecognised
            ))
        )
    }

    fn already_have(&mut self, meta: &EvidenceMeta) -> bool {
        if self.this_run.contains(&meta.sha256) || self.is_known(&meta.sha256) {
            self.shared.report().already_known += 1;
            self.send(Msg::PathSeen {
                sha256: meta.sha256.clone(),
                path: meta.display_path.clone(),
            });
            return true;
        }
        false
    }

    /// A lane of its own for a message that belongs to no file being read.
    fn send(&mut self, msg: Msg) {
        let (tx, rx) = bounded(1);
        let _ = tx.send(msg);
        self.alive = self.alive && self.order.send(rx).is_ok();
    }

    fn decide(&mut self, meta: &EvidenceMeta) -> Decision {
        if !self.alive || self.already_have(meta) {
            Decision::Skip
        } else {
            Decision::Open
        }
    }
}

impl Visitor for IngestVisitor<'_> {
    fn container(&mut self, meta: &EvidenceMeta, _kind: ContainerKind) -> Decision {
        self.decide(meta)
    }

    fn container_done(&mut self, meta: &EvidenceMeta, kind: ContainerKind) {
        self.this_run.insert(meta.sha256.clone());
        self.send(Msg::Container(info_of(meta, Some(container_name(kind)))));
    }

    fn seen(&mut self, meta: &EvidenceMeta) -> Decision {
        self.decide(meta)
    }

    fn file(&mut self, meta: EvidenceMeta, data: EvidenceData) {
        self.this_run.insert(meta.sha256.clone());
        let (lane, rx) = bounded(LANE_DEPTH);
        self.alive = self.alive
            && self.order.send(rx).is_ok()
            && self.jobs.send(Job { meta, data, lane }).is_ok();
    }

    fn problem(&mut self, problem: Problem) {
        let kind = match &problem {
            Problem::Io { .. } => "io",
            Problem::Walk { .. } => "walk",
            Problem::Refused { .. } => "refused",
            Problem::Archive { .. } => "archive",
        };
        let path = problem.path().to_string();
        let reason = problem.to_string();
        self.shared
            .report()
            .problems
            .push((path.clone(), reason.clone()));
        self.send(Msg::Problem { path, kind, reason });
    }
}

fn write_loop(case: &mut Case, lanes: Receiver<Lane>) -> Result<(), CaseError> {
    let mut w = case.writer()?;
    for lane in lanes {
        for msg in lane {
            apply(&mut w, msg)?;
        }
    }
    w.finish()
}

fn apply(w: &mut firebreak_case::Writer<'_>, msg: Msg) -> Result<(), CaseError> {
    match msg {
        Msg::Begin(info) => {
            w.begin_evidence(&info, now_micros())?;
        }
        Msg::Items(items) => {
            for item in items {
                match item {
                    Item::Segment(seg) => w.segment(&seg)?,
                    Item::Done(n) => w.records_done(n),
                    Item::Reject(r) => w.reject(&r)?,
                }
            }
        }
        Msg::End(outcome) => {
            w.end_evidence(&outcome, now_micros())?;
            w.commit()?;
        }
        Msg::Container(info) => w.add_container(&info, now_micros())?,
        Msg::PathSeen { sha256, path } => w.path_seen(&sha256, &path, now_micros())?,
        Msg::Problem { path, kind, reason } => w.problem(&path, kind, &reason, now_micros())?,
    }
    Ok(())
}

/// Threads that parse files: the machine's cores, at most 4 (EVTX parsing is
/// parallel inside a file already).
pub(crate) fn reader_threads(opts: &IngestOptions) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let wanted = if opts.read.threads == 0 {
        cores
    } else {
        opts.read.threads
    };
    wanted.clamp(1, 4)
}

/// Ingest `paths` into `case`. Files already in the case are not read again.
pub fn ingest(
    case: &mut Case,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport, IngestError> {
    let mut opts = opts.clone();
    if opts.walk.spool_dir.is_none() {
        opts.walk.spool_dir = case.spool_dir();
    }
    let started = Instant::now();
    let lookup = case.lookup()?;
    let shared = Shared {
        opts: &opts,
        progress,
        report: Mutex::new(IngestReport::default()),
    };
    let (order_tx, order_rx) = unbounded::<Lane>();
    let (job_tx, job_rx) = bounded::<Job>(0);
    let written = std::thread::scope(|s| {
        let writer = s.spawn(|| write_loop(case, order_rx));
        for _ in 0..reader_threads(&opts) {
            let jobs = job_rx.clone();
            let shared = &shared;
            s.spawn(move || reader_loop(jobs, shared));
        }
        drop(job_rx);
        let mut v = IngestVisitor {
            order: order_tx,
            jobs: job_tx,
            lookup,
            shared: &shared,
            this_run: HashSet::new(),
            alive: true,
        };
        firebreak_evidence::walk(paths, &opts.walk, &mut v);
        drop(v); // closes the job and lane queues: readers and then the writer finish
        writer.join().unwrap_or(Err(CaseError::Corrupt {
            path: PathBuf::new(),
            table: "events",
            reason: "case writer panicked".into(),
        }))
    });
    if let Some(spool) = opts.walk.spool_dir.as_ref() {
        let _ = std::fs::remove_dir(spool);
    }
    written?;
    let mut report = shared
        .report
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    report.elapsed = started.elapsed();
    Ok(report)
}
