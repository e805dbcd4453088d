//! Each format parsed from real-format fixtures: what comes out, and every error with
//! its location.

use firebreak_ioc::{
    parse_auto, parse_csv, parse_misp, parse_plain, parse_stix, sniff, Format, IocError, IocSet,
    IocType, Position, Reason,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One line per IOC (type, value, where, metadata as JSON) and per error.
fn render(set: &IocSet, errors: &[IocError]) -> String {
    let mut out = format!(
        "format: {:?}, {} IOCs, {} errors\n",
        set.format,
        set.len(),
        errors.len()
    );
    for (kind, n) in set.counts() {
        out.push_str(&format!("  {kind}: {n}\n"));
    }
    for ioc in &set.iocs {
        let meta = serde_json::to_string(&ioc.meta).unwrap_or_default();
        out.push_str(&format!(
            "{} {} @ {} {meta}\n",
            ioc.kind, ioc.value, ioc.position
        ));
    }
    for e in errors {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}

fn count(set: &IocSet, kind: IocType) -> usize {
    set.iocs.iter().filter(|i| i.kind == kind).count()
}

#[test]
fn plain_list() {
    let (set, errors) = parse_plain("plain.txt", &fixture("plain.txt"));
    insta::assert_snapshot!(render(&set, &errors));
    assert_eq!(set.len(), 15);
    let lines: Vec<_> = errors.iter().map(|e| e.position.clone()).collect();
    assert_eq!(
        lines,
        [24, 25, 26].map(|line| Position::Line { line }),
        "each bad line is reported at its line, the rest is read"
    );
    assert!(errors.iter().all(|e| e.origin == "plain.txt"));
}

#[test]
fn csv_with_header() {
    let (set, errors) = parse_csv("indicators.csv", &fixture("indicators.csv"));
    insta::assert_snapshot!(render(&set, &errors));
    assert_eq!(set.len(), 9);
    let lines: Vec<_> = errors.iter().map(|e| e.position.clone()).collect();
    assert_eq!(lines, [12, 13, 14].map(|line| Position::Line { line }));
    assert!(matches!(errors[0].reason, Reason::InvalidValue { .. }));
    assert!(matches!(errors[1].reason, Reason::Skipped { .. }));
    assert_eq!(errors[2].reason, Reason::Empty);
}

/// Vendor headers: (header + rows, expected (type, value) pairs, errors).
type CsvCase = (&'static str, &'static [(IocType, &'static str)], usize);

#[test]
fn csv_vendor_headers() {
    let cases: &[CsvCase] = &[
        (
            "ioc_type,ioc_value\nip:port,192.0.2.5:443\ndomain,Bad.Example.\nsha1_hash,ca118f05d354d16d50ffe2f421abce38d8bacffc\n",
            &[(IocType::Ipv4, "192.0.2.5"), (IocType::Domain, "bad.example")],
            1,
        ),
        (
            "Indicator type,Indicator,Description\nFileHash-SHA256,D47712CCEB4C780603026E6325221C1BCFF90679EBC076BAA51C71EBE796717C,x\nIPv4,198.51.100.8,y\nhostname,c2.example.net,z\n",
            &[
                (IocType::Sha256, "d47712cceb4c780603026e6325221c1bcff90679ebc076baa51c71ebe796717c"),
                (IocType::Ipv4, "198.51.100.8"),
                (IocType::Domain, "c2.example.net"),
            ],
            0,
        ),
        (
            "value\n198.51.100.9\nhttp://Example.NET:80/a/\n",
            &[(IocType::Ipv4, "198.51.100.9"), (IocType::Url, "http://example.net/a")],
            0,
        ),
        (
            "uuid;event_id;category;type;value;comment;to_ids\n1;2;Payload delivery;filename|md5;a.exe|7ae571e6d05cef91ef380212b3d2c7a8;x;1\n",
            &[(IocType::Md5, "7ae571e6d05cef91ef380212b3d2c7a8")],
            0,
        ),
    ];
    for (text, expected, n_errors) in cases {
        let (set, errors) = parse_csv("vendor.csv", text.as_bytes());
        let got: Vec<(IocType, &str)> = set
            .iocs
            .iter()
            .map(|i| (i.kind, i.value.as_str()))
            .collect();
        assert_eq!(&got, expected, "{text}");
        assert_eq!(errors.len(), *n_errors, "{text}: {errors:?}");
    }
}

#[test]
fn csv_without_value_column_is_one_error() {
    let (set, errors) = parse_csv("x.csv", b"name,colour\na,b\n");
    assert!(set.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].position, Position::Line { line: 1 });
    assert!(matches!(errors[0].reason, Reason::NoValueColumn(_)));
}

#[test]
fn stix_bundle() {
    let (set, errors) = parse_stix("bundle.json", &fixture("stix_bundle.json"));
    insta::assert_snapshot!(render(&set, &errors));
    assert_eq!(
        count(&set, IocType::Cidr),
        1,
        "only 192.0.2.0/25 is a real network"
    );
    assert_eq!(count(&set, IocType::Ipv4), 3);
    assert_eq!(count(&set, IocType::Ipv6), 1);
    // Every unsupported part names its indicator.
    let named = |id: &str| {
        errors
            .iter()
            .any(|e| matches!(&e.position, Position::Object { id: Some(i), .. } if i == id))
    };
    for id in [
        "indicator--5c2d1f0b-0c4e-4a2b-9f1e-6a7b8c9d0e1f",
        "indicator--e8094b09-7df4-4b13-b207-1e27af3c4bde",
        "indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "indicator--3b7a0e1c-2f4d-4e5a-9b6c-7d8e9f0a1b2c",
        "indicator--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "indicator--11111111-2222-4333-8444-555555555555",
        "indicator--22222222-3333-4444-8555-666666666666",
        "indicator--33333333-4444-4555-8666-777777777777",
    ] {
        assert!(named(id), "{id} is reported");
    }
    // The OR-ed sibling of an unsupported MATCHES is still read.
    assert!(set.iocs.iter().any(|i| i.value == "evil-updates.example"));
    let ivy = set
        .iocs
        .iter()
        .find(|i| i.kind == IocType::Sha256)
        .expect("poison ivy");
    assert_eq!(ivy.meta.created_by.as_deref(), Some("ACME CTI Team"));
    assert_eq!(
        ivy.meta.kill_chain,
        ["mandiant-attack-lifecycle-model:establish-foothold"]
    );
}

#[test]
fn stix_patterns() {
    // (pattern, IOCs, unsupported parts)
    let cases: &[(&str, &[&str], usize)] = &[
        ("[domain-name:value = 'a.example']", &["a.example"], 0),
        ("[domain-name:value IN ('a.example', 'b.example')]", &["a.example", "b.example"], 0),
        ("([ipv4-addr:value = '192.0.2.1'] OR [ipv4-addr:value = '192.0.2.2']) OR [url:value = 'https://x.example/']", &["192.0.2.1", "192.0.2.2", "https://x.example"], 0),
        ("[file:name = 'it''s.exe']", &[], 1),
        ("[file:name = 'it\\'s.exe']", &["it's.exe"], 0),
        ("[domain-name:value != 'a.example']", &[], 1),
        ("[NOT domain-name:value = 'a.example']", &[], 1),
        ("[domain-name:value NOT = 'a.example']", &[], 1),
        ("[email-message:to_refs[*].value = 'x@example.com']", &[], 1),
        ("[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']", &[], 1),
        ("[ipv4-addr:value = '192.0.2.1'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", &[], 1),
        ("[process:command_line LIKE '%-enc%'] OR [process:command_line LIKE 'a%b']", &["-enc"], 1),
        ("[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo']", &["HKEY_LOCAL_MACHINE\\System\\Foo"], 0),
    ];
    for (pattern, iocs, unsupported) in cases {
        let doc = serde_json::json!({"type": "bundle", "id": "bundle--1", "objects": [
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "pattern": pattern, "pattern_type": "stix"}
        ]});
        let (set, errors) = parse_stix("p", doc.to_string().as_bytes());
        let got: Vec<&str> = set.iocs.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(&got, iocs, "{pattern}");
        assert_eq!(errors.len(), *unsupported, "{pattern}: {errors:?}");
    }
}

#[test]
fn misp_event() {
    let (set, errors) = parse_misp("event.json", &fixture("misp_event.json"));
    insta::assert_snapshot!(render(&set, &errors));
    // text ×2, uri, mutex, btc, deleted, ssdeep: counted per type, plus the bad sha1.
    let skipped: Vec<(String, usize)> = errors
        .iter()
        .filter_map(|e| match &e.reason {
            Reason::Skipped {
                type_name, count, ..
            } => Some((type_name.clone(), *count)),
            _ => None,
        })
        .collect();
    let expect = [
        ("uri", 1),
        ("text", 2),
        ("mutex", 1),
        ("btc", 1),
        ("domain", 1),
        ("ssdeep", 1),
    ];
    assert_eq!(skipped, expect.map(|(t, n)| (t.to_string(), n)));
    let bad = errors
        .iter()
        .find(|e| matches!(e.reason, Reason::InvalidValue { .. }))
        .expect("bad sha1");
    assert_eq!(
        bad.position,
        Position::Object {
            path: "Event.Attribute[9]".into(),
            id: Some("6a1b2c3d-0010-4a6b-9c1a-000000000010".into())
        }
    );
    let ip = set
        .iocs
        .iter()
        .find(|i| i.value == "203.0.113.10")
        .expect("ip-dst");
    assert_eq!(ip.meta.to_ids, Some(true));
    assert_eq!(ip.meta.category.as_deref(), Some("Network activity"));
    assert_eq!(
        ip.meta.event_info.as_deref(),
        Some("Operation Firebreak: phishing leading to Cobalt Strike")
    );
    assert_eq!(ip.meta.created_by.as_deref(), Some("CIRCL"));
    assert!(ip.meta.labels.iter().any(|l| l == "tlp:amber"));
}

#[test]
fn misp_response_array_and_attribute_search() {
    let response = br#"{"response": [
        {"Event": {"info": "one", "Attribute": [{"type": "domain", "value": "one.example", "to_ids": "1"}]}},
        {"Event": {"info": "two", "Attribute": [{"type": "ip-dst", "value": "192.0.2.2", "to_ids": "0"}, {"type": "sha256", "value": "xyz"}]}}
    ]}"#;
    let (set, errors) = parse_misp("resp.json", response);
    assert_eq!(set.len(), 2);
    assert_eq!(set.iocs[1].meta.to_ids, Some(false));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].position.to_string(),
        "response[1].Event.Attribute[1]"
    );
    let search =
        br#"{"response": {"Attribute": [{"type": "url", "value": "http://a.example/x"}]}}"#;
    assert_eq!(parse_misp("s.json", search).0.len(), 1);
}

