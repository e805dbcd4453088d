//! Reading the timeline back.

use crate::codec::decode_fields;
use crate::{Evidence, EvidenceState, ProblemRow, RejectedRow};
use firebreak_event::{
    Event, File, Location, Network, Process, Provenance, SourceKind, Timestamp, TzPolicy, User,
};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};
use std::path::Path;

/// A time window, microseconds since the epoch, `to` exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A `FIELD=VALUE` condition: a normalised name (`host`, `user.name`, ...) or an
/// original field name (`TargetUserName`, `cs-uri-stem`, ...). Exact match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub field: String,
    pub value: String,
}

/// A timeline query. Empty vectors mean "any".
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub range: TimeRange,
    /// Host names; `ws-042` matches `WS-042` and `WS-042.corp.local`.
    pub hosts: Vec<String>,
    /// User names, case-insensitive.
    pub users: Vec<String>,
    pub sources: Vec<SourceKind>,
    pub event_ids: Vec<String>,
    /// Full-text: case-insensitive substring of the message or any original field.
    pub search: Option<String>,
    pub filters: Vec<Filter>,
    pub evidence_path_suffix: Option<String>,
    pub location: Option<Location>,
    pub limit: u64,
    pub offset: u64,
}

/// An event read back from the case, with its row id.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: i64,
    pub event: Event,
}

pub(crate) enum QueryError {
    Db(rusqlite::Error),
    Corrupt(String),
}

impl From<rusqlite::Error> for QueryError {
    fn from(e: rusqlite::Error) -> Self {
        QueryError::Db(e)
    }
}

/// Normalised names that are columns.
fn column_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "host" => "host",
        "source" => "source",
        "event_id" => "event_id",
        "channel" => "channel",
        "provider" => "provider",
        "user.name" => "user_name",
        "user.domain" => "user_domain",
        "user.sid" => "user_sid",
        "process.image" => "process_image",
        "process.pid" => "process_pid",
        "process.command_line" => "process_command_line",
        "process.parent_image" => "process_parent_image",
        "process.parent_pid" => "process_parent_pid",
        "process.hashes" => "process_hashes",
        "network.src_ip" => "src_ip",
        "network.src_port" => "src_port",
        "network.dst_ip" => "dst_ip",
        "network.dst_port" => "dst_port",
        "network.protocol" => "protocol",
        "file.path" => "file_path",
        "file.hashes" => "file_hashes",
        "url" => "url",
        "domain" => "domain",
        "message" => "message",
        "timestamp_desc" => "timestamp_desc",
        _ => return None,
    })
}

