//! Rule collections, correlation and filter documents, logsource mapping.

use firebreak_event::{Event, Fields, Location, SourceKind, Timestamp};
use firebreak_sigma::{CorrelationType, LoadOptions, RuleSet};

fn load(text: &str) -> RuleSet {
    let (set, errors) = RuleSet::load(&[("x.yml".into(), text.into())], &LoadOptions::default());
    assert!(errors.is_empty(), "{errors:#?}");
    set
}

fn win(channel: &str, id: &str, fields: &[(&str, &str)]) -> Event {
    let ts = Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").expect("time");
    let mut e = Event::new(ts, SourceKind::Evtx, Location::Record(1));
    e.channel = Some(channel.into());
    e.event_id = Some(id.into());
    let mut f: Vec<(String, String)> = vec![
        ("EventID".into(), id.into()),
        ("Channel".into(), channel.into()),
    ];
    f.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    e.fields = f.into_iter().collect::<Fields>();
    e
}

const COLLECTION: &str = "\
action: global
title: Shells
logsource:
    product: windows
    category: process_creation
detection:
    condition: sel
---
id: r-1
detection:
    sel:
        Image|endswith: '\\cmd.exe'
---
action: repeat
id: r-2
title: PowerShell
detection:
    sel:
        Image|endswith: '\\powershell.exe'
---
action: reset
---
title: Other
id: r-3
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 1102
    condition: sel
";

#[test]
fn collections_merge_global_and_repeat() {
    let set = load(COLLECTION);
    let ids: Vec<_> = set.rules().iter().map(|r| r.id().unwrap_or("-")).collect();
    assert_eq!(ids, ["r-1", "r-2", "r-3"]);
    assert_eq!(set.rules()[0].title(), "Shells");
    assert_eq!(set.rules()[1].title(), "PowerShell");
    let sysmon = win(
        "Microsoft-Windows-Sysmon/Operational",
        "1",
        &[("Image", "C:\\Windows\\System32\\cmd.exe")],
    );
    let hits: Vec<_> = set.matches(&sysmon).iter().map(|r| r.id()).collect();
    assert_eq!(hits, [Some("r-1")]);
    let cleared = win("Security", "1102", &[]);
    assert_eq!(set.matches(&cleared).len(), 1);
}

#[test]
fn security_4688_is_process_creation_with_renamed_fields() {
    let set = load(COLLECTION);
    let e = win(
        "Security",
        "4688",
        &[(
            "NewProcessName",
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        )],
    );
    let hits: Vec<_> = set.matches(&e).iter().map(|r| r.id()).collect();
    assert_eq!(hits, [Some("r-2")]);
    assert_eq!(set.matches_reference(&e).len(), 1);
    // Not a process creation event: nothing, whatever the fields say.
    let other = win("Security", "4624", &[("Image", "x\\cmd.exe")]);
    assert!(set.matches(&other).is_empty());
}

#[test]
fn filters_suppress_named_rules() {
    let text = format!(
        "{COLLECTION}---\ntitle: Admin tools\nlogsource:\n    product: windows\n    category: process_creation\nfilter:\n    rules:\n        - r-1\n    selection:\n        User|startswith: 'adm_'\n    condition: selection\n"
    );
    let set = load(&text);
    assert_eq!(set.filters().len(), 1);
    let admin = win(
        "Microsoft-Windows-Sysmon/Operational",
        "1",
        &[("Image", "C:\\x\\cmd.exe"), ("User", "adm_bob")],
    );
    let user = win(
        "Microsoft-Windows-Sysmon/Operational",
        "1",
        &[("Image", "C:\\x\\cmd.exe"), ("User", "bob")],
    );
    assert!(set.matches(&admin).is_empty());
    assert!(set.matches_reference(&admin).is_empty());
    assert_eq!(set.matches(&user).len(), 1);
}

#[test]
fn correlations_are_parsed_not_dropped() {
    let text = "\
title: Failed logon
name: failed_logon
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4625
    condition: sel
---
title: Brute force
id: c-1
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gte: 10
        lt: 100
---
title: Many users
correlation:
    type: value_count
    rules: [failed_logon]
    group-by: [IpAddress]
    timespan: 1h
    condition:
        field: TargetUserName
        gt: 5
    aliases:
        user:
            failed_logon: TargetUserName
    generate: true
";
    let set = load(text);
    assert_eq!(set.len(), 1);
    let c = set.correlations();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].kind, CorrelationType::EventCount);
    assert_eq!(c[0].timespan, 300);
    assert_eq!(c[0].rules, ["failed_logon"]);
    assert!(c[0].condition.as_ref().unwrap().holds(10.0));
    assert!(!c[0].condition.as_ref().unwrap().holds(100.0));
    assert_eq!(c[1].condition.as_ref().unwrap().field, ["TargetUserName"]);
    assert_eq!(c[1].aliases[0].name, "user");
    assert!(c[1].generate);
    let (_, errors) = RuleSet::load(
        &[("bad.yml".into(), "title: x\ncorrelation:\n    type: value_count\n    rules: [a]\n    group-by: [b]\n    timespan: 1h\n    condition:\n        gt: 1\n".into())],
        &LoadOptions::default(),
    );
    assert!(
        errors[0].to_string().contains("needs 'field'"),
        "{errors:?}"
    );
}

