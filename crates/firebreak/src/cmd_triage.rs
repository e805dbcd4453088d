//! `firebreak sample`, `scan` and `backup verify`: sample triage, file scanning and
//! restore-point verification (engines in firebreak-triage and firebreak-yara).

use crate::Outcome;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use firebreak_timeline::sanitize_terminal;
use firebreak_triage::backup::{self, PointScan};
use firebreak_triage::impact::ImpactKb;
use firebreak_triage::scan::{FileResult, ScanRules};
use firebreak_triage::{Attribution, Knowledge, SampleCard, SampleOptions, Triage};
use firebreak_yara::{RuleSource, YaraRules};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Output format of `sample`, `scan` and `backup verify`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageFormat {
    /// A readable report (attacker-controlled text sanitised).
    Text,
    /// JSON (`sample`, `backup verify`) or JSON lines, one per file (`scan`).
    Json,
}

/// YARA and attribution inputs shared by the three commands.
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// YARA rule file or folder (.yar/.yara), repeatable; the bundled pack runs too
    /// unless --no-bundled.
    #[arg(long = "yara", value_name = "PATH")]
    pub yara: Vec<PathBuf>,
    /// Leave the bundled YARA pack out.
    #[arg(long)]
    pub no_bundled: bool,
    /// MITRE ATT&CK compact export (techniques, groups, software) for attribution.
    #[arg(long, value_name = "FILE")]
    pub attack: Option<PathBuf>,
    /// MISP galaxy folder (ransomware.json, threat-actor.json): families, actors,
    /// ransomware extensions and note names.
    #[arg(long, value_name = "DIR")]
    pub galaxy: Option<PathBuf>,
}

/// Arguments of `firebreak sample`.
#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Files to dissect.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[arg(long, value_enum, default_value_t = TriageFormat::Text)]
    pub format: TriageFormat,
    /// Include every extracted string (with offsets) in the JSON output.
    #[arg(long)]
    pub strings: bool,
    /// Write the samples' IOCs as a STIX 2.1 bundle to FILE.
    #[arg(long, value_name = "FILE")]
    pub stix: Option<PathBuf>,
    /// Write the samples' IOCs as a MISP event to FILE.
    #[arg(long, value_name = "FILE")]
    pub misp: Option<PathBuf>,
    /// Run the samples' IOCs over the case given with --case (detections stored).
    #[arg(long, requires = "case")]
    pub hunt: bool,
    /// Case folder for --hunt.
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
    /// Largest file read (bytes).
    #[arg(long, default_value_t = 512 << 20)]
    pub max_size: u64,
}

/// What `scan` and `backup verify` scan with.
#[derive(Args, Debug, Clone)]
pub struct ScanWith {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// IOC file (plain, CSV, STIX 2.1, MISP): its hashes and file names, repeatable.
    #[arg(long, value_name = "FILE")]
    pub ioc: Vec<PathBuf>,
    /// ClamAV hash signatures (.hdb MD5:size:name, .hsb SHA1/SHA256:size:name), repeatable.
    #[arg(long, value_name = "FILE")]
    pub clamav: Vec<PathBuf>,
    /// Loki-style hash IOCs (HASH;DESCRIPTION), repeatable.
    #[arg(long, value_name = "FILE")]
    pub loki_hashes: Vec<PathBuf>,
    /// Loki-style file-name IOCs (REGEX;SCORE[;FALSE_POSITIVE_REGEX]), repeatable.
    #[arg(long, value_name = "FILE")]
    pub loki_names: Vec<PathBuf>,
    /// Largest file whose content is scanned (bytes); larger ones are reported, not read.
    #[arg(long, default_value_t = 256 << 20)]
    pub max_size: u64,
    /// YARA time limit per file (seconds).
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Compute MD5 and SHA-1 of every file (by default they are computed only when
    /// an IOC list holds such hashes; SHA-256 always).
    #[arg(long)]
    pub all_hashes: bool,
    /// Scanning threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Arguments of `firebreak scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files, folders, archives (zip/tar/gz), mounted images.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub with: ScanWith,
    #[arg(long, value_enum, default_value_t = TriageFormat::Text)]
    pub format: TriageFormat,
    /// Also list clean files.
    #[arg(long)]
    pub all: bool,
    /// Case folder: store every file's result as a finding (source `scan`) and say
    /// what changed since the previous scan in that case.
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
}

/// `firebreak backup ...`
#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Scan restore points (oldest first) with one rule set; name the last clean one.
    Verify(Box<VerifyArgs>),
}

