use crate::report::{IngestReport, KindSummary, Progress};
use crate::IngestError;
use crossbeam_channel::{bounded, Receiver, Sender};
use firebreak_case::{Case, CaseError, EvidenceInfo, EvidenceOutcome, EvidenceState, Lookup};
use firebreak_event::{Event, EventSink, Rejected, Timestamp};
use firebreak_evidence::{
    ContainerKind, Decision, EvidenceData, EvidenceMeta, Problem, Visitor, WalkOptions,
};
use firebreak_readers::{Format, ReadContext, ReadOptions};
use std::collections::HashSet;
use std::io::{Read, SeekFrom};
use std::path::PathBuf;
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

// Nearly every item is an event: boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
enum Item {
    /// The event, its original fields encoded for the store and its search text:
    /// that work runs on the reading thread, not on the single writer.
    Event(Event, String, String),
    Done,
    Reject(Rejected),
}

/// Where messages go: the case writer thread, or memory.
trait Store {
    fn is_known(&mut self, sha256: &str) -> bool;
    /// `false` when the store can take no more (writer failed).
    fn send(&mut self, msg: Msg) -> bool;
}

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

/// Batches a reader's output into messages and counts what it sees.
struct ChannelSink<'a> {
    store: &'a mut dyn Store,
    progress: &'a dyn Progress,
    batch: Vec<Item>,
    records: u64,
    rejected: u64,
    events: u64,
    alive: bool,
}

const BATCH: usize = 2048;

impl ChannelSink<'_> {
    fn push(&mut self, item: Item) {
        self.batch.push(item);
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }
    fn flush(&mut self) {
        if !self.batch.is_empty() && self.alive {
            let items = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.alive = self.store.send(Msg::Items(items));
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

impl EventSink for ChannelSink<'_> {
    fn accept(&mut self, event: Event) {
        self.events += 1;
        let mut fields = String::with_capacity(64 * event.fields.len());
        firebreak_case::encode_fields(&event.fields, &mut fields);
        let mut search = String::with_capacity(fields.len());
        firebreak_case::search_text(&event, &mut search);
        self.push(Item::Event(event, fields, search));
    }
    fn record_done(&mut self) {
        self.count_record();
        self.push(Item::Done);
    }
    fn reject(&mut self, rejected: Rejected) {
        self.count_record();
        self.rejected += 1;
        self.push(Item::Reject(rejected));
    }
}

struct IngestVisitor<'a> {
    store: &'a mut dyn Store,
    opts: &'a IngestOptions,
    progress: &'a dyn Progress,
    report: IngestReport,
    this_run: HashSet<String>,
    alive: bool,
}

impl IngestVisitor<'_> {
    fn already_have(&mut self, meta: &EvidenceMeta) -> bool {
        if self.this_run.contains(&meta.sha256) || self.store.is_known(&meta.sha256) {
            self.report.already_known += 1;
            self.send(Msg::PathSeen {
                sha256: meta.sha256.clone(),
                path: meta.display_path.clone(),
            });
            return true;
        }
        false
    }

    fn send(&mut self, msg: Msg) {
        if self.alive {
            self.alive = self.store.send(msg);
        }
    }

    fn read_file(&mut self, meta: EvidenceMeta, data: EvidenceData) {
        let started = Instant::now();
        self.progress.file_started(&meta.display_path, meta.size);
        let mut reader = data.into_reader();
        let head = match read_head(&mut reader) {
            Ok(h) => h,
            Err(e) => {
                self.send(Msg::Begin(info_of(&meta, None)));
                let reason = format!("cannot read: {e}");
                self.send(Msg::End(EvidenceOutcome::Unrecognised { reason }));
                return;
            }
        };
        let Some(format) = firebreak_readers::sniff(&head) else {
            self.unrecognised(&meta, &head);
            return;
        };
        self.send(Msg::Begin(info_of(&meta, Some(format.name()))));
        let ctx = ReadContext {
            options: self.opts.read.clone(),
            display_name: meta.display_path.clone(),
            file_mtime: meta.mtime.and_then(|s| Timestamp::from_secs(s).ok()),
        };
        let mut sink = ChannelSink {
            store: &mut *self.store,
            progress: self.progress,
            batch: Vec::with_capacity(BATCH),
            records: 0,
            rejected: 0,
            events: 0,
            alive: self.alive,
        };
        let result = firebreak_readers::read(format, Box::new(reader), &ctx, &mut sink);
        sink.flush();
        self.progress.records(sink.records % 4096);
        let counts = (sink.records, sink.rejected, sink.events, sink.alive);
        self.alive = counts.3;
        let note = result.err().map(|e| e.to_string());
        if let Some(n) = &note {
            self.report
                .partial
                .push((meta.display_path.clone(), n.clone()));
        }
        self.send(Msg::End(EvidenceOutcome::Complete { note }));
        self.tally(format, &meta, counts, started);
    }

    fn tally(&mut self, format: Format, meta: &EvidenceMeta, c: (u64, u64, u64, bool), t: Instant) {
        let s: &mut KindSummary = self.report.per_format.entry(format.name()).or_default();
        s.files += 1;
        s.records += c.0;
        s.rejected += c.1;
        s.events += c.2;
        s.bytes += meta.size;
        s.time += t.elapsed();
        self.progress.file_done(meta.size);
    }

    fn unrecognised(&mut self, meta: &EvidenceMeta, head: &[u8]) {
        let reason = if head.is_empty() {
            "empty file".to_string()
        } else {
            "not a format Firebreak reads (binary or unknown text)".to_string()
        };
        self.report
            .unrecognised
            .push((meta.display_path.clone(), reason.clone()));
        self.send(Msg::Begin(info_of(meta, None)));
        self.send(Msg::End(EvidenceOutcome::Unrecognised { reason }));
        self.progress.file_done(meta.size);
    }
}

