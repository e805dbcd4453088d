//! What the three Windows event readers (EVTX, XML exports, JSON exports) share: the
//! fields of one record are handed to a [`WinRecord`] in the same terms whatever the
//! source (System element/attribute, EventData/UserData name and value), and
//! [`WinRecord::finish`] turns them into the [`Event`]: the same record read from any of
//! the three formats gives the same fields in the same order and the same normalised
//! values.

use chrono::{DateTime, NaiveDateTime};
use firebreak_event::{desc, Event, Fields, Location, SourceKind, Timestamp, TzPolicy};
use std::borrow::Cow;

/// The System fields with a fixed place, in the order they are stored.
const SYSTEM_KEYS: [&str; 19] = [
    "EventID",
    "EventID_Qualifiers",
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "TimeCreated",
    "EventRecordID",
    "Correlation_ActivityID",
    "Correlation_RelatedActivityID",
    "Execution_ProcessID",
    "Execution_ThreadID",
    "Channel",
    "Computer",
    "Provider_Name",
    "Provider_Guid",
    "Provider_EventSourceName",
    "Security_UserID",
];
const TIME_CREATED: usize = 7;

/// The place of a System element's text (`attr` None) or attribute in [`SYSTEM_KEYS`].
fn system_slot(element: &str, attr: Option<&str>) -> Option<usize> {
    Some(match (element, attr) {
        ("EventID", None) => 0,
        ("EventID", Some("Qualifiers")) => 1,
        ("Version", None) => 2,
        ("Level", None) => 3,
        ("Task", None) => 4,
        ("Opcode", None) => 5,
        ("Keywords", None) => 6,
        ("TimeCreated", Some("SystemTime")) => 7,
        ("EventRecordID", None) => 8,
        ("Correlation", Some("ActivityID")) => 9,
        ("Correlation", Some("RelatedActivityID")) => 10,
        ("Execution", Some("ProcessID")) => 11,
        ("Execution", Some("ThreadID")) => 12,
        ("Channel", None) => 13,
        ("Computer", None) => 14,
        ("Provider", Some("Name")) => 15,
        ("Provider", Some("Guid")) => 16,
        ("Provider", Some("EventSourceName")) => 17,
        ("Security", Some("UserID")) => 18,
        _ => return None,
    })
}

/// Longest value quoted in a message, and longest message, in bytes.
const MESSAGE_VALUE_MAX: usize = 80;
const MESSAGE_MAX: usize = 320;
const MESSAGE_FIELDS: usize = 6;

/// EventData names most worth seeing in a one-line summary, best first.
const TELLING: [&str; 34] = [
    "TargetUserName",
    "SubjectUserName",
    "IpAddress",
    "LogonType",
    "User",
    "Image",
    "NewProcessName",
    "CommandLine",
    "ParentImage",
    "ProcessName",
    "TargetFilename",
    "ObjectName",
    "QueryName",
    "DestinationIp",
    "DestinationPort",
    "DestinationHostname",
    "SourceIp",
    "ServiceName",
    "ImagePath",
    "TargetObject",
    "Details",
    "TargetImage",
    "GrantedAccess",
    "ShareName",
    "RelativeTargetName",
    "TaskName",
    "ScriptBlockText",
    "HostApplication",
    "Status",
    "FailureReason",
    "WorkstationName",
    "Application",
    "SourceAddress",
    "DestAddress",
];

/// The fields of one Windows event record as a reader finds them.
#[derive(Debug, Default)]
pub(crate) struct WinRecord {
    system: [Option<String>; SYSTEM_KEYS.len()],
    other_system: Vec<(String, String)>,
    /// In source order; repeated names are numbered when the fields are made.
    data: Vec<(String, String)>,
}

impl WinRecord {
    pub(crate) fn new() -> WinRecord {
        WinRecord::default()
    }

