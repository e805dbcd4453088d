//! `firebreak hunt`: Sigma rules over a case (detections stored) or over paths.

use crate::cli::{HuntArgs, HuntFormatArg, HuntWith, LevelArg};
use crate::opts::{read_options, zone};
use crate::rulesrc::{placeholders, rule_sources};
use crate::Outcome;
use anyhow::{bail, Context, Result};
use firebreak_analytics::{AnalyticsConfig, LeakSet};
use firebreak_case::Case;
use firebreak_hunt::render::{render, Format, TableOptions};
use firebreak_hunt::{HuntOptions, HuntOutcome, Selection};
use firebreak_ingest::{IngestOptions, SilentProgress};
use firebreak_ioc::IocMatcher;
use firebreak_sigma::{Level, LoadOptions, RuleSet};
use firebreak_timeline::sanitize_terminal;
use std::io::{IsTerminal, Write};

pub fn run(a: &HuntArgs) -> Result<Outcome> {
    let input = RuleInput::gather(&a.with)?;
    let opts = HuntOptions {
        selection: selection(a),
        threads: a.hunt_threads,
        analytics: analytics_config(&a.with)?,
        iocs: load_iocs(&a.with.ioc)?,
    };
    let (outcome, rules) = match (&a.case, a.paths.is_empty()) {
        (Some(dir), true) => {
            let rules = input.load()?;
            (hunt_case(dir, a, &rules, &opts)?, rules)
        }
        (Some(_), false) => bail!("give either --case or evidence paths, not both (ingest first)"),
        (None, true) => bail!("give --case DIR or evidence paths to hunt"),
        (None, false) => {
            let read = IngestOptions {
                read: read_options(&a.read)?,
                ..IngestOptions::default()
            };
            // The rules load while the first files are read.
            let load = || input.load().unwrap_or_default();
            let (o, rules) =
                firebreak_hunt::hunt_paths_loading(&a.paths, &read, load, &opts, &SilentProgress);
            report_read(&o)?;
            (o, rules)
        }
    };
    write_detections(a, &outcome)?;
    summary(&outcome, rules.len())?;
    if let Some(report) = &outcome.analytics {
        exfiltration(&report.exfiltration)?;
    }
    // The process ends now: freeing thousands of compiled rules and every detection
    // piece by piece would take a noticeable part of a short hunt, which the OS does
    // at once.
    std::mem::forget((outcome, rules));
    Ok(Outcome::Ok)
}

fn hunt_case(
    dir: &std::path::Path,
    a: &HuntArgs,
    rules: &RuleSet,
    opts: &HuntOptions,
) -> Result<HuntOutcome> {
    let open = |d| {
        if a.no_store {
            Case::open_read(d)
        } else {
            Case::open(d)
        }
    };
    let mut case = open(dir).with_context(|| format!("opening case {}", dir.display()))?;
    let outcome = firebreak_hunt::hunt_case(&case, rules, opts)?;
    if !a.no_store {
        let what = describe(a);
        let rec = firebreak_hunt::store(&mut case, &what, &outcome.detections)?;
        eprintln!(
            "stored in the case: {} detections, {} new (hunt {})",
            rec.total, rec.new, rec.hunt_id
        );
    }
    Ok(outcome)
}

/// What the hunt ran, for the case's hunt log.
fn describe(a: &HuntArgs) -> String {
    let w = &a.with;
    serde_json::json!({
        "rules": w.rules.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "bundled": w.rules.is_empty() || w.bundled,
        "iocs": w.ioc.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "min_level": a.min_level.map(|l| level(l).as_str()),
        "status": a.status,
        "tag": a.tag,
        "exclude_tag": a.exclude_tag,
    })
    .to_string()
}

pub fn load_rules(a: &HuntWith) -> Result<RuleSet> {
    RuleInput::gather(a)?.load()
}

/// The rule files read and the options checked, ready to be parsed and compiled
/// (which may then run beside reading the evidence).
pub struct RuleInput {
    sources: Vec<(String, String)>,
    unreadable: usize,
    opts: LoadOptions,
}

impl RuleInput {
    pub fn gather(a: &HuntWith) -> Result<RuleInput> {
        let opts = LoadOptions {
            placeholders: placeholders(&a.placeholder)?,
            ..LoadOptions::default()
        };
        if a.no_sigma {
            let (sources, unreadable) = (Vec::new(), 0);
            return Ok(RuleInput {
                sources,
                unreadable,
                opts,
            });
        }
        let (mut sources, unreadable) = rule_sources(&a.rules);
        if a.rules.is_empty() || a.bundled {
            sources.extend(firebreak_rules::bundled());
        }
        if sources.is_empty() {
            bail!("no Sigma rule files (.yml/.yaml) under the --rules paths");
        }
        let unreadable = unreadable.len();
        Ok(RuleInput {
            sources,
            unreadable,
            opts,
        })
    }

    /// Parse and compile; says on stderr how many documents did not load.
    pub fn load(&self) -> Result<RuleSet> {
        if self.sources.is_empty() {
            return Ok(RuleSet::default());
        }
        let (set, errors) = RuleSet::load(&self.sources, &self.opts);
        if !errors.is_empty() || self.unreadable > 0 {
            writeln!(
                std::io::stderr().lock(),
                "{} rule documents not loaded (`firebreak rules check` lists each with its reason)",
                errors.len() + self.unreadable
            )?;
        }
        Ok(set)
    }
}

