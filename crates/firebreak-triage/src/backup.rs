//! Restore-point verification: every point scanned with the same rules, a cheap
//! profile against the previous point (adds, deletes, renames, ransomware
//! extensions, notes, encrypted folders), a verdict per point with its evidence,
//! the first infected and the last clean point, and each indicator's first sight
//! (attacker tooling usually shows up before the encryption does).

use crate::scan::FileResult;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One restore point's scan. File paths are relative to the point.
#[derive(Debug, Clone)]
pub struct PointScan {
    pub label: String,
    /// When the point was taken (RFC 3339), if known.
    pub time: Option<String>,
    pub files: Vec<FileResult>,
    /// Files that could not be read.
    pub problems: Vec<String>,
}

/// What changed and what stands out, cheaply.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Profile {
    pub files: usize,
    pub bytes: u64,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// Added files whose name is a removed file's name plus an extension.
    pub renamed: usize,
    pub ransom_extension_files: usize,
    pub note_files: usize,
    pub onion_files: usize,
    pub magic_mismatches: usize,
    pub encrypted_files: usize,
    /// Folders where at least 3 files and most of them look encrypted.
    pub encrypted_folders: Vec<String>,
    pub unreadable: usize,
}

/// One point's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct PointReport {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `clean`, `suspicious`, `infected`.
    pub verdict: &'static str,
    pub profile: Profile,
    pub infected_files: usize,
    pub suspicious_files: usize,
    /// `path: reason` lines, strongest first (at most 20).
    pub evidence: Vec<String>,
}

/// Where an indicator was first seen.
#[derive(Debug, Clone, Serialize)]
pub struct FirstSeen {
    pub indicator: String,
    pub point: String,
    pub path: String,
    pub detail: String,
}

/// The whole verification.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub points: Vec<PointReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_infected: Option<String>,
    /// The latest clean point before the first point that is not clean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_clean: Option<String>,
    pub first_seen: Vec<FirstSeen>,
    /// The case's first-compromise time, when one was given (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compromise: Option<String>,
    /// The first point taken at or after the compromise: where to look first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub look_first: Option<String>,
    /// Whether the last clean point was taken before the compromise (`None` when
    /// either time is unknown). A clean point taken after it may hold dormant access.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_clean_predates_compromise: Option<bool>,
}

impl BackupReport {
    /// The verification as case findings: one per point (`backup.point.<verdict>`,
    /// keyed by label), one per file that is not clean (keyed by point, path and
    /// SHA-256), and the last clean point (`backup.last_clean`).
    pub fn findings(&self, points: &[PointScan]) -> Vec<crate::scan::Finding> {
        use crate::scan::{severity, Finding};
        let mut out = Vec::new();
        for p in &self.points {
            out.push(Finding {
                key: format!("point|{}", p.label),
                kind: format!("backup.point.{}", p.verdict),
                subject: p.label.clone(),
                severity: severity(p.verdict).to_string(),
                summary: format!(
                    "{} {}: {} files, {} infected, {} suspicious",
                    p.label, p.verdict, p.profile.files, p.infected_files, p.suspicious_files
                ),
                details: serde_json::to_value(p).unwrap_or_default(),
            });
        }
        for p in points {
            for f in p.files.iter().filter(|f| f.verdict != "clean") {
                out.push(f.finding(Some(&p.label)));
            }
        }
        out.push(Finding {
            key: "last_clean".into(),
            kind: "backup.last_clean".into(),
            subject: self.last_clean.clone().unwrap_or_default(),
            severity: if self.last_clean.is_some() {
                "info"
            } else {
                "high"
            }
            .into(),
            summary: match (&self.last_clean, self.last_clean_predates_compromise) {
                (Some(l), Some(true)) => {
                    format!("last clean point {l}, taken before the compromise")
                }
                (Some(l), Some(false)) => {
                    format!("last clean point {l}, taken AFTER the compromise")
                }
                (Some(l), None) => format!("last clean point {l}"),
                (None, _) => "no clean point".into(),
            },
            details: serde_json::json!({
                "last_clean": self.last_clean, "first_infected": self.first_infected,
                "compromise": self.compromise, "look_first": self.look_first,
                "last_clean_predates_compromise": self.last_clean_predates_compromise,
            }),
        });
        out
    }
}

