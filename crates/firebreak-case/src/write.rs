//! Writing to the case: evidence rows, event segments, rejected records, problems.
//! Commits happen in batches (of about 50k events); an evidence row becomes
//! `complete` in the same transaction as its last segment.

use crate::segment::{Segment, SegmentBuilder};
use crate::{CaseError, EvidenceState};
use firebreak_event::{Event, Rejected};
use rusqlite::{params, Connection};
use std::path::PathBuf;

const BATCH: u64 = 50_000;

/// What the case records about an evidence file when its ingest starts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EvidenceInfo {
    pub sha256: String,
    pub display_path: String,
    pub disk_path: String,
    pub member: Option<String>,
    pub container_sha256: Option<String>,
    pub size: u64,
    pub mtime: Option<i64>,
    pub format: Option<String>,
}

/// How an evidence file's ingest ended.
#[derive(Debug, Clone)]
pub enum EvidenceOutcome {
    /// Read to the end, or as far as it could be read (`note` says why not further).
    Complete { note: Option<String> },
    /// An archive whose members were all walked.
    Container,
    /// Not a format Firebreak reads.
    Unrecognised { reason: String },
}

struct Current {
    id: i64,
    stored: u64,
    rejected: u64,
    events: u64,
}

/// Counts for one evidence file after its ingest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub stored: u64,
    pub rejected: u64,
    pub events: u64,
}

/// The single writer of a case.
pub struct Writer<'c> {
    conn: &'c Connection,
    path: PathBuf,
    in_tx: bool,
    pending: u64,
    current: Option<Current>,
    /// Events given one by one ([`Writer::event`]) until they fill a segment.
    builder: SegmentBuilder,
    hosts: std::collections::HashSet<String>,
}

impl<'c> Writer<'c> {
    pub(crate) fn new(conn: &'c Connection, path: PathBuf) -> Result<Writer<'c>, CaseError> {
        Ok(Writer {
            conn,
            path,
            in_tx: false,
            pending: 0,
            current: None,
            builder: SegmentBuilder::new(),
            hosts: std::collections::HashSet::new(),
        })
    }

    fn err(&self, source: rusqlite::Error) -> CaseError {
        CaseError::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn ensure_tx(&mut self) -> Result<(), CaseError> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN").map_err(|e| self.err(e))?;
            self.in_tx = true;
        }
        Ok(())
    }