pub fn analytics_config(a: &HuntWith) -> Result<Option<AnalyticsConfig>> {
    if a.no_analytics {
        return Ok(None);
    }
    let mut cfg = match &a.analytics_config {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            AnalyticsConfig::from_yaml(&text).with_context(|| format!("in {}", p.display()))?
        }
        None => AnalyticsConfig::default(),
    };
    if let Some(p) = &a.leaks {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let (set, errors) = LeakSet::parse(&p.display().to_string(), &bytes);
        if !errors.is_empty() {
            eprintln!(
                "{}: {} lines not read as credentials",
                p.display(),
                errors.len()
            );
            for e in errors.iter().take(5) {
                eprintln!("  {}", sanitize_terminal(&e.to_string()));
            }
        }
        eprintln!(
            "leaked credentials: {} accounts from {}",
            set.len(),
            p.display()
        );
        cfg.leaks = Some(set);
    }
    if let Some(p) = &a.geoip {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let (db, errors) = firebreak_analytics::GeoIp::parse(&p.display().to_string(), &bytes);
        eprintln!("GeoIP: {} ranges from {}", db.len(), p.display());
        for e in errors.iter().take(5) {
            eprintln!("  not used: {}", sanitize_terminal(&e.to_string()));
        }
        if errors.len() > 5 {
            eprintln!("  ... {} more lines not used", errors.len() - 5);
        }
        cfg.geoip = Some(db);
    }
    Ok(Some(cfg))
}

/// Every IOC file, parsed by content; entries that could not be read are reported
/// with their location and reason, the rest is used.
pub fn load_iocs(files: &[std::path::PathBuf]) -> Result<Option<IocMatcher>> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut sets = Vec::new();
    let mut err = std::io::stderr().lock();
    for p in files {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let (set, errors) = firebreak_ioc::parse_auto(&p.display().to_string(), &bytes);
        writeln!(err, "IOCs: {} from {}", set.len(), p.display())?;
        for e in &errors {
            writeln!(err, "  not used: {}", sanitize_terminal(&e.to_string()))?;
        }
        sets.push(set);
    }
    Ok(Some(IocMatcher::new(&sets)))
}

fn level(l: LevelArg) -> Level {
    match l {
        LevelArg::Informational => Level::Informational,
        LevelArg::Low => Level::Low,
        LevelArg::Medium => Level::Medium,
        LevelArg::High => Level::High,
        LevelArg::Critical => Level::Critical,
    }
}

fn selection(a: &HuntArgs) -> Selection {
    Selection {
        min_level: a.min_level.map(level),
        statuses: a.status.clone(),
        tags: a.tag.clone(),
        exclude_tags: a.exclude_tag.clone(),
    }
}

fn write_detections(a: &HuntArgs, o: &HuntOutcome) -> Result<()> {
    let stdout = std::io::stdout();
    let width = stdout
        .is_terminal()
        .then(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .flatten();
    let table = TableOptions {
        display_tz: zone(&a.tz)?,
        width: width.or(Some(200)),
    };
    let format = match a.format {
        HuntFormatArg::Table => Format::Table,
        HuntFormatArg::Csv => Format::Csv,
        HuntFormatArg::Jsonl => Format::Jsonl,
        HuntFormatArg::Timesketch => Format::Timesketch,
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    render(format, &table, &o.detections, &mut out)?;
    out.flush()?;
    Ok(())
}

fn report_read(o: &HuntOutcome) -> Result<()> {
    let Some(r) = &o.read else { return Ok(()) };
    let mut err = std::io::stderr().lock();
    let t = r.total();
    writeln!(
        err,
        "read {} files: {} records, {} rejected",
        t.files, t.records, t.rejected
    )?;
    for (path, why) in r.unrecognised.iter().chain(&r.problems).chain(&r.partial) {
        writeln!(
            err,
            "  {}: {}",
            sanitize_terminal(path),
            sanitize_terminal(why)
        )?;
    }
    Ok(())
}

pub fn summary(o: &HuntOutcome, rules: usize) -> Result<()> {
    let mut by_level = std::collections::BTreeMap::new();
    for d in &o.detections {
        *by_level.entry(d.level.as_str()).or_insert(0u64) += 1;
    }
    for w in &o.warnings {
        eprintln!("warning: {}", sanitize_terminal(w));
    }
    let secs = o.elapsed.as_secs_f64();
    let levels: Vec<String> = by_level.iter().map(|(l, n)| format!("{l} {n}")).collect();
    eprintln!(
        "hunted {} events with {rules} rules in {secs:.1} s ({:.0} events/s): {} detections ({})",
        o.events,
        o.events as f64 / secs.max(1e-9),
        o.detections.len(),
        levels.join(", ")
    );
    Ok(())
}

/// The exfiltration assessment: found or not, and exactly what was checked.
pub fn exfiltration(x: &firebreak_analytics::ExfilAssessment) -> Result<()> {
    let mut err = std::io::stderr().lock();
    let verdict = if x.found {
        format!("FOUND ({} findings above)", x.findings.len())
    } else {
        "none found".to_string()
    };
    writeln!(err, "exfiltration: {verdict}")?;
    for c in &x.checked {
        writeln!(err, "  checked: {}", sanitize_terminal(c))?;
    }
    for e in &x.explained {
        writeln!(err, "  explained as legitimate: {}", sanitize_terminal(e))?;
    }
    Ok(())
}
