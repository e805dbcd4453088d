//! `firebreak sample`, `scan` and `backup verify`: triage (being built).

use crate::Outcome;
use anyhow::Result;
use clap::{Args, Subcommand};

/// Arguments of `firebreak sample`.
#[derive(Args, Debug)]
pub struct SampleArgs {}

/// Arguments of `firebreak scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {}

/// `firebreak backup ...`
#[derive(Subcommand, Debug)]
pub enum BackupCommand {}

pub fn sample(_a: &SampleArgs) -> Result<Outcome> {
    anyhow::bail!("firebreak sample is not built yet")
}

pub fn scan(_a: &ScanArgs) -> Result<Outcome> {
    anyhow::bail!("firebreak scan is not built yet")
}

pub fn backup(_c: &BackupCommand) -> Result<Outcome> {
    anyhow::bail!("firebreak backup is not built yet")
}
