//! Each modifier and condition form on hand-built events, through both engines.

use firebreak_event::{Event, Fields, Location, SourceKind, Timestamp};
use firebreak_sigma::{LoadOptions, RuleError, RuleSet};

fn event(fields: &[(&str, &str)]) -> Event {
    let ts = Timestamp::parse_rfc3339("2024-03-05T23:15:00Z").expect("time");
    let mut e = Event::new(ts, SourceKind::Jsonl, Location::Line(1));
    e.fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Fields>();
    e.message = "a summary line mentioning mimikatz".into();
    e
}

fn rule(detection: &str) -> String {
    let body: String = detection.lines().map(|l| format!("    {l}\n")).collect();
    format!("title: t\nid: t-1\nlogsource:\n    product: test\ndetection:\n{body}")
}

fn load_with(detection: &str, opts: &LoadOptions) -> Result<RuleSet, RuleError> {
    let (set, errors) = RuleSet::load(&[("test.yml".into(), rule(detection))], opts);
    match errors.into_iter().next() {
        Some(e) => Err(e.reason),
        None => Ok(set),
    }
}

/// Whether the detection matches; both engines must agree.
fn hit(detection: &str, ev: &Event) -> bool {
    let set = load_with(detection, &LoadOptions::default()).expect("rule loads");
    let compiled = !set.matches(ev).is_empty();
    assert_eq!(
        compiled,
        !set.matches_reference(ev).is_empty(),
        "{detection}"
    );
    compiled
}

const CMD: &[(&str, &str)] = &[
    ("Image", "C:\\Windows\\System32\\cmd.exe"),
    ("CommandLine", "cmd.exe /c whoami -all"),
    ("ParentImage", "C:\\Windows\\System32\\cmd.exe"),
    ("DestinationIp", "10.1.2.3"),
    ("DestinationIpV6", "fe80::1"),
    ("Size", "1500"),
    ("Empty", ""),
    ("UtcTime", "2024-03-05 07:30:00.000"),
    ("Payload", "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"),
    ("Encoded", "aHR0cDovL2V2aWwuY29t"),
];

#[test]
fn plain_values_are_case_insensitive_exact_with_wildcards() {
    let e = event(CMD);
    assert!(hit(
        "sel:\n    Image: 'c:\\windows\\system32\\CMD.exe'\ncondition: sel",
        &e
    ));
    assert!(!hit("sel:\n    Image: 'cmd.exe'\ncondition: sel", &e));
    assert!(hit("sel:\n    Image: '*\\cmd.ex?'\ncondition: sel", &e));
    assert!(!hit("sel:\n    Image: '*\\cmd.ex\\?'\ncondition: sel", &e));
    assert!(hit("sel:\n    Size: 1500\ncondition: sel", &e));
}

#[test]
fn contains_startswith_endswith_all() {
    let e = event(CMD);
    assert!(hit(
        "sel:\n    CommandLine|contains: WHOAMI\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    CommandLine|startswith: 'cmd.exe /c'\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    Image|endswith: '\\cmd.exe'\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    CommandLine|contains|all: [whoami, '-all']\ncondition: sel",
        &e
    ));
    assert!(!hit(
        "sel:\n    CommandLine|contains|all: [whoami, '/priv']\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    CommandLine|contains: [nothing, whoami]\ncondition: sel",
        &e
    ));
}

#[test]
fn cased_and_neq() {
    let e = event(CMD);
    assert!(!hit(
        "sel:\n    CommandLine|contains|cased: WHOAMI\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    CommandLine|contains|cased: whoami\ncondition: sel",
        &e
    ));
    assert!(hit("sel:\n    Size|neq: 1000\ncondition: sel", &e));
    assert!(!hit("sel:\n    Size|neq: [1000, 1500]\ncondition: sel", &e));
    assert!(!hit("sel:\n    Missing|neq: x\ncondition: sel", &e));
}

#[test]
fn null_and_exists() {
    let e = event(CMD);
    assert!(hit("sel:\n    Missing: null\ncondition: sel", &e));
    assert!(hit("sel:\n    Empty: null\ncondition: sel", &e));
    assert!(!hit("sel:\n    Image: null\ncondition: sel", &e));
    assert!(hit("sel:\n    Empty|exists: true\ncondition: sel", &e));
    assert!(hit("sel:\n    Missing|exists: false\ncondition: sel", &e));
    assert!(!hit("sel:\n    Image|exists: false\ncondition: sel", &e));
    assert!(hit("sel:\n    Empty: ''\ncondition: sel", &e));
}

