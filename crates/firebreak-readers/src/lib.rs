//! Evidence readers.
//!
//! [`sniff`] decides a file's [`Format`] from its first bytes (never from its name);
//! [`read`] parses it and pushes every record into an [`EventSink`]: each record ends
//! as events (`accept` … `record_done`) or as a [`Rejected`] with its location and
//! reason. A reader never panics on bad input and never stops at a bad record; it
//! returns `Err` only when the rest of the file cannot be read at all, and what was
//! pushed before stays pushed.

mod lines;
mod options;
mod sniff;

mod authlog;
mod bodyfile;
mod csvjson;
mod csvrow;
mod evtx_reader;
mod iis;
mod netscaler;
mod squid;
mod syslog;
mod syslog_common;
mod tabular;
mod textcommon;
mod web;
mod winfields;
mod winjson;
mod winxml;

pub use firebreak_event::{Event, EventSink, Rejected};
pub use lines::{Line, Lines};
pub use options::{DateOrder, ReadContext, ReadOptions};
pub use sniff::{sniff, SNIFF_LEN};

use firebreak_event::Location;
use std::io::{BufRead, BufReader, Read, Seek};

/// An evidence format Firebreak reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Evtx,
    WinXml,
    WinJson,
    Syslog,
    Netscaler,
    WebAccess,
    Iis,
    Squid,
    Bodyfile,
    Csv,
    Jsonl,
}

impl Format {
    /// Every line is a record on its own: no header, no state carried from one line to
    /// the next (a year, a field list, a multi-line row). Such a file can be read in
    /// parts that start at line boundaries, each with [`ReadContext::lines_before`] set,
    /// and the parts together give exactly the events of the whole file.
    pub fn splits_at_lines(self) -> bool {
        matches!(self, Format::Squid | Format::WebAccess | Format::Bodyfile)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Evtx => "evtx",
            Format::WinXml => "winxml",
            Format::WinJson => "winjson",
            Format::Syslog => "syslog",
            Format::Netscaler => "netscaler",
            Format::WebAccess => "webaccess",
            Format::Iis => "iis",
            Format::Squid => "squid",
            Format::Bodyfile => "bodyfile",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        [
            Format::Evtx,
            Format::WinXml,
            Format::WinJson,
            Format::Syslog,
            Format::Netscaler,
            Format::WebAccess,
            Format::Iis,
            Format::Squid,
            Format::Bodyfile,
            Format::Csv,
            Format::Jsonl,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

/// A file could not be read past some point.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("I/O error at {location}: {source}")]
    Io {
        location: Location,
        #[source]
        source: std::io::Error,
    },
    #[error("not a valid {format} file: {reason}")]
    Invalid {
        format: &'static str,
        reason: String,
    },
}

/// Anything a reader can read from: files on disk, spooled archive members.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Read `input` as `format`, pushing records into `sink`.
pub fn read(
    format: Format,
    input: Box<dyn ReadSeek>,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    type TextReader =
        fn(&mut dyn BufRead, &ReadContext, &mut dyn EventSink) -> Result<(), ReadError>;
    let text: TextReader = match format {
        Format::Evtx => return evtx_reader::read(input, ctx, sink),
        Format::WinXml => winxml::read,
        Format::WinJson => winjson::read,
        Format::Syslog => syslog::read,
        Format::Netscaler => netscaler::read,
        Format::WebAccess => web::read,
        Format::Iis => iis::read,
        Format::Squid => squid::read,
        Format::Bodyfile => bodyfile::read,
        Format::Csv => csvjson::read_csv,
        Format::Jsonl => csvjson::read_jsonl,
    };
    text(&mut BufReader::with_capacity(256 * 1024, input), ctx, sink)
}
