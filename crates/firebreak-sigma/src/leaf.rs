//! Leaf semantics shared by both evaluators: numbers, times, CIDR, field references.

use crate::modifier::{Cidr, Cmp, How, TimePart};
use crate::pattern::fold;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use firebreak_event::Event;
use std::net::IpAddr;

/// A field value as a number: decimal (integer or float) or `0x` hexadecimal.
pub(crate) fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok().map(|n| n as f64);
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

pub(crate) fn num_holds(s: &str, cmp: Cmp, n: f64) -> bool {
    number(s).is_some_and(|x| cmp.holds(x, n))
}

pub(crate) fn cidr_holds(s: &str, c: &Cidr) -> bool {
    s.trim().parse::<IpAddr>().is_ok_and(|ip| c.contains(ip))
}

/// A date-time value as UTC: RFC 3339, or `YYYY-MM-DD[ T]HH:MM:SS[.f][Z]`.
pub(crate) fn time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.naive_utc());
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

pub(crate) fn time_part(t: &NaiveDateTime, part: TimePart) -> i64 {
    i64::from(match part {
        TimePart::Minute => t.minute(),
        TimePart::Hour => t.hour(),
        TimePart::Day => t.day(),
        TimePart::Week => t.iso_week().week(),
        TimePart::Month => t.month(),
        TimePart::Year => return i64::from(t.year()),
    })
}

pub(crate) fn time_holds(s: &str, part: TimePart, cmp: Cmp, value: i64) -> bool {
    time(s).is_some_and(|t| cmp.holds(time_part(&t, part), value))
}

/// Field names that stand for the event's own timestamp when the event has no such field.
pub(crate) fn timestamp_alias(e: &Event, field: &str) -> Option<String> {
    matches!(field, "timestamp" | "@timestamp" | "_time").then(|| e.timestamp.to_rfc3339())
}

/// A field reference comparison: `value` against the other field's `other`.
pub(crate) fn fieldref_holds(value: &str, other: &str, how: How, cased: bool) -> bool {
    let (v, o) = if cased {
        (value.to_string(), other.to_string())
    } else {
        (fold(value), fold(other))
    };
    match how {
        How::Equals => v == o,
        How::Contains => v.contains(&o),
        How::StartsWith => v.starts_with(&o),
        How::EndsWith => v.ends_with(&o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times() {
        assert_eq!(number("0x10"), Some(16.0));
        assert_eq!(number(" 42 "), Some(42.0));
        assert_eq!(number("x"), None);
        let t = time("2019-03-02 08:51:00.008").unwrap();
        assert_eq!(time_part(&t, TimePart::Hour), 8);
        let t = time("2019-03-02T23:51:00.0080000Z").unwrap();
        assert_eq!(time_part(&t, TimePart::Hour), 23);
        assert_eq!(time_part(&t, TimePart::Week), 9);
    }
}
