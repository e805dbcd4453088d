//! Syslog text files: RFC 3164 (`[<PRI>]Mmm dd hh:mm:ss host tag[pid]: msg`, as in
//! `/var/log/*`), rsyslog's high-precision variant with an ISO 8601 timestamp
//! (`2026-11-24T21:14:03.123456+01:00 host tag[pid]: msg`) and RFC 5424
//! (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, structured data as fields named
//! `<SD-ID>.<PARAM>`).
//!
//! One line is one record. Blank lines are not records (skipped, neither events nor
//! rejections). Fields: `hostname`, `program`, `pid`, `msgid`, `facility` and `severity`
//! (names, when a PRI is given), `syslog_year_source` (RFC 3164 only, see
//! [`crate::syslog_common`]), structured data, `message`. Normalised: `host`,
//! `provider` = program, `process.pid`, `message`.
//!
//! Times: RFC 3164 times are read in `ReadOptions::source_tz` (`tz_policy = assumed`) with
//! the year rules of [`crate::syslog_common`]; ISO and RFC 5424 times carry their offset
//! (`tz_policy = source`). Authentication programs are enriched by [`crate::authlog`].

use crate::authlog;
use crate::syslog_common::{
    naive, parse_3164, parse_iso_offset, read_lines, snippet, LocalZone, YearResolver, MAX_FIELDS,
};
use crate::{EventSink, ReadContext, ReadError};
use firebreak_event::{Event, Location, SourceKind, Timestamp, TzPolicy};
use std::borrow::Cow;
use std::io::BufRead;

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// True when most of the first lines have a syslog header.
pub(crate) fn sniff(lines: &[&str]) -> bool {
    let hits = lines.iter().filter(|l| looks_like_syslog(l)).count();
    hits > 0 && hits * 2 >= lines.len()
}

fn looks_like_syslog(line: &str) -> bool {
    let Ok((pri, rest)) = split_pri(line) else {
        return false;
    };
    if pri.is_some() && rest.starts_with("1 ") {
        return rest
            .get(2..)
            .and_then(|r| r.split(' ').next())
            .is_some_and(|t| t == "-" || parse_iso_offset(t).is_ok());
    }
    let after = if starts_with_iso_date(rest) {
        let (token, after) = rest.split_once(' ').unwrap_or((rest, ""));
        parse_iso_offset(token).is_ok().then_some(after)
    } else {
        parse_3164(rest).and_then(|(_, n)| rest.get(n..)?.strip_prefix(' '))
    };
    after.is_some_and(|a| !a.trim().is_empty())
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let mut parser = SyslogParser::new(ctx);
    read_lines(input, ctx, sink, |line, location| {
        parser.parse(line, location)
    })
}

/// Parses syslog lines of one file (it keeps the year state for RFC 3164).
#[derive(Debug, Clone)]
pub(crate) struct SyslogParser {
    years: YearResolver,
    zone: LocalZone,
}

/// A parsed time and how it was obtained.
struct Stamp<'a> {
    ts: Timestamp,
    original: &'a str,
    policy: Option<TzPolicy>,
    year_source: Option<&'static str>,
}

/// The header and message of one line.
struct Parts<'a> {
    pri: Option<u8>,
    stamp: Stamp<'a>,
    host: Option<&'a str>,
    program: Option<&'a str>,
    pid: Option<&'a str>,
    msgid: Option<&'a str>,
    structured: Option<&'a str>,
    message: &'a str,
}

impl SyslogParser {
    pub fn new(ctx: &ReadContext) -> SyslogParser {
        SyslogParser {
            years: YearResolver::new(ctx),
            zone: LocalZone::new(ctx.options.source_tz),
        }
    }

    /// One line as an event, or the reason it is not one.
    pub fn parse(&mut self, line: &str, location: Location) -> Result<Event, String> {
        let (pri, rest) = split_pri(line)?;
        let parts = match (pri, rest.strip_prefix("1 ")) {
            (Some(_), Some(r5424)) => parse_5424(pri, r5424)?,
            _ => self.parse_3164_line(pri, rest)?,
        };
        Ok(build_event(parts, location))
    }