    /// A System value: the text of child `element` (`attr` None) or one of its attributes.
    /// `TimeCreated/@SystemTime` is stored as `TimeCreated`, other attributes as
    /// `Element_Attribute`.
    pub(crate) fn system(&mut self, element: &str, attr: Option<&str>, value: String) {
        if let Some(slot) = system_slot(element, attr).and_then(|i| self.system.get_mut(i)) {
            if slot.is_none() {
                *slot = Some(value);
                return;
            }
        }
        let name = match attr {
            None => element.to_string(),
            Some(a) => format!("{element}_{a}"),
        };
        self.other_system.push((name, value));
    }

    /// A System value given under its stored name (`Provider_Name`, `TimeCreated`, ...).
    pub(crate) fn system_named(&mut self, name: &str, value: String) {
        match SYSTEM_KEYS.iter().position(|k| *k == name) {
            Some(i) if self.system[i].is_none() => self.system[i] = Some(value),
            _ => self.other_system.push((name.to_string(), value)),
        }
    }

    /// An EventData, UserData (or other section) value, in source order.
    pub(crate) fn data(&mut self, name: impl Into<String>, value: String) {
        self.data.push((name.into(), value));
    }

    /// Whether a data field of that name was already given.
    pub(crate) fn has_data(&self, name: &str) -> bool {
        self.data.iter().any(|(k, _)| k == name)
    }

    pub(crate) fn time_created(&self) -> Option<&str> {
        self.system[TIME_CREATED].as_deref()
    }

    /// The time to use when a record has no `TimeCreated` (EVTX: the record header's).
    pub(crate) fn set_time_if_missing(&mut self, text: impl FnOnce() -> String) {
        if self.system[TIME_CREATED].is_none() {
            self.system[TIME_CREATED] = Some(text());
        }
    }

    /// The event, or why the record cannot be one.
    pub(crate) fn finish(self, source: SourceKind, location: Location) -> Result<Event, String> {
        let time_text = self
            .time_created()
            .ok_or("no System/TimeCreated SystemTime")?;
        let timestamp = parse_system_time(time_text)?;
        let mut event = Event::new(timestamp, source, location);
        event.time_original = time_text.to_string();
        event.tz_policy = TzPolicy::SourceZone;
        event.timestamp_desc = desc::EVENT_LOGGED.to_string();
        let own_from = self.system.iter().flatten().count() + self.other_system.len();
        event.fields = self.into_fields();
        normalise(&mut event);
        let own: Vec<(&str, &str)> = event.fields.iter().skip(own_from).collect();
        let text = message(event.event_id.as_deref(), event.provider.as_deref(), &own);
        event.message = text;
        Ok(event)
    }

    fn into_fields(self) -> Fields {
        let n = self.system.iter().flatten().count() + self.other_system.len() + self.data.len();
        let mut fields = Fields::with_capacity(n);
        for (key, value) in SYSTEM_KEYS.iter().zip(self.system) {
            if let Some(v) = value {
                fields.push(*key, v);
            }
        }
        for (k, v) in self.other_system {
            fields.push(k, v);
        }
        for (k, v) in self.data {
            fields.push(k, v);
        }
        fields
    }
}

/// `SystemTime` text (RFC 3339, any number of fraction digits; a time without zone is
/// UTC) as a timestamp, truncated to microseconds.
pub(crate) fn parse_system_time(text: &str) -> Result<Timestamp, String> {
    let t = text.trim();
    let micros = match DateTime::parse_from_rfc3339(t) {
        Ok(dt) => dt.timestamp_micros(),
        Err(_) => NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f"))
            .map_err(|_| format!("SystemTime {t:?} is not a date and time"))?
            .and_utc()
            .timestamp_micros(),
    };
    Timestamp::from_micros(micros).map_err(|e| format!("SystemTime {t:?}: {e}"))
}

/// A value worth normalising: not empty, not Windows' "-" placeholder.
fn meaningful(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty() && v != "-"
}

