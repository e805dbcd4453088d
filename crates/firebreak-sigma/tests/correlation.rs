//! Correlation rules through the public API: the specification's examples (its schema
//! test files and the multi-document examples of its text) with stub detection rules and
//! synthetic events, then edge cases (window boundaries, missing group-by fields, arrival
//! order, chains, load errors, `generate`).

mod common;

use firebreak_event::{Event, Fields, Location, SourceKind, Timestamp};
use firebreak_sigma::{
    CorrelationError, CorrelationHit, CorrelatorOptions, LoadError, LoadOptions, MissingGroupBy,
    RuleError, RuleRef, RuleSet,
};
use std::path::PathBuf;

const BASE: &str = "2024-03-05T10:00:00Z";
const SEC: i64 = 1_000_000;
const MIN: i64 = 60 * SEC;

/// An event `offset` microseconds after [`BASE`] with these fields.
fn ev(offset: i64, fields: &[(&str, &str)]) -> Event {
    let base = Timestamp::parse_rfc3339(BASE).expect("base time");
    let ts = Timestamp::from_micros(base.micros() + offset).expect("time");
    let mut e = Event::new(ts, SourceKind::Jsonl, Location::Line(1));
    e.fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Fields>();
    e
}

/// A detection rule with id `reference` matching events whose `kind` is `reference`.
fn stub(reference: &str) -> String {
    format!(
        "title: stub {reference}\nid: {reference}\nlogsource:\n    product: test\n\
         detection:\n    sel:\n        kind: {reference}\n    condition: sel\n"
    )
}

fn load(docs: &[&str]) -> (RuleSet, Vec<LoadError>) {
    let text = docs.join("\n---\n");
    RuleSet::load(&[("test.yml".into(), text)], &LoadOptions::default())
}

fn load_ok(docs: &[&str]) -> RuleSet {
    let (set, errors) = load(docs);
    assert!(errors.is_empty(), "{errors:#?}");
    set
}

/// Runs the detection rules over `events` (refs are positions), feeding the correlator
/// in the order given by `order`.
fn correlate<'a>(
    set: &'a RuleSet,
    events: &[Event],
    order: &[usize],
    opts: CorrelatorOptions,
) -> Vec<CorrelationHit<'a>> {
    let mut c = set.correlator_with(opts);
    for &i in order {
        for rule in set.matches(&events[i]) {
            c.observe(rule, &events[i], i as i64);
        }
    }
    let (hits, errors) = c.finish();
    assert!(errors.is_empty(), "{errors:?}");
    hits
}

fn run<'a>(set: &'a RuleSet, events: &[Event]) -> Vec<CorrelationHit<'a>> {
    let order: Vec<usize> = (0..events.len()).collect();
    correlate(set, events, &order, CorrelatorOptions::default())
}

/// `title [group values] = value`, the form the expectations are written in.
fn show(h: &CorrelationHit) -> String {
    let group: Vec<String> = h
        .group
        .iter()
        .map(|g| format!("{}={}", g.field, g.value.as_deref().unwrap_or("<missing>")))
        .collect();
    format!("{} [{}] = {}", h.meta().title, group.join(","), h.value)
}

fn shown(hits: &[CorrelationHit]) -> Vec<String> {
    hits.iter().map(show).collect()
}

/// The specification's example correlation rules (its schema test files).
fn spec_example(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/docs/sigma-specification/tests/schema/correlation")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `n` events of `kind` every `step` microseconds from `start`, with `fields`.
fn series(kind: &str, start: i64, step: i64, n: usize, fields: &[(&str, &str)]) -> Vec<Event> {
    (0..n as i64)
        .map(|i| {
            let mut f = vec![("kind", kind)];
            f.extend_from_slice(fields);
            ev(start + i * step, &f)
        })
        .collect()
}

struct SpecCase {
    file: &'static str,
    rules: &'static [&'static str],
    events: fn() -> Vec<Event>,
    expect: &'static [&'static str],
}

const FAILED: &str = "5638f7c0-ac70-491d-8465-2a65075e0d86";

