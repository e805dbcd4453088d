//! Initial access: the gateway / remote login the attacker came in through.
//!
//! Candidates are the `remote-access.login` findings. A login that starts a
//! `chain.gateway-session` (the gateway login was followed by an internal logon from
//! the gateway's address) wins, the highest level first, then the earliest; without a
//! chain, a login of level high or more. Nothing below that is claimed.

use crate::context::{Ctx, Finding};
use crate::model::{Confidence, ConfidenceLevel, InitialAccess};
use crate::norm::{account_key, host_key};

const MEDIUM: u8 = 2;
const HIGH: u8 = 3;

pub(crate) fn derive(ctx: &Ctx<'_>) -> Option<InitialAccess> {
    let logins: Vec<&Finding> = ctx.findings_of("remote-access.login").collect();
    let chains: Vec<&Finding> = ctx.findings_of("chain.").collect();
    let chained = |l: &Finding| chain_of(l, &chains);
    let best_chained = logins
        .iter()
        .filter(|l| l.level >= MEDIUM && chained(l).is_some())
        .max_by_key(|l| (l.level, std::cmp::Reverse(l.time)));
    let login = best_chained.or_else(|| {
        logins
            .iter()
            .filter(|l| l.level >= HIGH)
            .max_by_key(|l| (l.level, std::cmp::Reverse(l.time)))
    })?;
    Some(build(ctx, login, chained(login)))
}

/// The chain finding that starts with this login (same time, account and address).
pub(crate) fn chain_of<'a>(login: &Finding, chains: &[&'a Finding]) -> Option<&'a Finding> {
    chains.iter().copied().find(|c| {
        c.time == login.time
            && c.user.as_deref().map(account_key) == login.user.as_deref().map(account_key)
            && c.src_ip == login.src_ip
    })
}

fn build(ctx: &Ctx<'_>, login: &Finding, chain: Option<&Finding>) -> InitialAccess {
    let account = ctx.account(login.user.as_deref().unwrap_or("?"));
    let leaked = login
        .reasons
        .iter()
        .any(|r| r.starts_with("leaked credentials"));
    let mut reasons = login.reasons.clone();
    if let Some(c) = chain {
        reasons.extend(c.reasons.iter().cloned());
    }
    let led_to = chain.and_then(|c| c.host.as_deref()).map(|h| ctx.host(h));
    let mut evidence = login.evidence.clone();
    if let Some(c) = chain {
        evidence.extend(c.evidence.iter().cloned());
    }
    evidence.dedup();
    InitialAccess {
        time: login.time,
        account,
        source_ip: login.src_ip.clone(),
        via: login
            .host
            .as_deref()
            .map(|h| ctx.host(h))
            .unwrap_or_else(|| "?".into()),
        channel: channel(&login.title).into(),
        reasons,
        leaked_credentials: leaked,
        led_to,
        confidence: confidence(login, chain, leaked),
        evidence,
    }
}

/// `gateway`, `rdp` or `ssh`, from the analytic's title.
fn channel(title: &str) -> &'static str {
    let t = title.to_lowercase();
    if t.starts_with("rdp") {
        "rdp"
    } else if t.starts_with("ssh") {
        "ssh"
    } else {
        "gateway"
    }
}

fn confidence(login: &Finding, chain: Option<&Finding>, leaked: bool) -> Confidence {
    let mut because = vec![format!(
        "the login's own signs put it at level {} ({} reason(s))",
        level_name(login.level),
        login.reasons.len()
    )];
    let mut score = u8::from(login.level >= HIGH);
    if let Some(c) = chain {
        score += 1;
        because.push(format!(
            "the session led to an internal logon on {} within minutes (chain across sources)",
            c.host.as_deref().unwrap_or("?")
        ));
    } else {
        because.push("no internal logon was tied to this session: where it led is not seen".into());
    }
    if leaked {
        score += 1;
        because.push("the account's credentials are in the leak list given to the case".into());
    }
    let level = match score {
        3 => ConfidenceLevel::High,
        2 => ConfidenceLevel::Medium,
        _ => ConfidenceLevel::Low,
    };
    Confidence { level, because }
}

pub(crate) fn level_name(rank: u8) -> &'static str {
    match rank {
        4 => "critical",
        3 => "high",
        2 => "medium",
        1 => "low",
        _ => "informational",
    }
}

/// Whether a host is the one the access came through (the gateway).
pub(crate) fn is_via(ia: Option<&InitialAccess>, host: &str) -> bool {
    ia.is_some_and(|i| host_key(&i.via) == host_key(host))
}
