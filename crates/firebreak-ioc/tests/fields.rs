//! The field mapping data file, and networks against a naive check.

use firebreak_event::{Event, Location, SourceKind, Timestamp};
use firebreak_ioc::{parse_plain, FieldClass, FieldMap, IocMatcher, MappingError, BUILTIN_FIELDS};
use std::net::Ipv4Addr;

#[test]
fn builtin_mapping_loads_and_classifies() {
    let mut fresh = FieldMap::default();
    assert_eq!(fresh.extend(BUILTIN_FIELDS), Ok(()));
    let map = FieldMap::builtin();
    let cases: &[(&str, &[FieldClass])] = &[
        ("Hashes", &[FieldClass::Hash]),
        ("sha256", &[FieldClass::Hash]),
        ("DestinationIp", &[FieldClass::Ip]),
        ("c-ip", &[FieldClass::Ip]),
        ("QueryName", &[FieldClass::Domain]),
        ("cs-host", &[FieldClass::Domain]),
        ("c-uri", &[FieldClass::Url]),
        ("TargetFilename", &[FieldClass::Path]),
        ("ImageLoaded", &[FieldClass::Path]),
        ("TargetUserName", &[FieldClass::User]),
        ("subjectusername", &[FieldClass::User]),
        ("CommandLine", &[FieldClass::CommandLine]),
        ("ParentCommandLine", &[FieldClass::CommandLine]),
        ("ObjectName", &[FieldClass::Path, FieldClass::Registry]),
        ("Computer", &[]),
        ("message", &[]),
        ("EventID", &[]),
    ];
    for (name, classes) in cases {
        assert_eq!(map.classes(name), *classes, "{name}");
    }
}

#[test]
fn mapping_extends_and_rejects_mistakes() {
    let mut map = FieldMap::builtin();
    assert_eq!(map.classes("beacon_target"), []);
    map.extend("classes:\n  domain:\n    names: [beacon_target]\n")
        .expect("extends");
    assert_eq!(map.classes("Beacon_Target"), [FieldClass::Domain]);
    let bad = [
        ("classes:\n  colour:\n    names: [x]\n", "unknown class"),
        (
            "classes:\n  ip:\n    normalised: [timestamp]\n",
            "not a normalised",
        ),
        ("classes: [1, 2]\n", "field mapping"),
    ];
    for (yaml, what) in bad {
        let err: MappingError = map.extend(yaml).expect_err(yaml);
        assert!(err.to_string().contains(what), "{yaml}: {err}");
    }
}

/// A small deterministic generator (xorshift), so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn networks_agree_with_a_naive_check() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Networks inside 10.0.0.0/16 so that they nest and events often land in them;
    // a network listed twice is two IOCs and hits twice.
    let nets: Vec<(u32, u8)> = (0..300)
        .map(|_| {
            let len = 16 + (rng.next() % 17) as u8;
            let addr = 0x0a00_0000 | (rng.next() as u32 & 0xffff);
            (
                addr & (u32::MAX.checked_shl(32 - len as u32).unwrap_or(0)),
                len,
            )
        })
        .collect();
    let list: String = nets
        .iter()
        .map(|(a, l)| format!("{}/{l}\n", Ipv4Addr::from(*a)))
        .collect();
    let (set, errors) = parse_plain("nets", list.as_bytes());
    assert!(errors.is_empty());
    let m = IocMatcher::new(&[set]);
    let ts = Timestamp::from_secs(0).expect("time");
    for _ in 0..2_000 {
        let ip = 0x0a00_0000 | (rng.next() as u32 & 0x1_ffff);
        let mut e = Event::new(ts, SourceKind::Jsonl, Location::Line(1));
        e.network.dst_ip = Some(Ipv4Addr::from(ip).to_string());
        let mut got: Vec<String> = m
            .matches_vec(&e)
            .iter()
            .map(|h| h.ioc.value.clone())
            .collect();
        let mut want: Vec<String> = nets
            .iter()
            .filter(|(a, l)| {
                let mask = u32::MAX.checked_shl(32 - *l as u32).unwrap_or(0);
                ip & mask == *a
            })
            .map(|(a, l)| match l {
                32 => Ipv4Addr::from(*a).to_string(),
                _ => format!("{}/{l}", Ipv4Addr::from(*a)),
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}", Ipv4Addr::from(ip));
    }
}
