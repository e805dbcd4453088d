//! `firebreak ingest --case C PATH...`

use crate::cli::IngestArgs;
use crate::opts::read_options;
use crate::progress::Bar;
use crate::Outcome;
use anyhow::{Context, Result};
use firebreak_case::Case;
use firebreak_ingest::{ingest, IngestOptions, IngestReport};
use firebreak_timeline::sanitize_terminal;
use std::io::Write;

pub fn run(a: &IngestArgs) -> Result<Outcome> {
    let opts = IngestOptions {
        read: read_options(&a.read)?,
        part_bytes: Some(match a.part_mib {
            0 => u64::MAX,
            mib => mib.saturating_mul(1 << 20),
        }),
        ..IngestOptions::default()
    };
    let mut case =
        Case::open(&a.case).with_context(|| format!("opening case {}", a.case.display()))?;
    let bar = Bar::new(a.quiet);
    let report = ingest(&mut case, &a.paths, &opts, &bar)?;
    bar.finish();
    let mut out = std::io::stdout().lock();
    print_summary(&mut out, &report)?;
    writeln!(
        out,
        "case: {}  (firebreak case status --case {0})",
        a.case.display()
    )?;
    Ok(Outcome::Ok)
}

/// The closing summary: per reader, then everything not read in full.
pub fn print_summary(out: &mut dyn Write, r: &IngestReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:>6} {:>10} {:>9} {:>10} {:>10} {:>8} {:>11}",
        "reader", "files", "records", "rejected", "events", "MiB", "busy s", "records/s"
    )?;
    let mut rows: Vec<(&str, firebreak_ingest::KindSummary)> =
        r.per_format.iter().map(|(k, v)| (*k, v.clone())).collect();
    // Readers run in parallel: the total's time is the wall-clock time, not the sum.
    rows.push((
        "total",
        firebreak_ingest::KindSummary {
            time: r.elapsed,
            ..r.total()
        },
    ));
    for (name, s) in rows {
        let secs = s.time.as_secs_f64();
        let rate = if secs > 0.0 {
            s.records as f64 / secs
        } else {
            0.0
        };
        writeln!(
            out,
            "{:<10} {:>6} {:>10} {:>9} {:>10} {:>10.1} {:>8.2} {:>11.0}",
            name,
            s.files,
            s.records,
            s.rejected,
            s.events,
            s.bytes as f64 / 1048576.0,
            secs,
            rate
        )?;
    }
    if r.already_known > 0 {
        writeln!(
            out,
            "already in the case (same SHA-256), not read again: {}",
            r.already_known
        )?;
    }
    list(out, "not a format Firebreak reads", &r.unrecognised)?;
    for (path, parts) in &r.split {
        writeln!(
            out,
            "read in {parts} parts on all readers: {}",
            sanitize_terminal(path)
        )?;
    }
    list(out, "read only in part", &r.partial)?;
    list(out, "could not be read or refused", &r.problems)?;
    writeln!(out, "elapsed: {:.2}s", r.elapsed.as_secs_f64())
}

fn list(out: &mut dyn Write, title: &str, items: &[(String, String)]) -> std::io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "{title}: {}", items.len())?;
    for (path, reason) in items.iter().take(50) {
        writeln!(
            out,
            "  {}: {}",
            sanitize_terminal(path),
            sanitize_terminal(reason)
        )?;
    }
    if items.len() > 50 {
        writeln!(
            out,
            "  ... and {} more (firebreak case status)",
            items.len() - 50
        )?;
    }
    Ok(())
}
