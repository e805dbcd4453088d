//! Event segments: the events of one evidence file in batches of at most
//! [`SEGMENT_EVENTS`], each stored as one LZ4-compressed blob.
//!
//! A segment (decompressed) is
//!
//! ```text
//! u8 version (2)
//! varint count
//! varint names, then each field name: varint length + UTF-8    (per-segment dictionary)
//! count × zigzag varint: timestamp µs, delta to the previous    (time column)
//! count × varint: byte length of each record                    (record offsets)
//! count × record
//! ```
//!
//! and a record is the normalised event in a fixed order (location, zone policy,
//! source, optional numbers behind a presence mask, strings as varint length + 1
//! with 0 for "none"), then the original fields as (name id, value) pairs, where a
//! value equal to one of the record's normalised strings is stored as a reference
//! to it (varint `slot << 1 | 1`; literals are `length << 1`). The time
//! column lets a window query skip records without decoding them; the record
//! lengths let it decode only the records it returns.
//!
//! The builder runs where the events are made (the ingest's reader threads), so the
//! case's single writer only appends finished blobs.

use firebreak_event::{
    Event, Fields, File, Location, Network, Process, Provenance, SourceKind, Timestamp, TzPolicy,
    User,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Most events in one segment (event ids are `segment id << 16 | index`).
pub const SEGMENT_EVENTS: usize = 4096;
/// A segment is closed early once its records reach this many bytes.
const SEGMENT_BYTES: usize = 4 << 20;
/// Largest decompressed blob accepted back (a corrupt size prefix must not allocate
/// gigabytes).
const MAX_BLOB: usize = 256 << 20;
/// 2: original field values may refer to a normalised field of the same record.
const VERSION: u8 = 2;

/// A finished segment, ready for [`crate::Writer::segment`].
#[derive(Debug, Clone)]
pub struct Segment {
    pub(crate) count: usize,
    pub(crate) ts_min: i64,
    pub(crate) ts_max: i64,
    pub(crate) loc_min: u64,
    pub(crate) loc_max: u64,
    /// Per host named by its events ("" for events naming none): count, first and
    /// last time.
    pub(crate) hosts: Vec<(String, HostStats)>,
    pub(crate) event_ids: Vec<String>,
    /// The encoded events (compressed by the writer, see [`Segment::compress`], unless
    /// [`Segment::compress_here`] did it already).
    pub(crate) data: Vec<u8>,
    /// The events' search text, one line each.
    pub(crate) search: Vec<u8>,
    /// `data` and `search` are the stored blobs already.
    pub(crate) compressed: bool,
}

impl Segment {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The blobs as stored: LZ4 with the size prepended, of the events and of the
    /// search text. The writer does this, not the builder: with one large file the
    /// thread that reads it is an ingest's critical path, while the writer has time.
    pub(crate) fn compress(&self) -> (Cow<'_, [u8]>, Cow<'_, [u8]>) {
        if self.compressed {
            return (Cow::Borrowed(&self.data), Cow::Borrowed(&self.search));
        }
        (
            Cow::Owned(lz4_flex::compress_prepend_size(&self.data)),
            Cow::Owned(lz4_flex::compress_prepend_size(&self.search)),
        )
    }

    /// Compress on this thread instead of the writer's: for readers of a file split
    /// across threads, which together would outrun a writer compressing for all.
    pub fn compress_here(&mut self) {
        if !self.compressed {
            self.data = lz4_flex::compress_prepend_size(&self.data);
            self.search = lz4_flex::compress_prepend_size(&self.search);
            self.compressed = true;
        }
    }
}

/// Encodes events into a [`Segment`].
#[derive(Debug, Default)]
pub struct SegmentBuilder {
    names: HashMap<String, u32>,
    name_list: Vec<String>,
    /// Name ids of the previous event, by position: most sources repeat their order.
    prev_ids: Vec<u32>,
    ts: Vec<u8>,
    lens: Vec<u8>,
    records: Vec<u8>,
    search: Vec<u8>,
    count: usize,
    last_ts: i64,
    ts_min: i64,
    ts_max: i64,
    loc_min: u64,
    loc_max: u64,
    hosts: std::collections::HashMap<String, HostStats>,
    event_ids: HashSet<String>,
}

/// How many events of a segment name a host, and when the first and last were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostStats {
    pub count: u64,
    pub ts_min: i64,
    pub ts_max: i64,
}

