//! Inputs the fuzz targets in `fuzz/` found (see fuzz/README.md), kept as tests.

use firebreak_event::{Fields, VecSink};
use firebreak_readers::{read, Format, ReadContext};
use std::io::Cursor;

/// One Windows XML event whose EventData holds `n` unnamed `<Data>` elements.
fn event_with_unnamed_data(n: usize) -> Vec<u8> {
    let mut xml = String::from(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
         <Provider Name='Fuzz'/><EventID>1</EventID>\
         <TimeCreated SystemTime='2024-11-24T10:00:00.000000000Z'/>\
         <EventRecordID>1</EventRecordID><Computer>WS01</Computer></System><EventData>",
    );
    for i in 0..n {
        xml.push_str(&format!("<Data>{i}</Data>"));
    }
    xml.push_str("</EventData></Event>\n");
    xml.into_bytes()
}

fn read_xml(bytes: Vec<u8>) -> VecSink {
    let mut sink = VecSink::default();
    let ctx = ReadContext::new("fuzz-regression");
    read(
        Format::WinXml,
        Box::new(Cursor::new(bytes)),
        &ctx,
        &mut sink,
    )
    .expect("readable");
    sink
}

/// Repeated field names are all kept, numbered in order.
#[test]
fn repeated_unnamed_data_is_kept_numbered() {
    let sink = read_xml(event_with_unnamed_data(300));
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    assert_eq!(sink.events.len(), 1);
    let fields = &sink.events[0].fields;
    assert_eq!(fields.get("Data"), Some("0"));
    assert_eq!(fields.get("Data_2"), Some("1"));
    assert_eq!(fields.get("Data_300"), Some("299"));
}

/// Found by the evtx target: an 18 KB EVTX file (one record whose BinXML expands to
/// about 2,000 same-named fields) took 22 s, a 45 KB one (2,640 fields) 48 s, because
/// `Fields::push` tried `Data_2`, `Data_3`, ... each with a linear lookup (cubic). It
/// now finds the next suffix in one pass and stops at `Fields::MAX`, counting the rest.
#[test]
fn many_repeated_field_names_are_kept_then_counted() {
    let sink = read_xml(event_with_unnamed_data(Fields::MAX + 2000));
    assert_eq!(sink.events.len(), 1);
    let fields = &sink.events[0].fields;
    assert_eq!(fields.get("Data_6000"), Some("5999"));
    assert_eq!(
        fields
            .get(Fields::TRUNCATED)
            .map(|n| n.parse::<usize>().unwrap() >= 2000),
        Some(true)
    );
}
