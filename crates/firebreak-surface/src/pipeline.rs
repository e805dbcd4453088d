//! The pipeline: discovery → resolution → scan → fingerprints and checks, streaming
//! findings as they are confirmed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_proto::rr::{RData, RecordType};
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use crate::dns::{self, Dns, HostInfo};
use crate::error::SurfaceError;
use crate::finding::{Finding, Severity};
use crate::kb::{port_profile, DosKb, PortSpec, WORDLIST};
use crate::net;
use crate::origin;
use crate::protect::Providers;
use crate::scope::{Guard, Limits, Scope};
use crate::wire::{self, rdp_proto, RdpReply};

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The scope.
    pub scope: Scope,
    /// Resolvers to ask (never the system resolver).
    pub resolvers: Vec<SocketAddr>,
    /// Rates, connection limits, deadlines.
    pub limits: Limits,
    /// Extra wordlists' text (one label a line).
    pub wordlists: Vec<String>,
    /// Use the bundled wordlist.
    pub bundled_wordlist: bool,
    /// Ports to scan instead of the profile's (services still named by the profile).
    pub ports: Option<Vec<u16>>,
    /// Run the DNS brute force.
    pub brute: bool,
    /// Attempt zone transfers.
    pub axfr: bool,
    /// Connect-scan and fingerprint.
    pub scan: bool,
    /// UDP amplifier probes.
    pub udp: bool,
    /// Also scan every address of scoped ranges of at most 4096 addresses.
    pub sweep: bool,
    /// Ask for AAAA too.
    pub ipv6: bool,
    /// DNS queries in flight at once.
    pub dns_concurrency: usize,
    /// Provider ranges for the protection classification (none: not classified).
    pub providers: Option<Arc<Providers>>,
}

impl Config {
    /// Everything on, defaults for the rest.
    pub fn new(scope: Scope, resolvers: Vec<SocketAddr>) -> Config {
        Config {
            scope,
            resolvers,
            limits: Limits::default(),
            wordlists: Vec::new(),
            bundled_wordlist: true,
            ports: None,
            brute: true,
            axfr: true,
            scan: true,
            udp: true,
            sweep: false,
            ipv6: false,
            dns_concurrency: 256,
            providers: None,
        }
    }
}

/// Counters of a finished run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    /// Names discovered (zone transfers, brute force, records).
    pub names: usize,
    /// Names that resolved.
    pub resolved: usize,
    /// In-scope addresses scanned.
    pub addresses: usize,
    /// TCP ports probed.
    pub ports_probed: u64,
    /// TCP ports found open.
    pub ports_open: u64,
    /// Probes the scope guard refused.
    pub refused: u64,
    /// Probes the guard admitted.
    pub admitted: u64,
    /// Seconds.
    pub seconds: f64,
}

struct Ctx {
    guard: Arc<Guard>,
    dns: Dns,
    kb: DosKb,
    profile: Vec<PortSpec>,
    tx: UnboundedSender<Finding>,
    probed: AtomicU64,
    open: AtomicU64,
}

impl Ctx {
    fn emit(&self, f: Finding) {
        // A closed receiver means the caller stopped listening; the run finishes anyway.
        let _ = self.tx.send(f);
    }
}

