//! Bounded line reading for text formats: a 2 GB single-line file costs
//! `max_line_bytes` of memory, not 2 GB; invalid UTF-8 is replaced, not fatal.

use firebreak_event::Location;
use std::borrow::Cow;
use std::io::BufRead;

/// One line of a text file.
#[derive(Debug)]
pub enum Line<'a> {
    /// Line text without the line ending (lossily decoded if not UTF-8).
    Text { number: u64, text: Cow<'a, str> },
    /// The line was longer than the limit and was skipped.
    TooLong { number: u64, len: u64 },
}

impl Line<'_> {
    pub fn location(&self) -> Location {
        match self {
            Line::Text { number, .. } | Line::TooLong { number, .. } => Location::Line(*number),
        }
    }
}

/// Iterates the lines of a `BufRead` with a length limit.
pub struct Lines<'r> {
    inner: &'r mut dyn BufRead,
    buf: Vec<u8>,
    number: u64,
    offset: u64,
    max: usize,
}

impl<'r> Lines<'r> {
    pub fn new(inner: &'r mut dyn BufRead, max_line_bytes: usize) -> Lines<'r> {
        Lines::after(inner, max_line_bytes, 0)
    }

    /// Lines of an input that starts after `lines_before` lines of its file: the first
    /// line is numbered `lines_before + 1`.
    pub fn after(
        inner: &'r mut dyn BufRead,
        max_line_bytes: usize,
        lines_before: u64,
    ) -> Lines<'r> {
        Lines {
            inner,
            buf: Vec::new(),
            number: lines_before,
            offset: 0,
            max: max_line_bytes.max(1),
        }
    }

    /// Byte offset of the start of the next line.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line, `Ok(None)` at end of input.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, crate::ReadError> {
        self.buf.clear();
        let mut total: u64 = 0;
        let mut overflow = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(crate::ReadError::Io {
                        location: Location::Line(self.number + 1),
                        source,
                    })
                }
            };
            if chunk.is_empty() {
                if total == 0 {
                    return Ok(None);
                }
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !overflow && self.buf.len() + take <= self.max + 2 {
                self.buf.extend_from_slice(&chunk[..take]);
            } else {
                overflow = true;
                self.buf.clear();
            }
            total += take as u64;
            self.inner.consume(take);
            if done {
                break;
            }
        }
        self.number += 1;
        self.offset += total;
        if overflow {
            return Ok(Some(Line::TooLong {
                number: self.number,
                len: total,
            }));
        }
        let mut end = self.buf.len();
        while end > 0 && (self.buf[end - 1] == b'\n' || self.buf[end - 1] == b'\r') {
            end -= 1;
        }
        if end > self.max {
            return Ok(Some(Line::TooLong {
                number: self.number,
                len: total,
            }));
        }
        let bytes = &self.buf[..end];
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        Ok(Some(Line::Text {
            number: self.number,
            text: String::from_utf8_lossy(bytes),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<String> {
        let mut r: &[u8] = input;
        let mut lines = Lines::new(&mut r, max);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            out.push(match l {
                Line::Text { number, text } => format!("{number}:{text}"),
                Line::TooLong { number, len } => format!("{number}:toolong:{len}"),
            });
        }
        out
    }

    #[test]
    fn splits_crlf_bom_and_invalid_utf8() {
        let got = collect(b"\xEF\xBB\xBFa\r\nb\xFFc\n\nlast", 100);
        assert_eq!(got, vec!["1:a", "2:b\u{FFFD}c", "3:", "4:last"]);
    }

    #[test]
    fn long_lines_are_skipped_without_buffering() {
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"\nok\n");
        let got = collect(&input, 100);
        assert_eq!(got, vec!["1:toolong:10001", "2:ok"]);
    }
}
