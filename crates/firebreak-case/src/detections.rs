//! Detections: what hunts found, kept in the case so reports and re-hunts read them
//! without hunting again. One row per (kind, rule, record): the same rule firing on
//! the same record twice, in one hunt or across hunts, is stored once.

use firebreak_event::Location;
use rusqlite::{params, Connection, Row};

/// A detection to store (or read back).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectionRow {
    /// `sigma`, `correlation`, `ioc` or `analytic`.
    pub kind: String,
    /// What fired: the rule id (or title when it has none), the IOC, the analytic id.
    pub rule_key: String,
    pub title: String,
    /// `informational`, `low`, `medium`, `high`, `critical`.
    pub level: String,
    pub status: Option<String>,
    pub tags: Vec<String>,
    /// Microseconds since the epoch.
    pub ts: i64,
    pub host: Option<String>,
    pub user: Option<String>,
    /// The stored event ([`crate::StoredEvent::id`]) it fired on, when one.
    pub event_ref: Option<i64>,
    pub evidence_id: Option<i64>,
    pub location: Option<Location>,
    /// What makes two detections of one rule the same: the record for event-level
    /// detections, the group and window for correlations and analytics.
    pub dedupe: String,
    /// JSON object: key fields, matched values, related event refs.
    pub details: String,
}

/// What storing a hunt's detections did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HuntRecord {
    pub hunt_id: i64,
    /// Detections not in the case before this hunt.
    pub new: u64,
    /// Detections of this hunt (new or already known).
    pub total: u64,
}

pub(crate) fn store(
    conn: &Connection,
    description: &str,
    now: i64,
    rows: &[DetectionRow],
) -> rusqlite::Result<HuntRecord> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO hunts (started, description, detections, new_detections) VALUES (?1, ?2, 0, 0)",
        params![now, description],
    )?;
    let hunt_id = tx.last_insert_rowid();
    let mut new = 0;
    {
        let mut st = tx.prepare_cached(
            "INSERT OR IGNORE INTO detections (kind, rule_key, title, level, status, tags, ts,
                host, user_name, event_ref, evidence_id, loc_kind, loc_value, dedupe, details,
                first_hunt)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        for r in rows {
            let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "[]".into());
            new += st.execute(params![
                r.kind,
                r.rule_key,
                r.title,
                r.level,
                r.status,
                tags,
                r.ts,
                r.host,
                r.user,
                r.event_ref,
                r.evidence_id,
                r.location.map(|l| l.kind()),
                r.location.map(|l| l.value() as i64),
                r.dedupe,
                r.details,
                hunt_id,
            ])? as u64;
        }
    }
    let total = rows.len() as u64;
    tx.execute(
        "UPDATE hunts SET detections = ?1, new_detections = ?2 WHERE id = ?3",
        params![total as i64, new as i64, hunt_id],
    )?;
    tx.commit()?;
    Ok(HuntRecord {
        hunt_id,
        new,
        total,
    })
}

/// Every stored detection, in time order.
pub(crate) fn all(conn: &Connection) -> rusqlite::Result<Vec<(i64, DetectionRow)>> {
    let mut st = conn.prepare(
        "SELECT first_hunt, kind, rule_key, title, level, status, tags, ts, host, user_name,
            event_ref, evidence_id, loc_kind, loc_value, dedupe, details
         FROM detections ORDER BY ts, id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, row(r)?)))?;
    rows.collect()
}

fn row(r: &Row) -> rusqlite::Result<DetectionRow> {
    let tags: String = r.get(6)?;
    let loc_kind: Option<String> = r.get(12)?;
    let loc_value: Option<i64> = r.get(13)?;
    let location = match (loc_kind, loc_value) {
        (Some(k), Some(v)) => Location::from_parts(&k, v as u64),
        _ => None,
    };
    Ok(DetectionRow {
        kind: r.get(1)?,
        rule_key: r.get(2)?,
        title: r.get(3)?,
        level: r.get(4)?,
        status: r.get(5)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        ts: r.get(7)?,
        host: r.get(8)?,
        user: r.get(9)?,
        event_ref: r.get(10)?,
        evidence_id: r.get(11)?,
        location,
        dedupe: r.get(14)?,
        details: r.get(15)?,
    })
}

/// Events per host and source kind, with their first and last time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// `None`: events that name no host (e.g. bodyfile lines).
    pub host: Option<String>,
    pub source: String,
    pub first: i64,
    pub last: i64,
    pub events: u64,
}

pub(crate) fn coverage(conn: &Connection) -> rusqlite::Result<Vec<Coverage>> {
    // From the segments' per-host statistics: no event is decoded. The source is the
    // reader (format) of the evidence file.
    let mut st = conn.prepare(
        "SELECT NULLIF(sh.host, ''), coalesce(e.format, ''), min(sh.ts_min), max(sh.ts_max),
                sum(sh.count)
         FROM segment_hosts sh
         JOIN segments s ON s.id = sh.segment_id
         JOIN evidence e ON e.id = s.evidence_id
         GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Coverage {
            host: r.get(0)?,
            source: r.get(1)?,
            first: r.get(2)?,
            last: r.get(3)?,
            events: r.get::<_, i64>(4)? as u64,
        })
    })?;
    rows.collect()
}

pub(crate) fn save_investigation(conn: &Connection, now: i64, json: &str) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO investigations (created, report) VALUES (?1, ?2)",
        params![now, json],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn latest_investigation(conn: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    let mut st =
        conn.prepare("SELECT created, report FROM investigations ORDER BY id DESC LIMIT 1")?;
    let mut rows = st.query([])?;
    match rows.next()? {
        Some(r) => Ok(Some((r.get(0)?, r.get(1)?))),
        None => Ok(None),
    }
}

pub(crate) fn first_host(conn: &Connection, evidence_id: i64) -> rusqlite::Result<Option<String>> {
    let mut st = conn.prepare_cached(
        "SELECT sh.host FROM segments s JOIN segment_hosts sh ON sh.segment_id = s.id
         WHERE s.evidence_id = ?1 AND sh.host != '' ORDER BY s.id LIMIT 1",
    )?;
    let mut rows = st.query([evidence_id])?;
    match rows.next()? {
        Some(r) => r.get(0),
        None => Ok(None),
    }
}
