//! Reading one large line-based file on several threads: the file is cut into parts
//! at line boundaries, each part knows how many lines come before it, and each is read
//! as if it were a file of its own (see `Format::splits_at_lines`).

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// One part of a file: bytes `start..end`, starting after `lines_before` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PartPlan {
    pub start: u64,
    pub end: u64,
    pub lines_before: u64,
}

const BLOCK: usize = 1 << 20;

/// Cut `file` (`size` bytes) into parts of about `part_bytes`, each ending just after
/// a newline (the last at the end of the file), counting the lines before each.
pub(crate) fn plan(
    file: &std::fs::File,
    size: u64,
    part_bytes: u64,
) -> std::io::Result<Vec<PartPlan>> {
    let part_bytes = part_bytes.max(1);
    let mut parts = Vec::new();
    let mut buf = vec![0u8; BLOCK];
    let (mut start, mut lines_before) = (0u64, 0u64);
    let (mut pos, mut lines) = (0u64, 0u64);
    while pos < size {
        let n = read_full_at(file, &mut buf, pos)?;
        if n == 0 {
            break; // the file shrank: the last part ends where the data does
        }
        let block = &buf[..n];
        let want = start + part_bytes;
        let cut = if want < pos + n as u64 {
            let from = want.saturating_sub(pos) as usize;
            memchr::memchr(b'\n', &block[from..]).map(|i| from + i + 1)
        } else {
            None
        };
        match cut {
            Some(cut) => {
                lines += count_newlines(&block[..cut]);
                let end = pos + cut as u64;
                parts.push(PartPlan {
                    start,
                    end,
                    lines_before,
                });
                (start, lines_before, pos) = (end, lines, end);
            }
            None => {
                lines += count_newlines(block);
                pos += n as u64;
            }
        }
    }
    if pos > start {
        parts.push(PartPlan {
            start,
            end: pos,
            lines_before,
        });
    }
    Ok(parts)
}

fn count_newlines(b: &[u8]) -> u64 {
    // A plain loop the compiler vectorises: several GB/s.
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

fn read_full_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], at + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Reads bytes `start..end` of a shared file with positional reads, so several
/// readers can use one handle at once.
pub(crate) struct RangeReader {
    file: Arc<std::fs::File>,
    start: u64,
    end: u64,
    pos: u64,
}

impl RangeReader {
    pub(crate) fn new(file: Arc<std::fs::File>, start: u64, end: u64) -> RangeReader {
        RangeReader {
            file,
            start,
            end,
            pos: start,
        }
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let take = (buf.len() as u64).min(left) as usize;
        if take == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..take], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let len = (self.end - self.start) as i128;
        let at = match to {
            SeekFrom::Start(n) => n as i128,
            SeekFrom::End(d) => len + d as i128,
            SeekFrom::Current(d) => (self.pos - self.start) as i128 + d as i128,
        };
        if at < 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the part",
            ));
        }
        self.pos = self.start + at.min(len) as u64;
        Ok(self.pos - self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(data: &[u8]) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(data).unwrap();
        f
    }

    fn check(data: &[u8], part_bytes: u64) -> Vec<PartPlan> {
        let f = file_of(data);
        let parts = plan(&f, data.len() as u64, part_bytes).unwrap();
        // Parts tile the file, end after a newline (but the last), and count lines.
        let mut at = 0;
        for p in &parts {
            assert_eq!(p.start, at);
            assert!(p.end > p.start);
            let before = data[..p.start as usize]
                .iter()
                .filter(|&&c| c == b'\n')
                .count();
            assert_eq!(p.lines_before, before as u64);
            if p.end < data.len() as u64 {
                assert_eq!(data[p.end as usize - 1], b'\n');
            }
            at = p.end;
        }
        assert_eq!(at, data.len() as u64);
        let f = Arc::new(f);
        let mut joined = Vec::new();
        for p in &parts {
            RangeReader::new(f.clone(), p.start, p.end)
                .read_to_end(&mut joined)
                .unwrap();
        }
        assert_eq!(joined, data);
        parts
    }

    #[test]
    fn parts_tile_the_file_at_line_boundaries() {
        let mut data = Vec::new();
        for i in 0..50_000 {
            writeln!(data, "line {i} {}", "x".repeat(i % 97)).unwrap();
        }
        data.extend_from_slice(b"no newline at the end");
        let parts = check(&data, 300_000);
        assert!(parts.len() > 5, "{}", parts.len());
        assert!(data.len() > 2 * BLOCK + 17 && data.len() < 4 * BLOCK);
        assert_eq!(check(&data, 2 * BLOCK as u64 + 17).len(), 2);
        assert_eq!(check(&data, u64::MAX).len(), 1);
        // A line longer than a block and a part still ends a part only at its newline.
        let mut long = vec![b'y'; 3 * BLOCK];
        long.extend_from_slice(b"\nshort\n");
        assert_eq!(check(&long, 10).len(), 2);
        assert!(check(b"", 10).is_empty());
    }

    #[test]
    fn range_reader_seeks_within_its_part() {
        let f = Arc::new(file_of(b"0123456789"));
        let mut r = RangeReader::new(f, 2, 6);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "2345");
        assert_eq!(r.seek(SeekFrom::Start(1)).unwrap(), 1);
        s.clear();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "345");
        assert!(r.seek(SeekFrom::Current(-10)).is_err());
    }
}
