//! Containment, recovery and hardening, each tied to what was found. The texts are
//! data (`data/recommendations.yaml`); this module decides which apply and fills them.

use crate::model::{
    Containment, Exfiltration, Gap, HostImpact, Indicator, Inhibition, InitialAccess, Phase,
    Recommendation, Recovery, Scope, StoryPhase,
};
use crate::norm::{field, push_unique};
use crate::{Ctx, Signal};
use serde::Deserialize;

const TEXTS: &str = include_str!("../data/recommendations.yaml");

#[derive(Debug, Deserialize)]
struct Texts {
    recommendations: Vec<RecText>,
    recovery: Vec<AdviceText>,
}

#[derive(Debug, Deserialize)]
struct RecText {
    id: String,
    title: String,
    why: String,
    priority: u8,
    motivated_by: String,
}

#[derive(Debug, Deserialize)]
struct AdviceText {
    id: String,
    text: String,
}

/// The texts failed to parse (a build-time data error; covered by a test).
#[derive(Debug, thiserror::Error)]
#[error("data/recommendations.yaml: {0}")]
pub struct TextsError(String);

fn texts() -> Result<Texts, TextsError> {
    serde_yaml_ng::from_str(TEXTS).map_err(|e| TextsError(e.to_string()))
}

/// What the response sections read.
pub(crate) struct Findings<'a> {
    pub ia: Option<&'a InitialAccess>,
    pub scope: &'a Scope,
    pub impact: &'a [HostImpact],
    pub inhibition: &'a [Inhibition],
    pub storyline: &'a [StoryPhase],
    pub gaps: &'a [Gap],
    pub indicators: &'a [Indicator],
    pub exfiltration: &'a Exfiltration,
}

pub(crate) fn containment(ctx: &Ctx<'_>, f: &Findings<'_>, attack: &[&Signal]) -> Containment {
    let mut block_domains = Vec::new();
    for s in attack
        .iter()
        .filter(|s| crate::norm::phase_of(s) == Some(Phase::Exfiltration))
    {
        if let Some(d) = field(s, &["cs-host", "domain", "DestinationHostname"]) {
            push_unique(&mut block_domains, d);
        }
    }
    Containment {
        isolate_hosts: f.scope.hosts.iter().map(|h| h.name.clone()).collect(),
        disable_accounts: f.scope.accounts.iter().map(|a| a.name.clone()).collect(),
        kill_sessions: sessions(ctx, f, attack),
        block_addresses: f.scope.attacker_addresses.clone(),
        block_domains,
        block_hashes: f
            .indicators
            .iter()
            .filter(|i| matches!(i.kind.as_str(), "sha256" | "sha1" | "md5"))
            .map(|i| i.value.clone())
            .collect(),
    }
}

/// Gateway sessions of the initial-access account from the attacker's address, and the
/// logon ids of the lateral movements.
fn sessions(ctx: &Ctx<'_>, f: &Findings<'_>, attack: &[&Signal]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ia) = f.ia {
        let session = |id: &str| {
            format!(
                "gateway session {id} on {} ({} from {})",
                ia.via,
                ia.account,
                ia.source_ip.as_deref().unwrap_or("?")
            )
        };
        for s in attack.iter().filter(|s| {
            s.host
                .as_deref()
                .is_some_and(|h| crate::initial_access::is_via(f.ia, h))
        }) {
            if let Some(id) = session_id(&s.summary) {
                push_unique(&mut out, &session(id));
            }
        }
        for r in &ia.reasons {
            if let Some(id) = r
                .split("(session ")
                .nth(1)
                .and_then(|x| x.split([',', ')']).next())
            {
                push_unique(&mut out, &session(id));
            }
        }
    }
    for s in attack {
        if let (Some(id), Some(h)) = (field(s, &["logon_id", "TargetLogonId"]), s.host.as_deref()) {
            let who = s
                .user
                .as_deref()
                .map(|u| ctx.account(u))
                .unwrap_or_default();
            push_unique(&mut out, &format!("logon {id} of {who} on {}", ctx.host(h)));
        }
    }
    out
}

/// `SessionId: 90417` in a NetScaler line.
fn session_id(text: &str) -> Option<&str> {
    let rest = text.split("SessionId:").nth(1)?.trim_start();
    let id = rest.split([' ', '-']).next()?;
    (!id.is_empty()).then_some(id)
}

