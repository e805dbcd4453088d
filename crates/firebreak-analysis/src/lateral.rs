//! Lateral movement: host → host edges.
//!
//! The gateway chain gives the first edge (gateway → patient zero, RDP, at the internal
//! logon). Then every lateral-movement detection after the initial access is sorted
//! into *arrivals* on the host it was logged on (a network logon, share access,
//! service install, PsExec service, WMI/WinRM child: signals with a source address,
//! a logon id or event ids 4624/4697/7045/5140/5145) and *departures* (a remote tool
//! started here against `\\T`, explicit credentials for `TargetServerName` T).
//! Arrivals on one host less than 10 min apart are one edge; its time is the
//! arrival's logon (else its first arrival), its account the first person account in
//! it, its source the arrival's address mapped to a host ([`crate::addr`]), else the
//! host whose departure towards it came last before it, else the bare address.
//! Only edges the attacker can have made are kept: from a host already reached (the
//! gateway and patient zero first), or with an account already misused within 2 h of
//! the attacker's previous move, in time order; an administrator's own RDP session from
//! their workstation (the next morning, with the same, stolen, account) stays out.

use crate::addr::AddrMap;
use crate::context::{evidence_of, Ctx};
use crate::model::{EvidenceRef, InitialAccess, LateralEdge};
use crate::norm::{account_key, field, host_key, is_system_account, secs, src_ip};
use crate::Signal;
use firebreak_event::Timestamp;

const GROUP_GAP_SECS: i64 = 600;
const DEPARTURE_BEFORE_SECS: i64 = 600;
/// An edge from an unknown source counts on its account alone only this soon after the
/// attacker's previous move (the real owner of a stolen admin account logs on the next
/// morning from their own workstation).
const ACCOUNT_ONLY_SECS: i64 = 2 * 3600;

pub(crate) fn derive(
    ctx: &Ctx<'_>,
    ia: Option<&InitialAccess>,
    addrs: &mut AddrMap,
    since: Option<Timestamp>,
) -> Vec<LateralEdge> {
    let mut edges: Vec<LateralEdge> = ia.and_then(|i| chain_edge(ctx, i)).into_iter().collect();
    let lm: Vec<&Signal> = ctx
        .signals
        .iter()
        .copied()
        .filter(|s| s.kind != "analytic" && since.is_none_or(|t| s.time >= t) && is_lateral(s))
        .filter(|s| {
            !s.host
                .as_deref()
                .is_some_and(|h| crate::initial_access::is_via(ia, h))
        })
        .collect();
    let departures: Vec<(&Signal, String)> = lm
        .iter()
        .filter_map(|s| departure_target(ctx, s).map(|t| (*s, t)))
        .collect();
    let arrivals: Vec<&Signal> = lm.iter().copied().filter(|s| is_arrival(s)).collect();
    for group in groups(&arrivals) {
        let Some(e) = edge(ctx, &group, &departures, addrs) else {
            continue;
        };
        match edges
            .iter_mut()
            .find(|x| host_key(&x.to) == host_key(&e.to) && host_key(&x.from) == host_key(&e.from))
        {
            Some(x) => x.evidence.extend(e.evidence),
            None => edges.push(e),
        }
    }
    edges.sort_by_key(|e| e.time);
    reachable(ctx, ia, edges)
}

/// Keeps the edges the attacker can have made: from a host already reached (the
/// gateway and patient zero to begin with) or with an account already misused. Without
/// an initial access, hosts with high/critical detections are the seeds.
fn reachable(
    ctx: &Ctx<'_>,
    ia: Option<&InitialAccess>,
    edges: Vec<LateralEdge>,
) -> Vec<LateralEdge> {
    let mut hosts: Vec<String> = Vec::new();
    let mut accounts: Vec<String> = Vec::new();
    match ia {
        Some(i) => {
            hosts.push(host_key(&i.via));
            hosts.extend(i.led_to.as_deref().map(host_key));
            accounts.push(account_key(&i.account));
        }
        None => hosts.extend(
            ctx.signals
                .iter()
                .filter(|s| crate::attack::is_severe(s))
                .filter_map(|s| s.host.as_deref().map(host_key)),
        ),
    }
    let mut out: Vec<LateralEdge> = Vec::new();
    let mut last = ia.map(|i| i.time);
    for e in edges {
        let by_host = hosts.contains(&host_key(&e.from));
        let recent = last.is_none_or(|l| secs(l, e.time) <= ACCOUNT_ONLY_SECS);
        let by_account = recent
            && e.account
                .as_deref()
                .is_some_and(|a| accounts.contains(&account_key(a)));
        if by_host || by_account {
            last = Some(last.map_or(e.time, |l| l.max(e.time)));
            hosts.push(host_key(&e.to));
            accounts.extend(e.account.as_deref().map(account_key));
            out.push(e);
        }
    }
    out
}