fn event_count_events() -> Vec<Event> {
    let mut v = series(FAILED, 0, 30 * SEC, 100, &[("ComputerName", "host-a")]);
    v.extend(series(
        FAILED,
        0,
        30 * SEC,
        99,
        &[("ComputerName", "host-b")],
    ));
    // 100 events over 99 minutes: never 100 within an hour.
    v.extend(series(FAILED, 0, MIN, 100, &[("ComputerName", "host-c")]));
    v
}

fn event_count_ecs_events() -> Vec<Event> {
    series(
        FAILED,
        0,
        SEC,
        100,
        &[("dns.question.name", "evil.example")],
    )
}

fn value_count_events() -> Vec<Event> {
    let mut v: Vec<Event> = (0..100)
        .map(|i| {
            let user = format!("user{i}");
            ev(
                i * MIN,
                &[
                    ("kind", FAILED),
                    ("ComputerName", "host-a"),
                    ("WorkstationName", "ws-1"),
                    ("User", &user),
                ],
            )
        })
        .collect();
    for i in 0..150 {
        let user = ["a", "b", "c"][i as usize % 3];
        let f = [
            ("kind", FAILED),
            ("ComputerName", "host-a"),
            ("WorkstationName", "ws-2"),
            ("User", user),
        ];
        v.push(ev(i * SEC, &f));
    }
    v
}

