//! Analytic 4: signs of exfiltration — upload tools, password-protected archiving,
//! unusual egress volume — and the explicit result with what was checked and which
//! large transfers were judged legitimate.

use crate::config::{AnalyticsConfig, ExfilConfig};
use crate::model::{ExfilAssessment, Finding, Level};
use crate::norm::{
    clip, hhmm, human_bytes, image_base, in_hours, local_day, local_hour, redact, SEC,
};
use crate::records::{ProcStart, Transfer};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(crate) const TOOL: &str = "exfiltration.tool";
pub(crate) const ARCHIVE: &str = "exfiltration.archive";
pub(crate) const VOLUME: &str = "exfiltration.volume";

/// What the exfiltration analytic looks at.
pub(crate) struct Inputs<'a> {
    pub procs: &'a [ProcStart],
    pub transfers: &'a [Transfer],
    /// Internal addresses of each host (learned from the data), by host key.
    pub host_ips: &'a BTreeMap<String, BTreeSet<String>>,
    /// Hosts other analytics implicated (impact, chain), by host key.
    pub implicated: &'a BTreeSet<String>,
}

pub(crate) fn assess(inp: &Inputs<'_>, cfg: &AnalyticsConfig) -> ExfilAssessment {
    let egress: Vec<&Transfer> = inp.transfers.iter().filter(|t| is_egress(t, cfg)).collect();
    let names = ip_names(inp.host_ips);
    let mut findings = tools(inp.procs, cfg);
    findings.extend(archives(inp.procs, &egress, inp.host_ips, cfg));
    let (volume, explained) = volumes(&egress, &names, inp.implicated, cfg);
    findings.extend(volume);
    findings.sort_by_key(|f| f.time);
    ExfilAssessment {
        found: !findings.is_empty(),
        checked: checked(inp, &egress, cfg),
        findings,
        explained,
    }
}

fn is_egress(t: &Transfer, cfg: &AnalyticsConfig) -> bool {
    match crate::net::parse_ip(&t.peer) {
        Some(ip) => !crate::net::is_internal(ip, &cfg.internal_nets),
        None => !t.peer.is_empty(),
    }
}

/// Address → host name, for messages.
fn ip_names(host_ips: &BTreeMap<String, BTreeSet<String>>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for (host, ips) in host_ips {
        for ip in ips {
            m.insert(ip.clone(), host.to_uppercase());
        }
    }
    m
}

fn shown_cmd(p: &ProcStart, x: &ExfilConfig) -> String {
    let cmd = if p.command_line.is_empty() {
        &p.image
    } else {
        &p.command_line
    };
    clip(
        &redact(cmd, &x.redact_args, &x.attached_password_images),
        240,
    )
}

fn tools(procs: &[ProcStart], cfg: &AnalyticsConfig) -> Vec<Finding> {
    let x = &cfg.exfiltration;
    let mut out = Vec::new();
    for p in procs {
        let base = image_base(&p.image);
        let cmd = format!(" {} ", p.command_line.to_lowercase());
        let hit = x.tools.iter().find(|t| {
            t.image == base
                && (t.args_any.is_empty() || t.args_any.iter().any(|a| cmd.contains(a.as_str())))
        });
        let Some(tool) = hit else { continue };
        let mut f = Finding::new(
            TOOL,
            p.t,
            format!("upload tool {} run on {}", tool.image, p.host),
        )
        .attack(&["T1567", "T1048"]);
        f.level = Level::High;
        f.host = Some(p.host.clone());
        f.user = p.account.clone();
        f.summary = format!(
            "{} ran {}",
            p.account.as_deref().unwrap_or("?"),
            shown_cmd(p, x)
        );
        f.reasons = vec![format!(
            "{} is an upload/sync tool with upload arguments: {}",
            tool.image,
            shown_cmd(p, x)
        )];
        f.event_refs = vec![p.r];
        out.push(f);
    }
    out
}

