//! Matching through the public API on events built with `firebreak_event`, the way
//! readers fill them (original fields plus normalised ones).

use firebreak_event::{Event, Fields, Location, SourceKind, Timestamp};
use firebreak_ioc::{parse_csv, parse_plain, IocMatcher, IocSet, IocType};

const PLAIN: &str = r"
4034a346ccee15292d823416f7510a2f
741bbfe6375f736d064a3e23f004676d
b653891162a040e1bfe6e436bdcd93827e0c56e5
evil.com
evil-cdn.example.org
hxxps://login-update[.]example[.]net/Portal/
http://update-check.example.com/gate.php?id=1
update-check.example.com
198.51.100.23
2001:db8:bad::66
203.0.113.0/24
203.0.113.128/25
2001:db8:c0de::/48
billing@invoice-portal.example
C:\Users\Public\svc-update.exe
mimidrv.sys
CORP\svc_backup
HKLM\Software\Microsoft\Windows\CurrentVersion\Run\Updater
HKEY_CURRENT_USER\Software\Classes\ms-settings\Shell\Open\command
";

const TYPED: &str = "type,value,description
user,backup_admin,bare user name
user,j.doe@corp.example,UPN
command_line,powershell -nop -w hidden -enc,launcher
imphash,f34d5f2d4577ed6d9ceec516c1f5a744,packer import hash
";

fn sets() -> Vec<IocSet> {
    let (plain, e1) = parse_plain("plain.txt", PLAIN.as_bytes());
    let (typed, e2) = parse_csv("typed.csv", TYPED.as_bytes());
    assert!(e1.is_empty() && e2.is_empty(), "{e1:?} {e2:?}");
    vec![plain, typed]
}

fn event(source: SourceKind, fields: &[(&str, &str)]) -> Event {
    let ts = Timestamp::parse_rfc3339("2024-03-05T23:15:00Z").expect("time");
    let mut e = Event::new(ts, source, Location::Record(1));
    e.fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Fields>();
    e
}

/// (IOC value, event field, matched value) of every hit, in order.
fn hits(m: &IocMatcher, e: &Event) -> Vec<(String, String, String)> {
    m.matches_vec(e)
        .into_iter()
        .map(|h| {
            (
                h.ioc.value.clone(),
                h.field.to_string(),
                h.value.to_string(),
            )
        })
        .collect()
}

fn triples(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

fn sysmon_process() -> Event {
    let mut e = event(
        SourceKind::Evtx,
        &[
            ("EventID", "1"),
            ("Image", "C:\\Users\\Public\\SVC-UPDATE.EXE"),
            ("CommandLine", "\"C:\\Users\\Public\\svc-update.exe\" /quiet"),
            (
                "Hashes",
                "SHA1=B653891162A040E1BFE6E436BDCD93827E0C56E5,MD5=4034A346CCEE15292D823416F7510A2F,SHA256=B5C1FB2EFC6D6B4674C2FDCC48CE01B43A3B7C03763C0C3355DE0099EE0F8C73,IMPHASH=741BBFE6375F736D064A3E23F004676D",
            ),
            ("ParentImage", "C:\\Windows\\explorer.exe"),
            ("User", "CORP\\svc_backup"),
        ],
    );
    e.process.image = Some("C:\\Users\\Public\\SVC-UPDATE.EXE".into());
    e.process.hashes = e.fields.get("Hashes").map(str::to_string);
    e.user.name = Some("svc_backup".into());
    e.user.domain = Some("CORP".into());
    e
}

#[test]
fn sysmon_hashes_path_and_user() {
    let m = IocMatcher::new(&sets());
    let got = hits(&m, &sysmon_process());
    // The IMPHASH equal to an MD5 IOC is not an MD5; the normalised copies of Image
    // and Hashes repeat what was found and are not reported again.
    let expected = [
        (
            "C:\\Users\\Public\\svc-update.exe",
            "Image",
            "C:\\Users\\Public\\SVC-UPDATE.EXE",
        ),
        (
            "b653891162a040e1bfe6e436bdcd93827e0c56e5",
            "Hashes",
            "B653891162A040E1BFE6E436BDCD93827E0C56E5",
        ),
        (
            "4034a346ccee15292d823416f7510a2f",
            "Hashes",
            "4034A346CCEE15292D823416F7510A2F",
        ),
        ("CORP\\svc_backup", "User", "CORP\\svc_backup"),
        ("CORP\\svc_backup", "user.name", "svc_backup"),
    ];
    assert_eq!(got, triples(&expected));
}

#[test]
fn hit_names_ioc_type_origin_and_metadata() {
    let m = IocMatcher::new(&sets());
    let e = event(
        SourceKind::Evtx,
        &[("Hashes", "MD5=0,IMPHASH=F34D5F2D4577ED6D9CEEC516C1F5A744")],
    );
    let hits = m.matches_vec(&e);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].ioc.kind, IocType::Imphash);
    assert_eq!(hits[0].origin, "typed.csv");
    assert_eq!(
        hits[0].ioc.meta.description.as_deref(),
        Some("packer import hash")
    );
    let bare = event(
        SourceKind::Jsonl,
        &[("md5", "741BBFE6375F736D064A3E23F004676D")],
    );
    let kinds: Vec<IocType> = m.matches_vec(&bare).iter().map(|h| h.ioc.kind).collect();
    assert_eq!(
        kinds,
        [IocType::Md5],
        "an unlabelled hash matches by length"
    );
}

