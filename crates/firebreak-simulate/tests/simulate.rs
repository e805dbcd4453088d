//! End-to-end checks of the simulator's output.

use firebreak_event::{Location, Timestamp};
use firebreak_simulate::truth::{Evidence, Truth};
use firebreak_simulate::{simulate, SimConfig, SimSummary};
use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn run(dir: &Path, seed: u64, scale: u64) -> SimSummary {
    let cfg = SimConfig {
        seed,
        scale,
        ..SimConfig::default()
    };
    simulate(dir, &cfg).expect("simulate")
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn truth(dir: &Path) -> Truth {
    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap()
}

#[test]
fn same_seed_gives_identical_files_and_other_seeds_differ() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    run(a.path(), 7, 1);
    run(b.path(), 7, 1);
    run(c.path(), 8, 1);
    let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between two runs with the same seed"
        );
    }
    assert_ne!(fa["truth.json"], fc["truth.json"]);
    let same = fa.iter().filter(|(k, v)| fc.get(*k) == Some(v)).count();
    assert!(
        same < fa.len() / 2,
        "{same} of {} files identical across seeds",
        fa.len()
    );
}

/// The text of the record a location points at: an `<Event>` element or a line.
fn record(dir: &Path, ev: &Evidence) -> String {
    let text = std::fs::read_to_string(dir.join(&ev.file)).unwrap();
    match ev.location {
        Location::Line(n) => text
            .lines()
            .nth(n as usize - 1)
            .unwrap_or_else(|| panic!("{ev:?}: no such line"))
            .to_string(),
        Location::Record(n) => {
            let mut seen = 0;
            let mut from = 0;
            while let Some(i) = text[from..].find("<Event xmlns") {
                seen += 1;
                let start = from + i;
                let end = start + text[start..].find("</Event>").unwrap() + 8;
                if seen == n {
                    return text[start..end].to_string();
                }
                from = end;
            }
            panic!("{ev:?}: only {seen} events");
        }
        Location::Offset(_) => panic!("offsets are not used"),
    }
}

/// The times (UTC micros) a record carries, per its format.
fn record_times(file: &str, rec: &str) -> Vec<i64> {
    let parse = |s: &str| Timestamp::parse_rfc3339(s).unwrap().micros();
    if file.ends_with(".xml") {
        let s = rec.split("SystemTime='").nth(1).unwrap();
        vec![parse(&s[..s.find('\'').unwrap()])]
    } else if file.ends_with(".jsonl") {
        let v: serde_json::Value = serde_json::from_str(rec).unwrap();
        vec![parse(
            v["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"]
                .as_str()
                .unwrap(),
        )]
    } else if file.ends_with("ns.log") {
        let f: Vec<&str> = rec.split(' ').collect();
        let (d, t) = f[2].split_once(':').unwrap();
        let (m, rest) = d.split_once('/').unwrap();
        let (day, y) = rest.split_once('/').unwrap();
        vec![parse(&format!("{y}-{m}-{day}T{t}Z"))]
    } else if file.ends_with("access.log") {
        let (s, ms) = rec.split(' ').next().unwrap().split_once('.').unwrap();
        vec![s.parse::<i64>().unwrap() * 1_000_000 + ms.parse::<i64>().unwrap() * 1000]
    } else if file.ends_with("bodyfile.txt") {
        rec.rsplit('|')
            .take(4)
            .map(|s| s.parse::<i64>().unwrap() * 1_000_000)
            .collect()
    } else {
        panic!("unexpected evidence file {file}")
    }
}

fn escaped_forms(s: &str) -> [String; 3] {
    let xml = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;");
    [
        s.to_string(),
        s.replace('\\', "\\\\").replace('"', "\\\""),
        xml,
    ]
}

