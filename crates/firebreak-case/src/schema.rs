use crate::CaseError;
use rusqlite::Connection;
use std::path::Path;

pub(crate) const VERSION: i64 = 6;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    display_path TEXT NOT NULL,
    disk_path TEXT NOT NULL,
    member TEXT,
    container_sha256 TEXT,
    size INTEGER NOT NULL,
    mtime INTEGER,
    format TEXT,
    state TEXT NOT NULL,
    records_stored INTEGER NOT NULL DEFAULT 0,
    records_rejected INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    ingest_started INTEGER NOT NULL,
    ingest_completed INTEGER,
    note TEXT
);
CREATE TABLE IF NOT EXISTS evidence_path (
    evidence_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (evidence_id, path)
);
-- Events live in segments (segment.rs): up to 4096 events of one evidence file,
-- encoded and LZ4-compressed into one blob. `segments` is the small part a query
-- reads to choose what to decode; the blobs are in `segment_data`.
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL,
    count INTEGER NOT NULL,
    ts_min INTEGER NOT NULL,
    ts_max INTEGER NOT NULL,
    loc_min INTEGER NOT NULL,
    loc_max INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS segments_evidence ON segments(evidence_id);
CREATE TABLE IF NOT EXISTS segment_data (
    segment_id INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
-- Pruning: which segments hold events of a host, of an event id. Per host (''
-- for events naming none): how many events, first and last time (coverage).
CREATE TABLE IF NOT EXISTS segment_hosts (
    host TEXT NOT NULL,
    segment_id INTEGER NOT NULL,
    count INTEGER NOT NULL,
    ts_min INTEGER NOT NULL,
    ts_max INTEGER NOT NULL,
    PRIMARY KEY (host, segment_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segment_event_ids (
    event_id TEXT NOT NULL,
    segment_id INTEGER NOT NULL,
    PRIMARY KEY (event_id, segment_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected (
    evidence_id INTEGER NOT NULL,
    loc_kind TEXT NOT NULL,
    loc_value INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejected_evidence ON rejected(evidence_id);
-- The lower-cased search text of a segment's events, one line each (search.rs).
CREATE TABLE IF NOT EXISTS search_blocks (
    segment_id INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hunts (
    id INTEGER PRIMARY KEY,
    started INTEGER NOT NULL,
    description TEXT NOT NULL,
    detections INTEGER NOT NULL,
    new_detections INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS detections (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    rule_key TEXT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    status TEXT,
    tags TEXT NOT NULL,
    ts INTEGER NOT NULL,
    host TEXT,
    user_name TEXT,
    event_ref INTEGER,
    evidence_id INTEGER,
    loc_kind TEXT,
    loc_value INTEGER,
    dedupe TEXT NOT NULL,
    details TEXT NOT NULL,
    first_hunt INTEGER NOT NULL,
    UNIQUE (kind, rule_key, dedupe)
);
CREATE INDEX IF NOT EXISTS detections_ts ON detections(ts);
CREATE TABLE IF NOT EXISTS investigations (
    id INTEGER PRIMARY KEY,
    created INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS problems (
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS finding_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES finding_runs(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
";

pub(crate) fn init(conn: &Connection) -> rusqlite::Result<()> {
    // Page size only takes effect before the first table exists.
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 4096)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -262_144)?; // 256 MiB
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    // Version 6 only added tables, so a version-5 case is brought up to date in place.
    if v == 0 || v == 5 {
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", VERSION)?;
    }
    Ok(())
}

pub(crate) fn check_version(conn: &Connection, path: &Path) -> Result<(), CaseError> {
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|source| CaseError::Db {
            path: path.to_path_buf(),
            source,
        })?;
    // A version-5 case opened read-only lacks only the findings tables.
    if v != VERSION && v != 5 {
        return Err(CaseError::Schema {
            path: path.to_path_buf(),
            found: v,
            expected: VERSION,
        });
    }
    Ok(())
}
