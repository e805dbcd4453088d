//! Analytic 1: remote-access logins (gateway/VPN, RDP, SSH) judged against the
//! account's own history, recent failures and the leak set.

use crate::config::AnalyticsConfig;
use crate::model::{Finding, Level};
use crate::norm::{hhmm, hour_distance, in_hours, local_hour, SEC};
use crate::records::{Channel, Login};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

pub(crate) const LOGIN: &str = "remote-access.login";
pub(crate) const SPRAY: &str = "remote-access.spray";

/// An account's earlier successful logins on one channel.
#[derive(Default)]
struct History {
    sources: BTreeSet<String>,
    /// Countries and AS numbers of earlier sources (with a GeoIP database).
    countries: BTreeSet<String>,
    asns: BTreeSet<u32>,
    hours: BTreeSet<u8>,
    count: usize,
}

/// Failures of the last window, oldest first.
#[derive(Default)]
struct Recent {
    failures: VecDeque<(i64, String, Option<String>, i64)>,
}

impl Recent {
    fn expire(&mut self, now: i64, window: i64) {
        while self.failures.front().is_some_and(|f| f.0 < now - window) {
            self.failures.pop_front();
        }
    }
    fn for_account(&self, account: &str) -> Vec<i64> {
        self.failures
            .iter()
            .filter(|f| f.1 == account)
            .map(|f| f.3)
            .collect()
    }
    fn accounts_from(&self, src: &str) -> (HashSet<&str>, Vec<i64>) {
        let hits = self.failures.iter().filter(|f| f.2.as_deref() == Some(src));
        let accounts = hits.clone().map(|f| f.1.as_str()).collect();
        (accounts, hits.map(|f| f.3).collect())
    }
}

/// Judges every successful login in time order; one finding per login with a reason.
pub(crate) fn analyse(logins: &mut [Login], cfg: &AnalyticsConfig) -> Vec<Finding> {
    logins.sort_by_key(|l| (l.t, l.r));
    let window = cfg.remote_access.failure_window_secs * SEC;
    let mut history: HashMap<(Channel, String), History> = HashMap::new();
    let mut recent = Recent::default();
    let mut since: HashMap<Channel, i64> = HashMap::new();
    let mut findings = Vec::new();
    for l in logins.iter() {
        recent.expire(l.t.micros(), window);
        let covered = l.t.micros() - *since.entry(l.channel).or_insert(l.t.micros());
        if !l.ok {
            recent
                .failures
                .push_back((l.t.micros(), l.account.clone(), l.src.clone(), l.r));
            continue;
        }
        let h = history.entry((l.channel, l.account.clone())).or_default();
        if let Some(f) = judge(l, h, &recent, covered, cfg) {
            findings.push(f);
        }
        h.count += 1;
        h.hours.insert(local_hour(l.t, cfg.utc_offset_minutes));
        h.sources.extend(l.src.clone());
        if let Some(g) = geo(l, cfg) {
            h.countries.extend(g.country.clone());
            h.asns.extend(g.asn);
        }
    }
    findings.extend(sprays(logins, cfg));
    findings
}

