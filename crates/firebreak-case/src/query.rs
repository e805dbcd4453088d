//! Reading the timeline back.

use crate::segment::{Record, SegmentView, S_EVENT_ID, S_HOST, S_USER_NAME};
use crate::{Evidence, EvidenceState, ProblemRow, RejectedRow};
use firebreak_event::{Event, Location, SourceKind};
use rusqlite::types::Value;
use rusqlite::Connection;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
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

/// An event read back from the case, with its id (`segment id << 16 | index`,
/// stable for the case's life).
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

/// The id of event `index` of segment `segment` ([`StoredEvent::id`]).
pub(crate) fn event_id(segment: i64, index: usize) -> i64 {
    (segment << 16) | (index as i64 & 0xffff)
}

fn split_id(id: i64) -> (i64, usize) {
    (id >> 16, (id & 0xffff) as usize)
}

/// What a query needs to know of a segment.
#[derive(Debug, Clone, Copy)]
struct SegMeta {
    id: i64,
    evidence_id: i64,
    ts_min: i64,
}

/// Row-level conditions, checked on decoded records.
struct Pred<'q> {
    range: TimeRange,
    /// Exact host names (already resolved against the case's hosts).
    hosts: Option<HashSet<String>>,
    q: &'q Query,
}

impl Pred<'_> {
    fn ts_ok(&self, ts: i64) -> bool {
        self.range.from.is_none_or(|f| ts >= f) && self.range.to.is_none_or(|t| ts < t)
    }

    /// Whether anything beyond the time must be read from the record.
    fn needs_event(&self) -> bool {
        let q = self.q;
        self.hosts.is_some()
            || !q.users.is_empty()
            || !q.sources.is_empty()
            || !q.event_ids.is_empty()
            || !q.filters.is_empty()
            || q.location.is_some()
    }

    /// `names`: the segment's id of each filter's field name ([`SegmentView::name_id`]).
    fn record_ok(&self, r: &Record<'_>, names: &[Option<u32>]) -> Result<bool, String> {
        let q = self.q;
        if let Some(hosts) = &self.hosts {
            if !r.strs[S_HOST].is_some_and(|h| hosts.contains(h)) {
                return Ok(false);
            }
        }
        if !q.users.is_empty()
            && !r.strs[S_USER_NAME]
                .is_some_and(|n| q.users.iter().any(|u| u.eq_ignore_ascii_case(n)))
        {
            return Ok(false);
        }
        if !q.sources.is_empty() && !q.sources.contains(&r.source) {
            return Ok(false);
        }
        if !q.event_ids.is_empty()
            && !r.strs[S_EVENT_ID].is_some_and(|e| q.event_ids.iter().any(|w| w == e))
        {
            return Ok(false);
        }
        if q.location.is_some_and(|loc| r.location != loc) {
            return Ok(false);
        }
        for (f, name) in q.filters.iter().zip(names) {
            // A normalised name (set or not) never falls back to an original field.
            let value = match r.normalised(&f.field) {
                Ok(v) => v,
                Err(()) => match name {
                    Some(id) => r.field_by_id(*id)?.map(Cow::Borrowed),
                    None => None,
                },
            };
            if value.as_deref() != Some(f.value.as_str()) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn placeholders(params: &[Value], n: usize) -> String {
    let start = params.len() + 1;
    (start..start + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The segments that may hold matches (time window, hosts, event ids, evidence,
/// location), ordered by their first time.
fn candidate_segments(
    conn: &Connection,
    q: &Query,
    hosts: Option<&HashSet<String>>,
) -> rusqlite::Result<Vec<SegMeta>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(f) = q.range.from {
        clauses.push(format!("ts_max >= {}", placeholders(&params, 1)));
        params.push(Value::Integer(f));
    }
    if let Some(t) = q.range.to {
        clauses.push(format!("ts_min < {}", placeholders(&params, 1)));
        params.push(Value::Integer(t));
    }
    if let Some(hosts) = hosts {
        let p = placeholders(&params, hosts.len());
        clauses.push(format!(
            "id IN (SELECT segment_id FROM segment_hosts WHERE host IN ({p}))"
        ));
        params.extend(hosts.iter().map(|h| text(h)));
    }
    if !q.event_ids.is_empty() {
        let p = placeholders(&params, q.event_ids.len());
        clauses.push(format!(
            "id IN (SELECT segment_id FROM segment_event_ids WHERE event_id IN ({p}))"
        ));
        params.extend(q.event_ids.iter().map(|e| text(e)));
    }
    if let Some(suffix) = &q.evidence_path_suffix {
        let p = placeholders(&params, 1);
        clauses.push(format!(
            "evidence_id IN (SELECT id FROM evidence WHERE replace(display_path, '\\', '/') LIKE {p} ESCAPE '\\')"
        ));
        params.push(text(&format!("%{}", &like_pattern(suffix)[1..])));
    }
    if let Some(loc) = q.location {
        let p = placeholders(&params, 1);
        clauses.push(format!("loc_min <= {p} AND loc_max >= {p}"));
        params.push(Value::Integer(loc.value() as i64));
    }
    let where_ = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let mut st = conn.prepare(&format!(
        "SELECT id, evidence_id, ts_min FROM segments {where_} ORDER BY ts_min, id"
    ))?;
    let rows = st.query_map(rusqlite::params_from_iter(params.iter()), |r| {
        Ok(SegMeta {
            id: r.get(0)?,
            evidence_id: r.get(1)?,
            ts_min: r.get(2)?,
        })
    })?;
    rows.collect()
}

fn corrupt(seg: i64) -> impl Fn(String) -> QueryError {
    move |e| QueryError::Corrupt(format!("segment {seg}: {e}"))
}

/// The blob of a segment.
fn segment_blob(conn: &Connection, seg: i64) -> Result<Vec<u8>, QueryError> {
    let mut st = conn.prepare_cached("SELECT data FROM segment_data WHERE segment_id = ?1")?;
    let mut rows = st.query([seg])?;
    match rows.next()? {
        Some(r) => Ok(r.get(0)?),
        None => Err(QueryError::Corrupt(format!("segment {seg} has no data"))),
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Run `f` over the segments on all cores: blobs are read here (one connection),
/// decoded and examined on scoped threads. Results come back in input order.
fn par_segments<T: Send>(
    conn: &Connection,
    segs: &[SegMeta],
    f: &(dyn Fn(&SegMeta, SegmentView) -> Result<T, QueryError> + Sync),
) -> Result<Vec<T>, QueryError> {
    let mut blobs = Vec::with_capacity(segs.len());
    for m in segs {
        blobs.push(segment_blob(conn, m.id)?);
    }
    let work = |m: &SegMeta, blob: &[u8]| -> Result<T, QueryError> {
        f(m, SegmentView::open(blob).map_err(corrupt(m.id))?)
    };
    let n = threads().min(segs.len());
    if n <= 1 {
        return segs.iter().zip(&blobs).map(|(m, b)| work(m, b)).collect();
    }
    let per = segs.len().div_ceil(n);
    let parts: Vec<Result<Vec<T>, QueryError>> = std::thread::scope(|s| {
        let handles: Vec<_> = segs
            .chunks(per)
            .zip(blobs.chunks(per))
            .map(|(ms, bs)| {
                let work = &work;
                s.spawn(move || ms.iter().zip(bs).map(|(m, b)| work(m, b)).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(QueryError::Corrupt("decoding thread failed".into())))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(segs.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Segments read per round of a streaming pass.
fn round() -> usize {
    4 * threads()
}

/// Stream matching events to `each` in time order; it returns `false` to stop.
pub(crate) fn run_each(
    conn: &Connection,
    db: Option<&Path>,
    q: &Query,
    each: &mut dyn FnMut(StoredEvent) -> bool,
) -> Result<(), QueryError> {
    let hosts = if q.hosts.is_empty() {
        None
    } else {
        let resolved: HashSet<String> = resolve_hosts(conn, &q.hosts)?.into_iter().collect();
        if resolved.is_empty() {
            return Ok(());
        }
        Some(resolved)
    };
    let segs = candidate_segments(conn, q, hosts.as_ref())?;
    let pred = Pred {
        range: q.range,
        hosts,
        q,
    };
    if let Some(needle) = &q.search {
        let ids: Vec<i64> = segs.iter().map(|m| m.id).collect();
        let hits = crate::search::candidates(conn, db, needle, &ids)?;
        return collect_sorted(conn, q, &pred, &segs, Some(&hits), each);
    }
    merge(conn, q, &pred, &segs, each)
}

/// Indexes of a segment's records that meet `pred`, with their times.
fn matches_in(
    pred: &Pred<'_>,
    m: &SegMeta,
    view: &SegmentView,
    only: Option<&[usize]>,
    out: &mut Vec<(i64, i64)>,
) -> Result<(), QueryError> {
    let names: Vec<Option<u32>> = pred
        .q
        .filters
        .iter()
        .map(|f| view.name_id(&f.field))
        .collect();
    let mut check = |i: usize| -> Result<(), QueryError> {
        let Some(&ts) = view.ts.get(i) else {
            return Ok(());
        };
        if !pred.ts_ok(ts) {
            return Ok(());
        }
        if pred.needs_event() {
            let ok = view.record(i).and_then(|r| pred.record_ok(&r, &names));
            if !ok.map_err(corrupt(m.id))? {
                return Ok(());
            }
        }
        out.push((ts, event_id(m.id, i)));
        Ok(())
    };
    match only {
        Some(idx) => idx.iter().try_for_each(|&i| check(i)),
        None => (0..view.len()).try_for_each(check),
    }
}

/// Every match (restricted to `hits` when a full-text search gave them) as
/// (time, id) on all cores, sorted; then only the page asked for is decoded.
fn collect_sorted(
    conn: &Connection,
    q: &Query,
    pred: &Pred<'_>,
    segs: &[SegMeta],
    hits: Option<&[i64]>,
    each: &mut dyn FnMut(StoredEvent) -> bool,
) -> Result<(), QueryError> {
    let mut by_seg: HashMap<i64, Vec<usize>> = HashMap::new();
    if let Some(hits) = hits {
        for &id in hits {
            let (seg, i) = split_id(id);
            by_seg.entry(seg).or_default().push(i);
        }
    }
    let segs: Vec<SegMeta> = match hits {
        Some(_) => segs
            .iter()
            .filter(|m| by_seg.contains_key(&m.id))
            .copied()
            .collect(),
        None => segs.to_vec(),
    };
    let by_seg = &by_seg;
    let mut keys = Vec::new();
    for chunk in segs.chunks(round()) {
        let parts = par_segments(conn, chunk, &|m, view| {
            let mut out = Vec::new();
            let only = hits.map(|_| by_seg.get(&m.id).map_or(&[][..], Vec::as_slice));
            matches_in(pred, m, &view, only, &mut out)?;
            Ok(out)
        })?;
        keys.extend(parts.into_iter().flatten());
    }
    keys.sort_unstable();
    let take = if q.limit == 0 {
        usize::MAX
    } else {
        q.limit as usize
    };
    let page: Vec<i64> = keys
        .into_iter()
        .skip(q.offset as usize)
        .take(take)
        .map(|(_, id)| id)
        .collect();
    for chunk in page.chunks(4096) {
        for e in by_ids(conn, chunk)? {
            if !each(e) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Time-ordered merge of the candidate segments. A segment is decoded only once
/// the merge reaches its first time, a round of segments at a time on all cores:
/// the first page of a narrow query reads few, a sparse match over the whole case
/// decodes in parallel.
fn merge(
    conn: &Connection,
    q: &Query,
    pred: &Pred<'_>,
    segs: &[SegMeta],
    each: &mut dyn FnMut(StoredEvent) -> bool,
) -> Result<(), QueryError> {
    let mut heap: BinaryHeap<Reverse<(i64, i64, usize)>> = BinaryHeap::new();
    // slot -> (view, evidence id, matches not yet emitted)
    let mut open: HashMap<usize, (SegmentView, i64, usize)> = HashMap::new();
    let from = q.range.from.unwrap_or(i64::MIN);
    let (mut next, mut skipped, mut emitted) = (0usize, 0u64, 0u64);
    loop {
        let load = segs.get(next).is_some_and(|m| {
            heap.peek()
                .is_none_or(|Reverse((ts, _, _))| m.ts_min.max(from) <= *ts)
        });
        if load {
            let end = (next + round()).min(segs.len());
            let loaded = par_segments(conn, &segs[next..end], &|m, view| {
                let mut found = Vec::new();
                matches_in(pred, m, &view, None, &mut found)?;
                Ok((view, found))
            })?;
            for (slot, (view, found)) in (next..end).zip(loaded) {
                for &(ts, id) in &found {
                    heap.push(Reverse((ts, id, slot)));
                }
                if !found.is_empty() {
                    open.insert(slot, (view, segs[slot].evidence_id, found.len()));
                }
            }
            next = end;
            continue;
        }
        let Some(Reverse((_, id, slot))) = heap.pop() else {
            break;
        };
        let Some((view, evidence_id, left)) = open.get_mut(&slot) else {
            return Err(QueryError::Corrupt("merge lost a segment".into()));
        };
        if skipped < q.offset {
            skipped += 1;
        } else {
            let event = view
                .event(split_id(id).1, *evidence_id)
                .map_err(corrupt(split_id(id).0))?;
            if !each(StoredEvent { id, event }) {
                break;
            }
            emitted += 1;
            if q.limit > 0 && emitted >= q.limit {
                break;
            }
        }
        *left -= 1;
        if *left == 0 {
            open.remove(&slot);
        }
    }
    Ok(())
}

/// Every stored event in storage order (no time sort: the cheapest full pass),
/// optionally only those of some evidence ids; `each` returns `false` to stop.
/// Segments are decoded on all cores, a few ahead of the caller.
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
    let segs: Vec<SegMeta> = {
        let mut st = conn.prepare(&format!(
            "SELECT id, evidence_id, ts_min FROM segments {where_} ORDER BY id"
        ))?;
        let rows = st.query_map([], |r| {
            Ok(SegMeta {
                id: r.get(0)?,
                evidence_id: r.get(1)?,
                ts_min: r.get(2)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let decode = |m: &SegMeta, blob: &[u8], buf: &mut Vec<u8>| {
        let view = SegmentView::open_in(blob, std::mem::take(buf)).map_err(corrupt(m.id))?;
        let events = (0..view.len())
            .map(|i| {
                Ok(StoredEvent {
                    id: event_id(m.id, i),
                    event: view.event(i, m.evidence_id).map_err(corrupt(m.id))?,
                })
            })
            .collect::<Result<Vec<_>, QueryError>>();
        *buf = view.into_bytes();
        events
    };
    let n = threads().min(segs.len());
    if n <= 1 {
        let mut buf = Vec::new();
        for m in &segs {
            for e in decode(m, &segment_blob(conn, m.id)?, &mut buf)? {
                if !each(e) {
                    return Ok(());
                }
            }
        }
        return Ok(());
    }
    // Workers that live for the whole scan (each keeps its decompression buffer
    // and its allocator pages); this thread reads blobs ahead and hands the
    // decoded segments to `each` in storage order.
    let ahead = 2 * n;
    let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(ahead);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let job_rx = std::sync::Mutex::new(job_rx);
    let decode = &decode;
    std::thread::scope(|s| {
        for _ in 0..n {
            let (job_rx, done_tx, segs) = (&job_rx, done_tx.clone(), &segs);
            s.spawn(move || {
                let mut buf = Vec::new();
                loop {
                    let job = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, blob))) = job else {
                        break;
                    };
                    if done_tx
                        .send((seq, decode(&segs[seq], &blob, &mut buf)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let result = (|| {
            let (mut sent, mut emitted) = (0usize, 0usize);
            let mut ready = std::collections::BTreeMap::new();
            while emitted < segs.len() {
                while sent < segs.len() && sent - emitted < ahead {
                    let blob = segment_blob(conn, segs[sent].id)?;
                    if job_tx.send((sent, blob)).is_err() {
                        return Err(QueryError::Corrupt("decoding threads failed".into()));
                    }
                    sent += 1;
                }
                while !ready.contains_key(&emitted) {
                    let Ok((seq, events)) = done_rx.recv() else {
                        return Err(QueryError::Corrupt("decoding threads failed".into()));
                    };
                    ready.insert(seq, events);
                }
                if let Some(events) = ready.remove(&emitted) {
                    for e in events? {
                        if !each(e) {
                            return Ok(());
                        }
                    }
                }
                emitted += 1;
            }
            Ok(())
        })();
        drop(job_tx); // workers finish what they hold and stop
        result
    })
}

/// The events with these ids, in the order of `ids` (missing ids are left out).
pub(crate) fn by_ids(conn: &Connection, ids: &[i64]) -> Result<Vec<StoredEvent>, QueryError> {
    let mut wanted: Vec<i64> = ids.iter().map(|&id| split_id(id).0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut segs = Vec::with_capacity(wanted.len());
    {
        let mut st = conn.prepare_cached("SELECT evidence_id FROM segments WHERE id = ?1")?;
        for seg in wanted {
            let mut rows = st.query([seg])?;
            if let Some(r) = rows.next()? {
                segs.push(SegMeta {
                    id: seg,
                    evidence_id: r.get(0)?,
                    ts_min: 0,
                });
            }
        }
    }
    let mut found: HashMap<i64, Event> = HashMap::with_capacity(ids.len());
    let mut by_seg: HashMap<i64, Vec<usize>> = HashMap::new();
    for &id in ids {
        let (seg, i) = split_id(id);
        by_seg.entry(seg).or_default().push(i);
    }
    let by_seg = &by_seg;
    for chunk in segs.chunks(round()) {
        let parts = par_segments(conn, chunk, &|m, view| {
            let mut out = Vec::new();
            for &i in by_seg.get(&m.id).map_or(&[][..], Vec::as_slice) {
                if i < view.len() {
                    let ev = view.event(i, m.evidence_id).map_err(corrupt(m.id))?;
                    out.push((event_id(m.id, i), ev));
                }
            }
            Ok(out)
        })?;
        found.extend(parts.into_iter().flatten());
    }
    Ok(ids
        .iter()
        .filter_map(|&id| {
            let event = found.remove(&id)?;
            Some(StoredEvent { id, event })
        })
        .collect())
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
