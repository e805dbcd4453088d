//! Syslog (RFC 3164 / ISO / RFC 5424), auth.log enrichment and NetScaler readers,
//! through the public API.

use chrono_tz::Tz;
use firebreak_event::{desc, Event, Location, SourceKind, Timestamp, TzPolicy, VecSink};
use firebreak_readers::{read, sniff, DateOrder, Format, ReadContext};
use proptest::prelude::*;
use std::io::Cursor;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ctx_year(year: i32) -> ReadContext {
    let mut ctx = ReadContext::new("test");
    ctx.options.syslog_year = Some(year);
    ctx
}

fn ctx_mtime(rfc3339: &str) -> ReadContext {
    let mut ctx = ReadContext::new("test");
    ctx.file_mtime = Some(Timestamp::parse_rfc3339(rfc3339).unwrap());
    ctx
}

fn run(format: Format, bytes: &[u8], ctx: &ReadContext) -> VecSink {
    let mut sink = VecSink::default();
    read(
        format,
        Box::new(Cursor::new(bytes.to_vec())),
        ctx,
        &mut sink,
    )
    .unwrap();
    assert_eq!(
        sink.records as usize,
        sink.events.len(),
        "one event per record"
    );
    sink
}

fn line_of(ev: &Event) -> u64 {
    match ev.provenance.location {
        Location::Line(n) => n,
        other => panic!("not a line location: {other:?}"),
    }
}

fn at_line(sink: &VecSink, n: u64) -> &Event {
    sink.events
        .iter()
        .find(|e| line_of(e) == n)
        .unwrap_or_else(|| panic!("no event for line {n}"))
}

fn time(ev: &Event) -> String {
    ev.timestamp.to_rfc3339()
}

fn ids(sink: &VecSink) -> Vec<&str> {
    sink.events
        .iter()
        .map(|e| e.event_id.as_deref().unwrap_or("-"))
        .collect()
}

#[test]
fn sniffs_each_fixture() {
    let cases = [
        ("syslog/auth.log", Format::Syslog),
        ("syslog/syslog_rfc5424.log", Format::Syslog),
        ("syslog/syslog_iso.log", Format::Syslog),
        ("syslog/new_year.log", Format::Syslog),
        ("netscaler/ns.log", Format::Netscaler),
        ("netscaler/ns_relay.log", Format::Netscaler),
        ("netscaler/ns_ddmm_local.log", Format::Netscaler),
    ];
    for (name, want) in cases {
        assert_eq!(sniff(&fixture(name)), Some(want), "{name}");
    }
}

#[test]
fn auth_log_event_ids_and_sources() {
    let sink = run(Format::Syslog, &fixture("syslog/auth.log"), &ctx_year(2026));
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    assert_eq!(
        ids(&sink),
        [
            "pam.session_opened",
            "pam.session_closed",
            "sshd.invalid_user",
            "-",
            "pam.auth_failure",
            "sshd.failed",
            "sshd.connection_closed",
            "pam.auth_failure",
            "sshd.failed",
            "sshd.accepted",
            "pam.session_opened",
            "systemd-logind.new_session",
            "sudo.command",
            "pam.session_opened",
            "useradd.new_group",
            "useradd.new_user",
            "pam.session_closed",
            "sudo.command",
            "usermod.add_to_group",
            "usermod.add_to_shadow_group",
            "pam.password_changed",
            "su.session",
            "pam.session_opened",
            "sudo.auth_failure",
            "sshd.accepted",
            "pam.session_opened",
            "systemd-logind.new_session",
            "sshd.disconnect",
            "sshd.disconnect",
            "pam.session_closed",
            "systemd-logind.session_logged_out",
            "systemd-logind.removed_session",
            "userdel.delete_user",
            "userdel.removed_group",
        ]
    );
    assert!(sink.events.iter().all(|e| e.source == SourceKind::AuthLog));
}

