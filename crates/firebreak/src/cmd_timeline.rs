//! `firebreak timeline`: a case's merged timeline, or a quick look at paths.

use crate::cli::{FormatArg, TimelineArgs};
use crate::opts::{read_options, user_time, zone};
use crate::Outcome;
use anyhow::{anyhow, bail, Context, Result};
use firebreak_case::{Case, Filter, Query, TimeRange};
use firebreak_event::SourceKind;
use firebreak_ingest::{ingest, IngestOptions, SilentProgress};
use firebreak_timeline::{renderer, OutputFormat, RenderOptions, TimelineRow};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};

pub fn run(a: &TimelineArgs) -> Result<Outcome> {
    let case = open_case(a)?;
    let query = build_query(a)?;
    let tz = zone(&a.tz)?;
    let stdout = std::io::stdout();
    let width = stdout
        .is_terminal()
        .then(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .flatten();
    let options = RenderOptions {
        display_tz: tz,
        terminal_width: if a.format == FormatArg::Table {
            width.or(Some(160))
        } else {
            None
        },
        ..RenderOptions::default()
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    render(&case, &query, output_format(a.format), &options, &mut out)?;
    out.flush()?;
    Ok(Outcome::Ok)
}

fn output_format(f: FormatArg) -> OutputFormat {
    match f {
        FormatArg::Table => OutputFormat::Table,
        FormatArg::Csv => OutputFormat::Csv,
        FormatArg::Jsonl => OutputFormat::Jsonl,
        FormatArg::Timesketch => OutputFormat::Timesketch,
        FormatArg::Ecs => OutputFormat::Ecs,
    }
}

/// The case named by --case, or an in-memory case holding PATHs.
fn open_case(a: &TimelineArgs) -> Result<Case> {
    match (&a.case, a.paths.is_empty()) {
        (Some(dir), true) => {
            Case::open_read(dir).with_context(|| format!("opening case {}", dir.display()))
        }
        (Some(_), false) => bail!("give either --case or evidence paths, not both"),
        (None, true) => bail!("give --case DIR or evidence paths to look at"),
        (None, false) => {
            let mut case = Case::in_memory()?;
            let opts = IngestOptions {
                read: read_options(&a.read)?,
                ..IngestOptions::default()
            };
            let report = ingest(&mut case, &a.paths, &opts, &SilentProgress)?;
            let mut err = std::io::stderr().lock();
            let t = report.total();
            writeln!(
                err,
                "read {} files: {} records, {} rejected",
                t.files, t.records, t.rejected
            )?;
            for (path, why) in report
                .unrecognised
                .iter()
                .chain(&report.problems)
                .chain(&report.partial)
            {
                let p = firebreak_timeline::sanitize_terminal(path);
                writeln!(err, "  {p}: {}", firebreak_timeline::sanitize_terminal(why))?;
            }
            Ok(case)
        }
    }
}

fn build_query(a: &TimelineArgs) -> Result<Query> {
    let tz = zone(&a.tz)?;
    let time = |s: &Option<String>| s.as_deref().map(|s| user_time(s, tz)).transpose();
    let sources = a
        .source
        .iter()
        .map(|s| SourceKind::parse(s).ok_or_else(|| anyhow!("unknown source {s:?}")))
        .collect::<Result<Vec<_>>>()?;
    let filters = a
        .where_
        .iter()
        .map(|w| {
            w.split_once('=')
                .map(|(f, v)| Filter {
                    field: f.trim().to_string(),
                    value: v.to_string(),
                })
                .ok_or_else(|| anyhow!("--where wants FIELD=VALUE, got {w:?}"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Query {
        range: TimeRange {
            from: time(&a.from)?,
            to: time(&a.to)?,
        },
        hosts: a.host.clone(),
        users: a.user.clone(),
        sources,
        event_ids: a.event_id.clone(),
        search: a.search.clone(),
        filters,
        limit: a.limit,
        offset: a.offset,
        ..Query::default()
    })
}

fn render(
    case: &Case,
    query: &Query,
    format: OutputFormat,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<()> {
    let evidence: HashMap<i64, (String, String)> = case
        .evidence()?
        .into_iter()
        .map(|e| (e.id, (e.info.display_path, e.info.sha256)))
        .collect();
    let mut r = renderer(format, options);
    r.begin(out)?;
    let mut failure = None;
    case.query_each(query, &mut |stored| {
        let (path, sha) = evidence
            .get(&stored.event.provenance.evidence_id)
            .map(|(p, s)| (p.as_str(), s.as_str()))
            .unwrap_or(("?", "?"));
        let row = TimelineRow {
            event: &stored.event,
            evidence_path: path,
            evidence_sha256: sha,
        };
        match r.row(out, &row) {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    let summary = r.finish(out)?;
    if summary.skipped > 0 || summary.folded_fields > 0 {
        eprintln!(
            "note: {} events left out (the format cannot hold their time), {} fields folded into extra_fields",
            summary.skipped, summary.folded_fields
        );
    }
    Ok(())
}