#[test]
fn regular_expressions_and_flags() {
    let e = event(CMD);
    assert!(hit(
        "sel:\n    CommandLine|re: 'who(am)?i\\s+-a'\ncondition: sel",
        &e
    ));
    assert!(!hit(
        "sel:\n    CommandLine|re: 'WHOAMI'\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    CommandLine|re|i: 'WHOAMI'\ncondition: sel",
        &e
    ));
    let ml = event(&[("Text", "first\nsecond")]);
    assert!(!hit("sel:\n    Text|re: '^second$'\ncondition: sel", &ml));
    assert!(hit("sel:\n    Text|re|m: '^second$'\ncondition: sel", &ml));
    assert!(!hit(
        "sel:\n    Text|re: 'first.second'\ncondition: sel",
        &ml
    ));
    assert!(hit(
        "sel:\n    Text|re|s: 'first.second'\ncondition: sel",
        &ml
    ));
}

#[test]
fn cidr_v4_and_v6() {
    let e = event(CMD);
    assert!(hit(
        "sel:\n    DestinationIp|cidr: 10.0.0.0/8\ncondition: sel",
        &e
    ));
    assert!(!hit(
        "sel:\n    DestinationIp|cidr: 192.168.0.0/16\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    DestinationIpV6|cidr: 'fe80::/10'\ncondition: sel",
        &e
    ));
    assert!(!hit("sel:\n    Image|cidr: 10.0.0.0/8\ncondition: sel", &e));
}

#[test]
fn numeric_comparisons() {
    let e = event(CMD);
    assert!(hit("sel:\n    Size|gt: 1000\ncondition: sel", &e));
    assert!(hit("sel:\n    Size|gte: 1500\ncondition: sel", &e));
    assert!(!hit("sel:\n    Size|lt: 1500\ncondition: sel", &e));
    assert!(hit("sel:\n    Size|lte: 1500\ncondition: sel", &e));
    assert!(!hit("sel:\n    Image|gt: 1\ncondition: sel", &e));
}

#[test]
fn encodings() {
    let e = event(CMD);
    // "IEX (New-Object" in UTF-16LE, base64: the classic PowerShell -enc payload.
    assert!(hit(
        "sel:\n    Payload|wide|base64offset|contains: 'New-Object'\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    Encoded|base64offset|contains: 'http://'\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    Encoded|base64: 'http://evil.com'\ncondition: sel",
        &e
    ));
    assert!(!hit(
        "sel:\n    Encoded|base64|startswith: 'http://'\ncondition: sel",
        &e
    ));
    let wide = event(&[("Raw", "c\u{0}m\u{0}d\u{0}")]);
    assert!(hit("sel:\n    Raw|utf16le: cmd\ncondition: sel", &wide));
    assert!(hit("sel:\n    Raw|wide: cmd\ncondition: sel", &wide));
    let be = event(&[("Raw", "\u{0}c\u{0}m\u{0}d")]);
    assert!(hit("sel:\n    Raw|utf16be: cmd\ncondition: sel", &be));
    let bom = event(&[("Raw", "\u{ff}\u{fe}c\u{0}m\u{0}d\u{0}")]);
    assert!(hit("sel:\n    Raw|utf16: cmd\ncondition: sel", &bom));
}

#[test]
fn windash() {
    let slash = event(&[("CommandLine", "net user /add x")]);
    let dash = event(&[("CommandLine", "net user -add x")]);
    let en = event(&[("CommandLine", "net user \u{2013}add x")]);
    for e in [&slash, &dash, &en] {
        assert!(hit(
            "sel:\n    CommandLine|windash|contains: ' -add'\ncondition: sel",
            e
        ));
    }
}

#[test]
fn expand_placeholders() {
    let e = event(CMD);
    let det = "sel:\n    Image|expand: '%shells%'\ncondition: sel";
    let err = load_with(det, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err.root(), RuleError::Placeholder(p) if p == "shells"));
    let mut opts = LoadOptions::default();
    opts.placeholders.insert(
        "shells".into(),
        vec!["*\\powershell.exe".into(), "*\\cmd.exe".into()],
    );
    let set = load_with(det, &opts).unwrap();
    assert_eq!(set.matches(&e).len(), 1);
    assert_eq!(set.matches_reference(&e).len(), 1);
}

