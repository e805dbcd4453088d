//! Hand-built events shared by the tests.
#![allow(dead_code)]

use firebreak_event::{desc, Event, Fields, Location, SourceKind, Timestamp, TzPolicy};
use firebreak_timeline::{render, OutputFormat, RenderOptions, TimelineRow};

pub const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

pub fn ts(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn windows(time: &str, record: u64, channel: &str, provider: &str, id: &str) -> Event {
    let mut e = Event::new(ts(time), SourceKind::Evtx, Location::Record(record));
    e.time_original = time.to_string();
    e.host = Some("WS01.corp.example".into());
    e.event_id = Some(id.into());
    e.channel = Some(channel.into());
    e.provider = Some(provider.into());
    e
}

fn system(
    id: &str,
    record: u64,
    channel: &str,
    provider: &str,
    time: &str,
) -> Vec<(String, String)> {
    [
        ("EventID", id.to_string()),
        ("Version", "2".to_string()),
        ("Level", "0".to_string()),
        ("TimeCreated", time.to_string()),
        ("EventRecordID", record.to_string()),
        ("Execution_ProcessID", "0x2a4".to_string()),
        ("Channel", channel.to_string()),
        ("Computer", "WS01.corp.example".to_string()),
        ("Provider_Name", provider.to_string()),
        (
            "Provider_Guid",
            "{54849625-5478-4994-a5ba-3e3b0328c30d}".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn with_system(mut e: Event, data: &[(&str, &str)]) -> Event {
    let record = e.provenance.location.value();
    let mut all = system(
        e.event_id.as_deref().unwrap(),
        record,
        e.channel.as_deref().unwrap(),
        e.provider.as_deref().unwrap(),
        &e.time_original,
    );
    all.extend(fields(data).into_vec());
    e.fields = all.into_iter().collect();
    e
}

pub fn logon_4624() -> Event {
    let mut e = windows(
        "2026-11-24T21:14:03.123456Z",
        1042,
        "Security",
        "Microsoft-Windows-Security-Auditing",
        "4624",
    );
    e.timestamp_desc = desc::EVENT_LOGGED.into();
    e.user.name = Some("jdoe".into());
    e.user.domain = Some("CORP".into());
    e.user.sid = Some("S-1-5-21-1-2-3-1104".into());
    e.network.src_ip = Some("203.0.113.7".into());
    e.network.src_port = Some(50412);
    e.message =
        "4624 Security-Auditing: TargetUserName=jdoe IpAddress=203.0.113.7 LogonType=10".into();
    with_system(
        e,
        &[
            ("TargetUserName", "jdoe"),
            ("TargetDomainName", "CORP"),
            ("TargetUserSid", "S-1-5-21-1-2-3-1104"),
            ("LogonType", "10"),
            ("IpAddress", "203.0.113.7"),
            ("IpPort", "50412"),
        ],
    )
}

pub fn logon_4625() -> Event {
    let mut e = windows(
        "2026-11-24T21:13:58Z",
        1041,
        "Security",
        "Microsoft-Windows-Security-Auditing",
        "4625",
    );
    e.user.name = Some("administrator".into());
    e.network.src_ip = Some("203.0.113.7".into());
    e.message = "4625 Security-Auditing: TargetUserName=administrator Status=0xc000006d".into();
    with_system(
        e,
        &[
            ("TargetUserName", "administrator"),
            ("Status", "0xc000006d"),
            ("IpAddress", "203.0.113.7"),
        ],
    )
}

pub fn sysmon_1() -> Event {
    let mut e = windows(
        "2026-11-24T21:20:00.5Z",
        77,
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        "1",
    );
    e.user.name = Some("jdoe".into());
    e.user.domain = Some("CORP".into());
    e.process.image = Some(r"C:\Windows\System32\cmd.exe".into());
    e.process.pid = Some(4242);
    e.process.command_line = Some(r#"cmd.exe /c "whoami /all""#.into());
    e.process.parent_image = Some(r"C:\Windows\explorer.exe".into());
    e.process.parent_pid = Some(3100);
    e.process.hashes = Some("SHA256=0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF,IMPHASH=00112233445566778899AABBCCDDEEFF".into());
    e.message = r"1 Sysmon: Image=C:\Windows\System32\cmd.exe".into();
    with_system(
        e,
        &[
            ("Image", r"C:\Windows\System32\cmd.exe"),
            ("ProcessId", "4242"),
            ("CommandLine", r#"cmd.exe /c "whoami /all""#),
            ("User", r"CORP\jdoe"),
            ("ParentImage", r"C:\Windows\explorer.exe"),
            ("ParentProcessId", "3100"),
        ],
    )
}

pub fn vpn_login() -> Event {
    let mut e = Event::new(
        ts("2026-11-24T21:14:03Z"),
        SourceKind::Netscaler,
        Location::Line(12),
    );
    e.time_original = "11/24/2026:21:14:03 GMT".into();
    e.tz_policy = TzPolicy::SourceZone;
    e.timestamp_desc = desc::LOGON.into();
    e.host = Some("ns01".into());
    e.event_id = Some("SSLVPN LOGIN".into());
    e.user.name = Some("jdoe".into());
    e.network.src_ip = Some("203.0.113.7".into());
    e.network.dst_ip = Some("198.51.100.10".into());
    e.network.dst_port = Some(443);
    e.message = "SSLVPN LOGIN jdoe from 203.0.113.7".into();
    e.fields = fields(&[
        ("SessionId", "5"),
        ("User", "jdoe"),
        ("Client_ip", "203.0.113.7"),
        ("Vserver", "198.51.100.10:443"),
    ]);
    e
}

pub fn web_request() -> Event {
    let mut e = Event::new(
        ts("2026-11-24T21:30:00Z"),
        SourceKind::WebAccess,
        Location::Line(3),
    );
    e.time_original = "24/Nov/2026:22:30:00".into();
    e.tz_policy = TzPolicy::Assumed("Europe/Berlin".into());
    e.timestamp_desc = desc::REQUEST.into();
    e.event_id = Some("GET".into());
    e.network.src_ip = Some("203.0.113.7".into());
    e.network.bytes_out = Some(2326);
    e.url = Some("/owa/auth/x.aspx?cmd=whoami".into());
    e.message = "GET /owa/auth/x.aspx?cmd=whoami -> 200 (2326 bytes) from 203.0.113.7".into();
    e.fields = fields(&[
        ("client", "203.0.113.7"),
        ("request", "GET /owa/auth/x.aspx?cmd=whoami HTTP/1.1"),
        ("status", "200"),
        ("bytes", "2326"),
    ]);
    e
}

pub fn bodyfile_born() -> Event {
    let mut e = Event::new(
        ts("2026-11-24T21:31:00Z"),
        SourceKind::Bodyfile,
        Location::Line(9),
    );
    e.time_original = "1795555860".into();
    e.timestamp_desc = format!("{}; {}", desc::FILE_MODIFIED, desc::FILE_BORN);
    e.file.path = Some("/C:/Users/jdoe/AppData/Local/Temp/locker.exe".into());
    e.file.size = Some(73_728);
    e.file.hashes = Some("d41d8cd98f00b204e9800998ecf8427e".into());
    e.message =
        "m..b /C:/Users/jdoe/AppData/Local/Temp/locker.exe (r/rrwxrwxrwx, 73728 bytes)".into();
    e.fields = fields(&[
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("name", "/C:/Users/jdoe/AppData/Local/Temp/locker.exe"),
        ("inode", "1234-128-1"),
        ("size", "73728"),
    ]);
    e
}

/// An event whose attacker-controlled text carries terminal escapes, control
/// characters, bidi overrides, a spreadsheet formula and HTML.
pub fn hostile() -> Event {
    let mut e = Event::new(
        ts("2026-11-24T21:40:00Z"),
        SourceKind::Syslog,
        Location::Line(66),
    );
    e.time_original = "Nov 24 21:40:00".into();
    e.tz_policy = TzPolicy::Assumed("UTC".into());
    e.host = Some("web01\x1b]0;pwned\x07".into());
    e.event_id = Some("=cmd|' /C calc'!A0".into());
    e.user.name = Some("\u{202E}nimda\u{202C}".into());
    e.process.command_line = Some("+SUM(1,2)".into());
    e.url = Some("@evil".into());
    e.domain = Some("-2+3".into());
    e.message = "login \x1b[31mFAILED\x1b[0m\r\nfake line\t<script>alert(1)</script> \u{2066}x\u{2069} \u{9b}2J end\x07\x00".into();
    e.fields = fields(&[
        ("msg", "\x1b[31mred\x1b[0m"),
        ("formula", "=cmd|' /C calc'!A0"),
        ("tab", "\t=1+1"),
        ("cr", "\r=1+1"),
        ("html", "<script>alert(1)</script>"),
    ]);
    e
}

/// An event with `n` original fields whose names start with `prefix`.
pub fn wide(prefix: &str, n: usize, record: u64) -> Event {
    let mut e = Event::new(
        ts("2026-11-24T22:00:00Z"),
        SourceKind::Jsonl,
        Location::Record(record),
    );
    e.message = format!("{n} fields");
    e.fields = (0..n)
        .map(|i| (format!("{prefix}.field-{i}"), i.to_string()))
        .collect();
    e
}

/// A zero FILETIME (1601) event.
pub fn zero_filetime() -> Event {
    let mut e = windows("1601-01-01T00:00:00Z", 5, "System", "EventLog", "6005");
    e.message = "6005 EventLog".into();
    with_system(e, &[])
}

pub fn sample() -> Vec<Event> {
    vec![
        logon_4625(),
        logon_4624(),
        sysmon_1(),
        vpn_login(),
        web_request(),
        bodyfile_born(),
    ]
}

pub fn rows(events: &[Event]) -> Vec<TimelineRow<'_>> {
    events
        .iter()
        .map(|event| TimelineRow {
            event,
            evidence_path: match event.source {
                SourceKind::Evtx => "triage/WS01.zip!C/Windows/System32/winevt/Logs/Security.evtx",
                _ => "logs/collected.tar.gz!var/log/messages",
            },
            evidence_sha256: SHA,
        })
        .collect()
}

/// The whole output of `format` for `events` as text.
pub fn rendered(format: OutputFormat, options: &RenderOptions, events: &[Event]) -> String {
    let mut out = Vec::new();
    render(format, options, rows(events), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}
