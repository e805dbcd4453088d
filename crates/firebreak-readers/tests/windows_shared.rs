//! The Windows readers against the real attack recordings in `../shared` (beside the
//! checkout, in CI too): every EVTX record is accounted for, and the same records
//! exported as XML and as evtx_dump JSON (made here with the evtx crate's own
//! rendering) give the same events.

use firebreak_event::{Event, Location, VecSink};
use firebreak_readers::{read, sniff, Format, ReadContext};
use std::io::Cursor;
use std::path::{Path, PathBuf};

fn shared_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.is_dir(),
        "the shared test data folder is missing: expected {} (a checkout of ../shared beside \
         the repository; see its README.md) - these tests need it and do not skip",
        dir.display()
    );
    dir
}

fn samples_dir() -> PathBuf {
    let dir = shared_dir().join("data/evtx-attack-samples");
    assert!(dir.is_dir(), "missing {}", dir.display());
    dir
}

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            evtx_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
        {
            out.push(path);
        }
    }
}

fn all_samples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    evtx_files(&samples_dir(), &mut files);
    files.sort();
    assert!(
        files.len() > 150,
        "expected ~180 EVTX samples, found {}",
        files.len()
    );
    files
}

fn read_bytes(format: Format, bytes: Vec<u8>) -> VecSink {
    let mut sink = VecSink::default();
    let ctx = ReadContext::new("test");
    read(format, Box::new(Cursor::new(bytes)), &ctx, &mut sink).expect("read");
    sink
}

/// The items the evtx crate's record iterator yields for a file: the record ids
/// (of its record headers) of those it reads, and how many it yields in all.
fn evtx_items(path: &Path) -> (Vec<u64>, usize) {
    let mut parser = evtx::EvtxParser::from_path(path).expect("evtx parser");
    let mut ids = Vec::new();
    let mut count = 0;
    for record in parser.records() {
        count += 1;
        if let Ok(r) = record {
            ids.push(r.event_record_id);
        }
    }
    (ids, count)
}

#[test]
fn every_shared_evtx_record_is_accepted_or_rejected() {
    let mut total = (0usize, 0u64, 0usize);
    for path in all_samples() {
        let bytes = std::fs::read(&path).expect("read sample");
        assert_eq!(sniff(&bytes), Some(Format::Evtx), "{}", path.display());
        let sink = read_bytes(Format::Evtx, bytes);
        let (ids, expected) = evtx_items(&path);
        let got = sink.records as usize + sink.rejected.len();
        assert_eq!(got, expected, "{}: accepted + rejected", path.display());
        assert_eq!(sink.events.len() as u64, sink.records, "{}", path.display());
        // Located by the record header's id (evtx_dump's "Record N"), which is the
        // System EventRecordID except in re-exported logs.
        let located: Vec<u64> = sink
            .events
            .iter()
            .map(|e| match e.provenance.location {
                Location::Record(n) => n,
                other => panic!("{}: {other:?}", path.display()),
            })
            .collect();
        assert_eq!(located, ids, "{}", path.display());
        for e in &sink.events {
            assert!(e.event_id.is_some(), "{e:?}");
        }
        total = (
            total.0 + expected,
            total.1 + sink.records,
            total.2 + sink.rejected.len(),
        );
    }
    println!(
        "items {} accepted {} rejected {}",
        total.0, total.1, total.2
    );
}

/// Everything but where the event came from.
fn comparable(e: &Event) -> Event {
    let mut e = e.clone();
    e.source = firebreak_event::SourceKind::Evtx;
    e.provenance.location = Location::Record(0);
    e
}

fn assert_same_events(what: &str, evtx: &[Event], other: &[Event]) {
    assert_eq!(evtx.len(), other.len(), "{what}: number of events");
    for (a, b) in evtx.iter().zip(other) {
        assert_eq!(comparable(a), comparable(b), "{what}");
    }
}

