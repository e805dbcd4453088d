//! A progress bar on stderr when it is a terminal; nothing otherwise.

use firebreak_ingest::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Bar {
    bar: Option<ProgressBar>,
    files: AtomicU64,
    records: AtomicU64,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Bar {
            bar,
            files: AtomicU64::new(0),
            records: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    fn message(&self) {
        if let Some(b) = &self.bar {
            let f = self.files.load(Ordering::Relaxed);
            let r = self.records.load(Ordering::Relaxed);
            b.set_message(format!("{f} files, {r} records"));
        }
    }
}

impl Progress for Bar {
    fn file_started(&self, _path: &str, size: u64) {
        if let Some(b) = &self.bar {
            b.inc_length(size);
        }
    }
    fn records(&self, n: u64) {
        self.records.fetch_add(n, Ordering::Relaxed);
        self.message();
    }
    fn file_done(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
        self.message();
    }
}
