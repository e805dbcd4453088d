//! Writing the report and exports into the folder the user named (or the case's).

use anyhow::{Context, Result};
use firebreak_analysis::Investigation;
use std::io::Write;
use std::path::{Path, PathBuf};

type RenderFn = fn(&Investigation, &mut dyn Write) -> Result<()>;

fn html(i: &Investigation, w: &mut dyn Write) -> Result<()> {
    Ok(firebreak_report::render_html(i, w)?)
}
fn markdown(i: &Investigation, w: &mut dyn Write) -> Result<()> {
    Ok(firebreak_report::render_markdown(i, w)?)
}
fn json(i: &Investigation, w: &mut dyn Write) -> Result<()> {
    Ok(firebreak_report::render_json(i, w)?)
}
fn stix(i: &Investigation, w: &mut dyn Write) -> Result<()> {
    Ok(serde_json::to_writer_pretty(
        w,
        &firebreak_report::stix_bundle(i),
    )?)
}
fn misp(i: &Investigation, w: &mut dyn Write) -> Result<()> {
    Ok(serde_json::to_writer_pretty(
        w,
        &firebreak_report::misp_event(i),
    )?)
}
fn timesketch(i: &Investigation, w: &mut dyn Write) -> Result<()> {
    Ok(firebreak_report::timesketch_key_events(i, w)?)
}

const FILES: [(&str, RenderFn); 6] = [
    ("report.html", html),
    ("report.md", markdown),
    ("report.json", json),
    ("iocs.stix.json", stix),
    ("iocs.misp.json", misp),
    ("key-events.timesketch.jsonl", timesketch),
];

/// Write every file; returns their paths.
pub fn write_all(inv: &Investigation, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, render) in FILES {
        let path = dir.join(name);
        let file =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        render(inv, &mut w).with_context(|| format!("writing {}", path.display()))?;
        w.flush()?;
        written.push(path);
    }
    Ok(written)
}