fn recon(offsets: &[(i64, &'static str)], host: &str, user: &str) -> Vec<Event> {
    offsets
        .iter()
        .map(|&(t, kind)| ev(t, &[("kind", kind), ("ComputerName", host), ("User", user)]))
        .collect()
}

fn temporal_events() -> Vec<Event> {
    let (a, b, c) = ("recon_cmd_a", "recon_cmd_b", "recon_cmd_c");
    let mut v = recon(&[(0, c), (MIN, a), (2 * MIN, b)], "h1", "u1");
    v.extend(recon(&[(0, a), (MIN, b)], "h1", "u2"));
    // c comes 400 s after a: a is out of c's 5 minute window.
    v.extend(recon(&[(0, a), (100 * SEC, b), (400 * SEC, c)], "h2", "u1"));
    v
}

fn temporal_ordered_events() -> Vec<Event> {
    let (a, b, c) = ("recon_cmd_a", "recon_cmd_b", "recon_cmd_c");
    let mut v = recon(&[(0, a), (MIN, b), (2 * MIN, c)], "h1", "u1");
    v.extend(recon(&[(0, c), (MIN, b), (2 * MIN, a)], "h1", "u2"));
    v.extend(recon(&[(0, a), (MIN, c), (2 * MIN, b)], "h1", "u3"));
    v
}

fn value_sum_events() -> Vec<Event> {
    let k = "website_access";
    let alice = [("SourceIP", "10.0.0.1"), ("User", "alice")];
    let mut v = series(
        k,
        0,
        MIN,
        3,
        &[alice[0], alice[1], ("bytes_sent", "400000")],
    );
    v.push(ev(
        30 * SEC,
        &[("kind", k), alice[0], alice[1], ("bytes_sent", "n/a")],
    ));
    v.extend(series(
        k,
        0,
        MIN,
        2,
        &[
            ("SourceIP", "10.0.0.2"),
            ("User", "bob"),
            ("bytes_sent", "400000"),
        ],
    ));
    v
}

fn value_avg_events() -> Vec<Event> {
    let k = "rule_a_id";
    let f = |t: i64, ip: &str, bytes: &str| {
        ev(
            t,
            &[
                ("kind", k),
                ("SourceIP", ip),
                ("User", "u"),
                ("BytesOut", bytes),
            ],
        )
    };
    vec![
        f(0, "10.0.0.1", "400"),
        f(MIN, "10.0.0.1", "700"),
        f(0, "10.0.0.2", "100"),
        f(MIN, "10.0.0.2", "200"),
    ]
}

fn value_percentile_events() -> Vec<Event> {
    let k = "process_creation";
    let f = |t: i64, host: &str, image: &str| {
        ev(t, &[("kind", k), ("ComputerName", host), ("Image", image)])
    };
    // The example's field is a process name; this engine takes the median (no
    // `percentile` given) of numeric values: non-numbers are not counted.
    vec![
        f(0, "h1", "5"),
        f(MIN, "h1", "3"),
        f(0, "h2", "cmd.exe"),
        f(MIN, "h2", "0.5"),
    ]
}

const SPEC_CASES: &[SpecCase] = &[
    SpecCase {
        file: "event_count.yml",
        rules: &[FAILED],
        events: event_count_events,
        expect: &["Many failed logins [ComputerName=host-a] = 100"],
    },
    SpecCase {
        file: "event_count_ecs.yml",
        rules: &[FAILED],
        events: event_count_ecs_events,
        expect: &["Many failed logins [dns.question.name=evil.example] = 100"],
    },
    SpecCase {
        file: "value_count.yml",
        rules: &[FAILED],
        events: value_count_events,
        expect: &["Failed login [ComputerName=host-a,WorkstationName=ws-1] = 100"],
    },
    SpecCase {
        file: "temporal.yml",
        rules: &["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"],
        events: temporal_events,
        expect: &["Recon [ComputerName=h1,User=u1] = 3"],
    },
    SpecCase {
        file: "temporal_ordered.yml",
        rules: &["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"],
        events: temporal_ordered_events,
        expect: &["Recon ordered [ComputerName=h1,User=u1] = 3"],
    },
    SpecCase {
        file: "value_sum.yml",
        rules: &["website_access"],
        events: value_sum_events,
        expect: &["Possible Exfiltration to Website [SourceIP=10.0.0.1,User=alice] = 1200000"],
    },
    SpecCase {
        file: "value_avg.yml",
        rules: &["rule_a_id"],
        events: value_avg_events,
        expect: &["Suspicious average network traffic [SourceIP=10.0.0.1,User=u] = 550"],
    },
    SpecCase {
        file: "value_percentile.yml",
        rules: &["process_creation"],
        events: value_percentile_events,
        expect: &["A computer spawned a processes name in the last 24h than 1% of all the processes. [ComputerName=h2] = 0.5"],
    },
];

#[test]
fn specification_examples() {
    for case in SPEC_CASES {
        let corr = spec_example(case.file);
        let stubs: Vec<String> = case.rules.iter().map(|r| stub(r)).collect();
        let mut docs: Vec<&str> = vec![&corr];
        docs.extend(stubs.iter().map(String::as_str));
        let set = load_ok(&docs);
        assert_eq!(set.correlations().len(), 1, "{}", case.file);
        let events = (case.events)();
        assert_eq!(shown(&run(&set, &events)), case.expect, "{}", case.file);
        // Arrival order must not matter: reversed, and odd positions first.
        let mut order: Vec<usize> = (0..events.len()).rev().collect();
        let reversed = correlate(&set, &events, &order, CorrelatorOptions::default());
        assert_eq!(shown(&reversed), case.expect, "{} reversed", case.file);
        order.sort_by_key(|i| (i % 2 == 0, *i));
        let mixed = correlate(&set, &events, &order, CorrelatorOptions::default());
        assert_eq!(shown(&mixed), case.expect, "{} mixed", case.file);
    }
}

/// The specification's "Field Name Aliases Example" (stub rules given a title and a
/// logsource, which detection rules need).
const ALIASES: &str = r#"
title: internal error then connection
id: 3c0e8e5f-7f37-4b3e-9b93-6a1c7b0c1d20
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
---
title: internal error
name: internal_error
logsource:
    product: test
detection:
    selection:
        http.response.status_code: 500
    condition: selection
---
title: new connection
name: new_network_connection
logsource:
    product: test
detection:
    selection:
        event.category: network
        event.type: connection
        event.outcome: success
    condition: selection
"#;

fn http_500(t: i64, dst: &str, src: &str) -> Event {
    let f = [
        ("http.response.status_code", "500"),
        ("destination.ip", dst),
        ("source.ip", src),
    ];
    ev(t, &f)
}

fn connection(t: i64, src: &str, dst: &str) -> Event {
    let f = [
        ("event.category", "network"),
        ("event.type", "connection"),
        ("event.outcome", "success"),
        ("source.ip", src),
        ("destination.ip", dst),
    ];
    ev(t, &f)
}

#[test]
fn specification_alias_example() {
    let set = load_ok(&[ALIASES]);
    let events = vec![
        http_500(0, "10.0.0.5", "203.0.113.9"),
        connection(5 * SEC, "10.0.0.5", "203.0.113.9"),
        // Same addresses, the wrong way round: no pair.
        http_500(MIN, "10.0.0.6", "203.0.113.7"),
        connection(MIN + SEC, "203.0.113.7", "10.0.0.6"),
    ];
    assert_eq!(
        shown(&run(&set, &events)),
        ["internal error then connection [internal_ip=10.0.0.5,remote_ip=203.0.113.9] = 2"]
    );
}

/// The specification's complete example: a chain (event_count inside
/// temporal_ordered), rules referred to by `name`.
const FAILED_THEN_SUCCESS: &str = r#"
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
"#;

fn logon(t: i64, id: &str, user: &str) -> Event {
    ev(
        t,
        &[("Channel", "Security"), ("EventID", id), ("User", user)],
    )
}

fn logons(user: &str, failures: usize, success_at: i64) -> Vec<Event> {
    let mut v: Vec<Event> = (0..failures as i64)
        .map(|i| logon(i * 10 * SEC, "4625", user))
        .collect();
    v.push(logon(success_at, "4624", user));
    v
}

#[test]
fn specification_chain_example() {
    let set = load_ok(&[FAILED_THEN_SUCCESS]);
    let mut events = logons("alice", 10, 3 * MIN);
    // Nine failures only.
    events.extend(logons("bob", 9, 3 * MIN));
    // Success before the failures: wrong order.
    let mut carol = logons("carol", 10, 0);
    carol
        .iter_mut()
        .take(10)
        .for_each(|e| e.timestamp = Timestamp::from_micros(e.timestamp.micros() + MIN).unwrap());
    events.extend(carol);
    let hits = run(&set, &events);
    assert_eq!(
        shown(&hits),
        [
            "Correlation - Multiple Failed Logins Followed by Successful Login [User=alice] = 2",
            "Multiple failed logons [User=alice] = 10",
            "Multiple failed logons [User=carol] = 10",
        ]
    );
    // The inner correlation only feeds the outer one (generate defaults to false).
    assert_eq!(
        hits.iter().map(|h| h.reports).collect::<Vec<_>>(),
        [true, false, false]
    );
    let outer = &hits[0];
    assert_eq!(outer.event_total, 11);
    assert_eq!(outer.events, (0..11).collect::<Vec<i64>>());
    assert_eq!(outer.first, events[0].timestamp);
    assert_eq!(outer.last, events[10].timestamp);
    // Neither detection rule reports alone; the outer correlation does.
    assert!(set.rules().iter().all(|r| !set.reports_alone(r)));
    let inner = set
        .correlations()
        .iter()
        .position(|c| c.meta.name.as_deref() == Some("multiple_failed_login"));
    assert!(!set.correlation_reports_alone(inner.unwrap()));
    assert!(set.correlation_reports_alone(0));
    assert_eq!(
        set.correlation_inputs(0),
        Some(&[RuleRef::Correlation(1), RuleRef::Detection(1)][..])
    );
}

const COUNT2: &str = "title: two within 10s\ncorrelation:\n    type: event_count\n    rules: [a]\n    group-by: [host]\n    timespan: 10s\n    condition:\n        gte: 2\n";

fn pair(gap: i64) -> Vec<Event> {
    vec![
        ev(0, &[("kind", "a"), ("host", "h")]),
        ev(gap, &[("kind", "a"), ("host", "h")]),
    ]
}

#[test]
fn window_boundary_is_inclusive() {
    let set = load_ok(&[COUNT2, &stub("a")]);
    assert_eq!(run(&set, &pair(10 * SEC)).len(), 1, "exactly the timespan");
    assert_eq!(
        run(&set, &pair(10 * SEC + 1)).len(),
        0,
        "one microsecond beyond"
    );
    assert_eq!(run(&set, &pair(0)).len(), 1, "same instant");
}

#[test]
fn a_burst_gives_one_hit_per_window_of_matches() {
    let set = load_ok(&[COUNT2, &stub("a")]);
    let events = series("a", 0, SEC, 5, &[("host", "h")]);
    let hits = run(&set, &events);
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].events, [0, 1]);
    assert_eq!(hits[1].events, [2, 3]);
}

