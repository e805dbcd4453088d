use crate::ahead::{Ahead, FILES_AHEAD_PER_READER};
use crate::parts::{self, PartPlan, RangeReader};
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
use firebreak_readers::{Format, ReadContext, ReadOptions};
use std::collections::HashSet;
use std::io::{Read, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to ingest.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub read: ReadOptions,
    pub walk: WalkOptions,
    /// A file in a line-per-record format (`Format::splits_at_lines`) at least twice
    /// this size is read in parts of about this size on all reader threads. `None`:
    /// [`PART_BYTES`]; `Some(u64::MAX)`: never split.
    pub part_bytes: Option<u64>,
}

/// Default part size for reading a large line-based file on several threads.
pub const PART_BYTES: u64 = 32 << 20;

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
/// The same for a part of a split file: deep enough that a reader ahead of the writer
/// (reading part k+1 while part k is stored) does not wait; a part is a few dozen
/// segments.
const PART_LANE_DEPTH: usize = 64;

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
    waited: Duration,
    /// Compress segments here rather than on the writer: set for the parts of a split
    /// file, where several readers would otherwise leave the writer the slowest.
    compress: bool,
}

const BATCH: usize = 2048;

impl<'a> LaneSink<'a> {
    fn new(lane: &'a Sender<Msg>, progress: &'a dyn Progress) -> LaneSink<'a> {
        LaneSink {
            lane,
            progress,
            batch: Vec::with_capacity(BATCH),
            segment: SegmentBuilder::new(),
            records: 0,
            rejected: 0,
            events: 0,
            alive: true,
            waited: Duration::ZERO,
            compress: false,
        }
    }

    fn push(&mut self, item: Item) {
        self.batch.push(item);
        if self.batch.len() >= BATCH {
            self.send();
        }
    }
    /// Send what is batched, with the events of an unfinished segment.
    fn flush(&mut self) {
        if !self.segment.is_empty() {
            let segment = self.finish_segment();
            self.batch.push(Item::Segment(segment));
        }
        self.send();
    }
    fn finish_segment(&mut self) -> Box<Segment> {
        let mut segment = Box::new(self.segment.finish());
        if self.compress {
            segment.compress_here();
        }
        segment
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
            let segment = self.finish_segment();
            self.batch.push(Item::Segment(segment));
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

/// Work for a reader thread.
enum Job {
    /// A whole file, and the lane its messages go to.
    File {
        meta: EvidenceMeta,
        data: EvidenceData,
        lane: Sender<Msg>,
        /// In-memory bytes it holds in `Shared::ahead`.
        held: u64,
    },
    /// One part of a file read in parts.
    Part(Part),
}

/// A file read in parts on several threads.
struct SplitFile {
    meta: EvidenceMeta,
    file: Arc<std::fs::File>,
    format: Format,
    parts: usize,
    done: Mutex<PartsDone>,
}

/// What the finished parts of a split file add up to. The last part to finish sends
/// the file's end on `end_lane`, which the writer drains after every part's lane.
struct PartsDone {
    parts: usize,
    records: u64,
    rejected: u64,
    events: u64,
    busy: Duration,
    notes: Vec<String>,
    end_lane: Option<Sender<Msg>>,
}

struct Part {
    file: Arc<SplitFile>,
    index: usize,
    plan: PartPlan,
    lane: Sender<Msg>,
}

/// What the reader threads share.
struct Shared<'a> {
    opts: &'a IngestOptions,
    progress: &'a dyn Progress,
    report: Mutex<IngestReport>,
    ahead: Ahead,
}

impl Shared<'_> {
    fn report(&self) -> std::sync::MutexGuard<'_, IngestReport> {
        self.report.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn reader_loop(jobs: Receiver<Job>, shared: &Shared<'_>) {
    for job in jobs {
        match job {
            Job::File {
                meta,
                data,
                lane,
                held,
            } => {
                shared.ahead.release(held);
                read_file(meta, data, lane, shared)
            }
            Job::Part(part) => read_part(part, shared),
        }
    }
}

fn read_file(meta: EvidenceMeta, data: EvidenceData, lane: Sender<Msg>, shared: &Shared<'_>) {
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
    let ctx = context(&meta, shared, 0);
    let mut sink = LaneSink::new(&lane, shared.progress);
    let result = firebreak_readers::read(format, Box::new(reader), &ctx, &mut sink);
    sink.flush();
    shared.progress.records(sink.records % 4096);
    let counts = (sink.records, sink.rejected, sink.events);
    let busy = started.elapsed().saturating_sub(sink.waited);
    let note = result.err().map(|e| e.to_string());
    let _ = lane.send(Msg::End(EvidenceOutcome::Complete { note: note.clone() }));
    file_read(&meta, format, counts, busy, note, shared);
}

fn context(meta: &EvidenceMeta, shared: &Shared<'_>, lines_before: u64) -> ReadContext {
    ReadContext {
        options: shared.opts.read.clone(),
        display_name: meta.display_path.clone(),
        file_mtime: meta.mtime.and_then(|s| Timestamp::from_secs(s).ok()),
        lines_before,
    }
}

/// Account for a file read to the end: the per-format report and the progress.
fn file_read(
    meta: &EvidenceMeta,
    format: Format,
    (records, rejected, events): (u64, u64, u64),
    busy: Duration,
    note: Option<String>,
    shared: &Shared<'_>,
) {
    let mut report = shared.report();
    if let Some(n) = note {
        report.partial.push((meta.display_path.clone(), n));
    }
    let s: &mut KindSummary = report.per_format.entry(format.name()).or_default();
    s.files += 1;
    s.records += records;
    s.rejected += rejected;
    s.events += events;
    s.bytes += meta.size;
    s.time += busy;
    drop(report);
    shared.progress.file_done(meta.size);
}