fn archives(
    procs: &[ProcStart],
    egress: &[&Transfer],
    host_ips: &BTreeMap<String, BTreeSet<String>>,
    cfg: &AnalyticsConfig,
) -> Vec<Finding> {
    let x = &cfg.exfiltration;
    let mut out = Vec::new();
    for p in procs {
        let base = image_base(&p.image);
        let cmd = format!(" {} ", p.command_line.to_lowercase());
        let Some(a) = x
            .archivers
            .iter()
            .find(|a| a.image == base && a.add.iter().any(|s| cmd.contains(s.as_str())))
        else {
            continue;
        };
        let password = a.password.iter().any(|s| cmd.contains(s.as_str()));
        let (sent, refs) = egress_after(p, egress, host_ips, x);
        let followed = sent >= x.archive_egress_min_bytes;
        if !password && !followed {
            continue;
        }
        out.push(archive_finding(
            p,
            password,
            followed.then_some(sent),
            refs,
            x,
        ));
    }
    out
}

/// Egress bytes from the process's host within the window after it.
fn egress_after(
    p: &ProcStart,
    egress: &[&Transfer],
    host_ips: &BTreeMap<String, BTreeSet<String>>,
    x: &ExfilConfig,
) -> (u64, Vec<i64>) {
    let ips = host_ips.get(&p.host_key);
    let from_host = |o: &str| o.eq_ignore_ascii_case(&p.host) || ips.is_some_and(|s| s.contains(o));
    let end = p.t.micros() + x.archive_to_egress_secs * SEC;
    let hits: Vec<&&Transfer> = egress
        .iter()
        .filter(|t| from_host(&t.origin) && (p.t.micros()..=end).contains(&t.t.micros()))
        .collect();
    (
        hits.iter().map(|t| t.bytes).sum(),
        hits.iter().map(|t| t.r).collect(),
    )
}

fn archive_finding(
    p: &ProcStart,
    password: bool,
    sent: Option<u64>,
    refs: Vec<i64>,
    x: &ExfilConfig,
) -> Finding {
    let mut f = Finding::new(
        ARCHIVE,
        p.t,
        format!("archive created on {} before egress", p.host),
    )
    .attack(&["T1560.001"]);
    let mut reasons = vec![format!("archiver run: {}", shown_cmd(p, x))];
    if password {
        reasons
            .push("the archive is password-protected (password flag on the command line)".into());
    }
    if let Some(n) = sent {
        reasons.push(format!(
            "{} left the host within {} h after it",
            human_bytes(n),
            x.archive_to_egress_secs / 3600
        ));
    }
    f.level = if password && sent.is_some() {
        Level::High
    } else {
        Level::Medium
    };
    f.host = Some(p.host.clone());
    f.user = p.account.clone();
    f.summary = reasons.join("; ");
    f.reasons = reasons;
    f.event_refs = std::iter::once(p.r).chain(refs).collect();
    f
}

/// Egress of one origin to one peer in one window.
#[derive(Default)]
struct Flow<'a> {
    bytes: u64,
    parts: Vec<&'a Transfer>,
}

type FlowKey<'a> = (&'a str, &'a str, i64);

fn volumes(
    egress: &[&Transfer],
    names: &HashMap<String, String>,
    implicated: &BTreeSet<String>,
    cfg: &AnalyticsConfig,
) -> (Vec<Finding>, Vec<String>) {
    let x = &cfg.exfiltration;
    let mut flows: BTreeMap<FlowKey<'_>, Flow<'_>> = BTreeMap::new();
    for t in egress {
        let bucket = t.t.micros().div_euclid(x.window_secs * SEC);
        let f = flows
            .entry((t.origin.as_str(), t.peer.as_str(), bucket))
            .or_default();
        f.bytes += t.bytes;
        f.parts.push(t);
    }
    let mut findings = Vec::new();
    let mut explained = Vec::new();
    let large: Vec<(&FlowKey<'_>, &Flow<'_>)> = flows
        .iter()
        .filter(|(_, f)| f.bytes >= x.threshold_bytes)
        .collect();
    for (key, flow) in &large {
        let ctx = Judge {
            key,
            flow,
            flows: &flows,
            names,
            implicated,
            cfg,
        };
        match ctx.legitimate() {
            Some(why) => explained.push(why),
            None => findings.push(ctx.finding()),
        }
    }
    findings.extend(spread(&flows, names, cfg));
    (findings, explained)
}

