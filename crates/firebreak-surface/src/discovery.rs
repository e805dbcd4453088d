//! Name discovery: per scoped domain the NS/MX/TXT records, zone transfers against the
//! in-scope name servers, and the wordlist brute force with wildcard detection; then
//! permutations of what was found and brute force under discovered sub-zones. Every
//! query goes through the configured resolvers ([`Dns`]).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use hickory_proto::rr::{RData, RecordType};
use serde_json::json;
use tokio::task::JoinSet;

use crate::dns::{self, HostInfo};
use crate::error::SurfaceError;
use crate::finding::{Finding, Severity};
use crate::kb::WORDLIST;
use crate::permute;
use crate::pipeline::{Config, Ctx};

/// What one domain's discovery gave.
pub(crate) struct Discovered {
    /// (name, how it was found).
    names: Vec<(String, &'static str)>,
    /// Names resolved on the way.
    hosts: Vec<HostInfo>,
    /// The domain's wildcard addresses.
    wildcard: Vec<IpAddr>,
    /// Addresses the domain's SPF record names (`ip4:`/`ip6:`).
    spf: Vec<IpAddr>,
}
type DomainResult = Result<(String, Result<Discovered, SurfaceError>), tokio::task::JoinError>;
type HostResult = Result<Result<HostInfo, SurfaceError>, tokio::task::JoinError>;

/// Everything found so far.
#[derive(Default)]
pub(crate) struct Names {
    /// Every name and the first way it was found.
    pub names: BTreeMap<String, &'static str>,
    /// Names resolved (with or without addresses).
    pub resolved: BTreeMap<String, HostInfo>,
    /// Wildcard addresses per scoped domain or sub-zone.
    pub wildcards: BTreeMap<String, Vec<IpAddr>>,
    /// Addresses each scoped domain's SPF record names (origin candidates).
    pub spf: BTreeMap<String, Vec<IpAddr>>,
}

/// Addresses an SPF record names: `ip4:`/`ip6:` mechanisms, a range giving at most its
/// first 16 hosts (origin candidates, not a sweep).
pub(crate) fn spf_addresses(txt: &str) -> Vec<IpAddr> {
    let txt: String = txt.chars().filter(|c| *c != '"').collect();
    let txt = txt.trim();
    if !txt.to_ascii_lowercase().starts_with("v=spf1") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for tok in txt.split_whitespace() {
        let tok = tok.trim_start_matches(['+', '?', '~']);
        let Some(v) = tok
            .strip_prefix("ip4:")
            .or_else(|| tok.strip_prefix("ip6:"))
        else {
            continue;
        };
        if let Ok(ip) = v.parse::<IpAddr>() {
            out.push(ip);
        } else if let Ok(net) = v.parse::<ipnet::IpNet>() {
            out.extend(net.trunc().hosts().take(16));
        }
    }
    out
}

/// The brute-force labels: the bundled list and the user's, cleaned, sorted, unique.
pub(crate) fn wordlist(cfg: &Config) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    if cfg.bundled_wordlist {
        words.extend(WORDLIST.lines().map(str::to_string));
    }
    for w in &cfg.wordlists {
        words.extend(w.lines().map(|l| l.trim().to_ascii_lowercase()));
    }
    words.retain(|w| {
        !w.is_empty()
            && w.len() <= 63
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    });
    words.sort();
    words.dedup();
    words
}

/// Discovery of every scoped domain, four at a time.
pub(crate) async fn domains(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    words: &Arc<Vec<String>>,
    found: &mut Names,
) -> Result<(), SurfaceError> {
    let mut set = JoinSet::new();
    for domain in cfg.scope.domains.clone() {
        let task_ctx = ctx.clone();
        let words = words.clone();
        let c = cfg.clone();
        set.spawn(async move {
            let r = discover(&task_ctx, &c, &domain, &words).await;
            (domain, r)
        });
        while set.len() >= 4 {
            merge(ctx, set.join_next().await, found)?;
        }
    }
    while let Some(r) = set.join_next().await {
        merge(ctx, Some(r), found)?;
    }
    Ok(())
}

/// A resolution that failed for this name alone (a label the wordlist got wrong) is a
/// miss; a task that died ends the run.
fn host_of(r: HostResult) -> Result<Option<HostInfo>, SurfaceError> {
    Ok(r.map_err(|_| SurfaceError::Closed)?.ok())
}

/// Resolves `todo` with at most `concurrency` queries in flight.
pub(crate) async fn resolve_all(
    ctx: &Arc<Ctx>,
    todo: Vec<String>,
    v6: bool,
    concurrency: usize,
) -> Result<Vec<HostInfo>, SurfaceError> {
    let mut set = JoinSet::new();
    let mut out = Vec::new();
    for n in todo {
        let ctx = ctx.clone();
        set.spawn(async move { ctx.dns.resolve_host(&n, v6).await });
        while set.len() >= concurrency.max(1) {
            if let Some(r) = set.join_next().await {
                out.extend(host_of(r)?);
            }
        }
    }
    while let Some(r) = set.join_next().await {
        out.extend(host_of(r)?);
    }
    Ok(out)
}

