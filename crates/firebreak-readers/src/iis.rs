//! W3C extended logs: Microsoft IIS and other products (proxies) that write a
//! `#Fields:` header.
//!
//! ```text
//! #Software: Microsoft Internet Information Services 10.0
//! #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) ...
//! 2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389 80 - 10.0.2.17 Mozilla/5.0+(Windows) ...
//! ```
//!
//! Directive lines (`#...`) and blank lines are not records; every other line is one.
//! The reader follows `#Fields:` wherever it appears (IIS rewrites the header after
//! each restart); lines before any `#Fields:` are read with the IIS 8.5–10 default
//! field list. Values are separated by spaces (a value with spaces may be quoted, as
//! some proxies do); `-` means empty. Times are UTC (W3C logs always are).
//!
//! Original fields keep the header's names and values as logged; Sigma aliases are
//! added: `cs-user-agent` (from `cs(User-Agent)`, `+` read as space), `cs-referer`,
//! `cs-host`, `cs-cookie`, and `cs-uri` (stem and `?query`) when the header has none.

use crate::textcommon::{
    dash, dash_owned, each_line, host_without_port, parse_clock, request_message, LineOutcome,
};
use crate::{EventSink, ReadContext, ReadError};
use chrono::NaiveDate;
use firebreak_event::{desc, Event, Fields, Location, SourceKind, Timestamp};
use std::io::BufRead;

const IIS_DEFAULT_FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port \
     cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

/// The current `#Fields:` header and where the well-known fields are in it.
struct Layout {
    names: Vec<String>,
    /// Sigma alias per column (`cs(User-Agent)` → `cs-user-agent`).
    aliases: Vec<Option<&'static str>>,
    idx: Known,
}

#[derive(Default)]
struct Known {
    date: Option<usize>,
    time: Option<usize>,
    client: Option<usize>,
    user: Option<usize>,
    method: Option<usize>,
    uri: Option<usize>,
    stem: Option<usize>,
    query: Option<usize>,
    status: Option<usize>,
    sc_bytes: Option<usize>,
    cs_bytes: Option<usize>,
    host: Option<usize>,
    server_ip: Option<usize>,
    server_port: Option<usize>,
    computer: Option<usize>,
}

/// Reader state carried from line to line.
struct State {
    layout: Layout,
    header_date: Option<NaiveDate>,
    spans: Vec<(usize, usize)>,
}

pub(crate) fn sniff(lines: &[&str]) -> bool {
    lines.iter().any(|l| {
        l.starts_with("#Fields:") || l.starts_with("#Software: Microsoft Internet Information")
    })
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let mut state = State {
        layout: Layout::new(IIS_DEFAULT_FIELDS),
        header_date: None,
        spans: Vec::with_capacity(32),
    };
    each_line(input, ctx, sink, |number, line, sink| {
        if let Some(directive) = line.strip_prefix('#') {
            state.directive(directive);
            return Ok(LineOutcome::NotARecord);
        }
        sink.accept(state.event(line, number)?);
        Ok(LineOutcome::Accepted)
    })
}

impl Layout {
    fn new(header: &str) -> Layout {
        let names: Vec<String> = header.split_whitespace().map(str::to_string).collect();
        let aliases = names.iter().map(|n| sigma_alias(n)).collect();
        let mut idx = Known::default();
        for (i, n) in names.iter().enumerate() {
            idx.note(i, n);
        }
        Layout {
            names,
            aliases,
            idx,
        }
    }
}

fn sigma_alias(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "cs(user-agent)" => Some("cs-user-agent"),
        "cs(referer)" => Some("cs-referer"),
        "cs(host)" => Some("cs-host"),
        "cs(cookie)" => Some("cs-cookie"),
        _ => None,
    }
}

impl Known {
    fn note(&mut self, i: usize, name: &str) {
        let slot = match name.to_ascii_lowercase().as_str() {
            "date" => &mut self.date,
            "time" => &mut self.time,
            "c-ip" => &mut self.client,
            "cs-username" => &mut self.user,
            "cs-method" => &mut self.method,
            "cs-uri" => &mut self.uri,
            "cs-uri-stem" | "cs-uri-path" => &mut self.stem,
            "cs-uri-query" => &mut self.query,
            "sc-status" => &mut self.status,
            "sc-bytes" => &mut self.sc_bytes,
            "cs-bytes" => &mut self.cs_bytes,
            "cs(host)" | "cs-host" => &mut self.host,
            "s-ip" => &mut self.server_ip,
            "s-port" => &mut self.server_port,
            "s-computername" => &mut self.computer,
            _ => return,
        };
        slot.get_or_insert(i);
    }
}

impl State {
    fn directive(&mut self, d: &str) {
        if let Some(fields) = d.strip_prefix("Fields:") {
            self.layout = Layout::new(fields);
        } else if let Some(date) = d.strip_prefix("Date:") {
            let day = date.split_whitespace().next().unwrap_or("");
            self.header_date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
        }
    }

    fn event(&mut self, line: &str, number: u64) -> Result<Event, String> {
        let want = self.layout.names.len();
        split_values(line, &mut self.spans, false);
        if self.spans.len() != want && line.contains('"') {
            split_values(line, &mut self.spans, true);
        }
        if self.spans.len() != want {
            return Err(format!(
                "{} values but the #Fields header names {want}",
                self.spans.len()
            ));
        }
        let values: Vec<&str> = self
            .spans
            .iter()
            .map(|&(a, b)| line.get(a..b).unwrap_or(""))
            .collect();
        build_event(&self.layout, &values, self.header_date, number)
    }
}

