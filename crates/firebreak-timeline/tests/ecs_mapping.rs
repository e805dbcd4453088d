//! ECS categorisation and fields, and OCSF classes, for known events.

mod common;

use common::rendered;
use firebreak_event::Event;
use firebreak_timeline::{
    ecs_categorization, mapping_rules, ocsf_class, OcsfClass, OutputFormat, RenderOptions,
};
use serde_json::{json, Value};

fn ecs(event: Event) -> Value {
    let out = rendered(OutputFormat::Ecs, &RenderOptions::default(), &[event]);
    serde_json::from_str(out.trim_end()).unwrap()
}

#[test]
fn logon_success_4624() {
    let v = ecs(common::logon_4624());
    assert_eq!(v["@timestamp"], "2026-11-24T21:14:03.123456Z");
    assert_eq!(v["event"]["kind"], "event");
    assert_eq!(v["event"]["category"], json!(["authentication"]));
    assert_eq!(v["event"]["type"], json!(["start"]));
    assert_eq!(v["event"]["outcome"], "success");
    assert_eq!(v["event"]["code"], "4624");
    assert_eq!(
        v["event"]["provider"],
        "Microsoft-Windows-Security-Auditing"
    );
    assert!(v["event"].get("timezone").is_none());
    assert_eq!(v["host"]["name"], "WS01.corp.example");
    assert_eq!(
        v["user"],
        json!({"name": "jdoe", "domain": "CORP", "id": "S-1-5-21-1-2-3-1104"})
    );
    assert_eq!(v["source"]["ip"], "203.0.113.7");
    assert_eq!(v["source"]["port"], 50412);
    let w = &v["winlog"];
    assert_eq!(w["channel"], "Security");
    assert_eq!(w["event_id"], "4624");
    assert_eq!(w["provider_name"], "Microsoft-Windows-Security-Auditing");
    assert_eq!(w["record_id"], "1042");
    assert_eq!(w["computer_name"], "WS01.corp.example");
    assert_eq!(w["process"]["pid"], 0x2a4);
    assert_eq!(w["event_data"]["LogonType"], "10");
    assert_eq!(w["event_data"]["TargetUserName"], "jdoe");
    for system in [
        "EventID",
        "Channel",
        "Computer",
        "EventRecordID",
        "Provider_Name",
    ] {
        assert!(w["event_data"].get(system).is_none(), "{system} is System");
    }
    assert_eq!(
        v["log"]["file"]["path"],
        "triage/WS01.zip!C/Windows/System32/winevt/Logs/Security.evtx"
    );
    assert_eq!(
        v["firebreak"]["location"],
        json!({"kind": "record", "value": 1042})
    );
}

#[test]
fn logon_failure_4625() {
    let v = ecs(common::logon_4625());
    assert_eq!(v["event"]["category"], json!(["authentication"]));
    assert_eq!(v["event"]["type"], json!(["start"]));
    assert_eq!(v["event"]["outcome"], "failure");
    assert_eq!(v["winlog"]["event_data"]["Status"], "0xc000006d");
}