#[test]
fn refs_are_bounded_and_counted() {
    let corr = COUNT2.replace("gte: 2", "gte: 12");
    let set = load_ok(&[&corr, &stub("a")]);
    let events = series("a", 0, 100_000, 12, &[("host", "h")]);
    let opts = CorrelatorOptions {
        max_refs: 5,
        ..CorrelatorOptions::default()
    };
    let order: Vec<usize> = (0..12).rev().collect();
    let hits = correlate(&set, &events, &order, opts);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].events, [0, 1, 2, 3, 4]);
    assert_eq!(hits[0].event_total, 12);
    assert_eq!(hits[0].first, events[0].timestamp);
    assert_eq!(hits[0].last, events[11].timestamp);
}

#[test]
fn missing_group_by_field_is_skipped_or_grouped() {
    let set = load_ok(&[COUNT2, &stub("a")]);
    let events = vec![
        ev(0, &[("kind", "a")]),
        ev(SEC, &[("kind", "a")]),
        ev(2 * SEC, &[("kind", "a"), ("host", "h")]),
    ];
    assert!(run(&set, &events).is_empty(), "skipped by default");
    let opts = CorrelatorOptions {
        missing_group_by: MissingGroupBy::Group,
        ..CorrelatorOptions::default()
    };
    let hits = correlate(&set, &events, &[2, 1, 0], opts);
    assert_eq!(shown(&hits), ["two within 10s [host=<missing>] = 2"]);
    assert_eq!(hits[0].events, [0, 1]);
}