/// Decimal, or hexadecimal with `0x` (Security events write process ids so).
pub(crate) fn parse_number(v: &str) -> Option<u64> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// The fields normalisation reads.
#[derive(Debug, Clone, Copy)]
enum K {
    Computer,
    Channel,
    ProviderName,
    EventId,
    SecurityUserId,
    TargetUserName,
    TargetDomainName,
    TargetUserSid,
    SubjectUserName,
    SubjectDomainName,
    SubjectUserSid,
    User,
    Image,
    NewProcessName,
    ProcessName,
    ProcessId,
    NewProcessId,
    CommandLine,
    ParentImage,
    ParentProcessName,
    ParentProcessId,
    Hashes,
    SourceIp,
    IpAddress,
    SourceAddress,
    SourcePort,
    IpPort,
    DestinationIp,
    DestAddress,
    DestinationPort,
    DestPort,
    Protocol,
    TargetFilename,
    ObjectName,
    ObjectType,
    QueryName,
    DestinationHostname,
}
const KNOWN_LEN: usize = K::DestinationHostname as usize + 1;

fn known_key(name: &str) -> Option<K> {
    Some(match name {
        "Computer" => K::Computer,
        "Channel" => K::Channel,
        "Provider_Name" => K::ProviderName,
        "EventID" => K::EventId,
        "Security_UserID" => K::SecurityUserId,
        "TargetUserName" => K::TargetUserName,
        "TargetDomainName" => K::TargetDomainName,
        "TargetUserSid" => K::TargetUserSid,
        "SubjectUserName" => K::SubjectUserName,
        "SubjectDomainName" => K::SubjectDomainName,
        "SubjectUserSid" => K::SubjectUserSid,
        "User" => K::User,
        "Image" => K::Image,
        "NewProcessName" => K::NewProcessName,
        "ProcessName" => K::ProcessName,
        "ProcessId" => K::ProcessId,
        "NewProcessId" => K::NewProcessId,
        "CommandLine" => K::CommandLine,
        "ParentImage" => K::ParentImage,
        "ParentProcessName" => K::ParentProcessName,
        "ParentProcessId" => K::ParentProcessId,
        "Hashes" => K::Hashes,
        "SourceIp" => K::SourceIp,
        "IpAddress" => K::IpAddress,
        "SourceAddress" => K::SourceAddress,
        "SourcePort" => K::SourcePort,
        "IpPort" => K::IpPort,
        "DestinationIp" => K::DestinationIp,
        "DestAddress" => K::DestAddress,
        "DestinationPort" => K::DestinationPort,
        "DestPort" => K::DestPort,
        "Protocol" => K::Protocol,
        "TargetFilename" => K::TargetFilename,
        "ObjectName" => K::ObjectName,
        "ObjectType" => K::ObjectType,
        "QueryName" => K::QueryName,
        "DestinationHostname" => K::DestinationHostname,
        _ => return None,
    })
}

/// The meaningful values of the fields normalisation reads, found in one pass.
struct Known<'a>([Option<&'a str>; KNOWN_LEN]);

impl<'a> Known<'a> {
    fn of(fields: &'a Fields) -> Known<'a> {
        let mut known = Known([None; KNOWN_LEN]);
        for (name, value) in fields.iter() {
            if let Some(k) = known_key(name) {
                let slot = &mut known.0[k as usize];
                if slot.is_none() && meaningful(value) {
                    *slot = Some(value);
                }
            }
        }
        known
    }

    fn get(&self, k: K) -> Option<&'a str> {
        self.0[k as usize]
    }

    /// The first of `keys` that has a value.
    fn first(&self, keys: &[K]) -> Option<&'a str> {
        keys.iter().find_map(|k| self.get(*k))
    }

    fn owned(&self, keys: &[K]) -> Option<String> {
        self.first(keys).map(str::to_string)
    }
}

fn normalise(event: &mut Event) {
    let k = Known::of(&event.fields);
    let host = k.owned(&[K::Computer]);
    let channel = k.owned(&[K::Channel]);
    let provider = k.owned(&[K::ProviderName]);
    let event_id = k.owned(&[K::EventId]);
    let user = user(&k);
    let process = process(&k);
    let network = network(&k);
    let file_path = file_path(&k);
    let domain = k.owned(&[K::QueryName, K::DestinationHostname]);
    event.host = host;
    event.channel = channel;
    event.provider = provider;
    event.event_id = event_id;
    event.user = user;
    event.process = process;
    event.network = network;
    event.file.path = file_path;
    event.domain = domain;
}