/// Reasons and the event refs they rest on.
type Reasons = (Vec<String>, Vec<i64>, Vec<&'static str>);

fn judge(
    l: &Login,
    h: &History,
    recent: &Recent,
    covered: i64,
    cfg: &AnalyticsConfig,
) -> Option<Finding> {
    let mut why: Reasons = (Vec::new(), vec![l.r], Vec::new());
    new_source(l, h, covered, cfg, &mut why);
    unusual_hour(l, h, cfg, &mut why);
    failures(l, recent, cfg, &mut why);
    leaked(l, cfg, &mut why);
    new_network(l, h, cfg, &mut why);
    if why.0.is_empty() {
        return None;
    }
    Some(finding(l, recent, why))
}

/// `covered`: how long the channel's data reaches back before this login.
fn new_source(l: &Login, h: &History, covered: i64, cfg: &AnalyticsConfig, why: &mut Reasons) {
    let Some(src) = &l.src else { return };
    if covered < cfg.remote_access.new_source_min_days * 86_400 * SEC || h.sources.contains(src) {
        return;
    }
    let days = covered as f64 / (86_400 * SEC) as f64;
    let seen = if h.count == 0 {
        "no earlier login of the account".to_string()
    } else {
        let known: Vec<&str> = h.sources.iter().take(3).map(String::as_str).collect();
        format!("{} earlier logins, from {}", h.count, known.join(", "))
    };
    why.0.push(format!(
        "new source: {src} was never seen for {} in {days:.1} days of {} logins ({seen})",
        l.account,
        l.channel.name(),
    ));
    why.2.push("new-source");
}

fn unusual_hour(l: &Login, h: &History, cfg: &AnalyticsConfig, why: &mut Reasons) {
    let off = cfg.utc_offset_minutes;
    let hour = local_hour(l.t, off);
    let ra = &cfg.remote_access;
    let at = format!("at {} (UTC{:+})", hhmm(l.t, off), off / 60);
    if h.count >= ra.usual_hours_min_history {
        let usual = h
            .hours
            .iter()
            .any(|&p| hour_distance(p, hour) <= ra.usual_hours_tolerance);
        if !usual {
            let hours: Vec<String> = h.hours.iter().map(|x| format!("{x:02}h")).collect();
            why.0.push(format!(
                "unusual hour: {at}, outside {}'s usual login hours ({}) over {} earlier logins",
                l.account,
                hours.join(", "),
                h.count
            ));
            why.2.push("unusual-hour");
        }
    } else if !in_hours(hour, cfg.work_hours) {
        let (a, b) = cfg.work_hours;
        why.0.push(format!(
            "unusual hour: {at}, outside work hours {a:02}-{b:02} ({} earlier logins: too few for the account's own hours)",
            h.count
        ));
        why.2.push("unusual-hour");
    }
}

fn failures(l: &Login, recent: &Recent, cfg: &AnalyticsConfig, why: &mut Reasons) {
    let ra = &cfg.remote_access;
    let mins = ra.failure_window_secs / 60;
    let own = recent.for_account(&l.account);
    if own.len() >= ra.account_failures {
        why.0.push(format!(
            "after a burst of failures: {} failed logins for {} in the {mins} min before",
            own.len(),
            l.account
        ));
        why.1.extend(own);
        why.2.push("failure-burst");
    }
    let Some(src) = &l.src else { return };
    let (accounts, refs) = recent.accounts_from(src);
    if accounts.len() >= ra.spray_accounts {
        why.0.push(format!(
            "after spraying: {src} failed logins for {} accounts in the {mins} min before",
            accounts.len()
        ));
        why.1.extend(refs);
        why.2.push("spray");
    }
}

fn geo<'c>(l: &Login, cfg: &'c AnalyticsConfig) -> Option<&'c crate::geoip::Geo> {
    let ip = l.src.as_deref()?.parse().ok()?;
    cfg.geoip.as_ref()?.lookup(ip)
}

/// A country or AS never seen for the account (needs earlier logins with known
/// geography; with none, every first login would count).
fn new_network(l: &Login, h: &History, cfg: &AnalyticsConfig, why: &mut Reasons) {
    let Some(g) = geo(l, cfg) else { return };
    let new_country = g
        .country
        .as_ref()
        .filter(|c| !h.countries.is_empty() && !h.countries.contains(*c));
    let new_asn = g.asn.filter(|a| !h.asns.is_empty() && !h.asns.contains(a));
    if new_country.is_none() && new_asn.is_none() {
        return;
    }
    let before: Vec<String> = h
        .countries
        .iter()
        .cloned()
        .chain(h.asns.iter().map(|a| format!("AS{a}")))
        .collect();
    why.0.push(format!(
        "new country/network: {} ({}) was never seen for {} (earlier: {})",
        l.src.as_deref().unwrap_or("?"),
        g.describe(),
        l.account,
        before.join(", ")
    ));
    why.2.push("new-network");
}

