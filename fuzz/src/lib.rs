//! Shared harness for the reader fuzz targets: a sink that checks the record protocol
//! of `firebreak_event::EventSink`, and the read call every target makes.
//!
//! A protocol violation prints what happened and aborts the process, which libFuzzer
//! reports as a crash. It does not panic: the EVTX reader catches panics that unwind
//! through its parser loop, and a sink panic there would be swallowed.

use chrono_tz::Tz;
use firebreak_event::{Event, EventSink, Location, Rejected, Timestamp};
use firebreak_readers::{read, sniff, DateOrder, Format, ReadContext, ReadOptions, SNIFF_LEN};
use std::io::Cursor;

/// A sink that asserts the record protocol: every record ends as one or more `accept`
/// followed by `record_done`, or as one `reject`.
#[derive(Debug, Default)]
pub struct CheckingSink {
    /// The location of the record whose events are being accepted (an open accept run).
    open: Option<Location>,
    /// The location of the last rejection, until the next `record_done`.
    last_reject: Option<Location>,
    /// Print every rejection and a summary (`FIREBREAK_FUZZ_VERBOSE=1`), to look at
    /// what a seed or a crash input does.
    verbose: bool,
    pub events: u64,
    pub records: u64,
    pub rejected: u64,
    /// The most original fields one event had.
    pub max_fields: usize,
}

fn violation(what: std::fmt::Arguments<'_>) -> ! {
    eprintln!("RECORD PROTOCOL VIOLATION: {what}");
    std::process::abort();
}

impl CheckingSink {
    pub fn new() -> CheckingSink {
        CheckingSink {
            verbose: verbose(),
            ..CheckingSink::default()
        }
    }

    /// The reader returned (with `Ok` or `Err`): no record may be left open.
    pub fn finish(&self) {
        if let Some(loc) = self.open {
            violation(format_args!(
                "read returned with the record at {loc} accepted but not done"
            ));
        }
    }
}

impl EventSink for CheckingSink {
    fn accept(&mut self, event: Event) {
        let micros = event.timestamp.micros();
        if Timestamp::from_micros(micros).is_err() {
            violation(format_args!(
                "event at {} has a timestamp out of range: {micros} us",
                event.provenance.location
            ));
        }
        let loc = event.provenance.location;
        match self.open {
            Some(open) if open != loc => violation(format_args!(
                "events of one record at different locations: {open}, then {loc} \
                 without record_done"
            )),
            Some(_) => {}
            None => {
                // Lines and offsets are places in the file, so two records never share
                // one; record numbers come from the data (EVTX ids, evtx_dump's
                // `Record N`) and may repeat.
                let unique = matches!(loc, Location::Line(_) | Location::Offset(_));
                if unique && self.last_reject == Some(loc) {
                    violation(format_args!(
                        "accept at {loc} after that record was rejected"
                    ));
                }
            }
        }
        self.open = Some(loc);
        self.events += 1;
        self.max_fields = self.max_fields.max(event.fields.len());
    }

    fn record_done(&mut self) {
        if self.open.take().is_none() {
            violation(format_args!(
                "record_done without an accept before it (last rejection: {:?})",
                self.last_reject
            ));
        }
        self.last_reject = None;
        self.records += 1;
    }

    fn reject(&mut self, rejected: Rejected) {
        if let Some(open) = self.open {
            violation(format_args!(
                "reject at {} ({}) while the record at {open} was accepted but not done",
                rejected.location, rejected.reason
            ));
        }
        if self.verbose {
            eprintln!("rejected at {}: {}", rejected.location, rejected.reason);
        }
        self.last_reject = Some(rejected.location);
        self.rejected += 1;
    }
}

/// Read options varied by the input's length (not its bytes, so seeds stay as they
/// are): source zone with DST (gaps and folds), day-first dates, a fixed syslog year,
/// a short line limit so the too-long path is reached.
pub fn context(data: &[u8], format: Format) -> ReadContext {
    let n = data.len();
    let mut options = ReadOptions {
        threads: 1,
        ..ReadOptions::default()
    };
    if n % 2 == 1 {
        options.netscaler_date_order = DateOrder::DayFirst;
    }
    if n % 3 == 0 {
        options.source_tz = Tz::Europe__Berlin;
    } else if n % 3 == 1 {
        options.source_tz = Tz::America__St_Johns;
    }
    if n % 5 == 0 {
        options.syslog_year = Some(2024);
    }
    if n % 7 == 0 {
        options.time_field = Some("time".to_string());
    }
    if format != Format::Evtx && n % 4 == 0 {
        options.max_line_bytes = 200;
    }
    ReadContext {
        options,
        display_name: "fuzz-input".to_string(),
        // 2024-03-31T01:30:00Z, the morning the clocks go forward in Europe.
        file_mtime: Timestamp::from_secs(1_711_848_600).ok(),
    }
}

fn verbose() -> bool {
    static VERBOSE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *VERBOSE.get_or_init(|| std::env::var_os("FIREBREAK_FUZZ_VERBOSE").is_some())
}

/// Read `data` as `format` into a checking sink.
pub fn check_read(format: Format, data: &[u8]) -> CheckingSink {
    if format == Format::Evtx {
        quiet_caught_panics();
    }
    let ctx = context(data, format);
    let mut sink = CheckingSink::new();
    let result = read(
        format,
        Box::new(Cursor::new(data.to_vec())),
        &ctx,
        &mut sink,
    );
    sink.finish();
    if sink.verbose {
        eprintln!(
            "{}: {} events, {} records, {} rejected, at most {} fields in an event; {}",
            format.name(),
            sink.events,
            sink.records,
            sink.rejected,
            sink.max_fields,
            match result {
                Ok(()) => "Ok".to_string(),
                Err(e) => format!("Err: {e}"),
            }
        );
    }
    sink
}

/// Sniff the head of `data`, then read it with the format found.
pub fn check_sniff_read(data: &[u8]) -> Option<CheckingSink> {
    let head = &data[..data.len().min(SNIFF_LEN)];
    let format = sniff(head)?;
    Some(check_read(format, data))
}

/// libfuzzer-sys installs a panic hook that aborts on every panic, caught or not. The
/// EVTX reader deliberately catches panics of the `evtx` crate (and reports the rest of
/// the file as lost), so for EVTX the hook is replaced by a silent one: a panic that
/// escapes `read` still reaches libfuzzer-sys's `catch_unwind` and aborts there.
fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("FIREBREAK_FUZZ_ABORT_ON_ANY_PANIC").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
}
