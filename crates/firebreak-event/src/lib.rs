//! The normalised event model.
//!
//! Every reader turns its records into [`Event`]s and pushes them into an [`EventSink`];
//! the case stores them, hunting and reporting read them. This crate does no I/O.
//!
//! An event has three layers:
//! * normalised, typed fields (time, host, user, process, network, file, url) that
//!   every source fills where it can — the names are documented in `docs/fields.md`
//!   with their ECS and OCSF equivalents;
//! * `fields`: **all original fields**, names exactly as in the source (for Windows
//!   events: `System` fields plus `EventData`/`UserData` names as in the log, so Sigma
//!   field names match);
//! * [`Provenance`]: which evidence file and where in it (record number, line, offset).

mod time;

pub use time::{format_rfc3339_micros, Timestamp, TimestampError, TzPolicy};

use serde::{Deserialize, Serialize};

/// What the event's time means (Timesketch's `timestamp_desc`).
pub mod desc {
    pub const EVENT_LOGGED: &str = "Event Logged";
    pub const LOGON: &str = "Logon";
    pub const LOGOFF: &str = "Logoff";
    pub const CONNECTION: &str = "Connection";
    pub const REQUEST: &str = "Request Received";
    pub const FILE_MODIFIED: &str = "Content Modification Time";
    pub const FILE_ACCESSED: &str = "Last Access Time";
    pub const FILE_CHANGED: &str = "Metadata Modification Time";
    pub const FILE_BORN: &str = "Creation Time";
    pub const RECORDED: &str = "Recorded Time";
}

/// Which reader produced an event. Stable strings: they are stored in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Evtx,
    WinXml,
    WinJson,
    Syslog,
    AuthLog,
    Netscaler,
    WebAccess,
    Iis,
    Squid,
    Bodyfile,
    Csv,
    Jsonl,
}

impl SourceKind {
    pub const ALL: [SourceKind; 12] = [
        SourceKind::Evtx,
        SourceKind::WinXml,
        SourceKind::WinJson,
        SourceKind::Syslog,
        SourceKind::AuthLog,
        SourceKind::Netscaler,
        SourceKind::WebAccess,
        SourceKind::Iis,
        SourceKind::Squid,
        SourceKind::Bodyfile,
        SourceKind::Csv,
        SourceKind::Jsonl,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Evtx => "evtx",
            SourceKind::WinXml => "winxml",
            SourceKind::WinJson => "winjson",
            SourceKind::Syslog => "syslog",
            SourceKind::AuthLog => "authlog",
            SourceKind::Netscaler => "netscaler",
            SourceKind::WebAccess => "webaccess",
            SourceKind::Iis => "iis",
            SourceKind::Squid => "squid",
            SourceKind::Bodyfile => "bodyfile",
            SourceKind::Csv => "csv",
            SourceKind::Jsonl => "jsonl",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// True for Windows event sources (EVTX and its exports).
    pub fn is_windows(self) -> bool {
        matches!(
            self,
            SourceKind::Evtx | SourceKind::WinXml | SourceKind::WinJson
        )
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in an evidence file a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Location {
    /// EVTX EventRecordID (or the record's ordinal in an export).
    Record(u64),
    /// 1-based line number in a text file.
    Line(u64),
    /// Byte offset from the start of the (decompressed) file.
    Offset(u64),
}

impl Location {
    pub fn kind(&self) -> &'static str {
        match self {
            Location::Record(_) => "record",
            Location::Line(_) => "line",
            Location::Offset(_) => "offset",
        }
    }
    pub fn value(&self) -> u64 {
        match *self {
            Location::Record(v) | Location::Line(v) | Location::Offset(v) => v,
        }
    }
    pub fn from_parts(kind: &str, value: u64) -> Option<Location> {
        match kind {
            "record" => Some(Location::Record(value)),
            "line" => Some(Location::Line(value)),
            "offset" => Some(Location::Offset(value)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind(), self.value())
    }
}

/// Where an event came from: the evidence file (by case id, 0 before it is stored) and
/// the location of the record inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub evidence_id: i64,
    pub location: Location,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub sid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub image: Option<String>,
    pub pid: Option<u64>,
    pub command_line: Option<String>,
    pub parent_image: Option<String>,
    pub parent_pid: Option<u64>,
    /// As the source wrote them, e.g. Sysmon's `SHA256=...,MD5=...`.
    pub hashes: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub src_ip: Option<String>,
    pub src_port: Option<u16>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<u16>,
    pub protocol: Option<String>,
    pub bytes_in: Option<u64>,
    pub bytes_out: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    pub path: Option<String>,
    pub size: Option<u64>,
    pub hashes: Option<String>,
}

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// UTC, microseconds since the Unix epoch.
    pub timestamp: Timestamp,
    /// The time exactly as the source wrote it.
    pub time_original: String,
    /// How a zone was chosen when the source had none.
    pub tz_policy: TzPolicy,
    /// What the time means (see [`desc`]).
    pub timestamp_desc: String,
    pub host: Option<String>,
    pub source: SourceKind,
    /// Event id or type: "4624", "SSLVPN LOGIN", "sshd:accepted", "GET", ...
    pub event_id: Option<String>,
    pub channel: Option<String>,
    pub provider: Option<String>,
    pub user: User,
    pub process: Process,
    pub network: Network,
    pub file: File,
    pub url: Option<String>,
    pub domain: Option<String>,
    /// Human-readable one-line summary.
    pub message: String,
    /// All original fields, names as in the source, values as text.
    pub fields: Fields,
    pub provenance: Provenance,
}

impl Event {
    /// A new event with only the mandatory parts set.
    pub fn new(timestamp: Timestamp, source: SourceKind, location: Location) -> Event {
        Event {
            timestamp,
            time_original: String::new(),
            tz_policy: TzPolicy::SourceZone,
            timestamp_desc: desc::EVENT_LOGGED.to_string(),
            host: None,
            source,
            event_id: None,
            channel: None,
            provider: None,
            user: User::default(),
            process: Process::default(),
            network: Network::default(),
            file: File::default(),
            url: None,
            domain: None,
            message: String::new(),
            fields: Fields::default(),
            provenance: Provenance {
                evidence_id: 0,
                location,
            },
        }
    }