/// One large flow being judged.
struct Judge<'a, 'b> {
    key: &'b FlowKey<'a>,
    flow: &'b Flow<'a>,
    flows: &'b BTreeMap<FlowKey<'a>, Flow<'a>>,
    names: &'b HashMap<String, String>,
    implicated: &'b BTreeSet<String>,
    cfg: &'b AnalyticsConfig,
}

impl Judge<'_, '_> {
    fn origin(&self) -> String {
        let o = self.key.0;
        match self.names.get(o) {
            Some(h) => format!("{h} ({o})"),
            None => o.to_string(),
        }
    }

    fn last(&self) -> &Transfer {
        self.flow
            .parts
            .iter()
            .max_by_key(|t| t.bytes)
            .copied()
            .unwrap_or(self.flow.parts[0])
    }

    fn accounts(&self) -> BTreeSet<&str> {
        self.flow
            .parts
            .iter()
            .filter_map(|t| t.account.as_deref())
            .collect()
    }

    /// Why the flow is legitimate, from the data; `None` when nothing explains it.
    fn legitimate(&self) -> Option<String> {
        let mut why = Vec::new();
        let recurring = self.recurring();
        let strong = recurring.is_some() | self.known_destination();
        why.extend(recurring);
        if self.known_destination() {
            why.push(format!(
                "{} is a configured business destination",
                self.key.1
            ));
        }
        let service = self.service_account();
        let work = self.work_hours();
        why.extend(service.clone());
        why.extend(work.clone());
        if !(strong || service.is_some() && work.is_some()) {
            return None;
        }
        Some(self.explanation(why))
    }

    fn explanation(&self, why: Vec<String>) -> String {
        let t = self.last();
        let mut s = format!(
            "{} {} from {} to {} via {} (event {}, {}): legitimate — {}",
            human_bytes(self.flow.bytes),
            t.t,
            self.origin(),
            self.key.1,
            t.via,
            t.r,
            self.accounts().into_iter().collect::<Vec<_>>().join(", "),
            why.join("; ")
        );
        let host = self.names.get(self.key.0).map(|h| h.to_lowercase());
        if host.is_some_and(|h| self.implicated.contains(&h)) {
            s.push_str(" (the host is implicated by other findings, but this transfer matches its own history)");
        }
        s
    }

    /// The same origin sent to the same peer on other days, at a similar hour, with a
    /// similar volume.
    fn recurring(&self) -> Option<String> {
        let x = &self.cfg.exfiltration;
        let off = self.cfg.utc_offset_minutes;
        let me = self.last().t;
        let (day, hour) = (local_day(me, off), local_hour(me, off));
        let mut days: BTreeMap<i64, (u64, firebreak_event::Timestamp)> = BTreeMap::new();
        for ((o, p, _), f) in self.flows.iter() {
            if *o != self.key.0 || *p != self.key.1 {
                continue;
            }
            let Some(t) = f.parts.iter().map(|t| t.t).max() else {
                continue;
            };
            let d = local_day(t, off);
            let close =
                crate::norm::hour_distance(local_hour(t, off), hour) <= x.recurring_hour_tolerance;
            let ratio = f.bytes as f64 / self.flow.bytes.max(1) as f64;
            let similar =
                ratio <= x.recurring_volume_factor && ratio * x.recurring_volume_factor >= 1.0;
            if d != day && close && similar {
                let e = days.entry(d).or_insert((0, t));
                if f.bytes > e.0 {
                    *e = (f.bytes, t);
                }
            }
        }
        if days.len() < x.recurring_min_days {
            return None;
        }
        let list: Vec<String> = days
            .values()
            .map(|(b, t)| format!("{} at {}", human_bytes(*b), t))
            .collect();
        Some(format!(
            "it recurs: the same source sent similar volumes to {} at a similar time (±{} h of {}) on {} other days in the data: {}",
            self.key.1,
            x.recurring_hour_tolerance,
            hhmm(me, off),
            days.len(),
            list.join(", ")
        ))
    }

