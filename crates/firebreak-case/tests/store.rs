//! The case store through its public API.

use firebreak_case::{Case, EvidenceInfo, EvidenceOutcome, Filter, Query, TimeRange};
use firebreak_event::{Event, Location, Rejected, SourceKind, Timestamp};

fn info(sha: &str) -> EvidenceInfo {
    EvidenceInfo {
        sha256: sha.into(),
        display_path: format!("/evidence/{sha}.log"),
        disk_path: format!("/evidence/{sha}.log"),
        member: None,
        container_sha256: None,
        size: 1,
        mtime: None,
        format: Some("syslog".into()),
    }
}

fn event(i: i64, host: &str, user: &str, text: &str) -> Event {
    let mut e = Event::new(
        Timestamp::from_secs(1_795_000_000 + (i * 7919) % 5000).unwrap(),
        SourceKind::Syslog,
        Location::Line(i as u64 + 1),
    );
    e.host = Some(host.into());
    e.user.name = Some(user.into());
    e.message = format!("event {i}");
    e.fields.push("Payload", text);
    e.fields.push("Index", i.to_string());
    e
}

/// A case with 3000 events over two hosts; every 97th carries a needle.
fn sample_case(dir: &std::path::Path) -> Case {
    let mut case = Case::open(dir).unwrap();
    {
        let mut w = case.writer().unwrap();
        w.begin_evidence(&info("aa"), 0).unwrap();
        for i in 0..3000 {
            let host = if i % 2 == 0 {
                "WS-1.corp.local"
            } else {
                "DC01"
            };
            let text = if i % 97 == 0 {
                "x Needle-Value y"
            } else {
                "plain"
            };
            w.event(&event(
                i,
                host,
                if i % 3 == 0 { "alice" } else { "bob" },
                text,
            ))
            .unwrap();
            w.record_done();
        }
        w.reject(&Rejected {
            location: Location::Line(9999),
            reason: "bad".into(),
        })
        .unwrap();
        w.end_evidence(&EvidenceOutcome::Complete { note: None }, 1)
            .unwrap();
        w.finish().unwrap();
    }
    case
}

fn ids(case: &Case, q: &Query) -> Vec<String> {
    case.query(q)
        .unwrap()
        .iter()
        .map(|e| e.event.fields.get("Index").unwrap().to_string())
        .collect()
}

#[test]
fn parallel_full_text_scan_agrees_with_the_indexed_path() {
    let dir = tempfile::tempdir().unwrap();
    let case = sample_case(dir.path());
    let search = |range: TimeRange, offset: u64, limit: u64| Query {
        search: Some("needle-VALUE".into()),
        range,
        offset,
        limit,
        ..Query::default()
    };
    let everything = TimeRange {
        from: Some(0),
        to: Some(i64::MAX),
    };
    for (offset, limit) in [(0, 0), (0, 5), (7, 10), (30, 100)] {
        let scanned = ids(&case, &search(TimeRange::default(), offset, limit));
        let indexed = ids(&case, &search(everything, offset, limit));
        assert_eq!(scanned, indexed, "offset {offset} limit {limit}");
    }
    assert_eq!(ids(&case, &search(TimeRange::default(), 0, 0)).len(), 31);
    // raw text, not its JSON encoding: backslashes are searched as written
    let path = Query {
        search: Some("event 1234 payload=plain index=1234".into()),
        ..Query::default()
    };
    assert_eq!(ids(&case, &path), ["1234"]);
}

#[test]
fn search_finds_windows_paths_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = Case::open(dir.path()).unwrap();
    {
        let mut w = case.writer().unwrap();
        w.begin_evidence(&info("cc"), 0).unwrap();
        let mut e = event(1, "h", "u", "x");
        e.fields
            .push("Image", "C:\\Windows\\System32\\rundll32.exe");
        w.event(&e).unwrap();
        w.record_done();
        w.end_evidence(&EvidenceOutcome::Complete { note: None }, 1)
            .unwrap();
        w.finish().unwrap();
    }
    let q = Query {
        search: Some("system32\\RUNDLL32".into()),
        ..Query::default()
    };
    assert_eq!(case.query(&q).unwrap().len(), 1);
}

#[test]
fn filters_hosts_users_and_original_fields() {
    let dir = tempfile::tempdir().unwrap();
    let case = sample_case(dir.path());
    let q = Query {
        hosts: vec!["ws-1".into()],
        users: vec!["ALICE".into()],
        filters: vec![Filter {
            field: "Payload".into(),
            value: "x Needle-Value y".into(),
        }],
        ..Query::default()
    };
    let got = case.query(&q).unwrap();
    // i % 2 == 0, i % 3 == 0 and i % 97 == 0: i in {0, 582, 1164, 1746, 2328, 2910}
    assert_eq!(got.len(), 6);
    assert!(got
        .windows(2)
        .all(|w| w[0].event.timestamp <= w[1].event.timestamp));
    let by_loc = case
        .find_by_location("aa.log", Location::Line(583))
        .unwrap();
    assert_eq!(by_loc[0].event.fields.get("Index"), Some("582"));
}

