//! Full-text search blocks.
//!
//! Every event's searchable text (message, then `name=value` for each original
//! field, lower-cased, one line per event) is appended to its segment's block,
//! made on the thread that encodes the segment and stored LZ4-compressed in
//! `search_blocks` under the segment's id. A search decompresses blocks on all
//! cores and finds the needle with `memmem`, which reads a fraction of what
//! decoding the segments would.

use crate::query::QueryError;
use rusqlite::Connection;
use std::path::Path;

/// The searchable text of an event, appended to `out` (lower-case, no newlines).
/// (UTF-8 bytes. Lower-casing maps each character on its own and the separators
/// are ASCII, so the line is assembled first and lower-cased in one pass.)
pub(crate) fn search_text(ev: &firebreak_event::Event, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(ev.message.as_bytes());
    for (k, v) in ev.fields.iter() {
        out.push(b' ');
        out.extend_from_slice(k.as_bytes());
        out.push(b'=');
        out.extend_from_slice(v.as_bytes());
    }
    if out[start..].is_ascii() {
        lower_ascii(&mut out[start..]);
    } else {
        let line = out.split_off(start);
        // `line` was built from `str`s and ASCII separators: valid UTF-8.
        push_lower(&String::from_utf8_lossy(&line), out);
    }
}

fn lower_ascii(bytes: &mut [u8]) {
    // A plain loop over bytes: the compiler vectorises it.
    for b in bytes {
        *b = match *b {
            b'\n' | b'\r' => b' ',
            b => b.to_ascii_lowercase(),
        };
    }
}

fn push_lower(s: &str, out: &mut Vec<u8>) {
    if s.is_ascii() {
        let start = out.len();
        out.extend_from_slice(s.as_bytes());
        lower_ascii(&mut out[start..]);
        return;
    }
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(b' '),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase() as u8),
            c => {
                for l in c.to_lowercase() {
                    out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }
}

/// Ids of the events of `segments` whose text contains `needle` (case-insensitive),
/// ascending. With a case file, all cores scan: each thread reads with its own
/// connection.
pub(crate) fn candidates(
    conn: &Connection,
    db: Option<&Path>,
    needle: &str,
    segments: &[i64],
) -> Result<Vec<i64>, QueryError> {
    let mut lowered = Vec::new();
    push_lower(needle, &mut lowered);
    let needle = lowered.as_slice();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut ids = match db {
        Some(db) if segments.len() > 1 && threads > 1 => {
            let per = segments.len().div_ceil(threads);
            let parts: Vec<Result<Vec<i64>, QueryError>> = std::thread::scope(|s| {
                let handles: Vec<_> = segments
                    .chunks(per)
                    .map(|part| {
                        s.spawn(move || {
                            let conn = Connection::open_with_flags(
                                db,
                                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                            )?;
                            scan_blocks(&conn, needle, part)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(QueryError::Corrupt("search thread failed".into()))
                        })
                    })
                    .collect()
            });
            let mut ids = Vec::new();
            for p in parts {
                ids.extend(p?);
            }
            ids
        }
        _ => scan_blocks(conn, needle, segments)?,
    };
    ids.sort_unstable();
    Ok(ids)
}

fn scan_blocks(conn: &Connection, needle: &[u8], segments: &[i64]) -> Result<Vec<i64>, QueryError> {
    let mut st = conn.prepare_cached("SELECT data FROM search_blocks WHERE segment_id = ?1")?;
    let finder = memchr::memmem::Finder::new(needle);
    let mut out = Vec::new();
    let mut text = Vec::new();
    for &seg in segments {
        let mut rows = st.query([seg])?;
        let Some(row) = rows.next()? else {
            continue;
        };
        let data = row
            .get_ref(0)?
            .as_blob()
            .map_err(|e| QueryError::Corrupt(format!("search block of segment {seg}: {e}")))?;
        crate::segment::decompress_into(data, &mut text)
            .map_err(|e| QueryError::Corrupt(format!("search block of segment {seg}: {e}")))?;
        matching_lines(&text, &finder, |line| {
            if line < crate::SEGMENT_EVENTS as i64 {
                out.push(crate::query::event_id(seg, line as usize));
            }
        });
    }
    Ok(out)
}

/// Calls `hit` with the index of every line of `text` that contains the needle, once.
fn matching_lines(text: &[u8], finder: &memchr::memmem::Finder<'_>, mut hit: impl FnMut(i64)) {
    let (mut line, mut counted_to, mut last_hit) = (0i64, 0usize, -1i64);
    for pos in finder.find_iter(text) {
        line += memchr::memchr_iter(b'\n', &text[counted_to..pos]).count() as i64;
        counted_to = pos;
        if line != last_hit {
            hit(line);
            last_hit = line;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_once_each() {
        let text = b"axa\nbbb\nxx x\n\nx\n";
        let finder = memchr::memmem::Finder::new(b"x");
        let mut lines = Vec::new();
        matching_lines(text, &finder, |l| lines.push(l));
        assert_eq!(lines, [0, 2, 4]);
    }

    #[test]
    fn text_is_lower_case_on_one_line() {
        let mut e = firebreak_event::Event::new(
            firebreak_event::Timestamp::from_secs(0).unwrap(),
            firebreak_event::SourceKind::Syslog,
            firebreak_event::Location::Line(1),
        );
        e.message = "Hello\nWORLD Ä".into();
        e.fields.push("Image", "C:\\Windows\\CMD.exe");
        let mut s = Vec::new();
        search_text(&e, &mut s);
        assert_eq!(
            String::from_utf8(s).unwrap(),
            "hello world ä image=c:\\windows\\cmd.exe"
        );
    }
}
