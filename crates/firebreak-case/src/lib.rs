//! The case: one folder (`--case DIR`) holding `case.sqlite` with
//!
//! * `evidence`: every file and archive member offered, by SHA-256, with its
//!   original path, size, mtime, format, ingest times, status and record counts
//!   (chain of custody); `evidence_path` keeps every path the same content was seen at;
//! * `segments`: the timeline, in segments of up to [`SEGMENT_EVENTS`] events of one
//!   evidence file (normalised fields, the original fields and the location of each,
//!   encoded and compressed into one blob, see `segment.rs`), with per-segment time
//!   bounds, hosts and event ids that let queries skip segments;
//! * `rejected`: every record a reader could not read, with location and reason;
//! * `hunts` and `detections`: what each hunt found, one row per (kind, rule, record);
//! * `investigations`: each `investigate` run's conclusions (JSON), the latest last;
//! * `problems`: files that could not be read at all, archive members refused, ...
//!
//! Consistency: an evidence row is `ingesting` until its last event is committed in
//! the same transaction that marks it `complete`. [`Case::open`] deletes whatever an
//! interrupted ingest left (`ingesting` rows and their events), so a re-run finishes
//! the job and nothing is counted twice.

mod detections;
mod findings;
mod query;
mod schema;
mod search;
mod segment;
mod write;

pub use detections::{Coverage, DetectionRow, HuntRecord};
pub use findings::{FindingRecord, FindingRun, FindingsDiff};
pub use query::{Filter, Query, StoredEvent, TimeRange};
pub use segment::{Segment, SegmentBuilder, SEGMENT_EVENTS};
pub use write::{Counts, EvidenceInfo, EvidenceOutcome, Writer};

use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// Errors of the case store, with the case path.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("case {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("case {path}: schema version {found}, this firebreak reads version {expected} (0 = not a case); ingest into a new case")]
    Schema {
        path: PathBuf,
        found: i64,
        expected: i64,
    },
    #[error("case {path} is open for writing by another firebreak process")]
    Busy { path: PathBuf },
    #[error("case {path}: corrupt row in {table}: {reason}")]
    Corrupt {
        path: PathBuf,
        table: &'static str,
        reason: String,
    },
}

/// State of an evidence file in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceState {
    Ingesting,
    Complete,
    Container,
    Unrecognised,
}

impl EvidenceState {
    fn as_str(self) -> &'static str {
        match self {
            EvidenceState::Ingesting => "ingesting",
            EvidenceState::Complete => "complete",
            EvidenceState::Container => "container",
            EvidenceState::Unrecognised => "unrecognised",
        }
    }
    fn parse(s: &str) -> Option<EvidenceState> {
        Some(match s {
            "ingesting" => EvidenceState::Ingesting,
            "complete" => EvidenceState::Complete,
            "container" => EvidenceState::Container,
            "unrecognised" => EvidenceState::Unrecognised,
            _ => return None,
        })
    }
}

/// One evidence row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evidence {
    pub id: i64,
    /// What was recorded when its ingest started (chain of custody).
    #[serde(flatten)]
    pub info: EvidenceInfo,
    #[serde(serialize_with = "ser_state")]
    pub state: EvidenceState,
    pub records_stored: u64,
    pub records_rejected: u64,
    pub events: u64,
    pub ingest_started: i64,
    pub ingest_completed: Option<i64>,
    pub note: Option<String>,
}

fn ser_state<S: serde::Serializer>(s: &EvidenceState, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

/// A record that could not be read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RejectedRow {
    pub evidence_id: i64,
    pub display_path: String,
    pub location: firebreak_event::Location,
    pub reason: String,
}

/// A file or member that could not be read at all, or was refused.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProblemRow {
    pub path: String,
    pub kind: String,
    pub reason: String,
    pub at: i64,
}

/// A read-only connection for evidence lookups during ingest.
pub struct Lookup {
    conn: Option<Connection>,
}