#[test]
fn accounting_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    drop(sample_case(dir.path()));
    let case = Case::open_read(dir.path()).unwrap();
    let ev = case.evidence().unwrap();
    assert_eq!(
        (ev[0].records_stored, ev[0].records_rejected, ev[0].events),
        (3000, 1, 3000)
    );
    let (rejected, total) = case.rejected(10).unwrap();
    assert_eq!(total, 1);
    assert_eq!(rejected[0].location, Location::Line(9999));
}

#[test]
fn one_writer_at_a_time_and_interrupted_ingest_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = Case::open(dir.path()).unwrap();
    assert!(matches!(
        Case::open(dir.path()),
        Err(firebreak_case::CaseError::Busy { .. })
    ));
    {
        let mut w = case.writer().unwrap();
        w.begin_evidence(&info("bb"), 0).unwrap();
        w.event(&event(1, "h", "u", "t")).unwrap();
        w.commit().unwrap(); // committed, but never completed
    }
    drop(case);
    let case = Case::open(dir.path()).unwrap();
    assert_eq!(case.evidence().unwrap().len(), 0);
    assert_eq!(case.event_count().unwrap(), 0);
    let q = Query {
        search: Some("t".into()),
        ..Query::default()
    };
    assert!(
        case.query(&q).unwrap().is_empty(),
        "search blocks of the rolled-back file remain"
    );
}

#[test]
fn scan_sees_every_event_once_and_ids_fetch_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let case = sample_case(dir.path());
    let mut seen = Vec::new();
    case.scan_each(&[], &mut |e| {
        seen.push((e.id, e.event.fields.get("Index").unwrap().to_string()));
        true
    })
    .unwrap();
    assert_eq!(seen.len() as u64, case.event_count().unwrap());
    let mut indexes: Vec<u64> = seen.iter().map(|(_, i)| i.parse().unwrap()).collect();
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(indexes.len(), seen.len(), "an event was seen twice");

    let wanted = [seen[2999].0, seen[5].0, 1_000_000_000];
    let back = case.events_by_id(&wanted).unwrap();
    assert_eq!(back.len(), 2, "the unknown id is left out");
    assert_eq!(back[0].id, seen[2999].0);
    assert_eq!(
        back[0].event.fields.get("Index"),
        Some(seen[2999].1.as_str())
    );
    assert_eq!(back[1].id, seen[5].0);

    let mut n = 0;
    case.scan_each(&[12345], &mut |_| {
        n += 1;
        true
    })
    .unwrap();
    assert_eq!(n, 0, "no evidence 12345, no events");
}

#[test]
fn detections_are_stored_once_per_rule_and_record() {
    use firebreak_case::DetectionRow;
    let dir = tempfile::tempdir().unwrap();
    let mut case = sample_case(dir.path());
    let row = |rule: &str, line: u64| DetectionRow {
        kind: "sigma".into(),
        rule_key: rule.into(),
        title: format!("rule {rule}"),
        level: "high".into(),
        status: Some("test".into()),
        tags: vec!["attack.t1003".into()],
        ts: 1_795_000_000_000_000 + line as i64,
        host: Some("DC01".into()),
        user: None,
        event_ref: Some(line as i64),
        evidence_id: Some(1),
        location: Some(Location::Line(line)),
        dedupe: format!("1:line:{line}"),
        details: "{}".into(),
    };
    let first = case
        .record_hunt("first", 1, &[row("a", 1), row("a", 2), row("a", 1)])
        .unwrap();
    assert_eq!(
        (first.new, first.total),
        (2, 3),
        "the same record twice is one"
    );
    let second = case
        .record_hunt("second", 2, &[row("a", 2), row("b", 2)])
        .unwrap();
    assert_eq!((second.new, second.total), (1, 2));
    assert_ne!(first.hunt_id, second.hunt_id);
    let stored = case.detections().unwrap();
    assert_eq!(stored.len(), 3);
    let b = stored.iter().find(|(_, d)| d.rule_key == "b").unwrap();
    assert_eq!(b.0, second.hunt_id, "found first by the second hunt");
    assert_eq!(b.1, row("b", 2), "read back as written");
}

#[test]
fn coverage_counts_events_per_host_and_source_and_investigations_keep_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = sample_case(dir.path());
    let cov = case.coverage().unwrap();
    assert_eq!(cov.len(), 2, "{cov:?}");
    let total: u64 = cov.iter().map(|c| c.events).sum();
    assert_eq!(total, case.event_count().unwrap());
    let dc = cov
        .iter()
        .find(|c| c.host.as_deref() == Some("DC01"))
        .unwrap();
    assert_eq!((dc.source.as_str(), dc.events), ("syslog", 1500));
    assert!(dc.first <= dc.last);
    assert_eq!(case.latest_investigation().unwrap(), None);
    case.save_investigation(1, "{\"a\":1}").unwrap();
    case.save_investigation(2, "{\"a\":2}").unwrap();
    assert_eq!(
        case.latest_investigation().unwrap(),
        Some((2, "{\"a\":2}".to_string()))
    );
}
