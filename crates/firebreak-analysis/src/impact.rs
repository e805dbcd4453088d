//! Impact: encryption per host (the analytics' `HostImpact`) and recovery inhibition
//! (shadow copies, backup catalogues, recovery settings, backup services).
//!
//! A file-system timeline has no host name, so the analytics call its host
//! `evidence #N`. Such an entry is merged into the named host whose impact has the same
//! extension and the same first and last write (within 2 s, a bodyfile's precision);
//! else attributed to the one named host whose detections come from the same evidence
//! folder; else kept under its own label. Each attribution is reported as a gap.

use crate::context::Ctx;
use crate::model::{Gap, HostImpact, Inhibition};
use crate::norm::{field, host_key, redact, secs};
use firebreak_event::Timestamp;

const SAME_TIME_SECS: i64 = 2;

/// Impact per host, first encryption first, and the attribution notes.
pub(crate) fn derive(ctx: &Ctx<'_>) -> (Vec<HostImpact>, Vec<Gap>) {
    let mut named: Vec<HostImpact> = Vec::new();
    let mut unnamed: Vec<HostImpact> = Vec::new();
    for imp in raw(ctx) {
        if is_unnamed(&imp.host) {
            unnamed.push(imp);
        } else {
            named.push(imp);
        }
    }
    let mut gaps = Vec::new();
    for u in unnamed {
        gaps.push(attribute(ctx, u, &mut named));
    }
    named.sort_by_key(|i| i.first);
    (named, gaps)
}

/// A host name the analytics made up for evidence without one.
pub(crate) fn is_unnamed(host: &str) -> bool {
    host.starts_with("evidence #") || host.contains('/')
}

fn raw(ctx: &Ctx<'_>) -> Vec<HostImpact> {
    let Some(report) = ctx.analytics else {
        return ctx
            .findings_of("impact.")
            .map(|f| HostImpact {
                host: f.host.clone().unwrap_or_else(|| "?".into()),
                first: f.time,
                last: f.time,
                files: 0,
                extension: None,
                ransom_note: None,
                evidence: f.evidence.clone(),
            })
            .collect();
    };
    report
        .impact
        .iter()
        .map(|i| {
            let evidence = ctx
                .findings_of("impact.")
                .filter(|f| f.host.as_deref() == Some(i.host.as_str()))
                .flat_map(|f| f.evidence.iter().cloned())
                .collect();
            HostImpact {
                host: if is_unnamed(&i.host) {
                    i.host.clone()
                } else {
                    ctx.host(&i.host)
                },
                first: i.first,
                last: i.last,
                files: i.files,
                extension: i.extension.clone(),
                ransom_note: i.note_name.as_deref().map(|n| note_spelling(ctx, n)),
                evidence,
            }
        })
        .collect()
}

/// The note's name as the file system wrote it (the analytics lower-case it).
fn note_spelling(ctx: &Ctx<'_>, lower: &str) -> String {
    ctx.signals
        .iter()
        .filter_map(|s| field(s, &["file.path", "TargetFilename", "name"]))
        .filter_map(|p| p.rsplit(['\\', '/']).next())
        .find(|n| n.eq_ignore_ascii_case(lower))
        .unwrap_or(lower)
        .to_string()
}

fn attribute(ctx: &Ctx<'_>, u: HostImpact, named: &mut Vec<HostImpact>) -> Gap {
    let label = u.host.clone();
    let source = u
        .evidence
        .first()
        .map(|e| e.path.clone())
        .unwrap_or_default();
    let same: Vec<usize> = named
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.extension == u.extension
                && secs(n.first, u.first).abs() <= SAME_TIME_SECS
                && secs(n.last, u.last).abs() <= SAME_TIME_SECS
        })
        .map(|(i, _)| i)
        .collect();
    if let [i] = same[..] {
        let n = &mut named[i];
        n.evidence.extend(u.evidence);
        return gap(
            &n.host,
            format!(
                "{source} names no host ({label}); its encryption ({} files, {}) matches {}'s to the second, so it is counted as {}'s file-system timeline",
                u.files,
                u.extension.as_deref().unwrap_or("no extension"),
                n.host,
                n.host
            ),
        );
    }
    if let Some(host) = folder_host(ctx, &source) {
        let reason = format!(
            "{source} names no host ({label}); it sits in the same evidence folder as {host}'s logs, so its impact is attributed to {host}"
        );
        merge_or_push(
            named,
            HostImpact {
                host: host.clone(),
                ..u
            },
        );
        return gap(&host, reason);
    }
    let reason = format!(
        "{source} names no host; its impact is listed as {label}: which machine it came from must be established from the collection notes"
    );
    named.push(u);
    gap(&label, reason)
}

fn merge_or_push(named: &mut Vec<HostImpact>, u: HostImpact) {
    match named
        .iter_mut()
        .find(|n| host_key(&n.host) == host_key(&u.host))
    {
        Some(n) => {
            n.first = n.first.min(u.first);
            n.last = n.last.max(u.last);
            n.files = n.files.max(u.files);
            n.evidence.extend(u.evidence);
        }
        None => named.push(u),
    }
}

/// The one named host whose detections come from the same evidence folder as `path`.
fn folder_host(ctx: &Ctx<'_>, path: &str) -> Option<String> {
    let dir = parent(path)?;
    let mut hosts: Vec<String> = Vec::new();
    for s in &ctx.signals {
        if let Some(h) = s.host.as_deref().filter(|h| !is_unnamed(h)) {
            if parent(&s.evidence.path) == Some(dir) {
                crate::norm::push_unique(&mut hosts, &ctx.host(h));
            }
        }
    }
    (hosts.len() == 1).then(|| hosts.remove(0))
}

fn parent(path: &str) -> Option<&str> {
    let p = path.rsplit_once('!').map_or(path, |(_, inner)| inner);
    p.rsplit_once(['/', '\\'])
        .map(|(d, _)| d)
        .filter(|d| !d.is_empty())
}

fn gap(host: &str, description: String) -> Gap {
    Gap {
        kind: "host-attribution".into(),
        description,
        host: Some(host.to_string()),
        evidence: Vec::new(),
    }
}

/// Shadow-copy deletion, backup deletion, recovery disabled, backup services stopped
/// (T1490, T1489), from `since` on; Sysmon/Security duplicates once.
pub(crate) fn inhibition(ctx: &Ctx<'_>, since: Option<Timestamp>) -> Vec<Inhibition> {
    let mut out: Vec<Inhibition> = Vec::new();
    for s in ctx
        .signals
        .iter()
        .filter(|s| since.is_none_or(|t| s.time >= t))
    {
        if !s.attack.iter().any(|t| t == "T1490" || t == "T1489") {
            continue;
        }
        let what = what(s);
        let host = s.host.as_deref().map(|h| ctx.host(h));
        let dup = out.iter().any(|i| {
            i.host == host && i.what.eq_ignore_ascii_case(&what) && secs(i.time, s.time).abs() <= 2
        });
        if !dup {
            out.push(Inhibition {
                time: s.time,
                host,
                what,
                evidence: s.evidence.clone(),
            });
        }
    }
    out
}

fn what(s: &crate::Signal) -> String {
    if let Some(cmd) = field(s, &["process.command_line", "CommandLine"]) {
        return format!("{}: {}", s.title, redact(cmd));
    }
    if let Some(svc) = field(s, &["param1"]) {
        return format!("{}: {svc}", s.title);
    }
    s.title.clone()
}