/// Gateway → the host the chain reached, at the account's first logon there.
fn chain_edge(ctx: &Ctx<'_>, ia: &InitialAccess) -> Option<LateralEdge> {
    let to = ia.led_to.clone()?;
    let who = account_key(&ia.account);
    let logon = ctx.signals.iter().find(|s| {
        s.host.as_deref().map(host_key) == Some(host_key(&to))
            && s.user.as_deref().map(account_key) == Some(who.clone())
            && field(s, &["event_id"]) == Some("4624")
            && (-60..=900).contains(&secs(ia.time, s.time))
    });
    let mut evidence: Vec<EvidenceRef> = logon.map(|s| evidence_of(s)).unwrap_or_default();
    evidence.extend(ia.evidence.iter().cloned());
    Some(LateralEdge {
        time: logon.map_or(ia.time, |s| s.time),
        from: ia.via.clone(),
        to,
        account: Some(ia.account.clone()),
        method: "RDP".into(),
        evidence,
    })
}

const LM_TECHNIQUES: &[&str] = &["T1021", "T1570", "T1569", "T1047"];

fn is_lateral(s: &Signal) -> bool {
    s.tags
        .iter()
        .any(|t| t == "attack.lateral_movement" || t == "attack.lateral-movement")
        || s.attack
            .iter()
            .any(|t| LM_TECHNIQUES.iter().any(|p| t.starts_with(p)))
}

fn is_arrival(s: &Signal) -> bool {
    let eid = field(s, &["event_id"]).unwrap_or("");
    let text = format!("{} {}", s.summary, s.title).to_lowercase();
    matches!(eid, "4624" | "4697" | "7045" | "5140" | "5145")
        || field(s, &["logon_id"]).is_some()
        || (eid != "4648" && src_ip(s).is_some_and(|ip| !is_loopback(ip)))
        || text.contains("psexesvc")
        || text.contains("wsmprovhost")
        || text.contains("wmiprvse")
}

fn is_loopback(ip: &str) -> bool {
    ip.parse::<std::net::IpAddr>()
        .is_ok_and(|a| a.is_loopback())
}

/// The host a departure points at: `TargetServerName` of explicit credentials, or
/// `\\HOST` / `/node:HOST` on a remote tool's command line.
fn departure_target(ctx: &Ctx<'_>, s: &Signal) -> Option<String> {
    let here = host_key(s.host.as_deref()?);
    let target = field(s, &["TargetServerName"])
        .map(str::to_string)
        .or_else(|| field(s, &["process.command_line", "CommandLine"]).and_then(unc_target))?;
    let t = host_key(&target);
    (t != here && t != "localhost" && !t.is_empty()).then(|| ctx.host(&target))
}

fn unc_target(cmd: &str) -> Option<String> {
    let lower = cmd.to_lowercase();
    let at = lower
        .find("\\\\")
        .map(|i| i + 2)
        .or_else(|| lower.find("/node:").map(|i| i + 6))?;
    let rest = &cmd[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '\\' || c == '"')
        .unwrap_or(rest.len());
    let name = rest[..end].trim_matches('"');
    (!name.is_empty() && name != "*").then(|| name.to_string())
}

/// Arrivals per host, split where they are more than 10 min apart.
fn groups<'a>(arrivals: &[&'a Signal]) -> Vec<Vec<&'a Signal>> {
    let mut by_host: std::collections::BTreeMap<String, Vec<&Signal>> = Default::default();
    for s in arrivals {
        if let Some(h) = s.host.as_deref() {
            by_host.entry(host_key(h)).or_default().push(s);
        }
    }
    let mut out = Vec::new();
    for list in by_host.into_values() {
        for g in list.chunk_by(|a, b| secs(a.time, b.time) <= GROUP_GAP_SECS) {
            out.push(g.to_vec());
        }
    }
    out
}