#[test]
fn fieldref() {
    let e = event(CMD);
    assert!(hit(
        "sel:\n    Image|fieldref: ParentImage\ncondition: sel",
        &e
    ));
    assert!(!hit(
        "sel:\n    Image|fieldref|neq: ParentImage\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    CommandLine|fieldref|neq: Image\ncondition: sel",
        &e
    ));
    assert!(!hit(
        "sel:\n    Image|fieldref: Missing\ncondition: sel",
        &e
    ));
    assert!(hit(
        "sel:\n    Image|fieldref|endswith: Image\ncondition: sel",
        &e
    ));
}

#[test]
fn time_modifiers_on_fields_and_event_time() {
    let e = event(CMD);
    assert!(hit("sel:\n    UtcTime|hour: 7\ncondition: sel", &e));
    assert!(hit("sel:\n    UtcTime|minute: 30\ncondition: sel", &e));
    assert!(hit("sel:\n    UtcTime|day: 5\ncondition: sel", &e));
    assert!(hit("sel:\n    UtcTime|month: 3\ncondition: sel", &e));
    assert!(hit("sel:\n    UtcTime|year: 2024\ncondition: sel", &e));
    assert!(hit("sel:\n    UtcTime|week: 10\ncondition: sel", &e));
    assert!(hit("sel:\n    UtcTime|hour|lt: 8\ncondition: sel", &e));
    // No `timestamp` field: the event's own time (23:15 UTC).
    assert!(hit("sel:\n    timestamp|hour|gte: 22\ncondition: sel", &e));
    assert!(!hit("sel:\n    timestamp|hour: 7\ncondition: sel", &e));
}

#[test]
fn keywords_search_message_and_values() {
    let e = event(CMD);
    assert!(hit("keywords:\n    - mimikatz\ncondition: keywords", &e));
    assert!(hit("keywords:\n    - WHOAMI\ncondition: keywords", &e));
    assert!(!hit("keywords:\n    - rubeus\ncondition: keywords", &e));
    assert!(hit(
        "keywords:\n    '|all':\n        - whoami\n        - mimikatz\ncondition: keywords",
        &e
    ));
    assert!(!hit(
        "keywords:\n    '|all':\n        - whoami\n        - rubeus\ncondition: keywords",
        &e
    ));
}

#[test]
fn lists_of_maps_and_condition_forms() {
    let e = event(CMD);
    let det = "sel_a:\n    - Image|endswith: '\\powershell.exe'\n    - CommandLine|contains: whoami\nsel_b:\n    Size: 1\nfilter_x:\n    Image|endswith: '\\cmd.exe'\n";
    assert!(hit(&format!("{det}condition: sel_a"), &e));
    assert!(hit(&format!("{det}condition: 1 of sel_*"), &e));
    assert!(!hit(&format!("{det}condition: all of sel_*"), &e));
    assert!(hit(&format!("{det}condition: any of them"), &e));
    assert!(!hit(&format!("{det}condition: sel_a and not filter_x"), &e));
    assert!(hit(
        &format!("{det}condition: not sel_b and (sel_a or sel_b)"),
        &e
    ));
    assert!(hit(
        &format!("{det}condition: sel_b or sel_a and filter_x"),
        &e
    ));
    assert!(!hit(
        &format!("{det}condition: (sel_b or sel_a) and not 1 of filter_*"),
        &e
    ));
    assert!(hit(
        &format!("{det}condition:\n    - sel_b\n    - sel_a"),
        &e
    ));
}

#[test]
fn bad_rules_say_why() {
    let reasons = [
        (
            "sel:\n    Image|nosuch: x\ncondition: sel",
            "unknown modifier 'nosuch'",
        ),
        (
            "sel:\n    Image|re: '(unclosed'\ncondition: sel",
            "regular expression",
        ),
        (
            "sel:\n    Image: x\ncondition: sel and other",
            "unknown search identifier 'other'",
        ),
        (
            "sel:\n    Image|cidr: nonsense\ncondition: sel",
            "not a CIDR",
        ),
        ("sel:\n    Image: x", "no condition"),
        ("sel:\n    Image|i: x\ncondition: sel", "sub-modifier"),
    ];
    for (det, want) in reasons {
        let err = load_with(det, &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains(want), "{det}: {err}");
    }
}

