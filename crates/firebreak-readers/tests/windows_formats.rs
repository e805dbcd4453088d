//! The Windows XML and JSON readers on fixtures in the products' own formats: the same
//! six records (Security 4624, 4688, Sysmon 1 and 22, 1102 with UserData, a classic
//! Application event with Qualifiers, unnamed Data and Binary) as `wevtutil qe /f:xml`,
//! a `Get-WinEvent` `<Events>` export, `evtx_dump -o json` and `-o jsonl`, and
//! Winlogbeat NDJSON; and what they do with broken input.

use firebreak_event::{Event, Location, SourceKind, VecSink};
use firebreak_readers::{read, sniff, Format, ReadContext};
use std::io::Cursor;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/windows")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_as(format: Format, bytes: Vec<u8>) -> VecSink {
    let mut sink = VecSink::default();
    let ctx = ReadContext::new("fixture");
    read(format, Box::new(Cursor::new(bytes)), &ctx, &mut sink).expect("read");
    assert_eq!(
        sink.events.len() as u64,
        sink.records,
        "one event per record"
    );
    sink
}

fn read_fixture(name: &str, format: Format) -> VecSink {
    let bytes = fixture(name);
    assert_eq!(sniff(&bytes), Some(format), "{name} sniffed");
    let sink = read_as(format, bytes);
    assert!(sink.rejected.is_empty(), "{name}: {:?}", sink.rejected);
    assert_eq!(sink.events.len(), 6, "{name}");
    sink
}

/// The event without what only says where it came from, nor the SystemTime text
/// (Windows renders 9 fraction digits, evtx 7; the instant is the same).
fn comparable(e: &Event) -> Event {
    let mut e = e.clone();
    e.source = SourceKind::Evtx;
    e.provenance.location = Location::Record(0);
    e.time_original.clear();
    let fields: Vec<(String, String)> = e
        .fields
        .iter()
        .map(|(k, v)| match k {
            "TimeCreated" => (k.to_string(), String::new()),
            _ => (k.to_string(), v.to_string()),
        })
        .collect();
    e.fields = fields.into_iter().collect();
    e
}

#[test]
fn xml_and_evtx_dump_exports_give_the_same_events() {
    let jsonl = read_fixture("evtx_dump.jsonl", Format::WinJson);
    let others = [
        ("evtx_dump.json", Format::WinJson),
        ("wevtutil.xml", Format::WinXml),
        ("getwinevent.xml", Format::WinXml),
    ];
    for (name, format) in others {
        let sink = read_fixture(name, format);
        for (a, b) in jsonl.events.iter().zip(&sink.events) {
            assert_eq!(a.timestamp, b.timestamp, "{name}");
            assert_eq!(comparable(a), comparable(b), "{name}");
        }
    }
}

#[test]
fn locations_and_sources_follow_the_format() {
    let ids = [90211, 90230, 5501, 5517, 90301, 7781];
    type Where = fn(usize, u64) -> Location;
    let cases: [(&str, Format, SourceKind, Where); 4] = [
        (
            "evtx_dump.json",
            Format::WinJson,
            SourceKind::WinJson,
            |_, id| Location::Record(id),
        ),
        (
            "evtx_dump.jsonl",
            Format::WinJson,
            SourceKind::WinJson,
            |i, _| Location::Line(i as u64 + 1),
        ),
        (
            "wevtutil.xml",
            Format::WinXml,
            SourceKind::WinXml,
            |i, _| Location::Record(i as u64 + 1),
        ),
        (
            "getwinevent.xml",
            Format::WinXml,
            SourceKind::WinXml,
            |i, _| Location::Record(i as u64 + 1),
        ),
    ];
    for (name, format, source, location) in cases {
        let sink = read_fixture(name, format);
        for (i, (e, id)) in sink.events.iter().zip(ids).enumerate() {
            assert_eq!(e.source, source, "{name}");
            assert_eq!(e.provenance.location, location(i, id), "{name}");
            assert_eq!(e.fields.get("EventRecordID"), Some(id.to_string().as_str()));
        }
    }
}

