//! Turning command-line text into library options.

use crate::cli::{DateOrderArg, ReadArgs};
use anyhow::{anyhow, Context, Result};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use firebreak_readers::{DateOrder, ReadOptions};

pub fn zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|e| anyhow!("unknown time zone {name:?}: {e}"))
}

pub fn read_options(a: &ReadArgs) -> Result<ReadOptions> {
    Ok(ReadOptions {
        source_tz: zone(&a.source_tz).context("--source-tz")?,
        syslog_year: a.year,
        netscaler_date_order: match a.netscaler_date {
            DateOrderArg::Mdy => DateOrder::MonthFirst,
            DateOrderArg::Dmy => DateOrder::DayFirst,
        },
        time_field: a.time_field.clone(),
        threads: a.threads,
        ..ReadOptions::default()
    })
}

/// Parse a user-given time: RFC 3339, or a date / date-time in `tz`. Microseconds.
pub fn user_time(s: &str, tz: Tz) -> Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_micros());
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .ok_or_else(|| anyhow!("cannot read time {s:?} (use RFC 3339 or YYYY-MM-DD[ HH:MM[:SS]])"))?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_micros())
        .ok_or_else(|| anyhow!("time {s:?} does not exist in zone {tz}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_times() {
        let berlin = zone("Europe/Berlin").unwrap();
        assert_eq!(
            user_time("2026-11-24T02:00:00Z", berlin).unwrap(),
            1_795_485_600_000_000
        );
        assert_eq!(
            user_time("2026-11-24 03:00", berlin).unwrap(),
            1_795_485_600_000_000
        );
        assert!(user_time("yesterday", berlin).is_err());
    }
}
