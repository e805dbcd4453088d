//! `firebreak surface`: the attack-surface pipeline (being built).

use crate::Outcome;
use anyhow::Result;
use clap::Args;

/// Arguments of `firebreak surface`.
#[derive(Args, Debug)]
pub struct SurfaceArgs {}

pub fn run(_a: &SurfaceArgs) -> Result<Outcome> {
    anyhow::bail!("firebreak surface is not built yet")
}