#[test]
fn empty_value_is_a_value_and_values_are_case_sensitive() {
    let set = load_ok(&[COUNT2, &stub("a")]);
    let events = vec![
        ev(0, &[("kind", "a"), ("host", "")]),
        ev(SEC, &[("kind", "a"), ("host", "")]),
        ev(0, &[("kind", "a"), ("host", "H")]),
        ev(SEC, &[("kind", "a"), ("host", "h")]),
    ];
    assert_eq!(shown(&run(&set, &events)), ["two within 10s [host=] = 2"]);
}

const ORDERED: &str = "title: a then b\ncorrelation:\n    type: temporal_ordered\n    rules: [a, b]\n    group-by: [host]\n    timespan: 1m\n";

#[test]
fn temporal_ordered_needs_the_order() {
    let set = load_ok(&[ORDERED, &stub("a"), &stub("b")]);
    let at = |t: i64, k: &str| ev(t, &[("kind", k), ("host", "h")]);
    assert_eq!(run(&set, &[at(0, "a"), at(SEC, "b")]).len(), 1);
    assert!(run(&set, &[at(0, "b"), at(SEC, "a")]).is_empty());
    assert!(run(&set, &[at(0, "a"), at(MIN + 1, "b")]).is_empty());
    // Same instant counts as in order, whatever the arrival order.
    let same = [at(0, "b"), at(0, "a")];
    assert_eq!(run(&set, &same).len(), 1);
    // b, then a, then b: the second b completes the order.
    let hits = run(&set, &[at(0, "b"), at(SEC, "a"), at(2 * SEC, "b")]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].events, [0, 1, 2]);
}

#[test]
fn temporal_condition_counts_distinct_rules() {
    let corr = "title: two of three\ncorrelation:\n    type: temporal\n    rules: [a, b, c]\n    group-by: [host]\n    timespan: 1m\n    condition:\n        gte: 2\n";
    let set = load_ok(&[corr, &stub("a"), &stub("b"), &stub("c")]);
    let at = |t: i64, k: &str| ev(t, &[("kind", k), ("host", "h")]);
    assert!(run(&set, &[at(0, "a"), at(SEC, "a")]).is_empty());
    assert_eq!(
        shown(&run(&set, &[at(0, "a"), at(SEC, "c")])),
        ["two of three [host=h] = 2"]
    );
}

#[test]
fn ranges_and_neq() {
    let corr = COUNT2.replace("gte: 2", "gt: 2\n        lte: 3");
    let set = load_ok(&[&corr, &stub("a")]);
    let n = |k: usize| run(&set, &series("a", 0, SEC, k, &[("host", "h")])).len();
    assert_eq!((n(2), n(3), n(4)), (0, 1, 1));
    let corr = COUNT2.replace("gte: 2", "neq: 1");
    let set = load_ok(&[&corr, &stub("a")]);
    let hits = run(&set, &series("a", 0, SEC, 2, &[("host", "h")]));
    assert_eq!(shown(&hits), ["two within 10s [host=h] = 2"]);
}