#[test]
fn winlogbeat_gives_the_same_fields_and_values_it_carries() {
    let reference = read_fixture("evtx_dump.jsonl", Format::WinJson);
    let beats = read_fixture("winlogbeat.ndjson", Format::WinJson);
    for (a, b) in reference.events.iter().zip(&beats.events) {
        // @timestamp has milliseconds only.
        assert_eq!(a.timestamp.micros() / 1000, b.timestamp.micros() / 1000);
        assert_eq!(b.provenance.location.kind(), "line");
        for (name, value) in b.fields.iter() {
            let expected = a.fields.get(name);
            // ECS and Winlogbeat's own fields, and its names for unnamed Data.
            let renamed = name.contains('.')
                || ["message", "xml_name"].contains(&name)
                || name.starts_with("param");
            if name == "TimeCreated" || (renamed && expected.is_none()) {
                continue;
            }
            assert_eq!(expected, Some(value), "Winlogbeat field {name} of {a:?}");
        }
        for name in [
            "EventID",
            "Channel",
            "Computer",
            "Provider_Name",
            "EventRecordID",
        ] {
            assert_eq!(a.fields.get(name), b.fields.get(name), "{name}");
        }
        assert_eq!(a.host, b.host);
        assert_eq!(a.event_id, b.event_id);
        assert_eq!(a.channel, b.channel);
        assert_eq!(a.provider, b.provider);
        assert_eq!(a.user, b.user);
        assert_eq!(a.process, b.process);
        assert_eq!(a.network, b.network);
        assert_eq!(a.file, b.file);
        assert_eq!(a.domain, b.domain);
    }
    let e = &beats.events[0];
    assert_eq!(e.fields.get("winlog.task"), Some("Logon"));
    assert_eq!(e.fields.get("event.code"), Some("4624"));
}

fn event<'a>(sink: &'a VecSink, id: &str) -> &'a Event {
    sink.events
        .iter()
        .find(|e| e.event_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no event {id}"))
}

#[test]
fn normalised_values() {
    let sink = read_fixture("wevtutil.xml", Format::WinXml);
    let logon = event(&sink, "4624");
    assert_eq!(logon.timestamp.to_rfc3339(), "2024-02-11T08:15:42.123456Z");
    assert_eq!(logon.time_original, "2024-02-11T08:15:42.123456700Z");
    assert_eq!(logon.timestamp_desc, "Event Logged");
    assert_eq!(logon.host.as_deref(), Some("DC01.corp.example"));
    assert_eq!(logon.channel.as_deref(), Some("Security"));
    assert_eq!(logon.user.name.as_deref(), Some("alice"));
    assert_eq!(logon.user.domain.as_deref(), Some("CORP"));
    assert_eq!(logon.network.src_ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(logon.process.pid, Some(0x1f8));
    assert_eq!(
        logon.message,
        "4624 Security-Auditing: TargetUserName=alice SubjectUserName=DC01$ \
         IpAddress=10.0.0.5 LogonType=10 ProcessName=C:\\Windows\\System32\\svchost.exe \
         WorkstationName=DC01"
    );

    let created = event(&sink, "4688");
    assert_eq!(created.process.pid, Some(0x1a4c));
    assert_eq!(created.process.parent_pid, Some(0x12f0));
    assert_eq!(
        created.process.image.as_deref(),
        Some("C:\\Windows\\System32\\cmd.exe")
    );
    assert_eq!(
        created.process.parent_image.as_deref(),
        Some("C:\\Windows\\explorer.exe")
    );
    assert_eq!(created.user.name.as_deref(), Some("alice"));

    let sysmon = event(&sink, "1");
    assert_eq!(sysmon.user.domain.as_deref(), Some("CORP"));
    assert_eq!(sysmon.user.name.as_deref(), Some("alice"));
    assert_eq!(sysmon.user.sid.as_deref(), Some("S-1-5-18"));
    assert_eq!(sysmon.process.pid, Some(6732));
    assert_eq!(sysmon.process.parent_pid, Some(6640));
    assert!(sysmon
        .process
        .hashes
        .as_deref()
        .is_some_and(|h| h.starts_with("SHA256=")));
    assert_eq!(sysmon.process.command_line.as_deref(), Some("whoami  /all"));

    let dns = event(&sink, "22");
    assert_eq!(dns.domain.as_deref(), Some("update.bad-cdn.example"));

    let cleared = event(&sink, "1102");
    assert_eq!(cleared.fields.get("SubjectUserName"), Some("alice"));
    assert_eq!(cleared.user.name.as_deref(), Some("alice"));
    assert_eq!(
        cleared.provider.as_deref(),
        Some("Microsoft-Windows-Eventlog")
    );

    let classic = event(&sink, "15457");
    let names: Vec<&str> = classic.fields.iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "EventID",
            "EventID_Qualifiers",
            "Level",
            "Task",
            "Keywords",
            "TimeCreated",
            "EventRecordID",
            "Channel",
            "Computer",
            "Provider_Name",
            "Data",
            "Data_2",
            "Data_3",
            "Binary"
        ]
    );
    assert_eq!(classic.fields.get("EventID_Qualifiers"), Some("16384"));
    assert_eq!(classic.fields.get("Data"), Some("xp_cmdshell"));
    assert_eq!(classic.message, "15457 MSSQLSERVER: Data=xp_cmdshell Data_2=0 Data_3=1 Binary=BA3B00000A0000000600000053005100");
}

