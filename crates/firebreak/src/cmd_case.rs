//! `firebreak case status|verify`

use crate::cli::CaseCommand;
use crate::Outcome;
use anyhow::{Context, Result};
use firebreak_case::{Case, Evidence};
use firebreak_timeline::sanitize_terminal;
use std::io::Write;
use std::path::Path;

pub fn run(c: &CaseCommand) -> Result<Outcome> {
    match c {
        CaseCommand::Status {
            case,
            rejected,
            json,
        } => status(case, *rejected, *json),
        CaseCommand::Verify { case } => verify(case),
        CaseCommand::Summary { case } => crate::cmd_summary::run(case),
    }
}

fn open(dir: &Path) -> Result<Case> {
    Case::open_read(dir).with_context(|| format!("opening case {}", dir.display()))
}

fn status(dir: &Path, max_rejected: u64, json: bool) -> Result<Outcome> {
    let case = open(dir)?;
    let evidence = case.evidence()?;
    let (rejected, total_rejected) = case.rejected(max_rejected)?;
    let problems = case.problems()?;
    let events = case.event_count()?;
    let mut out = std::io::stdout().lock();
    if json {
        let v = serde_json::json!({
            "events": events,
            "evidence": evidence,
            "rejected_total": total_rejected,
            "rejected": rejected,
            "problems": problems,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(Outcome::Ok);
    }
    writeln!(
        out,
        "case {}: {} evidence files, {} events",
        dir.display(),
        evidence.len(),
        events
    )?;
    writeln!(
        out,
        "{:<12} {:<10} {:>9} {:>9} {:>9} {:>9}  path",
        "state", "format", "read", "stored", "rejected", "events"
    )?;
    for e in &evidence {
        evidence_line(&mut out, e)?;
    }
    if total_rejected > 0 {
        writeln!(
            out,
            "rejected records: {total_rejected} (showing {})",
            rejected.len()
        )?;
        for r in &rejected {
            writeln!(
                out,
                "  {} @ {}: {}",
                sanitize_terminal(&r.display_path),
                r.location,
                sanitize_terminal(&r.reason)
            )?;
        }
    }
    if !problems.is_empty() {
        writeln!(out, "problems: {}", problems.len())?;
        for p in &problems {
            writeln!(out, "  [{}] {}", p.kind, sanitize_terminal(&p.reason))?;
        }
    }
    Ok(Outcome::Ok)
}

fn evidence_line(out: &mut dyn Write, e: &Evidence) -> std::io::Result<()> {
    let state = format!("{:?}", e.state).to_lowercase();
    writeln!(
        out,
        "{:<12} {:<10} {:>9} {:>9} {:>9} {:>9}  {}{}",
        state,
        e.info.format.as_deref().unwrap_or("-"),
        e.records_stored + e.records_rejected,
        e.records_stored,
        e.records_rejected,
        e.events,
        sanitize_terminal(&e.info.display_path),
        e.note
            .as_deref()
            .map(|n| format!("  ({})", sanitize_terminal(n)))
            .unwrap_or_default()
    )
}

fn verify(dir: &Path) -> Result<Outcome> {
    let case = open(dir)?;
    let mut out = std::io::stdout().lock();
    let (mut ok, mut bad) = (0u64, 0u64);
    for e in case.evidence()?.iter().filter(|e| e.info.member.is_none()) {
        let verdict = match firebreak_evidence::sha256_file(Path::new(&e.info.disk_path)) {
            Ok((sha, _)) if sha == e.info.sha256 => "OK",
            Ok(_) => "CHANGED",
            Err(_) => "MISSING",
        };
        if verdict == "OK" {
            ok += 1;
        } else {
            bad += 1;
        }
        writeln!(
            out,
            "{verdict:<8} {}  {}",
            e.info.sha256,
            sanitize_terminal(&e.info.disk_path)
        )?;
    }
    writeln!(out, "{ok} unchanged, {bad} changed or missing")?;
    Ok(if bad == 0 {
        Outcome::Ok
    } else {
        Outcome::VerifyFailed
    })
}
