//! `firebreak`: clap definitions and calls into the libraries.
//!
//! Exit codes: 0 success (rejected records are reported, not failures);
//! 1 error; 2 usage error; 3 `case verify` found evidence changed or missing;
//! 4 `rules check` found rules that do not load.

mod cli;
mod cmd_case;
mod cmd_hunt;
mod cmd_ingest;
mod cmd_investigate;
mod cmd_rules;
mod cmd_simulate;
mod cmd_summary;
mod cmd_surface;
mod cmd_timeline;
mod cmd_triage;
mod opts;
mod progress;
mod report_files;
mod rulesrc;

use clap::Parser;

/// Events are built on reader threads and freed on the case writer's thread;
/// mimalloc handles that cross-thread churn far better than glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// The exit code a command asks for when it ran to the end.
pub enum Outcome {
    Ok,
    VerifyFailed,
    RulesNotLoaded,
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Ingest(a) => cmd_ingest::run(&a),
        cli::Command::Timeline(a) => cmd_timeline::run(&a),
        cli::Command::Case { command } => cmd_case::run(&command),
        cli::Command::Simulate(a) => cmd_simulate::run(&a),
        cli::Command::Investigate(a) => cmd_investigate::run(&a),
        cli::Command::Hunt(a) => cmd_hunt::run(&a),
        cli::Command::Surface(a) => cmd_surface::run(&a),
        cli::Command::SurfaceRanges(a) => cmd_surface::import(&a),
        cli::Command::Sample(a) => cmd_triage::sample(&a),
        cli::Command::Scan(a) => cmd_triage::scan(&a),
        cli::Command::Backup { command } => cmd_triage::backup(&command),
        cli::Command::Rules { command } => cmd_rules::run(&command),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::VerifyFailed) => ExitCode::from(3),
        Ok(Outcome::RulesNotLoaded) => ExitCode::from(4),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("firebreak: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Output cut short by the reader (`| head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