#[test]
fn sshd_accepted_password() {
    let sink = run(Format::Syslog, &fixture("syslog/auth.log"), &ctx_year(2026));
    let ev = at_line(&sink, 10);
    assert_eq!(ev.event_id.as_deref(), Some("sshd.accepted"));
    assert_eq!(ev.timestamp_desc, desc::LOGON);
    assert_eq!(time(ev), "2026-11-24T21:14:03.000000Z");
    assert_eq!(ev.time_original, "Nov 24 21:14:03");
    assert_eq!(ev.tz_policy, TzPolicy::Assumed("UTC".into()));
    assert_eq!(ev.host.as_deref(), Some("web01"));
    assert_eq!(ev.process.pid, Some(2310));
    assert_eq!(ev.user.name.as_deref(), Some("jdoe"));
    assert_eq!(ev.network.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(ev.network.src_port, Some(51234));
    for (k, v) in [
        ("hostname", "web01"),
        ("program", "sshd"),
        ("pid", "2310"),
        ("auth_method", "password"),
        ("user", "jdoe"),
        ("src_ip", "203.0.113.7"),
        ("src_port", "51234"),
        ("syslog_year_source", "option"),
    ] {
        assert_eq!(ev.fields.get(k), Some(v), "{k}");
    }
    assert_eq!(
        ev.message,
        "Accepted password for jdoe from 203.0.113.7 port 51234 ssh2"
    );
    let key = at_line(&sink, 25);
    assert_eq!(key.fields.get("auth_method"), Some("publickey"));
    assert!(key
        .fields
        .get("key")
        .unwrap()
        .starts_with("ED25519 SHA256:"));
}

#[test]
fn sshd_failures_and_disconnects() {
    let sink = run(Format::Syslog, &fixture("syslog/auth.log"), &ctx_year(2026));
    let invalid = at_line(&sink, 6);
    assert_eq!(invalid.event_id.as_deref(), Some("sshd.failed"));
    assert_eq!(invalid.fields.get("invalid_user"), Some("true"));
    assert_eq!(invalid.user.name.as_deref(), Some("admin"));
    assert_eq!(invalid.network.src_port, Some(40112));
    let pam = at_line(&sink, 8);
    assert_eq!(pam.user.name.as_deref(), Some("jdoe"));
    assert_eq!(pam.network.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(pam.fields.get("pam_service"), Some("sshd"));
    let closed = at_line(&sink, 7);
    assert_eq!(closed.timestamp_desc, desc::EVENT_LOGGED);
    let disc = at_line(&sink, 29);
    assert_eq!(disc.timestamp_desc, desc::LOGOFF);
    assert_eq!(disc.user.name.as_deref(), Some("jdoe"));
    assert_eq!(disc.network.src_port, Some(51234));
}

#[test]
fn sudo_su_and_account_changes() {
    let sink = run(Format::Syslog, &fixture("syslog/auth.log"), &ctx_year(2026));
    let sudo = at_line(&sink, 13);
    for (k, v) in [
        ("user", "jdoe"),
        ("sudo_user", "jdoe"),
        ("tty", "pts/0"),
        ("pwd", "/home/jdoe"),
        ("target_user", "root"),
        ("command", "/usr/sbin/useradd -m -s /bin/bash backup2"),
    ] {
        assert_eq!(sudo.fields.get(k), Some(v), "{k}");
    }
    assert_eq!(
        sudo.process.command_line.as_deref(),
        Some("/usr/sbin/useradd -m -s /bin/bash backup2")
    );
    assert_eq!(sudo.process.pid, None);
    let failed = at_line(&sink, 24);
    assert_eq!(
        failed.fields.get("reason"),
        Some("3 incorrect password attempts")
    );
    let new_user = at_line(&sink, 16);
    assert_eq!(new_user.user.name.as_deref(), Some("backup2"));
    assert_eq!(new_user.fields.get("uid"), Some("1001"));
    assert_eq!(new_user.fields.get("shell"), Some("/bin/bash"));
    let group = at_line(&sink, 19);
    assert_eq!(group.fields.get("group"), Some("sudo"));
    let su = at_line(&sink, 22);
    assert_eq!(su.timestamp_desc, desc::LOGON);
    assert_eq!(su.fields.get("target_user"), Some("root"));
    assert_eq!(su.user.name.as_deref(), Some("jdoe"));
    let opened = at_line(&sink, 23);
    assert_eq!(opened.user.name.as_deref(), Some("root"));
    assert_eq!(opened.fields.get("by_user"), Some("jdoe"));
    let logind = at_line(&sink, 12);
    assert_eq!(logind.fields.get("session_id"), Some("42"));
    assert_eq!(logind.timestamp_desc, desc::LOGON);
    assert_eq!(at_line(&sink, 30).timestamp_desc, desc::LOGOFF);
}

#[test]
fn year_comes_from_the_mtime() {
    let bytes = fixture("syslog/auth.log");
    for (mtime, year) in [
        ("2026-11-30T00:00:00Z", "2026"),
        ("2027-02-01T00:00:00Z", "2026"),
        ("2026-11-01T00:00:00Z", "2025"),
    ] {
        let sink = run(Format::Syslog, &bytes, &ctx_mtime(mtime));
        let ev = &sink.events[0];
        assert!(time(ev).starts_with(year), "{mtime}: {}", time(ev));
        assert_eq!(ev.fields.get("syslog_year_source"), Some("file_mtime"));
    }
}

#[test]
fn no_year_context_rejects_rfc3164_lines() {
    let sink = run(
        Format::Syslog,
        &fixture("syslog/auth.log"),
        &ReadContext::new("t"),
    );
    assert!(sink.events.is_empty());
    assert_eq!(sink.rejected.len(), 34);
    assert_eq!(sink.rejected[0].location, Location::Line(1));
    assert!(sink.rejected[0].reason.contains("syslog_year"));
}

#[test]
fn rfc3164_times_are_read_in_the_source_zone() {
    let mut ctx = ctx_year(2026);
    ctx.options.source_tz = Tz::Europe__Berlin;
    let sink = run(Format::Syslog, &fixture("syslog/auth.log"), &ctx);
    let ev = at_line(&sink, 10);
    assert_eq!(time(ev), "2026-11-24T20:14:03.000000Z");
    assert_eq!(ev.tz_policy, TzPolicy::Assumed("Europe/Berlin".into()));
}

#[test]
fn new_year_rollover_with_the_option_year() {
    let sink = run(
        Format::Syslog,
        &fixture("syslog/new_year.log"),
        &ctx_year(2026),
    );
    let times: Vec<_> = sink.events.iter().map(time).collect();
    assert_eq!(
        times,
        [
            "2026-12-31T23:58:01.000000Z",
            "2026-12-31T23:59:59.000000Z",
            "2027-01-01T00:00:00.000000Z",
            // A late line from the old year.
            "2026-12-31T23:59:59.000000Z",
            "2027-01-01T00:00:01.000000Z",
            "2027-01-01T00:02:17.000000Z",
        ]
    );
}

#[test]
fn new_year_rollover_with_the_mtime() {
    let sink = run(
        Format::Syslog,
        &fixture("syslog/new_year.log"),
        &ctx_mtime("2027-01-01T00:05:00Z"),
    );
    let times: Vec<_> = sink.events.iter().map(time).collect();
    assert_eq!(
        times,
        [
            "2026-12-31T23:58:01.000000Z",
            "2026-12-31T23:59:59.000000Z",
            "2027-01-01T00:00:00.000000Z",
            "2026-12-31T23:59:59.000000Z",
            "2027-01-01T00:00:01.000000Z",
            "2027-01-01T00:02:17.000000Z",
        ]
    );
    assert_eq!(sink.events[4].event_id.as_deref(), Some("sshd.accepted"));
    assert_eq!(sink.events[0].event_id.as_deref(), Some("cron.command"));
    assert_eq!(sink.events[0].source, SourceKind::Syslog);
}

#[test]
fn rfc5424_with_structured_data() {
    let sink = run(
        Format::Syslog,
        &fixture("syslog/syslog_rfc5424.log"),
        &ReadContext::new("t"),
    );
    assert_eq!(sink.events.len(), 5);
    let first = at_line(&sink, 1);
    assert_eq!(first.tz_policy, TzPolicy::SourceZone);
    assert_eq!(time(first), "2026-11-24T21:14:03.003000Z");
    for (k, v) in [
        ("hostname", "mymachine.example.com"),
        ("program", "evntslog"),
        ("msgid", "ID47"),
        ("facility", "local4"),
        ("severity", "notice"),
        ("exampleSDID@32473.iut", "3"),
        ("exampleSDID@32473.eventSource", "Application"),
        ("exampleSDID@32473.eventID", "1011"),
        ("message", "An application event log entry..."),
    ] {
        assert_eq!(first.fields.get(k), Some(v), "{k}");
    }
    assert_eq!(first.fields.get("pid"), None);
    let second = at_line(&sink, 2);
    assert_eq!(time(second), "2026-11-24T21:14:15.003000Z");
    assert_eq!(second.fields.get("facility"), Some("auth"));
    assert_eq!(second.fields.get("severity"), Some("crit"));
    let escaped = at_line(&sink, 4);
    assert_eq!(
        escaped.fields.get("examplePriority@32473.note"),
        Some("a \"quoted\" ] value")
    );
    assert_eq!(escaped.message, "");
    let ssh = at_line(&sink, 5);
    assert_eq!(ssh.event_id.as_deref(), Some("sshd.accepted"));
    assert_eq!(ssh.source, SourceKind::AuthLog);
    assert_eq!(ssh.process.pid, Some(2310));
    assert_eq!(ssh.fields.get("timeQuality.syncAccuracy"), Some("110750"));
    assert_eq!(time(ssh), "2026-11-24T21:14:07.512000Z");
    let rejected: Vec<_> = sink.rejected.iter().map(|r| r.location).collect();
    assert_eq!(rejected, [Location::Line(6), Location::Line(7)]);
    assert!(sink.rejected[0].reason.contains("without a timestamp"));
    assert!(sink.rejected[1].reason.contains("structured data"));
}

#[test]
fn rsyslog_high_precision_timestamps() {
    let sink = run(
        Format::Syslog,
        &fixture("syslog/syslog_iso.log"),
        &ReadContext::new("t"),
    );
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    let first = &sink.events[0];
    assert_eq!(time(first), "2026-11-24T20:14:03.123456Z");
    assert_eq!(first.time_original, "2026-11-24T21:14:03.123456+01:00");
    assert_eq!(first.tz_policy, TzPolicy::SourceZone);
    assert_eq!(first.fields.get("program"), Some("systemd"));
    assert_eq!(first.process.pid, Some(1));
    assert_eq!(sink.events[1].event_id.as_deref(), Some("sshd.accepted"));
    let kernel = &sink.events[2];
    assert_eq!(kernel.fields.get("pid"), None);
    assert!(kernel.message.starts_with("[ 8123.456789] audit:"));
    let cron = &sink.events[3];
    assert_eq!(time(cron), "2026-11-24T20:15:00.500000Z");
    assert_eq!(
        cron.process.command_line.as_deref(),
        Some("/usr/local/bin/backup.sh --full")
    );
    assert_eq!(cron.user.name.as_deref(), Some("root"));
}

#[test]
fn bad_lines_are_rejected_with_locations() {
    let sink = run(Format::Syslog, &fixture("syslog/bad.log"), &ctx_year(2026));
    let accepted: Vec<_> = sink.events.iter().map(line_of).collect();
    assert_eq!(accepted, [1, 10]);
    assert_eq!(sink.events[1].fields.get("facility"), Some("auth"));
    assert_eq!(sink.events[1].fields.get("severity"), Some("info"));
    assert_eq!(sink.events[1].source, SourceKind::AuthLog);
    let rejected: Vec<_> = sink
        .rejected
        .iter()
        .map(|r| (r.location.value(), r.reason.as_str()))
        .collect();
    assert_eq!(rejected.len(), 6, "{rejected:#?}");
    let reason = |n: u64| {
        rejected
            .iter()
            .find(|(l, _)| *l == n)
            .map(|(_, r)| *r)
            .unwrap_or_else(|| panic!("line {n} not rejected"))
    };
    assert_eq!(
        reason(2),
        "unparseable syslog timestamp 'Foo 99 25:61:00 web01 app: bad month'"
    );
    assert!(reason(3).contains("'Nov 31 10:00:00' in year 2026"));
    assert!(reason(4).contains("invalid syslog priority '<999>'"));
    assert!(reason(7).starts_with("unparseable syslog timestamp"));
    assert!(reason(8).contains("Feb 29"));
    assert!(reason(9).contains("Nov 24 24:00:00"));
}

#[test]
fn long_lines_are_rejected_not_buffered() {
    let mut ctx = ctx_year(2026);
    ctx.options.max_line_bytes = 64;
    let mut input = b"Nov 24 21:14:03 web01 app: short\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 1000));
    input.extend_from_slice(b"\nNov 24 21:14:04 web01 app: short again\n");
    let sink = run(Format::Syslog, &input, &ctx);
    assert_eq!(sink.events.len(), 2);
    assert_eq!(sink.rejected.len(), 1);
    assert_eq!(sink.rejected[0].location, Location::Line(2));
    assert!(sink.rejected[0]
        .reason
        .contains("longer than the limit of 64 bytes"));
}

#[test]
fn hostile_repeated_keys_are_bounded() {
    let ns = format!(
        "11/24/2026:21:14:03 GMT ns01 0-PPE-0 : default SSLVPN LOGIN 1 0 : {}\n",
        "User a - ".repeat(50_000)
    );
    let sink = run(Format::Netscaler, ns.as_bytes(), &ReadContext::new("t"));
    assert!(sink.events[0].fields.len() <= 140);
    let sudo = format!(
        "Nov 24 21:14:03 web01 sudo: jdoe : {}COMMAND=/bin/id\n",
        "TTY=pts/0 ; ".repeat(50_000)
    );
    let sink = run(Format::Syslog, sudo.as_bytes(), &ctx_year(2026));
    assert!(sink.events[0].fields.len() <= 140);
    assert_eq!(
        sink.events[0].process.command_line.as_deref(),
        Some("/bin/id")
    );
}

fn ns_ctx() -> ReadContext {
    ReadContext::new("ns.log")
}

#[test]
fn netscaler_login() {
    let sink = run(Format::Netscaler, &fixture("netscaler/ns.log"), &ns_ctx());
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    assert_eq!(sink.events.len(), 9);
    let ev = at_line(&sink, 2);
    assert_eq!(ev.source, SourceKind::Netscaler);
    assert_eq!(ev.event_id.as_deref(), Some("SSLVPN LOGIN"));
    assert_eq!(ev.timestamp_desc, desc::LOGON);
    assert_eq!(time(ev), "2026-11-24T21:14:03.000000Z");
    assert_eq!(ev.time_original, "11/24/2026:21:14:03 GMT");
    assert_eq!(ev.tz_policy, TzPolicy::SourceZone);
    assert_eq!(ev.host.as_deref(), Some("ns01"));
    assert_eq!(ev.user.name.as_deref(), Some("jdoe"));
    assert_eq!(ev.network.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(ev.network.dst_ip.as_deref(), Some("198.51.100.10"));
    assert_eq!(ev.network.dst_port, Some(443));
    for (k, v) in [
        ("syslog_pri", "local0.info"),
        ("syslog_host", "198.51.100.2"),
        ("ns_host", "ns01"),
        ("ppe", "0-PPE-0"),
        ("partition", "default"),
        ("module", "SSLVPN"),
        ("event_type", "LOGIN"),
        ("event_number", "4412"),
        ("event_number_2", "0"),
        ("ns_time_zone", "GMT"),
        ("Context", "jdoe@203.0.113.7"),
        ("SessionId", "5"),
        ("User", "jdoe"),
        ("Client_ip", "203.0.113.7"),
        ("Nat_ip", "Mapped Ip"),
        ("Vserver", "198.51.100.10:443"),
        ("SSLVPN_client_type", "ICA"),
        ("Group(s)", "VPN-Users Finance"),
    ] {
        assert_eq!(ev.fields.get(k), Some(v), "{k}");
    }
    assert!(ev
        .fields
        .get("Browser_type")
        .unwrap()
        .contains("(KHTML, like Gecko)"));
}

#[test]
fn netscaler_logout_and_failed_login() {
    let sink = run(Format::Netscaler, &fixture("netscaler/ns.log"), &ns_ctx());
    let out = at_line(&sink, 7);
    assert_eq!(out.event_id.as_deref(), Some("SSLVPN LOGOUT"));
    assert_eq!(out.timestamp_desc, desc::LOGOFF);
    assert_eq!(out.network.bytes_out, Some(13650));
    assert_eq!(out.network.bytes_in, Some(6012934));
    for (k, v) in [
        ("Start_time", "11/24/2026:21:14:03 GMT"),
        ("End_time", "11/24/2026:22:03:10 GMT"),
        ("Duration", "00:49:07"),
        ("Http_resources_accessed", "12"),
        ("NonHttp_services_accessed", "0"),
        ("Total_TCP_connections", "37"),
        ("Total_policies_allowed", "37"),
        ("Total_policies_denied", "0"),
        ("Total_compressedbytes_send", "0"),
        ("Compression_ratio_recv", "0.00%"),
        ("LogoutMethod", "Explicit"),
        ("Group(s)", "VPN-Users Finance"),
    ] {
        assert_eq!(out.fields.get(k), Some(v), "{k}");
    }
    let failed = at_line(&sink, 1);
    assert_eq!(failed.event_id.as_deref(), Some("AAA LOGIN_FAILED"));
    assert_eq!(failed.timestamp_desc, desc::EVENT_LOGGED);
    assert_eq!(failed.user.name.as_deref(), Some("jdoe"));
    assert_eq!(failed.network.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(
        failed.fields.get("Failure_reason"),
        Some("Invalid credentials")
    );
    assert!(failed
        .fields
        .get("Browser")
        .unwrap()
        .ends_with("Safari/537.36"));
}

#[test]
fn netscaler_http_request() {
    let sink = run(Format::Netscaler, &fixture("netscaler/ns.log"), &ns_ctx());
    let ev = at_line(&sink, 3);
    assert_eq!(ev.event_id.as_deref(), Some("SSLVPN HTTPREQUEST"));
    assert_eq!(ev.timestamp_desc, desc::REQUEST);
    for (k, v) in [
        ("Context", "jdoe@203.0.113.7"),
        ("SessionId", "5"),
        ("Request_host", "citrix.example.com"),
        ("User", "jdoe"),
        ("Group(s)", "VPN-Users Finance"),
        ("Vserver", "198.51.100.10:443"),
        ("Last_contact", "11/24/2026:21:14:05 GMT"),
        ("SSO", "ON"),
        ("Request", "GET /Citrix/StoreWeb/Resources/List"),
    ] {
        assert_eq!(ev.fields.get(k), Some(v), "{k}");
    }
    assert_eq!(ev.url.as_deref(), Some("/Citrix/StoreWeb/Resources/List"));
    assert_eq!(ev.user.name.as_deref(), Some("jdoe"));
    assert_eq!(ev.network.src_ip.as_deref(), Some("203.0.113.7"));
}

#[test]
fn netscaler_ica_and_tcp_connection_stats() {
    let sink = run(Format::Netscaler, &fixture("netscaler/ns.log"), &ns_ctx());
    let start = at_line(&sink, 4);
    assert_eq!(start.event_id.as_deref(), Some("SSLVPN ICASTART"));
    assert_eq!(start.timestamp_desc, desc::CONNECTION);
    assert_eq!(
        start.fields.get("tags"),
        Some("[TCP] [CGP][ICAUUID=0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9]")
    );
    assert_eq!(
        start.fields.get("ICAUUID"),
        Some("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9")
    );
    assert_eq!(start.fields.get("customername"), Some(""));
    assert_eq!(
        start.fields.get("username:domainname"),
        Some("jdoe:EXAMPLE")
    );
    assert_eq!(
        start.fields.get("applicationName"),
        Some("Finance Desktop $S12-34")
    );
    assert_eq!(
        start.fields.get("startTime"),
        Some("11/24/2026:21:14:09 GMT")
    );
    assert_eq!(start.fields.get("connectionId"), Some("81d1a2b3c4d5"));
    assert_eq!(start.user.name.as_deref(), Some("jdoe"));
    assert_eq!(start.user.domain.as_deref(), Some("EXAMPLE"));
    assert_eq!(start.network.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(start.network.src_port, Some(50512));
    assert_eq!(start.network.dst_ip.as_deref(), Some("10.20.30.40"));
    assert_eq!(start.network.dst_port, Some(2598));
    let end = at_line(&sink, 6);
    assert_eq!(end.event_id.as_deref(), Some("SSLVPN ICAEND_CONNSTAT"));
    assert_eq!(end.fields.get("endTime"), Some("11/24/2026:22:02:47 GMT"));
    assert_eq!(end.fields.get("Duration"), Some("00:48:38"));
    assert_eq!(end.network.bytes_out, Some(5123456));
    assert_eq!(end.network.bytes_in, Some(812345));
    let tcp = at_line(&sink, 5);
    assert_eq!(tcp.event_id.as_deref(), Some("SSLVPN TCPCONNSTAT"));
    assert_eq!(tcp.timestamp_desc, desc::CONNECTION);
    assert_eq!(tcp.fields.get("ppe"), Some("0-PPE-1"));
    // The session's Client_ip, not the connection's Source (session-hijack evidence).
    assert_eq!(tcp.network.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(tcp.network.src_port, None);
    assert_eq!(tcp.fields.get("Source"), Some("198.18.0.99:41822"));
    assert_eq!(tcp.fields.get("Destination"), Some("10.20.30.41:445"));
    assert_eq!(tcp.fields.get("Access"), Some("Allowed"));
    assert_eq!(tcp.network.bytes_in, Some(1048576));
}

#[test]
fn netscaler_other_event_types_still_give_fields() {
    let sink = run(Format::Netscaler, &fixture("netscaler/ns.log"), &ns_ctx());
    let cli = at_line(&sink, 8);
    assert_eq!(cli.event_id.as_deref(), Some("CLI CMD_EXECUTED"));
    assert_eq!(cli.fields.get("syslog_pri"), Some("local0.notice"));
    assert_eq!(cli.fields.get("Command"), Some("show ns runningConfig"));
    assert_eq!(
        cli.process.command_line.as_deref(),
        Some("show ns runningConfig")
    );
    assert_eq!(cli.user.name.as_deref(), Some("nsroot"));
    let timeout = at_line(&sink, 9);
    assert_eq!(timeout.event_id.as_deref(), Some("SSLVPN TCPCONN_TIMEDOUT"));
    assert_eq!(
        timeout.fields.get("Last_contact"),
        Some("11/24/2026:22:01:00 GMT")
    );
}

#[test]
fn netscaler_behind_a_syslog_relay() {
    let ctx = {
        let mut c = ns_ctx();
        c.file_mtime = Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap());
        c
    };
    let sink = run(Format::Netscaler, &fixture("netscaler/ns_relay.log"), &ctx);
    let login = at_line(&sink, 1);
    // The NetScaler's own time, not the relay's (an hour later, in its local zone).
    assert_eq!(time(login), "2026-11-24T21:14:03.000000Z");
    assert_eq!(login.fields.get("syslog_time"), Some("Nov 24 22:14:04"));
    assert_eq!(login.fields.get("syslog_host"), Some("198.51.100.2"));
    assert_eq!(login.host.as_deref(), Some("ns01"));
    let ica = at_line(&sink, 2);
    assert_eq!(ica.fields.get("syslog_pri"), Some("134"));
    assert_eq!(ica.event_id.as_deref(), Some("SSLVPN ICASTART"));
    let old = at_line(&sink, 3);
    assert_eq!(old.event_id.as_deref(), Some("SSLVPN TCPCONNSTAT"));
    assert_eq!(old.fields.get("ppe"), Some("PPE-0"));
    assert_eq!(old.fields.get("partition"), None);
    assert_eq!(old.fields.get("SessionId"), Some("651173"));
    assert_eq!(old.fields.get("User"), Some("jdoe"));
    assert_eq!(old.host.as_deref(), Some("ns"));
    let other = at_line(&sink, 4);
    assert_eq!(other.source, SourceKind::Syslog);
    assert_eq!(other.fields.get("program"), Some("nsumond"));
    let failed = at_line(&sink, 5);
    assert_eq!(failed.event_id.as_deref(), Some("AAA LOGIN_FAILED"));
    assert_eq!(failed.fields.get("syslog_pri"), Some("local0.info"));
    assert_eq!(failed.fields.get("syslog_host"), Some("ns01"));
    assert_eq!(failed.user.name.as_deref(), Some("mallory"));
    assert_eq!(sink.rejected.len(), 1);
    assert_eq!(sink.rejected[0].location, Location::Line(6));
    assert!(sink.rejected[0].reason.starts_with("no NetScaler header"));
}

#[test]
fn netscaler_day_first_local_time() {
    let mut ctx = ns_ctx();
    ctx.options.netscaler_date_order = DateOrder::DayFirst;
    ctx.options.source_tz = Tz::Europe__Berlin;
    let sink = run(
        Format::Netscaler,
        &fixture("netscaler/ns_ddmm_local.log"),
        &ctx,
    );
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    let login = at_line(&sink, 1);
    assert_eq!(time(login), "2026-11-24T21:14:03.000000Z");
    assert_eq!(login.tz_policy, TzPolicy::Assumed("Europe/Berlin".into()));
    assert_eq!(login.time_original, "24/11/2026:22:14:03");
    assert_eq!(login.fields.get("ns_time_zone"), None);
    let logout = at_line(&sink, 2);
    assert_eq!(logout.fields.get("Start_time"), Some("24/11/2026:22:14:03"));
    let tcp = at_line(&sink, 3);
    assert_eq!(time(tcp), "2026-12-13T07:00:00.000000Z");
    assert_eq!(tcp.event_id.as_deref(), Some("TCP CONN_TERMINATE"));
    assert_eq!(tcp.fields.get("Start Time"), Some("13/12/2026:07:59:54"));
    assert_eq!(tcp.network.dst_port, Some(20714));
}

#[test]
fn netscaler_wrong_date_order_is_rejected() {
    let sink = run(
        Format::Netscaler,
        &fixture("netscaler/ns_ddmm_local.log"),
        &ns_ctx(),
    );
    assert!(sink.events.is_empty());
    assert_eq!(sink.rejected.len(), 3);
    assert!(sink.rejected[0].reason.contains("not valid as mm/dd/yyyy"));
}

#[test]
fn snapshot_of_ns_log() {
    let sink = run(Format::Netscaler, &fixture("netscaler/ns.log"), &ns_ctx());
    insta::assert_json_snapshot!(sink.events);
}

#[test]
fn snapshot_of_auth_log() {
    let sink = run(Format::Syslog, &fixture("syslog/auth.log"), &ctx_year(2026));
    insta::assert_json_snapshot!(sink.events);
}

fn syslogish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("<13>".to_string()),
        Just("<134>1 ".to_string()),
        Just("Nov 24 21:14:03 ".to_string()),
        Just("2026-11-24T21:14:03.5+01:00 ".to_string()),
        Just("11/24/2026:21:14:03 GMT ns01 0-PPE-0 : default SSLVPN LOGIN 1 0 : ".to_string()),
        Just("sshd[1]: ".to_string()),
        Just("Accepted password for ".to_string()),
        Just(" from 1.2.3.4 port ".to_string()),
        Just("[a b=\"c\\\"]".to_string()),
        Just(" - Group(s) \"".to_string()),
        Just(" : ".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(token, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn readers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = sniff(&bytes);
        for format in [Format::Syslog, Format::Netscaler] {
            let mut sink = VecSink::default();
            let ctx = ctx_year(2026);
            read(format, Box::new(Cursor::new(bytes.clone())), &ctx, &mut sink).unwrap();
        }
    }

    #[test]
    fn readers_never_panic_on_near_misses(lines in prop::collection::vec(syslogish(), 1..8)) {
        let text = lines.join("\n");
        let _ = sniff(text.as_bytes());
        for format in [Format::Syslog, Format::Netscaler] {
            let mut sink = VecSink::default();
            let mut ctx = ctx_mtime("2026-11-25T00:00:00Z");
            ctx.options.source_tz = Tz::America__New_York;
            read(format, Box::new(Cursor::new(text.clone().into_bytes())), &ctx, &mut sink).unwrap();
            let nonblank = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
            prop_assert_eq!(sink.records + sink.rejected.len() as u64, nonblank);
        }
    }
}