impl SegmentBuilder {
    pub fn new() -> SegmentBuilder {
        SegmentBuilder::default()
    }

    /// Events added since the last [`SegmentBuilder::finish`].
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether the segment should be finished now.
    pub fn is_full(&self) -> bool {
        self.count >= SEGMENT_EVENTS || self.records.len() >= SEGMENT_BYTES
    }

    /// Add one event. The caller finishes the segment when [`SegmentBuilder::is_full`].
    pub fn push(&mut self, ev: &Event) {
        let ts = ev.timestamp.micros();
        let loc = ev.provenance.location.value();
        if self.count == 0 {
            (self.ts_min, self.ts_max, self.last_ts) = (ts, ts, 0);
            (self.loc_min, self.loc_max) = (loc, loc);
        } else {
            self.ts_min = self.ts_min.min(ts);
            self.ts_max = self.ts_max.max(ts);
            self.loc_min = self.loc_min.min(loc);
            self.loc_max = self.loc_max.max(loc);
        }
        put_varint(&mut self.ts, zigzag(ts.wrapping_sub(self.last_ts)));
        self.last_ts = ts;
        let host = ev.host.as_deref().unwrap_or("");
        match self.hosts.get_mut(host) {
            Some(st) => {
                st.count += 1;
                st.ts_min = st.ts_min.min(ts);
                st.ts_max = st.ts_max.max(ts);
            }
            None => {
                let st = HostStats {
                    count: 1,
                    ts_min: ts,
                    ts_max: ts,
                };
                self.hosts.insert(host.to_string(), st);
            }
        }
        if let Some(e) = &ev.event_id {
            if !self.event_ids.contains(e) {
                self.event_ids.insert(e.clone());
            }
        }
        let start = self.records.len();
        self.encode(ev);
        put_varint(&mut self.lens, (self.records.len() - start) as u64);
        if self.count > 0 {
            self.search.push(b'\n');
        }
        crate::search::search_text(ev, &mut self.search);
        self.count += 1;
    }

    fn encode(&mut self, ev: &Event) {
        let out = &mut self.records;
        let loc = &ev.provenance.location;
        out.push(match loc {
            Location::Record(_) => 0,
            Location::Line(_) => 1,
            Location::Offset(_) => 2,
        });
        put_varint(out, loc.value());
        out.push(source_code(ev.source));
        match &ev.tz_policy {
            TzPolicy::SourceZone => out.push(0),
            TzPolicy::Assumed(z) => {
                out.push(1);
                put_str(out, z);
            }
        }
        let (p, n) = (&ev.process, &ev.network);
        let ints = [
            p.pid,
            p.parent_pid,
            n.src_port.map(u64::from),
            n.dst_port.map(u64::from),
            n.bytes_in,
            n.bytes_out,
            ev.file.size,
        ];
        let mut mask = 0u8;
        for (i, v) in ints.iter().enumerate() {
            if v.is_some() {
                mask |= 1 << i;
            }
        }
        out.push(mask);
        for v in ints.iter().flatten() {
            put_varint(out, *v);
        }
        put_str(out, &ev.time_original);
        put_str(out, &ev.timestamp_desc);
        put_str(out, &ev.message);
        let strs: [Option<&str>; STRS] = [
            ev.host.as_deref(),
            ev.event_id.as_deref(),
            ev.channel.as_deref(),
            ev.provider.as_deref(),
            ev.user.name.as_deref(),
            ev.user.domain.as_deref(),
            ev.user.sid.as_deref(),
            p.image.as_deref(),
            p.command_line.as_deref(),
            p.parent_image.as_deref(),
            p.hashes.as_deref(),
            n.src_ip.as_deref(),
            n.dst_ip.as_deref(),
            n.protocol.as_deref(),
            ev.file.path.as_deref(),
            ev.file.hashes.as_deref(),
            ev.url.as_deref(),
            ev.domain.as_deref(),
        ];
        for s in strs {
            put_opt_str(out, s);
        }
        put_varint(out, ev.fields.len() as u64);
        for (pos, (k, v)) in ev.fields.iter().enumerate() {
            let id = match self.prev_ids.get(pos) {
                Some(&id) if self.name_list[id as usize] == k => id,
                _ => {
                    let id = match self.names.get(k) {
                        Some(&id) => id,
                        None => {
                            let id = self.name_list.len() as u32;
                            self.names.insert(k.to_string(), id);
                            self.name_list.push(k.to_string());
                            id
                        }
                    };
                    if pos < self.prev_ids.len() {
                        self.prev_ids[pos] = id;
                    } else {
                        self.prev_ids.push(id);
                    }
                    id
                }
            };
            put_varint(out, u64::from(id));
            // Readers copy original values into normalised fields (url, domain,
            // addresses, users): such a value is stored once, the field refers to it.
            // (Short values are not worth the comparisons.)
            let same = (v.len() >= 8)
                .then(|| {
                    strs.iter()
                        .position(|s| s.is_some_and(|s| s.len() == v.len() && s == v))
                        .or_else(|| (ev.message == v).then_some(S_MESSAGE))
                })
                .flatten();
            match same {
                Some(slot) => put_varint(out, ((slot as u64) << 1) | 1),
                None => {
                    put_varint(out, (v.len() as u64) << 1);
                    out.extend_from_slice(v.as_bytes());
                }
            }
        }
    }

