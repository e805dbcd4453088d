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

/// Events of `files` evidence files with `per_file` events each: times jump back
/// and forth inside a file (like bodyfile), hosts, users and event ids vary.
fn varied_case(dir: &std::path::Path, files: usize, per_file: i64) -> Case {
    let mut case = Case::open(dir).unwrap();
    {
        let mut w = case.writer().unwrap();
        for f in 0..files {
            w.begin_evidence(&info(&format!("f{f}")), 0).unwrap();
            for i in 0..per_file {
                let n = f as i64 * per_file + i;
                let mut e = event(
                    n,
                    ["WS-1.corp.local", "DC01", "FS01"][(n % 3) as usize],
                    ["alice", "bob", "Carol", "dave", "eve"][(n % 5) as usize],
                    if n % 101 == 0 { "Needle here" } else { "plain" },
                );
                // times: mostly rising per file, every 7th far in the past
                let secs = if n % 7 == 0 {
                    1_700_000_000 + (n * 31) % 100_000
                } else {
                    1_795_000_000 + i * 3 + (n % 11)
                };
                e.timestamp = Timestamp::from_secs(secs).unwrap();
                e.event_id = Some(["4624", "4625", "4688", "GET"][(n % 4) as usize].into());
                e.process.pid = Some((n % 9) as u64);
                e.provenance.location = Location::Line(i as u64 + 1);
                w.event(&e).unwrap();
                w.record_done();
            }
            w.end_evidence(&EvidenceOutcome::Complete { note: None }, 1)
                .unwrap();
        }
        w.finish().unwrap();
    }
    case
}

/// Every stored event, by a full storage-order scan.
fn all_events(case: &Case) -> Vec<firebreak_case::StoredEvent> {
    let mut all = Vec::new();
    case.scan_each(&[], &mut |e| {
        all.push(e);
        true
    })
    .unwrap();
    all
}

#[test]
fn files_span_several_segments_and_ids_survive_the_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * firebreak_case::SEGMENT_EVENTS as i64 + 5;
    let case = varied_case(dir.path(), 1, n);
    assert_eq!(case.event_count().unwrap(), n as u64);
    let all = all_events(&case);
    assert_eq!(all.len() as i64, n);
    // storage order is the file's order, across segment boundaries
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.event.provenance.location, Location::Line(i as u64 + 1));
    }
    let mut ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "ids are unique");

    // stopping part-way through a multi-segment scan stops it there
    let mut first = Vec::new();
    case.scan_each(&[], &mut |e| {
        first.push(e.id);
        first.len() < 5000
    })
    .unwrap();
    assert_eq!(first.len(), 5000);
    assert!(first.iter().zip(&all).all(|(a, b)| *a == b.id));

    // fetch by id around each boundary, in the order asked
    let s = firebreak_case::SEGMENT_EVENTS;
    let picks: Vec<usize> = vec![n as usize - 1, s, s - 1, 0, 2 * s, 2 * s - 1, 3 * s];
    let wanted: Vec<i64> = picks.iter().map(|&i| all[i].id).collect();
    let back = case.events_by_id(&wanted).unwrap();
    assert_eq!(back.len(), picks.len());
    for (b, &i) in back.iter().zip(&picks) {
        assert_eq!(b.id, all[i].id);
        assert_eq!(b.event, all[i].event);
    }

    // a record in the last, short segment is found by its location
    let last = case
        .find_by_location("f0.log", Location::Line(n as u64))
        .unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].id, all[n as usize - 1].id);

    // the whole timeline is the scan sorted by time
    let mut sorted: Vec<(i64, i64)> = all
        .iter()
        .map(|e| (e.event.timestamp.micros(), e.id))
        .collect();
    sorted.sort_unstable();
    let timeline: Vec<(i64, i64)> = case
        .query(&Query::default())
        .unwrap()
        .iter()
        .map(|e| (e.event.timestamp.micros(), e.id))
        .collect();
    assert_eq!(timeline, sorted);
}