#[test]
fn events_snapshot() {
    let sink = read_fixture("evtx_dump.json", Format::WinJson);
    insta::assert_json_snapshot!("windows_evtx_dump_json_events", sink.events);
}

#[test]
fn utf16_xml_export_is_read() {
    let text = String::from_utf8(fixture("getwinevent.xml")).expect("utf-8 fixture");
    let text = text.trim_start_matches('\u{FEFF}');
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let utf16 = read_as(Format::WinXml, bytes);
    let utf8 = read_fixture("getwinevent.xml", Format::WinXml);
    assert!(utf16.rejected.is_empty(), "{:?}", utf16.rejected);
    assert_eq!(utf16.events, utf8.events);
}

#[test]
fn sniffing_is_specific() {
    let not_windows: [&[u8]; 7] = [
        b"{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n",
        b"{\"Event\":{\"Name\":\"x\"}}\n",
        b"<?xml version=\"1.0\"?>\n<root><Event>x</Event></root>\n",
        b"<Event><System/></Event>\n",
        b"Record 1\nnot json\n",
        b"Record one\n{}\n",
        b"<Events><Item/></Events>\n",
    ];
    for bytes in not_windows {
        let format = sniff(bytes);
        assert!(
            !matches!(format, Some(Format::WinXml | Format::WinJson)),
            "{:?} sniffed as {format:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    let bare = b"<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>";
    assert_eq!(sniff(bare), Some(Format::WinXml));
    assert_eq!(
        sniff(b"Record 7 (recovered)\n{\n  \"Event\": {\n"),
        Some(Format::WinJson)
    );
}

fn wevtutil_lines() -> Vec<String> {
    let text = String::from_utf8(fixture("wevtutil.xml")).expect("utf-8 fixture");
    text.lines().map(str::to_string).collect()
}

#[test]
fn broken_xml_keeps_the_events_before_the_break() {
    let mut lines = wevtutil_lines();
    lines[2] = lines[2].replacen("</Data>", "</Dta>", 1);
    let sink = read_as(Format::WinXml, lines.join("\r\n").into_bytes());
    assert_eq!(sink.records, 2);
    assert_eq!(sink.rejected.len(), 1, "{:?}", sink.rejected);
    assert_eq!(sink.rejected[0].location, Location::Record(3));
    assert!(
        sink.rejected[0].reason.contains("broken XML"),
        "{:?}",
        sink.rejected
    );
}

#[test]
fn truncated_xml_rejects_the_cut_event() {
    let bytes = fixture("getwinevent.xml");
    let cut = bytes
        .windows(23)
        .position(|w| w == b"<Data Name='QueryName'>")
        .expect("sysmon 22");
    let sink = read_as(Format::WinXml, bytes[..cut].to_vec());
    assert_eq!(sink.records, 3);
    assert_eq!(sink.rejected.len(), 1);
    assert_eq!(sink.rejected[0].location, Location::Record(4));
    assert!(
        sink.rejected[0].reason.contains("truncated"),
        "{:?}",
        sink.rejected
    );
}

#[test]
fn bad_values_reject_only_their_event() {
    let mut lines = wevtutil_lines();
    // Before FILETIME's epoch; not UTF-8; no TimeCreated at all.
    lines[1] = lines[1].replace("2024-02-11T08:16:03.555000100Z", "1600-12-31T23:59:59Z");
    let mut bytes = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let line = match i {
            3 => line.replacen("update.bad-cdn.example", "upd\u{1}\u{2}", 1),
            4 => line.replace("SystemTime='2024-02-11T08:20:00.700000000Z'", ""),
            _ => line.clone(),
        };
        let mut raw = line.into_bytes();
        if i == 3 {
            let at = raw.windows(2).position(|w| w == [1, 2]).expect("marker");
            raw[at] = 0xFF;
            raw[at + 1] = 0xFE;
        }
        bytes.extend_from_slice(&raw);
        bytes.extend_from_slice(b"\r\n");
    }
    let sink = read_as(Format::WinXml, bytes);
    let rejected: Vec<Location> = sink.rejected.iter().map(|r| r.location).collect();
    assert_eq!(
        rejected,
        [
            Location::Record(2),
            Location::Record(4),
            Location::Record(5)
        ]
    );
    assert!(
        sink.rejected[0].reason.contains("out of range"),
        "{:?}",
        sink.rejected
    );
    assert!(
        sink.rejected[2].reason.contains("TimeCreated"),
        "{:?}",
        sink.rejected
    );
    assert_eq!(sink.records, 3);
}

#[test]
fn json_errors_are_rejected_where_they_are() {
    let good = String::from_utf8(fixture("evtx_dump.jsonl")).expect("utf-8");
    let first = good.lines().next().expect("line");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(first.as_bytes());
    bytes.extend_from_slice(b"\n{\"Event\":{\"System\":\n[1,2]\n{\"other\":true}\n\n");
    bytes.extend_from_slice(&first.as_bytes()[..40]);
    bytes.extend_from_slice(b"\xFF\"}\n");
    bytes.extend_from_slice(
        first
            .replace("2024-02-11T08:15:42", "10000-01-01T00:00:00")
            .as_bytes(),
    );
    bytes.extend_from_slice(b"\n");
    let sink = read_as(Format::WinJson, bytes);
    assert_eq!(sink.records, 1);
    let rejected: Vec<(u64, &str)> = sink
        .rejected
        .iter()
        .map(|r| (r.location.value(), r.location.kind()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "line"),
            (3, "line"),
            (4, "line"),
            (6, "line"),
            (7, "line")
        ]
    );
    assert!(
        sink.rejected[3].reason.contains("UTF-8"),
        "{:?}",
        sink.rejected
    );
}

