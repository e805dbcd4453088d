//! Case write throughput alone: reads FILE into memory with the readers, then times
//! storing the events, split into the two halves of an ingest: encoding segments
//! (the reader threads' share) and appending them (the single writer's share).
//! `cargo run --release -p firebreak-case --example write_speed -- FILE CASE_DIR`

use firebreak_case::{Case, EvidenceInfo, EvidenceOutcome, SegmentBuilder};
use firebreak_event::VecSink;
use firebreak_readers::{read, sniff, ReadContext};

// The allocator the firebreak binary uses: decoding allocates every string.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn info(path: &str, format: &str, tag: &str) -> EvidenceInfo {
    EvidenceInfo {
        sha256: format!("{tag}-{:x}", std::process::id()),
        display_path: path.to_string(),
        disk_path: path.to_string(),
        member: None,
        container_sha256: None,
        size: 0,
        mtime: None,
        format: Some(format.into()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (path, dir) = (&args[1], std::path::Path::new(&args[2]));
    let bytes = std::fs::read(path).expect("readable file");
    let format = sniff(&bytes[..bytes.len().min(65536)]).expect("known format");
    let mut ctx = ReadContext::new(path.as_str());
    ctx.file_mtime = firebreak_event::Timestamp::from_secs(1_795_600_000).ok();
    let mut sink = VecSink::default();
    let t = std::time::Instant::now();
    read(
        format,
        Box::new(std::io::Cursor::new(bytes)),
        &ctx,
        &mut sink,
    )
    .expect("readable");
    let parse = t.elapsed().as_secs_f64();
    let n = sink.events.len() as f64;
    let mut case = Case::open(dir).expect("case");

    // 1. Everything on one thread, through Writer::event.
    let t = std::time::Instant::now();
    {
        let mut w = case.writer().expect("writer");
        w.begin_evidence(&info(path, format.name(), "one"), 0)
            .expect("begin");
        for e in &sink.events {
            w.event(e).expect("event");
            w.record_done();
        }
        w.end_evidence(&EvidenceOutcome::Complete { note: None }, 0)
            .expect("end");
        w.finish().expect("commit");
    }
    let whole = t.elapsed().as_secs_f64();

    // 2. Encoding alone (what an ingest's reader threads do) ...
    let t = std::time::Instant::now();
    let mut b = SegmentBuilder::new();
    let mut segments = Vec::new();
    for e in &sink.events {
        b.push(e);
        if b.is_full() {
            segments.push(b.finish());
        }
    }
    if !b.is_empty() {
        segments.push(b.finish());
    }
    let encode = t.elapsed().as_secs_f64();
    let stored: usize = segments.iter().map(|s| s.len()).sum();
    assert_eq!(stored, sink.events.len());

    // 3. ... and appending the finished segments (the single writer's share).
    let t = std::time::Instant::now();
    {
        let mut w = case.writer().expect("writer");
        w.begin_evidence(&info(path, format.name(), "seg"), 0)
            .expect("begin");
        for s in &segments {
            w.segment(s).expect("segment");
        }
        w.records_done(sink.records);
        w.end_evidence(&EvidenceOutcome::Complete { note: None }, 0)
            .expect("end");
        w.finish().expect("commit");
    }
    let append = t.elapsed().as_secs_f64();

    // Reading back: every event decoded in storage order (what hunting does).
    let t = std::time::Instant::now();
    let mut seen = 0u64;
    case.scan_each(&[], &mut |_| {
        seen += 1;
        true
    })
    .expect("scan");
    let scan = t.elapsed().as_secs_f64();
    assert_eq!(seen as usize, 2 * sink.events.len());

    // The ceiling of a row store: the same events appended as JSON lines to one file.
    let t = std::time::Instant::now();
    let file = std::fs::File::create(dir.join("append-baseline.jsonl")).expect("baseline file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    for e in &sink.events {
        serde_json::to_writer(&mut out, e).expect("write");
        std::io::Write::write_all(&mut out, b"\n").expect("write");
    }
    std::io::Write::flush(&mut out).expect("flush");
    let json = t.elapsed().as_secs_f64();
    let db = std::fs::metadata(dir.join("case.sqlite")).map_or(0, |m| m.len())
        + std::fs::metadata(dir.join("case.sqlite-wal")).map_or(0, |m| m.len());
    println!(
        "{} events, {} segments: parse {:.0}/s; case store on one thread {:.0}/s \
         = encode {:.0}/s + append {:.0}/s; append-only JSON lines {:.0}/s \
         (ratio store/JSON {:.2}); scan back {:.0}/s; case {:.0} MiB for two copies",
        sink.events.len(),
        segments.len(),
        n / parse,
        n / whole,
        n / encode,
        n / append,
        n / json,
        json / whole,
        seen as f64 / scan,
        db as f64 / 1048576.0
    );
}