    fn parse_3164_line<'a>(&mut self, pri: Option<u8>, rest: &'a str) -> Result<Parts<'a>, String> {
        let (stamp, rest) = self.header_time(rest)?;
        let rest = rest.trim_start_matches(' ');
        let (mut host, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if host.starts_with('<') && host.ends_with('>') {
            // ns.log style `<local0.info>` between time and host.
            (host, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        }
        let (program, pid, message) = split_tag(rest);
        let message = message.trim_start_matches(' ');
        Ok(Parts {
            pri,
            stamp,
            host: Some(host).filter(|h| !h.is_empty()),
            program,
            pid,
            msgid: None,
            structured: None,
            message,
        })
    }

    /// The leading ISO or RFC 3164 timestamp and the text after it.
    fn header_time<'a>(&mut self, s: &'a str) -> Result<(Stamp<'a>, &'a str), String> {
        if starts_with_iso_date(s) {
            let (token, rest) = s.split_once(' ').unwrap_or((s, ""));
            let ts = parse_iso_offset(token)?;
            let stamp = Stamp {
                ts,
                original: token,
                policy: None,
                year_source: None,
            };
            return Ok((stamp, rest));
        }
        let bad = || format!("unparseable syslog timestamp '{}'", snippet(s));
        let (date, len) = parse_3164(s).ok_or_else(bad)?;
        let (original, rest) = (s.get(..len).ok_or_else(bad)?, s.get(len..).ok_or_else(bad)?);
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return Err(bad());
        }
        let year = self.years.year_for(date.month, date.day)?;
        let n = naive(year, date.month, date.day, date.clock)
            .ok_or_else(|| format!("invalid date or time '{original}' in year {year}"))?;
        let stamp = Stamp {
            ts: self.zone.to_utc(n)?,
            original,
            policy: Some(self.zone.policy.clone()),
            year_source: Some(self.years.source()),
        };
        Ok((stamp, rest))
    }
}

fn starts_with_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 10 && b.get(4) == Some(&b'-') && b.iter().take(4).all(u8::is_ascii_digit)
}

/// A leading `<PRI>` (0..=191). `<` followed by something else is left in place.
fn split_pri(line: &str) -> Result<(Option<u8>, &str), String> {
    let Some(r) = line.strip_prefix('<') else {
        return Ok((None, line));
    };
    let Some((digits, rest)) = r.split_once('>') else {
        return Ok((None, line));
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok((None, line));
    }
    match digits.parse::<u8>() {
        Ok(p) if p <= 191 && digits.len() <= 3 => Ok((Some(p), rest.trim_start_matches(' '))),
        _ => Err(format!("invalid syslog priority '<{}>'", snippet(digits))),
    }
}

/// `tag[pid]: message` → program, pid, message. Without a `tag:` the whole text is the
/// message.
fn split_tag(s: &str) -> (Option<&str>, Option<&str>, &str) {
    let (token, after) = s.split_once(' ').unwrap_or((s, ""));
    let Some(tag) = token.strip_suffix(':') else {
        return (None, None, s);
    };
    let (program, pid) = match tag.strip_suffix(']').and_then(|t| t.split_once('[')) {
        Some((program, pid)) => (program, Some(pid).filter(|p| !p.is_empty())),
        None => (tag, None),
    };
    if program.is_empty() {
        return (None, None, s);
    }
    (Some(program), pid, after)
}

fn nil(s: &str) -> Option<&str> {
    Some(s).filter(|v| !v.is_empty() && *v != "-")
}

/// `TIMESTAMP HOST APP PROCID MSGID SD MSG` (after `<PRI>1 `).
fn parse_5424(pri: Option<u8>, r: &str) -> Result<Parts<'_>, String> {
    let mut it = r.splitn(6, ' ');
    let mut next = || it.next().unwrap_or_default();
    let (time, host, app, procid, msgid, rest) = (next(), next(), next(), next(), next(), next());
    if time == "-" {
        return Err("RFC 5424 record without a timestamp (NILVALUE)".to_string());
    }
    let ts = parse_iso_offset(time)?;
    let (structured, message) = split_structured(rest)?;
    let message = message.strip_prefix('\u{FEFF}').unwrap_or(message);
    Ok(Parts {
        pri,
        stamp: Stamp {
            ts,
            original: time,
            policy: None,
            year_source: None,
        },
        host: nil(host),
        program: nil(app),
        pid: nil(procid),
        msgid: nil(msgid),
        structured,
        message,
    })
}

