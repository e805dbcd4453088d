//! NCSA Common and Combined access logs as Apache httpd, nginx and Tomcat write them:
//!
//! ```text
//! [vhost[:port]] client ident user [10/Oct/2000:13:55:36 -0700] "GET /a?x=1 HTTP/1.0" 200 2326 ["referer" "user-agent" [extra...]]
//! ```
//!
//! Every non-blank line is a record; blank lines are not. Quoted fields may contain
//! `\"` and `\\` (Apache) or `\x22` (nginx); Tomcat does not escape at all, so the
//! request's closing quote is the one followed by a status code. Malformed request
//! lines (TLS handshakes sent to a plain-HTTP port, `"-"`) are kept as events with the
//! raw text in the `request` field and no method.
//!
//! Original fields use W3C/Sigma `webserver` names: `cs-host` (vhost), `c-ip`, `ident`,
//! `cs-username`, `cs-method`, `cs-uri-stem`, `cs-uri-query`, `cs-uri` (path and query),
//! `cs-version`, `request` (only when malformed), `sc-status`, `sc-bytes`, `cs-referer`,
//! `cs-user-agent`, `extra` (anything after the user agent). A time without offset
//! is read in `source_tz`.

use crate::textcommon::{
    all_digits, dash, dash_owned, each_line, host_without_port, parse_clock, parse_offset,
    request_message, resolve_time, split_query, LineOutcome,
};
use crate::{EventSink, ReadContext, ReadError};
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use firebreak_event::{desc, Event, Fields, Location, SourceKind};
use std::borrow::Cow;
use std::io::BufRead;

/// One access-log line split into its parts (borrowed from the line where possible).
#[derive(Debug)]
pub(crate) struct Ncsa<'a> {
    pub vhost: Option<&'a str>,
    pub client: &'a str,
    pub ident: &'a str,
    pub user: &'a str,
    pub time: &'a str,
    pub request: Cow<'a, str>,
    pub status: &'a str,
    pub bytes: &'a str,
    pub referer: Option<Cow<'a, str>>,
    pub agent: Option<Cow<'a, str>>,
    pub extra: &'a str,
}

/// The request line's parts, if it is well formed.
struct Request<'a> {
    method: &'a str,
    uri: &'a str,
    version: Option<&'a str>,
}

pub(crate) fn sniff(lines: &[&str]) -> bool {
    let good = lines
        .iter()
        .filter(|l| {
            parse_line(l)
                .ok()
                .and_then(|p| parse_ncsa_time(p.time).ok())
                .is_some()
        })
        .count();
    good >= 1 && good * 10 >= lines.len() * 6
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let tz = ctx.options.source_tz;
    each_line(input, ctx, sink, |number, line, sink| {
        let parsed = parse_line(line)?;
        sink.accept(to_event(&parsed, number, tz)?);
        Ok(LineOutcome::Accepted)
    })
}

/// Split a line into its NCSA parts.
pub(crate) fn parse_line(line: &str) -> Result<Ncsa<'_>, String> {
    let (prefix, rest) = line
        .split_once(" [")
        .ok_or("no [time] field: not an NCSA access-log line")?;
    let (vhost, client, ident, user) = split_prefix(prefix)?;
    let (time, rest) = rest.split_once(']').ok_or("unterminated [time] field")?;
    let rest = rest
        .strip_prefix(" \"")
        .ok_or("no quoted request after the time")?;
    let end = find_close(rest.as_bytes(), is_request_end).ok_or("unterminated request field")?;
    let request = unescape(rest.get(..end).unwrap_or(""));
    let rest = rest.get(end + 1..).unwrap_or("").trim_start();
    let (status, rest) = next_token(rest);
    let (bytes, rest) = next_token(rest);
    if status.is_empty() || !all_digits(status) {
        return Err(format!("status {status:?} is not a number"));
    }
    let (referer, rest) = optional_quoted(rest);
    let (agent, rest) = optional_quoted(rest);
    Ok(Ncsa {
        vhost,
        client,
        ident,
        user,
        time,
        request,
        status,
        bytes,
        referer,
        agent,
        extra: rest.trim(),
    })
}

type Prefix<'a> = (Option<&'a str>, &'a str, &'a str, &'a str);