/// Spans of the space/tab-separated values of `line`; with `quotes`, a value that
/// starts with `"` runs to the closing quote (the quotes are not part of the span).
fn split_values(line: &str, spans: &mut Vec<(usize, usize)>, quotes: bool) {
    spans.clear();
    let b = line.as_bytes();
    let mut i = 0;
    let sep = |c: u8| c == b' ' || c == b'\t';
    while i < b.len() {
        if b.get(i).copied().is_some_and(sep) {
            i += 1;
            continue;
        }
        if quotes && b.get(i) == Some(&b'"') {
            if let Some(end) = quoted_end(b, i + 1) {
                spans.push((i + 1, end));
                i = end + 1;
                continue;
            }
        }
        let start = i;
        while b.get(i).is_some_and(|&c| !sep(c)) {
            i += 1;
        }
        spans.push((start, i));
    }
}

/// The closing quote at or after `from` that is followed by a separator or the end.
fn quoted_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&c) = b.get(i) {
        if c == b'"' && matches!(b.get(i + 1), None | Some(b' ' | b'\t')) {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn build_event(
    layout: &Layout,
    values: &[&str],
    header_date: Option<NaiveDate>,
    number: u64,
) -> Result<Event, String> {
    let k = &layout.idx;
    let get = |i: Option<usize>| i.and_then(|i| values.get(i).copied());
    let (timestamp, original) = w3c_time(get(k.date), get(k.time), header_date)?;
    let mut e = Event::new(timestamp, SourceKind::Iis, Location::Line(number));
    e.time_original = original;
    e.timestamp_desc = desc::REQUEST.to_string();
    e.fields = fields(layout, values);
    let client = get(k.client).unwrap_or("-");
    e.network.src_ip = dash_owned(client);
    e.network.dst_ip = get(k.server_ip).and_then(dash_owned);
    e.network.dst_port = get(k.server_port).and_then(|p| p.parse().ok());
    e.network.bytes_out = get(k.sc_bytes).and_then(|b| b.parse().ok());
    e.network.bytes_in = get(k.cs_bytes).and_then(|b| b.parse().ok());
    e.user.name = get(k.user).and_then(dash_owned);
    e.host = get(k.computer).and_then(dash_owned);
    e.domain = get(k.host)
        .and_then(dash)
        .map(|h| host_without_port(h).to_string());
    e.event_id = get(k.method).and_then(dash_owned);
    e.url = url(get(k.uri), get(k.stem), get(k.query));
    if let (None, Some(u)) = (k.uri, &e.url) {
        e.fields.push("cs-uri", u.as_str());
    }
    let request = format!(
        "{} {}",
        e.event_id.as_deref().unwrap_or("-"),
        e.url.as_deref().unwrap_or("-")
    );
    let status = get(k.status).unwrap_or("-");
    e.message = request_message(&request, status, e.network.bytes_out, client);
    Ok(e)
}

/// `cs-uri` if logged, else stem plus `?query`.
fn url(uri: Option<&str>, stem: Option<&str>, query: Option<&str>) -> Option<String> {
    if let Some(u) = uri.and_then(dash) {
        return Some(u.to_string());
    }
    let stem = stem.and_then(dash)?;
    Some(match query.and_then(dash) {
        Some(q) => format!("{stem}?{q}"),
        None => stem.to_string(),
    })
}

/// `date` + `time` (or the `#Date:` day + `time`), UTC.
fn w3c_time(
    date: Option<&str>,
    time: Option<&str>,
    header_date: Option<NaiveDate>,
) -> Result<(Timestamp, String), String> {
    let time = time.ok_or("no time field in the #Fields header")?;
    let clock = parse_clock(time).ok_or_else(|| format!("bad time {time:?}"))?;
    let (day, original) = match date {
        Some(d) => {
            let day =
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| format!("bad date {d:?}"))?;
            (day, format!("{d} {time}"))
        }
        None => {
            let day = header_date.ok_or("no date field and no #Date: directive")?;
            (day, format!("{day} {time}"))
        }
    };
    let ts = Timestamp::from_naive_utc(&day.and_time(clock)).map_err(|e| e.to_string())?;
    Ok((ts, original))
}

fn fields(layout: &Layout, values: &[&str]) -> Fields {
    let mut f = Fields::with_capacity(values.len() + 3);
    for ((name, value), alias) in layout.names.iter().zip(values).zip(&layout.aliases) {
        f.push(name.as_str(), *value);
        match alias {
            Some("cs-user-agent") => f.push("cs-user-agent", value.replace('+', " ")),
            Some(a) => f.push(*a, *value),
            None => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_split() {
        let mut spans = Vec::new();
        let line = r#"a "b c" d"#;
        split_values(line, &mut spans, true);
        let v: Vec<&str> = spans.iter().map(|&(a, b)| &line[a..b]).collect();
        assert_eq!(v, ["a", "b c", "d"]);
        split_values(r#"a "b"#, &mut spans, true);
        assert_eq!(spans.len(), 2);
    }

    #[test]
    fn default_layout_reads_tunna_line() {
        let layout = Layout::new(IIS_DEFAULT_FIELDS);
        let line = "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389&ip=127.0.0.1 80 - 10.0.2.17 Mozilla/5.0+(Windows+NT) - 200 0 0 7";
        let values: Vec<&str> = line.split(' ').collect();
        let e = build_event(&layout, &values, None, 7).unwrap();
        assert_eq!(e.timestamp.to_rfc3339(), "2019-09-03T10:13:36.000000Z");
        assert_eq!(
            e.url.as_deref(),
            Some("/erp/conn.aspx?proxy&port=3389&ip=127.0.0.1")
        );
        assert_eq!(
            e.fields.get("cs-user-agent"),
            Some("Mozilla/5.0 (Windows NT)")
        );
        assert_eq!(e.network.dst_port, Some(80));
    }
}
