//! `firebreak surface`: the attack-surface pipeline (crate `firebreak-surface`).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::Outcome;
use anyhow::{bail, Context, Result};
use clap::Args;
use firebreak_case::{Case, FindingRecord, FindingsDiff};
use firebreak_surface::creds::LeakIndex;
use firebreak_surface::store::Stabilizer;
use firebreak_surface::{
    import_ranges, names, permute, run_blocking, summary_table, Config, Finding, Limits, Providers,
    RangeFormat, Scope, Severity,
};

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
    /// Slowloris check on HTTP(S) ports: exposed when 3 incomplete requests (one
    /// header line every quarter of this, 1-10 s) stay open this many seconds. 0: off.
    #[arg(long, default_value_t = 10)]
    pub slowloris_secs: u64,
    /// Leaked-credential list (email:password, user:hash, pwdump, combolists
    /// `url:user:pass`, `url|user|pass`, `email;pass`), repeatable. Accounts of the
    /// scope's domains and logins for its URLs are reported with the secret masked;
    /// nothing is ever tried with them.
    #[arg(long = "leaks", value_name = "FILE")]
    pub leaks: Vec<PathBuf>,
    /// Passive name source, repeatable: a crt.sh JSON export, a name list (subfinder,
    /// amass), or the JSONL of an earlier `firebreak surface` run. Names outside the
    /// scoped domains are dropped.
    #[arg(long = "passive", value_name = "FILE")]
    pub passive: Vec<PathBuf>,
    /// Permutations of discovered names to try at most (numbers ±1, environment words;
    /// 0 = none).
    #[arg(long, default_value_t = 2000)]
    pub permutations: usize,
    /// Words for the permutations instead of the bundled ones (one a line).
    #[arg(long, value_name = "FILE")]
    pub permutation_words: Option<PathBuf>,
    /// Discovery rounds after the first (names revealed by HTTP answers and
    /// certificates, brute force under new sub-zones; 0 = none).
    #[arg(long, default_value_t = 2)]
    pub recursion: u32,
    /// DNS history for the origin check, repeatable: `name address` lines (as history
    /// services export them), bare addresses (candidates for every protected site), or
    /// an earlier run's JSONL. Addresses outside the scope are listed, never probed.
    #[arg(long = "origin-history", value_name = "FILE")]
    pub origin_history: Vec<PathBuf>,
    /// Store the findings in this case (created if missing) and report what is new,
    /// gone or changed since the case's previous surface run.
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
}

/// Reads the leak lists, keeping what concerns the scope; reports each list's counts
/// and skipped lines (file, line, reason) on stderr.
fn read_leaks(paths: &[PathBuf], scope: &Scope) -> Result<LeakIndex> {
    let types =
        firebreak_analytics::leakline::HashTypes::bundled().context("bundled hash types")?;
    let mut ix = LeakIndex::default();
    for p in paths {
        let f = std::fs::File::open(p).with_context(|| format!("reading leaks {}", p.display()))?;
        let (lines, kept, skipped) = (ix.lines, ix.leaks.len(), ix.skipped.len());
        let name = p.display().to_string();
        ix.read(scope, &types, &name, std::io::BufReader::new(f))
            .with_context(|| format!("reading leaks {}", p.display()))?;
        eprintln!(
            "leaks {}: {} usable lines, {} about the scope, {} skipped",
            sanitize(&name),
            ix.lines - lines,
            ix.leaks.len() - kept,
            ix.skipped.len() - skipped
        );
        for e in ix.skipped[skipped..].iter().take(5) {
            eprintln!("  skipped line {}: {}", e.line, e.reason);
        }
    }
    Ok(ix)
}

fn sanitize(s: &str) -> String {
    firebreak_timeline::sanitize_terminal(s).into_owned()
}

