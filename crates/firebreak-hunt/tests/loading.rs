//! Rules loaded beside reading the evidence find exactly what rules loaded first find,
//! and a loader that fails leaves a hunt without rules, not a hunt that never ends.

use firebreak_hunt::{hunt_paths, hunt_paths_loading, HuntOptions};
use firebreak_ingest::{IngestOptions, SilentProgress};
use firebreak_sigma::{LoadOptions, RuleSet};
use firebreak_simulate::SimConfig;

fn bundled() -> RuleSet {
    let (rules, errors) = RuleSet::load(&firebreak_rules::bundled(), &LoadOptions::default());
    assert!(errors.is_empty(), "{errors:#?}");
    rules
}

fn keys(o: &firebreak_hunt::HuntOutcome) -> Vec<String> {
    let mut k: Vec<String> = o
        .detections
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    k.sort();
    k
}

#[test]
fn rules_loaded_while_reading_find_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        seed: 5,
        scale: 1,
        background_days: 1,
        ..SimConfig::default()
    };
    firebreak_simulate::simulate(dir.path(), &cfg).unwrap();
    let paths = [dir.path().to_path_buf()];
    let (read, opts) = (IngestOptions::default(), HuntOptions::default());

    let first = bundled();
    let ready = hunt_paths(&paths, &read, &first, &opts, &SilentProgress);
    let (later, rules) = hunt_paths_loading(&paths, &read, bundled, &opts, &SilentProgress);
    assert_eq!(rules.len(), first.len());
    assert!(ready.detections.len() > 20, "{}", ready.detections.len());
    assert_eq!(later.events, ready.events);
    assert_eq!(keys(&later), keys(&ready));

    let (none, rules) = hunt_paths_loading(
        &paths,
        &read,
        || panic!("rule loading failed"),
        &opts,
        &SilentProgress,
    );
    assert_eq!(rules.len(), 0);
    assert_eq!(none.events, ready.events, "the evidence is still read");
    assert!(none.detections.is_empty());
}