    /// Look up a field by name: first the original fields, then the normalised names
    /// (see `docs/fields.md`).
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.fields.get(name) {
            return Some(v);
        }
        self.normalised(name)
    }

    /// The normalised field of that name, if set.
    pub fn normalised(&self, name: &str) -> Option<&str> {
        fn s(o: &Option<String>) -> Option<&str> {
            o.as_deref()
        }
        match name {
            "host" => s(&self.host),
            "event_id" => s(&self.event_id),
            "channel" => s(&self.channel),
            "provider" => s(&self.provider),
            "user.name" => s(&self.user.name),
            "user.domain" => s(&self.user.domain),
            "user.sid" => s(&self.user.sid),
            "process.image" => s(&self.process.image),
            "process.command_line" => s(&self.process.command_line),
            "process.parent_image" => s(&self.process.parent_image),
            "process.hashes" => s(&self.process.hashes),
            "network.src_ip" => s(&self.network.src_ip),
            "network.dst_ip" => s(&self.network.dst_ip),
            "network.protocol" => s(&self.network.protocol),
            "file.path" => s(&self.file.path),
            "file.hashes" => s(&self.file.hashes),
            "url" => s(&self.url),
            "domain" => s(&self.domain),
            "message" => Some(&self.message),
            "timestamp_desc" => Some(&self.timestamp_desc),
            "source" => Some(self.source.as_str()),
            _ => None,
        }
    }
}

/// The optional text fields of the normalised model, by name, in a fixed order:
/// [`Event::normalised`] answers each of them. The case's segment layout stores them
/// in this order, and Sigma's prefilter knows they are not in the scanned text.
pub const NORMALISED_TEXT: [&str; 18] = [
    "host",
    "event_id",
    "channel",
    "provider",
    "user.name",
    "user.domain",
    "user.sid",
    "process.image",
    "process.command_line",
    "process.parent_image",
    "process.hashes",
    "network.src_ip",
    "network.dst_ip",
    "network.protocol",
    "file.path",
    "file.hashes",
    "url",
    "domain",
];