    /// Close the segment (compressing it) and start an empty one.
    pub fn finish(&mut self) -> Segment {
        let mut raw = Vec::with_capacity(
            16 + self.ts.len() + self.lens.len() + self.records.len() + 32 * self.name_list.len(),
        );
        raw.push(VERSION);
        put_varint(&mut raw, self.count as u64);
        put_varint(&mut raw, self.name_list.len() as u64);
        for n in &self.name_list {
            put_str(&mut raw, n);
        }
        raw.extend_from_slice(&self.ts);
        raw.extend_from_slice(&self.lens);
        raw.extend_from_slice(&self.records);
        let search_len = self.search.len();
        let seg = Segment {
            count: self.count,
            ts_min: self.ts_min,
            ts_max: self.ts_max,
            loc_min: self.loc_min,
            loc_max: self.loc_max,
            hosts: self.hosts.drain().collect(),
            event_ids: self.event_ids.drain().collect(),
            data: raw,
            search: std::mem::replace(&mut self.search, Vec::with_capacity(search_len)),
            compressed: false,
        };
        self.names.clear();
        self.name_list.clear();
        self.prev_ids.clear();
        self.ts.clear();
        self.lens.clear();
        self.records.clear();
        self.search.clear();
        self.count = 0;
        seg
    }
}

fn source_code(s: SourceKind) -> u8 {
    SourceKind::ALL.iter().position(|k| *k == s).unwrap_or(0) as u8
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// Decompress an LZ4 blob written with its size prepended, refusing absurd sizes,
/// into a buffer kept across blobs (a scan reuses its memory instead of
/// allocating and zeroing a fresh one per blob).
pub(crate) fn decompress_into(blob: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let size = blob
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or("blob shorter than its size prefix")?;
    if size > MAX_BLOB {
        return Err(format!("blob claims {size} bytes"));
    }
    out.resize(size, 0);
    let n = lz4_flex::block::decompress_into(&blob[4..], out).map_err(|e| e.to_string())?;
    if n != size {
        return Err(format!("blob holds {n} bytes, its prefix says {size}"));
    }
    Ok(())
}

/// Reads a decompressed segment: times and record offsets up front, records on demand.
pub(crate) struct SegmentView {
    bytes: Vec<u8>,
    names: Vec<String>,
    pub(crate) ts: Vec<i64>,
    /// Start of each record in `bytes`, plus the end of the last.
    offs: Vec<usize>,
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let v = *self.b.get(self.pos).ok_or("segment ends early")?;
        self.pos += 1;
        Ok(v)
    }
    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err("varint too long".into())
    }
    fn len(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.b.len() - self.pos.min(self.b.len()))
            .ok_or_else(|| format!("length {n} past the end of the segment"))
    }
    fn span(&mut self) -> Result<(usize, usize), String> {
        let n = self.len()?;
        let s = (self.pos, self.pos + n);
        self.pos += n;
        Ok(s)
    }
    fn str(&mut self) -> Result<&'a str, String> {
        let (a, b) = self.span()?;
        std::str::from_utf8(&self.b[a..b]).map_err(|e| e.to_string())
    }
    fn opt_str(&mut self) -> Result<Option<&'a str>, String> {
        let n = self.varint()?;
        if n == 0 {
            return Ok(None);
        }
        let n = usize::try_from(n - 1)
            .ok()
            .filter(|n| {
                self.pos
                    .checked_add(*n)
                    .is_some_and(|end| end <= self.b.len())
            })
            .ok_or("string past the end of the segment")?;
        let s = std::str::from_utf8(&self.b[self.pos..self.pos + n]).map_err(|e| e.to_string())?;
        self.pos += n;
        Ok(Some(s))
    }
}

