//! Pieces shared by the syslog and NetScaler readers: the line loop, RFC 3164's
//! year-less and zone-less timestamps, ISO 8601 times with offsets, and local times
//! read in the assumed zone.
//!
//! ## Years of RFC 3164 timestamps
//! `Nov 24 21:14:03` has no year. The year of a file's first such line comes from, in
//! order:
//! 1. [`ReadOptions::syslog_year`](crate::ReadOptions) — the year of the first line;
//! 2. the file's mtime ([`ReadContext::file_mtime`], read in the source zone): the
//!    mtime's year, or the year before when the line's month/day lies after the
//!    mtime's month/day (a file is not written after it was last modified);
//! 3. neither known: the line is **rejected** with a reason naming both options. A
//!    silently assumed current year would make the timeline wrong by whole years and
//!    change with the day the tool runs; a rejection is visible and fixed by passing
//!    the year.
//!
//! After the first line, each line's year follows the running line's:
//! * more than about a month *earlier* in the year than the running line (Dec → Jan):
//!   New Year, the year rolls over;
//! * more than about eleven months *later* (a late `Dec 31` line after `Jan 1`): a late
//!   line from the year before; the running year and date stay;
//! * otherwise the same year (small steps back are reordering, not a new year).
//!
//! With an mtime, a line that would lie after the mtime is given the year before.
//!
//! Each RFC 3164 event records where its year came from in the field
//! `syslog_year_source` (`option` or `file_mtime`).

use crate::{ReadContext, ReadError};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use firebreak_event::{Event, EventSink, Location, Timestamp, TzPolicy};
use std::io::BufRead;

/// Read `input` line by line; every non-blank line becomes one event or one rejection.
///
/// Blank (empty or whitespace-only) lines are not records: they are skipped without an
/// event or a rejection, as syslog daemons never write them and editors often append them.
pub(crate) fn read_lines(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
    mut parse: impl FnMut(&str, Location) -> Result<Event, String>,
) -> Result<(), ReadError> {
    crate::textcommon::each_line(input, ctx, sink, |number, line, sink| {
        sink.accept(parse(line, Location::Line(number))?);
        Ok(crate::textcommon::LineOutcome::Accepted)
    })
}

/// Most fields one event gets from a line; the rest stays in the message. A bound
/// because `Fields::push` renames duplicates by searching, and hostile lines can repeat
/// a key thousands of times.
pub(crate) const MAX_FIELDS: usize = 128;

/// At most 60 characters of `s`, for rejection reasons.
pub(crate) fn snippet(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// Two ASCII digits at `b[i..i+2]`.
pub(crate) fn digits2(b: &[u8], i: usize) -> Option<u32> {
    digits(b.get(i..i + 2)?)
}

/// All-digit bytes as a number (at most 9 digits).
pub(crate) fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Month number from an English abbreviation (`Jan`, case-insensitive).
pub(crate) fn month_from_abbr(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let m = [
        b.first()?.to_ascii_lowercase(),
        b.get(1)?.to_ascii_lowercase(),
        b.get(2)?.to_ascii_lowercase(),
    ];
    MONTHS.iter().position(|x| **x == m).map(|i| i as u32 + 1)
}

/// A time of day with microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub micros: u32,
}

/// `hh:mm:ss` at `b[i..]`, then an optional `.fraction`; returns the clock and the index
/// after it.
pub(crate) fn parse_clock(b: &[u8], i: usize) -> Option<(Clock, usize)> {
    if b.get(i + 2) != Some(&b':') || b.get(i + 5) != Some(&b':') {
        return None;
    }
    let mut clock = Clock {
        hour: digits2(b, i)?,
        min: digits2(b, i + 3)?,
        sec: digits2(b, i + 6)?,
        micros: 0,
    };
    let mut end = i + 8;
    if b.get(end) == Some(&b'.') {
        let (micros, after) = parse_fraction(b, end + 1)?;
        clock.micros = micros;
        end = after;
    }
    Some((clock, end))
}

/// Fraction digits at `b[i..]` as microseconds (extra digits are truncated).
fn parse_fraction(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let mut end = i;
    let mut micros = 0u32;
    while let Some(c) = b.get(end).filter(|c| c.is_ascii_digit()) {
        if end - i < 6 {
            micros = micros * 10 + u32::from(c - b'0');
        }
        end += 1;
    }
    if end == i {
        return None;
    }
    for _ in (end - i)..6 {
        micros *= 10;
    }
    Some((micros, end))
}

/// An RFC 3164 timestamp: month, day and time, no year, no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShortDate {
    pub month: u32,
    pub day: u32,
    pub clock: Clock,
}