#[test]
fn evtx_dump_json_blocks_are_rejected_by_record_number() {
    let text = String::from_utf8(fixture("evtx_dump.json")).expect("utf-8");
    let broken = text.replacen(
        "\"Keywords\": \"0x8020000000000000\",\n",
        "\"Keywords\": ,\n",
        1,
    );
    let sink = read_as(Format::WinJson, broken.into_bytes());
    assert_eq!(sink.records, 5);
    assert_eq!(sink.rejected.len(), 1);
    assert_eq!(sink.rejected[0].location, Location::Record(90211));
    assert!(
        sink.rejected[0].reason.contains("invalid JSON"),
        "{:?}",
        sink.rejected
    );
}

#[test]
fn rendered_xml_keeps_rendering_info_apart() {
    let line = wevtutil_lines().remove(0);
    let rendered = line.replace(
        "</Event>",
        "<RenderingInfo Culture='en-US'><Message>An account was successfully logged on.</Message>\
         <Level>Information</Level><Keywords><Keyword>Audit Success</Keyword></Keywords>\
         </RenderingInfo></Event>",
    );
    let sink = read_as(Format::WinXml, rendered.into_bytes());
    let e = &sink.events[0];
    assert_eq!(e.fields.get("Level"), Some("0"));
    assert_eq!(e.fields.get("RenderingInfo_Culture"), Some("en-US"));
    assert_eq!(e.fields.get("RenderingInfo_Level"), Some("Information"));
    assert_eq!(e.fields.get("RenderingInfo_Keyword"), Some("Audit Success"));
    assert_eq!(
        e.fields.get("RenderingInfo_Message"),
        Some("An account was successfully logged on.")
    );
}
