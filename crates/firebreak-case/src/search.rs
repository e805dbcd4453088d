//! Full-text search blocks.
//!
//! Every event's searchable text (message, then `name=value` for each original
//! field, lower-cased, one line per event) is appended to a block; blocks hold
//! events with consecutive ids of one evidence file and are stored LZ4-compressed in
//! `search_blocks`. A search decompresses blocks on all cores and finds the needle
//! with `memmem`, which reads a fraction of what scanning the events table reads.

use crate::query::QueryError;
use rusqlite::{params, Connection};
use std::path::Path;

/// Flush a block once its text reaches this size.
const BLOCK_BYTES: usize = 1 << 20;

/// The searchable text of an event, appended to `out` (lower-case, no newlines).
pub fn search_text(ev: &firebreak_event::Event, out: &mut String) {
    push_lower(&ev.message, out);
    for (k, v) in ev.fields.iter() {
        out.push(' ');
        push_lower(k, out);
        out.push('=');
        push_lower(v, out);
    }
}

fn push_lower(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// The block being filled by the writer.
#[derive(Default)]
pub(crate) struct BlockBuilder {
    evidence_id: i64,
    first: i64,
    count: i64,
    text: String,
}

impl BlockBuilder {
    /// Add event `id`'s text; flushes first when ids are not consecutive.
    pub(crate) fn add(
        &mut self,
        conn: &Connection,
        evidence_id: i64,
        id: i64,
        text: &str,
    ) -> rusqlite::Result<()> {
        if self.count > 0 && (id != self.first + self.count || evidence_id != self.evidence_id) {
            self.flush(conn)?;
        }
        if self.count == 0 {
            self.first = id;
            self.evidence_id = evidence_id;
        }
        self.text.push_str(text);
        self.text.push('\n');
        self.count += 1;
        if self.text.len() >= BLOCK_BYTES {
            self.flush(conn)?;
        }
        Ok(())
    }

    pub(crate) fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if self.count == 0 {
            return Ok(());
        }
        let data = lz4_flex::compress_prepend_size(self.text.as_bytes());
        conn.prepare_cached(
            "INSERT INTO search_blocks(evidence_id, first_event, count, data) VALUES (?1,?2,?3,?4)",
        )?
        .execute(params![self.evidence_id, self.first, self.count, data])?;
        self.text.clear();
        self.count = 0;
        Ok(())
    }
}

/// Ids of the events whose text contains `needle` (case-insensitive), ascending.
pub(crate) fn candidates(
    conn: &Connection,
    db: &Path,
    needle: &str,
) -> Result<Vec<i64>, QueryError> {
    let mut lowered = String::new();
    push_lower(needle, &mut lowered);
    let (lo, hi): (i64, i64) = conn.query_row(
        "SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM search_blocks",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as i64;
    let step = (hi - lo + 1) / threads + 1;
    let parts: Vec<Result<Vec<i64>, QueryError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let needle = lowered.as_bytes();
                let range = (lo + i * step, lo + (i + 1) * step - 1);
                s.spawn(move || scan_blocks(db, needle, range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(QueryError::Corrupt("search thread failed".into())))
            })
            .collect()
    });
    let mut ids = Vec::new();
    for p in parts {
        ids.extend(p?);
    }
    ids.sort_unstable();
    Ok(ids)
}

fn scan_blocks(db: &Path, needle: &[u8], (from, to): (i64, i64)) -> Result<Vec<i64>, QueryError> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut st = conn
        .prepare("SELECT first_event, count, data FROM search_blocks WHERE id BETWEEN ?1 AND ?2")?;
    let mut rows = st.query([from, to])?;
    let finder = memchr::memmem::Finder::new(needle);
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let first: i64 = row.get(0)?;
        let count: i64 = row.get(1)?;
        let data: Vec<u8> = row.get(2)?;
        let text = lz4_flex::decompress_size_prepended(&data)
            .map_err(|e| QueryError::Corrupt(format!("search block at event {first}: {e}")))?;
        matching_lines(&text, &finder, |line| {
            if line < count {
                out.push(first + line);
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
        let mut s = String::new();
        search_text(&e, &mut s);
        assert_eq!(s, "hello world ä image=c:\\windows\\cmd.exe");
    }
}