#[test]
fn truth_locations_point_at_the_described_records() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run(dir.path(), 3, 1);
    let t = truth(dir.path());
    assert_eq!(summary.attack_events, t.events.len());
    assert!(t.events.len() > 60);
    for e in &t.events {
        let ev = Evidence {
            file: e.file.clone(),
            location: e.location,
        };
        let rec = record(dir.path(), &ev);
        let want = Timestamp::parse_rfc3339(&e.time).unwrap().micros();
        assert!(
            record_times(&e.file, &rec).contains(&want),
            "{e:?}: time not in {rec}"
        );
        assert!(
            e.file.starts_with(&format!("{}/", e.host)),
            "{e:?}: file not of host"
        );
        if e.file.ends_with(".xml") || e.file.ends_with(".jsonl") {
            assert!(
                rec.contains(&format!("{}.corp.local", e.host)),
                "{e:?}: computer"
            );
        }
        // The command line or path a description quotes is in the record.
        if let Some(key) = e
            .description
            .split_once(": ")
            .map(|(_, k)| k.split(" (S").next().unwrap())
        {
            if key.contains('\\') && !e.file.ends_with("bodyfile.txt") {
                assert!(
                    escaped_forms(key).iter().any(|k| rec.contains(k.as_str())),
                    "{e:?}: {key} not in {rec}"
                );
            }
        }
    }
    let ia = record(dir.path(), &t.initial_access.evidence);
    assert!(ia.contains("SSLVPN LOGIN") && ia.contains(&t.initial_access.src_ip));
    for edge in &t.lateral_movement {
        let rec = record(dir.path(), &edge.evidence);
        assert!(
            rec.contains("'LogonType'>10<") || rec.contains("'LogonType'>3<"),
            "{rec}"
        );
        assert!(rec.contains(edge.user.split('\\').nth(1).unwrap()));
    }
    assert_eq!(t.lateral_movement.len(), 3);
    assert!(record(dir.path(), &t.impact.first_evidence).contains(".lockx"));
    assert!(record(dir.path(), &t.impact.last_evidence).contains(".lockx"));
    assert!(t.impact.files_encrypted > 1000);
    let decoy = record(dir.path(), &t.decoy.evidence);
    assert!(
        decoy.contains("CONNECT") && decoy.contains("svc_backup"),
        "{decoy}"
    );
    assert!(!t.exfiltration);
    let pz = &t.patient_zero;
    assert!(t
        .events
        .iter()
        .any(|e| &e.host == pz && e.technique == "T1003.001"));
    let phases: std::collections::BTreeSet<&str> =
        t.events.iter().map(|e| e.phase.as_str()).collect();
    for p in [
        "initial_access",
        "execution",
        "discovery",
        "credential_access",
        "lateral_movement",
        "defense_evasion",
        "impact",
    ] {
        assert!(phases.contains(p), "no {p} event");
    }
    let leaks = std::fs::read_to_string(dir.path().join("leaks/combolist.txt")).unwrap();
    let victim = t.initial_access.user.split('\\').nth(1).unwrap();
    assert!(leaks.lines().any(|l| l.starts_with(&format!("{victim}@"))));
    assert!(record(dir.path(), &t.leaked_credentials).starts_with(&format!("{victim}@")));
}

#[test]
fn background_grows_roughly_linearly_with_scale() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = run(a.path(), 5, 1).total_records as f64;
    let four = run(b.path(), 5, 4).total_records as f64;
    assert!((20_000.0..50_000.0).contains(&one), "scale 1: {one}");
    let ratio = four / one;
    assert!((3.0..4.6).contains(&ratio), "scale 4 / scale 1 = {ratio}");
}

#[test]
fn xml_is_well_formed_json_lines_parse_and_files_are_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 11, 1);
    for (name, bytes) in files(dir.path()) {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{name}: not UTF-8"));
        let times: Vec<i64> = if name.ends_with(".xml") {
            let mut r = Reader::from_str(&text);
            let mut depth0 = 0;
            loop {
                match r.read_event().unwrap_or_else(|e| panic!("{name}: {e}")) {
                    XmlEvent::Start(s) if s.name().as_ref() == b"Events" => depth0 += 1,
                    XmlEvent::Eof => break,
                    _ => {}
                }
            }
            assert_eq!(depth0, 1, "{name}: one <Events> root");
            text.lines()
                .filter(|l| l.starts_with("<Event "))
                .flat_map(|l| record_times(&name, l))
                .collect()
        } else if name.ends_with(".jsonl") {
            text.lines().flat_map(|l| record_times(&name, l)).collect()
        } else if name.ends_with("ns.log") || name.ends_with("access.log") {
            text.lines().flat_map(|l| record_times(&name, l)).collect()
        } else {
            Vec::new()
        };
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{name}: not in time order"
        );
    }
}

#[test]
fn output_stays_inside_the_output_directory() {
    let parent = tempfile::tempdir().unwrap();
    let out: PathBuf = parent.path().join("case").join("evidence");
    run(&out, 2, 1);
    let all = files(parent.path());
    assert!(
        all.keys().all(|k| k.starts_with("case/evidence/")),
        "{:?}",
        all.keys().find(|k| !k.starts_with("case/evidence/"))
    );
    let t = truth(&out);
    for e in &t.events {
        assert!(
            !e.file.contains("..") && !e.file.starts_with('/'),
            "{}",
            e.file
        );
        assert!(all.contains_key(&format!("case/evidence/{}", e.file)));
    }
}

#[test]
fn bad_configuration_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        scale: 0,
        ..SimConfig::default()
    };
    assert!(simulate(dir.path(), &cfg).is_err());
}