struct Sql {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Sql {
    fn push(&mut self, clause: String, params: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause);
        self.params.extend(params);
    }
    fn placeholders(&self, n: usize) -> String {
        let start = self.params.len() + 1;
        (start..start + n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn like_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn text(v: &str) -> Value {
    Value::Text(v.to_string())
}

/// Exact host names in the case matching the user's host filters.
fn resolve_hosts(conn: &Connection, wanted: &[String]) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT host FROM hosts")?;
    let all: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(all
        .into_iter()
        .filter(|h| wanted.iter().any(|w| host_matches(h, w)))
        .collect())
}

fn host_matches(host: &str, wanted: &str) -> bool {
    let h = host.to_ascii_lowercase();
    let w = wanted.to_ascii_lowercase();
    h == w || h.strip_prefix(&w).is_some_and(|rest| rest.starts_with('.'))
}

fn build(conn: &Connection, q: &Query) -> Result<Sql, QueryError> {
    let mut sql = Sql {
        clauses: Vec::new(),
        params: Vec::new(),
    };
    if let Some(f) = q.range.from {
        let p = sql.placeholders(1);
        sql.push(format!("ts >= {p}"), [Value::Integer(f)]);
    }
    if let Some(t) = q.range.to {
        let p = sql.placeholders(1);
        sql.push(format!("ts < {p}"), [Value::Integer(t)]);
    }
    if !q.hosts.is_empty() {
        let hosts = resolve_hosts(conn, &q.hosts)?;
        let p = sql.placeholders(hosts.len());
        sql.push(format!("host IN ({p})"), hosts.iter().map(|h| text(h)));
    }
    if !q.users.is_empty() {
        let p = sql.placeholders(q.users.len());
        sql.push(
            format!("user_name COLLATE NOCASE IN ({p})"),
            q.users.iter().map(|u| text(u)),
        );
    }
    if !q.sources.is_empty() {
        let p = sql.placeholders(q.sources.len());
        sql.push(
            format!("source IN ({p})"),
            q.sources.iter().map(|s| text(s.as_str())),
        );
    }
    if !q.event_ids.is_empty() {
        let p = sql.placeholders(q.event_ids.len());
        sql.push(
            format!("event_id IN ({p})"),
            q.event_ids.iter().map(|e| text(e)),
        );
    }
    if let Some(s) = &q.search {
        let p = sql.placeholders(1);
        sql.push(
            format!("(message LIKE {p} ESCAPE '\\' OR fields LIKE {p} ESCAPE '\\')"),
            [text(&like_pattern(s))],
        );
    }
    for f in &q.filters {
        add_filter(&mut sql, f)?;
    }
    if let Some(suffix) = &q.evidence_path_suffix {
        let p = sql.placeholders(1);
        sql.push(
            format!(
                "evidence_id IN (SELECT id FROM evidence WHERE replace(display_path, '\\', '/') LIKE {p} ESCAPE '\\')"
            ),
            [text(&format!("%{}", &like_pattern(suffix)[1..]))],
        );
    }
    if let Some(loc) = q.location {
        let p = sql.placeholders(2);
        let (a, b) = p.split_once(',').unwrap_or((&p, &p));
        sql.push(
            format!("loc_kind = {a} AND loc_value = {b}"),
            [text(loc.kind()), Value::Integer(loc.value() as i64)],
        );
    }
    Ok(sql)
}

fn add_filter(sql: &mut Sql, f: &Filter) -> Result<(), QueryError> {
    let p = sql.placeholders(1);
    let lhs = match column_of(&f.field) {
        Some(col) => format!("CAST({col} AS TEXT)"),
        None => {
            if f.field.contains('"') {
                return Err(QueryError::Corrupt(format!("bad field name {:?}", f.field)));
            }
            format!(
                "json_extract(fields, '$.\"{}\"')",
                f.field.replace('\'', "''")
            )
        }
    };
    sql.push(format!("{lhs} = {p}"), [text(&f.value)]);
    Ok(())
}

const COLUMNS: &str = "id, ts, time_original, tz_policy, timestamp_desc, host, source, event_id,
    channel, provider, user_name, user_domain, user_sid, process_image, process_pid,
    process_command_line, process_parent_image, process_parent_pid, process_hashes, src_ip,
    src_port, dst_ip, dst_port, protocol, bytes_in, bytes_out, file_path, file_size, file_hashes,
    url, domain, message, fields, evidence_id, loc_kind, loc_value";

/// Stream matching events to `each` in time order; it returns `false` to stop.
pub(crate) fn run_each(
    conn: &Connection,
    db: Option<&Path>,
    q: &Query,
    each: &mut dyn FnMut(StoredEvent) -> bool,
) -> Result<(), QueryError> {
    let sql = build(conn, q)?;
    let where_ = where_clause(&sql.clauses);
    if let (Some(db), true) = (db, is_full_scan(q)) {
        return parallel_scan(conn, db, q, &sql, each);
    }
    let limit = if q.limit == 0 { -1 } else { q.limit as i64 };
    let text = format!(
        "SELECT {COLUMNS} FROM events {where_} ORDER BY ts, id LIMIT {limit} OFFSET {}",
        q.offset
    );
    let mut st = conn.prepare(&text)?;
    let mut rows = st.query(rusqlite::params_from_iter(sql.params.iter()))?;
    while let Some(row) = rows.next()? {
        if !each(row_to_event(row)?) {
            break;
        }
    }
    Ok(())
}

/// Every stored event in storage order (cheapest order: no index walk), optionally
/// only those of some evidence ids; `each` returns `false` to stop.
pub(crate) fn scan_each(
    conn: &Connection,
    evidence: &[i64],
    each: &mut dyn FnMut(StoredEvent) -> bool,
) -> Result<(), QueryError> {
    let where_ = if evidence.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = evidence.iter().map(|i| i.to_string()).collect();
        format!("WHERE evidence_id IN ({})", ids.join(","))
    };
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM events {where_} ORDER BY id"
    ))?;
    let mut rows = st.query([])?;
    while let Some(row) = rows.next()? {
        if !each(row_to_event(row)?) {
            break;
        }
    }
    Ok(())
}

