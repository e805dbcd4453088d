//! Writing to the case: evidence rows, events, rejected records, problems.
//! Commits happen in batches; an evidence row becomes `complete` in the same
//! transaction as its last event.

use crate::codec::encode_fields;
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
    insert: rusqlite::Statement<'c>,
    path: PathBuf,
    in_tx: bool,
    pending: u64,
    current: Option<Current>,
    buf: String,
    search: String,
    block: crate::search::BlockBuilder,
    hosts: std::collections::HashSet<String>,
}

impl<'c> Writer<'c> {
    pub(crate) fn new(conn: &'c Connection, path: PathBuf) -> Result<Writer<'c>, CaseError> {
        let insert = conn.prepare(INSERT_EVENT).map_err(|source| CaseError::Db {
            path: path.clone(),
            source,
        })?;
        Ok(Writer {
            conn,
            insert,
            path,
            in_tx: false,
            pending: 0,
            current: None,
            buf: String::with_capacity(4096),
            search: String::with_capacity(4096),
            block: crate::search::BlockBuilder::default(),
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
        if self.in_tx {
            self.block.flush(self.conn).map_err(|e| self.err(e))?;
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

    /// Store one event of the current evidence file.
    pub fn event(&mut self, ev: &Event) -> Result<(), CaseError> {
        let (mut buf, mut search) = (
            std::mem::take(&mut self.buf),
            std::mem::take(&mut self.search),
        );
        buf.clear();
        search.clear();
        encode_fields(&ev.fields, &mut buf);
        crate::search_text(ev, &mut search);
        let r = self.event_encoded(ev, &buf, &search);
        (self.buf, self.search) = (buf, search);
        r
    }

    /// Store one event whose fields and search text the caller already made with
    /// [`crate::encode_fields`] and [`crate::search_text`] (so that work can run on
    /// another thread).
    pub fn event_encoded(
        &mut self,
        ev: &Event,
        fields_json: &str,
        search: &str,
    ) -> Result<(), CaseError> {
        self.ensure_tx()?;
        let id = self.current_id();
        insert_event(&mut self.insert, ev, fields_json, id).map_err(|e| self.err(e))?;
        let rowid = self.conn.last_insert_rowid();
        self.block
            .add(self.conn, id, rowid, search)
            .map_err(|e| self.err(e))?;
        if let Some(c) = self.current.as_mut() {
            c.events += 1;
        }
        if let Some(h) = &ev.host {
            if !self.hosts.contains(h) {
                self.hosts.insert(h.clone());
                self.conn
                    .execute("INSERT OR IGNORE INTO hosts(host) VALUES (?1)", [h])
                    .map_err(|e| self.err(e))?;
            }
        }
        self.tick()
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

fn opt_i64<T: TryInto<i64>>(v: Option<T>) -> Option<i64> {
    v.and_then(|x| x.try_into().ok())
}

const INSERT_EVENT: &str =
    "INSERT INTO events(ts, time_original, tz_policy, timestamp_desc, host, source, event_id,
            channel, provider, user_name, user_domain, user_sid, process_image, process_pid,
            process_command_line, process_parent_image, process_parent_pid, process_hashes,
            src_ip, src_port, dst_ip, dst_port, protocol, bytes_in, bytes_out, file_path,
            file_size, file_hashes, url, domain, message, fields, evidence_id, loc_kind, loc_value)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,
            ?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35)";

fn insert_event(
    st: &mut rusqlite::Statement<'_>,
    ev: &Event,
    fields: &str,
    evidence_id: i64,
) -> rusqlite::Result<()> {
    let p = &ev.process;
    let n = &ev.network;
    st.execute(params![
        ev.timestamp.micros(),
        ev.time_original,
        tz_text(&ev.tz_policy),
        ev.timestamp_desc,
        ev.host,
        ev.source.as_str(),
        ev.event_id,
        ev.channel,
        ev.provider,
        ev.user.name,
        ev.user.domain,
        ev.user.sid,
        p.image,
        opt_i64(p.pid),
        p.command_line,
        p.parent_image,
        opt_i64(p.parent_pid),
        p.hashes,
        n.src_ip,
        n.src_port,
        n.dst_ip,
        n.dst_port,
        n.protocol,
        opt_i64(n.bytes_in),
        opt_i64(n.bytes_out),
        ev.file.path,
        opt_i64(ev.file.size),
        ev.file.hashes,
        ev.url,
        ev.domain,
        ev.message,
        fields,
        evidence_id,
        ev.provenance.location.kind(),
        ev.provenance.location.value() as i64,
    ])?;
    Ok(())
}

fn tz_text(p: &firebreak_event::TzPolicy) -> std::borrow::Cow<'static, str> {
    match p {
        firebreak_event::TzPolicy::SourceZone => std::borrow::Cow::Borrowed("source"),
        other => std::borrow::Cow::Owned(other.as_text()),
    }
}
