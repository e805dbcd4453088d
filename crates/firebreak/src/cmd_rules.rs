//! `firebreak rules check PATH...`: which Sigma rules load, and exactly why not.

use crate::cli::RulesCommand;
use crate::rulesrc::{placeholders, rule_sources};
use crate::Outcome;
use anyhow::Result;
use firebreak_sigma::{LoadOptions, RuleSet};
use firebreak_timeline::sanitize_terminal;
use std::io::Write;
use std::path::PathBuf;

pub fn run(c: &RulesCommand) -> Result<Outcome> {
    match c {
        RulesCommand::Check { paths, placeholder } => check(paths, placeholder),
    }
}

fn check(paths: &[PathBuf], given: &[String]) -> Result<Outcome> {
    let (sources, unreadable) = rule_sources(paths);
    let opts = LoadOptions {
        placeholders: placeholders(given)?,
        ..LoadOptions::default()
    };
    let (set, errors) = RuleSet::load(&sources, &opts);
    let loaded = set.rules().len() + set.correlations().len() + set.filters().len();
    let total = loaded + errors.len();
    let unmapped = set.rules().iter().filter(|r| !r.logsource_mapped()).count();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "loaded {loaded}/{total} rule documents from {} files: {} detection, {} correlation, {} filter",
        sources.len(),
        set.rules().len(),
        set.correlations().len(),
        set.filters().len()
    )?;
    writeln!(out, "not loaded: {}", errors.len())?;
    for e in &errors {
        writeln!(out, "  {}", sanitize_terminal(&e.to_string()))?;
    }
    for e in &unreadable {
        writeln!(out, "  unreadable: {}", sanitize_terminal(e))?;
    }
    writeln!(
        out,
        "{unmapped} loaded rules have a logsource no Firebreak reader produces (they run on CSV/JSONL imports only)"
    )?;
    Ok(if errors.is_empty() && unreadable.is_empty() {
        Outcome::Ok
    } else {
        Outcome::RulesNotLoaded
    })
}
