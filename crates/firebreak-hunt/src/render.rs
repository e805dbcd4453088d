//! Detections as a table, CSV, JSON lines or Timesketch JSONL. Log content is
//! attacker-controlled: the table strips control characters, CSV guards cells against
//! formula injection, JSON escapes by construction.

use crate::detection::Detection;
use firebreak_timeline::{csv_guard, fit_to_width, sanitize_terminal, truncate_to_width};
use std::io::Write;

/// Output formats for detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Jsonl,
    Timesketch,
}

/// The same errors as the timeline's renderers.
pub use firebreak_timeline::RenderError;

/// How the table is drawn.
#[derive(Debug, Clone)]
pub struct TableOptions {
    pub display_tz: chrono_tz::Tz,
    /// Columns available; `None`: no limit.
    pub width: Option<usize>,
}

/// Write `detections` in `format`.
pub fn render(
    format: Format,
    table: &TableOptions,
    detections: &[Detection],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    match format {
        Format::Table => render_table(table, detections, out),
        Format::Csv => render_csv(detections, out),
        Format::Jsonl => render_jsonl(detections, out),
        Format::Timesketch => render_timesketch(detections, out),
    }
}

/// `path#line:12` style provenance.
pub fn provenance(d: &Detection) -> String {
    let loc = d.source.location;
    format!("{}#{}:{}", d.source.path, loc.kind(), loc.value())
}

