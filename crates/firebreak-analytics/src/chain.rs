//! Analytic 2: the chain across sources — a gateway session, the internal logon it
//! produced (from the gateway's NAT address, same account, within minutes), and the
//! processes that followed in that logon.

use crate::config::AnalyticsConfig;
use crate::model::{Finding, Level};
use crate::norm::{clip, SEC};
use crate::records::{GatewaySession, Login, ProcStart, WinLogon};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

pub(crate) const CHAIN: &str = "chain.gateway-session";

/// What the chain analytic looks at.
pub(crate) struct Inputs<'a> {
    pub logins: &'a [Login],
    pub sessions: &'a HashMap<String, GatewaySession>,
    pub logons: &'a [WinLogon],
    pub procs: &'a [ProcStart],
    /// Levels of the remote-access findings, by the login's event ref.
    pub login_levels: &'a HashMap<i64, Level>,
}

pub(crate) fn analyse(inp: &Inputs<'_>, cfg: &AnalyticsConfig) -> Vec<Finding> {
    let nat = gateway_addresses(inp.sessions, cfg);
    let via_gateway: Vec<&WinLogon> = inp.logons.iter().filter(|w| nat.contains(&w.src)).collect();
    let mut out = Vec::new();
    for l in inp
        .logins
        .iter()
        .filter(|l| l.ok && l.channel == crate::records::Channel::Gateway)
    {
        let session = l.session.as_ref().and_then(|s| inp.sessions.get(s));
        let logons = logons_of(l, session, &via_gateway, cfg);
        let Some(first) = logons.first() else {
            continue;
        };
        let procs = processes_of(&logons, inp.procs, cfg);
        out.push(finding(l, session, &logons, &procs, inp, first));
    }
    out
}

/// Every internal address a gateway connected from (learned and configured).
fn gateway_addresses(
    sessions: &HashMap<String, GatewaySession>,
    cfg: &AnalyticsConfig,
) -> BTreeSet<IpAddr> {
    let mut nat: BTreeSet<IpAddr> = cfg.gateway_addresses.iter().copied().collect();
    for s in sessions.values() {
        nat.extend(
            s.nat
                .iter()
                .filter(|ip| crate::net::is_internal(**ip, &cfg.internal_nets)),
        );
    }
    nat
}

fn logons_of<'a>(
    l: &Login,
    session: Option<&GatewaySession>,
    logons: &[&'a WinLogon],
    cfg: &AnalyticsConfig,
) -> Vec<&'a WinLogon> {
    let c = &cfg.chain;
    let start = l.t.micros() - c.skew_secs * SEC;
    let window_end = l.t.micros() + c.logon_window_secs * SEC;
    let end = session
        .and_then(|s| s.end)
        .map_or(window_end, |e| e.micros().max(window_end));
    let mut hits: Vec<&WinLogon> = logons
        .iter()
        .filter(|w| w.account == l.account && (start..=end).contains(&w.t.micros()))
        .copied()
        .collect();
    hits.sort_by_key(|w| (w.t, w.r));
    hits
}

/// Processes on the logons' hosts in those logons (by logon id, or by account when a
/// record has no logon id) within the process window; Sysmon/Security duplicates once.
fn processes_of<'a>(
    logons: &[&WinLogon],
    procs: &'a [ProcStart],
    cfg: &AnalyticsConfig,
) -> Vec<&'a ProcStart> {
    let c = &cfg.chain;
    let mut hits: Vec<&ProcStart> = procs
        .iter()
        .filter(|p| {
            logons
                .iter()
                .any(|w| belongs(p, w, c.skew_secs, c.process_window_secs))
        })
        .collect();
    hits.sort_by_key(|p| (p.t, p.r));
    let mut seen: Vec<(&str, &str, i64)> = Vec::new();
    hits.retain(|p| {
        let dup = seen.iter().any(|(i, c, t)| {
            i.eq_ignore_ascii_case(&p.image)
                && *c == p.command_line
                && (p.t.micros() - t).abs() <= 2 * SEC
        });
        if !dup {
            seen.push((&p.image, &p.command_line, p.t.micros()));
        }
        !dup
    });
    hits.truncate(c.max_processes);
    hits
}