fn edge(
    ctx: &Ctx<'_>,
    group: &[&Signal],
    departures: &[(&Signal, String)],
    addrs: &mut AddrMap,
) -> Option<LateralEdge> {
    let to = ctx.host(group[0].host.as_deref()?);
    let logon = group
        .iter()
        .find(|s| field(s, &["event_id"]) == Some("4624") || field(s, &["logon_id"]).is_some());
    let time = logon.unwrap_or(&group[0]).time;
    let address = group
        .iter()
        .find_map(|s| src_ip(s))
        .filter(|ip| !is_loopback(ip));
    let departure = departures
        .iter()
        .filter(|(d, t)| {
            host_key(t) == host_key(&to)
                && (-DEPARTURE_BEFORE_SECS..=5).contains(&secs(time, d.time))
        })
        .max_by_key(|(d, _)| d.time);
    let from = match (address.and_then(|ip| addrs.host_of(ip)), departure) {
        (Some(h), _) => h.to_string(),
        (None, Some((d, _))) => {
            let h = ctx.host(d.host.as_deref().unwrap_or("?"));
            if let Some(ip) = address {
                addrs.learn(
                    ip,
                    &h,
                    "a remote-execution tool started there against the target minutes before",
                );
            }
            h
        }
        (None, None) => address?.to_string(),
    };
    if host_key(&from) == host_key(&to) {
        return None;
    }
    let mut all: Vec<&Signal> = group.to_vec();
    all.extend(departure.map(|(d, _)| *d));
    Some(LateralEdge {
        time,
        from,
        to,
        account: account(ctx, group, departure.map(|(d, _)| *d)),
        method: method(group, departure.map(|(d, _)| *d)).into(),
        evidence: all.iter().flat_map(|s| evidence_of(s)).collect(),
    })
}

fn account(ctx: &Ctx<'_>, group: &[&Signal], departure: Option<&Signal>) -> Option<String> {
    group
        .iter()
        .filter_map(|s| s.user.as_deref())
        .chain(departure.and_then(|d| field(d, &["TargetUserName"])))
        .find(|u| !is_system_account(u))
        .map(|u| ctx.account(u))
}

/// How it arrived: the target's own records first (an RDP logon, the PsExec service,
/// WMI / WinRM children), then the tool started at the source.
fn method(group: &[&Signal], departure: Option<&Signal>) -> &'static str {
    let text = |list: &[&Signal]| -> String {
        list.iter()
            .map(|s| {
                let kf: Vec<&str> = s.key_fields.iter().map(|(_, v)| v.as_str()).collect();
                format!("{} {} {} ", s.title, s.summary, kf.join(" "))
            })
            .collect::<String>()
            .to_lowercase()
    };
    let here = text(group);
    let there = text(&departure.into_iter().collect::<Vec<_>>());
    let has_t = |p: &str| {
        group
            .iter()
            .any(|s| s.attack.iter().any(|t| t.starts_with(p)))
    };
    let rdp_logon = group.iter().any(|s| {
        field(s, &["event_id"]) == Some("4624")
            && (field(s, &["LogonType"]) == Some("10") || s.summary.contains("LogonType=10"))
    });
    if rdp_logon {
        "RDP"
    } else if here.contains("psexesvc")
        || there.contains("psexec")
        || here.contains("paexec")
        || here.contains("remcom")
    {
        "PsExec"
    } else if has_t("T1047") || here.contains("wmiprvse") || there.contains("/node:") {
        "WMI"
    } else if has_t("T1021.006") || here.contains("wsmprovhost") || there.contains("winrs") {
        "WinRM"
    } else if has_t("T1021.001") {
        "RDP"
    } else if here.contains("admin$") || here.contains("c$") {
        "SMB admin share"
    } else if here.contains("7045") || here.contains("4697") {
        "remote service"
    } else {
        "network logon"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unc_targets() {
        assert_eq!(
            unc_target("PsExec64.exe \\\\DC01 -accepteula -s cmd.exe").as_deref(),
            Some("DC01")
        );
        assert_eq!(
            unc_target("wmic /node:FS01 process call create x").as_deref(),
            Some("FS01")
        );
        assert_eq!(unc_target("net view"), None);
    }
}