/// `client ident user` or `vhost client ident user`.
fn split_prefix(prefix: &str) -> Result<Prefix<'_>, String> {
    let mut tokens = prefix.split(' ').filter(|t| !t.is_empty());
    let parts: [Option<&str>; 5] = std::array::from_fn(|_| tokens.next());
    match parts {
        [Some(c), Some(i), Some(u), None, None] => Ok((None, c, i, u)),
        [Some(v), Some(c), Some(i), Some(u), None] => Ok((Some(v), c, i, u)),
        _ => Err(
            "expected 3 (client ident user) or 4 (vhost client ident user) fields before the time"
                .into(),
        ),
    }
}

fn next_token(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((tok, rest)) => (tok, rest.trim_start()),
        None => (s, ""),
    }
}

/// The request's closing quote is followed by ` <digit>` (the status).
fn is_request_end(tail: &[u8]) -> bool {
    matches!(tail, [b' ', d, ..] if d.is_ascii_digit())
}

/// A quoted field's closing quote is followed by a space or the end of the line.
fn is_field_end(tail: &[u8]) -> bool {
    matches!(tail, [] | [b' ', ..])
}

/// Index of the closing quote in `s` (which starts after the opening quote): first
/// honouring backslash escapes, then (Tomcat, no escaping) ignoring them.
fn find_close(s: &[u8], accept: fn(&[u8]) -> bool) -> Option<usize> {
    scan_close(s, accept, true).or_else(|| scan_close(s, accept, false))
}

fn scan_close(s: &[u8], accept: fn(&[u8]) -> bool, escapes: bool) -> Option<usize> {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if b == b'"' && accept(s.get(i + 1..).unwrap_or(&[])) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A `"..."` field at the start of `s`, or nothing if `s` does not start with a quote.
fn optional_quoted(s: &str) -> (Option<Cow<'_, str>>, &str) {
    let Some(body) = s.strip_prefix('"') else {
        return (None, s);
    };
    match find_close(body.as_bytes(), is_field_end) {
        Some(end) => (
            Some(unescape(body.get(..end).unwrap_or(""))),
            body.get(end + 1..).unwrap_or("").trim_start(),
        ),
        None => (Some(Cow::Borrowed(body)), ""),
    }
}

/// Undo Apache's `\"` and `\\`; other escapes (`\xhh`) stay as logged.
fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains("\\\"") && !s.contains("\\\\") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(n @ ('"' | '\\')) => out.push(n),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

fn parse_request(req: &str) -> Option<Request<'_>> {
    let (method, rest) = req.split_once(' ')?;
    let method_ok = !method.is_empty()
        && method.len() <= 32
        && method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
    if !method_ok || rest.is_empty() {
        return None;
    }
    let (uri, version) = match rest.rsplit_once(' ') {
        Some((uri, v)) if v.starts_with("HTTP/") => (uri, Some(v)),
        _ => (rest, None),
    };
    (!uri.is_empty() && !uri.contains('"')).then_some(Request {
        method,
        uri,
        version,
    })
}

/// `10/Oct/2000:13:55:36[.fff] [-0700]` → local time and the offset in seconds.
pub(crate) fn parse_ncsa_time(s: &str) -> Result<(NaiveDateTime, Option<i32>), String> {
    let bad = || format!("bad time {s:?}");
    let (date, clock) = s.split_once(':').ok_or_else(bad)?;
    let mut d = date.split('/');
    let (day, mon, year) = (d.next(), d.next(), d.next());
    let (clock, zone) = match clock.split_once(' ') {
        Some((c, z)) => (c, Some(z.trim())),
        None => (clock, None),
    };
    let day: u32 = day.and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let month = mon.and_then(month_number).ok_or_else(bad)?;
    let year: i32 = year.and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)?;
    let time = parse_clock(clock).ok_or_else(bad)?;
    let offset = match zone {
        Some(z) => Some(parse_offset(z).ok_or_else(bad)?),
        None => None,
    };
    Ok((date.and_time(time), offset))
}

fn month_number(m: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let i = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(m))?;
    u32::try_from(i + 1).ok()
}

