//! Helpers shared by the line-oriented readers (web, IIS, Squid, bodyfile, CSV/JSONL):
//! the record loop, `-` handling, URL splitting, epoch and local-time conversion.

use crate::{EventSink, Line, Lines, ReadContext, ReadError, Rejected};
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use firebreak_event::{Location, Timestamp, TzPolicy};
use std::io::BufRead;

/// What a line parser made of one line.
pub(crate) enum LineOutcome {
    /// The line produced events (already accepted): the record is done.
    Accepted,
    /// A header, comment or otherwise not a record.
    NotARecord,
}

/// Run `parse` on every non-blank line of `input`.
///
/// Blank lines are not records. A line longer than `max_line_bytes` is rejected. For
/// every other line `parse` either accepts its events into the sink and returns
/// `Ok(Accepted)` (the loop then calls `record_done`), returns `Ok(NotARecord)`, or
/// returns `Err(reason)` *without having accepted anything* (the loop rejects the line).
pub(crate) fn each_line<F>(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
    mut parse: F,
) -> Result<(), ReadError>
where
    F: FnMut(u64, &str, &mut dyn EventSink) -> Result<LineOutcome, String>,
{
    let max = ctx.options.max_line_bytes;
    let mut lines = Lines::after(input, max, ctx.lines_before);
    while let Some(line) = lines.next_line()? {
        let (number, text) = match line {
            Line::Text { number, text } => (number, text),
            Line::TooLong { number, len } => {
                sink.reject(too_long(number, len, max));
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse(number, &text, sink) {
            Ok(LineOutcome::Accepted) => sink.record_done(),
            Ok(LineOutcome::NotARecord) => {}
            Err(reason) => sink.reject(Rejected {
                location: Location::Line(number),
                reason,
            }),
        }
    }
    Ok(())
}

pub(crate) fn too_long(number: u64, len: u64, max: usize) -> Rejected {
    Rejected {
        location: Location::Line(number),
        reason: format!("line is {len} bytes, longer than the limit of {max} bytes"),
    }
}

/// `None` for the "no value" markers `-` and the empty string.
pub(crate) fn dash(s: &str) -> Option<&str> {
    match s {
        "" | "-" => None,
        _ => Some(s),
    }
}

/// `Some(owned)` unless `s` is `-` or empty.
pub(crate) fn dash_owned(s: &str) -> Option<String> {
    dash(s).map(str::to_string)
}

/// Split a request target into path and query (without the `?`).
pub(crate) fn split_query(uri: &str) -> (&str, Option<&str>) {
    match uri.split_once('?') {
        Some((stem, query)) => (stem, Some(query)),
        None => (uri, None),
    }
}

/// The extension of the last path segment (`gif` for `/a/b.gif?x`), if any.
pub(crate) fn uri_extension(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 16).then_some(ext)
}

/// `GET /path?q -> 200 (2326 bytes) from 1.2.3.4`; the request text is used as-is.
pub(crate) fn request_message(
    request: &str,
    status: &str,
    bytes: Option<u64>,
    client: &str,
) -> String {
    let mut m = String::with_capacity(request.len() + client.len() + 32);
    m.push_str(request);
    m.push_str(" -> ");
    m.push_str(status);
    if let Some(b) = bytes {
        m.push_str(" (");
        m.push_str(&b.to_string());
        m.push_str(" bytes)");
    }
    if !client.is_empty() && client != "-" {
        m.push_str(" from ");
        m.push_str(client);
    }
    m
}

/// A decimal number of seconds (`1732482843.123`, `-5`, `17.5e0` is not accepted)
/// as microseconds; digits past the sixth decimal are truncated.
pub(crate) fn decimal_secs_to_micros(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || int.len() > 15 {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    let mut micros: i64 = 0;
    for (i, b) in frac.bytes().take(6).enumerate() {
        micros += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
    }
    let total = secs.checked_mul(1_000_000)?.checked_add(micros)?;
    Some(if neg { -total } else { total })
}

pub(crate) fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Epoch seconds (maybe fractional) as a timestamp, with a reason on failure.
pub(crate) fn epoch_secs(s: &str) -> Result<Timestamp, String> {
    let micros = decimal_secs_to_micros(s).ok_or_else(|| format!("bad epoch time {s:?}"))?;
    Timestamp::from_micros(micros).map_err(|e| e.to_string())
}

/// A local time in `tz` to UTC. Ambiguous times (DST fall-back) take the earlier
/// instant; times in a DST gap are rejected.
pub(crate) fn local_to_utc(naive: &NaiveDateTime, tz: Tz) -> Result<Timestamp, String> {
    if tz == Tz::UTC {
        return Timestamp::from_naive_utc(naive).map_err(|e| e.to_string());
    }
    let dt = tz
        .from_local_datetime(naive)
        .earliest()
        .ok_or_else(|| format!("{naive} does not exist in {}", tz.name()))?;
    Timestamp::from_datetime(&dt).map_err(|e| e.to_string())
}

/// The policy for a time read in the assumed zone `tz`.
pub(crate) fn assumed(tz: Tz) -> TzPolicy {
    TzPolicy::Assumed(tz.name().to_string())
}

/// Cut `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate_chars(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut cut = max;
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s.push('…');
}

/// `HH:MM:SS[.ffffff]`.
pub(crate) fn parse_clock(s: &str) -> Option<chrono::NaiveTime> {
    let (hms, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    let mut it = hms.split(':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let sec: u32 = it.next().unwrap_or("0").parse().ok()?;
    if it.next().is_some() || !all_digits(frac) {
        return None;
    }
    let micros = frac_micros(frac);
    chrono::NaiveTime::from_hms_micro_opt(h, m, sec.min(59), micros)
}

/// Up to six fraction digits as microseconds (`"5"` → 500000).
pub(crate) fn frac_micros(frac: &str) -> u32 {
    let mut v = 0u32;
    for i in 0..6 {
        let d = frac
            .as_bytes()
            .get(i)
            .map_or(0, |b| u32::from(b.wrapping_sub(b'0')) % 10);
        v = v * 10 + d;
    }
    v
}

/// `+0300`, `-07:00`, `+03`, `Z`, `UTC` → seconds east of UTC.
pub(crate) fn parse_offset(z: &str) -> Option<i32> {
    if z.eq_ignore_ascii_case("z") || z == "GMT" || z == "UTC" {
        return Some(0);
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, z.get(1..)?),
        b'-' => (-1, z.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !matches!(digits.len(), 2 | 4) || !all_digits(&digits) {
        return None;
    }
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    (h < 24 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// Local time plus optional offset → UTC; without an offset `tz` is assumed.
pub(crate) fn resolve_time(
    naive: &NaiveDateTime,
    offset: Option<i32>,
    tz: Tz,
) -> Result<(Timestamp, TzPolicy), String> {
    match offset {
        Some(off) => {
            let utc = naive
                .checked_sub_signed(chrono::Duration::seconds(i64::from(off)))
                .ok_or_else(|| format!("time {naive} out of range"))?;
            let ts = Timestamp::from_naive_utc(&utc).map_err(|e| e.to_string())?;
            Ok((ts, TzPolicy::SourceZone))
        }
        None => Ok((local_to_utc(naive, tz)?, assumed(tz))),
    }
}

/// `www.example.com:443` → `www.example.com`; `[::1]:80` → `::1`.
pub(crate) fn host_without_port(h: &str) -> &str {
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(host, _)| host);
    }
    match h.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && all_digits(port) => host,
        _ => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_seconds() {
        assert_eq!(
            decimal_secs_to_micros("1732482843.123"),
            Some(1_732_482_843_123_000)
        );
        assert_eq!(decimal_secs_to_micros("-1.5"), Some(-1_500_000));
        assert_eq!(decimal_secs_to_micros("1.1234567"), Some(1_123_456));
        assert_eq!(decimal_secs_to_micros("1e5"), None);
        assert_eq!(decimal_secs_to_micros("."), None);
        assert_eq!(decimal_secs_to_micros("99999999999999999999"), None);
    }

    #[test]
    fn uri_parts() {
        assert_eq!(split_query("/a.gif?x=1"), ("/a.gif", Some("x=1")));
        assert_eq!(uri_extension("/a/b.GIF"), Some("GIF"));
        assert_eq!(uri_extension("/a.d/b"), None);
    }
}
