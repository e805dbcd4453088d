//! Hosts for evidence that names none (a bodyfile, a CSV export): responders collect
//! evidence per host, so a file whose events name no host gets the host of its
//! sibling files in the same folder when they all name one and the same host. The
//! stored events are not changed; the hunt sees the inferred host, and says so.

use firebreak_case::{Case, CaseError, Evidence};
use std::collections::{BTreeSet, HashMap};

/// The folder part of a display path (`a/b/FS01/bodyfile.txt` → `a/b/FS01`; archive
/// members included: `x.tar.gz!FS01/bodyfile.txt` → `x.tar.gz!FS01`).
fn folder(path: &str) -> &str {
    let p = path.trim_end_matches(['/', '\\']);
    p.rfind(['/', '\\']).map_or("", |i| &p[..i])
}

fn short(host: &str) -> String {
    host.split('.').next().unwrap_or(host).to_ascii_uppercase()
}

/// Evidence id → inferred host, for evidence whose events name no host.
pub(crate) fn hostless_evidence(
    case: &Case,
    evidence: &[Evidence],
) -> Result<HashMap<i64, String>, CaseError> {
    let mut by_folder: HashMap<&str, Vec<(i64, Option<String>)>> = HashMap::new();
    for e in evidence.iter().filter(|e| e.events > 0) {
        let host = case.first_host(e.id)?;
        by_folder
            .entry(folder(&e.info.display_path))
            .or_default()
            .push((e.id, host));
    }
    let mut out = HashMap::new();
    for files in by_folder.values() {
        let named: BTreeSet<String> = files
            .iter()
            .filter_map(|(_, h)| h.as_deref().map(short))
            .collect();
        let Some(host) = files.iter().find_map(|(_, h)| h.clone()) else {
            continue;
        };
        if named.len() != 1 {
            continue;
        }
        for (id, h) in files {
            if h.is_none() {
                out.insert(*id, host.clone());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_paths_and_members() {
        assert_eq!(folder("/e/FS01/bodyfile.txt"), "/e/FS01");
        assert_eq!(
            folder("x.tar.gz!x.tar!FS01/bodyfile.txt"),
            "x.tar.gz!x.tar!FS01"
        );
        assert_eq!(folder("C:\\e\\FS01\\b.txt"), "C:\\e\\FS01");
        assert_eq!(short("fs01.corp.local"), "FS01");
    }
}
