//! What CSV rows and JSON Lines objects share once split into named values: finding
//! and reading the time, recognising obvious column names, building the event.

use crate::textcommon::{
    all_digits, dash, frac_micros, parse_clock, parse_offset, resolve_time, truncate_chars,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use firebreak_event::{desc, Event, Fields, Location, SourceKind, Timestamp, TzPolicy};

/// Column names that say "this is the event time", best first (case-insensitive).
const TIME_NAMES: [&str; 16] = [
    "@timestamp",
    "timestamp",
    "datetime",
    "date_time",
    "_time",
    "eventtime",
    "event_time",
    "timecreated",
    "utctime",
    "time_generated",
    "timegenerated",
    "time",
    "ts",
    "created_at",
    "date",
    "_ts",
];

/// A normalised field an obviously named column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Host,
    User,
    SrcIp,
    DstIp,
    Message,
    Url,
    Domain,
    EventId,
    TimestampDesc,
}

const ROLES: [(Role, &[&str]); 9] = [
    (
        Role::Host,
        &[
            "host",
            "hostname",
            "host.name",
            "computer",
            "computername",
            "computer_name",
        ],
    ),
    (
        Role::User,
        &["user", "username", "user.name", "user_name", "account_name"],
    ),
    (
        Role::SrcIp,
        &[
            "src_ip",
            "source_ip",
            "srcip",
            "source.ip",
            "client_ip",
            "clientip",
            "c-ip",
            "src",
        ],
    ),
    (
        Role::DstIp,
        &[
            "dst_ip",
            "dest_ip",
            "destination_ip",
            "dstip",
            "destination.ip",
            "dst",
        ],
    ),
    (Role::Message, &["message", "msg"]),
    (Role::Url, &["url", "uri", "url.full", "request_url"]),
    (Role::Domain, &["domain", "url.domain"]),
    (Role::EventId, &["event_id", "eventid", "event.code"]),
    (Role::TimestampDesc, &["timestamp_desc"]),
];

/// The role of a column name, if it is an obvious one.
pub(crate) fn role_of(name: &str) -> Option<Role> {
    ROLES
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .map(|(r, _)| *r)
}

/// Rank of a time-like column name (0 = best); the last dotted segment counts too.
pub(crate) fn time_name_rank(name: &str) -> Option<usize> {
    let last = name.rsplit('.').next().unwrap_or(name);
    TIME_NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(last))
}

/// The best time-like name among `names`, by index.
pub(crate) fn best_time_name<'a>(names: impl Iterator<Item = &'a str>) -> Option<usize> {
    names
        .enumerate()
        .filter_map(|(i, n)| time_name_rank(n).map(|r| (r, i)))
        .min()
        .map(|(_, i)| i)
}

/// A parsed time and how it was read.
#[derive(Debug, Clone)]
pub(crate) struct TimeValue {
    pub timestamp: Timestamp,
    pub policy: TzPolicy,
    pub original: String,
}