/// Hits of a guessed name list: resolved, with addresses, and not only the wildcard's.
pub(crate) async fn guess(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    todo: Vec<String>,
    wildcard: &[IpAddr],
) -> Result<Vec<HostInfo>, SurfaceError> {
    let mut hits = resolve_all(ctx, todo, cfg.ipv6, cfg.dns_concurrency).await?;
    hits.retain(|h| {
        let only_wildcard = !wildcard.is_empty()
            && h.cnames.is_empty()
            && h.addrs.iter().all(|a| wildcard.contains(a));
        !h.addrs.is_empty() && !only_wildcard
    });
    Ok(hits)
}

fn merge(ctx: &Ctx, r: Option<DomainResult>, found: &mut Names) -> Result<(), SurfaceError> {
    if let Some(r) = r {
        let (domain, r) = r.map_err(|_| SurfaceError::Closed)?;
        let d = match r {
            Ok(d) => d,
            Err(e) => {
                // partial success: this domain's discovery stopped, the others go on
                ctx.emit(Finding::new(
                    "scan.problem",
                    Severity::Info,
                    &domain,
                    format!("discovery of {domain} stopped: {e}"),
                    "the rest of the run is unaffected",
                ));
                return Ok(());
            }
        };
        for (name, src) in d.names {
            found.names.entry(name).or_insert(src);
        }
        for h in d.hosts {
            found.resolved.insert(h.name.clone(), h);
        }
        found.wildcards.insert(domain.clone(), d.wildcard);
        found.spf.insert(domain, d.spf);
    }
    Ok(())
}

/// The brute force of `words` under `zone`, with wildcard detection: (hits, the
/// wildcard's addresses).
pub(crate) async fn brute(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    zone: &str,
    words: &[String],
) -> Result<(Vec<HostInfo>, Vec<IpAddr>), SurfaceError> {
    let wildcard: Vec<IpAddr> = ctx.dns.wildcard(zone).await?.into_iter().collect();
    if !wildcard.is_empty() {
        ctx.emit(
            Finding::new(
                "dns.wildcard",
                Severity::Info,
                zone,
                format!("*.{zone} answers for any name"),
                "brute-force hits that only return the wildcard's addresses are dropped",
            )
            .evidence(json!({"addresses": wildcard})),
        );
    }
    let todo = words.iter().map(|w| format!("{w}.{zone}")).collect();
    let hits = guess(ctx, cfg, todo, &wildcard).await?;
    Ok((hits, wildcard))
}

