//! Over every event of the shared EVTX-ATTACK-SAMPLES: the compiled engine and the
//! reference evaluator agree for every rule (differential test), and what fires is kept
//! as a reviewed snapshot.

mod common;

use firebreak_sigma::{LoadOptions, RuleSet};
use std::path::Path;

const DIRS: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

fn rules() -> RuleSet {
    let mut opts = LoadOptions::default();
    opts.placeholders
        .insert("known_cdcs".into(), vec!["DC01$".into()]);
    let (set, errors) = common::load(&DIRS, &opts);
    assert!(errors.is_empty(), "{errors:#?}");
    set
}

fn ids(v: &[&firebreak_sigma::Rule]) -> Vec<String> {
    v.iter()
        .map(|r| format!("{} {}", r.id().unwrap_or("-"), r.title()))
        .collect()
}

#[test]
fn compiled_engine_agrees_with_reference_on_every_event() {
    let set = rules();
    let root = common::shared("evtx-attack-samples");
    let (mut events, mut hits) = (0usize, 0usize);
    // One scratch for the whole run, as a hunting thread has: what it remembers of
    // earlier events must not change what later ones match.
    let mut scratch = firebreak_sigma::Scratch::default();
    for path in common::evtx_files(&root) {
        for ev in common::read_evtx(&path) {
            let compiled = ids(&set.matches(&ev));
            let reference = ids(&set.matches_reference(&ev));
            let mut shared = Vec::new();
            set.matches_with(&mut scratch, &ev, |r| shared.push(r));
            let at = format!("{} {}", path.display(), ev.provenance.location);
            assert_eq!(compiled, reference, "{at}: compiled vs reference");
            assert_eq!(ids(&shared), reference, "{at}: shared scratch vs reference");
            events += 1;
            hits += compiled.len();
        }
    }
    println!(
        "{} rules x {events} events: identical ({hits} detections)",
        set.len()
    );
    assert!(events > 5_000);
}

#[test]
fn detections_on_attack_samples_snapshot() {
    let set = rules();
    let root = common::shared("evtx-attack-samples");
    let mut lines = Vec::new();
    let mut scratch = firebreak_sigma::Scratch::default();
    for path in common::evtx_files(&root) {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(Path::new("?"))
            .display()
            .to_string();
        for ev in common::read_evtx(&path) {
            set.matches_with(&mut scratch, &ev, |r| {
                lines.push(format!(
                    "{} | {} | {} | {}",
                    r.id().unwrap_or("-"),
                    r.title(),
                    rel,
                    ev.provenance.location
                ));
            });
        }
    }
    lines.sort();
    insta::assert_snapshot!("attack_samples_detections", lines.join("\n"));
}
