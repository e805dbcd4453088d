//! The pipeline: discovery → resolution → scan → fingerprints and checks, streaming
//! findings as they are confirmed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hickory_proto::rr::RecordType;
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use crate::dns::{self, Dns, HostInfo};
use crate::error::SurfaceError;
use crate::finding::{Finding, Severity};
use crate::kb::{port_profile, DosKb, PortSpec};
use crate::net;
use crate::pages::PageSigs;
use crate::portal::Portals;
use crate::probe::Target;
use crate::protect::{HeaderSignals, Protection, Providers};
use crate::scope::{Guard, Limits, Scope};
use crate::wire::{self, rdp_proto, RdpReply};
use crate::{creds, discovery, names, permute, shield};

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
    /// Leaked accounts about the scope ([`creds::LeakIndex`]), matched to the domains
    /// at once and to the discovered names and portals after the scan.
    pub leaks: Arc<Vec<creds::Leak>>,
    /// Names from passive inputs ([`names::passive`]); those outside the scoped
    /// domains are dropped.
    pub passive: Vec<String>,
    /// Permutations of discovered names to try at most (0: none).
    pub permutations: usize,
    /// Words for the permutations ([`permute::PERMUTATION_WORDS`] by default).
    pub permutation_words: Vec<String>,
    /// Rounds after the first: names revealed by the answers (HTTP, certificates) and
    /// brute force under new sub-zones, resolved and scanned in turn (0: none).
    pub recursion: u32,
    /// Sub-zones brute-forced per round at most.
    pub max_subzones: usize,
    /// Addresses names had in the past ([`names::history`]): origin candidates of the
    /// protected sites (no name = a candidate for every site).
    pub origin_history: Vec<(Option<String>, IpAddr)>,
    /// Slowloris threshold on HTTP(S) ports: exposed when 3 incomplete requests stay
    /// open this long ([`crate::slow`]; `None`: not checked).
    pub slowloris: Option<Duration>,
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
            leaks: Arc::new(Vec::new()),
            passive: Vec::new(),
            permutations: 2000,
            permutation_words: permute::words(permute::PERMUTATION_WORDS),
            recursion: 2,
            max_subzones: 16,
            origin_history: Vec::new(),
            slowloris: Some(crate::slow::DEFAULT_HOLD),
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

pub(crate) struct Ctx {
    pub(crate) guard: Arc<Guard>,
    pub(crate) dns: Dns,
    kb: DosKb,
    profile: Vec<PortSpec>,
    tx: UnboundedSender<Finding>,
    probed: AtomicU64,
    open: AtomicU64,
    headers: HeaderSignals,
    seen: Mutex<Seen>,
    portals: Portals,
    pages: PageSigs,
    slowloris: Option<Duration>,
}

/// Names the answers may add per round at most.
const MAX_HARVEST: usize = 10_000;

/// What the probes saw that later stages use.
#[derive(Default)]
pub(crate) struct Seen {
    /// In-scope names revealed by answers, and how (`http`, `tls-san`).
    pub(crate) names: BTreeMap<String, &'static str>,
    /// Remote-access portals: asset name and address → the finding's kind.
    pub(crate) portals: BTreeMap<String, String>,
    /// Providers shown by HTTP answers' headers and cookies, per address.
    pub(crate) protection: BTreeMap<IpAddr, Protection>,
}

impl Ctx {
    /// Sends a finding, noting what later stages need of it: portals (for leaked
    /// logins) and certificate names (`sans` in the evidence, for discovery).
    pub(crate) fn emit(&self, f: Finding) {
        if f.kind.starts_with("portal.") {
            let mut seen = self.seen();
            seen.portals.insert(f.asset.clone(), f.kind.clone());
            if let Some(a) = f.address {
                seen.portals.insert(a.to_string(), f.kind.clone());
            }
        }
        let ev = &f.evidence;
        let sans = [
            ev.get("sans"),
            ev.get("cert").and_then(|c| c.get("sans")),
            ev.get("certificate").and_then(|c| c.get("sans")),
        ];
        for list in sans.into_iter().flatten().filter_map(|v| v.as_array()) {
            self.harvest(list.iter().filter_map(|v| v.as_str()), "tls-san");
        }
        // A closed receiver means the caller stopped listening; the run finishes anyway.
        let _ = self.tx.send(f);
    }

