//! The protection stages: is each name behind a DDoS-protection / CDN / WAF provider
//! (by address range or CNAME suffix as soon as it resolves; by the response headers
//! and cookies the fingerprinter saw, after the scan), and can each protected site be
//! reached around its provider (origin exposure)?

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde_json::json;

use crate::dns::HostInfo;
use crate::finding::{Finding, Severity};
use crate::origin;
use crate::pipeline::Ctx;
use crate::protect::{Protection, Providers};

fn behind(name: &str, p: &Protection) -> Finding {
    Finding::new(
        "protection.behind",
        Severity::Info,
        name,
        format!("{name} is behind {} ({})", p.provider, p.method),
        "the provider's edge answers for it",
    )
    .evidence(json!(p))
}

/// Classifies a name by ranges and CNAMEs as it resolves. A protected name is reported
/// now; for the rest the verdict waits for the headers (`true` = reported).
pub(crate) fn by_ranges(ctx: &Ctx, providers: &Providers, name: &str, h: &HostInfo) -> bool {
    match providers.classify(&h.addrs, &h.cnames) {
        Some(p) if p.protected => {
            ctx.emit(behind(name, &p));
            true
        }
        _ => false,
    }
}

/// After the scan: the names no range or CNAME decided (`pending`), and swept
/// addresses without a name, classified by the headers and cookies seen.
pub(crate) fn after_scan(
    ctx: &Ctx,
    providers: Option<&Providers>,
    resolved: &BTreeMap<String, HostInfo>,
    pending: &[String],
    seen: &BTreeMap<IpAddr, Protection>,
) {
    let hosts: Vec<&HostInfo> = pending.iter().filter_map(|n| resolved.get(n)).collect();
    by_headers(ctx, providers, &hosts, seen);
    let named: BTreeSet<IpAddr> = resolved
        .values()
        .flat_map(|h| h.addrs.iter().copied())
        .collect();
    unnamed(ctx, seen, &named);
}

/// After the scan: names not classified by ranges are behind a provider when an HTTP
/// answer from one of their addresses carried its headers or cookies; otherwise
/// `protection.none`.
fn by_headers(
    ctx: &Ctx,
    providers: Option<&Providers>,
    pending: &[&HostInfo],
    seen: &BTreeMap<IpAddr, Protection>,
) {
    for h in pending {
        if let Some(p) = h.addrs.iter().find_map(|a| seen.get(a)) {
            ctx.emit(behind(&h.name, p));
            continue;
        }
        let Some(providers) = providers else {
            continue; // no range file: only what the headers showed is reported
        };
        let hosting = providers.classify(&h.addrs, &h.cnames);
        ctx.emit(
            Finding::new(
                "protection.none",
                Severity::Info,
                &h.name,
                format!("{} is not behind a DDoS-protection provider", h.name),
                "none of its addresses is in a CDN/WAF range, no CNAME points to one and no answer carried a provider's headers: floods reach it directly",
            )
            .evidence(json!({"addresses": h.addrs, "cnames": h.cnames, "hosting": hosting})),
        );
    }
}

/// Swept addresses without a name whose HTTP answers showed a provider.
fn unnamed(ctx: &Ctx, seen: &BTreeMap<IpAddr, Protection>, named: &BTreeSet<IpAddr>) {
    for (a, p) in seen.iter().filter(|(a, _)| !named.contains(*a)) {
        ctx.emit(behind(&a.to_string(), p).at(*a, None));
    }
}

/// Where origin candidates come from, beside the scan.
pub(crate) struct OriginSources<'a> {
    /// Addresses each scoped domain's SPF record names.
    pub spf: &'a BTreeMap<String, Vec<IpAddr>>,
    /// DNS history: (name or any, address).
    pub history: &'a [(Option<String>, IpAddr)],
}

