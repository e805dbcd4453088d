//! Small text helpers the formats share.

use firebreak_event::{Event, Timestamp};

/// `DOMAIN\name`, `name`, or empty.
pub(crate) fn user_display(event: &Event) -> String {
    match (&event.user.domain, &event.user.name) {
        (Some(d), Some(n)) => format!("{d}\\{n}"),
        (None, Some(n)) => n.clone(),
        _ => String::new(),
    }
}

/// An optional value as text (empty when absent).
pub(crate) fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The instant as RFC 3339 with microseconds and an explicit `+00:00` offset.
pub(crate) fn rfc3339_offset(ts: Timestamp) -> String {
    ts.to_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// Hash values by algorithm from Sysmon's `SHA256=…,MD5=…` or a bare hex digest
/// (recognised by length). Names and values in lower case, as ECS writes them.
pub(crate) fn parse_hashes(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    if !text.contains('=') {
        let algo = match text.len() {
            32 => "md5",
            40 => "sha1",
            64 => "sha256",
            128 => "sha512",
            _ => return Vec::new(),
        };
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Vec::new();
        }
        return vec![(algo.to_string(), text.to_ascii_lowercase())];
    }
    text.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(a, v)| (a.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
        .filter(|(a, v)| !a.is_empty() && !v.is_empty())
        .collect()
}
