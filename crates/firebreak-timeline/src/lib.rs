//! Rendering timeline events to output formats.
//!
//! No file or network I/O: every [`Renderer`] writes to a `&mut dyn Write` the caller
//! gives it, one call per step: [`Renderer::begin`], [`Renderer::row`] for each event,
//! [`Renderer::finish`]. [`renderer`] picks the one for an [`OutputFormat`];
//! [`render`] runs a whole sequence of rows.
//!
//! Each event comes with its evidence context as a [`TimelineRow`].
//!
//! # Formats
//!
//! * **table** ([`TableRenderer`]): for people; fits [`RenderOptions::terminal_width`];
//!   times in [`RenderOptions::display_tz`]; every value passed through
//!   [`sanitize_terminal`].
//! * **csv** ([`CsvRenderer`]): the fixed columns of [`CSV_COLUMNS`], times in UTC,
//!   every cell passed through [`csv_guard`] against formula injection.
//! * **jsonl** ([`JsonlRenderer`]): the stable machine format, schema below.
//! * **timesketch** ([`TimesketchRenderer`]): JSONL that Timesketch imports: `message`,
//!   `datetime`, `timestamp_desc`, `timestamp` (µs, the only number); every other value
//!   a string; a bounded set of field names (see [`TimesketchLimits`]).
//! * **ecs** ([`EcsRenderer`]): Elastic Common Schema documents, one per line, Windows
//!   events under `winlog.*`; categories from [`ecs_categorization`].
//!
//! [`ocsf_class`] gives an event's OCSF class and activity (for the Parquet export).
//! The mapping tables are data: `data/ecs-categories.json`.
//!
//! # JSONL schema (version 1)
//!
//! One JSON object per line, keys always present (absent values are `null`):
//!
//! | key | type | meaning |
//! | --- | --- | --- |
//! | `timestamp` | string | UTC, RFC 3339 with microseconds and `Z` |
//! | `timestamp_us` | integer | the same instant, microseconds since the Unix epoch |
//! | `time_original` | string | the time exactly as the source wrote it |
//! | `tz_policy` | object | `{"policy":"source_zone"}` or `{"policy":"assumed","zone":"Europe/Berlin"}` |
//! | `timestamp_desc` | string | what the time means ("Event Logged", "Logon", …) |
//! | `host` | string/null | |
//! | `source` | string | reader: `evtx`, `winxml`, `winjson`, `syslog`, `authlog`, `netscaler`, `webaccess`, `iis`, `squid`, `bodyfile`, `csv`, `jsonl` |
//! | `event_id` | string/null | "4624", "SSLVPN LOGIN", "sshd.accepted", "GET", … |
//! | `channel`, `provider` | string/null | |
//! | `user` | object | `name`, `domain`, `sid` (string/null) |
//! | `process` | object | `image`, `command_line`, `parent_image`, `hashes` (string/null); `pid`, `parent_pid` (integer/null) |
//! | `network` | object | `src_ip`, `dst_ip`, `protocol` (string/null); `src_port`, `dst_port`, `bytes_in`, `bytes_out` (integer/null) |
//! | `file` | object | `path`, `hashes` (string/null); `size` (integer/null) |
//! | `url`, `domain` | string/null | |
//! | `message` | string | one-line summary |
//! | `fields` | object | all original fields, names as in the source, in source order, values strings |
//! | `provenance` | object | `evidence_path` (string: the original path, archive member included), `evidence_sha256` (string), `evidence_id` (integer, 0 before the case stores it), `location` (`{"kind":"record"\|"line"\|"offset","value":integer}`) |
//!
//! New keys may be added; existing keys keep their name and type.

mod csv_out;
mod ecs;
mod jsonl;
mod mapping;
mod sanitize;
mod table;
mod text;
mod timesketch;

pub use csv_out::{csv_guard, CsvRenderer, CSV_COLUMNS};
pub use ecs::EcsRenderer;
pub use jsonl::JsonlRenderer;
pub use mapping::{
    ecs_categorization, mapping_rules, ocsf_class, EcsCategorization, MappingRule, OcsfClass,
};
pub use sanitize::{fit_to_width, sanitize_terminal, truncate_to_width};
pub use table::TableRenderer;
pub use timesketch::{TimesketchLimits, TimesketchRenderer, TIMESKETCH_FIXED_FIELDS};

use firebreak_event::Event;
use std::io::Write;

/// One event with its evidence context.
#[derive(Debug, Clone, Copy)]
pub struct TimelineRow<'a> {
    pub event: &'a Event,
    /// The evidence file's original path, archive member included (`a.zip!Security.evtx`).
    pub evidence_path: &'a str,
    pub evidence_sha256: &'a str,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    Table,
    Csv,
    Jsonl,
    Timesketch,
    Ecs,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 5] = [
        OutputFormat::Table,
        OutputFormat::Csv,
        OutputFormat::Jsonl,
        OutputFormat::Timesketch,
        OutputFormat::Ecs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Timesketch => "timesketch",
            OutputFormat::Ecs => "ecs",
        }
    }

    pub fn parse(s: &str) -> Option<OutputFormat> {
        OutputFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Zone the table shows times in (other formats write UTC).
    pub display_tz: chrono_tz::Tz,
    /// Columns the table may use; `None`: no limit (messages are not cut).
    pub terminal_width: Option<usize>,
    /// Write a header line (table and CSV).
    pub header: bool,
    pub timesketch: TimesketchLimits,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            display_tz: chrono_tz::UTC,
            terminal_width: None,
            header: true,
            timesketch: TimesketchLimits::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What a renderer did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderSummary {
    /// Rows written.
    pub written: u64,
    /// Rows left out: the format cannot hold them (Timesketch: times before 1700).
    pub skipped: u64,
    /// Original fields folded into one string because of a field-count limit.
    pub folded_fields: u64,
}

/// A writer of one output format.
pub trait Renderer {
    /// Writes what comes before the rows (a header), if anything.
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), RenderError>;
    /// Writes one row.
    fn row(&mut self, out: &mut dyn Write, row: &TimelineRow<'_>) -> Result<(), RenderError>;
    /// Writes what comes after the rows, if anything, and says what was done.
    fn finish(&mut self, out: &mut dyn Write) -> Result<RenderSummary, RenderError>;
}

/// The renderer for `format`.
pub fn renderer(format: OutputFormat, options: &RenderOptions) -> Box<dyn Renderer> {
    match format {
        OutputFormat::Table => Box::new(TableRenderer::new(options)),
        OutputFormat::Csv => Box::new(CsvRenderer::new(options)),
        OutputFormat::Jsonl => Box::new(JsonlRenderer::new()),
        OutputFormat::Timesketch => Box::new(TimesketchRenderer::new(options)),
        OutputFormat::Ecs => Box::new(EcsRenderer::new()),
    }
}

/// Renders all `rows` in `format`.
pub fn render<'a>(
    format: OutputFormat,
    options: &RenderOptions,
    rows: impl IntoIterator<Item = TimelineRow<'a>>,
    out: &mut dyn Write,
) -> Result<RenderSummary, RenderError> {
    let mut r = renderer(format, options);
    r.begin(out)?;
    for row in rows {
        r.row(out, &row)?;
    }
    r.finish(out)
}
