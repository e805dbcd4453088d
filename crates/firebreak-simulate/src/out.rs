//! Output files: a buffered writer that numbers records, keeps times monotonic and
//! remembers where the labelled (attack) records landed.

use crate::time::Ticks;
use crate::SimError;
use firebreak_event::Location;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How records in a file are addressed in `truth.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Addr {
    /// 1-based line number.
    Line,
    /// 1-based ordinal of the `<Event>` element.
    Record,
}

/// Where a labelled record was written.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub file: String,
    pub location: Location,
    /// The time as a reader will see it (truncated to the format's precision).
    pub time: Ticks,
}

pub(crate) struct Out {
    pub w: BufWriter<File>,
    rel: String,
    path: PathBuf,
    addr: Addr,
    /// Ticks per unit the format can express (e.g. one second for syslog).
    precision: Ticks,
    count: u64,
    last: Ticks,
}

impl Out {
    /// Create `out_dir/rel` (with parent directories). `rel` is '/'-separated.
    pub(crate) fn create(
        out_dir: &Path,
        rel: &str,
        addr: Addr,
        precision: Ticks,
    ) -> Result<Out, SimError> {
        let path = rel.split('/').fold(out_dir.to_path_buf(), |p, c| p.join(c));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| SimError::io(parent, e))?;
        }
        let file = File::create(&path).map_err(|e| SimError::io(&path, e))?;
        Ok(Out {
            w: BufWriter::with_capacity(256 * 1024, file),
            rel: rel.to_string(),
            path,
            addr,
            precision,
            count: 0,
            last: i64::MIN,
        })
    }

    /// Start a record at `t`: returns the time to write (never earlier than the
    /// previous record's, so the file stays in time order).
    pub(crate) fn begin(&mut self, t: Ticks) -> Ticks {
        self.count += 1;
        self.last = self.last.max(t);
        self.last
    }

    /// Number of records begun so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The location and reader-visible time of the record begun last.
    pub(crate) fn placed(&self) -> Placed {
        let location = match self.addr {
            Addr::Line => Location::Line(self.count),
            Addr::Record => Location::Record(self.count),
        };
        Placed {
            file: self.rel.clone(),
            location,
            time: self.last - self.last.rem_euclid(self.precision),
        }
    }

    pub(crate) fn err(&self, e: io::Error) -> SimError {
        SimError::io(&self.path, e)
    }

    pub(crate) fn finish(mut self) -> Result<u64, SimError> {
        self.w.flush().map_err(|e| SimError::io(&self.path, e))?;
        Ok(self.count)
    }
}

/// Write `s` with XML's five special characters escaped.
pub(crate) fn xml_escaped(w: &mut impl Write, s: &str) -> io::Result<()> {
    escaped(w, s, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\'' => Some("&apos;"),
        b'"' => Some("&quot;"),
        _ => None,
    })
}

/// Write `s` as the inside of a JSON string.
pub(crate) fn json_escaped(w: &mut impl Write, s: &str) -> io::Result<()> {
    escaped(w, s, |b| match b {
        b'"' => Some("\\\""),
        b'\\' => Some("\\\\"),
        b'\n' => Some("\\n"),
        b'\r' => Some("\\r"),
        b'\t' => Some("\\t"),
        _ => None,
    })
}

fn escaped(
    w: &mut impl Write,
    s: &str,
    map: impl Fn(u8) -> Option<&'static str>,
) -> io::Result<()> {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(rep) = map(b) {
            w.write_all(&bytes[start..i])?;
            w.write_all(rep.as_bytes())?;
            start = i + 1;
        }
    }
    w.write_all(&bytes[start..])
}