    fn known_destination(&self) -> bool {
        let peer = self.key.1.to_lowercase();
        self.cfg.exfiltration.known_destinations.iter().any(|d| {
            let d = d.to_lowercase();
            peer == d || peer.ends_with(&format!(".{}", d.trim_start_matches('.')))
        })
    }

    fn service_account(&self) -> Option<String> {
        let accounts = self.accounts();
        let pats = &self.cfg.exfiltration.service_accounts;
        let all = !accounts.is_empty()
            && accounts
                .iter()
                .all(|a| pats.iter().any(|p| wildcard(p, &a.to_lowercase())));
        all.then(|| {
            format!(
                "by service account {}",
                accounts.into_iter().collect::<Vec<_>>().join(", ")
            )
        })
    }

    fn work_hours(&self) -> Option<String> {
        let off = self.cfg.utc_offset_minutes;
        let t = self.last().t;
        let (a, b) = self.cfg.work_hours;
        in_hours(local_hour(t, off), self.cfg.work_hours)
            .then(|| format!("during work hours ({} within {a:02}-{b:02})", hhmm(t, off)))
    }

    fn finding(&self) -> Finding {
        let t = self.last();
        let first = self.flow.parts.iter().map(|t| t.t).min().unwrap_or(t.t);
        let mut f = Finding::new(
            VOLUME,
            first,
            format!(
                "unusual egress: {} from {} to {}",
                human_bytes(self.flow.bytes),
                self.origin(),
                self.key.1
            ),
        )
        .attack(&["T1048", "T1567"]);
        f.level = Level::High;
        f.src_ip = Some(self.key.0.to_string());
        f.host = self.names.get(self.key.0).cloned();
        f.user = self.accounts().into_iter().next().map(str::to_string);
        f.reasons = vec![format!(
            "{} in one {}-min window (threshold {}), not recurring on other days, not to a known destination, not a service account in work hours",
            human_bytes(self.flow.bytes),
            self.cfg.exfiltration.window_secs / 60,
            human_bytes(self.cfg.exfiltration.threshold_bytes)
        )];
        f.summary = f.reasons[0].clone();
        f.event_refs = self.flow.parts.iter().map(|t| t.r).collect();
        f
    }
}

/// `*` wildcards only.
fn wildcard(pattern: &str, s: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == s,
        Some((head, tail)) => {
            let Some(rest) = s.strip_prefix(head) else {
                return false;
            };
            if !tail.contains('*') {
                return rest.len() >= tail.len() && rest.ends_with(tail);
            }
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| wildcard(tail, &rest[i..]))
        }
    }
}

/// Origins whose window total, spread over destinations each below the threshold, is
/// above the threshold and far above their own median window.
fn spread(
    flows: &BTreeMap<FlowKey<'_>, Flow<'_>>,
    names: &HashMap<String, String>,
    cfg: &AnalyticsConfig,
) -> Vec<Finding> {
    let x = &cfg.exfiltration;
    let mut windows: BTreeMap<(&str, i64), Window> = BTreeMap::new();
    for ((o, _, b), f) in flows {
        let w = windows.entry((*o, *b)).or_default();
        w.0 += f.bytes;
        w.1 = w.1.max(f.bytes);
        w.2.extend(f.parts.iter().map(|t| t.r));
        w.3 += 1;
    }
    let mut per_origin: HashMap<&str, Vec<u64>> = HashMap::new();
    for ((o, _), w) in &windows {
        per_origin.entry(o).or_default().push(w.0);
    }
    let mut out = Vec::new();
    for ((o, b), (total, biggest, refs, peers)) in &windows {
        let median = median(per_origin.get(o).map_or(&[][..], |v| v));
        let unusual = *total as f64 >= x.baseline_factor * median as f64;
        if *total < x.threshold_bytes || *biggest >= x.threshold_bytes || !unusual {
            continue;
        }
        let Ok(t) = firebreak_event::Timestamp::from_micros(b * x.window_secs * SEC) else {
            continue;
        };
        let mut f = Finding::new(
            VOLUME,
            t,
            format!(
                "unusual egress volume from {o}: {} to {peers} destinations",
                human_bytes(*total)
            ),
        )
        .attack(&["T1048"]);
        f.level = Level::Medium;
        f.src_ip = Some(o.to_string());
        f.host = names.get(*o).cloned();
        f.reasons = vec![format!(
            "{} in one window, {}x its median window of {}",
            human_bytes(*total),
            x.baseline_factor,
            human_bytes(median)
        )];
        f.summary = f.reasons[0].clone();
        f.event_refs = refs.clone();
        out.push(f);
    }
    out
}