/// The candidate origins of protected site `name`, each with why it is one: every
/// scanned address (unprotected siblings, MX hosts, hosts whose certificate covers the
/// name are among them), the domain's SPF addresses, the name's history; the edges
/// themselves excluded.
fn candidates<'a>(
    ctx: &Ctx,
    name: &str,
    scanned: &[IpAddr],
    edges: &BTreeSet<IpAddr>,
    src: &OriginSources<'a>,
) -> BTreeMap<IpAddr, BTreeSet<&'static str>> {
    let mut out: BTreeMap<IpAddr, BTreeSet<&'static str>> = BTreeMap::new();
    for a in scanned {
        out.entry(*a).or_default().insert("scanned");
    }
    let domain = ctx.guard.scope().domain_of(name);
    for a in domain.and_then(|d| src.spf.get(d)).into_iter().flatten() {
        out.entry(*a).or_default().insert("spf");
    }
    for (n, a) in src.history {
        if n.as_deref().is_none_or(|n| n == name) {
            out.entry(*a).or_default().insert("history");
        }
    }
    out.retain(|a, _| !edges.contains(a));
    out
}

/// For each protected name whose edge is in scope: ask every candidate origin for the
/// site and compare with the edge's answer. A candidate outside the scope is listed,
/// never asked.
pub(crate) async fn origin_checks(
    ctx: &Ctx,
    providers: &Providers,
    resolved: &BTreeMap<String, HostInfo>,
    scanned: &[IpAddr],
    src: &OriginSources<'_>,
) {
    let mut protected: Vec<(&HostInfo, Protection)> = Vec::new();
    let mut edges: BTreeSet<IpAddr> = BTreeSet::new();
    for h in resolved.values() {
        if let Some(p) = providers
            .classify(&h.addrs, &h.cnames)
            .filter(|p| p.protected)
        {
            edges.extend(h.addrs.iter().copied());
            protected.push((h, p));
        }
    }
    for (h, p) in protected {
        let Some(edge_addr) = h.addrs.iter().copied().find(|a| ctx.guard.in_scope(*a)) else {
            continue; // the edge is outside the scope: nothing to compare against
        };
        let Some(edge) = origin::fetch(&ctx.guard, edge_addr, &h.name).await else {
            continue;
        };
        let mut tried = Vec::new();
        let mut bypass = None;
        for (c, why) in candidates(ctx, &h.name, scanned, &edges, src) {
            if !ctx.guard.in_scope(c) {
                tried.push(
                    json!({"address": c, "why": why, "result": "outside the scope: not probed"}),
                );
                continue;
            }
            match origin::fetch(&ctx.guard, c, &h.name).await {
                None => {
                    tried.push(json!({"address": c, "why": why, "result": "refused or not HTTP"}))
                }
                Some(direct) => {
                    let (same, sim) = origin::same_site(&edge, &direct);
                    tried.push(json!({"address": c, "why": why, "result": if same { "same site" } else { "differs" }, "similarity": sim, "response": direct}));
                    if same && bypass.is_none() {
                        bypass = Some((c, direct, sim, why));
                    }
                }
            }
        }
        let f = match bypass {
            Some((addr, direct, sim, why)) => Finding::new(
                "origin.bypass",
                Severity::High,
                &h.name,
                format!("{} is reachable around {}: origin {addr} serves it directly", h.name, p.provider),
                format!("the direct answer matches the protected edge (same status and title, body similarity {sim} >= {})", origin::BYPASS_THRESHOLD),
            )
            .at(addr, Some(direct.port))
            .evidence(json!({"provider": p.provider, "edge": {"address": edge_addr, "response": edge}, "origin": {"address": addr, "why": why, "response": direct}, "similarity": sim})),
            None => Finding::new(
                "origin.protected",
                Severity::Info,
                &h.name,
                format!("{}: no candidate origin serves it around {}", h.name, p.provider),
                "every candidate refused or answered differently",
            )
            .evidence(json!({"provider": p.provider, "edge": {"address": edge_addr, "response": edge}, "candidates": tried})),
        };
        ctx.emit(f);
    }
}