impl SegmentView {
    /// Decompress and index a segment blob.
    pub(crate) fn open(blob: &[u8]) -> Result<SegmentView, String> {
        SegmentView::open_in(blob, Vec::new())
    }

    /// [`SegmentView::open`] decompressing into `bytes` (a buffer a scan reuses,
    /// see [`SegmentView::into_bytes`]).
    pub(crate) fn open_in(blob: &[u8], mut bytes: Vec<u8>) -> Result<SegmentView, String> {
        decompress_into(blob, &mut bytes)?;
        let mut c = Cursor { b: &bytes, pos: 0 };
        let v = c.byte()?;
        if v != VERSION {
            return Err(format!("segment version {v}"));
        }
        let count = c.varint()? as usize;
        if count > SEGMENT_EVENTS.max(1 << 16) {
            return Err(format!("segment claims {count} events"));
        }
        let nnames = c.len()?;
        let mut names = Vec::with_capacity(nnames);
        for _ in 0..nnames {
            names.push(c.str()?.to_string());
        }
        let mut ts = Vec::with_capacity(count);
        let mut last = 0i64;
        for _ in 0..count {
            last = last.wrapping_add(unzigzag(c.varint()?));
            ts.push(last);
        }
        let mut lens = Vec::with_capacity(count);
        for _ in 0..count {
            lens.push(c.varint()?);
        }
        let mut offs = Vec::with_capacity(count + 1);
        let mut at = c.pos;
        offs.push(at);
        for l in lens {
            at = usize::try_from(l)
                .ok()
                .and_then(|l| at.checked_add(l))
                .filter(|end| *end <= bytes.len())
                .ok_or("record past the end of the segment")?;
            offs.push(at);
        }
        Ok(SegmentView {
            bytes,
            names,
            ts,
            offs,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.ts.len()
    }

    /// The decompressed bytes' buffer, for the next [`SegmentView::open_in`].
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The id of an original field name in this segment (`None`: no record has it).
    pub(crate) fn name_id(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }

    /// Decode record `i` (`evidence_id` is stored once per segment, not per record).
    pub(crate) fn event(&self, i: usize, evidence_id: i64) -> Result<Event, String> {
        self.record(i)?.to_event(evidence_id)
    }

    /// Record `i` as borrowed text: what a query's conditions read, without
    /// allocating.
    pub(crate) fn record(&self, i: usize) -> Result<Record<'_>, String> {
        let (start, end) = (self.offs[i], self.offs[i + 1]);
        let mut c = Cursor {
            b: &self.bytes[..end],
            pos: start,
        };
        let kind = c.byte()?;
        let value = c.varint()?;
        let location = match kind {
            0 => Location::Record(value),
            1 => Location::Line(value),
            2 => Location::Offset(value),
            k => return Err(format!("location kind {k}")),
        };
        let source = *SourceKind::ALL
            .get(c.byte()? as usize)
            .ok_or("unknown source")?;
        let zone = match c.byte()? {
            0 => None,
            1 => Some(c.str()?),
            k => return Err(format!("zone policy {k}")),
        };
        let mask = c.byte()?;
        let mut ints = [None; 7];
        for (bit, slot) in ints.iter_mut().enumerate() {
            if mask & (1 << bit) != 0 {
                *slot = Some(c.varint()?);
            }
        }
        let time_original = c.str()?;
        let timestamp_desc = c.str()?;
        let message = c.str()?;
        let mut strs = [None; STRS];
        for slot in strs.iter_mut() {
            *slot = c.opt_str()?;
        }
        let nfields = c.len()?;
        Ok(Record {
            view: self,
            ts: self.ts[i],
            location,
            source,
            zone,
            ints,
            time_original,
            timestamp_desc,
            message,
            strs,
            nfields,
            fields_at: c.pos,
            end,
        })
    }
}

/// Number of optional normalised strings, in this order in a record.
const STRS: usize = 18;
pub(crate) const S_HOST: usize = 0;
pub(crate) const S_EVENT_ID: usize = 1;
pub(crate) const S_USER_NAME: usize = 4;
/// Reference slot of the message (after the optional strings).
const S_MESSAGE: usize = STRS;

/// Normalised names of the optional strings, by position.
const STR_NAMES: [&str; STRS] = firebreak_event::NORMALISED_TEXT;

/// One record of a segment, borrowed.
pub(crate) struct Record<'a> {
    view: &'a SegmentView,
    pub(crate) ts: i64,
    pub(crate) location: Location,
    pub(crate) source: SourceKind,
    zone: Option<&'a str>,
    ints: [Option<u64>; 7],
    time_original: &'a str,
    timestamp_desc: &'a str,
    message: &'a str,
    pub(crate) strs: [Option<&'a str>; STRS],
    nfields: usize,
    fields_at: usize,
    end: usize,
}

impl<'a> Record<'a> {
    /// The original fields, in order.
    fn fields(&self) -> impl Iterator<Item = Result<(&'a str, &'a str), String>> + '_ {
        let view = self.view;
        let mut c = Cursor {
            b: &view.bytes[..self.end],
            pos: self.fields_at,
        };
        (0..self.nfields).map(move |_| {
            let id = c.varint()? as usize;
            let name = view.names.get(id).ok_or("unknown field name id")?;
            Ok((name.as_str(), self.value(&mut c)?))
        })
    }

