//! Printable strings: ASCII and UTF-16LE runs with their file offsets.

use serde::Serialize;

/// How a string was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Ascii,
    Utf16le,
    /// Recovered from an encoded blob (XOR, base64).
    Decoded,
}

/// One string found in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundString {
    pub offset: u64,
    pub encoding: Encoding,
    pub text: String,
}

/// Limits for string extraction.
#[derive(Debug, Clone, Copy)]
pub struct StringLimits {
    /// Shortest run kept.
    pub min_len: usize,
    /// Longer ASCII runs are split into pieces of this many characters; longer
    /// UTF-16 runs are cut.
    pub max_len: usize,
    /// At most this many strings are kept (the rest are counted only).
    pub max_count: usize,
}

impl Default for StringLimits {
    fn default() -> Self {
        StringLimits {
            min_len: 5,
            max_len: 4096,
            max_count: 200_000,
        }
    }
}

fn printable(b: u8) -> bool {
    (0x20..0x7F).contains(&b) || b == b'\t'
}

/// ASCII and UTF-16LE strings in `bytes`, in offset order per encoding, and how
/// many were found in all (more than kept when `max_count` was reached).
pub fn extract(bytes: &[u8], limits: &StringLimits) -> (Vec<FoundString>, usize) {
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut push = |offset: usize, encoding, text: String, out: &mut Vec<FoundString>| {
        total += 1;
        if out.len() < limits.max_count {
            out.push(FoundString {
                offset: offset as u64,
                encoding,
                text,
            });
        }
    };
    // ASCII
    let mut start = None;
    for (i, &b) in bytes.iter().chain(std::iter::once(&0u8)).enumerate() {
        if i < bytes.len() && printable(b) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            if i - s >= limits.min_len {
                // A long run (a text resource) is kept whole, in pieces.
                let mut p = s;
                while p < i {
                    let end = i.min(p + limits.max_len.max(1));
                    push(
                        p,
                        Encoding::Ascii,
                        String::from_utf8_lossy(&bytes[p..end]).into_owned(),
                        &mut out,
                    );
                    p = end;
                }
            }
        }
    }
    // UTF-16LE at both alignments: printable ASCII code units only.
    for align in 0..2 {
        let mut run: Vec<u8> = Vec::new();
        let mut run_start = 0;
        let mut i = align;
        loop {
            let unit = (i + 1 < bytes.len()).then(|| (bytes[i], bytes[i + 1]));
            match unit {
                Some((lo, 0)) if printable(lo) => {
                    if run.is_empty() {
                        run_start = i;
                    }
                    if run.len() < limits.max_len {
                        run.push(lo);
                    }
                }
                _ => {
                    if run.len() >= limits.min_len {
                        push(
                            run_start,
                            Encoding::Utf16le,
                            String::from_utf8_lossy(&run).into_owned(),
                            &mut out,
                        );
                    }
                    run.clear();
                    if unit.is_none() {
                        break;
                    }
                }
            }
            i += 2;
        }
    }
    (out, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_utf16() {
        let mut b = b"\x00\x01hello world\x00ab\x01".to_vec();
        for c in "wide string".bytes() {
            b.push(c);
            b.push(0);
        }
        b.extend([0xff, 0xff]);
        let (s, n) = extract(&b, &StringLimits::default());
        assert_eq!(n, 2);
        assert_eq!(s[0].text, "hello world");
        assert_eq!(s[0].offset, 2);
        assert_eq!(s[1].text, "wide string");
        assert_eq!(s[1].encoding, Encoding::Utf16le);
        assert_eq!(s[1].offset, 17);
        assert_eq!(extract(&[], &StringLimits::default()).1, 0);
    }
}