/// A scratch remembers field names and scanned values per engine: used with another
/// rule set, or on events whose names differ in order, it answers as a fresh one would.
#[test]
fn a_scratch_shared_between_rule_sets_and_templates_answers_as_a_fresh_one() {
    let a = load_with(
        "sel:\n    Image|endswith: '\\cmd.exe'\ncondition: sel",
        &LoadOptions::default(),
    )
    .unwrap();
    let b = load_with(
        "sel:\n    CommandLine|contains: 'whoami'\n    Size: 1500\ncondition: sel",
        &LoadOptions::default(),
    )
    .unwrap();
    let events = [
        event(CMD),
        event(&[
            ("CommandLine", "cmd.exe /c whoami"),
            ("Size", "1500"),
            ("Image", "x"),
        ]),
        event(&[
            ("Size", "1500"),
            ("Image", "C:\\cmd.exe"),
            ("CommandLine", "ping"),
        ]),
        event(&[
            ("Image", "C:\\cmd.exe"),
            ("CommandLine", "whoami"),
            ("Size", "1500"),
        ]),
    ];
    let mut shared = firebreak_sigma::Scratch::default();
    for round in 0..2 {
        for (i, e) in events.iter().enumerate() {
            for set in [&a, &b] {
                let mut got = 0;
                set.matches_with(&mut shared, e, |_| got += 1);
                let fresh = set.matches(e).len();
                assert_eq!(got, fresh, "round {round}, event {i}");
                assert_eq!(
                    fresh,
                    set.matches_reference(e).len(),
                    "round {round}, event {i}"
                );
            }
        }
    }
}

/// Many `contains` literals are searched at once; the item's other values (wildcards,
/// other case sensitivity, null) still count one by one.
#[test]
fn contains_lists_mixing_literals_and_patterns() {
    let e = event(CMD);
    let lits = "'xx1', 'xx2', 'xx3', 'xx4'";
    for (values, want) in [
        (format!("[{lits}, 'WHO*ALL']"), true),
        (format!("[{lits}, 'who*nomatch']"), false),
        (format!("[{lits}, 'EXE /C WHO']"), true),
        (format!("[{lits}, 'xx5']"), false),
    ] {
        let d = format!("sel:\n    CommandLine|contains: {values}\ncondition: sel");
        assert_eq!(hit(&d, &e), want, "{d}");
        let d = format!("sel:\n    Missing|contains: {values}\ncondition: sel");
        assert!(!hit(&d, &e), "{d}");
    }
    let cased = "sel:\n    CommandLine|contains|cased: ['XX1', 'XX2', 'XX3', 'XX4', 'whoami']\ncondition: sel";
    assert!(hit(cased, &e));
    let cased = "sel:\n    CommandLine|contains|cased: ['XX1', 'XX2', 'XX3', 'XX4', 'WHOAMI']\ncondition: sel";
    assert!(!hit(cased, &e));
}

/// A rule indexed under the event ids its detection tests still matches an event whose
/// `EventID` field disagrees with its normalised event id (a CSV export with both).
#[test]
fn detection_event_ids_follow_the_field_the_detection_reads() {
    let rule = "title: t\nid: t-2\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4728\n        TargetUserName|contains: 'adm'\n    condition: sel\n";
    let (set, errors) = RuleSet::load(&[("t.yml".into(), rule.into())], &LoadOptions::default());
    assert!(errors.is_empty(), "{errors:?}");
    let mut e = event(&[
        ("Channel", "Security"),
        ("EventID", "4728"),
        ("TargetUserName", "admin"),
    ]);
    for normalised in [None, Some("4728"), Some("1")] {
        e.event_id = normalised.map(str::to_string);
        let reference = set.matches_reference(&e).len();
        assert_eq!(reference, 1, "{normalised:?}");
        assert_eq!(set.matches(&e).len(), reference, "{normalised:?}");
        let mut shared = firebreak_sigma::Scratch::default();
        let mut n = 0;
        set.matches_with(&mut shared, &e, |_| n += 1);
        assert_eq!(n, reference, "{normalised:?}");
    }
}

/// A regex's literals key its rule in the prefilter; case-insensitive ones hold for what
/// the regex folds together, the long s included, not only for what lowercases alike.
#[test]
fn regex_literals_prefilter_keeps_every_match() {
    for (value, want) in [
        ("C:\\x\\POWERSHELL.exe -nop", true),
        ("C:\\x\\power\u{17f}hell.exe -nop", true),
        ("C:\\x\\pwsh.exe -nop", false),
    ] {
        let e = event(&[("CommandLine", value)]);
        let d = "sel:\n    CommandLine|re|i: 'powershell\\.exe\\s+-nop'\ncondition: sel";
        assert_eq!(hit(d, &e), want, "{value}");
        let d = "sel:\n    CommandLine|re: '(?i)power.hell'\ncondition: sel";
        assert_eq!(hit(d, &e), want, "{value}");
    }
}
