//! Format detection by content. File names are never consulted.

use crate::Format;

/// How many leading bytes [`sniff`] wants to see.
pub const SNIFF_LEN: usize = 64 * 1024;

/// Decide the format of a file from its first bytes (up to [`SNIFF_LEN`]).
/// `None`: not a format Firebreak reads (binary data, unknown text).
pub fn sniff(head: &[u8]) -> Option<Format> {
    if crate::evtx_reader::sniff(head) {
        return Some(Format::Evtx);
    }
    let decoded = utf16_text(head);
    let text = match &decoded {
        Some(t) => std::borrow::Cow::Borrowed(t.as_str()),
        None if looks_binary(head) => return None,
        None => String::from_utf8_lossy(head),
    };
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches('\u{FEFF}'))
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    // A truncated last line (cut by SNIFF_LEN) is not evidence either way.
    let lines = if head.len() >= SNIFF_LEN && lines.len() > 1 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    if lines.is_empty() {
        return None;
    }
    type Probe = fn(&[&str]) -> bool;
    let probes: [(Format, Probe); 10] = [
        (Format::WinXml, crate::winxml::sniff),
        (Format::WinJson, crate::winjson::sniff),
        (Format::Jsonl, crate::csvjson::sniff_jsonl),
        (Format::Iis, crate::iis::sniff),
        (Format::Netscaler, crate::netscaler::sniff),
        (Format::Bodyfile, crate::bodyfile::sniff),
        (Format::Squid, crate::squid::sniff),
        (Format::WebAccess, crate::web::sniff),
        (Format::Syslog, crate::syslog::sniff),
        (Format::Csv, crate::csvjson::sniff_csv),
    ];
    probes
        .into_iter()
        .find(|(_, probe)| probe(lines))
        .map(|(f, _)| f)
}

/// UTF-16 text with a byte-order mark (PowerShell's default encoding), decoded.
fn utf16_text(head: &[u8]) -> Option<String> {
    let (body, le) = match head {
        [0xFF, 0xFE, rest @ ..] => (rest, true),
        [0xFE, 0xFF, rest @ ..] => (rest, false),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect(),
    )
}

/// Many NUL bytes or control characters: not a text log. A few are tolerated:
/// web logs carry the odd raw TLS handshake a scanner sent to a plain-HTTP port.
fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(8192)];
    if sample.is_empty() {
        return true;
    }
    let nul = memchr::memchr_iter(0, sample).count();
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    nul * 200 > sample.len() || control * 20 > sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_format() {
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(sniff(&garbage), None);
        assert_eq!(sniff(b""), None);
    }
}