/// Structured data (`-` or `[..][..]`) and the message after it.
fn split_structured(rest: &str) -> Result<(Option<&str>, &str), String> {
    if rest.is_empty() || rest == "-" {
        return Ok((None, ""));
    }
    if let Some(msg) = rest.strip_prefix("- ") {
        return Ok((None, msg));
    }
    let end = sd_end(rest)
        .filter(|&e| e > 0)
        .ok_or_else(|| format!("malformed RFC 5424 structured data '{}'", snippet(rest)))?;
    let (sd, msg) = (rest.get(..end), rest.get(end..));
    match (sd, msg) {
        (Some(sd), Some(msg)) if msg.is_empty() || msg.starts_with(' ') => {
            Ok((Some(sd), msg.strip_prefix(' ').unwrap_or(msg)))
        }
        _ => Err(format!(
            "malformed RFC 5424 structured data '{}'",
            snippet(rest)
        )),
    }
}

/// The byte length of the `[..]` elements at the start of `s`, quotes and escapes
/// respected; `None` when an element is not closed.
fn sd_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        i += 1;
        let mut quoted = false;
        loop {
            match *b.get(i)? {
                b'\\' if quoted => i += 2,
                b'"' => {
                    quoted = !quoted;
                    i += 1;
                }
                b']' if !quoted => {
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
    }
    Some(i)
}

/// Pushes `[id name="value" ...]` parameters as `id.name` fields.
fn push_structured(sd: &str, ev: &mut Event) {
    let mut rest = sd;
    while let Some(r) = rest.strip_prefix('[') {
        let id_end = r.find([' ', ']']).unwrap_or(r.len());
        let id = r.get(..id_end).unwrap_or_default();
        rest = r.get(id_end..).unwrap_or_default();
        loop {
            rest = rest.trim_start_matches(' ');
            if let Some(r) = rest.strip_prefix(']') {
                rest = r;
                break;
            }
            let Some((name, r)) = rest.split_once("=\"") else {
                return;
            };
            let Some((value, r)) = sd_value(r) else {
                return;
            };
            if ev.fields.len() >= MAX_FIELDS {
                return;
            }
            ev.fields.push(format!("{id}.{name}"), value);
            rest = r;
        }
    }
}

/// A quoted SD value up to its closing quote (already consumed the opening one), with
/// `\"`, `\\` and `\]` unescaped.
fn sd_value(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut escaped = false;
    loop {
        match *b.get(i)? {
            b'\\' => {
                escaped = true;
                i += 2;
            }
            b'"' => break,
            _ => i += 1,
        }
    }
    let raw = s.get(..i)?;
    let rest = s.get(i + 1..)?;
    if !escaped {
        return Some((Cow::Borrowed(raw), rest));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('"' | '\\' | ']')) => out.push(e),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Some((Cow::Owned(out), rest))
}

fn build_event(parts: Parts<'_>, location: Location) -> Event {
    let mut ev = Event::new(parts.stamp.ts, SourceKind::Syslog, location);
    ev.time_original = parts.stamp.original.to_string();
    if let Some(policy) = parts.stamp.policy {
        ev.tz_policy = policy;
    }
    let f = &mut ev.fields;
    if let Some(h) = parts.host {
        f.push("hostname", h);
        ev.host = Some(h.to_string());
    }
    if let Some(p) = parts.program {
        f.push("program", p);
        ev.provider = Some(p.to_string());
    }
    if let Some(pid) = parts.pid {
        f.push("pid", pid);
        ev.process.pid = pid.parse().ok();
    }
    if let Some(m) = parts.msgid {
        f.push("msgid", m);
    }
    if let Some(pri) = parts.pri {
        let facility = FACILITIES.get(usize::from(pri / 8)).copied().unwrap_or("?");
        let severity = SEVERITIES.get(usize::from(pri % 8)).copied().unwrap_or("?");
        f.push("facility", facility);
        f.push("severity", severity);
    }
    if let Some(y) = parts.stamp.year_source {
        f.push("syslog_year_source", y);
    }
    if let Some(sd) = parts.structured {
        push_structured(sd, &mut ev);
    }
    ev.fields.push("message", parts.message);
    ev.message = parts.message.to_string();
    authlog::enrich(parts.program.unwrap_or_default(), parts.message, &mut ev);
    ev
}