async fn discover(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    domain: &str,
    words: &Arc<Vec<String>>,
) -> Result<Discovered, SurfaceError> {
    let mut found: Vec<(String, &'static str)> = vec![(domain.to_string(), "scope")];
    let mut hosts = Vec::new();
    let scope = &cfg.scope;
    let keep = |n: &str| scope.domain_of(n).is_some();

    // NS, MX, TXT
    let ns_names: Vec<String> = ctx
        .dns
        .records(domain, RecordType::NS)
        .await?
        .iter()
        .filter_map(|r| match r {
            RData::NS(n) => Some(dns::text(&n.0)),
            _ => None,
        })
        .collect();
    let mx: Vec<String> = ctx
        .dns
        .records(domain, RecordType::MX)
        .await?
        .iter()
        .filter_map(|r| match r {
            RData::MX(m) => Some(dns::text(&m.exchange)),
            _ => None,
        })
        .collect();
    let txt: Vec<String> = ctx
        .dns
        .records(domain, RecordType::TXT)
        .await?
        .iter()
        .map(|r| r.to_string())
        .collect();
    ctx.emit(
        Finding::new(
            "dns.records",
            Severity::Info,
            domain,
            format!("{domain}: name servers, mail, TXT"),
            "inventory",
        )
        .evidence(json!({"ns": ns_names, "mx": mx, "txt": txt})),
    );
    for n in ns_names.iter().chain(mx.iter()) {
        if keep(n) {
            found.push((n.clone(), "ns/mx"));
        }
    }

    // zone transfer against every in-scope name server address
    if cfg.axfr {
        for ns in &ns_names {
            let h = ctx.dns.resolve_host(ns, cfg.ipv6).await?;
            for a in &h.addrs {
                if !ctx.guard.in_scope(*a) {
                    ctx.emit(
                        Finding::new(
                            "scope.out_of_scope",
                            Severity::Info,
                            ns,
                            format!("name server {ns} ({a}) of {domain} is outside the scoped ranges: no zone transfer attempted"),
                            "the scope file does not cover this address",
                        )
                        .at(*a, Some(53)),
                    );
                    continue;
                }
                if let Ok(Some(records)) = dns::axfr(&ctx.guard, *a, domain).await {
                    let mut zone_names: BTreeSet<String> = BTreeSet::new();
                    for r in &records {
                        let n = dns::text(&r.name);
                        if keep(&n) && !n.starts_with('*') {
                            zone_names.insert(n);
                        }
                    }
                    ctx.emit(
                        Finding::new(
                            "dns.axfr_open",
                            Severity::High,
                            domain,
                            format!(
                                "{ns} ({a}) allows a zone transfer of {domain}: {} names",
                                zone_names.len()
                            ),
                            "anyone can list every host of the zone, hidden ones included",
                        )
                        .at(*a, Some(53))
                        .evidence(
                            json!({"server": ns, "records": records.len(), "names": zone_names}),
                        ),
                    );
                    found.extend(zone_names.into_iter().map(|n| (n, "axfr")));
                }
            }
            hosts.push(h);
        }
    }

    // brute force with wildcard detection
    let mut wildcard = Vec::new();
    if cfg.brute && !words.is_empty() {
        let (hits, w) = brute(ctx, cfg, domain, words).await?;
        wildcard = w;
        for h in hits {
            found.push((h.name.clone(), "bruteforce"));
            hosts.push(h);
        }
    }
    let spf = txt.iter().flat_map(|t| spf_addresses(t)).collect();
    Ok(Discovered {
        names: found,
        hosts,
        wildcard,
        spf,
    })
}

/// Adds the passive inputs' in-scope names, then tries permutations of everything
/// known (bounded by `cfg.permutations`); a permutation that only meets its domain's
/// wildcard is no name.
pub(crate) async fn passive_and_permutations(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    found: &mut Names,
) -> Result<(), SurfaceError> {
    for n in &cfg.passive {
        if cfg.scope.domain_of(n).is_some() {
            found.names.entry(n.clone()).or_insert("passive");
        }
    }
    if cfg.permutations == 0 {
        return Ok(());
    }
    let seeds: Vec<(String, String)> = found
        .names
        .keys()
        .filter_map(|n| Some((n.clone(), cfg.scope.domain_of(n)?.to_string())))
        .collect();
    let known: BTreeSet<String> = found.names.keys().cloned().collect();
    let todo = permute::candidates(&seeds, &known, &cfg.permutation_words, cfg.permutations);
    let mut by_domain: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in todo {
        if let Some(d) = cfg.scope.domain_of(&n) {
            by_domain.entry(d.to_string()).or_default().push(n);
        }
    }
    for (d, list) in by_domain {
        let wildcard = found.wildcards.get(&d).cloned().unwrap_or_default();
        for h in guess(ctx, cfg, list, &wildcard).await? {
            found.names.entry(h.name.clone()).or_insert("permutation");
            found.resolved.insert(h.name.clone(), h);
        }
    }
    Ok(())
}

/// Sub-zones worth a brute force: the parents of `new` names that are neither a scoped
/// domain nor done already, at most `max`.
pub(crate) fn subzones(
    cfg: &Config,
    new: &BTreeSet<String>,
    done: &mut BTreeSet<String>,
    max: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    for n in new {
        let Some((_, parent)) = n.split_once('.') else {
            continue;
        };
        let Some(domain) = cfg.scope.domain_of(parent) else {
            continue;
        };
        if parent != domain && out.len() < max && done.insert(parent.to_string()) {
            out.push(parent.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;

    #[test]
    fn spf_mechanisms() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            spf_addresses(
                "\"v=spf1 ip4:10.77.0.20 +ip4:192.0.2.0/30 ip6:2001:db8::1 include:x -all\""
            ),
            [
                ip("10.77.0.20"),
                ip("192.0.2.1"),
                ip("192.0.2.2"),
                ip("2001:db8::1")
            ]
        );
        assert_eq!(
            spf_addresses("ip4:10.0.0.0/8 v=spf1").len(),
            0,
            "not an SPF record"
        );
        assert_eq!(
            spf_addresses("v=spf1 ip4:10.0.0.0/8").len(),
            16,
            "ranges bounded"
        );
        assert!(spf_addresses("v=spf1 ip4:bad ip4: -all").is_empty());
    }

    #[test]
    fn subzones_of_new_names() {
        let cfg = Config::new(Scope::parse("lab.test\n").unwrap(), Vec::new());
        let new: BTreeSet<String> = [
            "a.dev.lab.test",
            "b.dev.lab.test",
            "www.lab.test",
            "x.y.z.lab.test",
            "host.other.test",
            "c.qa.lab.test",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut done = BTreeSet::from(["qa.lab.test".to_string()]);
        assert_eq!(
            subzones(&cfg, &new, &mut done, 8),
            ["dev.lab.test", "y.z.lab.test"]
        );
        // each sub-zone once, and no more than asked
        assert!(subzones(&cfg, &new, &mut done, 8).is_empty());
        let mut fresh = BTreeSet::new();
        assert_eq!(subzones(&cfg, &new, &mut fresh, 1).len(), 1);
    }
}