#[test]
fn value_median_and_percentile() {
    let corr = |kind: &str, extra: &str| {
        format!("title: {kind}\ncorrelation:\n    type: {kind}\n    rules: [a]\n    group-by: [host]\n    timespan: 1h\n    condition:\n        field: size\n        gte: 50\n{extra}")
    };
    let events: Vec<Event> = [10, 20, 30, 100]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let size = s.to_string();
            ev(
                i as i64 * SEC,
                &[("kind", "a"), ("host", "h"), ("size", &size)],
            )
        })
        .collect();
    let median = load_ok(&[&corr("value_median", ""), &stub("a")]);
    // Medians 10, 15, 20, 25: never 50.
    assert!(run(&median, &events).is_empty());
    let p90 = corr("value_percentile", "        percentile: 90\n");
    let set = load_ok(&[&p90, &stub("a")]);
    // 90th percentile of 10, 20, 30, 100: 30 + 0.7 * 70.
    let hits = run(&set, &events);
    assert_eq!(hits.len(), 1);
    assert!((hits[0].value - 79.0).abs() < 1e-9, "{}", hits[0].value);
}

#[test]
fn value_count_counts_field_combinations_and_skips_missing() {
    let corr = "title: users\ncorrelation:\n    type: value_count\n    rules: [a]\n    group-by: [host]\n    timespan: 1h\n    condition:\n        field: [user, domain]\n        gte: 3\n";
    let set = load_ok(&[corr, &stub("a")]);
    let at = |t: i64, u: &str, d: Option<&str>| {
        let mut f = vec![("kind", "a"), ("host", "h"), ("user", u)];
        f.extend(d.map(|d| ("domain", d)));
        ev(t, &f)
    };
    let two = [
        at(0, "x", Some("d1")),
        at(1, "x", Some("d2")),
        at(2, "y", None),
    ];
    assert!(run(&set, &two).is_empty());
    let three = [
        at(0, "x", Some("d1")),
        at(1, "x", Some("d2")),
        at(2, "y", Some("d1")),
    ];
    assert_eq!(shown(&run(&set, &three)), ["users [host=h] = 3"]);
}

#[test]
fn group_by_reads_fields_through_logsource_renames() {
    let rule = "title: cmd\nid: proc-cmd\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel\n";
    let corr = "title: cmd twice\ncorrelation:\n    type: event_count\n    rules: [proc-cmd]\n    group-by: [User, Image]\n    timespan: 1m\n    condition:\n        gte: 2\n";
    let set = load_ok(&[rule, corr]);
    let mut sysmon = ev(0, &[("Image", "C:\\Windows\\cmd.exe"), ("User", "alice")]);
    sysmon.source = SourceKind::Evtx;
    sysmon.channel = Some("Microsoft-Windows-Sysmon/Operational".into());
    sysmon.event_id = Some("1".into());
    let mut security = ev(
        SEC,
        &[
            ("NewProcessName", "C:\\Windows\\cmd.exe"),
            ("SubjectUserName", "alice"),
        ],
    );
    security.source = SourceKind::Evtx;
    security.channel = Some("Security".into());
    security.event_id = Some("4688".into());
    assert_eq!(
        shown(&run(&set, &[sysmon, security])),
        ["cmd twice [User=alice,Image=C:\\Windows\\cmd.exe] = 2"]
    );
}

fn reason_of(errors: &[LoadError], title: &str) -> RuleError {
    errors
        .iter()
        .find(|e| e.rule.as_deref().is_some_and(|r| r.starts_with(title)))
        .unwrap_or_else(|| panic!("no error for {title}: {errors:#?}"))
        .reason
        .clone()
}

#[test]
fn unknown_references_are_load_errors_that_spare_the_rest() {
    let bad = "title: bad\ncorrelation:\n    type: event_count\n    rules: [a, nowhere]\n    group-by: [host]\n    timespan: 10s\n    condition:\n        gte: 2\n";
    let (set, errors) = load(&[bad, COUNT2, &stub("a")]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].origin, "test.yml");
    assert_eq!(errors[0].document, 1);
    assert_eq!(
        errors[0].reason,
        RuleError::UnknownReference("nowhere".into())
    );
    assert_eq!(set.correlation_inputs(0), None);
    assert_eq!(
        shown(&run(&set, &series("a", 0, SEC, 2, &[("host", "h")]))),
        ["two within 10s [host=h] = 2"]
    );
    // Only the usable correlation decides whether `a` reports alone.
    assert!(!set.reports_alone(0));
}

