//! Loading every SigmaHQ rule of rules/ and rules-emerging-threats/: print loaded/total
//! and every reason; the only rules allowed to fail are those needing a placeholder
//! value, and with placeholder values given, every rule loads.

mod common;

use firebreak_sigma::{LoadOptions, RuleError};
use std::collections::BTreeMap;

const DIRS: [&str; 2] = ["rules", "rules-emerging-threats"];

/// Rules of rules-emerging-threats/ that use `|expand` with `%known_cdcs%`.
const NEED_PLACEHOLDERS: usize = 2;

#[test]
fn every_rule_loads_or_says_why() {
    let sources = common::rule_sources(&DIRS);
    let (set, errors) = firebreak_sigma::RuleSet::load(&sources, &LoadOptions::default());
    let total = set.len() + errors.len();
    println!(
        "loaded {}/{} rule documents from {} files",
        set.len(),
        total,
        sources.len()
    );
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for e in &errors {
        println!("  unloaded: {e}");
        *by_reason
            .entry(format!("{:?}", std::mem::discriminant(e.reason.root())))
            .or_default() += 1;
    }
    println!("failures by kind: {by_reason:?}");
    let unmapped = set.rules().iter().filter(|r| !r.logsource_mapped()).count();
    println!("rules with an unmapped logsource (run on csv/jsonl only): {unmapped}");
    assert!(
        errors
            .iter()
            .all(|e| matches!(e.reason.root(), RuleError::Placeholder(_))),
        "only placeholder rules may fail"
    );
    assert!(
        errors.len() <= NEED_PLACEHOLDERS,
        "{} rules failed",
        errors.len()
    );
}

#[test]
fn with_placeholders_everything_loads() {
    let mut opts = LoadOptions::default();
    opts.placeholders
        .insert("known_cdcs".into(), vec!["DC01$".into(), "DC02$".into()]);
    let (set, errors) = common::load(&DIRS, &opts);
    println!("loaded {}/{}", set.len(), set.len() + errors.len());
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(set.len() >= 3500);
}