/// Arguments of `firebreak backup verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Restore points, oldest first: folders or archives; `LABEL=PATH` names one.
    #[arg(required = true)]
    pub points: Vec<String>,
    /// When a point was taken: LABEL=TIME (RFC 3339), repeatable.
    #[arg(long, value_name = "LABEL=TIME")]
    pub time: Vec<String>,
    /// Case whose first compromise (its latest investigation's initial access, else
    /// the earliest medium-or-higher detection on its timeline) names the point to
    /// look at first and whether the last clean one predates it; the verdicts are
    /// stored in it as findings (source `backup`).
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
    #[command(flatten)]
    pub with: ScanWith,
    #[arg(long, value_enum, default_value_t = TriageFormat::Text)]
    pub format: TriageFormat,
}

/// The first-compromise time of a case: its latest investigation's initial access;
/// without an investigation, the earliest detection of level medium or higher that
/// a hunt stored (the timeline's first sign of the attacker).
fn compromise_time(case: &firebreak_case::Case) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    if let Some((_, json)) = case.latest_investigation()? {
        let inv: firebreak_analysis::Investigation = serde_json::from_str(&json)
            .context("the stored investigation is of another version")?;
        match inv.initial_access {
            Some(ia) => {
                eprintln!("first compromise: the investigation's initial access");
                return Ok(Some(ia.time.to_datetime()));
            }
            None => eprintln!("the case's investigation names no initial access"),
        }
    }
    let first = case
        .detections()?
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| matches!(d.level.as_str(), "medium" | "high" | "critical"))
        .min_by_key(|d| d.ts);
    match first {
        Some(d) => {
            eprintln!(
                "first compromise: earliest detection on the timeline: {} ({}{})",
                sanitize_terminal(&d.title),
                d.level,
                d.host
                    .as_deref()
                    .map(|h| format!(", {}", sanitize_terminal(h)))
                    .unwrap_or_default()
            );
            Ok(chrono::DateTime::from_timestamp_micros(d.ts))
        }
        None => {
            eprintln!(
                "the case has neither an investigation nor detections: no compromise time \
                 (run `firebreak investigate` or `firebreak hunt` on it)"
            );
            Ok(None)
        }
    }
}

/// Store findings in a case and say what changed since the previous run.
fn store_findings(
    case: &mut firebreak_case::Case,
    source: &str,
    started: chrono::DateTime<chrono::Utc>,
    findings: Vec<firebreak_triage::scan::Finding>,
) -> Result<()> {
    let records: Vec<firebreak_case::FindingRecord> = findings
        .into_iter()
        .map(|f| firebreak_case::FindingRecord {
            key: f.key,
            kind: f.kind,
            subject: f.subject,
            severity: f.severity,
            summary: f.summary,
            details: f.details,
        })
        .collect();
    let diff = case.record_findings(source, started.timestamp_micros(), &records)?;
    let dir = case
        .dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    match diff.previous_run {
        Some(prev) => eprintln!(
            "stored in case {dir} ({source} run {}): {} new, {} gone, {} changed, {} unchanged since run {prev}",
            diff.run_id,
            diff.new.len(),
            diff.gone.len(),
            diff.changed.len(),
            diff.unchanged
        ),
        None => eprintln!(
            "stored in case {dir} ({source} run {}): {} findings, the first {source} run",
            diff.run_id,
            records.len()
        ),
    }
    for f in diff.new.iter().filter(|f| f.severity != "info").take(20) {
        eprintln!("  new      {}", sanitize_terminal(&f.summary));
    }
    for (_, now) in diff.changed.iter().take(20) {
        eprintln!("  changed  {}", sanitize_terminal(&now.summary));
    }
    Ok(())
}

fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = f.metadata()?.len();
    if len > max {
        bail!("{}: {len} bytes is over --max-size {max}", path.display());
    }
    let mut v = Vec::with_capacity(len as usize);
    f.take(max + 1).read_to_end(&mut v)?;
    Ok(v)
}

fn yara_files(paths: &[PathBuf]) -> Result<Vec<RuleSource>> {
    let mut out = Vec::new();
    for p in paths {
        let files: Vec<PathBuf> = if p.is_dir() {
            let mut v: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .into_iter()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|f| f.extension().is_some_and(|x| x == "yar" || x == "yara"))
                .collect();
            v.sort();
            v
        } else {
            vec![p.clone()]
        };
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("reading YARA rules {}", f.display()))?;
            out.push(RuleSource::new(f.display().to_string(), text));
        }
    }
    Ok(out)
}

/// Compile the user's rules and the bundled pack; report each rule that does not compile.
fn load_yara(a: &RuleArgs) -> Result<Option<YaraRules>> {
    let mut sources = yara_files(&a.yara)?;
    if !a.no_bundled {
        sources.extend(firebreak_yara::bundled());
    }
    if sources.is_empty() {
        return Ok(None);
    }
    let (rules, errors) = firebreak_yara::compile(&sources);
    let mut err = std::io::stderr().lock();
    for e in &errors {
        writeln!(
            err,
            "YARA rule not loaded: {}",
            sanitize_terminal(&e.to_string())
        )?;
    }
    if rules.is_none() && !a.yara.is_empty() {
        bail!("no YARA rule compiled");
    }
    Ok(rules)
}

fn load_attribution(a: &RuleArgs) -> Result<Attribution> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let attack = a.attack.as_deref().map(read).transpose()?;
    let (mut rw, mut ta) = (None, None);
    if let Some(dir) = &a.galaxy {
        let r = dir.join("ransomware.json");
        let t = dir.join("threat-actor.json");
        if !r.exists() && !t.exists() {
            bail!(
                "{}: neither ransomware.json nor threat-actor.json is there",
                dir.display()
            );
        }
        rw = r.exists().then(|| read(&r)).transpose()?;
        ta = t.exists().then(|| read(&t)).transpose()?;
    }
    let (attr, errors) = Attribution::load(
        attack.as_deref().map(|b| ("attack", b)),
        rw.as_deref().map(|b| ("ransomware.json", b)),
        ta.as_deref().map(|b| ("threat-actor.json", b)),
    );
    for e in errors {
        eprintln!("attribution data not loaded: {e}");
    }
    Ok(attr)
}