    /// An original field's value: a literal or a reference to a normalised string.
    fn value(&self, c: &mut Cursor<'a>) -> Result<&'a str, String> {
        let tag = c.varint()?;
        if tag & 1 == 1 {
            let slot = (tag >> 1) as usize;
            return match slot {
                S_MESSAGE => Ok(self.message),
                _ => self
                    .strs
                    .get(slot)
                    .copied()
                    .flatten()
                    .ok_or_else(|| format!("field refers to empty slot {slot}")),
            };
        }
        let n = usize::try_from(tag >> 1)
            .ok()
            .filter(|n| c.pos.checked_add(*n).is_some_and(|end| end <= c.b.len()))
            .ok_or("field value past the end of the record")?;
        let s = std::str::from_utf8(&c.b[c.pos..c.pos + n]).map_err(|e| e.to_string())?;
        c.pos += n;
        Ok(s)
    }

    /// The original field with this name id ([`SegmentView::name_id`]): ids are
    /// compared, only the value found is checked as text.
    pub(crate) fn field_by_id(&self, want: u32) -> Result<Option<&'a str>, String> {
        let mut c = Cursor {
            b: &self.view.bytes[..self.end],
            pos: self.fields_at,
        };
        for _ in 0..self.nfields {
            let id = c.varint()?;
            if id == u64::from(want) {
                return self.value(&mut c).map(Some);
            }
            let tag = c.varint()?;
            if tag & 1 == 0 {
                let n = usize::try_from(tag >> 1)
                    .ok()
                    .filter(|n| c.pos.checked_add(*n).is_some_and(|end| end <= c.b.len()))
                    .ok_or("field value past the end of the record")?;
                c.pos += n;
            }
        }
        Ok(None)
    }

