//! Writing records: Windows event files (XML or JSON lines, numbered per host and
//! channel) and text logs, each merging the background with the labelled attack
//! records queued for that file.

use crate::out::{Out, Placed};
use crate::time::{write_epoch_ms, write_netscaler, write_syslog, Ticks};
use crate::win::{write_json, write_xml, Hdr, Tpl, V};
use crate::world::Host;
use crate::SimError;
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};

/// A Windows record kept until its turn.
#[derive(Debug)]
pub(crate) struct WinRec {
    pub tpl: &'static Tpl,
    pub pid: u32,
    pub tid: u32,
    pub user_sid: Option<String>,
    pub vals: Vec<V<'static>>,
}

/// A text line: `before`, the time in the file's format, `after`.
#[derive(Debug)]
pub(crate) struct TextRec {
    pub before: String,
    pub after: String,
}

#[derive(Debug)]
pub(crate) enum Body {
    Win(WinRec),
    Text(TextRec),
}

/// A labelled (or supporting) record of the attack.
#[derive(Debug)]
pub(crate) struct Rec {
    pub time: Ticks,
    /// Index into the scenario's labels, when `truth.json` lists this record.
    pub label: Option<usize>,
    pub body: Body,
}

/// Attack records per output file (path relative to the output directory).
#[derive(Debug, Default)]
pub(crate) struct Queues {
    map: BTreeMap<String, Vec<Rec>>,
}

impl Queues {
    pub(crate) fn push(&mut self, file: &str, rec: Rec) {
        self.map.entry(file.to_string()).or_default().push(rec);
    }

    /// The records for `file`, in time order.
    pub(crate) fn take(&mut self, file: &str) -> VecDeque<Rec> {
        let mut v = self.map.remove(file).unwrap_or_default();
        v.sort_by_key(|r| r.time);
        v.into()
    }

    /// Files that still have records nobody took (a bug if not empty at the end).
    pub(crate) fn leftover(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }
}

/// Where each label's record landed.
pub(crate) type PlacedLabels = Vec<Option<Placed>>;

/// One Windows event log export of one host.
pub(crate) struct WinFile {
    pub out: Out,
    next_id: u64,
    json: bool,
    pending: VecDeque<Rec>,
}

impl WinFile {
    pub(crate) fn new(out: Out, first_id: u64, json: bool, pending: VecDeque<Rec>) -> WinFile {
        WinFile {
            out,
            next_id: first_id,
            json,
            pending,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write(
        &mut self,
        host: &Host,
        tpl: &Tpl,
        t: Ticks,
        pid: u32,
        tid: u32,
        user_sid: Option<&str>,
        vals: &[V],
    ) -> Result<(), SimError> {
        if self.out.count() == 0 && !self.json {
            self.out
                .w
                .write_all(b"<Events>\n")
                .map_err(|e| self.out.err(e))?;
        }
        let hdr = Hdr {
            time: self.out.begin(t),
            record_id: self.next_id,
            computer: &host.fqdn,
            pid,
            tid,
            user_sid,
        };
        self.next_id += 1;
        let res = if self.json {
            write_json(&mut self.out.w, tpl, &hdr, vals)
        } else {
            write_xml(&mut self.out.w, tpl, &hdr, vals)
        };
        res.map_err(|e| self.out.err(e))
    }

    /// Write the queued attack records due at or before `t`.
    pub(crate) fn flush_until(
        &mut self,
        host: &Host,
        t: Ticks,
        placed: &mut PlacedLabels,
    ) -> Result<(), SimError> {
        while self.pending.front().is_some_and(|r| r.time <= t) {
            let rec = self.pending.pop_front().expect("checked");
            let Body::Win(w) = &rec.body else {
                unreachable!("text record queued for a Windows log")
            };
            self.write(
                host,
                w.tpl,
                rec.time,
                w.pid,
                w.tid,
                w.user_sid.as_deref(),
                &w.vals,
            )?;
            if let Some(l) = rec.label {
                placed[l] = Some(self.out.placed());
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<u64, SimError> {
        if !self.json {
            if self.out.count() == 0 {
                self.out
                    .w
                    .write_all(b"<Events>\n")
                    .map_err(|e| self.out.err(e))?;
            }
            self.out
                .w
                .write_all(b"</Events>\n")
                .map_err(|e| self.out.err(e))?;
        }
        self.out.finish()
    }
}

/// How a text log writes its time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeFmt {
    EpochMs,
    Netscaler,
    Syslog,
}

impl TimeFmt {
    pub(crate) fn write(self, w: &mut impl Write, t: Ticks) -> io::Result<()> {
        match self {
            TimeFmt::EpochMs => write_epoch_ms(w, t),
            TimeFmt::Netscaler => write_netscaler(w, t),
            TimeFmt::Syslog => write_syslog(w, t),
        }
    }
}

/// A line-oriented log.
pub(crate) struct TextFile {
    pub out: Out,
    fmt: TimeFmt,
    pending: VecDeque<Rec>,
}

impl TextFile {
    pub(crate) fn new(out: Out, fmt: TimeFmt, pending: VecDeque<Rec>) -> TextFile {
        TextFile { out, fmt, pending }
    }

    /// Start a line at `t`: returns the (monotonic) time to write.
    pub(crate) fn begin(&mut self, t: Ticks) -> Ticks {
        self.out.begin(t)
    }

    pub(crate) fn time(&mut self, t: Ticks) -> Result<(), SimError> {
        self.fmt
            .write(&mut self.out.w, t)
            .map_err(|e| self.out.err(e))
    }

    pub(crate) fn flush_until(
        &mut self,
        t: Ticks,
        placed: &mut PlacedLabels,
    ) -> Result<(), SimError> {
        while self.pending.front().is_some_and(|r| r.time <= t) {
            let rec = self.pending.pop_front().expect("checked");
            let Body::Text(line) = &rec.body else {
                unreachable!("Windows record queued for a text log")
            };
            let t = self.begin(rec.time);
            let w = &mut self.out.w;
            let res = w
                .write_all(line.before.as_bytes())
                .and_then(|_| self.fmt.write(w, t))
                .and_then(|_| w.write_all(line.after.as_bytes()))
                .and_then(|_| w.write_all(b"\n"));
            res.map_err(|e| self.out.err(e))?;
            if let Some(l) = rec.label {
                placed[l] = Some(self.out.placed());
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self, placed: &mut PlacedLabels) -> Result<u64, SimError> {
        self.flush_until(Ticks::MAX, placed)?;
        self.out.finish()
    }
}

/// `write!` into a text file, mapping the error to the file's path.
macro_rules! line {
    ($f:expr, $($arg:tt)*) => {
        write!($f.out.w, $($arg)*).map_err(|e| $f.out.err(e))
    };
}
pub(crate) use line;