impl Lookup {
    /// The state of the evidence with this SHA-256, as last committed.
    pub fn evidence_state(&self, sha256: &str) -> rusqlite::Result<Option<EvidenceState>> {
        let Some(conn) = &self.conn else {
            return Ok(None);
        };
        let s: Option<String> = conn
            .query_row(
                "SELECT state FROM evidence WHERE sha256=?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?;
        Ok(s.and_then(|s| EvidenceState::parse(&s)))
    }
}

/// An open case.
pub struct Case {
    conn: Connection,
    /// `None` for an in-memory case (quick looks).
    dir: Option<PathBuf>,
    /// Held while a case is open for writing: one writer process per case.
    _lock: Option<std::fs::File>,
}

impl Case {
    /// Open the case in `dir` for writing, creating it if needed, and roll back
    /// what an interrupted ingest left behind. Fails with [`CaseError::Busy`] while
    /// another process has it open for writing.
    pub fn open(dir: &Path) -> Result<Case, CaseError> {
        let io = |source| CaseError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = std::fs::File::create(dir.join("lock")).map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CaseError::Busy {
                    path: dir.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let db = dir.join("case.sqlite");
        let conn = Connection::open(&db).map_err(|source| CaseError::Db {
            path: db.clone(),
            source,
        })?;
        let case = Case {
            conn,
            dir: Some(dir.to_path_buf()),
            _lock: Some(lock),
        };
        schema::init(&case.conn).map_err(|e| case.db_err(e))?;
        schema::check_version(&case.conn, &db)?;
        case.recover()?;
        Ok(case)
    }

    /// Open an existing case read-only (timeline, status, verify). Works while an
    /// ingest runs: it sees what that ingest has committed.
    pub fn open_read(dir: &Path) -> Result<Case, CaseError> {
        let db = dir.join("case.sqlite");
        if !db.is_file() {
            return Err(CaseError::Io {
                path: db,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no case here"),
            });
        }
        let conn = Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| CaseError::Db {
                path: db.clone(),
                source,
            })?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|source| CaseError::Db {
                path: db.clone(),
                source,
            })?;
        schema::check_version(&conn, &db)?;
        Ok(Case {
            conn,
            dir: Some(dir.to_path_buf()),
            _lock: None,
        })
    }