#[test]
fn pruned_queries_agree_with_a_full_scan() {
    let dir = tempfile::tempdir().unwrap();
    let case = varied_case(dir.path(), 3, 5000);
    let all = all_events(&case);
    let t = |s: i64| Some(s * 1_000_000);
    let window = TimeRange {
        from: t(1_795_002_000),
        to: t(1_795_009_000),
    };
    let queries = vec![
        Query::default(),
        Query {
            range: window,
            ..Query::default()
        },
        Query {
            range: TimeRange {
                from: t(1_700_000_000),
                to: t(1_700_050_000),
            },
            ..Query::default()
        },
        Query {
            range: window,
            hosts: vec!["ws-1".into()],
            ..Query::default()
        },
        Query {
            hosts: vec!["fs01".into(), "DC01".into()],
            event_ids: vec!["4625".into()],
            ..Query::default()
        },
        Query {
            hosts: vec!["nowhere".into()],
            ..Query::default()
        },
        Query {
            users: vec!["CAROL".into()],
            range: window,
            ..Query::default()
        },
        Query {
            event_ids: vec!["GET".into(), "4688".into()],
            offset: 1000,
            limit: 50,
            ..Query::default()
        },
        Query {
            filters: vec![
                Filter {
                    field: "Payload".into(),
                    value: "Needle here".into(),
                },
                Filter {
                    field: "process.pid".into(),
                    value: "3".into(),
                },
            ],
            ..Query::default()
        },
        Query {
            filters: vec![Filter {
                field: "NoSuchField".into(),
                value: "x".into(),
            }],
            ..Query::default()
        },
        Query {
            search: Some("NEEDLE".into()),
            range: window,
            hosts: vec!["dc01".into()],
            ..Query::default()
        },
        Query {
            search: Some("needle".into()),
            offset: 3,
            limit: 7,
            ..Query::default()
        },
        Query {
            sources: vec![SourceKind::Syslog],
            limit: 10,
            offset: 14_990,
            ..Query::default()
        },
    ];
    for q in &queries {
        let host_ok = |h: &str| {
            q.hosts.is_empty()
                || q.hosts.iter().any(|w| {
                    let (h, w) = (h.to_ascii_lowercase(), w.to_ascii_lowercase());
                    h == w || h.starts_with(&format!("{w}."))
                })
        };
        let mut expected: Vec<(i64, i64)> = all
            .iter()
            .filter(|s| {
                let e = &s.event;
                let ts = e.timestamp.micros();
                q.range.from.is_none_or(|f| ts >= f)
                    && q.range.to.is_none_or(|to| ts < to)
                    && host_ok(e.host.as_deref().unwrap_or(""))
                    && (q.users.is_empty()
                        || q.users.iter().any(|u| {
                            e.user
                                .name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(u))
                        }))
                    && (q.event_ids.is_empty()
                        || q.event_ids.iter().any(|i| Some(i) == e.event_id.as_ref()))
                    && (q.sources.is_empty() || q.sources.contains(&e.source))
                    && q.filters.iter().all(|f| {
                        e.get(&f.field) == Some(f.value.as_str())
                            || (f.field == "process.pid"
                                && e.process.pid.map(|p| p.to_string()) == Some(f.value.clone()))
                    })
                    && q.search.as_ref().is_none_or(|s| {
                        e.fields
                            .get("Payload")
                            .is_some_and(|p| p.to_lowercase().contains(&s.to_lowercase()))
                    })
            })
            .map(|s| (s.event.timestamp.micros(), s.id))
            .collect();
        expected.sort_unstable();
        let take = if q.limit == 0 {
            usize::MAX
        } else {
            q.limit as usize
        };
        let expected: Vec<(i64, i64)> = expected
            .into_iter()
            .skip(q.offset as usize)
            .take(take)
            .collect();
        let got: Vec<(i64, i64)> = case
            .query(q)
            .unwrap()
            .iter()
            .map(|e| (e.event.timestamp.micros(), e.id))
            .collect();
        assert!(
            got == expected,
            "{q:?}: {} events, expected {}; first difference at {:?}",
            got.len(),
            expected.len(),
            got.iter().zip(&expected).position(|(a, b)| a != b)
        );
        assert!(!expected.is_empty() || q.hosts == ["nowhere"] || !q.filters.is_empty());
    }
}

#[test]
fn segments_made_elsewhere_and_single_events_are_stored_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = Case::open(dir.path()).unwrap();
    {
        let mut w = case.writer().unwrap();
        w.begin_evidence(&info("mixed"), 0).unwrap();
        let mut b = firebreak_case::SegmentBuilder::new();
        for i in 0..10 {
            b.push(&event(i, "h", "u", "built"));
        }
        assert_eq!(b.len(), 10);
        w.event(&event(100, "h", "u", "single")).unwrap();
        w.segment(&b.finish()).unwrap();
        w.event(&event(101, "h", "u", "single")).unwrap();
        w.records_done(12);
        let counts = w
            .end_evidence(&EvidenceOutcome::Complete { note: None }, 1)
            .unwrap();
        assert_eq!((counts.stored, counts.events), (12, 12));
        w.finish().unwrap();
    }
    let order: Vec<String> = all_events(&case)
        .iter()
        .map(|e| e.event.fields.get("Index").unwrap().to_string())
        .collect();
    let mut want = vec!["100".to_string()];
    want.extend((0..10).map(|i| i.to_string()));
    want.push("101".into());
    assert_eq!(order, want);
}

#[test]
fn reopening_drops_every_segment_of_an_interrupted_file_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut case = varied_case(dir.path(), 1, 100);
        let mut w = case.writer().unwrap();
        w.begin_evidence(&info("cut"), 0).unwrap();
        for i in 0..(2 * firebreak_case::SEGMENT_EVENTS as i64 + 1) {
            w.event(&event(i, "CUT-HOST", "mallory", "interrupted"))
                .unwrap();
        }
        w.commit().unwrap(); // committed segments, file never completed
    }
    let case = Case::open(dir.path()).unwrap();
    assert_eq!(case.event_count().unwrap(), 100);
    assert_eq!(all_events(&case).len(), 100);
    for q in [
        Query {
            hosts: vec!["cut-host".into()],
            ..Query::default()
        },
        Query {
            search: Some("interrupted".into()),
            ..Query::default()
        },
        Query {
            users: vec!["mallory".into()],
            ..Query::default()
        },
    ] {
        assert!(case.query(&q).unwrap().is_empty(), "{q:?}");
    }
    assert_eq!(case.query(&Query::default()).unwrap().len(), 100);
}

#[test]
fn a_corrupt_segment_is_an_error_naming_the_case() {
    let dir = tempfile::tempdir().unwrap();
    drop(varied_case(dir.path(), 1, 50));
    let db = dir.path().join("case.sqlite");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE segment_data SET data = x'ffffff00deadbeef'", [])
        .unwrap();
    let case = Case::open_read(dir.path()).unwrap();
    for r in [
        case.query(&Query::default()).map(|_| ()),
        case.scan_each(&[], &mut |_| true),
    ] {
        match r {
            Err(e @ firebreak_case::CaseError::Corrupt { .. }) => {
                assert!(e.to_string().contains(&db.display().to_string()), "{e}");
            }
            other => panic!("expected a corrupt-case error, got {other:?}"),
        }
    }
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
