//! Every bundled file loads with the built-in mapping, and every rule carries the
//! metadata the pack promises.

mod common;

use firebreak_sigma::{CorrelationType, Meta};
use std::collections::{BTreeMap, HashSet};

const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource_development",
    "initial_access",
    "execution",
    "persistence",
    "privilege_escalation",
    "defense_evasion",
    "credential_access",
    "discovery",
    "lateral_movement",
    "collection",
    "command_and_control",
    "exfiltration",
    "impact",
];

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && s == s.to_ascii_lowercase()
}

/// The metadata every rule and correlation of the pack must have; returns its id.
fn check_meta<'m>(m: &'m Meta, origin: &str, folder: &str) -> &'m str {
    let label = format!("{origin}: {}", m.title);
    let id = m.id.as_deref().unwrap_or_else(|| panic!("{label}: no id"));
    assert!(is_uuid(id), "{label}: id {id} is not a UUID");
    assert!(!m.title.trim().is_empty(), "{origin}: empty title");
    assert!(m.level.is_some(), "{label}: no level");
    assert!(
        matches!(
            m.status.as_deref(),
            Some("test" | "experimental" | "stable")
        ),
        "{label}: status {:?}",
        m.status
    );
    assert_eq!(m.author.as_deref(), Some("Firebreak project"), "{label}");
    assert!(
        m.date.as_deref().is_some_and(|d| d.len() == 10),
        "{label}: date"
    );
    assert!(
        m.description.as_deref().is_some_and(|d| d.len() > 40),
        "{label}: description"
    );
    assert!(!m.falsepositives.is_empty(), "{label}: falsepositives");
    assert!(
        !m.attack_techniques().is_empty(),
        "{label}: no attack.tNNNN tag"
    );
    let tactics: Vec<&str> = m
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .filter(|t| TACTICS.contains(t))
        .collect();
    assert!(
        tactics.contains(&folder),
        "{label}: in folder {folder} but tactics {tactics:?}"
    );
    for t in &m.tags {
        assert!(t.starts_with("attack."), "{label}: tag {t}");
    }
    id
}

#[test]
fn every_bundled_file_loads_without_errors() {
    let bundled = firebreak_rules::bundled();
    assert!(bundled.len() >= 50, "{} files", bundled.len());
    for (origin, _) in &bundled {
        let rel = origin.strip_prefix("firebreak:").expect("prefix");
        let (folder, name) = rel.split_once('/').expect("rules/<tactic>/<name>.yml");
        assert!(TACTICS.contains(&folder), "{origin}: folder {folder}");
        assert!(
            name.ends_with(".yml") && !name.contains('/'),
            "{origin}: one folder level"
        );
    }
    let set = common::pack();
    assert!(set.len() >= 60, "{} rules", set.len());
    assert!(set.correlations().len() >= 6);
    assert!(set.filters().is_empty());
}

#[test]
fn every_rule_has_metadata_and_a_unique_id() {
    let set = common::pack();
    let mut ids = HashSet::new();
    for r in set.rules() {
        let folder = common::file_of(r).split('/').next().unwrap_or_default();
        let id = check_meta(r.meta(), r.origin(), folder);
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(
            r.logsource_mapped(),
            "{}: logsource {:?} has no entry in the mapping",
            r.origin(),
            r.logsource()
        );
    }
    for c in set.correlations() {
        let folder = c
            .origin
            .strip_prefix("firebreak:")
            .and_then(|o| o.split('/').next())
            .unwrap_or_default();
        let id = check_meta(&c.meta, &c.origin, folder);
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
    }
}

#[test]
fn correlations_refer_to_rules_of_the_pack() {
    let set = common::pack();
    let names: BTreeMap<&str, &str> = set
        .rules()
        .iter()
        .filter_map(|r| Some((r.meta().name.as_deref()?, r.origin())))
        .collect();
    let mut kinds = HashSet::new();
    for c in set.correlations() {
        kinds.insert(format!("{:?}", c.kind));
        assert!(c.timespan > 0 && c.timespan <= 3600, "{}", c.meta.title);
        for n in &c.rules {
            assert!(
                names.contains_key(n.as_str()),
                "{}: unknown rule {n}",
                c.meta.title
            );
        }
        for a in &c.aliases {
            for (rule, _) in &a.fields {
                assert!(c.rules.contains(rule), "{}: alias for {rule}", c.meta.title);
            }
        }
        if c.kind == CorrelationType::ValueCount {
            let cond = c.condition.as_ref().expect("value_count has a condition");
            assert!(!cond.field.is_empty());
        }
    }
    // event_count, value_count and temporal_ordered are all exercised.
    assert!(kinds.len() >= 3, "{kinds:?}");
}

#[test]
fn readme_lists_every_rule_file() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for (origin, _) in firebreak_rules::bundled() {
        let rel = origin.strip_prefix("firebreak:").unwrap_or(&origin);
        assert!(readme.contains(rel), "README.md does not list {rel}");
    }
}
