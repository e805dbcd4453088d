//! Analytic 3: ransomware impact — bursts of files written with one new extension, and
//! ransom notes (the same file name created in many folders), per host.

use crate::config::{AnalyticsConfig, ImpactConfig};
use crate::model::{Finding, Level};
use crate::norm::SEC;
use firebreak_event::Timestamp;
use serde::Serialize;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

pub(crate) const IMPACT: &str = "impact.ransomware";

/// What impact was seen on one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostImpact {
    pub host: String,
    /// The new extension, with its dot (`.lockx`); `None` when only notes were seen.
    pub extension: Option<String>,
    /// First and last file written with it (or the notes' times).
    pub first: Timestamp,
    pub last: Timestamp,
    /// Distinct files written with the extension in the burst(s).
    pub files: usize,
    /// How many of them keep an original extension before it (`x.docx.lockx`).
    pub double_extension: usize,
    pub note_name: Option<String>,
    pub note_folders: usize,
}

/// One file write, interned.
struct Write {
    r: i64,
    t: i64,
    ext: u32,
    double_ext: bool,
    name: u32,
    folder: u64,
    path: u64,
    born: bool,
}

/// File writes per host, compactly.
#[derive(Default)]
pub(crate) struct Files {
    hosts: BTreeMap<String, Vec<Write>>,
    strings: HashMap<String, u32>,
    names: Vec<String>,
}

impl Files {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.strings.insert(s.to_string(), i);
        i
    }

    /// Keeps a file write (`host`, full `path`, whether the file was born then).
    pub(crate) fn add(
        &mut self,
        r: i64,
        t: Timestamp,
        host: String,
        path: &str,
        born: bool,
        cfg: &ImpactConfig,
    ) {
        if path.ends_with(" (deleted)") || path.ends_with("(deleted-realloc)") {
            return;
        }
        let (folder, name) = path.rsplit_once(['\\', '/']).unwrap_or(("", path));
        let name = name.to_lowercase();
        let (ext, double_ext) = extension(&name, cfg.max_extension_len);
        let w = Write {
            r,
            t: t.micros(),
            ext: self.intern(ext.unwrap_or("")),
            double_ext,
            name: self.intern(&name),
            folder: hash(&same_separators(folder)),
            path: hash(&same_separators(path)),
            born,
        };
        self.hosts.entry(host).or_default().push(w);
    }
}

/// Bodyfiles write `D:/a/b`, Windows logs `D:\\a\\b`: one form for both.
fn same_separators(path: &str) -> String {
    path.to_lowercase().replace('\\', "/")
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// The extension of a lower-cased file name and whether the stem has one too.
fn extension(name: &str, max: usize) -> (Option<&str>, bool) {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return (None, false);
    };
    let ok = |e: &str, max: usize| {
        !e.is_empty() && e.len() <= max && e.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    if stem.is_empty() || !ok(ext, max) {
        return (None, false);
    }
    let double = stem
        .rsplit_once('.')
        .is_some_and(|(s, e)| !s.is_empty() && ok(e, 5));
    (Some(ext), double)
}

/// A burst of writes with one extension.
struct Burst<'a> {
    ext: &'a str,
    writes: Vec<&'a Write>,
    files: usize,
    double: usize,
}

/// A note name created in many folders.
struct Notes<'a> {
    name: &'a str,
    writes: Vec<&'a Write>,
    folders: usize,
}

pub(crate) fn analyse(files: &mut Files, cfg: &AnalyticsConfig) -> (Vec<Finding>, Vec<HostImpact>) {
    let c = &cfg.impact;
    let mut findings = Vec::new();
    let mut impacts = Vec::new();
    for (host, writes) in files.hosts.iter_mut() {
        writes.sort_by_key(|w| (w.t, w.r));
        let bursts = bursts(writes, &files.names, c);
        let notes = notes(writes, &files.names, c);
        if let Some(imp) = host_impact(host, &bursts, notes.as_ref()) {
            findings.push(finding(&imp, &bursts, notes.as_ref()));
            impacts.push(imp);
        }
    }
    (findings, impacts)
}

fn bursts<'a>(writes: &'a [Write], names: &'a [String], c: &ImpactConfig) -> Vec<Burst<'a>> {
    let mut by_ext: HashMap<u32, Vec<&Write>> = HashMap::new();
    for w in writes {
        if !names[w.ext as usize].is_empty() {
            by_ext.entry(w.ext).or_default().push(w);
        }
    }
    let mut out = Vec::new();
    for (ext, ws) in by_ext {
        let mut prior: HashSet<u64> = HashSet::new();
        for cluster in ws.chunk_by(|a, b| b.t - a.t <= c.burst_gap_secs * SEC) {
            let files: HashSet<u64> = cluster.iter().map(|w| w.path).collect();
            if files.len() >= c.burst_min_files && prior.len() <= c.new_extension_max_prior {
                let double: HashSet<u64> = cluster
                    .iter()
                    .filter(|w| w.double_ext)
                    .map(|w| w.path)
                    .collect();
                out.push(Burst {
                    ext: &names[ext as usize],
                    writes: cluster.to_vec(),
                    files: files.len(),
                    double: double.len(),
                });
            }
            prior.extend(files);
        }
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.files));
    out
}

