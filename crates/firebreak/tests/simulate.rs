//! The simulator's output ingests cleanly and its truth resolves to stored events.

mod common;

use common::*;
use firebreak_case::Case;
use firebreak_event::{Location, Timestamp};
use firebreak_simulate::truth::Truth;
use std::path::Path;

fn resolve(case: &Case, file: &str, location: Location) -> Vec<firebreak_case::StoredEvent> {
    case.find_by_location(&format!("/{file}"), location)
        .unwrap()
}

fn host_matches(stored: Option<&str>, want: &str) -> bool {
    stored.is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        let w = want.to_ascii_lowercase();
        h == w || h.starts_with(&format!("{w}."))
    })
}

#[test]
fn simulated_intrusion_ingests_cleanly_and_truth_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let out = run_ok(&["simulate", sim.to_str().unwrap(), "--seed", "3"]);
    assert!(out.contains("patient zero"), "{out}");
    let case_dir = dir.path().join("case");
    let summary = ingest(&case_dir, &[&sim]);
    let st = status(&case_dir);
    assert_eq!(st["rejected_total"], 0, "{summary}");
    assert!(st["problems"].as_array().unwrap().is_empty(), "{summary}");
    for e in st["evidence"].as_array().unwrap() {
        let path = e["display_path"].as_str().unwrap();
        let label_or_leak = path.ends_with("truth.json") || path.ends_with("combolist.txt");
        assert!(label_or_leak || e["state"] == "complete", "{path}: {e}");
    }
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(sim.join("truth.json")).unwrap()).unwrap();
    let case = Case::open_read(&case_dir).unwrap();
    assert!(truth.events.len() > 50);
    for t in &truth.events {
        let found = resolve(&case, &t.file, t.location);
        assert_eq!(
            found.len(),
            1,
            "{} {:?}: {}",
            t.file,
            t.location,
            t.description
        );
        let ev = &found[0].event;
        let want = Timestamp::parse_rfc3339(&t.time).unwrap();
        assert_eq!(ev.timestamp, want, "{}", t.description);
        // A bodyfile names no host: the file-system timeline is the host's by folder only.
        let hostless = ev.source == firebreak_event::SourceKind::Bodyfile && ev.host.is_none();
        assert!(
            hostless || host_matches(ev.host.as_deref(), &t.host),
            "{:?} vs {}",
            ev.host,
            t.host
        );
    }
    // initial access, lateral movement and impact evidence resolve too
    let ia = resolve(
        &case,
        &truth.initial_access.evidence.file,
        truth.initial_access.evidence.location,
    );
    assert_eq!(
        ia[0].event.network.src_ip.as_deref(),
        Some(truth.initial_access.src_ip.as_str())
    );
    for edge in &truth.lateral_movement {
        let e = resolve(&case, &edge.evidence.file, edge.evidence.location);
        assert!(
            host_matches(e[0].event.host.as_deref(), &edge.to),
            "{edge:?}"
        );
    }
    let decoy = resolve(
        &case,
        &truth.decoy.evidence.file,
        truth.decoy.evidence.location,
    );
    assert!(
        decoy[0].event.network.bytes_in.unwrap_or(0)
            + decoy[0].event.network.bytes_out.unwrap_or(0)
            > 1 << 30
    );
    assert!(!truth.exfiltration);
    assert!(Path::new(&sim).join("ns01/ns.log").exists());
}

/// examples/ holds what the simulator writes today (seed 1, three days of background),
/// and the leak list beside the archive is the one inside it.
#[test]
fn example_case_matches_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    simulate(&sim, 1, 3);
    let leaks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/leaked-credentials.txt");
    assert!(
        std::fs::read(&leaks).unwrap() == std::fs::read(sim.join("leaks/combolist.txt")).unwrap(),
        "examples/leaked-credentials.txt is stale: regenerate it (examples/README.md)"
    );
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ransomware-intrusion.tar.gz");
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&example).unwrap());
    let mut archive = tar::Archive::new(gz);
    let mut seen = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().unwrap().to_path_buf();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        let fresh = std::fs::read(sim.join(&name)).unwrap_or_default();
        assert!(
            fresh == bytes,
            "examples/ is stale at {}: regenerate it (examples/README.md)",
            name.display()
        );
        seen += 1;
    }
    assert_eq!(seen, files_under(&sim).len());
}