/// `Mmm dd hh:mm:ss` (day space-padded or not, optional fraction) at the start of `s`;
/// returns the date and the byte length of the timestamp.
pub(crate) fn parse_3164(s: &str) -> Option<(ShortDate, usize)> {
    let b = s.as_bytes();
    let month = month_from_abbr(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let day_len = if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        2
    } else {
        1
    };
    let day = digits(b.get(i..i + day_len)?)?;
    i += day_len;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    let (clock, end) = parse_clock(b, i + 1)?;
    Some((ShortDate { month, day, clock }, end))
}

/// Builds a naive date-time, `None` when a component is out of range.
pub(crate) fn naive(year: i32, month: u32, day: u32, clock: Clock) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, month, day)?.and_hms_micro_opt(
        clock.hour,
        clock.min,
        clock.sec,
        clock.micros,
    )
}

/// A UTC instant from a naive time and an offset in seconds east of UTC.
pub(crate) fn with_offset(n: NaiveDateTime, offset_secs: i64) -> Result<Timestamp, String> {
    let micros = n
        .and_utc()
        .timestamp_micros()
        .checked_sub(offset_secs * 1_000_000);
    micros
        .and_then(|m| Timestamp::from_micros(m).ok())
        .ok_or_else(|| format!("time {n} is out of range (years 1601..=9999)"))
}

/// The zone assumed for times written without one, and its policy tag.
#[derive(Debug, Clone)]
pub(crate) struct LocalZone {
    pub tz: Tz,
    pub policy: TzPolicy,
}

impl LocalZone {
    pub fn new(tz: Tz) -> LocalZone {
        LocalZone {
            tz,
            policy: TzPolicy::Assumed(tz.name().to_string()),
        }
    }