/// One case: what the event holds, what must be found.
struct Case {
    name: &'static str,
    source: SourceKind,
    fields: &'static [(&'static str, &'static str)],
    normalise: fn(&mut Event),
    expected: &'static [(&'static str, &'static str, &'static str)],
}

fn none(_: &mut Event) {}

const CASES: &[Case] = &[
    Case {
        name: "DNS query of a subdomain",
        source: SourceKind::Evtx,
        fields: &[("QueryName", "a.b.EVIL.com"), ("QueryResults", "type: 5 x.y;::ffff:198.51.100.23;")],
        normalise: |e| e.domain = Some("a.b.EVIL.com".into()),
        expected: &[("evil.com", "QueryName", "a.b.EVIL.com")],
    },
    Case {
        name: "no false hit on notevil.com",
        source: SourceKind::Evtx,
        fields: &[("QueryName", "notevil.com"), ("DestinationHostname", "evil.com.attacker.example")],
        normalise: |e| e.domain = Some("notevil.com".into()),
        expected: &[],
    },
    Case {
        name: "IOCs in the message or the logging host are not matched",
        source: SourceKind::Syslog,
        fields: &[],
        normalise: |e| {
            e.message = "lookup of evil.com from 198.51.100.23".into();
            e.host = Some("evil.com".into());
        },
        expected: &[],
    },
    Case {
        name: "proxy URL: case, default port, trailing slash",
        source: SourceKind::Squid,
        fields: &[("c-uri", "http://Login-Update.Example.NET:443/Portal/"), ("cs-host", "Login-Update.Example.NET")],
        normalise: |e| {
            e.url = Some("http://Login-Update.Example.NET:443/Portal/".into());
            e.domain = Some("Login-Update.Example.NET".into());
        },
        expected: &[(
            "https://login-update.example.net/Portal",
            "c-uri",
            "http://Login-Update.Example.NET:443/Portal/",
        )],
    },
    Case {
        name: "URL path is case-sensitive",
        source: SourceKind::Squid,
        fields: &[("c-uri", "https://login-update.example.net/portal")],
        normalise: none,
        expected: &[],
    },
    Case {
        name: "path-only request with the Host logged apart",
        source: SourceKind::Iis,
        fields: &[("cs-uri-stem", "/gate.php"), ("cs-uri-query", "id=1"), ("cs-host", "update-check.example.com")],
        normalise: |e| {
            e.url = Some("/gate.php?id=1".into());
            e.domain = Some("update-check.example.com".into());
        },
        expected: &[
            ("update-check.example.com", "cs-host", "update-check.example.com"),
            ("http://update-check.example.com/gate.php?id=1", "url", "/gate.php?id=1"),
        ],
    },
    Case {
        name: "CIDR hit, nested networks both reported",
        source: SourceKind::Netscaler,
        fields: &[("Client_ip", "203.0.113.200")],
        normalise: |e| e.network.src_ip = Some("203.0.113.200".into()),
        expected: &[
            ("203.0.113.0/24", "Client_ip", "203.0.113.200"),
            ("203.0.113.128/25", "Client_ip", "203.0.113.200"),
        ],
    },
    Case {
        name: "CIDR edges",
        source: SourceKind::Netscaler,
        fields: &[("Client_ip", "203.0.113.0"), ("Nat_ip", "203.0.113.127"), ("Source", "203.0.114.0:443"), ("Destination", "203.0.112.255")],
        normalise: none,
        expected: &[
            ("203.0.113.0/24", "Client_ip", "203.0.113.0"),
            ("203.0.113.0/24", "Nat_ip", "203.0.113.127"),
        ],
    },
    Case {
        name: "exact IPv4 with a port, IPv4-mapped IPv6",
        source: SourceKind::Evtx,
        fields: &[("Source", "198.51.100.23:51234"), ("DestinationIp", "::ffff:198.51.100.23")],
        normalise: none,
        expected: &[
            ("198.51.100.23", "Source", "198.51.100.23"),
            ("198.51.100.23", "DestinationIp", "::ffff:198.51.100.23"),
        ],
    },
    Case {
        name: "IPv6 exact, bracketed with port, and in a /48",
        source: SourceKind::Evtx,
        fields: &[("SourceIp", "[2001:DB8:BAD::66]:443"), ("DestinationIp", "2001:db8:c0de:ffff::1"), ("IpAddress", "2001:db8:c0df::1")],
        normalise: none,
        expected: &[
            ("2001:db8:bad::66", "SourceIp", "2001:DB8:BAD::66"),
            ("2001:db8:c0de::/48", "DestinationIp", "2001:db8:c0de:ffff::1"),
        ],
    },
    Case {
        name: "X-Forwarded-For list",
        source: SourceKind::Iis,
        fields: &[("X-Forwarded-For", "10.0.0.1, 198.51.100.23")],
        normalise: none,
        expected: &[("198.51.100.23", "X-Forwarded-For", "198.51.100.23")],
    },
    Case {
        name: "user forms: bare, DOMAIN\\user, UPN; wrong domain misses",
        source: SourceKind::Evtx,
        fields: &[
            ("TargetUserName", "BACKUP_ADMIN"),
            ("SubjectUserName", "J.Doe@CORP.example"),
            ("cs-username", "OTHER\\svc_backup"),
            ("SourceUser", "corp\\SVC_BACKUP"),
        ],
        normalise: none,
        expected: &[
            ("backup_admin", "TargetUserName", "BACKUP_ADMIN"),
            ("j.doe@corp.example", "SubjectUserName", "J.Doe@CORP.example"),
            ("CORP\\svc_backup", "SourceUser", "corp\\SVC_BACKUP"),
        ],
    },
    Case {
        name: "user name paired with the normalised domain",
        source: SourceKind::Evtx,
        fields: &[("TargetUserName", "svc_backup"), ("TargetDomainName", "CORP")],
        normalise: |e| {
            e.user.name = Some("svc_backup".into());
            e.user.domain = Some("CORP".into());
        },
        expected: &[("CORP\\svc_backup", "user.name", "svc_backup")],
    },
    Case {
        name: "file name by base name, path exact, case-insensitive",
        source: SourceKind::Evtx,
        fields: &[
            ("TargetFilename", "C:\\Windows\\System32\\drivers\\MIMIDRV.SYS"),
            ("ImageLoaded", "D:\\tools\\svc-update.exe"),
        ],
        normalise: none,
        expected: &[("mimidrv.sys", "TargetFilename", "MIMIDRV.SYS")],
    },
    Case {
        name: "registry key, parent key and the user's hive under HKU\\SID",
        source: SourceKind::Evtx,
        fields: &[
            ("TargetObject", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater"),
            ("ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce\\Updater"),
            ("KeyName", "HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software\\Classes\\ms-settings\\Shell\\Open\\command\\(Default)"),
        ],
        normalise: none,
        expected: &[
            (
                "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater",
                "TargetObject",
                "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater",
            ),
            (
                "HKEY_CURRENT_USER\\Software\\Classes\\ms-settings\\Shell\\Open\\command",
                "KeyName",
                "HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software\\Classes\\ms-settings\\Shell\\Open\\command\\(Default)",
            ),
        ],
    },
    Case {
        name: "e-mail sender with a display name",
        source: SourceKind::Jsonl,
        fields: &[("SenderAddress", "Billing Dept <BILLING@invoice-portal.example>"), ("RecipientAddress", "ceo@corp.example")],
        normalise: none,
        expected: &[("billing@invoice-portal.example", "SenderAddress", "BILLING@invoice-portal.example")],
    },
];

#[test]
fn matching_cases() {
    let m = IocMatcher::new(&sets());
    for case in CASES {
        let mut e = event(case.source, case.fields);
        (case.normalise)(&mut e);
        assert_eq!(hits(&m, &e), triples(case.expected), "{}", case.name);
    }
}

#[test]
fn command_line_substring_among_10000() {
    let mut csv = String::from("type,value\n");
    for i in 0..10_000 {
        csv.push_str(&format!("command_line,tool-{i:05}.exe --mode stealth\n"));
    }
    csv.push_str("command_line,\"powershell -nop -w hidden -enc\"\ncommand_line,-W HIDDEN\ncommand_line,hi\n");
    let (set, errors) = parse_csv("cmd.csv", csv.as_bytes());
    assert_eq!(set.len(), 10_002);
    assert_eq!(
        errors.len(),
        1,
        "a 2-character substring is refused: {errors:?}"
    );
    let m = IocMatcher::new(&[set]);
    let cmd = "C:\\Tools\\TOOL-04711.EXE --mode stealth & POWERSHELL -NOP -W Hidden -Enc SQBFAFgA";
    let mut e = event(SourceKind::Evtx, &[("CommandLine", cmd)]);
    e.process.command_line = Some(cmd.into());
    // In the order they end in the command line; the normalised copy adds nothing.
    let expected = [
        (
            "tool-04711.exe --mode stealth",
            "CommandLine",
            "TOOL-04711.EXE --mode stealth",
        ),
        ("-W HIDDEN", "CommandLine", "-W Hidden"),
        (
            "powershell -nop -w hidden -enc",
            "CommandLine",
            "POWERSHELL -NOP -W Hidden -Enc",
        ),
    ];
    assert_eq!(hits(&m, &e), triples(&expected));
    let miss = event(
        SourceKind::Evtx,
        &[("CommandLine", "tool-4711.exe --mode stealth")],
    );
    assert_eq!(hits(&m, &miss), []);
}

#[test]
fn same_value_in_two_sets_gives_one_hit_per_set() {
    let (a, _) = parse_plain("feed-a", b"evil.com\n");
    let (b, _) = parse_plain("feed-b", b"EVIL.COM.\n");
    let m = IocMatcher::new(&[a, b]);
    let e = event(SourceKind::Evtx, &[("QueryName", "www.evil.com")]);
    let origins: Vec<&str> = m.matches_vec(&e).iter().map(|h| h.origin).collect();
    assert_eq!(origins, ["feed-a", "feed-b"]);
}

#[test]
fn fixtures_match_end_to_end() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let sets: Vec<IocSet> = [
        "plain.txt",
        "indicators.csv",
        "stix_bundle.json",
        "misp_event.json",
    ]
    .iter()
    .map(|f| {
        let bytes = std::fs::read(format!("{dir}/{f}")).expect("fixture");
        firebreak_ioc::parse_auto(f, &bytes).0
    })
    .collect();
    let m = IocMatcher::new(&sets);
    let mut e = event(
        SourceKind::Squid,
        &[
            ("c-uri", "https://x4z9arb.cn/4712/"),
            ("c-ip", "2001:db8:f00d:1::2"),
        ],
    );
    e.url = Some("https://x4z9arb.cn/4712/".into());
    e.domain = Some("x4z9arb.cn".into());
    let found: Vec<(&str, &str, &str)> = m
        .matches_vec(&e)
        .iter()
        .map(|h| (h.origin, h.ioc.kind.as_str(), h.field))
        .collect();
    assert_eq!(
        found,
        [
            ("stix_bundle.json", "url", "c-uri"),
            ("stix_bundle.json", "domain", "c-uri"),
            ("misp_event.json", "cidr", "c-ip"),
        ]
    );
}