/// The events with these ids, in the order of `ids` (missing ids are left out).
pub(crate) fn by_ids(conn: &Connection, ids: &[i64]) -> Result<Vec<StoredEvent>, QueryError> {
    let none = Sql {
        clauses: Vec::new(),
        params: Vec::new(),
    };
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for e in select_chunk(conn, &none, chunk, COLUMNS, |r| Ok(row_to_event(r)))? {
            let e = e?;
            found.insert(e.id, e);
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

fn where_clause(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    }
}

/// A full-text search with nothing to narrow it (no time window, host or location)
/// reads every row: in rowid order, split across threads, is several times faster
/// than walking the time index and fetching rows one by one.
fn is_full_scan(q: &Query) -> bool {
    q.search.is_some()
        && q.range == TimeRange::default()
        && q.hosts.is_empty()
        && q.location.is_none()
        && q.evidence_path_suffix.is_none()
}

fn parallel_scan(
    conn: &Connection,
    db: &Path,
    q: &Query,
    _sql: &Sql,
    each: &mut dyn FnMut(StoredEvent) -> bool,
) -> Result<(), QueryError> {
    let needle = q.search.as_deref().unwrap_or_default();
    let ids = crate::search::candidates(conn, db, needle)?;
    let rest = Query {
        search: None,
        ..q.clone()
    };
    let sql = build(conn, &rest)?;
    let mut keyed = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        keyed.extend(select_chunk(conn, &sql, chunk, "id, ts", |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(0)?))
        })?);
    }
    keyed.sort_unstable();
    let take = if q.limit == 0 {
        usize::MAX
    } else {
        q.limit as usize
    };
    let page: Vec<i64> = keyed
        .into_iter()
        .skip(q.offset as usize)
        .take(take)
        .map(|(_, id)| id)
        .collect();
    let mut events = Vec::with_capacity(page.len());
    for chunk in page.chunks(500) {
        for e in select_chunk(conn, &sql, chunk, COLUMNS, |r| Ok(row_to_event(r)))? {
            events.push(e?);
        }
    }
    events.sort_by_key(|e| (e.event.timestamp, e.id));
    for e in events {
        if !each(e) {
            break;
        }
    }
    Ok(())
}

