//! CSV with a fixed column set, guarded against formula injection.

use crate::text::opt;
use crate::{RenderError, RenderOptions, RenderSummary, Renderer, TimelineRow};
use std::borrow::Cow;
use std::io::Write;

/// The CSV columns, in order. `datetime` is UTC, RFC 3339 with microseconds.
pub const CSV_COLUMNS: [&str; 26] = [
    "datetime",
    "timestamp_desc",
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
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "file_path",
    "url",
    "domain",
    "message",
    "evidence_path",
    "evidence_sha256",
    "location",
    "tz_policy",
];

/// `cell` with a leading `'` when a spreadsheet would read it as a formula: it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP CSV injection).
pub fn csv_guard(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Writes the timeline as CSV with [`CSV_COLUMNS`].
#[derive(Debug)]
pub struct CsvRenderer {
    header: bool,
    summary: RenderSummary,
}

impl CsvRenderer {
    pub fn new(options: &RenderOptions) -> CsvRenderer {
        CsvRenderer {
            header: options.header,
            summary: RenderSummary::default(),
        }
    }
}

fn cells(row: &TimelineRow<'_>) -> [String; CSV_COLUMNS.len()] {
    let e = row.event;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        e.timestamp.to_rfc3339(),
        e.timestamp_desc.clone(),
        s(&e.host),
        e.source.as_str().to_string(),
        s(&e.event_id),
        s(&e.channel),
        s(&e.provider),
        s(&e.user.name),
        s(&e.user.domain),
        s(&e.user.sid),
        s(&e.process.image),
        opt(&e.process.pid),
        s(&e.process.command_line),
        s(&e.process.parent_image),
        s(&e.network.src_ip),
        opt(&e.network.src_port),
        s(&e.network.dst_ip),
        opt(&e.network.dst_port),
        s(&e.file.path),
        s(&e.url),
        s(&e.domain),
        e.message.clone(),
        row.evidence_path.to_string(),
        row.evidence_sha256.to_string(),
        e.provenance.location.to_string(),
        e.tz_policy.as_text(),
    ]
}

/// One CSV record, quoted as needed, with its line terminator.
fn record<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<u8>, RenderError> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .buffer_capacity(1024)
        .from_writer(Vec::new());
    w.write_record(values.into_iter().map(|v| csv_guard(v).into_owned()))?;
    w.into_inner().map_err(|e| RenderError::Io(e.into_error()))
}

impl Renderer for CsvRenderer {
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), RenderError> {
        if self.header {
            out.write_all(&record(CSV_COLUMNS)?)?;
        }
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &TimelineRow<'_>) -> Result<(), RenderError> {
        let cells = cells(row);
        out.write_all(&record(cells.iter().map(String::as_str))?)?;
        self.summary.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<RenderSummary, RenderError> {
        out.flush()?;
        Ok(self.summary)
    }
}