fn user(k: &Known<'_>) -> firebreak_event::User {
    let mut user = firebreak_event::User::default();
    let target = [K::TargetUserName, K::TargetDomainName, K::TargetUserSid];
    let subject = [K::SubjectUserName, K::SubjectDomainName, K::SubjectUserSid];
    let who = [target, subject]
        .into_iter()
        .find(|[name, ..]| k.get(*name).is_some());
    if let Some([name, domain, sid]) = who {
        user.name = k.owned(&[name]);
        user.domain = k.owned(&[domain]);
        user.sid = k.owned(&[sid]);
    } else if let Some(u) = k.get(K::User) {
        match u.split_once('\\') {
            Some((domain, name)) => {
                user.domain = Some(domain.to_string()).filter(|d| meaningful(d));
                user.name = Some(name.to_string());
            }
            None => user.name = Some(u.to_string()),
        }
    }
    if user.sid.is_none() {
        user.sid = k.owned(&[K::SecurityUserId]);
    }
    user
}

fn process(k: &Known<'_>) -> firebreak_event::Process {
    // Security 4688 names the new process New*, and its creator ProcessId.
    let (pid, creator) = match k.get(K::NewProcessId) {
        Some(p) => (Some(p), k.get(K::ProcessId)),
        None => (k.get(K::ProcessId), None),
    };
    firebreak_event::Process {
        image: k.owned(&[K::Image, K::NewProcessName, K::ProcessName]),
        pid: pid.and_then(parse_number),
        command_line: k.owned(&[K::CommandLine]),
        parent_image: k.owned(&[K::ParentImage, K::ParentProcessName]),
        parent_pid: k.get(K::ParentProcessId).or(creator).and_then(parse_number),
        hashes: k.owned(&[K::Hashes]),
    }
}

fn network(k: &Known<'_>) -> firebreak_event::Network {
    let port = |keys: &[K]| k.first(keys).and_then(|p| p.trim().parse::<u16>().ok());
    firebreak_event::Network {
        src_ip: k.owned(&[K::SourceIp, K::IpAddress, K::SourceAddress]),
        src_port: port(&[K::SourcePort, K::IpPort]),
        dst_ip: k.owned(&[K::DestinationIp, K::DestAddress]),
        dst_port: port(&[K::DestinationPort, K::DestPort]),
        protocol: k.owned(&[K::Protocol]),
        bytes_in: None,
        bytes_out: None,
    }
}

fn file_path(k: &Known<'_>) -> Option<String> {
    let is_file = k.get(K::ObjectType).is_some_and(|t| t.trim() == "File");
    match is_file {
        true => k.owned(&[K::TargetFilename, K::ObjectName]),
        false => k.owned(&[K::TargetFilename]),
    }
}

/// "4624 Security-Auditing: TargetUserName=alice IpAddress=10.0.0.5 LogonType=10": the
/// event id, the provider's short name and some of the record's own (not System) fields.
fn message(id: Option<&str>, provider: Option<&str>, data: &[(&str, &str)]) -> String {
    let id = id.unwrap_or("?");
    let provider = provider.unwrap_or("");
    let short = provider
        .strip_prefix("Microsoft-Windows-")
        .unwrap_or(provider);
    let mut out = String::with_capacity(MESSAGE_MAX);
    out.push_str(id);
    out.push(' ');
    out.push_str(short);
    for (i, (name, value)) in message_fields(data).into_iter().enumerate() {
        let value = one_line(value);
        let piece_len = 2 + name.len() + value.len();
        if out.len() + piece_len > MESSAGE_MAX {
            break;
        }
        out.push_str(if i == 0 { ": " } else { " " });
        out.push_str(name);
        out.push('=');
        out.push_str(&value);
    }
    out
}

