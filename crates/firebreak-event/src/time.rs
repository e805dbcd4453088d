use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A UTC instant, microseconds since the Unix epoch. Range: years 1601..=9999
/// (FILETIME's start to what ISO 8601 writes with four digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("timestamp out of range (years 1601..=9999): {0}")]
    OutOfRange(String),
}

/// 1601-01-01T00:00:00Z in microseconds.
const MIN_MICROS: i64 = -11_644_473_600_000_000;
/// 9999-12-31T23:59:59.999999Z in microseconds.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

impl Timestamp {
    pub fn from_micros(us: i64) -> Result<Timestamp, TimestampError> {
        if (MIN_MICROS..=MAX_MICROS).contains(&us) {
            Ok(Timestamp(us))
        } else {
            Err(TimestampError::OutOfRange(us.to_string()))
        }
    }
    pub fn from_secs(s: i64) -> Result<Timestamp, TimestampError> {
        s.checked_mul(1_000_000)
            .ok_or_else(|| TimestampError::OutOfRange(s.to_string()))
            .and_then(Timestamp::from_micros)
    }
    pub fn from_datetime<Tz: TimeZone>(dt: &DateTime<Tz>) -> Result<Timestamp, TimestampError> {
        Timestamp::from_micros(dt.timestamp_micros())
    }
    /// A naive time read as UTC.
    pub fn from_naive_utc(n: &NaiveDateTime) -> Result<Timestamp, TimestampError> {
        Timestamp::from_micros(n.and_utc().timestamp_micros())
    }
    pub fn micros(self) -> i64 {
        self.0
    }
    pub fn to_datetime(self) -> DateTime<Utc> {
        // In range by construction.
        DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }
    /// RFC 3339 with microseconds and `Z`.
    pub fn to_rfc3339(self) -> String {
        format_rfc3339_micros(&self.to_datetime())
    }
    /// Parse RFC 3339 / ISO 8601 with an offset.
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimestampError> {
        DateTime::parse_from_rfc3339(s.trim())
            .map_err(|_| TimestampError::OutOfRange(s.to_string()))
            .and_then(|d| Timestamp::from_datetime(&d))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

pub fn format_rfc3339_micros<Tz: TimeZone>(dt: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    dt.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// How the UTC instant was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "policy", content = "zone", rename_all = "snake_case")]
pub enum TzPolicy {
    /// The source carried its own zone or offset (EVTX FILETIME, RFC 5424, ISO with offset).
    SourceZone,
    /// The source had no zone; this zone (IANA name or fixed offset) was assumed,
    /// by the user's `--source-tz` or the default (UTC).
    Assumed(String),
}

impl TzPolicy {
    pub fn as_text(&self) -> String {
        match self {
            TzPolicy::SourceZone => "source".to_string(),
            TzPolicy::Assumed(z) => format!("assumed:{z}"),
        }
    }
    pub fn from_text(s: &str) -> TzPolicy {
        match s.strip_prefix("assumed:") {
            Some(z) => TzPolicy::Assumed(z.to_string()),
            None => TzPolicy::SourceZone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_enforced() {
        assert!(Timestamp::from_micros(MAX_MICROS + 1).is_err());
        assert!(Timestamp::from_micros(MIN_MICROS - 1).is_err());
        assert!(Timestamp::from_secs(i64::MAX).is_err());
        let t = Timestamp::from_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
    }

    #[test]
    fn tz_policy_round_trips() {
        for p in [
            TzPolicy::SourceZone,
            TzPolicy::Assumed("Europe/Berlin".into()),
        ] {
            assert_eq!(TzPolicy::from_text(&p.as_text()), p);
        }
    }
}