    /// A case that lives in memory only: for a quick look at evidence without
    /// writing anything to disk.
    pub fn in_memory() -> Result<Case, CaseError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| CaseError::Db {
            path: path.clone(),
            source,
        })?;
        let case = Case {
            conn,
            dir: None,
            _lock: None,
        };
        schema::init(&case.conn).map_err(|e| case.db_err(e))?;
        Ok(case)
    }

    /// The case folder (`None` for an in-memory case).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn db_path(&self) -> PathBuf {
        match &self.dir {
            Some(d) => d.join("case.sqlite"),
            None => PathBuf::from(":memory:"),
        }
    }

    /// Folder for spooling large archive members (inside the case).
    pub fn spool_dir(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("spool"))
    }

    fn db_err(&self, source: rusqlite::Error) -> CaseError {
        CaseError::Db {
            path: self.db_path(),
            source,
        }
    }

    /// Delete the remains of interrupted ingests.
    fn recover(&self) -> Result<u64, CaseError> {
        let run = || -> rusqlite::Result<u64> {
            let tx = self.conn.unchecked_transaction()?;
            let ids: Vec<i64> = {
                let mut st = tx.prepare("SELECT id FROM evidence WHERE state='ingesting'")?;
                let rows = st.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for id in &ids {
                for table in [
                    "segment_data",
                    "search_blocks",
                    "segment_hosts",
                    "segment_event_ids",
                ] {
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE segment_id IN (SELECT id FROM segments WHERE evidence_id=?1)"),
                        [id],
                    )?;
                }
                tx.execute("DELETE FROM segments WHERE evidence_id=?1", [id])?;
                tx.execute("DELETE FROM rejected WHERE evidence_id=?1", [id])?;
                tx.execute("DELETE FROM evidence_path WHERE evidence_id=?1", [id])?;
                tx.execute("DELETE FROM evidence WHERE id=?1", [id])?;
            }
            tx.commit()?;
            Ok(ids.len() as u64)
        };
        run().map_err(|e| self.db_err(e))
    }

    /// All evidence rows, in ingest order.
    pub fn evidence(&self) -> Result<Vec<Evidence>, CaseError> {
        query::evidence_rows(&self.conn).map_err(|e| self.db_err(e))
    }

    /// Rejected records, at most `limit`, with the total count.
    pub fn rejected(&self, limit: u64) -> Result<(Vec<RejectedRow>, u64), CaseError> {
        query::rejected_rows(&self.conn, limit).map_err(|e| self.db_err(e))
    }

    /// Problems recorded at file level.
    pub fn problems(&self) -> Result<Vec<ProblemRow>, CaseError> {
        query::problem_rows(&self.conn).map_err(|e| self.db_err(e))
    }

    /// Number of events in the case.
    pub fn event_count(&self) -> Result<u64, CaseError> {
        self.conn
            .query_row("SELECT coalesce(sum(count), 0) FROM segments", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.db_err(e))
    }

    /// A second connection for lookups while a [`Writer`] holds the first
    /// (it sees only what the writer has committed).
    /// An in-memory case has no second connection: its lookups find nothing
    /// (the ingest's own duplicate check still applies).
    pub fn lookup(&self) -> Result<Lookup, CaseError> {
        let Some(dir) = &self.dir else {
            return Ok(Lookup { conn: None });
        };
        let db = dir.join("case.sqlite");
        let conn = Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| self.db_err(e))?;
        Ok(Lookup { conn: Some(conn) })
    }

    /// Start writing: one writer at a time.
    pub fn writer(&mut self) -> Result<Writer<'_>, CaseError> {
        let path = self.db_path();
        Writer::new(&self.conn, path)
    }

    fn query_err(&self, e: query::QueryError) -> CaseError {
        match e {
            query::QueryError::Db(e) => self.db_err(e),
            query::QueryError::Corrupt(reason) => CaseError::Corrupt {
                path: self.db_path(),
                table: "segments",
                reason,
            },
        }
    }

    /// Run a timeline query.
    pub fn query(&self, q: &Query) -> Result<Vec<StoredEvent>, CaseError> {
        let mut out = Vec::new();
        self.query_each(q, &mut |e| {
            out.push(e);
            true
        })?;
        Ok(out)
    }

    /// Stream a timeline query's events in time order; `each` returns `false` to stop.
    pub fn query_each(
        &self,
        q: &Query,
        each: &mut dyn FnMut(StoredEvent) -> bool,
    ) -> Result<(), CaseError> {
        let db = self.dir.as_ref().map(|d| d.join("case.sqlite"));
        query::run_each(&self.conn, db.as_deref(), q, each).map_err(|e| self.query_err(e))
    }

    /// Every stored event in storage order, not time order (the cheapest full pass:
    /// hunting reads the case this way), restricted to `evidence` ids when not empty.
    /// `each` returns `false` to stop. [`StoredEvent::id`] is stable for the case's life.
    pub fn scan_each(
        &self,
        evidence: &[i64],
        each: &mut dyn FnMut(StoredEvent) -> bool,
    ) -> Result<(), CaseError> {
        query::scan_each(&self.conn, evidence, each).map_err(|e| self.query_err(e))
    }

    /// Store a hunt's detections in one transaction; those already in the case (same
    /// kind, rule and dedupe key) are kept as they were and not counted as new.
    pub fn record_hunt(
        &mut self,
        description: &str,
        now: i64,
        rows: &[DetectionRow],
    ) -> Result<HuntRecord, CaseError> {
        detections::store(&self.conn, description, now, rows).map_err(|e| self.db_err(e))
    }

    /// Every stored detection in time order, with the id of the hunt that first found it.
    pub fn detections(&self) -> Result<Vec<(i64, DetectionRow)>, CaseError> {
        detections::all(&self.conn).map_err(|e| self.db_err(e))
    }

    /// Events per host and source kind, with first and last time (one pass over the
    /// events).
    pub fn coverage(&self) -> Result<Vec<Coverage>, CaseError> {
        detections::coverage(&self.conn).map_err(|e| self.db_err(e))
    }

    /// The host named by the first event of an evidence file that names one.
    pub fn first_host(&self, evidence_id: i64) -> Result<Option<String>, CaseError> {
        detections::first_host(&self.conn, evidence_id).map_err(|e| self.db_err(e))
    }

    /// Keep an investigation's conclusions (JSON text); returns its id.
    pub fn save_investigation(&mut self, now: i64, json: &str) -> Result<i64, CaseError> {
        detections::save_investigation(&self.conn, now, json).map_err(|e| self.db_err(e))
    }

    /// The latest investigation: when it was made (µs) and its JSON.
    pub fn latest_investigation(&self) -> Result<Option<(i64, String)>, CaseError> {
        detections::latest_investigation(&self.conn).map_err(|e| self.db_err(e))
    }

    /// Store one run of a non-event stage (`surface`, `scan`, `backup`) and compare it
    /// with that source's previous run: what is new, gone or changed, by key.
    pub fn record_findings(
        &mut self,
        source: &str,
        started_us: i64,
        findings: &[FindingRecord],
    ) -> Result<FindingsDiff, CaseError> {
        findings::record(&self.conn, source, started_us, findings).map_err(|e| self.db_err(e))
    }

    /// The findings of the latest run of `source` (empty when it never ran).
    pub fn findings(&self, source: &str) -> Result<Vec<FindingRecord>, CaseError> {
        findings::latest(&self.conn, source).map_err(|e| self.db_err(e))
    }

    /// Every recorded run of `source`, oldest first.
    pub fn finding_runs(&self, source: &str) -> Result<Vec<FindingRun>, CaseError> {
        findings::runs(&self.conn, source).map_err(|e| self.db_err(e))
    }

    /// The events with these ids ([`StoredEvent::id`]), in the order asked.
    pub fn events_by_id(&self, ids: &[i64]) -> Result<Vec<StoredEvent>, CaseError> {
        query::by_ids(&self.conn, ids).map_err(|e| self.query_err(e))
    }

    /// Look up the event stored for a record: evidence by path suffix, and location.
    pub fn find_by_location(
        &self,
        path_suffix: &str,
        location: firebreak_event::Location,
    ) -> Result<Vec<StoredEvent>, CaseError> {
        let q = Query {
            evidence_path_suffix: Some(path_suffix.to_string()),
            location: Some(location),
            limit: 100,
            ..Query::default()
        };
        self.query(&q)
    }
}
