//! Deterministic identifiers and time formats for the exports.

use firebreak_analysis::Investigation;
use firebreak_event::Timestamp;

/// A deterministic UUID from a namespace and content (see
/// [`firebreak_ioc::deterministic_uuid`]).
pub fn uuid(namespace: &str, content: &str) -> String {
    firebreak_ioc::deterministic_uuid(namespace, content)
}

/// STIX timestamp: UTC, millisecond precision, `Z` (`2026-11-24T02:11:41.000Z`).
pub fn stix_time(t: Timestamp) -> String {
    t.to_datetime().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// ISO 8601 with an explicit offset and microseconds (`2026-11-24T02:11:41.123456+00:00`),
/// as Timesketch's `datetime` wants it.
pub fn iso_offset(t: Timestamp) -> String {
    t.to_datetime()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

/// The time the exports are dated: the case's last event (the analysis is "as of"
/// its evidence), else its first, else the latest time in the model, else the epoch.
/// Derived from the content so the exports are reproducible.
pub fn as_of(inv: &Investigation) -> Timestamp {
    let latest = inv
        .storyline
        .iter()
        .map(|p| p.last)
        .chain(inv.indicators.iter().filter_map(|i| i.first_seen))
        .chain(inv.scope.hosts.iter().map(|h| h.last_activity))
        .max();
    inv.case
        .last_event
        .or(inv.case.first_event)
        .or(latest)
        .unwrap_or_else(|| Timestamp::from_micros(0).expect("the epoch is in range"))
}

/// A stable key for the case (for ids of case-level objects).
pub fn case_key(inv: &Investigation) -> String {
    let first = inv.case.first_event.map_or(0, Timestamp::micros);
    format!("{}\u{0}{first}", inv.case.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_is_v4_shaped_and_deterministic() {
        let a = uuid("indicator", "ipv4:1.2.3.4");
        assert_eq!(a, uuid("indicator", "ipv4:1.2.3.4"));
        assert_ne!(a, uuid("indicator", "ipv4:1.2.3.5"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn time_formats() {
        let t = Timestamp::from_micros(1_795_832_901_123_456).unwrap();
        assert_eq!(stix_time(t), "2026-11-28T02:28:21.123Z");
        assert_eq!(iso_offset(t), "2026-11-28T02:28:21.123456+00:00");
    }
}
