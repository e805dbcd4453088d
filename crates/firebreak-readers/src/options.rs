use chrono_tz::Tz;
use firebreak_event::Timestamp;

/// Day/month order of a numeric date such as NetScaler's `11/24/2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

/// User choices that change how records are read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Zone for sources whose times carry none (RFC 3164 syslog, NCSA without offset,
    /// NetScaler "local" times, CSV without offset). Default UTC.
    pub source_tz: Tz,
    /// Year for RFC 3164 timestamps; `None` = from the file's context (its mtime),
    /// with rollover at New Year.
    pub syslog_year: Option<i32>,
    /// NetScaler's date order (appliance setting).
    pub netscaler_date_order: DateOrder,
    /// CSV/JSONL timestamp column; `None` = detected.
    pub time_field: Option<String>,
    /// Longest line a text reader accepts; longer lines are rejected, not buffered.
    pub max_line_bytes: usize,
    /// Worker threads for parsers that parallelise (EVTX).
    pub threads: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            source_tz: Tz::UTC,
            syslog_year: None,
            netscaler_date_order: DateOrder::MonthFirst,
            time_field: None,
            max_line_bytes: 1 << 20,
            threads: 0,
        }
    }
}

/// What a reader knows about the file it reads.
#[derive(Debug, Clone)]
pub struct ReadContext {
    pub options: ReadOptions,
    /// The file's name for messages (path inside archives included).
    pub display_name: String,
    /// The evidence file's modification time: the context for year-less timestamps.
    pub file_mtime: Option<Timestamp>,
    /// Lines of the file before this input, when the input is a part of a file that
    /// starts at a line boundary (see [`crate::Format::splits_at_lines`]): line numbers
    /// in locations continue from here. 0 for a whole file.
    pub lines_before: u64,
}

impl ReadContext {
    pub fn new(display_name: impl Into<String>) -> ReadContext {
        ReadContext {
            options: ReadOptions::default(),
            display_name: display_name.into(),
            file_mtime: None,
            lines_before: 0,
        }
    }
}