fn notes<'a>(writes: &'a [Write], names: &'a [String], c: &ImpactConfig) -> Option<Notes<'a>> {
    let mut by_name: HashMap<u32, Vec<&Write>> = HashMap::new();
    for w in writes.iter().filter(|w| w.born) {
        let name = &names[w.name as usize];
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        let ignored = c
            .note_ignore_names
            .iter()
            .any(|i| name == i || (i.ends_with('$') && name.starts_with(i.as_str())));
        if !ignored && c.note_extensions.iter().any(|e| e == ext) {
            by_name.entry(w.name).or_default().push(w);
        }
    }
    let mut best: Option<Notes<'a>> = None;
    for (name, ws) in by_name {
        if let Some(n) = note_window(&ws, c) {
            if best.as_ref().is_none_or(|b| n.1 > b.folders) {
                best = Some(Notes {
                    name: &names[name as usize],
                    writes: n.0,
                    folders: n.1,
                });
            }
        }
    }
    best
}

/// The writes of one name in the window with most distinct folders, if enough.
fn note_window<'a>(ws: &[&'a Write], c: &ImpactConfig) -> Option<(Vec<&'a Write>, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    let mut in_window: HashMap<u64, usize> = HashMap::new();
    let mut start = 0;
    for (i, w) in ws.iter().enumerate() {
        *in_window.entry(w.folder).or_default() += 1;
        while w.t - ws[start].t > c.note_window_secs * SEC {
            if let Some(n) = in_window.get_mut(&ws[start].folder) {
                *n -= 1;
                if *n == 0 {
                    in_window.remove(&ws[start].folder);
                }
            }
            start += 1;
        }
        let folders = in_window.len();
        if folders >= c.note_min_folders && best.is_none_or(|b| folders > b.2) {
            best = Some((start, i, folders));
        }
    }
    best.map(|(a, z, n)| (ws[a..=z].to_vec(), n))
}

fn host_impact(host: &str, bursts: &[Burst<'_>], notes: Option<&Notes<'_>>) -> Option<HostImpact> {
    let main = bursts.first();
    let times = main.map(|b| &b.writes).or(notes.map(|n| &n.writes))?;
    let first = times.first()?.t;
    let last = times.last()?.t;
    Some(HostImpact {
        host: host.to_string(),
        extension: main.map(|b| format!(".{}", b.ext)),
        first: Timestamp::from_micros(first).ok()?,
        last: Timestamp::from_micros(last).ok()?,
        files: main.map_or(0, |b| b.files),
        double_extension: main.map_or(0, |b| b.double),
        note_name: notes.map(|n| n.name.to_string()),
        note_folders: notes.map_or(0, |n| n.folders),
    })
}

fn finding(imp: &HostImpact, bursts: &[Burst<'_>], notes: Option<&Notes<'_>>) -> Finding {
    let mut reasons = Vec::new();
    let mut refs = Vec::new();
    if let Some(b) = bursts.first() {
        reasons.push(format!(
            "{} files written with the new extension {} between {} and {} (none had it before)",
            b.files,
            imp.extension.as_deref().unwrap_or("?"),
            imp.first,
            imp.last
        ));
        if b.double * 2 >= b.files {
            reasons.push(format!(
                "{} of them keep their original extension before it (name.ext{})",
                b.double,
                imp.extension.as_deref().unwrap_or("")
            ));
        }
        refs.extend(b.writes.iter().take(10).map(|w| w.r));
        refs.extend(b.writes.last().map(|w| w.r));
    }
    for b in bursts.iter().skip(1).take(3) {
        reasons.push(format!(
            "also {} files with the new extension .{}",
            b.files, b.ext
        ));
    }
    if let Some(n) = notes {
        let (a, z) = (n.writes.first().map(|w| w.t), n.writes.last().map(|w| w.t));
        let at = |t: Option<i64>| {
            t.and_then(|t| Timestamp::from_micros(t).ok())
                .map(|t| t.to_string())
                .unwrap_or_default()
        };
        reasons.push(format!(
            "ransom note {} created in {} folders between {} and {}",
            n.name,
            n.folders,
            at(a),
            at(z)
        ));
        refs.extend(n.writes.iter().take(10).map(|w| w.r));
    }
    let what = match (&imp.extension, &imp.note_name) {
        (Some(e), Some(n)) => format!("{} files renamed to {e}, ransom note {n}", imp.files),
        (Some(e), None) => format!("{} files renamed to {e}", imp.files),
        (None, Some(n)) => format!("ransom note {n} in {} folders", imp.note_folders),
        (None, None) => String::new(),
    };
    let mut f = Finding::new(
        IMPACT,
        imp.first,
        format!("ransomware impact on {}: {what}", imp.host),
    )
    .attack(&["T1486"]);
    f.level = match (bursts.is_empty(), reasons.len()) {
        (true, _) => Level::Medium,
        (false, 1) => Level::High,
        _ => Level::Critical,
    };
    f.host = Some(imp.host.clone());
    f.summary = format!(
        "{}: {what}; first {}, last {}",
        imp.host, imp.first, imp.last
    );
    f.reasons = reasons;
    f.event_refs = refs;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(extension("a.docx.lockx", 16), (Some("lockx"), true));
        assert_eq!(extension("report.pdf", 16), (Some("pdf"), false));
        assert_eq!(extension(".bashrc", 16), (None, false));
        assert_eq!(extension("noext", 16), (None, false));
        assert_eq!(extension("x.has space", 16), (None, false));
    }
}
