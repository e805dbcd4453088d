//! Where Sigma rules come from: files under the paths the user gives, and
//! `--placeholder` values.

use anyhow::{anyhow, Result};
use std::collections::HashMap;
use std::path::PathBuf;

/// Every `.yml`/`.yaml` file under `paths`, as (path, text); unreadable ones as errors.
pub fn rule_sources(paths: &[PathBuf]) -> (Vec<(String, String)>, Vec<String>) {
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

pub fn placeholders(given: &[String]) -> Result<HashMap<String, Vec<String>>> {
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