#[test]
fn sysmon_process_creation() {
    let v = ecs(common::sysmon_1());
    assert_eq!(v["event"]["category"], json!(["process"]));
    assert_eq!(v["event"]["type"], json!(["start"]));
    assert!(v["event"].get("outcome").is_none());
    let p = &v["process"];
    assert_eq!(p["executable"], r"C:\Windows\System32\cmd.exe");
    assert_eq!(p["pid"], 4242);
    assert_eq!(p["command_line"], r#"cmd.exe /c "whoami /all""#);
    assert_eq!(p["parent"]["executable"], r"C:\Windows\explorer.exe");
    assert_eq!(p["parent"]["pid"], 3100);
    assert_eq!(
        p["hash"]["sha256"],
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    assert_eq!(p["pe"]["imphash"], "00112233445566778899aabbccddeeff");
    assert_eq!(
        v["winlog"]["channel"],
        "Microsoft-Windows-Sysmon/Operational"
    );
    assert_eq!(v["winlog"]["event_data"]["ParentProcessId"], "3100");
}

#[test]
fn other_sources() {
    let web = ecs(common::web_request());
    assert_eq!(web["event"]["category"], json!(["web"]));
    assert_eq!(web["event"]["type"], json!(["access"]));
    assert_eq!(web["event"]["timezone"], "Europe/Berlin");
    assert_eq!(web["url"]["original"], "/owa/auth/x.aspx?cmd=whoami");
    assert_eq!(web["firebreak"]["fields"]["status"], "200");
    assert!(web.get("winlog").is_none());

    let body = ecs(common::bodyfile_born());
    assert_eq!(body["event"]["category"], json!(["file"]));
    assert_eq!(body["event"]["type"], json!(["creation"]));
    assert_eq!(
        body["file"]["hash"]["md5"],
        "d41d8cd98f00b204e9800998ecf8427e"
    );

    let vpn = ecs(common::vpn_login());
    assert_eq!(
        vpn["event"]["category"],
        json!(["authentication", "session"])
    );
    assert_eq!(vpn["event"]["outcome"], "success");
    assert_eq!(vpn["destination"]["port"], 443);
}

#[test]
fn unknown_events_get_no_category() {
    let v = ecs(common::hostile());
    assert_eq!(v["event"]["kind"], "event");
    assert!(v["event"].get("category").is_none());
    assert!(v["event"].get("type").is_none());
    assert!(ecs_categorization(&common::wide("x", 3, 1)).is_none());
    assert_eq!(v["host"]["name"], "web01\u{1b}]0;pwned\u{7}");
}

#[test]
fn ocsf_classes() {
    let class = |e: Event| {
        let c = ocsf_class(&e);
        (c.class_uid, c.category_uid, c.activity_id)
    };
    assert_eq!(class(common::logon_4624()), (3002, 3, 1));
    assert_eq!(class(common::logon_4625()), (3002, 3, 1));
    assert_eq!(class(common::sysmon_1()), (1007, 1, 1));
    assert_eq!(class(common::vpn_login()), (4014, 4, 1));
    assert_eq!(class(common::bodyfile_born()), (1001, 1, 1));
    assert_eq!(class(common::hostile()), (0, 0, 0));
    assert_eq!(ocsf_class(&common::sysmon_1()).type_uid(), 100_701);
}

/// ECS 8.x allowed values, and which types each category allows.
const ECS_ALLOWED: &[(&str, &[&str])] = &[
    ("authentication", &["start", "end", "info"]),
    (
        "configuration",
        &["access", "change", "creation", "deletion", "info"],
    ),
    (
        "file",
        &["access", "change", "creation", "deletion", "info"],
    ),
    (
        "iam",
        &[
            "admin", "change", "creation", "deletion", "group", "info", "user",
        ],
    ),
    (
        "network",
        &[
            "access",
            "allowed",
            "connection",
            "denied",
            "end",
            "info",
            "protocol",
            "start",
        ],
    ),
    ("process", &["access", "change", "end", "info", "start"]),
    ("session", &["start", "end", "info"]),
    ("web", &["access", "error", "info"]),
];
const OCSF_CLASSES: [u32; 6] = [0, 1001, 1007, 3002, 4001, 4014];

#[test]
fn mapping_data_uses_only_allowed_values() {
    let mut n = 0;
    for rule in mapping_rules() {
        n += 1;
        assert!(!rule.ecs.category.is_empty(), "{}", rule.name);
        for cat in &rule.ecs.category {
            let allowed = ECS_ALLOWED
                .iter()
                .find(|(c, _)| c == cat)
                .unwrap_or_else(|| panic!("{}: category {cat}", rule.name))
                .1;
            for t in &rule.ecs.kind {
                assert!(allowed.contains(&t.as_str()), "{}: {cat}/{t}", rule.name);
            }
        }
        if let Some(o) = &rule.ecs.outcome {
            assert!(["success", "failure", "unknown"].contains(&o.as_str()));
        }
        let OcsfClass { class_uid, .. } = rule.ocsf;
        assert!(
            OCSF_CLASSES.contains(&class_uid),
            "{}: {class_uid}",
            rule.name
        );
    }
    assert!(n >= 20);
}