#[test]
fn cycles_and_what_reads_them_are_load_errors() {
    let corr = |name: &str, reads: &str| {
        format!("title: {name}\nname: {name}\ncorrelation:\n    type: event_count\n    rules: [{reads}]\n    timespan: 10s\n    condition:\n        gte: 1\n")
    };
    let docs = [
        corr("one", "two"),
        corr("two", "one"),
        corr("self", "self"),
        corr("outer", "one"),
        corr("fine", "a"),
        stub("a"),
    ];
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let (set, errors) = load(&refs);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    for (title, cycle) in [("one", "one -> two -> one"), ("two", "one -> two -> one")] {
        assert_eq!(
            reason_of(&errors, title),
            RuleError::CorrelationCycle(cycle.into())
        );
    }
    assert_eq!(
        reason_of(&errors, "self"),
        RuleError::CorrelationCycle("self -> self".into())
    );
    assert_eq!(
        reason_of(&errors, "outer"),
        RuleError::UnusableInput("one".into())
    );
    assert!(set.correlation_inputs(4).is_some());
    let hits = run(&set, &series("a", 0, SEC, 1, &[]));
    assert_eq!(shown(&hits), ["fine [] = 1"]);
}

#[test]
fn alias_and_reference_problems_are_load_errors() {
    let with_alias = |aliases: &str| {
        format!("title: aliased\ncorrelation:\n    type: temporal\n    rules: [a, b]\n    group-by: [ip]\n    timespan: 10s\n    aliases:\n        ip:\n{aliases}")
    };
    let stranger = with_alias("            a: src\n            b: dst\n            c: x\n");
    let (_, errors) = load(&[&stranger, &stub("a"), &stub("b"), &stub("c")]);
    assert!(
        matches!(&errors[..], [e] if matches!(&e.reason, RuleError::Alias { alias, reason } if alias == "ip" && reason.contains("'c'"))),
        "{errors:#?}"
    );
    let partial = with_alias("            a: src\n");
    let (_, errors) = load(&[&partial, &stub("a"), &stub("b")]);
    assert!(
        matches!(&errors[..], [e] if matches!(&e.reason, RuleError::Alias { reason, .. } if reason.contains("no field for 'b'"))),
        "{errors:#?}"
    );
    // Two rules named alike: the reference is ambiguous.
    let twin = stub("a").replace("title: stub a", "title: twin");
    let (_, errors) = load(&[COUNT2, &stub("a"), &twin]);
    assert_eq!(
        errors.iter().map(|e| e.reason.clone()).collect::<Vec<_>>(),
        [RuleError::AmbiguousReference {
            reference: "a".into(),
            count: 2
        }]
    );
}

#[test]
fn generate_decides_whether_referenced_rules_report_alone() {
    let quiet = COUNT2;
    let loud = format!("{COUNT2}    generate: true\n");
    let set = load_ok(&[quiet, &stub("a"), &stub("b")]);
    assert!(!set.reports_alone(0));
    assert!(set.reports_alone(1), "b is read by no correlation");
    assert_eq!(set.correlated_rules(), [0]);
    assert!(set.is_correlated(&set.rules()[0]));
    assert!(!set.is_correlated(1));
    let set = load_ok(&[&loud, &stub("a")]);
    assert!(set.reports_alone(0));
    assert!(set.reports_alone(&set.rules()[0]));
    assert!(set.is_correlated(0));
    // `generate` at the top level, as the JSON schema places it.
    let top = format!("{COUNT2}generate: true\n");
    let set = load_ok(&[&top, &stub("a")]);
    assert!(set.correlations()[0].generate);
    assert!(set.reports_alone(0));
    // Read by one quiet and one loud correlation: the quiet one wins (as in pySigma).
    let loud2 = loud.replace("two within", "also two within");
    let set = load_ok(&[quiet, &loud2, &stub("a")]);
    assert!(!set.reports_alone(0));
}

