//! Scope: hosts (patient zero first), accounts, attacker addresses, tools.
//!
//! A host is in scope when the chain reached it, a lateral edge arrived on it, it was
//! encrypted, or a high/critical detection (not an analytic's) is on it within the
//! attack window. Accounts: the initial-access account, the accounts of the lateral
//! edges, and the person accounts of medium+ credential-access, lateral-movement or
//! impact detections on in-scope hosts within the window (system and machine accounts,
//! and users only seen elsewhere, stay out).

use crate::attack::{is_severe, Attacker, Window};
use crate::context::Ctx;
use crate::model::{
    AccountInScope, HostImpact, HostInScope, InitialAccess, LateralEdge, Phase, Scope,
};
use crate::norm::{
    account_key, field, host_key, is_system_account, level_rank, push_unique, src_ip, tactics,
};
use crate::Signal;
use firebreak_event::Timestamp;

pub(crate) struct Found<'a> {
    pub ia: Option<&'a InitialAccess>,
    pub edges: &'a [LateralEdge],
    pub impact: &'a [HostImpact],
    pub window: Option<Window>,
}

pub(crate) fn hosts(ctx: &Ctx<'_>, f: &Found<'_>) -> Vec<HostInScope> {
    let mut out: Vec<HostInScope> = Vec::new();
    if let Some((to, ia)) = f.ia.and_then(|i| i.led_to.as_deref().map(|t| (t, i))) {
        let t = f
            .edges
            .iter()
            .find(|e| e.to == to)
            .map_or(ia.time, |e| e.time);
        add(
            &mut out,
            to,
            t,
            format!(
                "the gateway session of {} from {} reached it (RDP logon)",
                ia.account,
                ia.source_ip.as_deref().unwrap_or("?")
            ),
        );
    }
    for e in f.edges {
        let who = e.account.as_deref().unwrap_or("an unknown account");
        add(
            &mut out,
            &e.to,
            e.time,
            format!("{} from {} as {who}", e.method, e.from),
        );
    }
    for i in f.impact {
        add(
            &mut out,
            &i.host,
            i.first,
            format!(
                "{} files encrypted{}",
                i.files,
                i.extension
                    .as_deref()
                    .map(|x| format!(" to {x}"))
                    .unwrap_or_default()
            ),
        );
        if let Some(h) = out
            .iter_mut()
            .find(|h| host_key(&h.name) == host_key(&i.host))
        {
            h.encrypted = true;
            h.last_activity = h.last_activity.max(i.last);
        }
    }
    if let Some(w) = f.window {
        severe_hosts(ctx, f.ia, w, &mut out);
    }
    finish(ctx, f, &mut out);
    out
}

fn severe_hosts(ctx: &Ctx<'_>, ia: Option<&InitialAccess>, w: Window, out: &mut Vec<HostInScope>) {
    for s in ctx
        .signals
        .iter()
        .filter(|s| is_severe(s) && w.contains(s.time))
    {
        let Some(h) = s.host.as_deref() else { continue };
        if crate::initial_access::is_via(ia, h) || crate::impact::is_unnamed(h) {
            continue;
        }
        let host = ctx.host(h);
        if !out.iter().any(|x| host_key(&x.name) == host_key(&host)) {
            add(
                out,
                &host,
                s.time,
                format!("{} detection: {}", s.level, s.title),
            );
        }
    }
}

fn add(out: &mut Vec<HostInScope>, host: &str, t: Timestamp, reason: String) {
    match out.iter_mut().find(|h| host_key(&h.name) == host_key(host)) {
        Some(h) => {
            h.first_compromise = h.first_compromise.min(t);
            h.last_activity = h.last_activity.max(t);
            push_unique(&mut h.reasons, &reason);
        }
        None => out.push(HostInScope {
            name: host.to_string(),
            first_compromise: t,
            last_activity: t,
            reasons: vec![reason],
            encrypted: false,
            patient_zero: false,
        }),
    }
}

/// Last activity from the attacker's detections; patient zero first, then by time.
fn finish(ctx: &Ctx<'_>, f: &Found<'_>, out: &mut [HostInScope]) {
    if let Some(w) = f.window {
        let who = Attacker {
            window: w,
            hosts: out.iter().map(|h| h.name.clone()).collect(),
            addresses: Vec::new(),
            ia: f.ia,
        };
        for s in who.signals(ctx) {
            if let Some(h) = s
                .host
                .as_deref()
                .and_then(|h| out.iter_mut().find(|x| host_key(&x.name) == host_key(h)))
            {
                h.last_activity = h.last_activity.max(s.time);
            }
        }
    }
    let pz = f.ia.and_then(|i| i.led_to.as_deref()).map(host_key);
    for h in out.iter_mut() {
        h.patient_zero = Some(host_key(&h.name)) == pz;
    }
    out.sort_by_key(|h| (!h.patient_zero, h.first_compromise));
}

