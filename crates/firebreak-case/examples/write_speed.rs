//! Case write throughput alone: reads FILE into memory with the readers, then times
//! storing the events. `cargo run --release -p firebreak-case --example write_speed -- FILE CASE_DIR`

use firebreak_case::{Case, EvidenceInfo, EvidenceOutcome};
use firebreak_event::VecSink;
use firebreak_readers::{read, sniff, ReadContext};

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
    let mut case = Case::open(dir).expect("case");
    let mut w = case.writer().expect("writer");
    let info = EvidenceInfo {
        sha256: format!("{:x}", t.elapsed().as_nanos()),
        display_path: path.clone(),
        disk_path: path.clone(),
        member: None,
        container_sha256: None,
        size: 0,
        mtime: None,
        format: Some(format.name().into()),
    };
    let t = std::time::Instant::now();
    w.begin_evidence(&info, 0).expect("begin");
    for e in &sink.events {
        w.event(e).expect("event");
        w.record_done();
    }
    w.end_evidence(&EvidenceOutcome::Complete { note: None }, 0)
        .expect("end");
    w.finish().expect("commit");
    let write = t.elapsed().as_secs_f64();
    let n = sink.events.len() as f64;
    // The ceiling of any store: the same events appended as JSON lines to one file.
    let t = std::time::Instant::now();
    let file = std::fs::File::create(dir.join("append-baseline.jsonl")).expect("baseline file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    for e in &sink.events {
        serde_json::to_writer(&mut out, e).expect("write");
        std::io::Write::write_all(&mut out, b"\n").expect("write");
    }
    std::io::Write::flush(&mut out).expect("flush");
    let append = t.elapsed().as_secs_f64();
    println!(
        "{} events: parse {:.0}/s, case store {:.0}/s, append-only JSON lines {:.0}/s",
        sink.events.len(),
        n / parse,
        n / write,
        n / append
    );
}
