//! `firebreak rules check PATH...`: which Sigma rules load, and exactly why not.

use crate::cli::RulesCommand;
use crate::Outcome;
use anyhow::{anyhow, Result};
use firebreak_sigma::{LoadOptions, RuleSet};
use firebreak_timeline::sanitize_terminal;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

pub fn run(c: &RulesCommand) -> Result<Outcome> {
    match c {
        RulesCommand::Check { paths, placeholder } => check(paths, placeholder),
    }
}

/// Every `.yml`/`.yaml` file under `paths`, as (path, text); unreadable ones as errors.
fn rule_sources(paths: &[PathBuf]) -> (Vec<(String, String)>, Vec<String>) {
    let (mut sources, mut errors) = (Vec::new(), Vec::new());
    for root in paths {
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let is_yaml = entry
                .path()
                .extension()
                .is_some_and(|x| x == "yml" || x == "yaml");
            if !entry.file_type().is_file() || !is_yaml {
                continue;
            }
            let name = entry.path().to_string_lossy().into_owned();
            match std::fs::read_to_string(entry.path()) {
                Ok(text) => sources.push((name, text)),
                Err(e) => errors.push(format!("{name}: {e}")),
            }
        }
    }
    (sources, errors)
}

fn placeholders(given: &[String]) -> Result<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for p in given {
        let (name, value) = p
            .split_once('=')
            .ok_or_else(|| anyhow!("--placeholder wants NAME=VALUE, got {p:?}"))?;
        map.entry(name.trim_matches('%').to_string())
            .or_default()
            .push(value.to_string());
    }
    Ok(map)
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