/// The one-line "what" of a detection: the matched value or the most telling key field.
pub fn summary(d: &Detection) -> String {
    if let Some(m) = &d.matched {
        return m.clone();
    }
    let pick = ["process.command_line", "url", "file.path", "message"];
    pick.iter()
        .find_map(|k| d.key_fields.iter().find(|(n, _)| n == k))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

const COLS: [(&str, usize); 5] = [
    ("TIME", 19),
    ("LEVEL", 13),
    ("HOST", 14),
    ("USER", 18),
    ("RULE", 40),
];

fn render_table(
    o: &TableOptions,
    ds: &[Detection],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let fixed: usize = COLS.iter().map(|(_, w)| w + 1).sum();
    let rest = o.width.map(|w| w.saturating_sub(fixed).max(20));
    let head: Vec<String> = COLS.iter().map(|(h, w)| fit_to_width(h, *w)).collect();
    writeln!(out, "{} WHAT / WHERE", head.join(" "))?;
    for d in ds {
        let time = d
            .time
            .to_datetime()
            .with_timezone(&o.display_tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let cells = [
            time,
            d.level.clone(),
            d.host.clone().unwrap_or_default(),
            d.user.clone().unwrap_or_default(),
            d.title.clone(),
        ];
        let mut line = String::new();
        for (cell, (_, w)) in cells.iter().zip(COLS) {
            line.push_str(&fit_to_width(&sanitize_terminal(cell), w));
            line.push(' ');
        }
        let what = format!("{}  @ {}", summary(d), provenance(d));
        let what = sanitize_terminal(&what);
        match rest {
            Some(w) => line.push_str(&truncate_to_width(&what, w)),
            None => line.push_str(&what),
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

const CSV_HEADER: [&str; 13] = [
    "time",
    "kind",
    "level",
    "rule_id",
    "title",
    "status",
    "attack",
    "host",
    "user",
    "summary",
    "evidence",
    "location",
    "event_ref",
];

fn render_csv(ds: &[Detection], out: &mut dyn Write) -> Result<(), RenderError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for d in ds {
        let loc = d.source.location;
        let cells = [
            d.time.to_rfc3339(),
            d.kind.as_str().to_string(),
            d.level.clone(),
            d.rule_key.clone(),
            d.title.clone(),
            d.status.clone().unwrap_or_default(),
            d.attack.join(" "),
            d.host.clone().unwrap_or_default(),
            d.user.clone().unwrap_or_default(),
            summary(d),
            d.source.path.clone(),
            format!("{}:{}", loc.kind(), loc.value()),
            d.source
                .event_ref
                .map(|r| r.to_string())
                .unwrap_or_default(),
        ];
        w.write_record(cells.iter().map(|c| csv_guard(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

fn render_jsonl(ds: &[Detection], out: &mut dyn Write) -> Result<(), RenderError> {
    render_lines(ds, out, |d, buf| Ok(serde_json::to_writer(buf, d)?))
}

/// Detections written per round of [`render_lines`], per thread.
const LINES_PER_THREAD: usize = 4096;

/// Writes one line per detection, made by `line`: the lines of a round of detections
/// are made on all cores (a hunt can report hundreds of thousands) and written in order.
fn render_lines(
    ds: &[Detection],
    out: &mut dyn Write,
    line: fn(&Detection, &mut Vec<u8>) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let lines = |chunk: &[Detection]| -> Result<Vec<u8>, RenderError> {
        let mut buf = Vec::with_capacity(chunk.len() * 512);
        for d in chunk {
            line(d, &mut buf)?;
            buf.push(b'\n');
        }
        Ok(buf)
    };
    for round in ds.chunks(threads * LINES_PER_THREAD) {
        let per = round.len().div_ceil(threads).max(LINES_PER_THREAD / 4);
        if round.len() <= per {
            out.write_all(&lines(round)?)?;
            continue;
        }
        let parts: Vec<Result<Vec<u8>, RenderError>> = std::thread::scope(|s| {
            let jobs: Vec<_> = round
                .chunks(per)
                .map(|chunk| s.spawn(move || lines(chunk)))
                .collect();
            jobs.into_iter()
                .map(|j| j.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for p in parts {
            out.write_all(&p?)?;
        }
    }
    Ok(())
}

/// Timesketch: one event per detection with the required `message`, `datetime`,
/// `timestamp_desc` and `timestamp`, a fixed set of string fields (one type each, far
/// below the field-count ceiling) and the rule's tags as Timesketch `tag`s.
fn render_timesketch(ds: &[Detection], out: &mut dyn Write) -> Result<(), RenderError> {
    render_lines(ds, out, |d, buf| {
        let loc = d.source.location;
        let v = serde_json::json!({
            "message": format!("[{}] {}: {}", d.level, d.title, summary(d)),
            "datetime": d.time.to_rfc3339(),
            "timestamp": d.time.micros(),
            "timestamp_desc": "Detection",
            "detection_kind": d.kind.as_str(),
            "rule_id": d.rule_key,
            "rule_title": d.title,
            "rule_level": d.level,
            "rule_status": d.status.clone().unwrap_or_default(),
            "attack_techniques": d.attack.join(" "),
            "hostname": d.host.clone().unwrap_or_default(),
            "username": d.user.clone().unwrap_or_default(),
            "evidence_path": d.source.path,
            "evidence_location": format!("{}:{}", loc.kind(), loc.value()),
            "tag": d.tags,
        });
        Ok(serde_json::to_writer(buf, &v)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::{Kind, Source};
    use firebreak_event::{Location, Timestamp};

    fn detection(i: usize) -> Detection {
        Detection {
            kind: Kind::Sigma,
            rule_key: format!("r{i}"),
            title: format!("rule \"{i}\"\n"),
            level: "high".into(),
            status: None,
            tags: vec!["attack.t1003".into()],
            attack: vec!["T1003".into()],
            time: Timestamp::from_micros(i as i64 * 1_000_000).unwrap(),
            host: Some("WS-1".into()),
            user: None,
            key_fields: vec![("process.image".into(), format!("c:\\x{i}.exe"))],
            matched: None,
            source: Source {
                path: "Security.evtx".into(),
                location: Location::Record(i as u64),
                evidence_id: None,
                event_ref: None,
            },
            related: Vec::new(),
        }
    }

    /// Lines made on several threads come out whole, one per detection, in order.
    #[test]
    fn json_lines_keep_order_across_threads() {
        let n = 3 * LINES_PER_THREAD * 2 + 17;
        let ds: Vec<Detection> = (0..n).map(detection).collect();
        for (format, key) in [(Format::Jsonl, "rule_key"), (Format::Timesketch, "rule_id")] {
            let mut out = Vec::new();
            let table = TableOptions {
                display_tz: chrono_tz::UTC,
                width: None,
            };
            render(format, &table, &ds, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), n, "{format:?}");
            for (i, l) in lines.iter().enumerate() {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                assert_eq!(v[key], format!("r{i}"), "{format:?} line {i}");
            }
        }
    }
}
