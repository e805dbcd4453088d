//! JSONL that Timesketch imports (rules in `shared/docs/formats-notes.md`).
//!
//! * `message`, `datetime` (RFC 3339 with `+00:00`), `timestamp_desc` always; `timestamp`
//!   (µs since the epoch) is the only number, every other value is a string, so no
//!   field changes type between events.
//! * Normalised fields under fixed names ([`TIMESKETCH_FIXED_FIELDS`]); original fields
//!   as `orig_<name>` (characters other than ASCII letters, digits and `_` become `_`),
//!   at most [`TimesketchLimits::max_original_fields_per_event`] per event and at most
//!   [`TimesketchLimits::max_distinct_fields`] distinct names over the whole export,
//!   fixed names included; the rest go into `extra_fields`, one string holding a JSON
//!   object. No name starts with `_`.
//! * Events before 1700 (zero FILETIMEs) are skipped and counted.

use crate::text::{opt, rfc3339_offset};
use crate::{RenderError, RenderOptions, RenderSummary, Renderer, TimelineRow};
use firebreak_event::{Event, Timestamp};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::io::Write;

/// Field names every export may use besides the `orig_` ones.
pub const TIMESKETCH_FIXED_FIELDS: [&str; 36] = [
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "time_original",
    "tz_policy",
    "host",
    "source",
    "event_id",
    "channel",
    "provider",
    "user",
    "user_domain",
    "user_sid",
    "process_image",
    "process_pid",
    "command_line",
    "parent_image",
    "parent_pid",
    "process_hashes",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "protocol",
    "bytes_in",
    "bytes_out",
    "file_path",
    "file_size",
    "file_hashes",
    "url",
    "domain",
    "evidence_path",
    "evidence_sha256",
    "evidence_location",
    "extra_fields",
];

const ORIGINAL_PREFIX: &str = "orig_";
/// Longest original name kept (in bytes, after the prefix).
const NAME_MAX: usize = 64;
/// 1700-01-01T00:00:00Z: Timesketch drops anything earlier.
const EARLIEST_MICROS: i64 = -8_520_336_000_000_000;

/// How many field names a Timesketch export may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimesketchLimits {
    /// Original fields one event may carry as their own field.
    pub max_original_fields_per_event: usize,
    /// Distinct field names over the whole export, fixed ones included (Timesketch's
    /// ceiling is about 333).
    pub max_distinct_fields: usize,
}

impl Default for TimesketchLimits {
    fn default() -> Self {
        TimesketchLimits {
            max_original_fields_per_event: 64,
            max_distinct_fields: 300,
        }
    }
}

/// Pairs written as a JSON object in their order.
struct PairsObject<'a>(&'a [(&'a str, &'a str)]);

impl Serialize for PairsObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Writes Timesketch JSONL, keeping the set of field names bounded across the export.
#[derive(Debug)]
pub struct TimesketchRenderer {
    limits: TimesketchLimits,
    /// `orig_` names used so far.
    seen: HashSet<String>,
    summary: RenderSummary,
}

impl TimesketchRenderer {
    pub fn new(options: &RenderOptions) -> TimesketchRenderer {
        TimesketchRenderer {
            limits: options.timesketch,
            seen: HashSet::new(),
            summary: RenderSummary::default(),
        }
    }

    /// Room left for `orig_` names over the export.
    fn budget(&self) -> usize {
        self.limits
            .max_distinct_fields
            .saturating_sub(TIMESKETCH_FIXED_FIELDS.len())
    }

    /// Adds the original fields to `doc`; returns those that did not get their own field.
    fn add_originals<'e>(
        &mut self,
        doc: &mut Map<String, Value>,
        e: &'e Event,
    ) -> Vec<(&'e str, &'e str)> {
        let mut folded = Vec::new();
        let mut own = 0;
        for (name, value) in e.fields.iter() {
            let key = original_name(name);
            let known = self.seen.contains(&key);
            let room = known || self.seen.len() < self.budget();
            if own < self.limits.max_original_fields_per_event && room && !doc.contains_key(&key) {
                own += 1;
                if !known {
                    self.seen.insert(key.clone());
                }
                doc.insert(key, Value::String(value.to_string()));
            } else {
                folded.push((name, value));
            }
        }
        folded
    }

    fn document(&mut self, row: &TimelineRow<'_>) -> Result<Map<String, Value>, RenderError> {
        let mut doc = fixed_fields(row);
        let folded = self.add_originals(&mut doc, row.event);
        if !folded.is_empty() {
            let text = serde_json::to_string(&PairsObject(&folded))?;
            doc.insert("extra_fields".into(), Value::String(text));
            self.summary.folded_fields += folded.len() as u64;
        }
        Ok(doc)
    }
}

