//! Web, IIS/W3C, Squid, bodyfile, CSV and JSON Lines readers through the public API.

use firebreak_event::{Event, Location, Rejected, SourceKind, TzPolicy, VecSink};
use firebreak_readers::{read, sniff, Format, ReadContext, SNIFF_LEN};
use proptest::prelude::*;
use std::io::Cursor;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/evtx-attack-samples")
        .join(rel)
}

fn sniff_bytes(bytes: &[u8]) -> Option<Format> {
    sniff(&bytes[..bytes.len().min(SNIFF_LEN)])
}

fn read_bytes_with(format: Format, bytes: Vec<u8>, ctx: &ReadContext) -> VecSink {
    let mut sink = VecSink::default();
    read(format, Box::new(Cursor::new(bytes)), ctx, &mut sink).expect("read");
    sink
}

fn read_bytes(format: Format, bytes: Vec<u8>) -> VecSink {
    read_bytes_with(format, bytes, &ReadContext::new("test"))
}

/// Sniff a fixture, check the format, read it.
fn sniff_and_read(path: PathBuf, want: Format) -> VecSink {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(sniff_bytes(&bytes), Some(want), "{}", path.display());
    read_bytes(want, bytes)
}

fn field<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
    e.fields.get(name)
}

fn rejected_lines(sink: &VecSink) -> Vec<u64> {
    sink.rejected.iter().map(|r| r.location.value()).collect()
}

fn rfc(e: &Event) -> String {
    e.timestamp.to_rfc3339()
}

// ---------------------------------------------------------------- web (NCSA)