/// Read a time value: RFC 3339/ISO 8601 (`T` or space, optional fraction and offset),
/// `YYYY/MM/DD ...`, `MM/DD/YYYY HH:MM:SS[ AM|PM]` (day first when the first number is
/// above 12), RFC 2822, or epoch seconds/ms/µs/ns by magnitude. Naive times are in
/// `tz`. `strict` (used when guessing the column) accepts epoch numbers only for
/// 1990..2100.
pub(crate) fn parse_time(value: &str, tz: Tz, strict: bool) -> Option<TimeValue> {
    let s = value.trim();
    let (timestamp, policy) = if let Some(ts) = parse_epoch(s, strict) {
        (ts, TzPolicy::SourceZone)
    } else if let Some((naive, offset)) = parse_iso(s).or_else(|| parse_us(s)) {
        resolve_time(&naive, offset, tz).ok()?
    } else if s.contains(',') {
        let dt = DateTime::parse_from_rfc2822(s).ok()?;
        (Timestamp::from_datetime(&dt).ok()?, TzPolicy::SourceZone)
    } else {
        return None;
    };
    Some(TimeValue {
        timestamp,
        policy,
        original: s.to_string(),
    })
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds, by magnitude.
fn parse_epoch(s: &str, strict: bool) -> Option<Timestamp> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || int.len() > 19 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let v: i64 = int.parse().ok()?;
    let frac_us = i64::from(frac_micros(frac));
    let micros = match v {
        0..=99_999_999_999 => v.checked_mul(1_000_000)?.checked_add(frac_us)?,
        100_000_000_000..=99_999_999_999_999 => v.checked_mul(1_000)?,
        100_000_000_000_000..=99_999_999_999_999_999 => v,
        _ => v / 1_000,
    };
    const Y1990: i64 = 631_152_000_000_000;
    const Y2100: i64 = 4_102_444_800_000_000;
    if strict && !(Y1990..Y2100).contains(&micros) {
        return None;
    }
    Timestamp::from_micros(micros).ok()
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][ ][Z|±HH[:MM]|UTC]`, also with `/` in the date.
fn parse_iso(s: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let b = s.as_bytes();
    let sep = *b.get(4)?;
    if !matches!(sep, b'-' | b'/') || b.get(7) != Some(&sep) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|x| all_digits(x))
            .and_then(|x| x.parse::<u32>().ok())
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some((date.and_time(chrono::NaiveTime::MIN), None));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset) = clock_and_zone(rest)?;
    Some((date.and_time(clock), offset))
}

/// `HH:MM[:SS[.f]]` followed by an optional zone.
fn clock_and_zone(s: &str) -> Option<(chrono::NaiveTime, Option<i32>)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ':' | '.' | ',')))
        .unwrap_or(s.len());
    let clock = parse_clock(s.get(..end)?)?;
    let zone = s.get(end..)?.trim();
    let offset = match zone {
        "" => None,
        z => Some(parse_offset(z)?),
    };
    Some((clock, offset))
}

/// `MM/DD/YYYY[ HH:MM[:SS]][ AM|PM]`; day first when the first number exceeds 12.
fn parse_us(s: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let (date, rest) = s.split_once(' ').unwrap_or((s, ""));
    let mut parts = date.split('/');
    let a: u32 = parts.next()?.parse().ok()?;
    let b: u32 = parts.next()?.parse().ok()?;
    let year_text = parts.next()?;
    if year_text.len() != 4 || parts.next().is_some() {
        return None;
    }
    let year: i32 = year_text.parse().ok()?;
    let (month, day) = if a > 12 { (b, a) } else { (a, b) };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some((date.and_time(chrono::NaiveTime::MIN), None));
    }
    let (clock_text, ampm) = match rest.rsplit_once(' ') {
        Some((c, m)) if m.eq_ignore_ascii_case("AM") || m.eq_ignore_ascii_case("PM") => {
            (c, Some(m.eq_ignore_ascii_case("PM")))
        }
        _ => (rest, None),
    };
    let (clock, offset) = clock_and_zone(clock_text)?;
    let clock = apply_ampm(clock, ampm)?;
    Some((date.and_time(clock), offset))
}

fn apply_ampm(t: chrono::NaiveTime, pm: Option<bool>) -> Option<chrono::NaiveTime> {
    use chrono::Timelike;
    let Some(pm) = pm else {
        return Some(t);
    };
    let h = t.hour();
    if h == 0 || h > 12 {
        return None;
    }
    let h24 = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, true) => h + 12,
        (h, false) => h,
    };
    t.with_hour(h24)
}

/// Two columns `date` and `time` read together.
pub(crate) fn parse_date_and_time(date: &str, time: &str, tz: Tz) -> Option<TimeValue> {
    parse_time(&format!("{} {}", date.trim(), time.trim()), tz, false)
}

/// Build the event of a row/object from its named values.
pub(crate) fn build_event(
    kind: SourceKind,
    number: u64,
    time: TimeValue,
    pairs: Vec<(String, String)>,
    roles: &[Option<Role>],
    time_idx: Option<usize>,
) -> Event {
    let mut e = Event::new(time.timestamp, kind, Location::Line(number));
    e.time_original = time.original;
    e.tz_policy = time.policy;
    e.timestamp_desc = desc::EVENT_LOGGED.to_string();
    for ((_, value), role) in pairs.iter().zip(roles) {
        if let Some(role) = role {
            apply_role(&mut e, *role, value);
        }
    }
    if e.message.is_empty() {
        e.message = summary(&pairs, time_idx);
    }
    e.fields = pairs.into_iter().collect::<Fields>();
    e
}

fn apply_role(e: &mut Event, role: Role, value: &str) {
    let Some(v) = dash(value.trim()) else {
        return;
    };
    let slot = match role {
        Role::Message => {
            if e.message.is_empty() {
                e.message = v.to_string();
            }
            return;
        }
        Role::TimestampDesc => {
            e.timestamp_desc = v.to_string();
            return;
        }
        Role::Host => &mut e.host,
        Role::User => &mut e.user.name,
        Role::SrcIp => &mut e.network.src_ip,
        Role::DstIp => &mut e.network.dst_ip,
        Role::Url => &mut e.url,
        Role::Domain => &mut e.domain,
        Role::EventId => &mut e.event_id,
    };
    slot.get_or_insert_with(|| v.to_string());
}

/// `k=v k=v ...` of the non-empty values except the time, at most 512 bytes.
fn summary(pairs: &[(String, String)], time_idx: Option<usize>) -> String {
    let mut m = String::with_capacity(128);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if Some(i) == time_idx || v.is_empty() {
            continue;
        }
        if !m.is_empty() {
            m.push(' ');
        }
        m.push_str(k);
        m.push('=');
        m.push_str(v);
        if m.len() > 512 {
            break;
        }
    }
    truncate_chars(&mut m, 512);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        parse_time(s, Tz::UTC, false).map(|v| v.timestamp.to_rfc3339())
    }

    #[test]
    fn time_forms() {
        let want = Some("2024-03-01T10:20:30.500000Z".to_string());
        assert_eq!(t("2024-03-01T10:20:30.5Z"), want);
        assert_eq!(t("2024-03-01 12:20:30.500+02:00"), want);
        assert_eq!(t("2024-03-01T10:20:30.5 +0000"), want);
        assert_eq!(t("2024/03/01 10:20:30.5"), want);
        assert_eq!(t("1709288430.5"), want);
        assert_eq!(t("1709288430500"), want);
        assert_eq!(t("1709288430500000"), want);
        assert_eq!(t("1709288430500000000"), want);
        assert_eq!(t("03/01/2024 10:20:30.5 AM"), want);
        assert_eq!(
            t("Fri, 01 Mar 2024 10:20:30 +0000").unwrap(),
            "2024-03-01T10:20:30.000000Z"
        );
        assert_eq!(t("2024-13-01T00:00:00Z"), None);
        assert_eq!(t("hello"), None);
        assert!(parse_time("12345", Tz::UTC, true).is_none());
    }

    #[test]
    fn naive_times_use_the_source_zone() {
        let v = parse_time("2024-07-01 12:00:00", chrono_tz::Europe::Berlin, false).unwrap();
        assert_eq!(v.timestamp.to_rfc3339(), "2024-07-01T10:00:00.000000Z");
        assert_eq!(v.policy, TzPolicy::Assumed("Europe/Berlin".into()));
    }

    #[test]
    fn names() {
        assert_eq!(role_of("HostName"), Some(Role::Host));
        assert_eq!(time_name_rank("Event.TimeCreated"), Some(7));
        assert_eq!(
            best_time_name(["x", "date", "Timestamp"].into_iter()),
            Some(2)
        );
    }
}