fn to_event(p: &Ncsa<'_>, number: u64, tz: Tz) -> Result<Event, String> {
    let (naive, offset) = parse_ncsa_time(p.time)?;
    let (timestamp, tz_policy) = resolve_time(&naive, offset, tz)?;
    let mut e = Event::new(timestamp, SourceKind::WebAccess, Location::Line(number));
    e.time_original = p.time.to_string();
    e.tz_policy = tz_policy;
    e.timestamp_desc = desc::REQUEST.to_string();
    let req = parse_request(&p.request);
    let bytes = p.bytes.parse::<u64>().ok();
    e.fields = fields(p, req.as_ref());
    e.network.src_ip = dash_owned(p.client);
    e.network.bytes_out = bytes;
    e.user.name = dash_owned(p.user);
    e.domain = p
        .vhost
        .and_then(dash)
        .map(|v| host_without_port(v).to_string());
    if let Some(r) = &req {
        e.event_id = Some(r.method.to_string());
        e.url = Some(r.uri.to_string());
    }
    let shown = match &req {
        Some(r) => format!("{} {}", r.method, r.uri),
        None => quoted_visible(&p.request),
    };
    e.message = request_message(&shown, p.status, bytes, p.client);
    Ok(e)
}

/// `"text"` with control characters written as `\xHH` (as Apache logs them).
fn quoted_visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn fields(p: &Ncsa<'_>, req: Option<&Request<'_>>) -> Fields {
    let mut f = Fields::with_capacity(14);
    if let Some(v) = p.vhost {
        f.push("cs-host", v);
    }
    f.push("c-ip", p.client);
    if p.ident != "-" {
        f.push("ident", p.ident);
    }
    f.push("cs-username", p.user);
    match req {
        Some(r) => {
            let (stem, query) = split_query(r.uri);
            f.push("cs-method", r.method);
            f.push("cs-uri-stem", stem);
            if let Some(q) = query {
                f.push("cs-uri-query", q);
            }
            f.push("cs-uri", r.uri);
            if let Some(v) = r.version {
                f.push("cs-version", v);
            }
        }
        None => f.push("request", p.request.as_ref()),
    }
    f.push("sc-status", p.status);
    f.push("sc-bytes", p.bytes);
    if let Some(r) = &p.referer {
        f.push("cs-referer", r.as_ref());
    }
    if let Some(a) = &p.agent {
        f.push("cs-user-agent", a.as_ref());
    }
    if !p.extra.is_empty() {
        f.push("extra", p.extra);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_line() {
        let l = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 "http://ref/" "Mozilla/4.08 [en] (Win98; I ;Nav)""#;
        let p = parse_line(l).unwrap();
        assert_eq!(p.client, "127.0.0.1");
        assert_eq!(p.user, "frank");
        assert_eq!(p.request, "GET /a.gif?x=1 HTTP/1.0");
        assert_eq!(p.bytes, "2326");
        assert_eq!(
            p.agent.as_deref(),
            Some("Mozilla/4.08 [en] (Win98; I ;Nav)")
        );
        let e = to_event(&p, 1, Tz::UTC).unwrap();
        assert_eq!(e.timestamp.to_rfc3339(), "2000-10-10T20:55:36.000000Z");
        assert_eq!(
            e.message,
            "GET /a.gif?x=1 -> 200 (2326 bytes) from 127.0.0.1"
        );
    }

    #[test]
    fn escaped_quotes_and_unescaped_tomcat_quotes() {
        let l = r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /\"x\" HTTP/1.1" 404 - "-" "a \"quoted\" agent""#;
        let p = parse_line(l).unwrap();
        assert_eq!(p.request, r#"GET /"x" HTTP/1.1"#);
        assert_eq!(p.agent.as_deref(), Some(r#"a "quoted" agent"#));
        let l = r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /a"b\ HTTP/1.1" 400 -"#;
        assert_eq!(parse_line(l).unwrap().request, r#"GET /a"b\ HTTP/1.1"#);
    }

    #[test]
    fn out_of_range_times_are_errors() {
        for t in ["31/Dec/262142:23:59:59 -2359", "01/Jan/1500:00:00:00 +0000"] {
            let l = format!(r#"1.2.3.4 - - [{t}] "GET / HTTP/1.1" 200 1"#);
            assert!(
                to_event(&parse_line(&l).unwrap(), 1, Tz::UTC).is_err(),
                "{t}"
            );
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+0300"), Some(10800));
        assert_eq!(parse_offset("-07:00"), Some(-25200));
        assert_eq!(parse_offset("+2400"), None);
        assert_eq!(host_without_port("[::1]:80"), "::1");
        assert_eq!(host_without_port("a.b:8080"), "a.b");
        assert_eq!(host_without_port("::1"), "::1");
    }
}
