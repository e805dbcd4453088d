use std::collections::BTreeMap;
use std::time::Duration;

/// Totals for one source kind (reader).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindSummary {
    pub files: u64,
    pub records: u64,
    pub rejected: u64,
    pub events: u64,
    pub bytes: u64,
    /// Time the readers of this kind spent reading, not counting waits for the
    /// writer (readers run in parallel, so these add up to more than wall time).
    pub time: Duration,
}

/// What an ingest did.
#[derive(Debug, Clone, Default)]
pub struct IngestReport {
    /// Per reader (format name), for files read in this run.
    pub per_format: BTreeMap<&'static str, KindSummary>,
    /// Files (and archives) already in the case, not read again.
    pub already_known: u64,
    /// Files whose format is not one Firebreak reads, with the reason.
    pub unrecognised: Vec<(String, String)>,
    /// Files read only in part: path and why reading stopped.
    pub partial: Vec<(String, String)>,
    /// Files or members that could not be read or were refused.
    pub problems: Vec<(String, String)>,
    /// Large files read in parts on several threads: path and number of parts.
    pub split: Vec<(String, usize)>,
    pub elapsed: Duration,
}

impl IngestReport {
    pub fn total(&self) -> KindSummary {
        let mut t = KindSummary::default();
        for s in self.per_format.values() {
            t.files += s.files;
            t.records += s.records;
            t.rejected += s.rejected;
            t.events += s.events;
            t.bytes += s.bytes;
            t.time += s.time;
        }
        t
    }
}

/// Progress callbacks (the CLI draws a bar; tests stay silent).
pub trait Progress: Sync {
    fn file_started(&self, _path: &str, _size: u64) {}
    fn records(&self, _n: u64) {}
    fn file_done(&self, _bytes: u64) {}
}

/// Progress that shows nothing.
pub struct SilentProgress;
impl Progress for SilentProgress {}