#[test]
fn apache_combined_with_scanner_garbage() {
    let sink = sniff_and_read(fixture("web/apache_combined.log"), Format::WebAccess);
    assert_eq!(sink.records, 9);
    assert_eq!(sink.events.len(), 9);
    assert_eq!(rejected_lines(&sink), [9]);
    assert!(
        sink.rejected[0].reason.contains("time"),
        "{:?}",
        sink.rejected
    );

    let first = &sink.events[0];
    assert_eq!(first.source, SourceKind::WebAccess);
    assert_eq!(rfc(first), "2024-11-24T20:14:03.000000Z");
    assert_eq!(first.tz_policy, TzPolicy::SourceZone);
    assert_eq!(first.time_original, "24/Nov/2024:21:14:03 +0100");
    assert_eq!(first.timestamp_desc, "Request Received");
    assert_eq!(first.event_id.as_deref(), Some("GET"));
    assert_eq!(first.network.src_ip.as_deref(), Some("203.0.113.17"));
    assert_eq!(first.network.bytes_out, Some(10701));
    assert_eq!(
        first.message,
        "GET / -> 200 (10701 bytes) from 203.0.113.17"
    );
    assert_eq!(first.provenance.location, Location::Line(1));

    let tls = &sink.events[2];
    assert_eq!(tls.event_id, None);
    assert_eq!(tls.url, None);
    assert_eq!(
        field(tls, "request"),
        Some(r"\x16\x03\x01\x00\xee\x01\x00\x00\xea\x03\x03\xd3\x1c")
    );
    assert_eq!(field(tls, "sc-status"), Some("400"));
    assert_eq!(
        tls.message,
        r#""\x16\x03\x01\x00\xee\x01\x00\x00\xea\x03\x03\xd3\x1c" -> 400 (483 bytes) from 192.0.2.66"#
    );

    let dash = &sink.events[3];
    assert_eq!(field(dash, "request"), Some("-"));
    assert_eq!(field(dash, "sc-bytes"), Some("-"));
    assert_eq!(dash.network.bytes_out, None);

    let shellshock = &sink.events[4];
    assert_eq!(
        field(shellshock, "cs-user-agent"),
        Some(r#"() { :; }; echo; /bin/bash -c "id""#)
    );
    assert_eq!(
        field(&sink.events[5], "cs-user-agent"),
        Some(r#"Mozilla/5.0 (compatible; "scanner" \ v2)"#)
    );

    let status = &sink.events[6];
    assert_eq!(status.user.name.as_deref(), Some("admin"));
    assert_eq!(status.network.src_ip.as_deref(), Some("2001:db8::1f"));
    assert_eq!(field(status, "cs-uri-stem"), Some("/server-status"));
    assert_eq!(field(status, "cs-uri-query"), Some("auto"));
    assert_eq!(status.url.as_deref(), Some("/server-status?auto"));
    assert_eq!(field(status, "cs-version"), Some("HTTP/1.1"));
    assert_eq!(sink.events[0].user.name, None);
}

#[test]
fn nginx_combined_with_hex_escapes_and_extra_field() {
    let sink = sniff_and_read(fixture("web/nginx_access.log"), Format::WebAccess);
    assert_eq!(sink.events.len(), 5);
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    let xss = &sink.events[3];
    assert_eq!(field(xss, "cs-uri-query"), Some(r"q=\x22%3E%3Cscript%3E"));
    assert_eq!(
        field(xss, "cs-user-agent"),
        Some(r"Mozilla/5.0 \x22quoted\x22")
    );
    let upload = &sink.events[4];
    assert_eq!(upload.user.name.as_deref(), Some("jdoe"));
    assert_eq!(
        field(upload, "cs-referer"),
        Some("https://app.example.org/files")
    );
    assert_eq!(field(upload, "extra"), Some(r#""203.0.113.200""#));
    assert_eq!(field(upload, "cs-version"), Some("HTTP/2.0"));
}

#[test]
fn vhost_prefixed_lines() {
    let sink = sniff_and_read(fixture("web/apache_vhost_combined.log"), Format::WebAccess);
    assert_eq!(sink.events.len(), 2);
    let e = &sink.events[1];
    assert_eq!(field(e, "cs-host"), Some("shop.example.com:80"));
    assert_eq!(e.domain.as_deref(), Some("shop.example.com"));
    assert_eq!(e.url.as_deref(), Some("/cart?id=7"));
    assert_eq!(rfc(e), "2025-01-05T15:00:02.000000Z");
    assert_eq!(
        e.message,
        "GET /cart?id=7 -> 302 (0 bytes) from 203.0.113.9"
    );
}

#[test]
fn ncsa_time_without_offset_uses_source_tz() {
    let mut ctx = ReadContext::new("t");
    ctx.options.source_tz = chrono_tz::Europe::Berlin;
    let line = b"10.0.0.1 - - [01/Jul/2024:12:00:00] \"GET / HTTP/1.1\" 200 5\n".to_vec();
    let sink = read_bytes_with(Format::WebAccess, line, &ctx);
    assert_eq!(rfc(&sink.events[0]), "2024-07-01T10:00:00.000000Z");
    assert_eq!(
        sink.events[0].tz_policy,
        TzPolicy::Assumed("Europe/Berlin".into())
    );
}

#[test]
fn tomcat_access_log_from_shared_samples() {
    let path = shared("Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt");
    let bytes = std::fs::read(path).expect("shared sample");
    let sink = read_bytes(Format::WebAccess, bytes.clone());
    assert_eq!(sink.records, 2661);
    assert!(sink.rejected.is_empty(), "{:?}", &sink.rejected[..1]);
    let tls = &sink.events[26];
    assert_eq!(tls.event_id, None);
    assert!(field(tls, "request").unwrap().starts_with('\u{16}'));
    assert!(
        tls.message.starts_with(r#""\x16\x03\x01\x02\x00\x01"#),
        "{}",
        tls.message
    );
    let epoch = &sink.events[..]
        .iter()
        .find(|e| e.time_original == "01/Jan/1970:03:00:00 +0300")
        .expect("epoch line");
    assert_eq!(epoch.timestamp.micros(), 0);
    // The raw TLS bytes (NUL included) are logged unescaped by Tomcat: the first 26
    // lines alone sniff as an access log.
    let prefix: Vec<u8> = bytes
        .split_inclusive(|&b| b == b'\n')
        .take(26)
        .flatten()
        .copied()
        .collect();
    assert_eq!(sniff_bytes(&prefix), Some(Format::WebAccess));
}

#[test]
fn tomcat_access_log_sniffs_whole() {
    let path = shared("Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt");
    let bytes = std::fs::read(path).expect("shared sample");
    assert_eq!(sniff_bytes(&bytes), Some(Format::WebAccess));
}

// ---------------------------------------------------------------- IIS / W3C

#[test]
fn iis_follows_fields_changes() {
    let sink = sniff_and_read(fixture("iis/u_ex241124.log"), Format::Iis);
    assert_eq!(sink.records, 5);
    assert_eq!(rejected_lines(&sink), [8]);
    assert!(
        sink.rejected[0].reason.contains("#Fields"),
        "{:?}",
        sink.rejected
    );

    let logon = &sink.events[0];
    assert_eq!(logon.source, SourceKind::Iis);
    assert_eq!(rfc(logon), "2024-11-24T21:00:01.000000Z");
    assert_eq!(logon.tz_policy, TzPolicy::SourceZone);
    assert_eq!(logon.time_original, "2024-11-24 21:00:01");
    assert_eq!(
        field(logon, "cs(User-Agent)"),
        Some("Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)")
    );
    assert_eq!(
        field(logon, "cs-user-agent"),
        Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    );
    assert_eq!(field(logon, "cs-referer"), Some("-"));
    assert_eq!(logon.network.dst_ip.as_deref(), Some("10.1.1.20"));
    assert_eq!(logon.network.dst_port, Some(443));
    assert_eq!(logon.user.name, None);

    let post = &sink.events[1];
    assert_eq!(post.user.name.as_deref(), Some(r"EXAMPLE\jdoe"));
    assert_eq!(post.url.as_deref(), Some("/owa/auth.owa"));
    assert_eq!(post.message, "POST /owa/auth.owa -> 302 from 203.0.113.50");

    let shell = &sink.events[2];
    assert_eq!(
        shell.url.as_deref(),
        Some("/aspnet_client/system_web/shell.aspx?cmd=whoami")
    );
    assert_eq!(field(shell, "cs-uri-query"), Some("cmd=whoami"));
    assert_eq!(
        field(shell, "cs-uri"),
        Some("/aspnet_client/system_web/shell.aspx?cmd=whoami")
    );

    // After the second #Fields header.
    let ecp = &sink.events[3];
    assert_eq!(ecp.host.as_deref(), Some("EXCH01"));
    assert_eq!(field(ecp, "s-sitename"), Some("W3SVC1"));
    assert_eq!(field(ecp, "cs-host"), Some("mail.example.com"));
    assert_eq!(ecp.domain.as_deref(), Some("mail.example.com"));
    assert_eq!(ecp.network.bytes_out, Some(4306));
    assert_eq!(ecp.network.bytes_in, Some(312));
    assert_eq!(ecp.provenance.location, Location::Line(13));
    let auto = &sink.events[4];
    assert_eq!(auto.domain.as_deref(), Some("mail.example.com"));
    assert_eq!(
        auto.message,
        "POST /autodiscover/autodiscover.json?@evil.com/owa/&Email=autodiscover/autodiscover.json%3f@evil.com -> 302 (512 bytes) from 198.51.100.23"
    );
}

#[test]
fn generic_w3c_proxy_log_with_quoted_values() {
    let sink = sniff_and_read(fixture("iis/proxy_w3c.log"), Format::Iis);
    assert_eq!(sink.events.len(), 2);
    assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
    let dl = &sink.events[0];
    assert_eq!(
        field(dl, "cs-categories"),
        Some("Technology/Internet;Software Downloads")
    );
    assert_eq!(
        field(dl, "cs-user-agent"),
        Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    );
    assert_eq!(dl.url.as_deref(), Some("/tools/agent.exe"));
    assert_eq!(dl.domain.as_deref(), Some("download.example.net"));
    assert_eq!(dl.user.name.as_deref(), Some("jdoe"));
    assert_eq!(dl.network.bytes_out, Some(482113));
    assert_eq!(field(&sink.events[1], "s-action"), Some("TCP_DENIED"));
}

#[test]
fn tunna_iis_log_from_shared_samples() {
    let path = shared("Command and Control/Tunna_rdp_tunnel_IIS.log");
    let sink = sniff_and_read(path, Format::Iis);
    assert!(sink.rejected.is_empty(), "{:?}", &sink.rejected[..1]);
    assert_eq!(sink.records, 4308 - 9 - 1);
    let first = &sink.events[0];
    assert_eq!(rfc(first), "2019-09-03T10:13:36.000000Z");
    assert_eq!(
        field(first, "cs-uri-query"),
        Some("proxy&port=3389&ip=127.0.0.1")
    );
    assert_eq!(
        first.url.as_deref(),
        Some("/erp/conn.aspx?proxy&port=3389&ip=127.0.0.1")
    );
    assert_eq!(first.network.src_ip.as_deref(), Some("10.0.2.17"));
    assert_eq!(first.event_id.as_deref(), Some("GET"));
}

#[test]
fn iis_lines_before_any_header_use_the_default_fields() {
    let log = b"2024-01-01 00:00:00 10.0.0.1 GET / - 80 - 10.0.0.2 curl/8 - 200 0 0 1\n".to_vec();
    let sink = read_bytes(Format::Iis, log);
    assert_eq!(sink.events.len(), 1);
    assert_eq!(sink.events[0].network.src_ip.as_deref(), Some("10.0.0.2"));
}

// ---------------------------------------------------------------- Squid

#[test]
fn squid_native_access_log() {
    let sink = sniff_and_read(fixture("squid/access.log"), Format::Squid);
    assert_eq!(sink.records, 7);
    assert_eq!(rejected_lines(&sink), [7]);

    let miss = &sink.events[0];
    assert_eq!(miss.source, SourceKind::Squid);
    assert_eq!(rfc(miss), "2024-11-24T21:14:03.123000Z");
    assert_eq!(miss.time_original, "1732482843.123");
    assert_eq!(field(miss, "c-uri"), Some("http://example.com/x"));
    assert_eq!(field(miss, "cs-host"), Some("example.com"));
    assert_eq!(field(miss, "squid_result_code"), Some("TCP_MISS"));
    assert_eq!(field(miss, "sc-status"), Some("200"));
    assert_eq!(field(miss, "time-taken"), Some("245"));
    assert_eq!(field(miss, "hierarchy"), Some("HIER_DIRECT"));
    assert_eq!(miss.network.dst_ip.as_deref(), Some("93.184.216.34"));
    assert_eq!(miss.network.bytes_in, Some(5123));
    assert_eq!(miss.domain.as_deref(), Some("example.com"));

    let tunnel = &sink.events[1];
    assert_eq!(tunnel.event_id.as_deref(), Some("CONNECT"));
    assert_eq!(tunnel.domain.as_deref(), Some("www.example.org"));
    assert_eq!(tunnel.user.name.as_deref(), Some("jdoe"));
    assert_eq!(field(tunnel, "c-uri-stem"), None);

    let denied = &sink.events[2];
    assert_eq!(field(denied, "squid_result_code"), Some("TCP_DENIED"));
    assert_eq!(field(denied, "sc-status"), Some("403"));
    assert_eq!(denied.network.dst_ip, None);
    assert_eq!(
        denied.message,
        "CONNECT evil.example.net:443 -> TCP_DENIED/403 (3946 bytes) from 10.0.0.9"
    );

    let ps1 = &sink.events[3];
    assert_eq!(field(ps1, "c-uri-extension"), Some("ps1"));
    assert_eq!(field(ps1, "c-uri-query"), Some("v=2"));
    assert_eq!(field(ps1, "c-uri-stem"), Some("/payload.ps1"));

    let invalid = &sink.events[4];
    assert_eq!(invalid.domain, None);
    assert_eq!(field(invalid, "c-uri"), Some("error:invalid-request"));
}

// ---------------------------------------------------------------- bodyfile

#[test]
fn bodyfile_gives_one_event_per_distinct_time() {
    let sink = sniff_and_read(fixture("bodyfile/fls_root.body"), Format::Bodyfile);
    assert_eq!(sink.records, 8);
    assert_eq!(rejected_lines(&sink), [9, 10]);
    assert!(sink.rejected[0].reason.contains("no time set"));
    assert!(sink.rejected[1].reason.contains("fewer than 11"));

    let passwd: Vec<&Event> = sink
        .events
        .iter()
        .filter(|e| e.provenance.location == Location::Line(1))
        .collect();
    let macb: Vec<(&str, String)> = passwd
        .iter()
        .map(|e| (field(e, "macb").unwrap(), rfc(e)))
        .collect();
    assert_eq!(
        macb,
        [
            ("...b", "2023-11-14T22:13:20.000000Z".to_string()),
            ("m.c.", "2024-10-27T03:33:20.000000Z".to_string()),
            (".a..", "2024-11-24T20:26:40.000000Z".to_string()),
        ]
    );
    assert_eq!(
        passwd[1].timestamp_desc,
        "Content Modification Time; Metadata Modification Time"
    );
    assert_eq!(passwd[0].timestamp_desc, "Creation Time");
    assert_eq!(passwd[0].file.path.as_deref(), Some("/etc/passwd"));
    assert_eq!(passwd[0].file.size, Some(2301));
    assert_eq!(passwd[0].file.hashes, None);
    assert_eq!(passwd[1].time_original, "1730000000");

    let shadow: Vec<&Event> = sink
        .events
        .iter()
        .filter(|e| e.provenance.location == Location::Line(2))
        .collect();
    assert_eq!(shadow.len(), 2);
    assert_eq!(field(shadow[1], "macb"), Some("mac."));

    let link = sink
        .events
        .iter()
        .find(|e| field(e, "inode") == Some("12"))
        .unwrap();
    assert_eq!(link.file.path.as_deref(), Some("/bin"));
    assert_eq!(field(link, "link_target"), Some("usr/bin"));
    assert_eq!(field(link, "macb"), Some("m.cb"));

    let weird = sink
        .events
        .iter()
        .find(|e| field(e, "inode") == Some("655399"))
        .unwrap();
    assert_eq!(weird.file.path.as_deref(), Some("/var/log/weird|name.log"));
    assert_eq!(field(weird, "macb"), Some("mac."));
    assert_eq!(weird.timestamp.micros(), 1_732_482_900_250_000);

    let empty = sink
        .events
        .iter()
        .find(|e| field(e, "inode") == Some("393217"))
        .unwrap();
    assert_eq!(
        empty.file.hashes.as_deref(),
        Some("d41d8cd98f00b204e9800998ecf8427e")
    );
    assert_eq!(field(empty, "macb"), Some("macb"));
    assert_eq!(
        empty.timestamp_desc,
        "Content Modification Time; Last Access Time; Metadata Modification Time; Creation Time"
    );
    assert!(sink.events.iter().all(|e| e.source == SourceKind::Bodyfile));
}

// ---------------------------------------------------------------- CSV / JSONL

#[test]
fn csv_with_semicolons_and_iso_times() {
    let sink = sniff_and_read(fixture("csv/events_semicolon.csv"), Format::Csv);
    assert_eq!(sink.records, 4);
    assert_eq!(rejected_lines(&sink), [6, 7]);
    assert!(
        sink.rejected[0].reason.contains("not-a-time"),
        "{:?}",
        sink.rejected
    );
    assert!(
        sink.rejected[1].reason.contains("7 cells"),
        "{:?}",
        sink.rejected
    );

    let logon = &sink.events[0];
    assert_eq!(logon.source, SourceKind::Csv);
    assert_eq!(rfc(logon), "2024-11-24T20:14:03.120000Z");
    assert_eq!(logon.tz_policy, TzPolicy::SourceZone);
    assert_eq!(logon.host.as_deref(), Some("ws-017"));
    assert_eq!(logon.user.name.as_deref(), Some("jdoe"));
    assert_eq!(logon.network.src_ip.as_deref(), Some("203.0.113.50"));
    assert_eq!(logon.message, "User jdoe logged on; type 10");
    assert_eq!(field(logon, "event"), Some("logon"));
    assert_eq!(
        field(&sink.events[1], "message"),
        Some(r#"cmd.exe /c "whoami /all""#)
    );

    let multi = &sink.events[2];
    assert_eq!(multi.provenance.location, Location::Line(4));
    assert_eq!(multi.message, "multi-line\nmessage continues here");
    assert_eq!(multi.tz_policy, TzPolicy::Assumed("UTC".into()));
    assert_eq!(multi.user.name, None);
    assert_eq!(sink.events[3].provenance.location, Location::Line(9));
}

#[test]
fn csv_time_column_guessed_from_values() {
    let sink = sniff_and_read(fixture("csv/export_guess.csv"), Format::Csv);
    assert_eq!(sink.events.len(), 2, "{:?}", sink.rejected);
    let first = &sink.events[0];
    assert_eq!(rfc(first), "2024-11-24T21:14:03.000000Z");
    assert_eq!(first.host.as_deref(), Some("WS-017"));
    assert!(first
        .message
        .starts_with("id=1 Computer=WS-017 Action=quarantine"));
    assert_eq!(rfc(&sink.events[1]), "2024-11-24T21:16:40.000000Z");
}

#[test]
fn csv_time_field_option() {
    let mut ctx = ReadContext::new("t");
    ctx.options.time_field = Some("seen".into());
    let csv = b"a,seen,ts\nx,2024-01-01T00:00:00Z,1\n".to_vec();
    let sink = read_bytes_with(Format::Csv, csv.clone(), &ctx);
    assert_eq!(rfc(&sink.events[0]), "2024-01-01T00:00:00.000000Z");
    ctx.options.time_field = Some("missing".into());
    let mut sink = VecSink::default();
    let err = read(Format::Csv, Box::new(Cursor::new(csv)), &ctx, &mut sink);
    assert!(err.is_err());
}

#[test]
fn jsonl_with_nested_objects() {
    let sink = sniff_and_read(fixture("csv/events.jsonl"), Format::Jsonl);
    assert_eq!(sink.records, 4);
    assert_eq!(rejected_lines(&sink), [4, 5, 6, 7]);
    let reasons: Vec<&str> = sink.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons[0], "not a JSON object");
    assert!(reasons[1].contains("yesterday"), "{reasons:?}");
    assert!(reasons[2].contains("no field holds"), "{reasons:?}");
    assert!(reasons[3].starts_with("invalid JSON"), "{reasons:?}");

    let logon = &sink.events[0];
    assert_eq!(logon.source, SourceKind::Jsonl);
    assert_eq!(field(logon, "host.name"), Some("ws-017"));
    assert_eq!(field(logon, "host.ip"), Some(r#"["10.0.0.5","fe80::1"]"#));
    assert_eq!(field(logon, "source.port"), Some("51514"));
    assert_eq!(logon.host.as_deref(), Some("ws-017"));
    assert_eq!(logon.user.name.as_deref(), Some("jdoe"));
    assert_eq!(logon.network.src_ip.as_deref(), Some("203.0.113.50"));
    assert_eq!(logon.event_id.as_deref(), Some("4624"));
    assert_eq!(logon.message, "An account was successfully logged on.");

    let ps = &sink.events[1];
    assert_eq!(rfc(ps), "2024-11-24T20:15:00.000000Z");
    assert_eq!(field(ps, "process.pid"), Some("4242"));
    assert_eq!(field(ps, "parent"), Some(""));
    assert!(ps
        .message
        .contains("process.command_line=powershell -enc SQBFAFgA"));

    let epoch = &sink.events[2];
    assert_eq!(rfc(epoch), "2024-11-24T21:16:40.123000Z");
    assert_eq!(epoch.network.dst_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(epoch.message, "conn open");

    let guessed = &sink.events[3];
    assert_eq!(guessed.provenance.location, Location::Line(8));
    assert_eq!(guessed.tz_policy, TzPolicy::Assumed("UTC".into()));
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshots_of_fixture_events() {
    let cases: [(&str, &str, Format, usize); 7] = [
        ("web", "web/apache_combined.log", Format::WebAccess, 4),
        ("iis", "iis/u_ex241124.log", Format::Iis, 5),
        ("w3c_proxy", "iis/proxy_w3c.log", Format::Iis, 1),
        ("squid", "squid/access.log", Format::Squid, 3),
        ("bodyfile", "bodyfile/fls_root.body", Format::Bodyfile, 3),
        ("csv", "csv/events_semicolon.csv", Format::Csv, 3),
        ("jsonl", "csv/events.jsonl", Format::Jsonl, 4),
    ];
    for (name, path, format, n) in cases {
        let sink = read_bytes(format, std::fs::read(fixture(path)).unwrap());
        let events = &sink.events[..n.min(sink.events.len())];
        insta::assert_json_snapshot!(name, (events, &sink.rejected));
    }
}

// ---------------------------------------------------------------- sniffing

#[test]
fn formats_are_not_confused() {
    let cases: [(&[u8], Option<Format>); 5] = [
        (
            b"#Fields: date time c-ip\n2024-01-01 00:00:00 1.2.3.4\n",
            Some(Format::Iis),
        ),
        (
            b"1732482843.123 5 10.0.0.5 TCP_MISS/200 5 GET http://a/ - HIER_DIRECT/1.2.3.4 -\n",
            Some(Format::Squid),
        ),
        (
            b"0|/a|1|r/rrw-r--r--|0|0|5|1|2|3|4\n",
            Some(Format::Bodyfile),
        ),
        (b"{\"a\":1}\n{\"b\":2}\n", Some(Format::Jsonl)),
        (b"name,value\nx,1\n", Some(Format::Csv)),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            sniff_bytes(bytes),
            want,
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn syslog_and_netscaler_are_not_claimed() {
    let others: [&[u8]; 4] = [
        b"Nov 24 21:14:03 web01 sshd[1234]: Accepted publickey for jdoe from 203.0.113.5 port 50022 ssh2\nNov 24 21:14:04 web01 sshd[1234]: pam_unix(sshd:session): session opened for user jdoe(uid=1000) by (uid=0)\n",
        b"<34>1 2024-11-24T21:14:03.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8\n",
        b"<local0.info> 198.51.100.2 11/24/2026:21:14:03 GMT ns01 0-PPE-0 : default SSLVPN LOGIN 4412 0 : Context jdoe@203.0.113.7 - SessionId: 5 - User jdoe - Client_ip 203.0.113.7 - Nat_ip \"Mapped Ip\" - Vserver 198.51.100.10:443 - Browser_type \"Mozilla\" - SSLVPN_client_type ICA - Group(s) \"VPN Users\"\n",
        b"2024-11-24T21:14:03.123456+01:00 web01 kernel: [ 1.234] usb 1-1: new device, product=X, vendor=Y\n",
    ];
    let mine = [
        Format::WebAccess,
        Format::Iis,
        Format::Squid,
        Format::Bodyfile,
        Format::Csv,
        Format::Jsonl,
    ];
    for bytes in others {
        let got = sniff_bytes(bytes);
        assert!(
            !got.is_some_and(|f| mine.contains(&f)),
            "{got:?} for {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn overlong_lines_are_rejected_not_buffered() {
    let mut ctx = ReadContext::new("t");
    ctx.options.max_line_bytes = 64;
    let mut log = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /".to_vec();
    log.extend(std::iter::repeat_n(b'a', 200));
    log.extend_from_slice(
        b" HTTP/1.0\" 200 1\n1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n",
    );
    let sink = read_bytes_with(Format::WebAccess, log, &ctx);
    assert_eq!(rejected_lines(&sink), [1]);
    assert_eq!(sink.records, 1);
}

// ---------------------------------------------------------------- robustness

const FORMATS: [Format; 6] = [
    Format::WebAccess,
    Format::Iis,
    Format::Squid,
    Format::Bodyfile,
    Format::Csv,
    Format::Jsonl,
];

/// Every record ends in exactly one of accept+record_done or reject.
fn check_invariants(sink: &VecSink) {
    assert!(sink.events.len() as u64 >= sink.records);
    for Rejected { location, reason } in &sink.rejected {
        assert_eq!(location.kind(), "line");
        assert!(!reason.is_empty());
    }
}

fn structured_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-zA-Z \\-:/\\[\\]\"\\\\.?=+]{0,120}",
        "[0-9 .|/a-z\\->]{0,80}",
        "[0-9a-zA-Z,;\t\"|:\\-T .\n]{0,120}",
        "[{}\\[\\]\":,0-9a-z.@ \\-]{0,120}",
        "#Fields: [a-z() \\-]{0,40}\n[0-9a-z :\\-\"]{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn readers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for f in FORMATS {
            let sink = read_bytes(f, bytes.clone());
            check_invariants(&sink);
        }
        let _ = sniff_bytes(&bytes);
    }

    #[test]
    fn readers_never_panic_on_near_miss_text(lines in proptest::collection::vec(structured_line(), 0..8)) {
        let text = lines.join("\n").into_bytes();
        for f in FORMATS {
            let sink = read_bytes(f, text.clone());
            check_invariants(&sink);
        }
        let _ = sniff_bytes(&text);
    }

    #[test]
    fn mutated_fixture_lines_never_panic(idx in 0usize..8, pos in 0usize..200, byte in any::<u8>()) {
        let samples: [(&str, Format); 8] = [
            ("web/apache_combined.log", Format::WebAccess),
            ("web/nginx_access.log", Format::WebAccess),
            ("iis/u_ex241124.log", Format::Iis),
            ("iis/proxy_w3c.log", Format::Iis),
            ("squid/access.log", Format::Squid),
            ("bodyfile/fls_root.body", Format::Bodyfile),
            ("csv/events_semicolon.csv", Format::Csv),
            ("csv/events.jsonl", Format::Jsonl),
        ];
        let (path, format) = samples[idx];
        let mut bytes = std::fs::read(fixture(path)).unwrap();
        let len = bytes.len();
        for k in 0..8 {
            let at = (pos * 7 + k * 131) % len;
            bytes[at] = byte.wrapping_add(k as u8);
        }
        check_invariants(&read_bytes(format, bytes));
    }
}