/// Names of the passive inputs (format recognised from the content).
fn read_passive(paths: &[PathBuf]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading passive input {}", p.display()))?;
        let got = names::passive(&text);
        eprintln!(
            "passive {}: {} names ({}), {} entries without one",
            sanitize(&p.display().to_string()),
            got.names.len(),
            got.format,
            got.skipped
        );
        out.extend(got.names);
    }
    Ok(out)
}

/// The case's records of this run's findings.
fn records(findings: &[Finding]) -> Result<Vec<FindingRecord>> {
    let st = Stabilizer::bundled()?;
    Ok(findings
        .iter()
        .map(|f| {
            let s = st.stable(f);
            FindingRecord {
                key: s.key,
                kind: f.kind.clone(),
                subject: f.asset.clone(),
                severity: f.severity.as_str().to_string(),
                summary: s.summary,
                details: s.details,
            }
        })
        .collect())
}

/// The diff as JSONL findings (`diff.new`, `diff.gone`, `diff.changed`), each with the
/// stored record(s) as evidence.
fn diff_findings(d: &FindingsDiff) -> Vec<Finding> {
    let sev = |r: &FindingRecord| Severity::parse(&r.severity).unwrap_or(Severity::Info);
    let mut out = Vec::new();
    for r in &d.new {
        out.push(
            Finding::new(
                "diff.new",
                sev(r),
                &r.subject,
                format!("new since the last run: {}", r.summary),
                "not in the previous surface run of this case",
            )
            .evidence(serde_json::json!({"key": r.key, "kind": r.kind, "now": r})),
        );
    }
    for r in &d.gone {
        out.push(
            Finding::new(
                "diff.gone",
                Severity::Info,
                &r.subject,
                format!("gone since the last run: {}", r.summary),
                "in the previous surface run of this case, not in this one",
            )
            .evidence(serde_json::json!({"key": r.key, "kind": r.kind, "before": r})),
        );
    }
    for (before, now) in &d.changed {
        out.push(
            Finding::new(
                "diff.changed",
                sev(now),
                &now.subject,
                format!("changed since the last run: {}", now.summary),
                "same finding as in the previous run, with another severity, summary or evidence",
            )
            .evidence(
                serde_json::json!({"key": now.key, "kind": now.kind, "before": before, "now": now}),
            ),
        );
    }
    out
}

/// The human summary of a diff.
fn diff_text(d: &FindingsDiff, stored: usize) -> String {
    let Some(prev) = d.previous_run else {
        return format!(
            "case: first surface run (#{}), {stored} findings stored\n",
            d.run_id
        );
    };
    let mut t = format!(
        "since the last run (#{prev} -> #{}): {} new, {} gone, {} changed, {} unchanged\n",
        d.run_id,
        d.new.len(),
        d.gone.len(),
        d.changed.len(),
        d.unchanged
    );
    let line = |t: &mut String, tag: &str, r: &FindingRecord| {
        let s: String = sanitize(&format!("{} {}: {}", r.severity, r.subject, r.summary))
            .chars()
            .take(120)
            .collect();
        t.push_str(&format!("  {tag} {s}\n"));
    };
    for r in d.new.iter().take(20) {
        line(&mut t, "new    ", r);
    }
    for r in d.gone.iter().take(20) {
        line(&mut t, "gone   ", r);
    }
    for (_, r) in d.changed.iter().take(20) {
        line(&mut t, "changed", r);
    }
    t
}

/// Arguments of `firebreak surface-ranges`.
#[derive(Args, Debug)]
pub struct RangesArgs {
    /// The provider range file to write (cdncheck's `sources_data.json` format).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Start from this range file (e.g. ../shared/data/cdn-ranges/sources_data.json);
    /// each imported list replaces its provider's ranges, the rest is kept.
    #[arg(long, value_name = "FILE")]
    pub base: Option<PathBuf>,
    /// Cloudflare's ips-v4 / ips-v6 text, repeatable.
    #[arg(long, value_name = "FILE")]
    pub cloudflare: Vec<PathBuf>,
    /// AWS ip-ranges.json (CLOUDFRONT as CDN, the rest as cloud hosting).
    #[arg(long, value_name = "FILE")]
    pub aws: Vec<PathBuf>,
    /// Fastly's public-ip-list JSON.
    #[arg(long, value_name = "FILE")]
    pub fastly: Vec<PathBuf>,
    /// Google's goog.json / cloud.json (cloud hosting).
    #[arg(long, value_name = "FILE")]
    pub google: Vec<PathBuf>,
    /// A plain CIDR list for a provider: CATEGORY/PROVIDER=FILE (category cdn, waf or
    /// cloud), repeatable.
    #[arg(long, value_name = "CATEGORY/PROVIDER=FILE")]
    pub list: Vec<String>,
}

