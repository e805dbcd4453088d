//! Gaps: holes in the evidence, concretely.
//!
//! * `no-logs-for-host`: a host in scope (or the gateway) with no events in the case;
//! * `source-missing`: a host in scope with only a file-system timeline, or without any
//!   Sysmon detection while other in-scope hosts have them;
//! * `period-without-logs`: a host in scope whose events start after the attack window
//!   starts or end before it ends;
//! * `log-cleared`: event log cleared (Security 1102, System 104, or the command);
//! * `clock-skew`: the same process start seen by Sysmon and by Security 4688 on one
//!   host more than 5 s apart (median of the pairs);
//! * `host-attribution`: evidence without a host name and how it was attributed.

use crate::attack::Window;
use crate::context::Ctx;
use crate::model::{Gap, HostInScope, InitialAccess};
use crate::norm::{field, host_key, secs};
use crate::Signal;

const SKEW_SECS: i64 = 5;

pub(crate) fn derive(
    ctx: &Ctx<'_>,
    hosts: &[HostInScope],
    ia: Option<&InitialAccess>,
    window: Option<Window>,
) -> Vec<Gap> {
    let mut out = Vec::new();
    coverage(ctx, hosts, ia, window, &mut out);
    sysmon(ctx, hosts, &mut out);
    cleared(ctx, &mut out);
    skew(ctx, hosts, &mut out);
    out
}

fn coverage(
    ctx: &Ctx<'_>,
    hosts: &[HostInScope],
    ia: Option<&InitialAccess>,
    window: Option<Window>,
    out: &mut Vec<Gap>,
) {
    let names = hosts
        .iter()
        .map(|h| h.name.clone())
        .chain(ia.map(|i| i.via.clone()));
    for name in names {
        let cov: Vec<_> = ctx
            .coverage
            .iter()
            .filter(|c| host_key(&c.host) == host_key(&name))
            .collect();
        if cov.is_empty() {
            out.push(gap(
                "no-logs-for-host",
                format!("{name} is part of the attack but the case holds no events of it"),
                &name,
            ));
            continue;
        }
        let sources: Vec<&str> = cov
            .iter()
            .flat_map(|c| c.sources.iter().map(String::as_str))
            .collect();
        if sources.iter().all(|s| *s == "bodyfile") {
            out.push(gap("source-missing", format!("{name} is covered only by a file-system timeline: no event logs show who did what on it"), &name));
        }
        let Some(w) = window else { continue };
        let first = cov.iter().map(|c| c.first).min().unwrap_or(w.start);
        let last = cov.iter().map(|c| c.last).max().unwrap_or(w.end);
        if first > w.start {
            out.push(gap("period-without-logs", format!("{name}'s events start at {first}, after the attack began ({}): the start of the attack on it is not covered", w.start), &name));
        }
        if last < w.end {
            out.push(gap("period-without-logs", format!("{name}'s events end at {last}, before the attack's last known activity ({}): what followed on it is not covered", w.end), &name));
        }
    }
}

fn is_sysmon(s: &Signal) -> bool {
    field(s, &["channel"]).is_some_and(|c| c.to_lowercase().contains("sysmon"))
}

fn sysmon(ctx: &Ctx<'_>, hosts: &[HostInScope], out: &mut Vec<Gap>) {
    let has = |h: &str| {
        ctx.signals.iter().any(|s| {
            is_sysmon(s)
                && s.host
                    .as_deref()
                    .is_some_and(|x| host_key(x) == host_key(h))
        })
    };
    let with: Vec<&HostInScope> = hosts.iter().filter(|h| has(&h.name)).collect();
    if with.is_empty() {
        return;
    }
    for h in hosts
        .iter()
        .filter(|h| !has(&h.name) && !crate::impact::is_unnamed(&h.name))
    {
        out.push(gap("source-missing", format!("no Sysmon detection on {} while {} other host(s) in scope have them: process and file telemetry (EDR coverage) may be missing there", h.name, with.len()), &h.name));
    }
}

fn cleared(ctx: &Ctx<'_>, out: &mut Vec<Gap>) {
    for s in &ctx.signals {
        let eid = field(s, &["event_id"]).unwrap_or("");
        let clear = matches!(eid, "1102" | "104") || s.attack.iter().any(|t| t == "T1070.001");
        if !clear || s.kind == "analytic" {
            continue;
        }
        let host = s.host.as_deref().map(|h| ctx.host(h));
        let which = field(s, &["Channel", "param1"]).unwrap_or("an event log");
        out.push(Gap {
            kind: "log-cleared".into(),
            description: format!(
                "{} at {} on {}: {which}; events before it may be missing",
                s.title,
                s.time,
                host.as_deref().unwrap_or("an unnamed source")
            ),
            host,
            evidence: vec![s.evidence.clone()],
        });
    }
}

/// Median offset between Sysmon and Security process starts of the same command line.
fn skew(ctx: &Ctx<'_>, hosts: &[HostInScope], out: &mut Vec<Gap>) {
    for h in hosts {
        let on: Vec<&&Signal> = ctx
            .signals
            .iter()
            .filter(|s| {
                s.host
                    .as_deref()
                    .is_some_and(|x| host_key(x) == host_key(&h.name))
            })
            .collect();
        let cmd = |s: &Signal| field(s, &["process.command_line"]).map(str::to_string);
        let mut deltas: Vec<i64> = Vec::new();
        let mut evidence = Vec::new();
        for a in on
            .iter()
            .filter(|s| is_sysmon(s) && field(s, &["event_id"]) == Some("1"))
        {
            let pair = on
                .iter()
                .filter(|b| {
                    field(b, &["event_id"]) == Some("4688")
                        && b.title == a.title
                        && cmd(b) == cmd(a)
                        && cmd(a).is_some()
                })
                .min_by_key(|b| (b.time.micros() - a.time.micros()).abs());
            if let Some(b) = pair.filter(|b| secs(a.time, b.time).abs() <= 3600) {
                deltas.push(b.time.micros() - a.time.micros());
                if evidence.is_empty() {
                    evidence = vec![a.evidence.clone(), b.evidence.clone()];
                }
            }
        }
        deltas.sort_unstable();
        let Some(median) = deltas.get(deltas.len() / 2).map(|d| d / 1_000_000) else {
            continue;
        };
        if median.abs() > SKEW_SECS {
            out.push(Gap {
                kind: "clock-skew".into(),
                description: format!("on {} the Security log records the same process starts {median:+} s from Sysmon (median of {} pairs): times from the two sources differ by that much", h.name, deltas.len()),
                host: Some(h.name.clone()),
                evidence,
            });
        }
    }
}

fn gap(kind: &str, description: String, host: &str) -> Gap {
    Gap {
        kind: kind.into(),
        description,
        host: Some(host.to_string()),
        evidence: Vec::new(),
    }
}
