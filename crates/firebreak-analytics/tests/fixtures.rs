//! Each analytic on small fixtures in real formats (read through firebreak_readers) or
//! on events built the way the Windows readers build them; positives and negatives.

mod common;

use common::{at, events, run, with_leaks};
use firebreak_analytics::{ids, AnalyticsConfig, Finding, Level, Report};
use firebreak_event::{Event, Location, SourceKind};
use firebreak_readers::Format;

fn ns_line(time: &str, body: &str) -> String {
    format!("<local0.info> 10.0.0.8 {time} GMT ns01 0-PPE-0 : default {body}\n")
}

fn ns_login(time: &str, user: &str, ip: &str, session: u32) -> String {
    ns_line(time, &format!("SSLVPN LOGIN 1 0 : Context {user}@{ip} - SessionId: {session} - User {user} - Client_ip {ip} - Nat_ip \"Mapped Ip\" - Vserver 198.51.100.10:443"))
}

fn ns_failed(time: &str, user: &str, ip: &str) -> String {
    ns_line(time, &format!("AAA LOGIN_FAILED 2 0 : User {user} - Client_ip {ip} - Failure_reason \"Invalid credentials\""))
}

/// alice logs in from home at about 09:00 on four days.
fn alice_history() -> String {
    (20..24)
        .map(|d| {
            ns_login(
                &format!("11/{d}/2026:09:0{}:00", d % 10),
                "alice",
                "198.51.100.7",
                d,
            )
        })
        .collect()
}

fn logins_of<'a>(r: &'a Report, user: &str) -> Vec<&'a Finding> {
    r.by_analytic(ids::REMOTE_LOGIN)
        .filter(|f| f.user.as_deref() == Some(user))
        .collect()
}

