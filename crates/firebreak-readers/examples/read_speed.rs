//! Reader throughput without storage: `cargo run --release -p firebreak-readers
//! --example read_speed -- FILE...` prints records/s per file (used by bench/run.sh
//! to tell parsing cost from storage cost).

use firebreak_event::{Event, EventSink, Rejected};
use firebreak_readers::{read, sniff, ReadContext, SNIFF_LEN};
use std::io::Read;
use std::time::Instant;

#[derive(Default)]
struct Count {
    records: u64,
    events: u64,
    rejected: u64,
}

impl EventSink for Count {
    fn accept(&mut self, event: Event) {
        std::hint::black_box(&event);
        self.events += 1;
    }
    fn record_done(&mut self) {
        self.records += 1;
    }
    fn reject(&mut self, _r: Rejected) {
        self.rejected += 1;
    }
}

fn main() {
    let (mut total, mut secs) = (0u64, 0f64);
    for path in std::env::args().skip(1) {
        let mut head = Vec::new();
        let opened = std::fs::File::open(&path)
            .and_then(|f| f.take(SNIFF_LEN as u64).read_to_end(&mut head));
        let Some(format) = opened.ok().and_then(|_| sniff(&head)) else {
            eprintln!("{path}: not a known format");
            continue;
        };
        let mut ctx = ReadContext::new(&path);
        ctx.file_mtime = firebreak_event::Timestamp::from_secs(1_795_600_000).ok();
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        let mut sink = Count::default();
        let t = Instant::now();
        let result = read(format, Box::new(file), &ctx, &mut sink);
        let s = t.elapsed().as_secs_f64();
        println!(
            "{:<10} {:>9} records {:>9} events {:>6} rejected {:>8.3} s {:>10.0} records/s  {path}{}",
            format.name(),
            sink.records,
            sink.events,
            sink.rejected,
            s,
            sink.records as f64 / s,
            result.err().map(|e| format!(" ({e})")).unwrap_or_default()
        );
        total += sink.records;
        secs += s;
    }
    println!(
        "total {total} records in {secs:.3} s = {:.0} records/s",
        total as f64 / secs
    );
}