fn leaked(l: &Login, cfg: &AnalyticsConfig, why: &mut Reasons) {
    let Some(m) = cfg.leaks.as_ref().and_then(|s| s.lookup(&l.user)) else {
        return;
    };
    why.0.push(format!(
        "leaked credentials: {} is listed in {} (line {}, as {}, with a {})",
        l.account,
        m.origin,
        m.line,
        m.listed_as,
        m.kind.as_str()
    ));
    why.2.push("leaked");
}

fn finding(l: &Login, recent: &Recent, (reasons, refs, tags): Reasons) -> Finding {
    let src = l.src.as_deref().unwrap_or("an unknown address");
    let mut f = Finding::new(
        LOGIN,
        l.t,
        format!(
            "{} login of {} from {src} ({})",
            l.channel.name(),
            l.account,
            tags.join(", ")
        ),
    )
    .attack(&techniques(l.channel, &tags));
    let same_src_failures = recent
        .failures
        .iter()
        .filter(|x| x.1 == l.account && x.2 == l.src)
        .count();
    f.summary = format!(
        "{} login of {} on {} from {src}; {} reason(s); {} failed attempt(s) for the account from the same source in the window before",
        l.channel.name(),
        l.user,
        l.host,
        reasons.len(),
        same_src_failures
    );
    f.level = Level::from_reasons(reasons.len());
    f.host = Some(l.host.clone());
    f.user = Some(l.user.clone());
    f.src_ip = l.src.clone();
    f.reasons = reasons;
    f.event_refs = refs;
    f
}

fn techniques(channel: Channel, tags: &[&str]) -> Vec<&'static str> {
    let mut t = vec!["T1078"];
    t.push(match channel {
        Channel::Rdp => "T1021.001",
        Channel::Ssh => "T1021.004",
        _ => "T1133",
    });
    if tags.contains(&"spray") {
        t.push("T1110.003");
    }
    if tags.contains(&"failure-burst") {
        t.push("T1110.001");
    }
    t
}

/// Sources that failed logins for many accounts within the window, successful or not:
/// one finding per source and burst.
fn sprays(logins: &[Login], cfg: &AnalyticsConfig) -> Vec<Finding> {
    let window = cfg.remote_access.failure_window_secs * SEC;
    let mut by_src: HashMap<&str, Vec<&Login>> = HashMap::new();
    for l in logins.iter().filter(|l| !l.ok) {
        if let Some(s) = &l.src {
            by_src.entry(s).or_default().push(l);
        }
    }
    let mut out = Vec::new();
    for (src, fails) in by_src {
        let mut start = 0;
        let mut end_of_last = i64::MIN;
        for i in 0..fails.len() {
            while fails[i].t.micros() - fails[start].t.micros() > window {
                start += 1;
            }
            let burst = &fails[start..=i];
            let accounts: BTreeSet<&str> = burst.iter().map(|l| l.account.as_str()).collect();
            if accounts.len() >= cfg.remote_access.spray_accounts
                && fails[start].t.micros() > end_of_last
            {
                out.push(spray_finding(src, burst, &accounts));
                end_of_last = fails[i].t.micros();
            }
        }
    }
    out
}

fn spray_finding(src: &str, burst: &[&Login], accounts: &BTreeSet<&str>) -> Finding {
    let first = burst[0];
    let names: Vec<&str> = accounts.iter().take(10).copied().collect();
    let mut f = Finding::new(
        SPRAY,
        first.t,
        format!(
            "password spraying from {src}: {} accounts failed",
            accounts.len()
        ),
    )
    .attack(&["T1110.003"]);
    f.level = Level::Medium;
    f.src_ip = Some(src.to_string());
    f.host = Some(first.host.clone());
    f.summary = format!(
        "{} failed {} logins for {} accounts from {src} (first: {})",
        burst.len(),
        first.channel.name(),
        accounts.len(),
        names.join(", ")
    );
    f.reasons = vec![f.summary.clone()];
    f.event_refs = burst.iter().map(|l| l.r).collect();
    f
}
