//! `firebreak surface`: the attack-surface pipeline (crate `firebreak-surface`).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::Outcome;
use anyhow::{bail, Context, Result};
use clap::Args;
use firebreak_surface::{run_blocking, summary_table, Config, Finding, Limits, Providers, Scope};

/// Arguments of `firebreak surface`.
#[derive(Args, Debug)]
pub struct SurfaceArgs {
    /// Scope file: one domain, address or CIDR a line (`#` comments). Nothing outside it
    /// is probed.
    #[arg(long, value_name = "FILE")]
    pub scope: PathBuf,
    /// Resolver to ask (IP or IP:PORT), repeatable. The system resolver is never used
    /// unless `--system-resolver` is given.
    #[arg(long = "resolver", value_name = "ADDR")]
    pub resolvers: Vec<String>,
    /// Use the nameservers of /etc/resolv.conf.
    #[arg(long)]
    pub system_resolver: bool,
    /// Write the findings (JSONL) to FILE instead of stdout; the summary then goes to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Assets in the closing summary.
    #[arg(long, default_value_t = 35)]
    pub top: usize,
    /// Extra wordlist for the DNS brute force (one label a line), repeatable.
    #[arg(long = "wordlist", value_name = "FILE")]
    pub wordlists: Vec<PathBuf>,
    /// Do not use the bundled wordlist.
    #[arg(long)]
    pub no_bundled_wordlist: bool,
    /// Ports to scan (comma-separated) instead of the bundled profile.
    #[arg(long, value_delimiter = ',')]
    pub ports: Option<Vec<u16>>,
    /// Skip the DNS brute force.
    #[arg(long)]
    pub no_brute: bool,
    /// Skip zone-transfer attempts.
    #[arg(long)]
    pub no_axfr: bool,
    /// Skip the TCP scan and fingerprints.
    #[arg(long)]
    pub no_scan: bool,
    /// Skip the UDP amplifier probes.
    #[arg(long)]
    pub no_udp: bool,
    /// Also scan every address of scoped ranges of up to 4096 addresses.
    #[arg(long)]
    pub sweep: bool,
    /// Resolve AAAA too.
    #[arg(long)]
    pub ipv6: bool,
    /// Packets per second to targets, all hosts together.
    #[arg(long, default_value_t = 2000)]
    pub rate: u32,
    /// Packets per second to one host.
    #[arg(long, default_value_t = 500)]
    pub host_rate: u32,
    /// Connections at once, all hosts together.
    #[arg(long, default_value_t = 256)]
    pub conns: usize,
    /// Connections at once to one host.
    #[arg(long, default_value_t = 32)]
    pub host_conns: usize,
    /// DNS queries per second to the resolvers.
    #[arg(long, default_value_t = 5000)]
    pub dns_rate: u32,
    /// DNS queries in flight.
    #[arg(long, default_value_t = 256)]
    pub dns_concurrency: usize,
    /// Provider ranges for the protection classification: a file in cdncheck's
    /// `sources_data.json` format (CDN/WAF/cloud ranges, CNAME suffixes).
    #[arg(long, value_name = "FILE")]
    pub cdn_ranges: Option<PathBuf>,
    /// Hard deadline of one probe, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
}

fn resolver_addr(s: &str) -> Result<SocketAddr> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let ip: IpAddr = s
        .parse()
        .with_context(|| format!("--resolver {s}: not an address"))?;
    Ok(SocketAddr::new(ip, 53))
}

pub fn run(a: &SurfaceArgs) -> Result<Outcome> {
    let text = std::fs::read_to_string(&a.scope)
        .with_context(|| format!("reading scope file {}", a.scope.display()))?;
    let scope = Scope::parse(&text)?;
    let mut resolvers = a
        .resolvers
        .iter()
        .map(|s| resolver_addr(s))
        .collect::<Result<Vec<_>>>()?;
    if a.system_resolver {
        let conf =
            std::fs::read_to_string("/etc/resolv.conf").context("reading /etc/resolv.conf")?;
        for l in conf.lines() {
            if let Some(ip) = l.strip_prefix("nameserver").map(str::trim) {
                resolvers.push(resolver_addr(ip)?);
            }
        }
    }
    if resolvers.is_empty() && !scope.domains.is_empty() {
        bail!("the scope names domains: give --resolver ADDR (or --system-resolver)");
    }
    let mut wordlists = Vec::new();
    for w in &a.wordlists {
        wordlists.push(
            std::fs::read_to_string(w)
                .with_context(|| format!("reading wordlist {}", w.display()))?,
        );
    }
    let mut cfg = Config::new(scope, resolvers);
    cfg.limits = Limits {
        rate: a.rate,
        host_rate: a.host_rate,
        conns: a.conns,
        host_conns: a.host_conns,
        dns_rate: a.dns_rate,
        probe_timeout: Duration::from_millis(a.timeout_ms.max(1)),
    };
    cfg.wordlists = wordlists;
    cfg.bundled_wordlist = !a.no_bundled_wordlist;
    cfg.ports = a.ports.clone();
    cfg.brute = !a.no_brute;
    cfg.axfr = !a.no_axfr;
    cfg.scan = !a.no_scan;
    cfg.udp = !a.no_udp;
    cfg.sweep = a.sweep;
    cfg.ipv6 = a.ipv6;
    cfg.dns_concurrency = a.dns_concurrency.max(1);
    if let Some(p) = &a.cdn_ranges {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading provider ranges {}", p.display()))?;
        let providers = Providers::parse_cdncheck(&text)
            .with_context(|| format!("provider ranges {}", p.display()))?;
        cfg.providers = Some(std::sync::Arc::new(providers));
    }

    let mut sink: Box<dyn Write> = match &a.out {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut all: Vec<Finding> = Vec::new();
    let mut write_err: Option<std::io::Error> = None;
    let stats = run_blocking(cfg, |f| {
        if write_err.is_none() {
            let line = serde_json::to_string(f).unwrap_or_default();
            if let Err(e) = writeln!(sink, "{line}").and_then(|_| sink.flush()) {
                write_err = Some(e);
            }
        }
        all.push(f.clone());
    })?;
    drop(sink);
    if let Some(e) = write_err {
        return Err(e).context("writing findings");
    }
    let summary = summary_table(&all, a.top);
    let tail = format!(
        "{} names, {} resolved, {} in-scope addresses, {} ports probed ({} open), {} probes refused by the scope guard, {:.3} s",
        stats.names,
        stats.resolved,
        stats.addresses,
        stats.ports_probed,
        stats.ports_open,
        stats.refused,
        stats.seconds
    );
    if a.out.is_some() {
        print!("{summary}");
        println!("{tail}");
    } else {
        eprint!("{summary}");
        eprintln!("{tail}");
    }
    Ok(Outcome::Ok)
}