fn fill(template: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(template.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

pub(crate) fn hardening(f: &Findings<'_>) -> Vec<Recommendation> {
    let Ok(texts) = texts() else {
        return Vec::new();
    };
    let mut out: Vec<Recommendation> = triggers(f)
        .into_iter()
        .filter_map(|(id, vars)| {
            let t = texts.recommendations.iter().find(|r| r.id == id)?;
            Some(Recommendation {
                title: t.title.clone(),
                why: fill(&t.why, &vars),
                priority: t.priority,
                motivated_by: t.motivated_by.clone(),
            })
        })
        .collect();
    out.sort_by_key(|r| r.priority);
    out
}

type Trigger = (&'static str, Vec<(&'static str, String)>);

fn triggers(f: &Findings<'_>) -> Vec<Trigger> {
    let mut t: Vec<Trigger> = Vec::new();
    if let Some(ia) = f.ia.filter(|i| i.channel == "gateway") {
        t.push((
            "gateway-mfa",
            vec![
                ("via", ia.via.clone()),
                ("account", ia.account.clone()),
                ("source", ia.source_ip.clone().unwrap_or_default()),
            ],
        ));
    }
    let leaked: Vec<&str> = f
        .scope
        .accounts
        .iter()
        .filter(|a| a.leaked_credentials)
        .map(|a| a.name.as_str())
        .collect();
    if !leaked.is_empty() {
        t.push(("leaked-credentials", vec![("accounts", leaked.join(", "))]));
    }
    let edges = &f.scope.lateral_movement;
    if let Some(e) = edges.iter().find(|e| e.method == "RDP") {
        t.push((
            "rdp-restrict",
            vec![("from", e.from.clone()), ("to", e.to.clone())],
        ));
    }
    let ia_key = f.ia.map(|i| crate::norm::account_key(&i.account));
    let mut admins = Vec::new();
    let mut methods = Vec::new();
    for e in edges.iter().filter(|e| e.method != "RDP") {
        if let Some(a) = e
            .account
            .as_deref()
            .filter(|a| Some(crate::norm::account_key(a)) != ia_key)
        {
            push_unique(&mut admins, a);
            push_unique(&mut methods, &e.method);
        }
    }
    if !admins.is_empty() {
        t.push((
            "admin-separation",
            vec![
                ("accounts", admins.join(", ")),
                ("methods", methods.join(", ")),
            ],
        ));
    }
    let smb: Vec<&str> = edges
        .iter()
        .filter(|e| e.method == "PsExec" || e.method.contains("SMB"))
        .map(|e| e.to.as_str())
        .collect();
    if !smb.is_empty() {
        t.push(("smb-lateral", vec![("to", smb.join(", "))]));
    }
    let phase_hosts = |p: Phase| {
        let hosts: Vec<&str> = f
            .storyline
            .iter()
            .filter(|s| s.phase == p)
            .flat_map(|s| s.key_events.iter())
            .filter(|k| crate::norm::level_rank(&k.level) >= 3)
            .filter_map(|k| k.host.as_deref())
            .filter(|h| !crate::initial_access::is_via(f.ia, h))
            .collect();
        let mut unique = Vec::new();
        for h in hosts {
            push_unique(&mut unique, h);
        }
        (!unique.is_empty()).then(|| unique.join(", "))
    };
    if let Some(h) = phase_hosts(Phase::CredentialAccess) {
        t.push(("credential-protection", vec![("hosts", h)]));
    }
    let no_edr: Vec<&str> = f
        .gaps
        .iter()
        .filter(|g| g.kind == "source-missing")
        .filter_map(|g| g.host.as_deref())
        .collect();
    if !no_edr.is_empty() {
        t.push(("edr-coverage", vec![("hosts", no_edr.join(", "))]));
    }
    let logging: Vec<&str> = f
        .gaps
        .iter()
        .filter(|g| {
            matches!(
                g.kind.as_str(),
                "no-logs-for-host" | "period-without-logs" | "log-cleared"
            )
        })
        .map(|g| g.description.as_str())
        .collect();
    if let Some(first) = logging.first() {
        t.push(("logging-gaps", vec![("what", first.to_string())]));
    }
    if !f.inhibition.is_empty() {
        let mut hosts = Vec::new();
        for i in f.inhibition {
            push_unique(&mut hosts, i.host.as_deref().unwrap_or("?"));
        }
        t.push((
            "backup-isolation",
            vec![
                ("hosts", hosts.join(", ")),
                (
                    "what",
                    format!(
                        "{} action(s) such as {}",
                        f.inhibition.len(),
                        f.inhibition[0].what
                    ),
                ),
            ],
        ));
    }
    let defender: Vec<String> = f
        .storyline
        .iter()
        .filter(|s| s.phase == Phase::DefenseEvasion)
        .flat_map(|s| s.key_events.iter())
        .filter(|k| k.techniques.iter().any(|t| t == "T1562.001"))
        .filter_map(|k| k.host.clone())
        .collect();
    if !defender.is_empty() {
        let mut hosts = Vec::new();
        for h in &defender {
            push_unique(&mut hosts, h);
        }
        t.push(("defender-tamper", vec![("hosts", hosts.join(", "))]));
    }
    t
}

pub(crate) fn recovery(f: &Findings<'_>) -> Recovery {
    let restore_before = f
        .scope
        .hosts
        .iter()
        .map(|h| h.first_compromise)
        .chain(f.ia.map(|i| i.time))
        .min();
    let Ok(texts) = texts() else {
        return Recovery {
            restore_before,
            advice: Vec::new(),
        };
    };
    let say = |id: &str, vars: &[(&str, String)]| {
        texts
            .recovery
            .iter()
            .find(|a| a.id == id)
            .map(|a| fill(&a.text, vars))
    };
    let names = |hs: Vec<&str>| hs.join(", ");
    let mut advice = Vec::new();
    let encrypted: Vec<&str> = f.impact.iter().map(|i| i.host.as_str()).collect();
    match (&restore_before, encrypted.is_empty()) {
        (Some(t), false) => advice.extend(say(
            "restore-before",
            &[("hosts", names(encrypted)), ("time", t.to_string())],
        )),
        _ if !f.scope.hosts.is_empty() => advice.extend(say("no-impact", &[])),
        _ => {}
    }
    if !f.scope.hosts.is_empty() {
        advice.extend(say(
            "rebuild",
            &[(
                "hosts",
                names(f.scope.hosts.iter().map(|h| h.name.as_str()).collect()),
            )],
        ));
    }
    if !f.scope.accounts.is_empty() {
        advice.extend(say(
            "reset-accounts",
            &[(
                "accounts",
                names(f.scope.accounts.iter().map(|a| a.name.as_str()).collect()),
            )],
        ));
    }
    let dcs: Vec<&str> = f
        .scope
        .hosts
        .iter()
        .map(|h| h.name.as_str())
        .filter(|h| h.to_uppercase().starts_with("DC"))
        .collect();
    if !dcs.is_empty() {
        advice.extend(say("domain-controller", &[("hosts", names(dcs))]));
    }
    if !f.inhibition.is_empty() {
        let mut hosts = Vec::new();
        for i in f.inhibition {
            push_unique(&mut hosts, i.host.as_deref().unwrap_or("?"));
        }
        advice.extend(say("backups-damaged", &[("hosts", hosts.join(", "))]));
    }
    let _ = f.exfiltration;
    Recovery {
        restore_before,
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_parse_and_every_trigger_has_a_text() {
        let t = texts().expect("recommendations.yaml parses");
        for id in [
            "gateway-mfa",
            "leaked-credentials",
            "rdp-restrict",
            "admin-separation",
            "smb-lateral",
            "credential-protection",
            "edr-coverage",
            "logging-gaps",
            "backup-isolation",
            "defender-tamper",
        ] {
            assert!(t.recommendations.iter().any(|r| r.id == id), "{id}");
        }
        for id in [
            "restore-before",
            "rebuild",
            "reset-accounts",
            "domain-controller",
            "backups-damaged",
            "no-impact",
        ] {
            assert!(t.recovery.iter().any(|r| r.id == id), "{id}");
        }
    }

    #[test]
    fn session_ids() {
        assert_eq!(
            session_id("SSLVPN LOGIN: Context a@b - SessionId: 90417 - User p"),
            Some("90417")
        );
        assert_eq!(session_id("no session"), None);
    }
}