fn folder(path: &str) -> &str {
    path.rsplit_once(['/', '\\']).map_or("", |(d, _)| d)
}

/// Verify `points` (in time order).
pub fn verify(points: &[PointScan]) -> BackupReport {
    verify_with(points, None)
}

fn parse_time(t: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Verify `points` (in time order) knowing when the environment was first
/// compromised (from the case's timeline).
pub fn verify_with(
    points: &[PointScan],
    compromise: Option<chrono::DateTime<chrono::Utc>>,
) -> BackupReport {
    let mut reports = Vec::new();
    let mut first_seen: Vec<FirstSeen> = Vec::new();
    let mut seen_ind: HashSet<String> = HashSet::new();
    let mut prev: Option<HashMap<&str, &str>> = None;
    for p in points {
        let cur: HashMap<&str, &str> = p
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.sha256.as_str()))
            .collect();
        let mut prof = Profile {
            files: p.files.len(),
            bytes: p.files.iter().map(|f| f.size).sum(),
            unreadable: p.problems.len(),
            ..Profile::default()
        };
        if let Some(prev) = &prev {
            let removed: HashSet<&str> = prev
                .keys()
                .filter(|k| !cur.contains_key(*k))
                .copied()
                .collect();
            prof.removed = removed.len();
            for (path, sha) in &cur {
                match prev.get(path) {
                    None => {
                        prof.added += 1;
                        if path
                            .rsplit_once('.')
                            .is_some_and(|(stem, _)| removed.contains(stem))
                        {
                            prof.renamed += 1;
                        }
                    }
                    Some(old) if old != sha => prof.changed += 1,
                    _ => {}
                }
            }
        }
        let mut per_folder: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for f in &p.files {
            let has = |k: &str| f.reasons.iter().any(|r| r.kind == k);
            let enc = has("encrypted") || has("partially_encrypted") || has("header_destroyed");
            prof.ransom_extension_files += usize::from(has("ransom_extension"));
            prof.note_files += usize::from(has("note_text"));
            prof.onion_files += usize::from(has("onion"));
            prof.magic_mismatches += usize::from(has("magic_mismatch"));
            prof.encrypted_files += usize::from(enc);
            let e = per_folder.entry(folder(&f.path)).or_default();
            e.0 += 1;
            e.1 += usize::from(enc);
        }
        prof.encrypted_folders = per_folder
            .iter()
            .filter(|(_, (n, e))| *n >= 3 && e * 2 > *n)
            .map(|(d, _)| {
                if d.is_empty() {
                    "/".to_string()
                } else {
                    (*d).to_string()
                }
            })
            .collect();
        let infected = p.files.iter().filter(|f| f.verdict == "infected").count();
        let suspicious = p.files.iter().filter(|f| f.verdict == "suspicious").count();
        let mut flagged: Vec<&FileResult> =
            p.files.iter().filter(|f| f.verdict != "clean").collect();
        flagged.sort_by(|a, b| b.score.cmp(&a.score).then(a.path.cmp(&b.path)));
        let mut evidence: Vec<String> = flagged
            .iter()
            .take(20)
            .map(|f| {
                let why: Vec<&str> = f
                    .reasons
                    .iter()
                    .filter(|r| r.score > 0)
                    .map(|r| r.detail.as_str())
                    .collect();
                format!("{} [{} {}]: {}", f.path, f.verdict, f.score, why.join("; "))
            })
            .collect();
        if !prof.encrypted_folders.is_empty() {
            evidence.insert(
                0,
                format!(
                    "folders mostly encrypted: {}",
                    prof.encrypted_folders.join(", ")
                ),
            );
        }
        if prof.renamed >= 200 {
            evidence.insert(
                0,
                format!(
                    "{} files renamed with a new extension since the previous point",
                    prof.renamed
                ),
            );
        }
        let verdict = if infected > 0 || !prof.encrypted_folders.is_empty() {
            "infected"
        } else if suspicious > 0 || prof.renamed >= 200 {
            "suspicious"
        } else {
            "clean"
        };
        for f in &p.files {
            if f.verdict == "clean" {
                continue;
            }
            for r in &f.reasons {
                if r.indicator.is_empty() || r.score == 0 {
                    continue;
                }
                if seen_ind.insert(r.indicator.clone()) {
                    first_seen.push(FirstSeen {
                        indicator: r.indicator.clone(),
                        point: p.label.clone(),
                        path: f.path.clone(),
                        detail: r.detail.clone(),
                    });
                }
            }
        }
        reports.push(PointReport {
            label: p.label.clone(),
            time: p.time.clone(),
            verdict,
            profile: prof,
            infected_files: infected,
            suspicious_files: suspicious,
            evidence,
        });
        prev = Some(cur);
    }
    let first_bad = reports.iter().position(|r| r.verdict != "clean");
    let first_infected = reports
        .iter()
        .find(|r| r.verdict == "infected")
        .map(|r| r.label.clone());
    let last_clean = reports[..first_bad.unwrap_or(reports.len())]
        .iter()
        .rev()
        .find(|r| r.verdict == "clean")
        .map(|r| r.label.clone());
    let time_of = |label: &str| {
        points
            .iter()
            .find(|p| p.label == label)
            .and_then(|p| p.time.as_deref())
            .and_then(parse_time)
    };
    let look_first = compromise.and_then(|c| {
        points
            .iter()
            .find(|p| {
                p.time
                    .as_deref()
                    .and_then(parse_time)
                    .is_some_and(|t| t >= c)
            })
            .map(|p| p.label.clone())
    });
    let last_clean_predates_compromise = match (compromise, last_clean.as_deref().and_then(time_of))
    {
        (Some(c), Some(t)) => Some(t < c),
        _ => None,
    };
    BackupReport {
        points: reports,
        first_infected,
        last_clean,
        first_seen,
        compromise: compromise.map(|c| c.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        look_first,
        last_clean_predates_compromise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::ImpactKb;
    use crate::scan::ScanRules;

    fn point(label: &str, time: &str, files: &[(&str, &[u8])], rules: &ScanRules) -> PointScan {
        PointScan {
            label: label.into(),
            time: Some(time.into()),
            files: files.iter().map(|(p, b)| rules.scan(p, b, None)).collect(),
            problems: Vec::new(),
        }
    }

    #[test]
    fn last_clean_against_the_compromise_time() {
        let rules = ScanRules::new(ImpactKb::bundled().unwrap());
        let note: &[u8] = b"All of your files are encrypted. To decrypt them install Tor Browser and pay in bitcoin.";
        let doc: &[u8] = b"minutes of the meeting";
        let points = vec![
            point("mon", "2026-11-20T00:00:00Z", &[("a.txt", doc)], &rules),
            point("tue", "2026-11-21T00:00:00Z", &[("a.txt", doc)], &rules),
            point(
                "wed",
                "2026-11-22T00:00:00Z",
                &[("a.txt", doc), ("README.txt", note)],
                &rules,
            ),
        ];
        let t = |s: &str| parse_time(s).unwrap();
        let r = verify_with(&points, Some(t("2026-11-20T12:00:00Z")));
        assert_eq!(r.last_clean.as_deref(), Some("tue"));
        assert_eq!(r.first_infected.as_deref(), Some("wed"));
        assert_eq!(r.look_first.as_deref(), Some("tue"));
        assert_eq!(r.last_clean_predates_compromise, Some(false));
        let r = verify_with(&points, Some(t("2026-11-21T12:00:00Z")));
        assert_eq!(r.last_clean_predates_compromise, Some(true));
        assert_eq!(verify(&points).last_clean_predates_compromise, None);
    }
}