/// Original fields in source order. Names are unique; a later `push` of an existing
/// name gets a numeric suffix (`Data`, `Data_2`, ...) so nothing is lost.
///
/// At most [`Fields::MAX`] fields are kept; past that a record is hostile or broken,
/// and the number of fields left out is counted in a last field named
/// [`Fields::TRUNCATED`], so what was dropped is still said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Most fields an event keeps.
    pub const MAX: usize = 10_000;
    /// Name of the field that counts the fields left out past [`Fields::MAX`].
    pub const TRUNCATED: &'static str = "firebreak.fields_truncated";

    pub fn new() -> Fields {
        Fields(Vec::new())
    }
    pub fn with_capacity(n: usize) -> Fields {
        Fields(Vec::with_capacity(n))
    }
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        if self.0.len() >= Fields::MAX {
            return self.count_truncated();
        }
        let name = name.into();
        let value = value.into();
        match self.next_suffix(&name) {
            None => self.0.push((name, value)),
            Some(n) => self.0.push((format!("{name}_{n}"), value)),
        }
    }

    /// `None` if `name` is free, else the suffix after the highest `name_N` in use:
    /// one pass over the fields, whatever the number of repeats.
    fn next_suffix(&self, name: &str) -> Option<u64> {
        let mut taken = false;
        let mut highest = 1;
        for (k, _) in &self.0 {
            if k == name {
                taken = true;
            } else if let Some(n) = k
                .as_bytes()
                .get(name.len())
                .filter(|b| **b == b'_') // cheap test first: this runs for every pair
                .and_then(|_| k.strip_prefix(name))
                .and_then(|rest| rest.strip_prefix('_'))
                .and_then(|n| n.parse::<u64>().ok())
            {
                highest = highest.max(n);
            }
        }
        taken.then_some(highest + 1)
    }

    fn count_truncated(&mut self) {
        match self.0.last_mut() {
            Some((k, v)) if k == Fields::TRUNCATED => {
                let n: u64 = v.parse().unwrap_or(0);
                *v = (n + 1).to_string();
            }
            _ => self
                .0
                .push((Fields::TRUNCATED.to_string(), "1".to_string())),
        }
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// The value of the `i`th field, in source order.
    pub fn value(&self, i: usize) -> Option<&str> {
        self.0.get(i).map(|(_, v)| v.as_str())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }
}

impl FromIterator<(String, String)> for Fields {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        let mut f = Fields::new();
        for (k, v) in iter {
            f.push(k, v);
        }
        f
    }
}

/// A record a reader could not turn into an event, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub location: Location,
    pub reason: String,
}

/// Where readers push what they read. Every record read ends in exactly one call:
/// `accept` (one or more events for the record; bodyfile lines give one per distinct
/// time) followed by `record_done`, or `reject`.
pub trait EventSink {
    /// One event of the current record.
    fn accept(&mut self, event: Event);
    /// The current record is complete (it produced at least one `accept`).
    fn record_done(&mut self) {}
    /// The record could not be read.
    fn reject(&mut self, rejected: Rejected);
}

/// A sink that keeps everything in memory (tests, quick looks).
#[derive(Debug, Default)]
pub struct VecSink {
    pub events: Vec<Event>,
    pub records: u64,
    pub rejected: Vec<Rejected>,
}

impl EventSink for VecSink {
    fn accept(&mut self, event: Event) {
        self.events.push(event);
    }
    fn record_done(&mut self) {
        self.records += 1;
    }
    fn reject(&mut self, rejected: Rejected) {
        self.rejected.push(rejected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kind_names_agree_everywhere() {
        for k in SourceKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(SourceKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn repeated_field_names_are_kept() {
        let mut f = Fields::new();
        f.push("Data", "a");
        f.push("Data", "b");
        f.push("Data", "c");
        let names: Vec<&str> = f.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["Data", "Data_2", "Data_3"]);
        assert_eq!(f.get("Data_2"), Some("b"));
    }

    #[test]
    fn thousands_of_repeats_are_fast_and_hostile_counts_are_bounded() {
        let mut f = Fields::new();
        for i in 0..Fields::MAX + 500 {
            f.push("Data", i.to_string());
        }
        assert_eq!(f.len(), Fields::MAX + 1);
        assert_eq!(f.get("Data_10000"), Some("9999"));
        assert_eq!(f.get(Fields::TRUNCATED), Some("500"));
    }
}