fn read_head(r: &mut dyn firebreak_evidence::ReadSeekSend) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(firebreak_readers::SNIFF_LEN);
    r.take(firebreak_readers::SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    r.seek(SeekFrom::Start(0))?;
    Ok(head)
}

impl Visitor for IngestVisitor<'_> {
    fn container(&mut self, meta: &EvidenceMeta, _kind: ContainerKind) -> Decision {
        if self.already_have(meta) {
            Decision::Skip
        } else {
            Decision::Open
        }
    }

    fn container_done(&mut self, meta: &EvidenceMeta, kind: ContainerKind) {
        self.this_run.insert(meta.sha256.clone());
        self.send(Msg::Container(info_of(meta, Some(container_name(kind)))));
    }

    fn seen(&mut self, meta: &EvidenceMeta) -> Decision {
        if self.already_have(meta) {
            Decision::Skip
        } else {
            Decision::Open
        }
    }

    fn file(&mut self, meta: EvidenceMeta, data: EvidenceData) {
        self.this_run.insert(meta.sha256.clone());
        self.read_file(meta, data);
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
        self.report.problems.push((path.clone(), reason.clone()));
        self.send(Msg::Problem { path, kind, reason });
    }
}

fn walk_into(
    store: &mut dyn Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> (IngestReport, bool) {
    let started = Instant::now();
    let mut v = IngestVisitor {
        store,
        opts,
        progress,
        report: IngestReport::default(),
        this_run: HashSet::new(),
        alive: true,
    };
    firebreak_evidence::walk(paths, &opts.walk, &mut v);
    let mut report = v.report;
    report.elapsed = started.elapsed();
    (report, v.alive)
}

// ---------------------------------------------------------------- into a case

struct CaseStore {
    tx: Option<Sender<Msg>>,
    lookup: Lookup,
}

impl Store for CaseStore {
    fn is_known(&mut self, sha256: &str) -> bool {
        matches!(
            self.lookup.evidence_state(sha256),
            Ok(Some(
                EvidenceState::Complete | EvidenceState::Container | EvidenceState::Unrecognised
            ))
        )
    }
    fn send(&mut self, msg: Msg) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.send(msg).is_ok())
    }
}

fn write_loop(case: &mut Case, rx: Receiver<Msg>) -> Result<(), CaseError> {
    let mut w = case.writer()?;
    for msg in rx {
        match msg {
            Msg::Begin(info) => {
                w.begin_evidence(&info, now_micros())?;
            }
            Msg::Items(items) => {
                for item in items {
                    match item {
                        Item::Event(e, fields, search) => w.event_encoded(&e, &fields, &search)?,
                        Item::Done => w.record_done(),
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
    }
    w.finish()
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
    let lookup = case.lookup()?;
    let (tx, rx) = bounded::<Msg>(16);
    let (report, written) = std::thread::scope(|s| {
        let writer = s.spawn(|| write_loop(case, rx));
        let mut store = CaseStore {
            tx: Some(tx),
            lookup,
        };
        let (report, _) = walk_into(&mut store, paths, &opts, progress);
        store.tx = None; // close the channel so the writer finishes
        let written = writer.join().unwrap_or(Err(CaseError::Corrupt {
            path: PathBuf::new(),
            table: "events",
            reason: "case writer panicked".into(),
        }));
        (report, written)
    });
    if let Some(spool) = opts.walk.spool_dir.as_ref() {
        let _ = std::fs::remove_dir(spool);
    }
    written?;
    Ok(report)
}
