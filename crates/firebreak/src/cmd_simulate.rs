//! `firebreak simulate OUTDIR`

use crate::cli::SimulateArgs;
use crate::Outcome;
use anyhow::{bail, Result};
use firebreak_simulate::{simulate, SimConfig};
use std::io::Write;

pub fn run(a: &SimulateArgs) -> Result<Outcome> {
    if a.outdir.exists() && std::fs::read_dir(&a.outdir)?.next().is_some() {
        bail!(
            "{} exists and is not empty; simulate writes only into a new or empty folder",
            a.outdir.display()
        );
    }
    let cfg = SimConfig {
        seed: a.seed,
        scale: a.scale,
        background_days: a.days,
        ..SimConfig::default()
    };
    let summary = simulate(&a.outdir, &cfg)?;
    let mut out = std::io::stdout().lock();
    for (file, records) in &summary.files {
        writeln!(out, "{records:>10}  {file}")?;
    }
    writeln!(
        out,
        "{:>10}  records in total; {} attacker events in truth.json; patient zero {}",
        summary.total_records, summary.attack_events, summary.patient_zero
    )?;
    Ok(Outcome::Ok)
}
