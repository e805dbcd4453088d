//! A large line-per-record file read in parts on several threads gives exactly the
//! events, rejections and counts of reading it whole: same content, same line numbers.

use firebreak_case::{Case, StoredEvent};
use firebreak_ingest::{ingest, IngestOptions, IngestReport, SilentProgress};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Squid native access.log lines, with a blank line and bad lines sprinkled in.
fn squid_log(dir: &Path, lines: usize) -> PathBuf {
    let path = dir.join("access.log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..lines {
        let ts = 1_732_482_843 + i as u64;
        match i % 997 {
            500 => writeln!(out, "this is not a squid line {i}").unwrap(),
            700 => writeln!(out).unwrap(),
            _ => writeln!(
                out,
                "{ts}.{:03} {:6} 10.0.{}.{} TCP_MISS/200 {} GET http://h{}.example.com/p?{i} - HIER_DIRECT/93.184.216.34 text/html",
                i % 1000,
                i % 5000,
                i % 7,
                i % 250,
                1000 + i,
                i % 31
            )
            .unwrap(),
        }
    }
    out.flush().unwrap();
    path
}

fn ingest_with(path: &Path, part_bytes: u64) -> (IngestReport, Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut case = Case::open(&dir.path().join("case")).unwrap();
    let mut opts = IngestOptions {
        part_bytes: Some(part_bytes),
        ..IngestOptions::default()
    };
    opts.read.threads = 2;
    let report = ingest(&mut case, &[path.to_path_buf()], &opts, &SilentProgress).unwrap();
    let mut events = Vec::new();
    case.scan_each(&[], &mut |e: StoredEvent| {
        events.push(serde_json::to_string(&e.event).unwrap());
        true
    })
    .unwrap();
    let (rejected, _) = case.rejected(u64::MAX).unwrap();
    let rejected = rejected
        .iter()
        .map(|r| format!("{:?} {}", r.location, r.reason))
        .collect();
    (report, events, rejected)
}

#[test]
fn a_file_read_in_parts_gives_the_events_of_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = squid_log(dir.path(), 20_000);
    let (whole, whole_events, whole_rejected) = ingest_with(&log, u64::MAX);
    let (parts, part_events, part_rejected) = ingest_with(&log, 100_000);

    let (w, p) = (whole.total(), parts.total());
    assert_eq!(w.files, 1);
    assert_eq!(p.files, 1, "a split file is still one file");
    assert_eq!(
        (p.records, p.rejected, p.events),
        (w.records, w.rejected, w.events)
    );
    assert_eq!(w.rejected, 20, "every bad line is rejected once");
    assert!(parts.partial.is_empty(), "{:?}", parts.partial);
    assert!(whole.split.is_empty());
    assert_eq!(parts.split.len(), 1);
    assert!(parts.split[0].1 >= 10, "read in {} parts", parts.split[0].1);

    assert_eq!(part_events.len(), whole_events.len());
    // Same events, same provenance (line numbers continue across parts), same order.
    assert_eq!(part_events, whole_events);
    assert_eq!(part_rejected, whole_rejected);
    assert!(
        part_rejected.iter().any(|r| r.starts_with("Line(19444)")),
        "{part_rejected:?}"
    );
}
