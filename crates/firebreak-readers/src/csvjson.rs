//! Generic CSV (delimiter `,` `;` tab or `|`, header row, RFC 4180 quoting, quoted
//! cells may span lines) and generic JSON Lines (one object per line; nested objects
//! flattened with dots, arrays kept as JSON text, `null` as empty).
//!
//! Records: for CSV every data row (its location is the line it starts on); the
//! header row and blank lines are not records. For JSON Lines every non-blank line.
//!
//! The time is `options.time_field` if given; else a column named like a time
//! (`@timestamp`, `timestamp`, `datetime`, `time`, `TimeCreated`, `ts`, `date`, ...;
//! `date` + `time` columns are read together); else the first column whose value looks
//! like a time (see [`crate::tabular::parse_time`]). A row without a readable time is
//! rejected, as is a CSV row whose cell count differs from the header's.

use crate::csvrow::{detect_delimiter, split_line, RowSplitter};
use crate::tabular::{
    best_time_name, build_event, parse_date_and_time, parse_time, role_of, time_name_rank, Role,
    TimeValue,
};
use crate::textcommon::{each_line, too_long, LineOutcome};
use crate::{EventSink, Line, Lines, ReadContext, ReadError, Rejected};
use chrono_tz::Tz;
use firebreak_event::{Location, SourceKind};
use serde_json::Value;
use std::io::BufRead;

/// Where a CSV file's time is.
#[derive(Debug, Clone, Copy)]
enum TimeSpec {
    Column(usize),
    DateAndTime(usize, usize),
    /// Not known yet: guessed from the first row that has a time-like value.
    Guess,
}

/// A CSV file's header and what it tells.
struct Table {
    names: Vec<String>,
    roles: Vec<Option<Role>>,
    time: TimeSpec,
    tz: Tz,
}

pub(crate) fn sniff_csv(lines: &[&str]) -> bool {
    let Some(header) = lines.first() else {
        return false;
    };
    let Some(delim) = detect_delimiter(header) else {
        return false;
    };
    let names = split_line(header, delim);
    if names.len() < 2 || !plausible_header(&names) {
        return false;
    }
    let same = lines
        .iter()
        .skip(1)
        .filter(|l| split_line(l, delim).len() == names.len())
        .count();
    same >= 1 && same * 2 >= lines.len() - 1
}

/// Short, distinct, non-numeric names.
fn plausible_header(names: &[String]) -> bool {
    let ok = |n: &String| {
        let n = n.trim();
        !n.is_empty()
            && n.len() <= 64
            && n.split_whitespace().count() <= 4
            && parse_time(n, Tz::UTC, false).is_none()
            && n.parse::<f64>().is_err()
    };
    let mut sorted: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    names.iter().all(ok) && sorted.len() == names.len()
}

pub(crate) fn sniff_jsonl(lines: &[&str]) -> bool {
    let is_object = |l: &&&str| {
        l.trim_start().starts_with('{')
            && serde_json::from_str::<Value>(l).is_ok_and(|v| v.is_object())
    };
    let good = lines.iter().filter(is_object).count();
    lines.first().is_some_and(|l| is_object(&l)) && good * 10 >= lines.len() * 6
}

pub(crate) fn read_csv(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let max = ctx.options.max_line_bytes;
    let mut lines = Lines::new(input, max);
    let mut table: Option<Table> = None;
    let mut row = RowSplitter::new(b',');
    let mut start = 0u64;
    while let Some(line) = lines.next_line()? {
        let (number, text) = match line {
            Line::Text { number, text } => (number, text),
            Line::TooLong { number, len } => {
                abandon_row(&mut row, start, sink);
                sink.reject(too_long(number, len, max));
                continue;
            }
        };
        if !row.in_progress() {
            if text.trim().is_empty() {
                continue;
            }
            start = number;
            if table.is_none() {
                row.set_delimiter(detect_delimiter(&text).unwrap_or(b','));
            }
        }
        if !row.feed(&text) {
            if row.len() > max {
                abandon_row(&mut row, start, sink);
            }
            continue;
        }
        match &mut table {
            None => table = Some(Table::new(&row, ctx)?),
            Some(t) => t.record(&row, start, sink),
        }
        row.reset();
    }
    abandon_row(&mut row, start, sink);
    Ok(())
}

