//! Small normalisations shared by the analytics: account names, host names, hours.

use firebreak_event::{Event, Timestamp};

pub(crate) const SEC: i64 = 1_000_000;

/// The lower-cased user part of an account (`CORP\P.Graf`, `p.graf@corp.example`,
/// `p.graf` → `p.graf`); `None` for empty and placeholder names.
pub(crate) fn account_key(account: &str) -> Option<String> {
    let a = account.trim();
    let a = a.rsplit_once('\\').map_or(a, |(_, u)| u);
    let a = a.split_once('@').map_or(a, |(u, _)| u);
    let a = a.trim();
    if a.is_empty() || a == "-" || a.eq_ignore_ascii_case("n/a") {
        return None;
    }
    Some(a.to_lowercase())
}

/// A host's short name (`WS-084.corp.local` → `WS-084`); addresses stay whole.
pub(crate) fn short_host(host: &str) -> String {
    let h = host.trim();
    if crate::net::parse_ip(h).is_some() {
        return h.to_string();
    }
    h.split('.').next().unwrap_or(h).to_string()
}

/// The host key used to join records of one machine: lower-cased short name.
pub(crate) fn host_key(host: &str) -> String {
    short_host(host).to_lowercase()
}

/// The event's host, or for sources without one the evidence it came from.
pub(crate) fn host_of(ev: &Event) -> String {
    match ev.host.as_deref().filter(|h| !h.trim().is_empty()) {
        Some(h) => short_host(h),
        None => format!("evidence #{}", ev.provenance.evidence_id),
    }
}

/// Local hour of day (0..24) at `offset_minutes` from UTC.
pub(crate) fn local_hour(t: Timestamp, offset_minutes: i32) -> u8 {
    let secs = t.micros().div_euclid(SEC) + i64::from(offset_minutes) * 60;
    (secs.rem_euclid(86_400) / 3600) as u8
}

/// Local day number (days since the epoch) at `offset_minutes` from UTC.
pub(crate) fn local_day(t: Timestamp, offset_minutes: i32) -> i64 {
    let secs = t.micros().div_euclid(SEC) + i64::from(offset_minutes) * 60;
    secs.div_euclid(86_400)
}

/// Circular distance between two hours of the day.
pub(crate) fn hour_distance(a: u8, b: u8) -> u8 {
    let d = a.abs_diff(b) % 24;
    d.min(24 - d)
}

/// True when `hour` is inside `[start, end)`.
pub(crate) fn in_hours(hour: u8, (start, end): (u8, u8)) -> bool {
    hour >= start && hour < end
}

/// A non-empty field value that is not a placeholder (`-`).
pub(crate) fn field<'a>(ev: &'a Event, name: &str) -> Option<&'a str> {
    ev.fields
        .get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "-")
}

/// Windows logon ids are hex (`0xd93e20f`); Sysmon writes them the same way.
pub(crate) fn parse_logon_id(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The base name of an image path, lower-cased, without `.exe`.
pub(crate) fn image_base(image: &str) -> String {
    let base = image
        .trim()
        .trim_matches('"')
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or("");
    let base = base.to_lowercase();
    base.strip_suffix(".exe")
        .map(str::to_string)
        .unwrap_or(base)
}

/// `value` truncated to `max` characters, with an ellipsis when cut.
pub(crate) fn clip(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_string(),
    }
}

/// `hh:mm` of a time in local hours.
pub(crate) fn hhmm(t: Timestamp, offset_minutes: i32) -> String {
    let secs = t.micros().div_euclid(SEC) + i64::from(offset_minutes) * 60;
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// Bytes for people: `8.46 GB`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, f64); 3] = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (u, f) in UNITS {
        if n as f64 >= f {
            return format!("{:.2} {u}", n as f64 / f);
        }
    }
    format!("{n} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hours() {
        assert_eq!(account_key("CORP\\P.Graf").as_deref(), Some("p.graf"));
        assert_eq!(account_key("p.graf@x.example").as_deref(), Some("p.graf"));
        assert_eq!(account_key(" - "), None);
        assert_eq!(short_host("WS-084.corp.local"), "WS-084");
        assert_eq!(short_host("10.0.0.9"), "10.0.0.9");
        assert_eq!(hour_distance(23, 1), 2);
        assert_eq!(parse_logon_id("0xd93e20f"), Some(0xd93e20f));
        assert_eq!(image_base("C:\\Tools\\RClone.EXE"), "rclone");
        assert_eq!(clip("abcdef", 3), "abc…");
        let t = Timestamp::parse_rfc3339("2026-11-24T02:11:41Z").unwrap();
        assert_eq!(local_hour(t, 0), 2);
        assert_eq!(local_hour(t, -180), 23);
        assert_eq!(hhmm(t, 60), "03:11");
        assert_eq!(human_bytes(8_458_845_606), "8.46 GB");
    }
}

/// A command line with password-like arguments replaced by `***`: the word after one
/// of `args` (`-p secret`), a value after `:`/`=` (`/p:secret`), and for the
/// `attached` images (7-Zip, RAR) the rest of `-pSECRET`/`-hpSECRET`.
pub(crate) fn redact(cmd: &str, args: &[String], attached: &[String]) -> String {
    let lower = cmd.to_lowercase();
    let attach = attached.iter().any(|a| {
        lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == a)
    });
    let mut out: Vec<String> = Vec::new();
    let mut hide_next = false;
    for tok in cmd.split(' ') {
        if hide_next && !tok.is_empty() {
            out.push("***".into());
            hide_next = false;
            continue;
        }
        let (shown, next) = redact_token(tok, args, attach);
        hide_next = next;
        out.push(shown);
    }
    out.join(" ")
}

fn redact_token(tok: &str, args: &[String], attach: bool) -> (String, bool) {
    let low = tok.to_lowercase();
    for a in args {
        if low == *a {
            return (tok.to_string(), true);
        }
        let Some(rest) = low.strip_prefix(a.as_str()) else {
            continue;
        };
        if rest.starts_with([':', '=']) {
            return (format!("{}***", tok.get(..a.len() + 1).unwrap_or(a)), false);
        }
        if attach && matches!(a.as_str(), "-p" | "-hp") && !rest.is_empty() {
            return (format!("{}***", tok.get(..a.len()).unwrap_or(a)), false);
        }
    }
    (tok.to_string(), false)
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let args: Vec<String> = ["-p", "/p", "-hp", "--password"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let att = vec!["7z".to_string(), "rar".to_string()];
        let r = |c: &str| redact(c, &args, &att);
        assert_eq!(
            r("PsExec64.exe \\\\FS01 -u CORP\\adm -p W1nter2026! -s cmd.exe"),
            "PsExec64.exe \\\\FS01 -u CORP\\adm -p *** -s cmd.exe"
        );
        assert_eq!(
            r("7z.exe a -pS3cret -mhe=on x.7z D:\\data"),
            "7z.exe a -p*** -mhe=on x.7z D:\\data"
        );
        assert_eq!(r("net use \\\\h /p:S3cret"), "net use \\\\h /p:***");
        assert_eq!(r("tool --password=abc"), "tool --password=***");
        assert_eq!(r("powershell -path C:\\x"), "powershell -path C:\\x");
    }
}