fn telling_rank(name: &str) -> Option<usize> {
    TELLING.iter().position(|t| *t == name)
}

/// Up to [`MESSAGE_FIELDS`] data fields: the telling ones first, then others in order.
fn message_fields<'a>(data: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut ranked: [Option<(&str, &str)>; TELLING.len()] = [None; TELLING.len()];
    let mut rest = Vec::with_capacity(MESSAGE_FIELDS);
    for &(name, value) in data {
        if !meaningful(value) {
            continue;
        }
        match telling_rank(name) {
            Some(r) if ranked[r].is_none() => ranked[r] = Some((name, value)),
            Some(_) => {}
            None if rest.len() < MESSAGE_FIELDS => rest.push((name, value)),
            None => {}
        }
    }
    let mut chosen: Vec<(&str, &str)> = ranked.into_iter().flatten().take(MESSAGE_FIELDS).collect();
    let room = MESSAGE_FIELDS - chosen.len();
    chosen.extend(rest.into_iter().take(room));
    chosen
}

/// A value on one line, cut to [`MESSAGE_VALUE_MAX`] bytes at a character boundary.
fn one_line(value: &str) -> Cow<'_, str> {
    let value = value.trim();
    if value.len() <= MESSAGE_VALUE_MAX && !value.contains(|c: char| c.is_control()) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len().min(MESSAGE_VALUE_MAX + 3));
    for c in value.chars() {
        if out.len() + c.len_utf8() > MESSAGE_VALUE_MAX {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(data: &[(&str, &str)]) -> Event {
        let mut r = WinRecord::new();
        r.system(
            "TimeCreated",
            Some("SystemTime"),
            "2019-03-19T23:35:07.5242021Z".into(),
        );
        r.system(
            "Provider",
            Some("Name"),
            "Microsoft-Windows-Security-Auditing".into(),
        );
        r.system("EventID", None, "4688".into());
        for (k, v) in data {
            r.data(*k, v.to_string());
        }
        r.finish(SourceKind::Evtx, Location::Record(1)).unwrap()
    }

    #[test]
    fn system_fields_take_their_fixed_order() {
        let e = record(&[]);
        let names: Vec<_> = e.fields.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["EventID", "TimeCreated", "Provider_Name"]);
        assert_eq!(e.timestamp.micros(), 1_553_038_507_524_202);
        assert_eq!(e.time_original, "2019-03-19T23:35:07.5242021Z");
    }

    #[test]
    fn security_4688_hex_pids_and_creator() {
        let e = record(&[
            ("SubjectUserName", "alice"),
            ("TargetUserName", "-"),
            ("NewProcessId", "0x1a4"),
            ("NewProcessName", "C:\\x.exe"),
            ("ProcessId", "0x10"),
            ("ParentProcessName", "C:\\p.exe"),
        ]);
        assert_eq!(e.process.pid, Some(0x1a4));
        assert_eq!(e.process.parent_pid, Some(0x10));
        assert_eq!(e.process.image.as_deref(), Some("C:\\x.exe"));
        assert_eq!(e.user.name.as_deref(), Some("alice"));
        assert!(e
            .message
            .starts_with("4688 Security-Auditing: SubjectUserName=alice"));
    }

    #[test]
    fn sysmon_user_is_split_and_message_is_bounded() {
        let long = "x".repeat(5000);
        let e = record(&[("User", "NT AUTHORITY\\SYSTEM"), ("CommandLine", &long)]);
        assert_eq!(e.user.domain.as_deref(), Some("NT AUTHORITY"));
        assert_eq!(e.user.name.as_deref(), Some("SYSTEM"));
        assert!(e.message.len() <= MESSAGE_MAX);
    }

    #[test]
    fn bad_times_are_reasons() {
        assert!(parse_system_time("yesterday").is_err());
        assert!(parse_system_time("+30828-09-14T02:48:05Z").is_err());
        let mut r = WinRecord::new();
        r.system("EventID", None, "1".into());
        assert!(r.finish(SourceKind::WinXml, Location::Record(1)).is_err());
    }
}