/// Rows among `ids` that also meet the query's other clauses.
fn select_chunk<T>(
    conn: &Connection,
    sql: &Sql,
    ids: &[i64],
    columns: &str,
    mut map: impl FnMut(&Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>, QueryError> {
    let first = sql.params.len() + 1;
    let list = (first..first + ids.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut clauses = sql.clauses.clone();
    clauses.push(format!("id IN ({list})"));
    let text = format!("SELECT {columns} FROM events {}", where_clause(&clauses));
    let mut st = conn.prepare_cached(&text)?;
    let params = sql
        .params
        .iter()
        .cloned()
        .chain(ids.iter().map(|&i| Value::Integer(i)));
    let mut rows = st.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

fn u64_of(row: &Row, i: usize) -> rusqlite::Result<Option<u64>> {
    Ok(row
        .get::<_, Option<i64>>(i)?
        .and_then(|v| u64::try_from(v).ok()))
}

fn u16_of(row: &Row, i: usize) -> rusqlite::Result<Option<u16>> {
    Ok(row
        .get::<_, Option<i64>>(i)?
        .and_then(|v| u16::try_from(v).ok()))
}

fn row_to_event(row: &Row) -> Result<StoredEvent, QueryError> {
    let bad = QueryError::Corrupt;
    let ts = Timestamp::from_micros(row.get(1)?).map_err(|e| bad(e.to_string()))?;
    let source: String = row.get(6)?;
    let source = SourceKind::parse(&source).ok_or_else(|| bad(format!("source {source}")))?;
    let loc_kind: String = row.get(34)?;
    let location = Location::from_parts(&loc_kind, row.get::<_, i64>(35)? as u64)
        .ok_or_else(|| bad(format!("location kind {loc_kind}")))?;
    let fields_text: String = row.get(32)?;
    let fields = decode_fields(&fields_text).map_err(|e| bad(format!("fields: {e}")))?;
    let event = Event {
        timestamp: ts,
        time_original: row.get(2)?,
        tz_policy: TzPolicy::from_text(&row.get::<_, String>(3)?),
        timestamp_desc: row.get(4)?,
        host: row.get(5)?,
        source,
        event_id: row.get(7)?,
        channel: row.get(8)?,
        provider: row.get(9)?,
        user: User {
            name: row.get(10)?,
            domain: row.get(11)?,
            sid: row.get(12)?,
        },
        process: Process {
            image: row.get(13)?,
            pid: u64_of(row, 14)?,
            command_line: row.get(15)?,
            parent_image: row.get(16)?,
            parent_pid: u64_of(row, 17)?,
            hashes: row.get(18)?,
        },
        network: Network {
            src_ip: row.get(19)?,
            src_port: u16_of(row, 20)?,
            dst_ip: row.get(21)?,
            dst_port: u16_of(row, 22)?,
            protocol: row.get(23)?,
            bytes_in: u64_of(row, 24)?,
            bytes_out: u64_of(row, 25)?,
        },
        file: File {
            path: row.get(26)?,
            size: u64_of(row, 27)?,
            hashes: row.get(28)?,
        },
        url: row.get(29)?,
        domain: row.get(30)?,
        message: row.get(31)?,
        fields,
        provenance: Provenance {
            evidence_id: row.get(33)?,
            location,
        },
    };
    Ok(StoredEvent {
        id: row.get(0)?,
        event,
    })
}

pub(crate) fn evidence_rows(conn: &Connection) -> rusqlite::Result<Vec<Evidence>> {
    let mut st = conn.prepare(
        "SELECT id, sha256, display_path, disk_path, member, container_sha256, size, mtime, format,
            state, records_stored, records_rejected, events, ingest_started, ingest_completed, note
         FROM evidence ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        let state: String = r.get(9)?;
        Ok(Evidence {
            id: r.get(0)?,
            info: crate::EvidenceInfo {
                sha256: r.get(1)?,
                display_path: r.get(2)?,
                disk_path: r.get(3)?,
                member: r.get(4)?,
                container_sha256: r.get(5)?,
                size: r.get::<_, i64>(6)? as u64,
                mtime: r.get(7)?,
                format: r.get(8)?,
            },
            state: EvidenceState::parse(&state).unwrap_or(EvidenceState::Ingesting),
            records_stored: r.get::<_, i64>(10)? as u64,
            records_rejected: r.get::<_, i64>(11)? as u64,
            events: r.get::<_, i64>(12)? as u64,
            ingest_started: r.get(13)?,
            ingest_completed: r.get(14)?,
            note: r.get(15)?,
        })
    })?;
    rows.collect()
}

pub(crate) fn rejected_rows(
    conn: &Connection,
    limit: u64,
) -> rusqlite::Result<(Vec<RejectedRow>, u64)> {
    let total: i64 = conn.query_row("SELECT count(*) FROM rejected", [], |r| r.get(0))?;
    let mut st = conn.prepare(
        "SELECT r.evidence_id, e.display_path, r.loc_kind, r.loc_value, r.reason
         FROM rejected r JOIN evidence e ON e.id = r.evidence_id
         ORDER BY r.rowid LIMIT ?1",
    )?;
    let rows = st.query_map([limit as i64], |r| {
        let kind: String = r.get(2)?;
        let value = r.get::<_, i64>(3)? as u64;
        Ok(RejectedRow {
            evidence_id: r.get(0)?,
            display_path: r.get(1)?,
            location: Location::from_parts(&kind, value).unwrap_or(Location::Offset(value)),
            reason: r.get(4)?,
        })
    })?;
    Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
}

pub(crate) fn problem_rows(conn: &Connection) -> rusqlite::Result<Vec<ProblemRow>> {
    let mut st = conn.prepare("SELECT path, kind, reason, at FROM problems ORDER BY rowid")?;
    let rows = st.query_map([], |r| {
        Ok(ProblemRow {
            path: r.get(0)?,
            kind: r.get(1)?,
            reason: r.get(2)?,
            at: r.get(3)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_match_short_and_fqdn() {
        assert!(host_matches("WS-042.corp.local", "ws-042"));
        assert!(host_matches("ws-042", "WS-042"));
        assert!(!host_matches("WS-0421", "ws-042"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