/// `firebreak surface-ranges`: no network; reads the lists the user downloaded.
pub fn import(a: &RangesArgs) -> Result<Outcome> {
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
    };
    let mut sources = Vec::new();
    for (format, paths) in [
        (RangeFormat::Cloudflare, &a.cloudflare),
        (RangeFormat::Aws, &a.aws),
        (RangeFormat::Fastly, &a.fastly),
        (RangeFormat::Google, &a.google),
    ] {
        for p in paths {
            sources.push((format, None, read(p)?));
        }
    }
    for l in &a.list {
        let (target, file) = l
            .split_once('=')
            .with_context(|| format!("--list {l}: expected CATEGORY/PROVIDER=FILE"))?;
        sources.push((
            RangeFormat::List,
            Some(target.to_string()),
            read(&PathBuf::from(file))?,
        ));
    }
    if sources.is_empty() {
        bail!("nothing to import: give --cloudflare, --aws, --fastly, --google or --list");
    }
    let base = a.base.as_ref().map(read).transpose()?;
    let (text, counts) = import_ranges(base.as_deref(), &sources)?;
    std::fs::write(&a.out, text).with_context(|| format!("writing {}", a.out.display()))?;
    for c in counts {
        println!(
            "{}: {} ranges, {} entries skipped",
            c.into, c.ranges, c.skipped
        );
    }
    Ok(Outcome::Ok)
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
    let leaks = read_leaks(&a.leaks, &scope)?;
    let passive = read_passive(&a.passive)?;
    let mut case = match &a.case {
        Some(dir) => {
            Some(Case::open(dir).with_context(|| format!("opening case {}", dir.display()))?)
        }
        None => None,
    };
    let started_us = chrono::Utc::now().timestamp_micros();
    let mut cfg = Config::new(scope, resolvers);
    cfg.leaks = std::sync::Arc::new(leaks.leaks);
    cfg.passive = passive;
    for p in &a.origin_history {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading origin history {}", p.display()))?;
        let h = names::history(&text);
        eprintln!(
            "origin history {}: {} addresses, {} lines without one",
            sanitize(&p.display().to_string()),
            h.entries.len(),
            h.skipped
        );
        cfg.origin_history.extend(h.entries);
    }
    cfg.permutations = a.permutations;
    cfg.recursion = a.recursion;
    if let Some(p) = &a.permutation_words {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading permutation words {}", p.display()))?;
        cfg.permutation_words = permute::words(&text);
    }
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
    cfg.slowloris = (a.slowloris_secs > 0).then(|| Duration::from_secs(a.slowloris_secs));
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
    let mut diff_summary = String::new();
    if let Some(case) = &mut case {
        let recs = records(&all)?;
        let d = case
            .record_findings("surface", started_us, &recs)
            .context("storing the findings in the case")?;
        if write_err.is_none() && d.previous_run.is_some() {
            for f in diff_findings(&d) {
                let line = serde_json::to_string(&f).unwrap_or_default();
                if let Err(e) = writeln!(sink, "{line}").and_then(|_| sink.flush()) {
                    write_err = Some(e);
                    break;
                }
            }
        }
        diff_summary = diff_text(&d, recs.len());
    }
    drop(sink);
    if let Some(e) = write_err {
        return Err(e).context("writing findings");
    }
    let summary = summary_table(&all, a.top) + &diff_summary;
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
