use crate::CaseError;
use rusqlite::Connection;
use std::path::Path;

pub(crate) const VERSION: i64 = 4;

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
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    time_original TEXT NOT NULL,
    tz_policy TEXT NOT NULL,
    timestamp_desc TEXT NOT NULL,
    host TEXT,
    source TEXT NOT NULL,
    event_id TEXT,
    channel TEXT,
    provider TEXT,
    user_name TEXT,
    user_domain TEXT,
    user_sid TEXT,
    process_image TEXT,
    process_pid INTEGER,
    process_command_line TEXT,
    process_parent_image TEXT,
    process_parent_pid INTEGER,
    process_hashes TEXT,
    src_ip TEXT,
    src_port INTEGER,
    dst_ip TEXT,
    dst_port INTEGER,
    protocol TEXT,
    bytes_in INTEGER,
    bytes_out INTEGER,
    file_path TEXT,
    file_size INTEGER,
    file_hashes TEXT,
    url TEXT,
    domain TEXT,
    message TEXT NOT NULL,
    fields TEXT NOT NULL,
    evidence_id INTEGER NOT NULL,
    loc_kind TEXT NOT NULL,
    loc_value INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS events_host_ts ON events(host, ts);
-- Event ids are few, so this index grows at a few dozen hot pages; an index on
-- user names (thousands of values) cost 70% more ingest time on a 10M-event case.
CREATE INDEX IF NOT EXISTS events_event_id_ts ON events(event_id, ts);
CREATE INDEX IF NOT EXISTS events_evidence ON events(evidence_id, loc_value);
CREATE TABLE IF NOT EXISTS rejected (
    evidence_id INTEGER NOT NULL,
    loc_kind TEXT NOT NULL,
    loc_value INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejected_evidence ON rejected(evidence_id);
CREATE TABLE IF NOT EXISTS search_blocks (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL,
    first_event INTEGER NOT NULL,
    count INTEGER NOT NULL,
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
    if v == 0 {
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
    if v != VERSION {
        return Err(CaseError::Schema {
            path: path.to_path_buf(),
            found: v,
            expected: VERSION,
        });
    }
    Ok(())
}