/// The samples with UserData, unnamed Data with Qualifiers and Binary, Sysmon, 4688.
const EQUIVALENCE_SAMPLES: [&str; 8] = [
    "Defense Evasion/DE_1102_security_log_cleared.evtx",
    "Command and Control/DE_RDP_Tunnel_5156.evtx",
    "Command and Control/DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx",
    "Execution/temp_scheduled_task_4698_4699.evtx",
    "Defense Evasion/DE_xp_cmdshell_enabled_MSSQL_EID_15457.evtx",
    "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx",
    "Command and Control/DE_RDP_Tunneling_4624.evtx",
    "Execution/exec_sysmon_1_11_lolbin_rundll32_openurl_FileProtocolHandler.evtx",
];

fn sample(name: &str) -> PathBuf {
    let path = samples_dir().join(name);
    assert!(path.is_file(), "missing sample {}", path.display());
    path
}

/// The records as `<Events>` of their XML, as `wevtutil qe /e:Events` writes.
fn xml_export(path: &Path) -> Vec<u8> {
    let mut parser = evtx::EvtxParser::from_path(path).expect("parser");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Events>\r\n");
    for record in parser.records() {
        let xml = record.expect("record").data;
        let body = xml.split_once("?>").map_or(xml.as_str(), |(_, b)| b);
        out.push_str(body.trim());
        out.push_str("\r\n");
    }
    out.push_str("</Events>\r\n");
    out.into_bytes()
}