#[test]
fn gateway_login_from_new_source_at_night_with_leaked_account() {
    let log = alice_history() + &ns_login("11/24/2026:03:12:00", "alice", "203.0.113.9", 99);
    let evs = events(Format::Netscaler, log.as_bytes(), 2026);
    let cfg = with_leaks("combo.txt", b"alice@corp.example:Secret-Pw1\n");
    let report = run(cfg, &evs);
    let found = logins_of(&report, "alice");
    let last = found.last().expect("a finding for the night login");
    assert_eq!(last.time, at("2026-11-24T03:12:00Z"));
    assert_eq!(last.src_ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(last.level, Level::High, "{last:#?}");
    assert_eq!(last.reasons.len(), 3);
    assert!(!format!("{report:?}").contains("Secret-Pw1"));
}

#[test]
fn known_user_from_usual_address_at_usual_hour_yields_nothing() {
    let log = alice_history() + &ns_login("11/24/2026:09:30:00", "alice", "198.51.100.7", 99);
    let evs = events(Format::Netscaler, log.as_bytes(), 2026);
    let report = run(AnalyticsConfig::default(), &evs);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(!report.exfiltration.found);
}

#[test]
fn spraying_source_is_reported_and_raises_its_login() {
    let mut log = alice_history();
    for (i, u) in ["admin", "test", "backup", "scanner", "bob"]
        .iter()
        .enumerate()
    {
        log += &ns_failed(&format!("11/24/2026:10:0{i}:00"), u, "192.0.2.66");
    }
    log += &ns_login("11/24/2026:10:09:00", "bob", "192.0.2.66", 7);
    let evs = events(Format::Netscaler, log.as_bytes(), 2026);
    let report = run(AnalyticsConfig::default(), &evs);
    let spray: Vec<_> = report.by_analytic(ids::REMOTE_SPRAY).collect();
    assert_eq!(spray.len(), 1);
    assert_eq!(spray[0].src_ip.as_deref(), Some("192.0.2.66"));
    let bob = logins_of(&report, "bob");
    assert_eq!(bob.len(), 1);
    assert!(
        bob[0]
            .reasons
            .iter()
            .any(|r| r.starts_with("after spraying")),
        "{bob:#?}"
    );
    assert!(bob[0].attack.contains(&"T1110.003".to_string()));
}

fn ssh(day: u32, time: &str, msg: &str) -> String {
    format!("Nov {day} {time} jump01 sshd[100]: {msg}\n")
}

#[test]
fn ssh_login_after_failure_burst_from_new_source() {
    let mut log = String::new();
    for d in 20..24 {
        log += &ssh(
            d,
            "10:00:00",
            "Accepted publickey for carol from 10.1.1.5 port 50000 ssh2",
        );
    }
    for i in 0..5 {
        log += &ssh(
            24,
            &format!("11:0{i}:00"),
            "Failed password for carol from 10.9.9.9 port 4000 ssh2",
        );
    }
    log += &ssh(
        24,
        "11:06:00",
        "Accepted password for carol from 10.9.9.9 port 4001 ssh2",
    );
    log += &ssh(
        25,
        "10:30:00",
        "Accepted publickey for carol from 10.1.1.5 port 50001 ssh2",
    );
    let evs = events(Format::Syslog, log.as_bytes(), 2026);
    let report = run(AnalyticsConfig::default(), &evs);
    let carol = logins_of(&report, "carol");
    assert_eq!(carol.len(), 1, "{carol:#?}");
    assert_eq!(carol[0].src_ip.as_deref(), Some("10.9.9.9"));
    assert!(carol[0]
        .reasons
        .iter()
        .any(|r| r.starts_with("after a burst of failures")));
    assert!(carol[0].reasons.iter().any(|r| r.starts_with("new source")));
    assert_eq!(carol[0].level, Level::Medium);
}

fn win(id: &str, host: &str, time: &str, provider: &str, fields: &[(&str, &str)]) -> Event {
    let mut e = Event::new(at(time), SourceKind::WinXml, Location::Record(1));
    e.event_id = Some(id.into());
    e.host = Some(format!("{host}.corp.local"));
    e.provider = Some(provider.into());
    for (k, v) in fields {
        e.fields.push(*k, *v);
    }
    e
}

const SECURITY: &str = "Microsoft-Windows-Security-Auditing";
const SYSMON: &str = "Microsoft-Windows-Sysmon";

fn logon(user: &str, ip: &str, id: &str, time: &str) -> Event {
    win(
        "4624",
        "WS-7",
        time,
        SECURITY,
        &[
            ("TargetUserName", user),
            ("TargetLogonId", id),
            ("LogonType", "10"),
            ("IpAddress", ip),
        ],
    )
}

fn sysmon1(cmd: &str, logon_id: &str, time: &str) -> Event {
    let mut e = win(
        "1",
        "WS-7",
        time,
        SYSMON,
        &[
            ("User", "CORP\\alice"),
            ("LogonId", logon_id),
            ("CommandLine", cmd),
        ],
    );
    e.process.image = cmd.split(' ').next().map(str::to_string);
    e.process.command_line = Some(cmd.into());
    e
}

fn gateway_session() -> Vec<Event> {
    let log = alice_history()
        + &ns_login("11/24/2026:03:12:00", "alice", "203.0.113.9", 99)
        + &ns_line("11/24/2026:04:00:00", "SSLVPN TCPCONNSTAT 3 0 : Context alice@203.0.113.9 - SessionId: 99 - User alice - Client_ip 203.0.113.9 - Nat_ip 10.0.0.9 - Source 10.0.0.9:50000 - Destination 10.0.2.7:3389");
    events(Format::Netscaler, log.as_bytes(), 2026)
}

#[test]
fn chain_follows_gateway_session_to_host_and_processes() {
    let mut evs = gateway_session();
    evs.push(logon("alice", "10.0.0.9", "0x1234", "2026-11-24T03:14:00Z"));
    evs.push(sysmon1("whoami.exe /all", "0x1234", "2026-11-24T03:20:00Z"));
    evs.push(sysmon1(
        "notepad.exe other-logon",
        "0x9999",
        "2026-11-24T03:21:00Z",
    ));
    evs.push(sysmon1("late.exe", "0x1234", "2026-11-24T07:00:00Z"));
    let report = run(AnalyticsConfig::default(), &evs);
    let chains: Vec<_> = report.by_analytic(ids::CHAIN).collect();
    assert_eq!(chains.len(), 1, "{chains:#?}");
    let c = chains[0];
    assert_eq!(c.host.as_deref(), Some("WS-7"));
    assert_eq!(c.src_ip.as_deref(), Some("203.0.113.9"));
    let text = c.reasons.join("\n");
    assert!(
        text.contains("whoami.exe /all") && text.contains("10.0.0.9"),
        "{text}"
    );
    assert!(
        !text.contains("notepad") && !text.contains("late.exe"),
        "{text}"
    );
}

#[test]
fn no_chain_for_other_user_or_other_address() {
    let mut evs = gateway_session();
    evs.push(logon("bob", "10.0.0.9", "0x1", "2026-11-24T03:14:00Z"));
    evs.push(logon("alice", "10.0.2.99", "0x2", "2026-11-24T03:15:00Z"));
    let report = run(AnalyticsConfig::default(), &evs);
    assert_eq!(report.by_analytic(ids::CHAIN).count(), 0);
}

/// A bodyfile line: name, inode, size, all four times.
fn body(name: &str, inode: u64, t: i64) -> String {
    format!("0|{name}|{inode}|r/rrwxrwxrwx|0|0|1000|{t}|{t}|{t}|{t}\n")
}

const T0: i64 = 1_795_486_000;

fn share_before() -> String {
    (0..80)
        .map(|i| {
            body(
                &format!("D:/Share/F{}/doc{i}.docx", i % 4),
                i,
                T0 - 90_000 - i as i64 * 3600,
            )
        })
        .collect()
}

#[test]
fn impact_from_bodyfile_burst_and_notes() {
    let mut b = share_before();
    for i in 0..80 {
        b += &body(
            &format!("D:/Share/F{}/doc{i}.docx.crypt", i % 4),
            1000 + i,
            T0 + i as i64 * 2,
        );
    }
    for f in 0..4 {
        b += &body(
            &format!("D:/Share/F{f}/HOW_TO_DECRYPT.txt"),
            2000 + f,
            T0 + f as i64,
        );
    }
    b += &body("D:/Share/F0/doc1.docx (deleted)", 1, T0 + 500);
    let mut evs = events(Format::Bodyfile, b.as_bytes(), 2026);
    evs.iter_mut().for_each(|e| e.host = Some("FS9".into()));
    let report = run(AnalyticsConfig::default(), &evs);
    assert_eq!(report.impact.len(), 1, "{:#?}", report.impact);
    let imp = &report.impact[0];
    assert_eq!(imp.extension.as_deref(), Some(".crypt"));
    assert_eq!((imp.files, imp.double_extension), (80, 80));
    assert_eq!(imp.first.micros(), T0 * 1_000_000);
    assert_eq!(imp.last.micros(), (T0 + 158) * 1_000_000);
    assert_eq!(imp.note_name.as_deref(), Some("how_to_decrypt.txt"));
    assert_eq!(imp.note_folders, 4);
    let f = report.by_analytic(ids::IMPACT).next().unwrap();
    assert_eq!(f.level, Level::Critical);
}

#[test]
fn copying_many_files_of_a_known_extension_is_not_impact() {
    let mut b = share_before();
    for i in 0..80 {
        b += &body(
            &format!("D:/Share/Copy/doc{i}.docx"),
            3000 + i,
            T0 + i as i64,
        );
    }
    let evs = events(Format::Bodyfile, b.as_bytes(), 2026);
    let report = run(AnalyticsConfig::default(), &evs);
    assert!(report.impact.is_empty(), "{:#?}", report.impact);
}

fn squid(t: i64, client: &str, bytes: u64, host: &str, user: &str) -> String {
    format!("{t}.000 600000 {client} TCP_TUNNEL/200 {bytes} CONNECT {host}:443 {user} HIER_DIRECT/45.11.37.254 -\n")
}

fn nightly_backups() -> String {
    (0..4)
        .map(|d| {
            squid(
                T0 - 86_400 * d,
                "10.0.0.20",
                6_000_000_000 + d as u64 * 300_000_000,
                "backup.example.net",
                "svc_backup",
            )
        })
        .collect()
}

#[test]
fn recurring_backup_is_explained_and_one_off_upload_is_not() {
    let log = nightly_backups()
        + &squid(
            T0 + 3000,
            "10.0.2.5",
            3_000_000_000,
            "files.example.org",
            "alice",
        );
    let evs = events(Format::Squid, log.as_bytes(), 2026);
    let report = run(AnalyticsConfig::default(), &evs);
    let ex = &report.exfiltration;
    assert!(ex.found);
    assert_eq!(ex.findings.len(), 1, "{:#?}", ex.findings);
    assert_eq!(ex.findings[0].src_ip.as_deref(), Some("10.0.2.5"));
    assert_eq!(ex.explained.len(), 4, "{:#?}", ex.explained);
    assert!(ex
        .explained
        .iter()
        .all(|e| e.contains("recurs") && e.contains("svc_backup")));
}

#[test]
fn clean_egress_says_what_was_checked() {
    let log = squid(T0, "10.0.2.5", 2_000_000, "www.example.com", "alice");
    let evs = events(Format::Squid, log.as_bytes(), 2026);
    let report = run(AnalyticsConfig::default(), &evs);
    let ex = &report.exfiltration;
    assert!(!ex.found && ex.findings.is_empty() && ex.explained.is_empty());
    assert!(
        ex.checked.iter().any(|c| c.contains("1 proxy")),
        "{:#?}",
        ex.checked
    );
    let none = run(AnalyticsConfig::default(), &[]);
    assert!(none
        .exfiltration
        .checked
        .iter()
        .any(|c| c.contains("could not be checked")));
}

#[test]
fn upload_tools_and_password_archives_are_found_and_secrets_redacted() {
    let evs = vec![
        sysmon1(
            "C:\\Tools\\rclone.exe copy D:\\Data remote:bucket",
            "0x1",
            "2026-11-24T03:00:00Z",
        ),
        sysmon1(
            "C:\\Tools\\7z.exe a -pTopSecret9 -mhe=on out.7z D:\\Data",
            "0x1",
            "2026-11-24T02:50:00Z",
        ),
        sysmon1(
            "C:\\Tools\\rclone.exe version",
            "0x1",
            "2026-11-24T03:01:00Z",
        ),
        sysmon1("C:\\Tools\\7z.exe x in.7z", "0x1", "2026-11-24T03:02:00Z"),
    ];
    let report = run(AnalyticsConfig::default(), &evs);
    let ex = &report.exfiltration;
    assert!(ex.found);
    let tools: Vec<_> = report.by_analytic(ids::EXFIL_TOOL).collect();
    let archives: Vec<_> = report.by_analytic(ids::EXFIL_ARCHIVE).collect();
    assert_eq!((tools.len(), archives.len()), (1, 1), "{:#?}", ex.findings);
    let text = format!("{report:?}");
    assert!(!text.contains("TopSecret9"), "{text}");
    assert!(text.contains("-p***"));
}

#[test]
fn odd_input_does_not_panic() {
    let mut e = Event::new(
        at("2026-11-24T00:00:00Z"),
        SourceKind::Netscaler,
        Location::Line(1),
    );
    e.event_id = Some("SSLVPN LOGIN".into());
    e.fields.push("event_type", "LOGIN");
    e.user.name = Some("-".into());
    let mut w = win(
        "4624",
        "",
        "1601-01-01T00:00:00Z",
        SECURITY,
        &[
            ("LogonType", "10"),
            ("IpAddress", "::ffff:zz"),
            ("TargetUserName", "\u{212A}x"),
        ],
    );
    w.host = None;
    let b = win(
        "11",
        "H",
        "9999-12-31T23:59:59Z",
        SYSMON,
        &[("TargetFilename", ".")],
    );
    let report = run(AnalyticsConfig::default(), &[e, w, b]);
    assert!(report.by_analytic(ids::IMPACT).next().is_none());
}

/// With a GeoIP database, a login from a country and network the account never used
/// is one more reason; without it, only the new address counts.
#[test]
fn new_country_and_network_with_a_geoip_database() {
    let log = alice_history() + &ns_login("11/24/2026:09:30:00", "alice", "203.0.113.9", 99);
    let evs = events(Format::Netscaler, log.as_bytes(), 2026);
    let tsv = "198.51.100.0\t198.51.100.255\t3320\tDE\tDTAG\n\
               203.0.113.0\t203.0.113.255\t64500\tNL\tEXAMPLE-HOSTING\n";
    let (db, errors) = firebreak_analytics::GeoIp::parse("ip2asn.tsv", tsv.as_bytes());
    assert!(errors.is_empty());
    let cfg = AnalyticsConfig {
        geoip: Some(db),
        ..AnalyticsConfig::default()
    };
    let with_geo = run(cfg, &evs);
    let last = *logins_of(&with_geo, "alice").last().expect("a finding");
    assert!(
        last.reasons
            .iter()
            .any(|r| r.contains("new country/network")
                && r.contains("NL, AS64500 EXAMPLE-HOSTING")
                && r.contains("DE")),
        "{:#?}",
        last.reasons
    );
    let without = run(AnalyticsConfig::default(), &evs);
    let plain = *logins_of(&without, "alice").last().expect("a finding");
    assert_eq!(last.reasons.len(), plain.reasons.len() + 1);
    assert!(last.level > plain.level);
}