/// Read one part of a split file into its own lane; the first part begins the
/// evidence, the last to finish ends it.
fn read_part(part: Part, shared: &Shared<'_>) {
    let Part {
        file,
        index,
        plan,
        lane,
    } = part;
    let started = Instant::now();
    if index == 0 {
        shared
            .progress
            .file_started(&file.meta.display_path, file.meta.size);
        let _ = lane.send(Msg::Begin(info_of(&file.meta, Some(file.format.name()))));
    }
    let ctx = context(&file.meta, shared, plan.lines_before);
    let input = RangeReader::new(file.file.clone(), plan.start, plan.end);
    let mut sink = LaneSink::new(&lane, shared.progress);
    sink.compress = true;
    let result = firebreak_readers::read(file.format, Box::new(input), &ctx, &mut sink);
    sink.flush();
    shared.progress.records(sink.records % 4096);
    let busy = started.elapsed().saturating_sub(sink.waited);
    let (records, rejected, events) = (sink.records, sink.rejected, sink.events);
    drop(sink);
    drop(lane); // the writer moves on from this part's lane
    let mut done = file.done.lock().unwrap_or_else(|p| p.into_inner());
    done.parts += 1;
    done.records += records;
    done.rejected += rejected;
    done.events += events;
    done.busy += busy;
    if let Err(e) = result {
        done.notes
            .push(format!("part after line {}: {e}", plan.lines_before));
    }
    if done.parts < file.parts {
        return;
    }
    let note = (!done.notes.is_empty()).then(|| done.notes.join("; "));
    if let Some(end) = done.end_lane.take() {
        let _ = end.send(Msg::End(EvidenceOutcome::Complete { note: note.clone() }));
    }
    let counts = (done.records, done.rejected, done.events);
    let busy = done.busy;
    drop(done);
    file_read(&file.meta, file.format, counts, busy, note, shared);
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

/// The format of a file on disk, from its first bytes (positional read: the handle's
/// offset is untouched).
fn line_format(file: &std::fs::File) -> Option<Format> {
    use std::os::unix::fs::FileExt;
    let mut head = vec![0u8; firebreak_readers::SNIFF_LEN];
    let n = file.read_at(&mut head, 0).ok()?;
    firebreak_readers::sniff(&head[..n])
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
    /// Reader threads: a file is split only when there are several.
    threads: usize,
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

    /// Hand a large line-per-record file to the readers in parts, one lane per part
    /// and one for its end, in file order. Gives the file back when it is not one to
    /// split.
    fn split(
        &mut self,
        meta: EvidenceMeta,
        data: EvidenceData,
    ) -> Option<(EvidenceMeta, EvidenceData)> {
        let part_bytes = self.shared.opts.part_bytes.unwrap_or(PART_BYTES);
        if self.threads < 2 || meta.size / 2 < part_bytes {
            return Some((meta, data));
        }
        let file = match data {
            EvidenceData::Disk(f) => f,
            // The spool file's name goes now; the open handle keeps its content.
            EvidenceData::Spooled(t) => t.into_file(),
            other => return Some((meta, other)),
        };
        let plan = match line_format(&file)
            .filter(|f| f.splits_at_lines())
            .map(|f| (f, parts::plan(&file, meta.size, part_bytes)))
        {
            Some((format, Ok(plan))) if plan.len() > 1 => (format, plan),
            _ => return Some((meta, EvidenceData::Disk(file))),
        };
        self.send_parts(meta, file, plan);
        None
    }

    fn send_parts(
        &mut self,
        meta: EvidenceMeta,
        file: std::fs::File,
        plan: (Format, Vec<PartPlan>),
    ) {
        let (format, plans) = plan;
        self.shared
            .report()
            .split
            .push((meta.display_path.clone(), plans.len()));
        let (end_tx, end_rx) = bounded(1);
        let split = Arc::new(SplitFile {
            meta,
            file: Arc::new(file),
            format,
            parts: plans.len(),
            done: Mutex::new(PartsDone {
                parts: 0,
                records: 0,
                rejected: 0,
                events: 0,
                busy: Duration::ZERO,
                notes: Vec::new(),
                end_lane: Some(end_tx),
            }),
        });
        let mut lanes = Vec::with_capacity(plans.len());
        for _ in &plans {
            let (tx, rx) = bounded(PART_LANE_DEPTH);
            self.alive = self.alive && self.order.send(rx).is_ok();
            lanes.push(tx);
        }
        self.alive = self.alive && self.order.send(end_rx).is_ok();
        for (index, (plan, lane)) in plans.into_iter().zip(lanes).enumerate() {
            let part = Part {
                file: split.clone(),
                index,
                plan,
                lane,
            };
            self.alive = self.alive && self.jobs.send(Job::Part(part)).is_ok();
        }
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
        let Some((meta, data)) = self.split(meta, data) else {
            return;
        };
        let (lane, rx) = bounded(LANE_DEPTH);
        let held = self.shared.ahead.hold(&data);
        let job = Job::File {
            meta,
            data,
            lane,
            held,
        };
        self.alive = self.alive && self.order.send(rx).is_ok() && self.jobs.send(job).is_ok();
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
        ahead: Ahead::default(),
    };
    let (order_tx, order_rx) = unbounded::<Lane>();
    let threads = reader_threads(&opts);
    let (job_tx, job_rx) = bounded::<Job>(threads * FILES_AHEAD_PER_READER);
    let written = std::thread::scope(|s| {
        let writer = s.spawn(|| write_loop(case, order_rx));
        for _ in 0..threads {
            let jobs = job_rx.clone();
            let shared = &shared;
            s.spawn(move || reader_loop(jobs, shared));
        }
        drop(job_rx);
        let mut v = IngestVisitor {
            threads,
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