/// One source's window: total, biggest flow, event refs, destinations.
type Window = (u64, u64, Vec<i64>, usize);

fn median(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn checked(inp: &Inputs<'_>, egress: &[&Transfer], cfg: &AnalyticsConfig) -> Vec<String> {
    let x = &cfg.exfiltration;
    let hosts: BTreeSet<&str> = inp.procs.iter().map(|p| p.host.as_str()).collect();
    let tools: Vec<&str> = x.tools.iter().map(|t| t.image.as_str()).collect();
    let archivers: Vec<&str> = x.archivers.iter().map(|a| a.image.as_str()).collect();
    let mut out = vec![
        format!(
            "{} process starts on {} hosts (Sysmon 1, Security 4688, logged commands) checked for upload tools ({}) and archiving ({}) with password flags or followed by egress",
            inp.procs.len(),
            hosts.len(),
            tools.join(", "),
            archivers.join(", ")
        ),
    ];
    out.extend(egress_checked(inp.transfers, egress, cfg));
    out
}

fn egress_checked(all: &[Transfer], egress: &[&Transfer], cfg: &AnalyticsConfig) -> Vec<String> {
    let x = &cfg.exfiltration;
    if egress.is_empty() {
        return vec![format!(
            "egress volume could not be checked: {} proxy/gateway/web/flow records with byte counts, none to an outside destination",
            all.len()
        )];
    }
    let mut via: BTreeMap<&str, usize> = BTreeMap::new();
    for t in egress {
        *via.entry(t.via).or_default() += 1;
    }
    let origins: BTreeSet<&str> = egress.iter().map(|t| t.origin.as_str()).collect();
    let peers: BTreeSet<&str> = egress.iter().map(|t| t.peer.as_str()).collect();
    let first = egress.iter().map(|t| t.t).min();
    let last = egress.iter().map(|t| t.t).max();
    let via: Vec<String> = via.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let biggest = egress.iter().max_by_key(|t| t.bytes);
    let mut out = vec![format!(
        "egress records: {} from {} sources to {} outside destinations, {} to {}",
        via.join(", "),
        origins.len(),
        peers.len(),
        first.map(|t| t.to_string()).unwrap_or_default(),
        last.map(|t| t.to_string()).unwrap_or_default()
    ), format!(
        "volume per source and destination per {}-min window against {} (and {}x the source's median window for traffic spread over destinations); recurring = same source and destination on {}+ other days within {}x volume and ±{} h",
        x.window_secs / 60,
        human_bytes(x.threshold_bytes),
        x.baseline_factor,
        x.recurring_min_days,
        x.recurring_volume_factor,
        x.recurring_hour_tolerance
    )];
    if let Some(b) = biggest {
        out.push(format!(
            "largest single record: {} from {} to {} at {} ({})",
            human_bytes(b.bytes),
            b.origin,
            b.peer,
            b.t,
            clip(&clip_clean(b.via), 40)
        ));
    }
    out.push("squid native logs give one byte count per request: both directions for CONNECT tunnels, only the reply otherwise; GET downloads are not counted as egress".into());
    out
}

fn clip_clean(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("svc_*", "svc_backup"));
        assert!(wildcard("*$", "fs01$"));
        assert!(!wildcard("svc_*", "p.graf"));
        assert!(wildcard("a*b*c", "axxbyyc"));
        assert!(!wildcard("a*b*c", "axxbyy"));
        assert_eq!(median(&[5, 1, 9]), 5);
    }
}