#[test]
fn metadata_accessors() {
    let set = load("title: T\nid: i\nstatus: test\nlevel: high\ntags:\n    - attack.execution\n    - attack.t1059.001\n    - attack.T1003\nlogsource:\n    category: webserver\ndetection:\n    sel:\n        cs-uri-query|contains: '/etc/passwd'\n    condition: sel\n");
    let r = &set.rules()[0];
    assert_eq!(r.level(), Some(firebreak_sigma::Level::High));
    assert_eq!(r.status(), Some("test"));
    assert_eq!(r.attack_techniques(), ["T1059.001", "T1003"]);
    // webserver: cs-uri-query is read from the full cs-uri.
    let ts = Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").expect("time");
    let mut e = Event::new(ts, SourceKind::WebAccess, Location::Line(1));
    e.fields = [
        ("cs-uri-stem", "/download/../../etc/passwd"),
        ("cs-uri", "/download/../../etc/passwd"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(set.matches(&e).len(), 1);
}

const RAR_RULE: &str = "\
title: Data Compressed - rar.exe
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\\rar.exe'
    condition: sel
---
title: Login on jump host
id: df0841c0-9846-4e9f-ad8a-7df91571771b
name: jump_login
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\\mstsc.exe'
    condition: sel
---
title: Whoami
id: 0f0c4a58-5c7e-4f7a-8a58-3c1b1f0f0c01
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\\whoami.exe'
    condition: sel
";

fn sysmon1(image: &str, user: &str) -> Event {
    win(
        "Microsoft-Windows-Sysmon/Operational",
        "1",
        &[("Image", image), ("User", user)],
    )
}

fn titles(set: &RuleSet, e: &Event) -> Vec<String> {
    let compiled: Vec<String> = set
        .matches(e)
        .iter()
        .map(|r| r.title().to_string())
        .collect();
    let reference: Vec<String> = set
        .matches_reference(e)
        .iter()
        .map(|r| r.title().to_string())
        .collect();
    assert_eq!(compiled, reference, "compiled and reference disagree");
    compiled
}

/// The specification's own example: the filter names two rules by id; the admin
/// account's activity is suppressed for those rules only.
#[test]
fn the_spec_filter_example_suppresses_only_the_rules_it_names() {
    let filter = "\
title: Filter Administrator account
description: The valid administrator account start with adm_
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095 # Data Compressed - rar.exe
        - df0841c0-9846-4e9f-ad8a-7df91571771b # Login on jump host
    selection:
        User|startswith: 'adm_'
    condition: selection
";
    let set = load(&format!("{RAR_RULE}---\n{filter}"));
    assert_eq!(set.filters().len(), 1);
    assert!(titles(&set, &sysmon1("C:\\t\\rar.exe", "adm_anna")).is_empty());
    assert!(titles(&set, &sysmon1("C:\\w\\mstsc.exe", "adm_anna")).is_empty());
    assert_eq!(
        titles(&set, &sysmon1("C:\\t\\rar.exe", "bob")),
        ["Data Compressed - rar.exe"]
    );
    // A rule the filter does not name keeps firing for the admin account.
    assert_eq!(
        titles(&set, &sysmon1("C:\\w\\whoami.exe", "adm_anna")),
        ["Whoami"]
    );
}

/// Rules are named by `name` as well as by id; a filter for another logsource does
/// not touch them; a filter naming no rule applies to every rule of its logsource.
#[test]
fn filters_by_name_by_logsource_and_for_all_rules() {
    let by_name = "\
title: Jump host admins
logsource:
    product: windows
    category: process_creation
filter:
    rules: [jump_login]
    selection:
        User: 'ops'
    condition: selection
---
title: Other logsource
logsource:
    product: linux
    category: process_creation
filter:
    rules: [6f3e2987-db24-4c78-a860-b4f4095a7095]
    selection:
        User: 'ops'
    condition: selection
";
    let set = load(&format!("{RAR_RULE}---\n{by_name}"));
    assert!(titles(&set, &sysmon1("C:\\w\\mstsc.exe", "ops")).is_empty());
    assert_eq!(
        titles(&set, &sysmon1("C:\\t\\rar.exe", "ops")),
        ["Data Compressed - rar.exe"],
        "a linux filter does not apply to a windows rule"
    );
    let all = "\
title: Build server
logsource:
    product: windows
    category: process_creation
filter:
    rules: []
    selection:
        User: 'svc_build'
    condition: selection
";
    let set = load(&format!("{RAR_RULE}---\n{all}"));
    for image in ["C:\\t\\rar.exe", "C:\\w\\mstsc.exe", "C:\\w\\whoami.exe"] {
        assert!(
            titles(&set, &sysmon1(image, "svc_build")).is_empty(),
            "{image}"
        );
        assert_eq!(titles(&set, &sysmon1(image, "bob")).len(), 1, "{image}");
    }
}