/// `orig_` + the name with anything but ASCII letters, digits and `_` as `_`.
fn original_name(name: &str) -> String {
    let mut key = String::with_capacity(ORIGINAL_PREFIX.len() + name.len());
    key.push_str(ORIGINAL_PREFIX);
    for c in name.chars().take(NAME_MAX) {
        key.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    key
}

fn fixed_fields(row: &TimelineRow<'_>) -> Map<String, Value> {
    let e = row.event;
    let mut doc = Map::new();
    let mut put = |k: &str, v: String| {
        doc.insert(k.to_string(), Value::String(v));
    };
    put("message", message(e));
    put("datetime", rfc3339_offset(e.timestamp));
    put("timestamp_desc", timestamp_desc(e));
    put("time_original", e.time_original.clone());
    put("tz_policy", e.tz_policy.as_text());
    put("source", e.source.as_str().to_string());
    put("evidence_path", row.evidence_path.to_string());
    put("evidence_sha256", row.evidence_sha256.to_string());
    put("evidence_location", e.provenance.location.to_string());
    for (k, v) in optional_fields(e) {
        if !v.is_empty() {
            put(k, v);
        }
    }
    doc.insert("timestamp".into(), Value::from(e.timestamp.micros()));
    doc
}

fn optional_fields(e: &Event) -> [(&'static str, String); 25] {
    [
        ("host", opt(&e.host)),
        ("event_id", opt(&e.event_id)),
        ("channel", opt(&e.channel)),
        ("provider", opt(&e.provider)),
        ("user", opt(&e.user.name)),
        ("user_domain", opt(&e.user.domain)),
        ("user_sid", opt(&e.user.sid)),
        ("process_image", opt(&e.process.image)),
        ("process_pid", opt(&e.process.pid)),
        ("command_line", opt(&e.process.command_line)),
        ("parent_image", opt(&e.process.parent_image)),
        ("parent_pid", opt(&e.process.parent_pid)),
        ("process_hashes", opt(&e.process.hashes)),
        ("src_ip", opt(&e.network.src_ip)),
        ("src_port", opt(&e.network.src_port)),
        ("dst_ip", opt(&e.network.dst_ip)),
        ("dst_port", opt(&e.network.dst_port)),
        ("protocol", opt(&e.network.protocol)),
        ("bytes_in", opt(&e.network.bytes_in)),
        ("bytes_out", opt(&e.network.bytes_out)),
        ("file_path", opt(&e.file.path)),
        ("file_size", opt(&e.file.size)),
        ("file_hashes", opt(&e.file.hashes)),
        ("url", opt(&e.url)),
        ("domain", opt(&e.domain)),
    ]
}

/// Timesketch needs a message: the event's, or its source and id.
fn message(e: &Event) -> String {
    if !e.message.trim().is_empty() {
        return e.message.clone();
    }
    match &e.event_id {
        Some(id) => format!("{} {id}", e.source),
        None => format!("{} event", e.source),
    }
}

fn timestamp_desc(e: &Event) -> String {
    if e.timestamp_desc.trim().is_empty() {
        return firebreak_event::desc::EVENT_LOGGED.to_string();
    }
    e.timestamp_desc.clone()
}

fn importable(ts: Timestamp) -> bool {
    ts.micros() >= EARLIEST_MICROS
}

impl Renderer for TimesketchRenderer {
    fn begin(&mut self, _out: &mut dyn Write) -> Result<(), RenderError> {
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &TimelineRow<'_>) -> Result<(), RenderError> {
        if !importable(row.event.timestamp) {
            self.summary.skipped += 1;
            return Ok(());
        }
        let doc = self.document(row)?;
        serde_json::to_writer(&mut *out, &doc)?;
        out.write_all(b"\n")?;
        self.summary.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<RenderSummary, RenderError> {
        out.flush()?;
        Ok(self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn earliest_is_1700() {
        let d = NaiveDate::from_ymd_opt(1700, 1, 1).unwrap();
        let t = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap());
        assert_eq!(t.timestamp_micros(), EARLIEST_MICROS);
    }

    #[test]
    fn fixed_names_cover_optional_ones() {
        let e = Event::new(
            Timestamp::from_micros(0).unwrap(),
            firebreak_event::SourceKind::Csv,
            firebreak_event::Location::Line(1),
        );
        for (k, _) in optional_fields(&e) {
            assert!(TIMESKETCH_FIXED_FIELDS.contains(&k), "{k}");
        }
    }
}