    /// A normalised field by its documented name, as text (`None`: not set; `Err`:
    /// not a normalised name).
    pub(crate) fn normalised(&self, name: &str) -> Result<Option<std::borrow::Cow<'a, str>>, ()> {
        let num = |i: usize| Ok(self.ints[i].map(|v| Cow::Owned(v.to_string())));
        match name {
            "process.pid" => num(0),
            "process.parent_pid" => num(1),
            "network.src_port" => num(2),
            "network.dst_port" => num(3),
            "message" => Ok(Some(Cow::Borrowed(self.message))),
            "timestamp_desc" => Ok(Some(Cow::Borrowed(self.timestamp_desc))),
            "source" => Ok(Some(Cow::Borrowed(self.source.as_str()))),
            _ => match STR_NAMES.iter().position(|n| *n == name) {
                Some(i) => Ok(self.strs[i].map(Cow::Borrowed)),
                None => Err(()),
            },
        }
    }

    pub(crate) fn to_event(&self, evidence_id: i64) -> Result<Event, String> {
        let mut fields = Fields::with_capacity(self.nfields);
        for f in self.fields() {
            let (k, v) = f?;
            fields.push(k, v);
        }
        let timestamp = Timestamp::from_micros(self.ts).map_err(|e| e.to_string())?;
        let s = |i: usize| self.strs[i].map(str::to_string);
        let port = |v: Option<u64>| v.and_then(|v| u16::try_from(v).ok());
        let ints = &self.ints;
        Ok(Event {
            timestamp,
            time_original: self.time_original.to_string(),
            tz_policy: match self.zone {
                None => TzPolicy::SourceZone,
                Some(z) => TzPolicy::Assumed(z.to_string()),
            },
            timestamp_desc: self.timestamp_desc.to_string(),
            host: s(0),
            source: self.source,
            event_id: s(1),
            channel: s(2),
            provider: s(3),
            user: User {
                name: s(4),
                domain: s(5),
                sid: s(6),
            },
            process: Process {
                image: s(7),
                pid: ints[0],
                command_line: s(8),
                parent_image: s(9),
                parent_pid: ints[1],
                hashes: s(10),
            },
            network: Network {
                src_ip: s(11),
                src_port: port(ints[2]),
                dst_ip: s(12),
                dst_port: port(ints[3]),
                protocol: s(13),
                bytes_in: ints[4],
                bytes_out: ints[5],
            },
            file: File {
                path: s(14),
                size: ints[6],
                hashes: s(15),
            },
            url: s(16),
            domain: s(17),
            message: self.message.to_string(),
            fields,
            provenance: Provenance {
                evidence_id,
                location: self.location,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: u64) -> Event {
        let mut e = Event::new(
            Timestamp::from_micros(1_700_000_000_000_000 - (i as i64 % 3) * 1_000_000).unwrap(),
            SourceKind::Squid,
            Location::Offset(i * 100),
        );
        e.tz_policy = TzPolicy::Assumed("Europe/Berlin".into());
        e.host = Some(format!("h{}", i % 2));
        e.user.sid = Some("S-1-5-18".into());
        e.process.pid = Some(u64::MAX);
        e.network.dst_port = Some(443);
        e.message = "é\nx".into();
        e.fields.push("A", "1");
        e.fields
            .push(if i.is_multiple_of(2) { "B" } else { "C" }, "");
        e.fields.push("A", "dup");
        // values stored as references to normalised fields of the same record
        e.fields.push("Computer", format!("h{}", i % 2));
        e.fields.push("Sid", "S-1-5-18");
        e.fields.push("Msg", "é\nx");
        e.fields.push("Empty", "");
        e
    }

    #[test]
    fn events_round_trip() {
        let mut b = SegmentBuilder::new();
        let events: Vec<Event> = (0..50).map(sample).collect();
        for e in &events {
            b.push(e);
        }
        let seg = b.finish();
        assert_eq!(seg.len(), 50);
        assert!(b.is_empty());
        let mut hosts: Vec<&str> = seg.hosts.iter().map(|(h, _)| h.as_str()).collect();
        hosts.sort();
        assert_eq!(hosts, ["h0", "h1"]);
        let v = SegmentView::open(&seg.compress().0).unwrap();
        for (i, e) in events.iter().enumerate() {
            let mut back = v.event(i, 0).unwrap();
            back.provenance.evidence_id = e.provenance.evidence_id;
            assert_eq!(&back, e);
            let r = v.record(i).unwrap();
            for name in ["Computer", "Msg", "Empty", "A_2"] {
                let id = v.name_id(name).unwrap();
                assert_eq!(r.field_by_id(id).unwrap(), e.fields.get(name), "{name}");
            }
        }
        let raw = String::from_utf8_lossy(&seg.data);
        assert_eq!(
            raw.matches("S-1-5-18").count(),
            50,
            "the copy is a reference"
        );
    }

    #[test]
    fn corrupt_blobs_are_errors_not_panics() {
        let mut b = SegmentBuilder::new();
        for i in 0..10 {
            b.push(&sample(i));
        }
        let seg = b.finish();
        let raw = seg.data.clone();
        for cut in 0..raw.len() {
            let blob = lz4_flex::compress_prepend_size(&raw[..cut]);
            if let Ok(v) = SegmentView::open(&blob) {
                for i in 0..v.len() {
                    let _ = v.event(i, 0);
                }
            }
        }
        for flip in 0..raw.len() {
            let mut r = raw.clone();
            r[flip] ^= 0xa5;
            if let Ok(v) = SegmentView::open(&lz4_flex::compress_prepend_size(&r)) {
                for i in 0..v.len() {
                    let _ = v.event(i, 0);
                }
            }
        }
        assert!(SegmentView::open(&[0xff, 0xff, 0xff, 0x7f, 0]).is_err());
        assert!(SegmentView::open(&[1]).is_err());
    }
}