pub fn sample(a: &SampleArgs) -> Result<Outcome> {
    let knowledge = Knowledge::bundled()?;
    let attribution = load_attribution(&a.rules)?;
    let rules = load_yara(&a.rules)?;
    let mut scanner = rules
        .as_ref()
        .map(|r| r.scanner(Some(Duration::from_secs(120))));
    let triage = Triage::new(&knowledge, &attribution);
    let opts = SampleOptions {
        keep_strings: a.strings,
        ..SampleOptions::default()
    };
    let mut cards = Vec::new();
    for f in &a.files {
        let bytes = read_limited(f, a.max_size)?;
        cards.push(triage.sample(&f.display().to_string(), &bytes, scanner.as_mut(), &opts));
    }
    let mut out = std::io::stdout().lock();
    match a.format {
        TriageFormat::Json => {
            let v = if cards.len() == 1 {
                serde_json::to_value(&cards[0])?
            } else {
                serde_json::to_value(&cards)?
            };
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        TriageFormat::Text => {
            for c in &cards {
                write_card(&mut out, c)?;
            }
        }
    }
    drop(out);
    let now = chrono::Utc::now();
    let stix = firebreak_triage::export::stix_bundle(
        &cards,
        &now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    );
    if let Some(p) = &a.stix {
        std::fs::write(p, serde_json::to_vec_pretty(&stix)?)
            .with_context(|| format!("writing {}", p.display()))?;
        eprintln!("STIX 2.1 bundle: {}", p.display());
    }
    if let Some(p) = &a.misp {
        let misp = firebreak_triage::export::misp_event(
            &cards,
            &now.format("%Y-%m-%d").to_string(),
            now.timestamp(),
        );
        std::fs::write(p, serde_json::to_vec_pretty(&misp)?)
            .with_context(|| format!("writing {}", p.display()))?;
        eprintln!("MISP event: {}", p.display());
    }
    if a.hunt {
        let dir = a.case.as_deref().context("--hunt needs --case")?;
        hunt_with(dir, &stix)?;
    }
    Ok(Outcome::Ok)
}

/// Run the samples' IOCs (read back from their STIX bundle) over a case.
fn hunt_with(dir: &Path, stix: &serde_json::Value) -> Result<()> {
    let bytes = serde_json::to_vec(stix)?;
    let (set, errors) = firebreak_ioc::parse_stix("sample IOCs", &bytes);
    for e in &errors {
        eprintln!("IOC not used: {e}");
    }
    let matcher = firebreak_ioc::IocMatcher::new(&[set]);
    let mut case = firebreak_case::Case::open(dir)
        .with_context(|| format!("opening case {}", dir.display()))?;
    let opts = firebreak_hunt::HuntOptions {
        selection: firebreak_hunt::Selection::default(),
        threads: 0,
        analytics: None,
        iocs: Some(matcher),
    };
    let outcome = firebreak_hunt::hunt_case(&case, &firebreak_sigma::RuleSet::default(), &opts)?;
    let rec = firebreak_hunt::store(&mut case, r#"{"sample_iocs":true}"#, &outcome.detections)?;
    let table = firebreak_hunt::render::TableOptions {
        display_tz: chrono_tz::UTC,
        width: Some(200),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nHunt with the samples' IOCs over {}:", dir.display())?;
    firebreak_hunt::render::render(
        firebreak_hunt::render::Format::Table,
        &table,
        &outcome.detections,
        &mut out,
    )?;
    writeln!(
        out,
        "{} detections over {} events; stored in the case ({} new, hunt {})",
        outcome.detections.len(),
        outcome.events,
        rec.new,
        rec.hunt_id
    )?;
    Ok(())
}

fn s(t: &str) -> std::borrow::Cow<'_, str> {
    sanitize_terminal(t)
}

fn write_card(out: &mut dyn Write, c: &SampleCard) -> Result<()> {
    writeln!(out, "== {}", s(&c.name))?;
    writeln!(out, "type      {}  ({} bytes)", c.file_type_text, c.size)?;
    writeln!(out, "md5       {}", c.hashes.md5)?;
    writeln!(out, "sha1      {}", c.hashes.sha1)?;
    writeln!(out, "sha256    {}", c.hashes.sha256)?;
    writeln!(out, "sha512    {}", c.hashes.sha512)?;
    writeln!(out, "ssdeep    {}", c.fuzzy.ssdeep)?;
    if let Some(t) = &c.fuzzy.tlsh {
        writeln!(out, "tlsh      {t}")?;
    }
    writeln!(
        out,
        "entropy   {:.3} bits/byte, χ² {:.0}",
        c.entropy, c.chi_square
    )?;
    for p in &c.problems {
        writeln!(out, "problem   {}", s(p))?;
    }
    if let Some(pe) = &c.pe {
        writeln!(
            out,
            "PE        {} {}{}, subsystem {}, entry {:#x}, image base {:#x}",
            pe.machine,
            if pe.is_64 { "PE32+" } else { "PE32" },
            if pe.is_dll { " DLL" } else { "" },
            pe.subsystem.as_deref().unwrap_or("?"),
            pe.entry_point,
            pe.image_base
        )?;
        writeln!(
            out,
            "compiled  {}{}",
            pe.compile_time.as_deref().unwrap_or("(no timestamp)"),
            if pe.has_rich_header {
                ", Rich header"
            } else {
                ""
            }
        )?;
        if let Some(h) = &pe.imphash {
            writeln!(out, "imphash   {h}")?;
        }
        writeln!(
            out,
            "sections  name       vsize      rawsize    entropy  flags"
        )?;
        for sec in &pe.sections {
            writeln!(
                out,
                "          {:<10} {:<10} {:<10} {:<8.3} {}",
                s(&sec.name),
                sec.virtual_size,
                sec.raw_size,
                sec.entropy,
                sec.flags.join(",")
            )?;
        }
        for d in &pe.imports {
            let f: Vec<_> = d
                .functions
                .iter()
                .take(12)
                .map(|f| s(f).into_owned())
                .collect();
            let more = d.functions.len().saturating_sub(12);
            writeln!(
                out,
                "imports   {}: {}{}",
                s(&d.dll),
                f.join(", "),
                if more > 0 {
                    format!(" (+{more})")
                } else {
                    String::new()
                }
            )?;
        }
        if !pe.exports.is_empty() {
            writeln!(out, "exports   {}", s(&pe.exports.join(", ")))?;
        }
        if let Some(o) = &pe.overlay {
            writeln!(
                out,
                "overlay   {} bytes at {:#x}, entropy {:.3}",
                o.size, o.offset, o.entropy
            )?;
        }
        for (k, v) in &pe.version_info {
            writeln!(out, "version   {k}: {}", s(v))?;
        }
        if let Some(n) = pe.authenticode_bytes {
            writeln!(out, "signature Authenticode certificate table, {n} bytes")?;
        }
        for sig in &pe.signatures {
            writeln!(
                out,
                "signer    {} (issuer {}){}",
                s(sig.signer_subject.as_deref().unwrap_or("?")),
                s(sig.signer_issuer.as_deref().unwrap_or("?")),
                if sig.self_signed { ", self-signed" } else { "" }
            )?;
        }
        if let Some(r) = &pe.rich {
            let tools: Vec<String> = r
                .entries
                .iter()
                .map(|e| format!("{} {} x{}", e.product.unwrap_or("?"), e.build, e.count))
                .collect();
            writeln!(
                out,
                "rich      {} (checksum {})",
                tools.join(", "),
                if r.checksum_valid { "valid" } else { "INVALID" }
            )?;
        }
        for r in pe.resources.iter().take(20) {
            writeln!(
                out,
                "resource  {} {} lang {:#x}, {} bytes, entropy {:.3}",
                s(&r.kind),
                s(&r.name),
                r.language,
                r.size,
                r.entropy
            )?;
        }
        if pe.dotnet {
            let d = pe.dotnet_info.as_ref();
            writeln!(
                out,
                "runtime   .NET (CLR header){}{}",
                d.and_then(|d| d.runtime_version.as_deref())
                    .map(|v| format!(", runtime {}", s(v)))
                    .unwrap_or_default(),
                d.and_then(|d| d.assembly_name.as_deref().or(d.module_name.as_deref()))
                    .map(|v| format!(", assembly {}", s(v)))
                    .unwrap_or_default()
            )?;
        }
    }
    if let Some(elf) = &c.elf {
        writeln!(
            out,
            "ELF       {} {}-bit {}, entry {:#x}{}{}",
            elf.machine,
            if elf.is_64 { 64 } else { 32 },
            elf.kind,
            elf.entry_point,
            elf.interpreter
                .as_ref()
                .map(|i| format!(", interpreter {}", s(i)))
                .unwrap_or_default(),
            if elf.stripped { ", stripped" } else { "" }
        )?;
        if !elf.libraries.is_empty() {
            writeln!(out, "needs     {}", s(&elf.libraries.join(", ")))?;
        }
        writeln!(
            out,
            "sections  name                 size       entropy  flags"
        )?;
        for sec in &elf.sections {
            writeln!(
                out,
                "          {:<20} {:<10} {:<8.3} {}",
                s(&sec.name),
                sec.size,
                sec.entropy,
                sec.flags
            )?;
        }
        if !elf.imports.is_empty() {
            let shown: Vec<_> = elf
                .imports
                .iter()
                .take(30)
                .map(|i| s(i).into_owned())
                .collect();
            writeln!(
                out,
                "imports   {}{}",
                shown.join(", "),
                if elf.imports.len() > 30 { " ..." } else { "" }
            )?;
        }
    }
    if c.packed {
        for p in &c.packers {
            writeln!(out, "PACKED    {}: {}", s(&p.name), s(&p.reason))?;
        }
    }
    for m in &c.yara {
        let mut meta = Vec::new();
        for k in ["family", "actor", "description"] {
            if let Some(v) = m.meta.get(k).and_then(|v| v.as_str()) {
                meta.push(format!("{k}={v}"));
            }
        }
        writeln!(out, "YARA      {} [{}]", s(&m.rule), s(&meta.join(", ")))?;
        for st in m.strings.iter().take(6) {
            writeln!(
                out,
                "            {} @ {:#x}: {}",
                s(&st.identifier),
                st.offset,
                s(&st.data)
            )?;
        }
    }
    for p in &c.attribution {
        writeln!(
            out,
            "FAMILY    {}{}",
            s(&p.family),
            p.software
                .as_ref()
                .map(|x| format!(" (ATT&CK {x})"))
                .unwrap_or_default()
        )?;
        for a in &p.actors {
            writeln!(
                out,
                "  actor   {}{} aka {}",
                s(&a.name),
                a.id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default(),
                s(&a.aliases.join(", "))
            )?;
        }
        if !p.extortion.is_empty() {
            let triple = if p.extortion.len() >= 3 {
                " — triple extortion"
            } else {
                ""
            };
            writeln!(out, "  extortion {}{triple}", p.extortion.join(", "))?;
        }
        if !p.techniques.is_empty() {
            let t: Vec<String> = p
                .techniques
                .iter()
                .take(15)
                .map(|t| format!("{} {}", t.id, t.name))
                .collect();
            writeln!(
                out,
                "  techniques {}{}",
                t.join("; "),
                if p.techniques.len() > 15 { " ..." } else { "" }
            )?;
        }
    }
    for cap in &c.capabilities {
        writeln!(
            out,
            "CAPABILITY {} [{}] ({})",
            cap.name,
            cap.attack.join(", "),
            s(&cap.evidence.join(", "))
        )?;
    }
    for cfg in &c.configs {
        writeln!(
            out,
            "CONFIG    {} at {:#x}{}: {}",
            cfg.recovery.method,
            cfg.recovery.offset,
            cfg.recovery
                .key
                .as_ref()
                .map(|k| format!(" key {k}"))
                .unwrap_or_default(),
            s(&cfg.raw.to_string())
        )?;
    }
    writeln!(out, "strings   {} found", c.strings_total)?;
    for i in &c.iocs {
        writeln!(
            out,
            "IOC       {:<12} {} (@{:#x}{})",
            i.kind.as_str(),
            s(&i.value),
            i.offset,
            i.attack
                .as_ref()
                .map(|t| format!(", {t}"))
                .unwrap_or_default()
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// Everything `scan` and `backup verify` scan with.
struct Scanning {
    rules: ScanRules,
    yara: Option<YaraRules>,
    timeout: Duration,
    max_size: u64,
    threads: usize,
}

fn load_scanning(w: &ScanWith) -> Result<Scanning> {
    let mut impact = ImpactKb::bundled()?;
    let attribution = load_attribution(&w.rules)?;
    impact.extend(&attribution.ransomware_marks());
    let mut rules = ScanRules::new(impact);
    rules.all_hashes = w.all_hashes;
    for p in &w.ioc {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let (set, errors) = firebreak_ioc::parse_auto(&p.display().to_string(), &bytes);
        for e in errors {
            eprintln!("IOC not used: {e}");
        }
        rules.add_iocs(&set);
    }
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
    };
    let mut errors = Vec::new();
    for p in &w.clamav {
        errors.extend(rules.add_clamav(&p.display().to_string(), &read(p)?));
    }
    for p in &w.loki_hashes {
        errors.extend(rules.add_loki_hashes(&p.display().to_string(), &read(p)?));
    }
    for p in &w.loki_names {
        errors.extend(rules.add_loki_filenames(&p.display().to_string(), &read(p)?));
    }
    for e in errors {
        eprintln!("IOC line not used: {}", sanitize_terminal(&e.to_string()));
    }
    Ok(Scanning {
        rules,
        yara: load_yara(&w.rules)?,
        timeout: Duration::from_secs(w.timeout.max(1)),
        max_size: w.max_size,
        threads: w.threads,
    })
}

/// Scan `paths` with everything loaded (firebreak-triage reads the files).
fn scan_paths(
    scanning: &Scanning,
    paths: &[PathBuf],
    strip: Option<String>,
) -> (Vec<FileResult>, Vec<String>) {
    let setup = firebreak_triage::files::ScanSetup {
        rules: &scanning.rules,
        yara: scanning.yara.as_ref(),
        timeout: scanning.timeout,
        max_size: scanning.max_size,
        threads: scanning.threads,
    };
    let out = firebreak_triage::files::scan_paths(&setup, paths, strip);
    (out.files, out.problems)
}

fn open_case(dir: &Path) -> Result<firebreak_case::Case> {
    firebreak_case::Case::open(dir).with_context(|| format!("opening case {}", dir.display()))
}

pub fn scan(a: &ScanArgs) -> Result<Outcome> {
    let started = chrono::Utc::now();
    // Opened first: a case that cannot be written fails before the scan.
    let mut case = a.case.as_deref().map(open_case).transpose()?;
    let scanning = load_scanning(&a.with)?;
    let (results, problems) = scan_paths(&scanning, &a.paths, None);
    let mut out = std::io::stdout().lock();
    let mut counts = [0usize; 3];
    for r in &results {
        let i = match r.verdict {
            "infected" => 2,
            "suspicious" => 1,
            _ => 0,
        };
        counts[i] += 1;
        if !a.all && i == 0 {
            continue;
        }
        match a.format {
            TriageFormat::Json => {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
            TriageFormat::Text => {
                writeln!(out, "{:<10} {:>4}  {}", r.verdict, r.score, s(&r.path))?;
                for reason in r.reasons.iter().filter(|x| x.score > 0) {
                    writeln!(
                        out,
                        "             {:<20} +{:<3} {}",
                        reason.kind,
                        reason.score,
                        s(&reason.detail)
                    )?;
                }
            }
        }
    }
    drop(out);
    for p in &problems {
        eprintln!("not scanned: {}", sanitize_terminal(p));
    }
    eprintln!(
        "{} files scanned: {} infected, {} suspicious, {} clean; {} not scanned",
        results.len(),
        counts[2],
        counts[1],
        counts[0],
        problems.len()
    );
    if let Some(case) = case.as_mut() {
        let findings = results.iter().map(|r| r.finding(None)).collect();
        store_findings(case, "scan", started, findings)?;
    }
    Ok(Outcome::Ok)
}

pub fn backup(c: &BackupCommand) -> Result<Outcome> {
    match c {
        BackupCommand::Verify(a) => verify(a),
    }
}

fn verify(a: &VerifyArgs) -> Result<Outcome> {
    let started = chrono::Utc::now();
    let mut case = a.case.as_deref().map(open_case).transpose()?;
    let compromise = case.as_ref().map(compromise_time).transpose()?.flatten();
    let scanning = load_scanning(&a.with)?;
    let mut times = std::collections::HashMap::new();
    for t in &a.time {
        let (label, time) = t.split_once('=').context("--time takes LABEL=TIME")?;
        chrono::DateTime::parse_from_rfc3339(time)
            .with_context(|| format!("--time {t}: not RFC 3339"))?;
        times.insert(label.to_string(), time.to_string());
    }
    let mut points = Vec::new();
    for p in &a.points {
        let (label, path) = match p.split_once('=') {
            Some((l, path)) if !Path::new(p).exists() => (l.to_string(), PathBuf::from(path)),
            _ => (p.clone(), PathBuf::from(p)),
        };
        if !path.exists() {
            bail!("restore point {}: not found", path.display());
        }
        let strip = path.display().to_string();
        let (files, problems) = scan_paths(&scanning, std::slice::from_ref(&path), Some(strip));
        points.push(PointScan {
            time: times.get(&label).cloned(),
            label,
            files,
            problems,
        });
    }
    let report = backup::verify_with(&points, compromise);
    let mut out = std::io::stdout().lock();
    match a.format {
        TriageFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        TriageFormat::Text => {
            for p in &report.points {
                let pr = &p.profile;
                writeln!(
                    out,
                    "{:<10} {}{}",
                    p.verdict.to_uppercase(),
                    s(&p.label),
                    p.time
                        .as_ref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                )?;
                writeln!(
                    out,
                    "           {} files, +{} -{} ~{} renamed {}; encrypted {}, ransomware extensions {}, notes {}, onion {}, magic mismatches {}, unreadable {}",
                    pr.files,
                    pr.added,
                    pr.removed,
                    pr.changed,
                    pr.renamed,
                    pr.encrypted_files,
                    pr.ransom_extension_files,
                    pr.note_files,
                    pr.onion_files,
                    pr.magic_mismatches,
                    pr.unreadable
                )?;
                for e in p.evidence.iter().take(10) {
                    writeln!(out, "           - {}", s(e))?;
                }
            }
            writeln!(out)?;
            match &report.last_clean {
                Some(l) => writeln!(out, "last clean point: {}", s(l))?,
                None => writeln!(
                    out,
                    "last clean point: none (the first point is already not clean)"
                )?,
            }
            if let Some(f) = &report.first_infected {
                writeln!(out, "first infected point: {}", s(f))?;
            }
            if let Some(c) = &report.compromise {
                writeln!(out, "first compromise (case): {c}")?;
                if let Some(l) = &report.look_first {
                    writeln!(out, "look first at: {} (the first point taken since)", s(l))?;
                }
                match report.last_clean_predates_compromise {
                    Some(true) => writeln!(out, "the last clean point predates the compromise")?,
                    Some(false) => writeln!(
                        out,
                        "the last clean point was taken AFTER the compromise: it may hold dormant access"
                    )?,
                    None => writeln!(out, "points carry no times (--time): cannot compare with the compromise")?,
                }
            }
            if !report.first_seen.is_empty() {
                writeln!(out, "first seen:")?;
                for f in &report.first_seen {
                    writeln!(
                        out,
                        "  {:<40} {}  {}",
                        s(&f.indicator),
                        s(&f.point),
                        s(&f.path)
                    )?;
                }
            }
        }
    }
    if let Some(case) = case.as_mut() {
        store_findings(case, "backup", started, report.findings(&points))?;
    }
    Ok(Outcome::Ok)
}