    pub(crate) fn seen(&self) -> MutexGuard<'_, Seen> {
        // a panic elsewhere cannot leave these maps half-written: take them as they are
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the in-scope names among `names` for the next discovery round.
    fn harvest<'a>(&self, names: impl Iterator<Item = &'a str>, how: &'static str) {
        let scope = self.guard.scope();
        let keep: Vec<String> = names
            .filter_map(names::canonical)
            .filter(|n| scope.domain_of(n).is_some())
            .collect();
        if !keep.is_empty() {
            let mut seen = self.seen();
            for n in keep {
                // a page listing endless names of the domain cannot grow the run
                if seen.names.len() >= MAX_HARVEST {
                    break;
                }
                seen.names.entry(n).or_insert(how);
            }
        }
    }

    /// Hook for every HTTP answer a probe read from `addr`: the names it reveals
    /// (redirects, CSP, links) and the provider its headers and cookies show.
    pub(crate) fn http_answer(&self, addr: IpAddr, raw: &[u8]) {
        let found = names::from_http(raw);
        self.harvest(found.iter().map(String::as_str), "http");
        if let Some(p) = wire::parse_http(raw).and_then(|i| self.headers.classify(&i.headers)) {
            self.seen().protection.entry(addr).or_insert(p);
        }
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
        headers: HeaderSignals::bundled()?,
        portals: Portals::bundled()?,
        pages: PageSigs::bundled()?,
        slowloris: cfg.slowloris,
        seen: Mutex::new(Seen::default()),
    });
    let words = Arc::new(discovery::wordlist(&cfg));

    // leaked accounts of the scope's domains need no scan: reported first
    let (early, late): (Vec<creds::Leak>, Vec<creds::Leak>) =
        cfg.leaks.iter().cloned().partition(|l| l.url.is_none());
    for f in creds::findings(&early, &creds::Surface::default()) {
        ctx.emit(f);
    }

    // 1. discovery: per domain, passive inputs, permutations
    let mut found = discovery::Names::default();
    discovery::domains(&ctx, &cfg, &words, &mut found).await?;
    discovery::passive_and_permutations(&ctx, &cfg, &mut found).await?;

    // 2.-3. rounds of resolution, classification and scans
    let r = rounds(&ctx, &cfg, &words, &mut found).await?;

    // protection of the names no range or CNAME decided, by the headers seen
    let seen_headers = std::mem::take(&mut ctx.seen().protection);
    shield::after_scan(
        &ctx,
        cfg.providers.as_deref(),
        &found.resolved,
        &r.pending_protection,
        &seen_headers,
    );

    // 4. origin exposure of the protected sites
    let scanned: Vec<IpAddr> = r.scanned.into_iter().collect();
    if let Some(p) = &cfg.providers {
        if cfg.scan {
            let src = shield::OriginSources {
                spf: &found.spf,
                history: &cfg.origin_history,
            };
            shield::origin_checks(&ctx, p, &found.resolved, &scanned, &src).await;
        }
    }

    // 5. leaked logins captured for the scope's URLs, matched to what was found
    if !late.is_empty() {
        let surface = creds::Surface {
            names: r.reported,
            portals: std::mem::take(&mut ctx.seen().portals),
            addresses: found
                .resolved
                .iter()
                .map(|(n, h)| (n.clone(), h.addrs.clone()))
                .collect(),
        };
        for f in creds::findings(&late, &surface) {
            ctx.emit(f);
        }
    }
    Ok(Stats {
        names: found.names.len(),
        resolved: r.resolved,
        addresses: scanned.len(),
        ports_probed: ctx.probed.load(Ordering::Relaxed),
        ports_open: ctx.open.load(Ordering::Relaxed),
        refused: ctx.guard.refused(),
        admitted: ctx.guard.admitted(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What the rounds found.
struct Rounds {
    /// Names reported as resolving.
    reported: BTreeSet<String>,
    /// Addresses scanned.
    scanned: BTreeSet<IpAddr>,
    /// Names no range or CNAME classified (decided by headers after the scan).
    pending_protection: Vec<String>,
    /// Names that resolved to an address.
    resolved: usize,
}

/// Rounds: resolve what is new, report and classify it, scan its new addresses; then
/// take the names the answers revealed (HTTP, certificates) and brute-force new
/// sub-zones, until nothing is new or `cfg.recursion` rounds followed the first.
async fn rounds(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    words: &Arc<Vec<String>>,
    found: &mut discovery::Names,
) -> Result<Rounds, SurfaceError> {
    let mut out = Rounds {
        reported: BTreeSet::new(),
        scanned: BTreeSet::new(),
        pending_protection: Vec::new(),
        resolved: 0,
    };
    let mut tried: BTreeSet<String> = BTreeSet::new();
    let mut brute_done: BTreeSet<String> = BTreeSet::new();
    let mut round = 0;
    loop {
        let todo: Vec<String> = found
            .names
            .keys()
            .filter(|n| !found.resolved.contains_key(*n) && tried.insert((*n).clone()))
            .cloned()
            .collect();
        for h in discovery::resolve_all(ctx, todo, cfg.ipv6, cfg.dns_concurrency).await? {
            found.resolved.insert(h.name.clone(), h);
        }
        let mut targets: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
        let mut new_names = BTreeSet::new();
        for (n, h) in &found.resolved {
            if h.addrs.is_empty() || !found.names.contains_key(n) || !out.reported.insert(n.clone())
            {
                continue;
            }
            new_names.insert(n.clone());
            out.resolved += 1;
            let source = found.names.get(n).copied().unwrap_or("dns");
            report_name(
                ctx,
                cfg,
                source,
                h,
                &mut targets,
                &mut out.pending_protection,
            );
        }
        if cfg.sweep && round == 0 {
            sweep(cfg, &mut targets);
        }
        targets.retain(|a, _| out.scanned.insert(*a));
        if cfg.scan || cfg.udp {
            scan_all(ctx, cfg, targets).await?;
        }
        round += 1;
        if round > cfg.recursion
            || next_names(ctx, cfg, words, found, &new_names, &mut brute_done).await? == 0
        {
            return Ok(out);
        }
    }
}

/// Every address of the scoped ranges of at most 4096 addresses.
fn sweep(cfg: &Config, targets: &mut BTreeMap<IpAddr, Vec<String>>) {
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

/// The next round's names: in-scope names the answers revealed, and brute-force hits
/// under the sub-zones of this round's names. Returns how many are new.
async fn next_names(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    words: &Arc<Vec<String>>,
    found: &mut discovery::Names,
    new_names: &BTreeSet<String>,
    brute_done: &mut BTreeSet<String>,
) -> Result<usize, SurfaceError> {
    let mut more = 0;
    let harvested = std::mem::take(&mut ctx.seen().names);
    for (n, src) in harvested {
        if cfg.scope.domain_of(&n).is_some() && !found.names.contains_key(&n) {
            found.names.insert(n, src);
            more += 1;
        }
    }
    if cfg.brute && !words.is_empty() {
        for zone in discovery::subzones(cfg, new_names, brute_done, cfg.max_subzones) {
            let (hits, _) = discovery::brute(ctx, cfg, &zone, words).await?;
            for h in hits {
                if !found.names.contains_key(&h.name) {
                    more += 1;
                    found.names.insert(h.name.clone(), "bruteforce");
                    found.resolved.insert(h.name.clone(), h);
                }
            }
        }
    }
    Ok(more)
}

/// Reports one newly resolved name (inventory, protection by range, out-of-scope
/// addresses) and adds its in-scope addresses to `targets`.
fn report_name(
    ctx: &Ctx,
    cfg: &Config,
    source: &str,
    h: &HostInfo,
    targets: &mut BTreeMap<IpAddr, Vec<String>>,
    pending_protection: &mut Vec<String>,
) {
    let n = h.name.as_str();
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
    let decided = cfg
        .providers
        .as_deref()
        .is_some_and(|p| shield::by_ranges(ctx, p, n, h));
    if !decided {
        pending_protection.push(n.to_string());
    }
    for a in &h.addrs {
        if ctx.guard.in_scope(*a) {
            targets.entry(*a).or_default().push(n.to_string());
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

/// Scans, fingerprints and checks `targets`, 32 hosts at a time.
async fn scan_all(
    ctx: &Arc<Ctx>,
    cfg: &Config,
    targets: BTreeMap<IpAddr, Vec<String>>,
) -> Result<(), SurfaceError> {
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
    Ok(())
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
    let emit = |f: Finding| ctx.emit(f);
    let on_http = |a: IpAddr, raw: &[u8]| ctx.http_answer(a, raw);
    let t = target(ctx, addr, asset, &emit, &on_http);
    match spec.service.as_str() {
        "rdp" => {
            drop(conn);
            rdp_check(ctx, addr, asset, spec).await;
            return;
        }
        "ssh" => {
            if let Ok(b) = conn.exchange(b"", 1024, |b| b.contains(&b'\n')).await {
                if let Some(banner) = wire::parse_ssh_banner(&b) {
                    t.dos(spec.port, &banner);
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
            let b = conn
                .exchange(&req, 256 * 1024, wire::http_complete)
                .await
                .unwrap_or_default();
            drop(conn);
            // a web port that speaks TLS (a TLS alert, or nginx's complaint) is HTTPS
            let tls_port = b.first() == Some(&0x15)
                || wire::http_body(&b)
                    .windows(22)
                    .any(|w| w == b"was sent to HTTPS port");
            if !tls_port {
                ctx.http_answer(addr, &b);
                crate::web::fingerprint(&t, spec.port, false, &b, ctx.slowloris).await;
            } else if let Some(b) = crate::tls::check(&t, spec.port, true).await {
                ctx.http_answer(addr, &b);
                crate::web::fingerprint(&t, spec.port, true, &b, ctx.slowloris).await;
            }
        }
        "https" => {
            drop(conn);
            if let Some(b) = crate::tls::check(&t, spec.port, true).await {
                ctx.http_answer(addr, &b);
                crate::web::fingerprint(&t, spec.port, true, &b, ctx.slowloris).await;
            } else if let Some(b) = crate::web::get(&t, spec.port, false, "/").await {
                // an "HTTPS" port that answers plain HTTP
                crate::web::fingerprint(&t, spec.port, false, &b, ctx.slowloris).await;
            }
        }
        // TLS from the first byte, not HTTP: certificate, versions, renegotiation
        "smtps" | "imaps" | "pop3s" | "ldaps" | "tls" => {
            drop(conn);
            crate::tls::check(&t, spec.port, false).await;
        }
        "ftp" | "smtp" => {
            drop(conn);
            crate::banner::greeting(&t, spec.port, &spec.service).await;
        }
        "smb" => {
            drop(conn);
            crate::smb::check(&t, spec.port).await;
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

/// The probes' view of the run for one host: its guard, knowledge and the run's
/// hooks (closures over `ctx` the caller keeps alive).
fn target<'a>(
    ctx: &'a Ctx,
    addr: IpAddr,
    asset: &'a str,
    emit: &'a (dyn Fn(Finding) + Send + Sync),
    on_http: &'a (dyn Fn(IpAddr, &[u8]) + Send + Sync),
) -> Target<'a> {
    Target {
        guard: &ctx.guard,
        kb: &ctx.kb,
        portals: &ctx.portals,
        pages: &ctx.pages,
        emit,
        on_http,
        addr,
        asset,
    }
}

async fn udp_checks(ctx: &Ctx, cfg: &Config, addr: IpAddr, asset: &str) {
    let wait = Duration::from_millis(1500).min(cfg.limits.probe_timeout);
    let emit = |f: Finding| ctx.emit(f);
    let on_http = |a: IpAddr, raw: &[u8]| ctx.http_answer(a, raw);
    let t = target(ctx, addr, asset, &emit, &on_http);
    tokio::join!(
        udp_dns(ctx, cfg, addr, asset, wait),
        udp_snmp(ctx, addr, asset, wait),
        udp_memcached(ctx, &t, wait),
        udp_dns_version(&t, wait),
        crate::amp::ntp_mode6(&t, wait),
        crate::amp::ntp_monlist(&t, wait),
        crate::amp::ssdp(&t, wait),
        crate::amp::cldap(&t, wait),
        crate::amp::chargen(&t, wait),
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

/// The DNS server's `version.bind` (CHAOS TXT): reported, and matched against the DoS
/// knowledge base as `BIND <version>` when it is a bare version number (what BIND
/// answers; Unbound, Knot, NSD and dnsmasq name themselves).
async fn udp_dns_version(t: &Target<'_>, wait: Duration) {
    let id: u16 = rand::random();
    let req = wire::dns_version_query(id);
    let Ok(replies) = net::udp_exchange(t.guard, SocketAddr::new(t.addr, 53), &req, wait, 1).await
    else {
        return;
    };
    let Some(version) = replies.first().and_then(|r| wire::parse_dns_version(r, id)) else {
        return;
    };
    let banner = if version.starts_with(|c: char| c.is_ascii_digit()) {
        format!("BIND {version}")
    } else {
        version.clone()
    };
    t.dos(53, &banner);
    (t.emit)(
        t.finding(
            "service.dns",
            Severity::Info,
            Some(53),
            format!("DNS server on {}:53 tells its version", t.addr),
            "version.bind answered: the exact version helps an attacker pick a DoS bug",
        )
        .evidence(json!({"version_bind": version})),
    );
}

async fn udp_memcached(ctx: &Ctx, t: &Target<'_>, wait: Duration) {
    // memcached over UDP
    let (addr, asset) = (t.addr, t.asset);
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
            if let Some(v) = &m.version {
                t.dos(11211, &format!("memcached {v}"));
            }
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
