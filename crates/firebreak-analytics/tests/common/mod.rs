//! Shared test helpers: read evidence through firebreak_readers and feed it.

#![allow(dead_code)]

use firebreak_analytics::{Analytics, AnalyticsConfig, LeakSet, Report};
use firebreak_event::{Event, VecSink};
use firebreak_readers::{read, sniff, Format, ReadContext};
use std::io::Cursor;
use std::path::Path;

/// Events of `bytes` read as `format` (`syslog_year` for year-less lines).
pub fn events(format: Format, bytes: &[u8], year: i32) -> Vec<Event> {
    let mut ctx = ReadContext::new("fixture");
    ctx.options.syslog_year = Some(year);
    let mut sink = VecSink::default();
    read(
        format,
        Box::new(Cursor::new(bytes.to_vec())),
        &ctx,
        &mut sink,
    )
    .expect("readable");
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    sink.events
}

/// Every evidence file below `dir` (not the leak list or truth), sniffed and read; a
/// bodyfile's host is its folder's name, as the case would record it.
pub fn read_dir(dir: &Path, year: i32) -> Vec<Event> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                if !p.ends_with("leaks") {
                    stack.push(p);
                }
                continue;
            }
            if p.file_name().is_some_and(|n| n == "truth.json") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let Some(format) = sniff(&bytes[..bytes.len().min(firebreak_readers::SNIFF_LEN)])
            else {
                continue;
            };
            let folder = p
                .parent()
                .and_then(|f| f.file_name())
                .map(|f| f.to_string_lossy().to_string());
            for mut ev in events(format, &bytes, year) {
                if ev.host.is_none() && format == Format::Bodyfile {
                    ev.host = folder.clone();
                }
                out.push(ev);
            }
        }
    }
    out
}

/// Runs the analytics over `events` (refs = index).
pub fn run(cfg: AnalyticsConfig, events: &[Event]) -> Report {
    let mut a = Analytics::new(cfg);
    for (i, ev) in events.iter().enumerate() {
        a.observe(i as i64, ev);
    }
    a.finish()
}

/// The default configuration with a leak list.
pub fn with_leaks(origin: &str, bytes: &[u8]) -> AnalyticsConfig {
    let (set, errors) = LeakSet::parse(origin, bytes);
    assert!(errors.is_empty(), "{errors:?}");
    AnalyticsConfig {
        leaks: Some(set),
        ..AnalyticsConfig::default()
    }
}

pub fn at(s: &str) -> firebreak_event::Timestamp {
    firebreak_event::Timestamp::parse_rfc3339(s).unwrap()
}
