//! Command-line definitions (clap). No logic here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "firebreak",
    version,
    about = "Incident-response workbench: evidence into one timeline, hunting, triage, the attack surface, and the incident report"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add evidence (files, folders, archives) to a case.
    Ingest(IngestArgs),
    /// Show the merged timeline of a case, or of evidence paths without a case.
    Timeline(Box<TimelineArgs>),
    /// Case housekeeping: status, chain-of-custody verification, the latest investigation's summary.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Write a labelled evidence set of a simulated ransomware intrusion.
    Simulate(SimulateArgs),
    /// Ingest, hunt and analyse: the incident report (HTML, Markdown, JSON) and IOC exports.
    Investigate(Box<InvestigateArgs>),
    /// Hunt with Sigma rules (the bundled pack by default) over a case or evidence paths.
    Hunt(Box<HuntArgs>),
    /// Map the attack surface of a scope of domains and address ranges.
    Surface(Box<crate::cmd_surface::SurfaceArgs>),
    /// Import CDN/WAF providers' published range lists (files you downloaded) into a
    /// provider range file for `surface --cdn-ranges`.
    SurfaceRanges(Box<crate::cmd_surface::RangesArgs>),
    /// Dissect a sample: hashes, structure, strings, YARA, config, capabilities, actor.
    Sample(Box<crate::cmd_triage::SampleArgs>),
    /// Scan files, folders, archives for IOCs, YARA matches and ransomware impact.
    Scan(Box<crate::cmd_triage::ScanArgs>),
    /// Backups: verify restore points and find the last clean one.
    Backup {
        #[command(subcommand)]
        command: crate::cmd_triage::BackupCommand,
    },
    /// Sigma rules: check which load.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Load every .yml/.yaml under PATHs; print loaded/total and the reason for each rule that did not load.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Value for an `expand` placeholder: NAME=VALUE (repeatable; several values OR-ed).
        #[arg(long, value_name = "NAME=VALUE")]
        placeholder: Vec<String>,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ReadArgs {
    /// Zone for times written without one (RFC 3164 syslog, local NetScaler times, naive CSV).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub source_tz: String,
    /// Year of the first RFC 3164 syslog line (default: from each file's mtime).
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i32>,
    /// NetScaler date order, as set on the appliance.
    #[arg(long, value_enum, default_value_t = DateOrderArg::Mdy)]
    pub netscaler_date: DateOrderArg,
    /// Timestamp column for CSV/JSONL (default: detected).
    #[arg(long, value_name = "NAME")]
    pub time_field: Option<String>,
    /// Parser threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrderArg {
    /// mm/dd/yyyy
    Mdy,
    /// dd/mm/yyyy
    Dmy,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Case folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub case: PathBuf,
    /// Evidence files, folders or archives.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// A line-per-record file (Squid, web access, bodyfile) at least twice this size
    /// is read in parts of this many MiB on all reader threads; 0 reads every file
    /// whole on one thread.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub part_mib: u64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    Table,
    Csv,
    Jsonl,
    Timesketch,
    Ecs,
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    /// Case folder. Without it, PATHs are read into memory for a quick look.
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
    /// Evidence paths (quick look without a case).
    pub paths: Vec<PathBuf>,
    /// From this time (RFC 3339, or "YYYY-MM-DD[ HH:MM[:SS]]" in --tz).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to (not including) this time.
    #[arg(long)]
    pub to: Option<String>,
    /// Host name (short or FQDN); repeatable.
    #[arg(long)]
    pub host: Vec<String>,
    /// User name; repeatable.
    #[arg(long)]
    pub user: Vec<String>,
    /// Source kind (evtx, winxml, winjson, syslog, authlog, netscaler, webaccess, iis, squid, bodyfile, csv, jsonl); repeatable.
    #[arg(long)]
    pub source: Vec<String>,
    /// Event id or type; repeatable.
    #[arg(long = "event-id")]
    pub event_id: Vec<String>,
    /// Full-text search (case-insensitive substring of message and fields).
    #[arg(long)]
    pub search: Option<String>,
    /// FIELD=VALUE exact match on a normalised or original field; repeatable.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub where_: Vec<String>,
    /// Display zone for table output and --from/--to without an offset.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuntFormatArg {
    Table,
    Csv,
    Jsonl,
    Timesketch,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelArg {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// What a hunt runs: rules, IOCs, analytics.
#[derive(Args, Debug)]
pub struct HuntWith {
    /// Sigma rule files or folders (repeatable). Default: the bundled rule pack.
    #[arg(long, short, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Also run the bundled rule pack when --rules is given.
    #[arg(long)]
    pub bundled: bool,
    /// No Sigma rules at all (IOC and analytics only; with nothing else, it only
    /// reads: the parse-only baseline of the hunt benchmark).
    #[arg(long, conflicts_with_all = ["rules", "bundled"])]
    pub no_sigma: bool,
    /// Value for an `expand` placeholder: NAME=VALUE (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub placeholder: Vec<String>,
    /// IOC set (repeatable): plain list, CSV, STIX 2.1 bundle or MISP event JSON, by content.
    #[arg(long, value_name = "FILE")]
    pub ioc: Vec<PathBuf>,
    /// Leaked-credential file (email:password, user:password, user:hash lines); logins by
    /// its accounts are flagged. Secrets are kept only as SHA-256 digests, never printed.
    #[arg(long, value_name = "FILE")]
    pub leaks: Option<PathBuf>,
    /// GeoIP database for "new country / network" on logins: iptoasn.com's ip2asn TSV
    /// or MaxMind GeoLite2 ASN CSV.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,
    /// Thresholds and lists of the built-in analytics (YAML, the shape of the built-in
    /// data/analytics.yaml of firebreak-analytics).
    #[arg(long, value_name = "FILE")]
    pub analytics_config: Option<PathBuf>,
    /// Do not run the built-in analytics (remote access, chain, impact, exfiltration).
    #[arg(long)]
    pub no_analytics: bool,
}

#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Case folder: hunt its stored events and store the detections in it.
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
    /// Evidence paths to hunt directly, without a case (nothing is stored).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub with: HuntWith,
    /// Report only rules of this level or higher.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_level: Option<LevelArg>,
    /// Report only rules of these statuses (repeatable): stable, test, experimental, ...
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Report only rules carrying one of these tags (repeatable; attack.t1003 also selects attack.t1003.001).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Leave out rules carrying one of these tags (repeatable).
    #[arg(long, value_name = "TAG")]
    pub exclude_tag: Vec<String>,
    /// Do not store the detections in the case.
    #[arg(long)]
    pub no_store: bool,
    #[arg(long, value_enum, default_value_t = HuntFormatArg::Table)]
    pub format: HuntFormatArg,
    /// Display zone for the table.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// Matching threads for a case hunt (0 = all cores).
    #[arg(long = "hunt-threads", default_value_t = 0)]
    pub hunt_threads: usize,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct InvestigateArgs {
    /// Case folder (created if missing); the report goes to DIR/report unless --out.
    #[arg(long, value_name = "DIR")]
    pub case: PathBuf,
    /// Evidence files, folders or archives to add first (none: re-analyse the case).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub with: HuntWith,
    /// Folder for the report and exports (default: CASE/report).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum CaseCommand {
    /// Evidence, record accounting, rejected records and problems.
    Status {
        #[arg(long, value_name = "DIR")]
        case: PathBuf,
        /// How many rejected records to list.
        #[arg(long, default_value_t = 20)]
        rejected: u64,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// The latest investigation's storyline and open questions.
    Summary {
        #[arg(long, value_name = "DIR")]
        case: PathBuf,
    },
    /// Re-hash every evidence file on disk and report any change.
    Verify {
        #[arg(long, value_name = "DIR")]
        case: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Output folder (created; must be empty or missing).
    pub outdir: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Background size multiplier.
    #[arg(long, default_value_t = 1)]
    pub scale: u64,
    /// Days of background activity before the attack night.
    #[arg(long, default_value_t = 5)]
    pub days: u32,
}
