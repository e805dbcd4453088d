//! Plain lists: one IOC per line, `#` comments, the type guessed from the value.

use crate::error::{IocError, Position, Reason};
use crate::ioc::{Format, Ioc, IocSet, Meta};
use crate::value;

/// Parse a plain list. Blank lines and lines starting with `#` are skipped; a value may
/// be followed by whitespace and a `#` comment, which becomes its description. Each
/// line's type is guessed (see the crate docs); a line that is none of them is an error.
pub fn parse_plain(origin: &str, bytes: &[u8]) -> (IocSet, Vec<IocError>) {
    let mut set = IocSet::new(origin, Format::Plain);
    let mut errors = Vec::new();
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let position = Position::Line { line: i as u64 + 1 };
        match line(raw) {
            Ok(None) => {}
            Ok(Some((value, comment))) => match value::infer(value) {
                Ok((kind, value)) => set.iocs.push(Ioc {
                    kind,
                    value,
                    position,
                    meta: Meta {
                        description: comment.map(str::to_string),
                        ..Meta::default()
                    },
                }),
                Err(reason) => errors.push(IocError::new(origin, position, reason)),
            },
            Err(reason) => errors.push(IocError::new(origin, position, reason)),
        }
    }
    (set, errors)
}

/// The value and trailing comment of a line, `None` for blank and comment lines.
fn line(raw: &[u8]) -> Result<Option<(&str, Option<&str>)>, Reason> {
    let text = std::str::from_utf8(raw)
        .map_err(|_| Reason::NotUtf8)?
        .trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let cut = text
        .char_indices()
        .find(|&(i, c)| c == '#' && text[..i].ends_with(char::is_whitespace));
    Ok(Some(match cut {
        Some((i, _)) => (text[..i].trim_end(), Some(text[i + 1..].trim())),
        None => (text, None),
    }))
}