#[test]
fn foreign_rules_and_a_full_buffer_are_reported() {
    let set = load_ok(&[COUNT2, &stub("a")]);
    let other = load_ok(&[&stub("a")]);
    let e = ev(0, &[("kind", "a"), ("host", "h")]);
    let opts = CorrelatorOptions {
        max_buffered: 1,
        ..CorrelatorOptions::default()
    };
    let mut c = set.correlator_with(opts);
    c.observe(&other.rules()[0], &e, 0);
    c.observe(7usize, &e, 0);
    c.observe(0usize, &e, 1);
    c.observe(0usize, &e, 2);
    c.observe(0usize, &e, 3);
    let (hits, errors) = c.finish();
    assert!(hits.is_empty());
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(matches!(&errors[0], CorrelationError::UnknownRule(r) if r.contains("stub a")));
    assert_eq!(
        errors[1],
        CorrelationError::UnknownRule("rule index 7".into())
    );
    assert!(matches!(
        errors[2],
        CorrelationError::BufferFull {
            correlation: 0,
            limit: 1,
            ..
        }
    ));
}

#[test]
fn chained_outer_reads_inner_group_values() {
    // Two hosts each see a burst; the outer counts bursts per user across hosts.
    let inner = "title: burst\nname: burst\ncorrelation:\n    type: event_count\n    rules: [a]\n    group-by: [host, user]\n    timespan: 1m\n    condition:\n        gte: 3\n";
    let outer = "title: bursts on two hosts\ncorrelation:\n    type: value_count\n    rules: [burst]\n    group-by: [user]\n    timespan: 1h\n    generate: true\n    condition:\n        field: host\n        gte: 2\n";
    let set = load_ok(&[outer, inner, &stub("a")]);
    let mut events = series("a", 0, SEC, 3, &[("host", "h1"), ("user", "u")]);
    events.extend(series(
        "a",
        10 * MIN,
        SEC,
        3,
        &[("host", "h2"), ("user", "u")],
    ));
    events.extend(series("a", 0, SEC, 3, &[("host", "h1"), ("user", "v")]));
    let hits = run(&set, &events);
    assert_eq!(
        shown(&hits),
        [
            "bursts on two hosts [user=u] = 2",
            "burst [host=h1,user=u] = 3",
            "burst [host=h1,user=v] = 3",
            "burst [host=h2,user=u] = 3",
        ]
    );
    assert!(hits.iter().all(|h| h.reports), "generate: true");
    assert_eq!(hits[0].events, [0, 1, 2, 3, 4, 5]);
    assert_eq!(hits[0].first, events[0].timestamp);
    assert_eq!(hits[0].last, events[5].timestamp);
}

/// Every `correlation:` document of the SigmaHQ rule directories loads and resolves;
/// any that does not is listed with its reason.
#[test]
fn sigmahq_correlation_rules_resolve() {
    let dirs = [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-placeholder",
    ];
    let sources = common::rule_sources(&dirs);
    let documents: usize = sources
        .iter()
        .map(|(_, text)| {
            text.lines()
                .filter(|l| l.starts_with("correlation:"))
                .count()
        })
        .sum();
    // Placeholder rules fail to load here; only correlation problems count.
    let (set, errors) = RuleSet::load(&sources, &LoadOptions::default());
    let unresolved: Vec<String> = errors
        .iter()
        .filter(|e| is_correlation_problem(&e.reason))
        .map(|e| e.to_string())
        .collect();
    println!(
        "{} files, {documents} correlation documents, {} loaded, {} unresolved",
        sources.len(),
        set.correlations().len(),
        unresolved.len()
    );
    assert!(sources.len() > 3000, "SigmaHQ rules not found");
    assert!(unresolved.is_empty(), "{unresolved:#?}");
    assert_eq!(set.correlations().len(), documents);
    for (i, c) in set.correlations().iter().enumerate() {
        assert!(set.correlation_inputs(i).is_some(), "{}", c.meta.title);
    }
}

fn is_correlation_problem(r: &RuleError) -> bool {
    matches!(
        r.root(),
        RuleError::Correlation(_)
            | RuleError::UnknownReference(_)
            | RuleError::AmbiguousReference { .. }
            | RuleError::CorrelationCycle(_)
            | RuleError::UnusableInput(_)
            | RuleError::Alias { .. }
    )
}