#[test]
fn broken_json_is_one_document_error() {
    for parse in [parse_stix, parse_misp, parse_auto] {
        let (set, errors) = parse("broken.json", br#"{"type": "bundle", "objects": [ {"#);
        assert!(set.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].position, Position::Document);
        assert!(matches!(errors[0].reason, Reason::Json(_)));
    }
}

#[test]
fn auto_sniffs_each_format() {
    let cases = [
        ("plain.txt", Format::Plain),
        ("indicators.csv", Format::Csv),
        ("stix_bundle.json", Format::Stix),
        ("misp_event.json", Format::Misp),
    ];
    for (name, format) in cases {
        let bytes = fixture(name);
        assert_eq!(sniff(&bytes), Some(format), "{name}");
        let (set, errors) = parse_auto(name, &bytes);
        assert_eq!(set.format, format);
        let direct = match format {
            Format::Plain => parse_plain(name, &bytes),
            Format::Csv => parse_csv(name, &bytes),
            Format::Stix => parse_stix(name, &bytes),
            Format::Misp => parse_misp(name, &bytes),
        };
        assert_eq!((set, errors), direct, "{name}");
    }
    assert_eq!(sniff(b"# feed\nIOC\n192.0.2.1\n"), Some(Format::Csv));
    assert_eq!(sniff(b"192.0.2.1,198.51.100.1\n"), Some(Format::Plain));
    assert_eq!(sniff(br#"{"hello": 1}"#), None);
    let (_, errors) = parse_auto("x.json", br#"{"hello": 1}"#);
    assert_eq!(errors[0].reason, Reason::UnknownFormat);
}

#[test]
fn plain_inference() {
    let cases = [
        (
            "7AE571E6D05CEF91EF380212B3D2C7A8",
            IocType::Md5,
            "7ae571e6d05cef91ef380212b3d2c7a8",
        ),
        (
            "a88c3a9ea09ff127bfa8ac24575f58c0a420c464",
            IocType::Sha1,
            "a88c3a9ea09ff127bfa8ac24575f58c0a420c464",
        ),
        ("::ffff:192.0.2.1", IocType::Ipv4, "192.0.2.1"),
        ("2001:DB8::1", IocType::Ipv6, "2001:db8::1"),
        ("10.1.2.3/8", IocType::Cidr, "10.0.0.0/8"),
        (
            "hxxp://bad[.]example/x/",
            IocType::Url,
            "http://bad.example/x",
        ),
        (
            "HTTPS://Bad.Example:443/Path#frag",
            IocType::Url,
            "https://bad.example/Path",
        ),
        ("Sub.Bad.Example.", IocType::Domain, "sub.bad.example"),
        ("*.bad.example", IocType::Domain, "bad.example"),
        ("a[@]bad[.]example", IocType::Email, "a@bad.example"),
        ("invoice.pdf.exe", IocType::FileName, "invoice.pdf.exe"),
        ("payload.7z", IocType::FileName, "payload.7z"),
        ("/tmp/.x/kworker", IocType::FilePath, "/tmp/.x/kworker"),
        (
            "%APPDATA%\\evil\\run.bat",
            IocType::FilePath,
            "%APPDATA%\\evil\\run.bat",
        ),
        ("CORP\\adm_x", IocType::User, "CORP\\adm_x"),
        ("Temp\\evil.exe", IocType::FilePath, "Temp\\evil.exe"),
        (
            "HKCU\\Software\\Evil",
            IocType::RegistryKey,
            "HKCU\\Software\\Evil",
        ),
    ];
    for (input, kind, value) in cases {
        let (set, errors) = parse_plain("t", input.as_bytes());
        assert_eq!(errors, [], "{input}");
        assert_eq!(
            (set.iocs[0].kind, set.iocs[0].value.as_str()),
            (kind, value),
            "{input}"
        );
    }
    for bad in [
        "mimikatz",
        "two words.exe",
        "300.1.1.1",
        "2001:db8::/129",
        "4034a346ccee",
    ] {
        let (set, errors) = parse_plain("t", bad.as_bytes());
        assert!(set.is_empty() && errors.len() == 1, "{bad}: {set:?}");
    }
}

#[test]
fn plain_tolerates_crlf_bom_and_bad_utf8() {
    let mut bytes = b"\xef\xbb\xbf192.0.2.1\r\n".to_vec();
    bytes.extend_from_slice(b"bad\xff.example\r\nok.example\r\n");
    let (set, errors) = parse_plain("t", &bytes);
    let values: Vec<&str> = set.iocs.iter().map(|i| i.value.as_str()).collect();
    assert_eq!(values, ["192.0.2.1", "ok.example"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].position.clone(), errors[0].reason.clone()),
        (Position::Line { line: 2 }, Reason::NotUtf8)
    );
}