pub(crate) fn accounts(ctx: &Ctx<'_>, f: &Found<'_>, hosts: &[HostInScope]) -> Vec<AccountInScope> {
    let mut out: Vec<AccountInScope> = Vec::new();
    if let Some(ia) = f.ia {
        let mut on = vec![ia.via.clone()];
        on.extend(ia.led_to.clone());
        note(
            &mut out,
            &ia.account,
            ia.time,
            &on,
            format!(
                "initial access through {} from {}",
                ia.via,
                ia.source_ip.as_deref().unwrap_or("?")
            ),
        );
    }
    for e in f.edges {
        if let Some(a) = e.account.as_deref() {
            note(
                &mut out,
                a,
                e.time,
                std::slice::from_ref(&e.to),
                format!("{} from {} to {}", e.method, e.from, e.to),
            );
        }
    }
    if let Some(w) = f.window {
        for s in ctx
            .signals
            .iter()
            .filter(|s| w.contains(s.time) && misuse(s, hosts))
        {
            let user = s.user.as_deref().unwrap_or("");
            let host = ctx.host(s.host.as_deref().unwrap_or("?"));
            note(
                &mut out,
                &ctx.account(user),
                s.time,
                &[host],
                format!("{}: {}", s.level, s.title),
            );
        }
    }
    for a in &mut out {
        a.leaked_credentials = leaked(ctx, &a.name);
        a.name = ctx.account(&a.name);
    }
    out.sort_by_key(|a| a.first_misuse);
    out
}

/// A medium+ credential-access / lateral-movement / impact detection of a person
/// account on an in-scope host.
fn misuse(s: &Signal, hosts: &[HostInScope]) -> bool {
    let person = s.user.as_deref().is_some_and(|u| !is_system_account(u));
    let on_scope = s
        .host
        .as_deref()
        .is_some_and(|h| hosts.iter().any(|x| host_key(&x.name) == host_key(h)));
    let tactic = tactics(s).iter().any(|p| {
        matches!(
            p,
            Phase::CredentialAccess | Phase::LateralMovement | Phase::Impact
        )
    });
    person && on_scope && tactic && s.kind != "analytic" && level_rank(&s.level) >= 2
}

fn note(out: &mut Vec<AccountInScope>, name: &str, t: Timestamp, on: &[String], reason: String) {
    let key = account_key(name);
    let a = match out.iter_mut().position(|a| account_key(&a.name) == key) {
        Some(i) => &mut out[i],
        None => {
            out.push(AccountInScope {
                name: name.to_string(),
                first_misuse: t,
                hosts: Vec::new(),
                leaked_credentials: false,
                reasons: Vec::new(),
            });
            out.last_mut().expect("just pushed")
        }
    };
    a.first_misuse = a.first_misuse.min(t);
    for h in on {
        push_unique(&mut a.hosts, h);
    }
    if a.reasons.len() < 8 {
        push_unique(&mut a.reasons, &reason);
    }
}

/// Whether a remote-access finding says the account is in the leak list.
pub(crate) fn leaked(ctx: &Ctx<'_>, account: &str) -> bool {
    let key = account_key(account);
    ctx.findings_of("remote-access.").any(|f| {
        f.user.as_deref().map(account_key) == Some(key.clone())
            && f.reasons
                .iter()
                .any(|r| r.starts_with("leaked credentials"))
    })
}

/// The initial access's source, and public addresses on the attacker's detections.
pub(crate) fn addresses(ia: Option<&InitialAccess>, attack: &[&Signal]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ip) = ia.and_then(|i| i.source_ip.as_deref()) {
        push_unique(&mut out, ip);
    }
    for s in attack {
        if let Some(ip) = src_ip(s).filter(|ip| is_public(ip)) {
            let gateway_noise = s
                .host
                .as_deref()
                .is_some_and(|h| crate::initial_access::is_via(ia, h));
            if !gateway_noise {
                push_unique(&mut out, ip);
            }
        }
    }
    out
}

pub(crate) fn is_public(ip: &str) -> bool {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            !(a.is_private() || a.is_loopback() || a.is_link_local() || a.is_unspecified())
        }
        Ok(std::net::IpAddr::V6(a)) => {
            !(a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80)
        }
        Err(_) => false,
    }
}

/// Programs the attacker ran or dropped: images outside the Windows system folders and
/// executables written, from medium+ detections.
pub(crate) fn tools(attack: &[&Signal]) -> Vec<String> {
    let mut out = Vec::new();
    for s in attack
        .iter()
        .filter(|s| level_rank(&s.level) >= 2 && s.kind != "analytic")
    {
        let image = field(s, &["process.image", "Image"]).filter(|i| !is_system_binary(i));
        let dropped = field(s, &["file.path", "TargetFilename"])
            .filter(|p| is_program(p) && !is_system_binary(p));
        for p in image.into_iter().chain(dropped) {
            push_unique(&mut out, p);
        }
    }
    out
}

fn is_system_binary(p: &str) -> bool {
    let l = p.to_lowercase().replace('/', "\\");
    l == "system"
        || l.starts_with("c:\\windows\\system32\\")
        || l.starts_with("c:\\windows\\syswow64\\")
        || l.ends_with("\\services.exe")
}

fn is_program(p: &str) -> bool {
    let l = p.to_lowercase();
    [
        ".exe", ".dll", ".ps1", ".bat", ".cmd", ".vbs", ".js", ".hta", ".scr",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

pub(crate) fn scope(
    ctx: &Ctx<'_>,
    f: &Found<'_>,
    hosts: Vec<HostInScope>,
    attack: &[&Signal],
) -> Scope {
    let accounts = accounts(ctx, f, &hosts);
    Scope {
        accounts,
        lateral_movement: f.edges.to_vec(),
        attacker_addresses: addresses(f.ia, attack),
        tools: tools(attack),
        hosts,
    }
}