    /// A local time in this zone as UTC. In a DST fold the earlier instant is taken;
    /// in a (one-hour) DST gap the time is read with the offset in force just before
    /// the gap, which is the same instant as one hour later read after the gap.
    pub fn to_utc(&self, n: NaiveDateTime) -> Result<Timestamp, String> {
        if self.tz == Tz::UTC {
            return with_offset(n, 0);
        }
        let local = match self.tz.from_local_datetime(&n).earliest() {
            Some(t) => Some(t),
            None => n
                .checked_add_signed(chrono::Duration::hours(1))
                .and_then(|later| self.tz.from_local_datetime(&later).earliest()),
        };
        local
            .and_then(|t| Timestamp::from_datetime(&t).ok())
            .ok_or_else(|| format!("time {n} is out of range (years 1601..=9999)"))
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM|±HHMM)`: RFC 3339 / rsyslog's high-precision
/// format. Returns the instant; the error names what is wrong.
pub(crate) fn parse_iso_offset(s: &str) -> Result<Timestamp, String> {
    let bad = || format!("unparseable ISO 8601 timestamp '{}'", snippet(s));
    let b = s.as_bytes();
    let date_ok = b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-');
    let sep_ok = matches!(b.get(10), Some(b'T' | b't' | b' '));
    if !date_ok || !sep_ok {
        return Err(bad());
    }
    let year = b.get(..4).and_then(digits).ok_or_else(bad)?;
    let month = digits2(b, 5).ok_or_else(bad)?;
    let day = digits2(b, 8).ok_or_else(bad)?;
    let (clock, end) = parse_clock(b, 11).ok_or_else(bad)?;
    let offset = parse_offset(b.get(end..).unwrap_or_default()).ok_or_else(bad)?;
    let n = naive(year as i32, month, day, clock)
        .ok_or_else(|| format!("invalid date or time in '{}'", snippet(s)))?;
    with_offset(n, offset)
}

/// `Z`, `+HH:MM`, `-HH:MM`, `+HHMM` as seconds east of UTC; nothing else may follow.
fn parse_offset(b: &[u8]) -> Option<i64> {
    let sign = match b.first()? {
        b'Z' | b'z' if b.len() == 1 => return Some(0),
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h = digits2(b, 1)?;
    let m = match b.len() {
        6 if b.get(3) == Some(&b':') => digits2(b, 4)?,
        5 => digits2(b, 3)?,
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * i64::from(h * 3600 + m * 60))
}

/// Where the first year comes from (see the module docs).
#[derive(Debug, Clone, Copy)]
enum YearBase {
    Option(i32),
    Mtime { year: i32, month: u32, day: u32 },
    Unknown,
}

/// Assigns years to RFC 3164 timestamps in file order, with New Year rollover.
#[derive(Debug, Clone)]
pub(crate) struct YearResolver {
    base: YearBase,
    /// Year and position in the year (`month * 32 + day`) of the running line.
    current: Option<(i32, u32)>,
}

impl YearResolver {
    pub fn new(ctx: &ReadContext) -> YearResolver {
        let base = match (ctx.options.syslog_year, ctx.file_mtime) {
            (Some(year), _) => YearBase::Option(year),
            (None, Some(mtime)) => {
                let local = mtime.to_datetime().with_timezone(&ctx.options.source_tz);
                YearBase::Mtime {
                    year: local.year(),
                    month: local.month(),
                    day: local.day(),
                }
            }
            (None, None) => YearBase::Unknown,
        };
        YearResolver {
            base,
            current: None,
        }
    }

    /// Where the year comes from, for the `syslog_year_source` field.
    pub fn source(&self) -> &'static str {
        match self.base {
            YearBase::Option(_) => "option",
            YearBase::Mtime { .. } => "file_mtime",
            YearBase::Unknown => "unknown",
        }
    }

    /// The year of a line dated `month`/`day`.
    pub fn year_for(&mut self, month: u32, day: u32) -> Result<i32, String> {
        // Position in the year in "days" of a 32-day month: monotone, cheap.
        let pos = month * 32 + day;
        let (year, running) = match self.current {
            None => (self.first_year(month, day)?, true),
            Some((year, last)) if pos + 32 < last => (year + 1, true),
            Some((year, last)) if pos > last + 32 * 11 => (year - 1, false),
            Some((year, _)) => (year, true),
        };
        if let YearBase::Mtime {
            year: y,
            month: m,
            day: d,
        } = self.base
        {
            if (year, month, day) > (y, m, d) {
                // Would lie after the mtime: a late line from the year before.
                return Ok(year - 1);
            }
        }
        if running {
            self.current = Some((year, pos));
        }
        Ok(year)
    }

    fn first_year(&self, month: u32, day: u32) -> Result<i32, String> {
        match self.base {
            YearBase::Option(year) => Ok(year),
            YearBase::Mtime {
                year,
                month: m,
                day: d,
            } => Ok(if (month, day) > (m, d) {
                year - 1
            } else {
                year
            }),
            YearBase::Unknown => Err("RFC 3164 timestamp has no year and neither \
                 ReadOptions::syslog_year nor the file's mtime is known"
                .to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_3164_variants() {
        let (d, n) = parse_3164("Nov  4 01:02:03 host").unwrap();
        assert_eq!((d.month, d.day, d.clock.sec, n), (11, 4, 3, 15));
        let (d, n) = parse_3164("Dec 24 21:14:03.250 x").unwrap();
        assert_eq!((d.day, d.clock.micros, n), (24, 250_000, 19));
        assert!(parse_3164("Foo 24 21:14:03").is_none());
        assert!(parse_3164("Nov 24 21:14").is_none());
    }

    #[test]
    fn parses_iso_offsets() {
        let t = parse_iso_offset("2026-11-24T21:14:03.123456+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T20:14:03.123456Z");
        let t = parse_iso_offset("2026-11-24T21:14:03Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T21:14:03.000000Z");
        assert!(parse_iso_offset("2026-11-24T21:14:03").is_err());
        assert!(parse_iso_offset("2026-13-24T21:14:03Z").is_err());
    }

    #[test]
    fn year_rolls_over_and_takes_late_lines_back() {
        let mut ctx = ReadContext::new("t");
        ctx.options.syslog_year = Some(2025);
        let mut y = YearResolver::new(&ctx);
        assert_eq!(y.year_for(12, 31).unwrap(), 2025);
        assert_eq!(y.year_for(1, 1).unwrap(), 2026);
        assert_eq!(y.year_for(12, 31).unwrap(), 2025);
        assert_eq!(y.year_for(2, 1).unwrap(), 2026);
        assert_eq!(y.year_for(1, 31).unwrap(), 2026);
        assert_eq!(y.year_for(12, 1).unwrap(), 2026);
        assert_eq!(y.year_for(1, 2).unwrap(), 2027);
    }

    #[test]
    fn dst_gap_and_fold_are_resolved() {
        let z = LocalZone::new(chrono_tz::Europe::Berlin);
        let gap = naive(
            2026,
            3,
            29,
            Clock {
                hour: 2,
                min: 30,
                sec: 0,
                micros: 0,
            },
        )
        .unwrap();
        assert_eq!(
            z.to_utc(gap).unwrap().to_rfc3339(),
            "2026-03-29T01:30:00.000000Z"
        );
        let fold = naive(
            2026,
            10,
            25,
            Clock {
                hour: 2,
                min: 30,
                sec: 0,
                micros: 0,
            },
        )
        .unwrap();
        assert_eq!(
            z.to_utc(fold).unwrap().to_rfc3339(),
            "2026-10-25T00:30:00.000000Z"
        );
    }
}
