//! Splitting delimited text into cells, line by line, so that a quoted cell may span
//! lines while every physical line still goes through the bounded [`crate::Lines`].
//!
//! Quoting follows RFC 4180 as the `csv` crate reads it (its default settings): a
//! cell that starts with `"` is quoted, `""` inside it is a literal quote, text after
//! the closing quote is kept; a `"` inside an unquoted cell is literal. A test checks
//! this against the `csv` crate.

/// The delimiters a generic CSV may use, in tie-break order.
pub(crate) const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a cell.
    Start,
    Unquoted,
    Quoted,
    /// Just read a `"` inside a quoted cell: a closing quote or half of `""`.
    QuoteInQuoted,
}

/// Accumulates one record's cells; reused from record to record.
pub(crate) struct RowSplitter {
    delim: char,
    state: State,
    text: String,
    ends: Vec<usize>,
    in_progress: bool,
}

impl RowSplitter {
    pub(crate) fn new(delim: u8) -> RowSplitter {
        RowSplitter {
            delim: char::from(delim),
            state: State::Start,
            text: String::new(),
            ends: Vec::new(),
            in_progress: false,
        }
    }

    pub(crate) fn set_delimiter(&mut self, delim: u8) {
        self.delim = char::from(delim);
    }

    /// True between a line that opened a quoted cell and the line that closes it.
    pub(crate) fn in_progress(&self) -> bool {
        self.in_progress
    }

    /// Bytes of cell text gathered so far.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    pub(crate) fn reset(&mut self) {
        self.state = State::Start;
        self.text.clear();
        self.ends.clear();
        self.in_progress = false;
    }

    /// Feed one physical line; `true` when the record is complete.
    pub(crate) fn feed(&mut self, line: &str) -> bool {
        for c in line.chars() {
            self.step(c);
        }
        if self.state == State::Quoted {
            self.text.push('\n');
            self.in_progress = true;
            return false;
        }
        self.ends.push(self.text.len());
        self.state = State::Start;
        self.in_progress = false;
        true
    }

    fn step(&mut self, c: char) {
        self.state = match (self.state, c) {
            (State::Start | State::Unquoted | State::QuoteInQuoted, d) if d == self.delim => {
                self.ends.push(self.text.len());
                State::Start
            }
            (State::Start, '"') => State::Quoted,
            (State::Quoted, '"') => State::QuoteInQuoted,
            (State::QuoteInQuoted, '"') => {
                self.text.push('"');
                State::Quoted
            }
            (State::Quoted, c) => {
                self.text.push(c);
                State::Quoted
            }
            (_, c) => {
                self.text.push(c);
                State::Unquoted
            }
        };
    }

    /// The cells of the completed record.
    pub(crate) fn cells(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| self.text.get(a..b).unwrap_or(""))
    }
}

/// The cells of a single line (quotes honoured, no continuation).
pub(crate) fn split_line(line: &str, delim: u8) -> Vec<String> {
    let mut s = RowSplitter::new(delim);
    s.feed(line);
    s.cells().map(str::to_string).collect()
}

/// Count of `delim` outside quotes in `line`.
fn count_outside_quotes(line: &str, delim: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delim && !quoted {
            n += 1;
        }
    }
    n
}

/// The delimiter a header line uses: the candidate that occurs most (ties: order of
/// [`DELIMITERS`]); `None` if none occurs.
pub(crate) fn detect_delimiter(header: &str) -> Option<u8> {
    let mut best: Option<(usize, u8)> = None;
    for d in DELIMITERS {
        let n = count_outside_quotes(header, d);
        if n > 0 && best.is_none_or(|(m, _)| n > m) {
            best = Some((n, d));
        }
    }
    best.map(|(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_csv_crate(line: &str, delim: u8) -> Vec<String> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .from_reader(line.as_bytes());
        let mut rec = csv::StringRecord::new();
        match r.read_record(&mut rec) {
            Ok(true) => rec.iter().map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn quoted_cells() {
        assert_eq!(
            split_line(r#"a,"b,c","d""e",f"#, b','),
            ["a", "b,c", "d\"e", "f"]
        );
        assert_eq!(split_line("a;;", b';'), ["a", "", ""]);
        let mut s = RowSplitter::new(b',');
        assert!(!s.feed(r#"1,"multi"#));
        assert!(s.feed(r#"line",2"#));
        assert_eq!(s.cells().collect::<Vec<_>>(), ["1", "multi\nline", "2"]);
        assert_eq!(detect_delimiter("a;b;c,d"), Some(b';'));
        assert_eq!(detect_delimiter("abc"), None);
    }

    proptest! {
        #[test]
        fn agrees_with_the_csv_crate(line in "[a ,;\"x]{1,24}") {
            prop_assume!(!line.trim().is_empty());
            let mut s = RowSplitter::new(b',');
            if s.feed(&line) {
                let ours: Vec<String> = s.cells().map(str::to_string).collect();
                prop_assert_eq!(ours, with_csv_crate(&line, b','));
            }
        }
    }
}