    /// Commit what is pending.
    pub fn commit(&mut self) -> Result<(), CaseError> {
        self.flush_builder()?;
        if self.in_tx {
            self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))?;
            self.in_tx = false;
            self.pending = 0;
        }
        Ok(())
    }

    fn tick(&mut self) -> Result<(), CaseError> {
        self.pending += 1;
        if self.pending >= BATCH {
            self.commit()?;
        }
        Ok(())
    }

    /// Start an evidence file; its events follow.
    pub fn begin_evidence(&mut self, info: &EvidenceInfo, now: i64) -> Result<i64, CaseError> {
        self.flush_builder()?; // events given one by one belong to the previous file
        self.ensure_tx()?;
        let added = insert_evidence(self.conn, info, "ingesting", now).map_err(|e| self.err(e))?;
        if added == 0 {
            return Err(CaseError::Corrupt {
                path: self.path.clone(),
                table: "evidence",
                reason: format!("{} is already in the case", info.sha256),
            });
        }
        let id = self.conn.last_insert_rowid();
        self.conn
            .execute(
                "INSERT OR IGNORE INTO evidence_path(evidence_id, path, first_seen) VALUES (?1, ?2, ?3)",
                params![id, info.display_path, now],
            )
            .map_err(|e| self.err(e))?;
        self.current = Some(Current {
            id,
            stored: 0,
            rejected: 0,
            events: 0,
        });
        Ok(id)
    }

    fn current_id(&self) -> i64 {
        self.current.as_ref().map_or(0, |c| c.id)
    }

    /// Store one event of the current evidence file (encoded here, on the writer's
    /// thread; [`Writer::segment`] takes events a caller encoded elsewhere).
    pub fn event(&mut self, ev: &Event) -> Result<(), CaseError> {
        self.builder.push(ev);
        if self.builder.is_full() {
            self.flush_builder()?;
        }
        Ok(())
    }

    fn flush_builder(&mut self) -> Result<(), CaseError> {
        if self.builder.is_empty() {
            return Ok(());
        }
        let seg = self.builder.finish();
        self.store(&seg)
    }

    /// Store a segment of events of the current evidence file, made with a
    /// [`SegmentBuilder`] (so the encoding can run on the thread that read them).
    pub fn segment(&mut self, seg: &Segment) -> Result<(), CaseError> {
        self.flush_builder()?;
        self.store(seg)
    }

    fn store(&mut self, seg: &Segment) -> Result<(), CaseError> {
        if seg.is_empty() {
            return Ok(());
        }
        self.ensure_tx()?;
        let evidence_id = self.current_id();
        let r = insert_segment(self.conn, seg, evidence_id, &mut self.hosts);
        r.map_err(|e| self.err(e))?;
        if let Some(c) = self.current.as_mut() {
            c.events += seg.count as u64;
        }
        self.pending += seg.count as u64;
        if self.pending >= BATCH {
            self.commit()?;
        }
        Ok(())
    }

    /// `n` records are complete.
    pub fn records_done(&mut self, n: u64) {
        if let Some(c) = self.current.as_mut() {
            c.stored += n;
        }
    }

    /// The current record is complete.
    pub fn record_done(&mut self) {
        if let Some(c) = self.current.as_mut() {
            c.stored += 1;
        }
    }

    /// A record of the current evidence file was rejected.
    pub fn reject(&mut self, r: &Rejected) -> Result<(), CaseError> {
        self.ensure_tx()?;
        let id = self.current_id();
        self.conn
            .prepare_cached(
                "INSERT INTO rejected(evidence_id, loc_kind, loc_value, reason) VALUES (?1,?2,?3,?4)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    id,
                    r.location.kind(),
                    r.location.value() as i64,
                    r.reason
                ])
            })
            .map_err(|e| self.err(e))?;
        if let Some(c) = self.current.as_mut() {
            c.rejected += 1;
        }
        self.tick()
    }

    /// Finish the current evidence file. Returns its counts.
    pub fn end_evidence(
        &mut self,
        outcome: &EvidenceOutcome,
        now: i64,
    ) -> Result<Counts, CaseError> {
        self.flush_builder()?;
        let Some(c) = self.current.take() else {
            return Ok(Counts::default());
        };
        self.ensure_tx()?;
        let (state, note) = match outcome {
            EvidenceOutcome::Complete { note } => (EvidenceState::Complete, note.clone()),
            EvidenceOutcome::Container => (EvidenceState::Container, None),
            EvidenceOutcome::Unrecognised { reason } => {
                (EvidenceState::Unrecognised, Some(reason.clone()))
            }
        };
        self.conn
            .execute(
                "UPDATE evidence SET state=?2, records_stored=?3, records_rejected=?4, events=?5,
                    ingest_completed=?6, note=?7 WHERE id=?1",
                params![
                    c.id,
                    state.as_str(),
                    c.stored as i64,
                    c.rejected as i64,
                    c.events as i64,
                    now,
                    note
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(Counts {
            stored: c.stored,
            rejected: c.rejected,
            events: c.events,
        })
    }

    /// Record an archive whose members have all been walked.
    pub fn add_container(&mut self, info: &EvidenceInfo, now: i64) -> Result<(), CaseError> {
        self.ensure_tx()?;
        insert_evidence(self.conn, info, "container", now)
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Record that known content was offered again at another path.
    pub fn path_seen(&mut self, sha256: &str, path: &str, now: i64) -> Result<(), CaseError> {
        self.ensure_tx()?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO evidence_path(evidence_id, path, first_seen)
                 SELECT id, ?2, ?3 FROM evidence WHERE sha256=?1",
                params![sha256, path, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Record a file-level problem.
    pub fn problem(
        &mut self,
        path: &str,
        kind: &str,
        reason: &str,
        now: i64,
    ) -> Result<(), CaseError> {
        self.ensure_tx()?;
        self.conn
            .execute(
                "INSERT INTO problems(path, kind, reason, at) VALUES (?1,?2,?3,?4)",
                params![path, kind, reason, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Commit and end.
    pub fn finish(mut self) -> Result<(), CaseError> {
        self.commit()
    }
}

/// Insert an evidence row in `state`; a row with the same SHA-256 is left alone.
fn insert_evidence(
    conn: &Connection,
    info: &EvidenceInfo,
    state: &str,
    now: i64,
) -> rusqlite::Result<usize> {
    let completed = (state == "container").then_some(now);
    conn.execute(
        "INSERT INTO evidence(sha256, display_path, disk_path, member, container_sha256,
            size, mtime, format, state, ingest_started, ingest_completed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(sha256) DO NOTHING",
        params![
            info.sha256,
            info.display_path,
            info.disk_path,
            info.member,
            info.container_sha256,
            info.size as i64,
            info.mtime,
            info.format,
            state,
            now,
            completed
        ],
    )
}

fn insert_segment(
    conn: &Connection,
    seg: &Segment,
    evidence_id: i64,
    hosts: &mut std::collections::HashSet<String>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO segments(evidence_id, count, ts_min, ts_max, loc_min, loc_max)
         VALUES (?1,?2,?3,?4,?5,?6)",
    )?
    .execute(params![
        evidence_id,
        seg.count as i64,
        seg.ts_min,
        seg.ts_max,
        seg.loc_min as i64,
        seg.loc_max as i64
    ])?;
    let id = conn.last_insert_rowid();
    let (data, search) = seg.compress();
    conn.prepare_cached("INSERT INTO segment_data(segment_id, data) VALUES (?1,?2)")?
        .execute(params![id, &*data])?;
    conn.prepare_cached("INSERT INTO search_blocks(segment_id, data) VALUES (?1,?2)")?
        .execute(params![id, &*search])?;
    let mut st = conn.prepare_cached(
        "INSERT INTO segment_hosts(host, segment_id, count, ts_min, ts_max) VALUES (?1,?2,?3,?4,?5)",
    )?;
    for (h, n) in &seg.hosts {
        st.execute(params![h, id, n.count as i64, n.ts_min, n.ts_max])?;
        if !h.is_empty() && !hosts.contains(h) {
            hosts.insert(h.clone());
            conn.prepare_cached("INSERT OR IGNORE INTO hosts(host) VALUES (?1)")?
                .execute([h])?;
        }
    }
    let mut st =
        conn.prepare_cached("INSERT INTO segment_event_ids(event_id, segment_id) VALUES (?1,?2)")?;
    for e in &seg.event_ids {
        st.execute(params![e, id])?;
    }
    Ok(())
}
