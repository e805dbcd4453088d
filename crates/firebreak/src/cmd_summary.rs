//! `firebreak case summary`: the latest investigation's story, in the terminal.

use anyhow::{Context, Result};
use firebreak_analysis::Investigation;
use firebreak_case::Case;
use firebreak_timeline::sanitize_terminal;
use std::io::Write;
use std::path::Path;

pub fn run(dir: &Path) -> Result<crate::Outcome> {
    let case = Case::open_read(dir).with_context(|| format!("opening case {}", dir.display()))?;
    let Some((_, json)) = case.latest_investigation()? else {
        anyhow::bail!(
            "no investigation in {} yet: run `firebreak investigate --case {0}`",
            dir.display()
        );
    };
    let inv: Investigation =
        serde_json::from_str(&json).context("the stored investigation is of another version")?;
    let mut out = std::io::stdout().lock();
    print(&mut out, &inv)?;
    Ok(crate::Outcome::Ok)
}

fn s(text: &str) -> String {
    sanitize_terminal(text).into_owned()
}

fn print(out: &mut dyn Write, inv: &Investigation) -> std::io::Result<()> {
    for line in &inv.executive_summary {
        writeln!(out, "{}", s(line))?;
    }
    if let Some(ia) = &inv.initial_access {
        writeln!(
            out,
            "\ninitial access: {} {} via {} ({}) from {}, confidence {:?}",
            ia.time,
            s(&ia.account),
            s(&ia.via),
            s(&ia.channel),
            s(ia.source_ip.as_deref().unwrap_or("?")),
            ia.confidence.level
        )?;
        for r in &ia.reasons {
            writeln!(out, "  - {}", s(r))?;
        }
    }
    writeln!(out, "\nstoryline:")?;
    for p in &inv.storyline {
        writeln!(
            out,
            "  {:?}: {} .. {} on {} ({} events)",
            p.phase,
            p.first,
            p.last,
            s(&p.hosts.join(", ")),
            p.event_total
        )?;
        for e in p.key_events.iter().take(5) {
            writeln!(
                out,
                "    {} {} {}: {}",
                e.time,
                s(e.host.as_deref().unwrap_or("-")),
                s(&e.title),
                s(&e.detail)
            )?;
        }
    }
    for i in &inv.impact {
        writeln!(
            out,
            "\nimpact on {}: {} files{} from {} to {}",
            s(&i.host),
            i.files,
            i.extension
                .as_deref()
                .map(|e| format!(" to {}", s(e)))
                .unwrap_or_default(),
            i.first,
            i.last
        )?;
    }
    let x = &inv.exfiltration;
    writeln!(
        out,
        "\nexfiltration: {} ({} checks, {} large transfers explained)",
        if x.found { "FOUND" } else { "none found" },
        x.checked.len(),
        x.explained.len()
    )?;
    writeln!(out, "\nopen questions:")?;
    for q in &inv.open_questions {
        writeln!(out, "  - {}", s(q))?;
    }
    Ok(())
}
