//! The stable machine format: the full event as one JSON object per line (schema in
//! the crate docs).

use crate::{RenderError, RenderSummary, Renderer, TimelineRow};
use firebreak_event::{Event, Fields, File, Location, Network, Process, TzPolicy, User};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::io::Write;

/// Original fields as a JSON object in source order.
pub(crate) struct FieldsObject<'a>(pub &'a Fields);

impl Serialize for FieldsObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonProvenance<'a> {
    evidence_path: &'a str,
    evidence_sha256: &'a str,
    evidence_id: i64,
    location: &'a Location,
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    timestamp: String,
    timestamp_us: i64,
    time_original: &'a str,
    tz_policy: &'a TzPolicy,
    timestamp_desc: &'a str,
    host: Option<&'a str>,
    source: &'static str,
    event_id: Option<&'a str>,
    channel: Option<&'a str>,
    provider: Option<&'a str>,
    user: &'a User,
    process: &'a Process,
    network: &'a Network,
    file: &'a File,
    url: Option<&'a str>,
    domain: Option<&'a str>,
    message: &'a str,
    fields: FieldsObject<'a>,
    provenance: JsonProvenance<'a>,
}

impl<'a> JsonEvent<'a> {
    fn new(row: &TimelineRow<'a>) -> JsonEvent<'a> {
        let e: &'a Event = row.event;
        JsonEvent {
            timestamp: e.timestamp.to_rfc3339(),
            timestamp_us: e.timestamp.micros(),
            time_original: &e.time_original,
            tz_policy: &e.tz_policy,
            timestamp_desc: &e.timestamp_desc,
            host: e.host.as_deref(),
            source: e.source.as_str(),
            event_id: e.event_id.as_deref(),
            channel: e.channel.as_deref(),
            provider: e.provider.as_deref(),
            user: &e.user,
            process: &e.process,
            network: &e.network,
            file: &e.file,
            url: e.url.as_deref(),
            domain: e.domain.as_deref(),
            message: &e.message,
            fields: FieldsObject(&e.fields),
            provenance: JsonProvenance {
                evidence_path: row.evidence_path,
                evidence_sha256: row.evidence_sha256,
                evidence_id: e.provenance.evidence_id,
                location: &e.provenance.location,
            },
        }
    }
}

/// Writes each event as one JSON object per line.
#[derive(Debug, Default)]
pub struct JsonlRenderer {
    summary: RenderSummary,
}

impl JsonlRenderer {
    pub fn new() -> JsonlRenderer {
        JsonlRenderer::default()
    }
}

impl Renderer for JsonlRenderer {
    fn begin(&mut self, _out: &mut dyn Write) -> Result<(), RenderError> {
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &TimelineRow<'_>) -> Result<(), RenderError> {
        serde_json::to_writer(&mut *out, &JsonEvent::new(row))?;
        out.write_all(b"\n")?;
        self.summary.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<RenderSummary, RenderError> {
        out.flush()?;
        Ok(self.summary)
    }
}