/// Reject a record whose quoted cell never closed (too long, or end of file).
fn abandon_row(row: &mut RowSplitter, start: u64, sink: &mut dyn EventSink) {
    if row.in_progress() {
        sink.reject(Rejected {
            location: Location::Line(start),
            reason: "quoted cell not closed (within the line limit or before the end of the file)"
                .into(),
        });
    }
    row.reset();
}

impl Table {
    fn new(header: &RowSplitter, ctx: &ReadContext) -> Result<Table, ReadError> {
        let names: Vec<String> = header
            .cells()
            .enumerate()
            .map(|(i, n)| match n.trim() {
                "" => format!("column_{}", i + 1),
                n => n.to_string(),
            })
            .collect();
        let roles = names.iter().map(|n| role_of(n)).collect();
        let time = time_spec(&names, ctx.options.time_field.as_deref())?;
        Ok(Table {
            names,
            roles,
            time,
            tz: ctx.options.source_tz,
        })
    }

    fn record(&mut self, row: &RowSplitter, number: u64, sink: &mut dyn EventSink) {
        let cells: Vec<&str> = row.cells().collect();
        let result = if cells.len() == self.names.len() {
            self.time_of(&cells)
        } else {
            Err(format!(
                "{} cells, the header has {}",
                cells.len(),
                self.names.len()
            ))
        };
        let (time, time_idx) = match result {
            Ok(t) => t,
            Err(reason) => {
                let location = Location::Line(number);
                return sink.reject(Rejected { location, reason });
            }
        };
        let pairs = self
            .names
            .iter()
            .cloned()
            .zip(cells.iter().map(|c| c.to_string()));
        let event = build_event(
            SourceKind::Csv,
            number,
            time,
            pairs.collect(),
            &self.roles,
            Some(time_idx),
        );
        sink.accept(event);
        sink.record_done();
    }

    /// The row's time and its column; a guessed column is kept for the next rows.
    fn time_of(&mut self, cells: &[&str]) -> Result<(TimeValue, usize), String> {
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        match self.time {
            TimeSpec::Column(i) => parse_time(cell(i), self.tz, false)
                .map(|t| (t, i))
                .ok_or_else(|| bad_time(cell(i), &self.names, i)),
            TimeSpec::DateAndTime(d, t) => parse_date_and_time(cell(d), cell(t), self.tz)
                .map(|v| (v, t))
                .ok_or_else(|| bad_time(&format!("{} {}", cell(d), cell(t)), &self.names, t)),
            TimeSpec::Guess => {
                let (i, v) = guess_time(cells.iter().copied(), self.tz)
                    .ok_or("no column holds a recognisable time")?;
                self.time = TimeSpec::Column(i);
                Ok((v, i))
            }
        }
    }
}

fn bad_time(value: &str, names: &[String], i: usize) -> String {
    let name = names.get(i).map_or("?", String::as_str);
    format!("cannot read time {value:?} in column {name:?}")
}

/// The time column from the option or the header names.
fn time_spec(names: &[String], option: Option<&str>) -> Result<TimeSpec, ReadError> {
    if let Some(want) = option {
        let pos = names
            .iter()
            .position(|n| n == want)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(want)));
        return pos.map(TimeSpec::Column).ok_or_else(|| ReadError::Invalid {
            format: "csv",
            reason: format!("the time column {want:?} is not in the header"),
        });
    }
    let find = |w: &str| names.iter().position(|n| n.eq_ignore_ascii_case(w));
    let best = best_time_name(names.iter().map(String::as_str));
    let best_is_date_or_time = best
        .and_then(|i| names.get(i))
        .is_some_and(|n| n.eq_ignore_ascii_case("date") || n.eq_ignore_ascii_case("time"));
    if let (true, Some(d), Some(t)) = (best_is_date_or_time, find("date"), find("time")) {
        return Ok(TimeSpec::DateAndTime(d, t));
    }
    Ok(best.map_or(TimeSpec::Guess, TimeSpec::Column))
}