/// The records as `evtx_dump -o json` (pretty, "Record N" lines) or `-o jsonl` writes.
fn json_export(path: &Path, lines: bool) -> Vec<u8> {
    let settings = evtx::ParserSettings::new().indent(!lines);
    let mut parser = evtx::EvtxParser::from_path(path)
        .expect("parser")
        .with_configuration(settings);
    let mut out = String::new();
    for record in parser.records_json() {
        let record = record.expect("record");
        if !lines {
            out.push_str(&format!("Record {}\n", record.event_record_id));
        }
        out.push_str(&record.data);
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn evtx_and_its_xml_and_json_exports_give_the_same_events() {
    for name in EQUIVALENCE_SAMPLES {
        let path = sample(name);
        let evtx = read_bytes(Format::Evtx, std::fs::read(&path).expect("sample"));
        assert!(evtx.rejected.is_empty(), "{name}: {:?}", evtx.rejected);
        assert!(!evtx.events.is_empty(), "{name}");

        let xml = xml_export(&path);
        assert_eq!(sniff(&xml), Some(Format::WinXml), "{name}");
        let from_xml = read_bytes(Format::WinXml, xml);
        assert!(
            from_xml.rejected.is_empty(),
            "{name}: {:?}",
            from_xml.rejected
        );
        assert_same_events(&format!("{name} as XML"), &evtx.events, &from_xml.events);
        assert_eq!(from_xml.events[0].provenance.location, Location::Record(1));

        for lines in [false, true] {
            let json = json_export(&path, lines);
            assert_eq!(sniff(&json), Some(Format::WinJson), "{name}");
            let from_json = read_bytes(Format::WinJson, json);
            assert!(
                from_json.rejected.is_empty(),
                "{name}: {:?}",
                from_json.rejected
            );
            let what = format!("{name} as JSON (lines: {lines})");
            assert_same_events(&what, &evtx.events, &from_json.events);
            let first = &from_json.events[0].provenance.location;
            let expected = match lines {
                true => Location::Line(1),
                false => evtx.events[0].provenance.location,
            };
            assert_eq!(*first, expected, "{what}");
        }
    }
}

/// Five chunks with records 1-50, 51-106, 107-163, 164-213 and the rest.
const MULTI_CHUNK: &str = "Persistence/persistence_sysmon_11_13_1_shime_appfix.evtx";
const HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn multi_chunk() -> Vec<u8> {
    std::fs::read(sample(MULTI_CHUNK)).expect("sample")
}

fn evtx_items_of(bytes: &[u8]) -> usize {
    let mut parser = evtx::EvtxParser::from_buffer(bytes.to_vec()).expect("evtx parser");
    parser.records().count()
}

fn try_read_evtx(bytes: Vec<u8>) -> (VecSink, Result<(), firebreak_readers::ReadError>) {
    let mut sink = VecSink::default();
    let mut ctx = ReadContext::new("corrupt.evtx");
    ctx.options.threads = 2;
    let result = read(Format::Evtx, Box::new(Cursor::new(bytes)), &ctx, &mut sink);
    (sink, result)
}

#[test]
fn a_chunk_cut_short_keeps_its_readable_records_and_reports_the_rest() {
    let mut bytes = multi_chunk();
    bytes.truncate(HEADER + 2 * CHUNK + 20_000);
    let (sink, result) = try_read_evtx(bytes);
    result.expect("read");
    // Chunks 0 and 1 whole, then what the first 20000 bytes of chunk 2 hold.
    assert!(sink.records > 106 && sink.records < 163, "{}", sink.records);
    assert_eq!(sink.rejected.len(), 1, "{:?}", sink.rejected);
    let lost = &sink.rejected[0];
    assert_eq!(lost.location, Location::Offset((HEADER + 2 * CHUNK) as u64));
    let expected = format!(
        "{} of its 57 records (ids 107 to 163) are lost",
        163 - sink.records
    );
    assert!(lost.reason.contains(&expected), "{}", lost.reason);
}

#[test]
fn a_chunk_with_a_corrupt_header_is_reported_not_dropped() {
    let mut bytes = multi_chunk();
    let items = evtx_items_of(&bytes);
    bytes[HEADER + CHUNK] ^= 0xFF; // chunk 1's magic
    assert_eq!(evtx_items_of(&bytes), items - 56 + 1);
    let (sink, result) = try_read_evtx(bytes);
    result.expect("read");
    assert_eq!(sink.records as usize, items - 56);
    assert_eq!(sink.rejected.len(), 1);
    let rejected = &sink.rejected[0];
    assert_eq!(rejected.location, Location::Offset((HEADER + CHUNK) as u64));
    assert!(
        rejected
            .reason
            .contains("number of records lost is unknown"),
        "{}",
        rejected.reason
    );
    assert!(rejected.reason.contains("chunk 1"), "{}", rejected.reason);
}

#[test]
fn damaged_records_are_rejected_one_by_one() {
    let mut bytes = multi_chunk();
    // Chunk 3's first record: flip bytes inside its BinXML.
    let record = HEADER + 3 * CHUNK + 512;
    for b in &mut bytes[record + 24..record + 64] {
        *b ^= 0x5A;
    }
    let items = evtx_items_of(&bytes);
    let (sink, result) = try_read_evtx(bytes);
    result.expect("read");
    assert_eq!(sink.records as usize + sink.rejected.len(), items);
    assert!(!sink.rejected.is_empty());
    for r in &sink.rejected {
        assert!(!r.reason.is_empty());
        println!("{} {}", r.location, r.reason);
    }
}

#[test]
fn flipped_bytes_never_panic_and_every_item_is_accounted_for() {
    let original = multi_chunk();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..24 {
        let mut bytes = original.clone();
        let span = (bytes.len() - HEADER) as u64;
        for _ in 0..(1 + round * 4) {
            let at = HEADER + (next() % span) as usize;
            bytes[at] ^= (next() % 255 + 1) as u8;
        }
        let (sink, result) = try_read_evtx(bytes.clone());
        result.expect("read");
        let items = evtx_items_of(&bytes);
        let got = sink.records as usize + sink.rejected.len();
        assert_eq!(got, items, "round {round}: {:?}", sink.rejected);
    }
}

#[test]
fn a_file_shorter_than_its_header_cannot_be_read() {
    let mut bytes = multi_chunk();
    bytes.truncate(3000);
    let (sink, result) = try_read_evtx(bytes);
    assert!(result.is_err());
    assert_eq!(sink.records, 0);
}