fn belongs(p: &ProcStart, w: &WinLogon, skew: i64, window: i64) -> bool {
    let dt = p.t.micros() - w.t.micros();
    if p.host_key != w.host_key || dt < -skew * SEC || dt > window * SEC {
        return false;
    }
    match (p.logon_id, w.logon_id) {
        (Some(a), Some(b)) => a == b,
        _ => p.account.as_deref() == Some(w.account.as_str()),
    }
}

fn finding(
    l: &Login,
    session: Option<&GatewaySession>,
    logons: &[&WinLogon],
    procs: &[&ProcStart],
    inp: &Inputs<'_>,
    first: &WinLogon,
) -> Finding {
    let src = l.src.as_deref().unwrap_or("?");
    let hosts: BTreeSet<&str> = logons.iter().map(|w| w.host.as_str()).collect();
    let hosts: Vec<&str> = hosts.into_iter().collect();
    let mut f = Finding::new(
        CHAIN,
        l.t,
        format!(
            "gateway session of {} from {src} led to {}",
            l.account,
            hosts.join(", ")
        ),
    )
    .attack(&techniques(logons));
    f.reasons = reasons(l, session, logons, procs);
    f.summary = format!(
        "{} logged in to the gateway {} from {src}; {} internal logon(s) from the gateway's address on {}; {} process(es) followed",
        l.user,
        l.host,
        logons.len(),
        hosts.join(", "),
        procs.len()
    );
    let login_level = inp.login_levels.get(&l.r).copied().unwrap_or(Level::Low);
    f.level = login_level.max(Level::Low);
    f.host = Some(first.host.clone());
    f.user = Some(l.user.clone());
    f.src_ip = l.src.clone();
    f.event_refs = std::iter::once(l.r)
        .chain(session.into_iter().flat_map(|s| s.refs.iter().copied()))
        .chain(logons.iter().map(|w| w.r))
        .chain(procs.iter().map(|p| p.r))
        .collect();
    f
}

fn reasons(
    l: &Login,
    session: Option<&GatewaySession>,
    logons: &[&WinLogon],
    procs: &[&ProcStart],
) -> Vec<String> {
    let sid = l.session.as_deref().unwrap_or("?");
    let mut r = vec![format!(
        "gateway login of {} from {} at {} (session {sid}{})",
        l.user,
        l.src.as_deref().unwrap_or("?"),
        l.t,
        session
            .and_then(|s| s.end)
            .map(|e| format!(", ended {e}"))
            .unwrap_or_default()
    )];
    for w in logons.iter().take(5) {
        r.push(format!(
            "logon type {} of {} on {} from the gateway's address {} at {} ({} s after the gateway login)",
            w.logon_type,
            w.user,
            w.host,
            w.src,
            w.t,
            (w.t.micros() - l.t.micros()) / SEC
        ));
    }
    if !procs.is_empty() {
        let list: Vec<String> = procs
            .iter()
            .take(12)
            .map(|p| {
                clip(
                    if p.command_line.is_empty() {
                        &p.image
                    } else {
                        &p.command_line
                    },
                    100,
                )
            })
            .collect();
        r.push(format!(
            "{} process(es) followed in that logon: {}",
            procs.len(),
            list.join(" | ")
        ));
    }
    r
}

fn techniques(logons: &[&WinLogon]) -> Vec<&'static str> {
    let mut t = vec!["T1133", "T1078"];
    if logons.iter().any(|w| w.logon_type == "10") {
        t.push("T1021.001");
    }
    if logons.iter().any(|w| w.logon_type == "3") {
        t.push("T1021");
    }
    t
}