/// Runs the pipeline, sending each finding to `tx` as soon as it is confirmed.
pub async fn run(cfg: Config, tx: UnboundedSender<Finding>) -> Result<Stats, SurfaceError> {
    let started = Instant::now();
    let resolver_ips = cfg.resolvers.iter().map(SocketAddr::ip).collect();
    let guard = Arc::new(Guard::new(
        cfg.scope.clone(),
        resolver_ips,
        cfg.limits.clone(),
    ));
    let dns_timeout = cfg.limits.probe_timeout.min(Duration::from_secs(2));
    let ctx = Arc::new(Ctx {
        dns: Dns::new(guard.clone(), cfg.resolvers.clone(), dns_timeout, 2),
        guard,
        kb: DosKb::bundled()?,
        profile: port_profile()?,
        tx,
        probed: AtomicU64::new(0),
        open: AtomicU64::new(0),
    });
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
    let words = Arc::new(words);

    // 1. discovery, per domain
    let mut names: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut resolved: BTreeMap<String, HostInfo> = BTreeMap::new();
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
            merge(&ctx, set.join_next().await, &mut names, &mut resolved)?;
        }
    }
    while let Some(r) = set.join_next().await {
        merge(&ctx, Some(r), &mut names, &mut resolved)?;
    }

    // 2. resolution of every name not resolved yet
    let mut set = JoinSet::new();
    let todo: Vec<String> = names
        .keys()
        .filter(|n| !resolved.contains_key(*n))
        .cloned()
        .collect();
    for n in todo {
        let ctx = ctx.clone();
        let v6 = cfg.ipv6;
        set.spawn(async move { ctx.dns.resolve_host(&n, v6).await });
        while set.len() >= cfg.dns_concurrency.max(1) {
            if let Some(r) = set.join_next().await {
                if let Some(h) = host_of(r)? {
                    resolved.insert(h.name.clone(), h);
                }
            }
        }
    }
    while let Some(r) = set.join_next().await {
        if let Some(h) = host_of(r)? {
            resolved.insert(h.name.clone(), h);
        }
    }
    let mut targets: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
    let mut resolved_count = 0;
    for (n, h) in &resolved {
        if h.addrs.is_empty() {
            continue;
        }
        resolved_count += 1;
        let source = names.get(n).copied().unwrap_or("dns");
        ctx.emit(
            Finding::new(
                "asset.name",
                Severity::Info,
                n,
                format!("{n} resolves"),
                "discovered name",
            )
            .evidence(json!({"source": source, "addresses": h.addrs, "cnames": h.cnames})),
        );
        if let Some(p) = &cfg.providers {
            protection(&ctx, p, n, h);
        }
        for a in &h.addrs {
            if ctx.guard.in_scope(*a) {
                targets.entry(*a).or_default().push(n.clone());
            } else {
                ctx.emit(
                    Finding::new(
                        "scope.out_of_scope",
                        Severity::Info,
                        n,
                        format!("{n} resolves to {a}, outside the scoped ranges: not probed"),
                        "the scope file does not cover this address; add it to probe it",
                    )
                    .at(*a, None),
                );
            }
        }
    }
    if cfg.sweep {
        for net in &cfg.scope.ranges {
            let size = match net {
                ipnet::IpNet::V4(n) => 32 - u32::from(n.prefix_len()),
                ipnet::IpNet::V6(n) => 128 - u32::from(n.prefix_len()),
            };
            if size <= 12 {
                for a in net.hosts() {
                    targets.entry(a).or_default();
                }
            }
        }
    }

    // 3. scan, fingerprint, check
    let n_targets = targets.len();
    let scanned: Vec<IpAddr> = targets.keys().copied().collect();
    if cfg.scan || cfg.udp {
        let mut set = JoinSet::new();
        for (addr, mut hostnames) in targets {
            hostnames.sort();
            hostnames.dedup();
            let ctx = ctx.clone();
            let c = cfg.clone();
            set.spawn(async move { probe_host(&ctx, &c, addr, hostnames).await });
            while set.len() >= 32 {
                if let Some(r) = set.join_next().await {
                    r.map_err(|_| SurfaceError::Closed)?;
                }
            }
        }
        while let Some(r) = set.join_next().await {
            r.map_err(|_| SurfaceError::Closed)?;
        }
    }

    // 4. origin exposure of the protected sites
    if let Some(p) = &cfg.providers {
        if cfg.scan {
            origin_checks(&ctx, p, &resolved, &scanned).await;
        }
    }
    Ok(Stats {
        names: names.len(),
        resolved: resolved_count,
        addresses: n_targets,
        ports_probed: ctx.probed.load(Ordering::Relaxed),
        ports_open: ctx.open.load(Ordering::Relaxed),
        refused: ctx.guard.refused(),
        admitted: ctx.guard.admitted(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn protection(ctx: &Ctx, providers: &Providers, name: &str, h: &HostInfo) {
    let f = match providers.classify(&h.addrs, &h.cnames) {
        Some(p) if p.protected => Finding::new(
            "protection.behind",
            Severity::Info,
            name,
            format!("{name} is behind {} ({})", p.provider, p.method),
            "the provider's edge answers for it",
        )
        .evidence(json!(p)),
        other => Finding::new(
            "protection.none",
            Severity::Info,
            name,
            format!("{name} is not behind a DDoS-protection provider"),
            "none of its addresses is in a CDN/WAF range and no CNAME points to one: floods reach it directly",
        )
        .evidence(json!({"addresses": h.addrs, "cnames": h.cnames, "hosting": other})),
    };
    ctx.emit(f);
}

type Discovered = (Vec<(String, &'static str)>, Vec<HostInfo>);

/// For each protected name whose edge is in scope: ask every scanned address that is
/// not an edge itself for the site, and compare with the edge's answer.
async fn origin_checks(
    ctx: &Ctx,
    providers: &Providers,
    resolved: &BTreeMap<String, HostInfo>,
    scanned: &[IpAddr],
) {
    let mut protected: Vec<(&HostInfo, crate::protect::Protection)> = Vec::new();
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
    let candidates: Vec<IpAddr> = scanned
        .iter()
        .copied()
        .filter(|a| !edges.contains(a))
        .collect();
    for (h, p) in protected {
        let Some(edge_addr) = h.addrs.iter().copied().find(|a| ctx.guard.in_scope(*a)) else {
            continue; // the edge is outside the scope: nothing to compare against
        };
        let Some(edge) = origin::fetch(&ctx.guard, edge_addr, &h.name).await else {
            continue;
        };
        let mut tried = Vec::new();
        let mut bypass = None;
        for c in &candidates {
            match origin::fetch(&ctx.guard, *c, &h.name).await {
                None => tried.push(json!({"address": c, "result": "refused or not HTTP"})),
                Some(direct) => {
                    let (same, sim) = origin::same_site(&edge, &direct);
                    tried.push(json!({"address": c, "result": if same { "same site" } else { "differs" }, "similarity": sim, "response": direct}));
                    if same && bypass.is_none() {
                        bypass = Some((*c, direct, sim));
                    }
                }
            }
        }
        let f = match bypass {
            Some((addr, direct, sim)) => Finding::new(
                "origin.bypass",
                Severity::High,
                &h.name,
                format!("{} is reachable around {}: origin {addr} serves it directly", h.name, p.provider),
                format!("the direct answer matches the protected edge (same status and title, body similarity {sim} >= {})", origin::BYPASS_THRESHOLD),
            )
            .at(addr, Some(80))
            .evidence(json!({"provider": p.provider, "edge": {"address": edge_addr, "response": edge}, "origin": {"address": addr, "response": direct}, "similarity": sim})),
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

type DomainResult = Result<(String, Result<Discovered, SurfaceError>), tokio::task::JoinError>;
type HostResult = Result<Result<HostInfo, SurfaceError>, tokio::task::JoinError>;

/// A resolution that failed for this name alone (a label the wordlist got wrong) is a
/// miss; a task that died ends the run.
fn host_of(r: HostResult) -> Result<Option<HostInfo>, SurfaceError> {
    Ok(r.map_err(|_| SurfaceError::Closed)?.ok())
}

fn merge(
    ctx: &Ctx,
    r: Option<DomainResult>,
    names: &mut BTreeMap<String, &'static str>,
    resolved: &mut BTreeMap<String, HostInfo>,
) -> Result<(), SurfaceError> {
    if let Some(r) = r {
        let (domain, r) = r.map_err(|_| SurfaceError::Closed)?;
        let (n, h) = match r {
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
        for (name, src) in n {
            names.entry(name).or_insert(src);
        }
        for h in h {
            resolved.insert(h.name.clone(), h);
        }
    }
    Ok(())
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
                match dns::axfr(&ctx.guard, *a, domain).await {
                    Ok(Some(records)) => {
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
                                format!("{ns} ({a}) allows a zone transfer of {domain}: {} names", zone_names.len()),
                                "anyone can list every host of the zone, hidden ones included",
                            )
                            .at(*a, Some(53))
                            .evidence(json!({"server": ns, "records": records.len(), "names": zone_names})),
                        );
                        found.extend(zone_names.into_iter().map(|n| (n, "axfr")));
                    }
                    Ok(None) => {}
                    Err(SurfaceError::OutOfScope(_)) => {}
                    Err(_) => {}
                }
            }
            hosts.push(h);
        }
    }

    // brute force with wildcard detection
    if cfg.brute && !words.is_empty() {
        let wildcard = ctx.dns.wildcard(domain).await?;
        if !wildcard.is_empty() {
            ctx.emit(
                Finding::new(
                    "dns.wildcard",
                    Severity::Info,
                    domain,
                    format!("*.{domain} answers for any name"),
                    "brute-force hits that only return the wildcard's addresses are dropped",
                )
                .evidence(json!({"addresses": wildcard})),
            );
        }
        let mut set = JoinSet::new();
        let mut hits = Vec::new();
        let collect = |h: HostInfo, hits: &mut Vec<HostInfo>| {
            let only_wildcard = !wildcard.is_empty()
                && h.cnames.is_empty()
                && h.addrs.iter().all(|a| wildcard.contains(a));
            if !h.addrs.is_empty() && !only_wildcard {
                hits.push(h);
            }
        };
        for w in words.iter() {
            let n = format!("{w}.{domain}");
            let ctx = ctx.clone();
            let v6 = cfg.ipv6;
            set.spawn(async move { ctx.dns.resolve_host(&n, v6).await });
            while set.len() >= cfg.dns_concurrency.max(1) {
                if let Some(r) = set.join_next().await {
                    if let Some(h) = host_of(r)? {
                        collect(h, &mut hits);
                    }
                }
            }
        }
        while let Some(r) = set.join_next().await {
            if let Some(h) = host_of(r)? {
                collect(h, &mut hits);
            }
        }
        for h in hits {
            found.push((h.name.clone(), "bruteforce"));
            hosts.push(h);
        }
    }
    Ok((found, hosts))
}

/// The name an address is reported under: its shortest name (then alphabetical), or
/// the address itself.
fn asset_of(addr: IpAddr, names: &[String]) -> String {
    names
        .iter()
        .min_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)))
        .cloned()
        .unwrap_or_else(|| addr.to_string())
}

async fn probe_host(ctx: &Arc<Ctx>, cfg: &Config, addr: IpAddr, names: Vec<String>) {
    let asset = asset_of(addr, &names);
    // the UDP probes wait for replies while the TCP scan runs
    let udp = async {
        if cfg.udp {
            udp_checks(ctx, cfg, addr, &asset).await;
        }
    };
    let tcp = async {
        if cfg.scan {
            tcp_scan(ctx, cfg, addr, &asset).await;
        }
    };
    tokio::join!(udp, tcp);
}

async fn tcp_scan(ctx: &Arc<Ctx>, cfg: &Config, addr: IpAddr, asset: &str) {
    let ports: Vec<PortSpec> = match &cfg.ports {
        Some(list) => list
            .iter()
            .map(|p| {
                ctx.profile
                    .iter()
                    .find(|s| s.port == *p)
                    .cloned()
                    .unwrap_or(PortSpec {
                        port: *p,
                        service: "unknown".into(),
                        exposure: Severity::Info,
                        why: "open port".into(),
                    })
            })
            .collect(),
        None => ctx.profile.clone(),
    };
    let mut set = JoinSet::new();
    for spec in ports {
        let ctx = ctx.clone();
        let asset = asset.to_string();
        set.spawn(async move { probe_port(&ctx, addr, &asset, &spec).await });
    }
    while set.join_next().await.is_some() {}
}

async fn probe_port(ctx: &Arc<Ctx>, addr: IpAddr, asset: &str, spec: &PortSpec) {
    ctx.probed.fetch_add(1, Ordering::Relaxed);
    let sa = SocketAddr::new(addr, spec.port);
    let Ok(Some(mut conn)) = net::connect(&ctx.guard, sa).await else {
        return;
    };
    ctx.open.fetch_add(1, Ordering::Relaxed);
    let port = Some(spec.port);
    match spec.service.as_str() {
        "rdp" => {
            drop(conn);
            rdp_check(ctx, addr, asset, spec).await;
            return;
        }
        "ssh" => {
            if let Ok(b) = conn.exchange(b"", 1024, |b| b.contains(&b'\n')).await {
                if let Some(banner) = wire::parse_ssh_banner(&b) {
                    dos_check(ctx, addr, asset, spec.port, &banner);
                    ctx.emit(
                        Finding::new(
                            "service.ssh",
                            Severity::Info,
                            asset,
                            format!("SSH on {sa}"),
                            "banner read",
                        )
                        .at(addr, port)
                        .evidence(json!({"banner": banner})),
                    );
                }
            }
        }
        "http" => {
            let req = wire::http_request(asset, "/");
            if let Ok(b) = conn.exchange(&req, 256 * 1024, wire::http_complete).await {
                if let Some(info) = wire::parse_http(&b) {
                    if let Some(s) = &info.server {
                        dos_check(ctx, addr, asset, spec.port, s);
                    }
                    let body_start = b
                        .windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .map_or(b.len(), |i| i + 4);
                    let citrix = wire::citrix_signals(&info, &b[body_start..]);
                    if citrix.len() >= 2 {
                        let build = citrix_build(ctx, sa, asset).await;
                        ctx.emit(
                            Finding::new(
                                "portal.citrix_gateway",
                                Severity::Medium,
                                asset,
                                format!("Citrix Gateway / NetScaler portal on {sa}"),
                                "remote-access portal: a frequent initial-access and DoS target",
                            )
                            .at(addr, port)
                            .evidence(json!({"signals": citrix, "rdx_en_gzip_mtime": build})),
                        );
                    }
                    ctx.emit(
                        Finding::new(
                            "service.http",
                            Severity::Info,
                            asset,
                            format!("HTTP {} on {sa}", info.status),
                            "fingerprint",
                        )
                        .at(addr, port)
                        .evidence(json!({"status": info.status, "server": info.server, "title": info.title})),
                    );
                }
            }
        }
        _ => {}
    }
    ctx.emit(
        Finding::new(
            "port.open",
            spec.exposure,
            asset,
            format!("{}/tcp open ({})", spec.port, spec.service),
            spec.why.clone(),
        )
        .at(addr, port),
    );
}

/// The gzip MTIME of the Gateway's `rdx_en.json.gz` (the build's timestamp; a table of
/// build timestamps turns it into a firmware build), as Unix seconds and RFC 3339.
async fn citrix_build(ctx: &Ctx, sa: SocketAddr, host: &str) -> Option<serde_json::Value> {
    let mut conn = net::connect(&ctx.guard, sa).await.ok()??;
    let req = wire::http_request(host, wire::CITRIX_RDX_PATH);
    let b = conn
        .exchange(&req, 64 * 1024, wire::http_complete)
        .await
        .ok()?;
    let info = wire::parse_http(&b)?;
    if info.status != 200 {
        return None;
    }
    let t = wire::gzip_mtime(wire::http_body(&b))?;
    let when = chrono::DateTime::from_timestamp(i64::from(t), 0)?;
    Some(json!({"unix": t, "utc": when.to_rfc3339()}))
}

fn dos_check(ctx: &Ctx, addr: IpAddr, asset: &str, port: u16, banner: &str) {
    for m in ctx.kb.matches(banner) {
        ctx.emit(
            Finding::new(
                "dos.known_cve",
                m.entry.severity,
                asset,
                format!("{} {} on port {port}: {} ({})", m.entry.product, m.version, m.entry.cve, m.entry.summary),
                "the banner claims a version in the affected range (a backported fix would not show in it)",
            )
            .at(addr, Some(port))
            .evidence(json!({"banner": banner, "cve": m.entry.cve, "version": m.version})),
        );
    }
}

async fn rdp_exchange(ctx: &Ctx, sa: SocketAddr, protocols: u32) -> Result<RdpReply, SurfaceError> {
    let mut conn = net::connect(&ctx.guard, sa)
        .await?
        .ok_or_else(|| SurfaceError::Protocol("closed".into()))?;
    let b = conn
        .exchange(&wire::rdp_request(protocols), 512, wire::tpkt_complete)
        .await?;
    wire::parse_rdp_reply(&b).map_err(SurfaceError::Protocol)
}

async fn rdp_check(ctx: &Ctx, addr: IpAddr, asset: &str, spec: &PortSpec) {
    let sa = SocketAddr::new(addr, spec.port);
    let plain = rdp_exchange(ctx, sa, rdp_proto::RDP).await;
    let strong = rdp_exchange(
        ctx,
        sa,
        rdp_proto::SSL | rdp_proto::HYBRID | rdp_proto::HYBRID_EX,
    )
    .await;
    let Ok(plain) = plain else {
        ctx.emit(
            Finding::new(
                "port.open",
                spec.exposure,
                asset,
                format!("{}/tcp open (not RDP?)", spec.port),
                spec.why.clone(),
            )
            .at(addr, Some(spec.port)),
        );
        return;
    };
    let enforced = wire::nla_enforced(&plain);
    let ev = json!({
        "nla_enforced": enforced,
        "reply_to_standard_rdp": plain,
        "reply_to_credssp": strong.as_ref().ok(),
    });
    let f = if enforced {
        Finding::new(
            "rdp.nla_enforced",
            Severity::Medium,
            asset,
            format!("RDP on {sa}, NLA enforced"),
            "remote desktop reachable from outside; the server refuses standard RDP (HYBRID_REQUIRED_BY_SERVER)",
        )
    } else {
        Finding::new(
            "rdp.nla_not_enforced",
            Severity::High,
            asset,
            format!("RDP on {sa} without NLA"),
            "the server accepts a session before authentication: pre-auth bugs (BlueKeep class) and resource exhaustion reachable",
        )
    };
    ctx.emit(f.at(addr, Some(spec.port)).evidence(ev));
}

async fn udp_checks(ctx: &Ctx, cfg: &Config, addr: IpAddr, asset: &str) {
    let wait = Duration::from_millis(1500).min(cfg.limits.probe_timeout);
    tokio::join!(
        udp_dns(ctx, cfg, addr, asset, wait),
        udp_snmp(ctx, addr, asset, wait),
        udp_memcached(ctx, addr, asset, wait)
    );
}

async fn udp_dns(ctx: &Ctx, cfg: &Config, addr: IpAddr, asset: &str, wait: Duration) {
    // DNS open recursion
    if let Some(domain) = cfg.scope.domains.first() {
        if let Ok(qname) = dns::name(domain) {
            let id: u16 = rand::random();
            let req = dns::recursion_probe(id, &qname);
            if let Ok(replies) =
                net::udp_exchange(&ctx.guard, SocketAddr::new(addr, 53), &req, wait, 1).await
            {
                if let Some(r) = replies.first() {
                    if let Ok(m) = dns::parse_reply(r, id, &qname, RecordType::TXT) {
                        if dns::is_open_recursion(&m) {
                            let factor = wire::amplification(r.len(), req.len());
                            ctx.emit(
                                Finding::new(
                                    "amp.dns_open_resolver",
                                    Severity::High,
                                    asset,
                                    format!("open DNS resolver on {addr}:53, amplification {factor}x"),
                                    "answers recursive queries from anyone: a reflection/amplification source",
                                )
                                .at(addr, Some(53))
                                .evidence(json!({"request_bytes": req.len(), "reply_bytes": r.len(), "factor": factor, "query": format!("{domain} TXT")})),
                            );
                        }
                    }
                }
            }
        }
    }
}

async fn udp_snmp(ctx: &Ctx, addr: IpAddr, asset: &str, wait: Duration) {
    // SNMP v2c with the community `public`
    let id: u32 = rand::random::<u32>() & 0x7fff_ffff;
    let req = wire::snmp_getbulk(id);
    if let Ok(replies) =
        net::udp_exchange(&ctx.guard, SocketAddr::new(addr, 161), &req, wait, 1).await
    {
        if let Some(r) = replies.first().filter(|r| wire::is_snmp_response(r, id)) {
            let factor = wire::amplification(r.len(), req.len());
            ctx.emit(
                Finding::new(
                    "amp.snmp_public",
                    Severity::High,
                    asset,
                    format!("SNMP answers the community 'public' on {addr}:161, amplification {factor}x (GetBulk)"),
                    "anyone can read the device's management data, and GetBulk replies amplify reflected floods",
                )
                .at(addr, Some(161))
                .evidence(json!({"request_bytes": req.len(), "reply_bytes": r.len(), "factor": factor})),
            );
        }
    }
}

async fn udp_memcached(ctx: &Ctx, addr: IpAddr, asset: &str, wait: Duration) {
    // memcached over UDP
    if let Ok(replies) = net::udp_exchange(
        &ctx.guard,
        SocketAddr::new(addr, 11211),
        wire::MEMCACHED_STATS,
        wait,
        256,
    )
    .await
    {
        if let Some(m) = wire::parse_memcached_udp(&replies) {
            let factor = wire::amplification(m.bytes, wire::MEMCACHED_STATS.len());
            ctx.emit(
                Finding::new(
                    "amp.memcached",
                    Severity::Critical,
                    asset,
                    format!("memcached UDP on {addr}:11211, amplification {factor}x (stats)"),
                    "memcached answers UDP from anyone: the largest known amplification vector (a stored value multiplies it further)",
                )
                .at(addr, Some(11211))
                .evidence(json!({"request_bytes": wire::MEMCACHED_STATS.len(), "reply_bytes": m.bytes, "datagrams": m.datagrams, "factor": factor, "version": m.version})),
            );
        }
    }
}

/// Runs the pipeline on a runtime of its own, calling `on_finding` on this thread for
/// each finding as it arrives.
pub fn run_blocking(
    cfg: Config,
    mut on_finding: impl FnMut(&Finding),
) -> Result<Stats, SurfaceError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = tokio::spawn(run(cfg, tx));
        while let Some(f) = rx.recv().await {
            on_finding(&f);
        }
        handle.await.map_err(|_| SurfaceError::Closed)?
    })
}
