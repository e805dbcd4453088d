//! The ATT&CK matrix of the attacker's detections, and the indicators.

use crate::context::Ctx;
use crate::model::{HostImpact, Indicator, InitialAccess, Phase, Scope, TechniqueSeen};
use crate::norm::{phase_of, push_unique, technique_phase};
use crate::Signal;
use firebreak_event::Timestamp;
use std::collections::BTreeMap;

/// Each technique once per phase: how many detections, on which hosts.
pub(crate) fn attack_matrix(ctx: &Ctx<'_>, attack: &[&Signal]) -> Vec<TechniqueSeen> {
    let mut seen: BTreeMap<(Phase, String), TechniqueSeen> = BTreeMap::new();
    for s in attack {
        for t in &s.attack {
            let Some(phase) = phase_of(s).or_else(|| technique_phase(t)) else {
                continue;
            };
            let e = seen
                .entry((phase, t.clone()))
                .or_insert_with(|| TechniqueSeen {
                    technique: t.clone(),
                    phase,
                    count: 0,
                    hosts: Vec::new(),
                });
            e.count += 1;
            if let Some(h) = s.host.as_deref() {
                push_unique(&mut e.hosts, &ctx.host(h));
            }
        }
    }
    seen.into_values().collect()
}

/// Attacker addresses, tools (names and paths), ransom note and extension, hashes seen
/// on the attacker's detections, accounts misused.
pub(crate) fn indicators(
    ia: Option<&InitialAccess>,
    scope: &Scope,
    impact: &[HostImpact],
    attack: &[&Signal],
) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    let first = |needle: &str| first_seen(attack, needle);
    for ip in &scope.attacker_addresses {
        let ctx = match ia {
            Some(i) if i.source_ip.as_deref() == Some(ip.as_str()) => {
                format!(
                    "source of the initial access as {} through {}",
                    i.account, i.via
                )
            }
            _ => "public address on the attacker's detections".into(),
        };
        let kind = if ip.contains(':') { "ipv6" } else { "ipv4" };
        push(
            &mut out,
            kind,
            ip,
            ctx,
            ia.map(|i| i.time).or_else(|| first(ip)),
        );
    }
    for t in &scope.tools {
        push(&mut out, "file_path", t, "attacker tool".into(), first(t));
        let name = t.rsplit(['\\', '/']).next().unwrap_or(t);
        push(
            &mut out,
            "file_name",
            name,
            "attacker tool".into(),
            first(name),
        );
    }
    for i in impact {
        if let Some(n) = &i.ransom_note {
            push(
                &mut out,
                "file_name",
                n,
                "ransom note".into(),
                Some(i.first),
            );
        }
        if let Some(x) = &i.extension {
            push(
                &mut out,
                "file_name",
                &format!("*{x}"),
                "extension of encrypted files".into(),
                Some(i.first),
            );
        }
    }
    for (kind, value, t) in hashes(attack) {
        push(
            &mut out,
            kind,
            &value,
            "hash on the attacker's detections".into(),
            Some(t),
        );
    }
    for a in &scope.accounts {
        push(
            &mut out,
            "user",
            &a.name,
            "account misused by the attacker".into(),
            Some(a.first_misuse),
        );
    }
    out
}

fn push(out: &mut Vec<Indicator>, kind: &str, value: &str, context: String, t: Option<Timestamp>) {
    if !out
        .iter()
        .any(|i| i.kind == kind && i.value.eq_ignore_ascii_case(value))
    {
        out.push(Indicator {
            kind: kind.into(),
            value: value.into(),
            context,
            first_seen: t,
        });
    }
}

fn first_seen(attack: &[&Signal], needle: &str) -> Option<Timestamp> {
    let n = needle.to_lowercase();
    attack
        .iter()
        .find(|s| {
            s.key_fields
                .iter()
                .any(|(_, v)| v.to_lowercase().contains(&n))
        })
        .map(|s| s.time)
}

/// `Hashes` (Sysmon: `SHA256=..,MD5=..`) and hash-named key fields.
fn hashes(attack: &[&Signal]) -> Vec<(&'static str, String, Timestamp)> {
    let mut out = Vec::new();
    for s in attack {
        for (k, v) in &s.key_fields {
            let kl = k.to_lowercase();
            if !(kl.contains("hash") || kl == "sha256" || kl == "md5" || kl == "sha1") {
                continue;
            }
            for part in v.split([',', ';', ' ']) {
                let h = part.rsplit('=').next().unwrap_or(part).trim();
                let kind = match h.len() {
                    64 => "sha256",
                    40 => "sha1",
                    32 => "md5",
                    _ => continue,
                };
                if h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push((kind, h.to_lowercase(), s.time));
                }
            }
        }
    }
    out
}