/// The first value that parses as a time (strictly).
fn guess_time<'a>(values: impl Iterator<Item = &'a str>, tz: Tz) -> Option<(usize, TimeValue)> {
    values
        .enumerate()
        .find_map(|(i, v)| parse_time(v, tz, true).map(|t| (i, t)))
}

pub(crate) fn read_jsonl(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let tz = ctx.options.source_tz;
    let option = ctx.options.time_field.clone();
    let mut last_key: Option<String> = None;
    each_line(input, ctx, sink, |number, line, sink| {
        let pairs = flatten_line(line)?;
        let (time, idx) = json_time(&pairs, option.as_deref(), &mut last_key, tz)?;
        let roles: Vec<Option<Role>> = pairs.iter().map(|(k, _)| role_of(k)).collect();
        sink.accept(build_event(
            SourceKind::Jsonl,
            number,
            time,
            pairs,
            &roles,
            Some(idx),
        ));
        Ok(LineOutcome::Accepted)
    })
}

/// A line's object flattened to `(dotted.name, text)` pairs.
fn flatten_line(line: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("not a JSON object".into());
    };
    let mut out = Vec::with_capacity(map.len() + 4);
    let mut prefix = String::new();
    flatten_object(&mut prefix, map, &mut out);
    Ok(out)
}

fn flatten_object(
    prefix: &mut String,
    map: serde_json::Map<String, Value>,
    out: &mut Vec<(String, String)>,
) {
    let base = prefix.len();
    for (k, v) in map {
        if base > 0 {
            prefix.push('.');
        }
        prefix.push_str(&k);
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten_object(prefix, inner, out),
            other => out.push((prefix.clone(), scalar_text(other))),
        }
        prefix.truncate(base);
    }
}

fn scalar_text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The object's time: the option's field, the previous line's time field, the best
/// time-like name, or the first time-like value.
fn json_time(
    pairs: &[(String, String)],
    option: Option<&str>,
    last_key: &mut Option<String>,
    tz: Tz,
) -> Result<(TimeValue, usize), String> {
    let named = |want: &str| pairs.iter().position(|(k, _)| k == want);
    let idx = match (option, last_key.as_deref()) {
        (Some(want), _) => Some(named(want).ok_or_else(|| format!("no field {want:?}"))?),
        (None, Some(last)) => named(last),
        (None, None) => None,
    };
    let idx = idx.or_else(|| best_time_name(pairs.iter().map(|(k, _)| k.as_str())));
    if let Some(i) = idx {
        let (k, v) = pairs.get(i).ok_or("no time field")?;
        let t = parse_time(v, tz, false)
            .ok_or_else(|| format!("cannot read time {v:?} in field {k:?}"))?;
        remember(last_key, k);
        return Ok((t, i));
    }
    let (i, t) = guess_time(pairs.iter().map(|(_, v)| v.as_str()), tz)
        .ok_or("no field holds a recognisable time")?;
    Ok((t, i))
}

fn remember(last_key: &mut Option<String>, k: &str) {
    if last_key.as_deref() != Some(k) && time_name_rank(k).is_some() {
        *last_key = Some(k.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_nested_objects() {
        let pairs =
            flatten_line(r#"{"a":{"b":1,"c":{"d":"x"}},"e":[1,2],"f":null,"g":{}}"#).unwrap();
        let want = [
            ("a.b", "1"),
            ("a.c.d", "x"),
            ("e", "[1,2]"),
            ("f", ""),
            ("g", "{}"),
        ];
        let got: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, want);
        assert!(flatten_line("[1]").is_err());
    }

    #[test]
    fn sniffs() {
        assert!(sniff_csv(&["time;host;msg", "2024-01-01T00:00:00Z;a;b"]));
        assert!(!sniff_csv(&["Hello there, world", "2024-01-01;a"]));
        assert!(sniff_jsonl(&[r#"{"a":1}"#]));
        assert!(!sniff_jsonl(&["[1]"]));
    }
}
