// temporary scratch benchmark (deleted before hand-off)
use std::time::Instant;
fn files() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    fn walk(d: &std::path::Path, out: &mut Vec<Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out)
            } else if p.extension().is_some_and(|x| x == "evtx") {
                out.push(std::fs::read(&p).unwrap())
            }
        }
    }
    walk(
        std::path::Path::new("/work/shared/data/evtx-attack-samples"),
        &mut out,
    );
    out
}
#[test]
#[ignore]
fn bench() {
    let files = files();
    let threads: usize = std::env::var("T").map(|s| s.parse().unwrap()).unwrap_or(2);
    let reps = 3;
    let only = std::env::var("ONLY").unwrap_or_default();
    let settings = || evtx::ParserSettings::new().num_threads(threads);
    if only.is_empty() {
        let t = Instant::now();
        let mut n = 0usize;
        for _ in 0..reps {
            for f in &files {
                let mut p = evtx::EvtxParser::from_buffer(f.clone())
                    .unwrap()
                    .with_configuration(settings().indent(false));
                for c in p.chunks_json_bytes(true) {
                    n += c.data.len();
                }
            }
        }
        println!("evtx_dump path (chunks_json_bytes): {:?} {n}", t.elapsed());
        let t = Instant::now();
        let mut n = 0usize;
        for _ in 0..reps {
            for f in &files {
                let mut p = evtx::EvtxParser::from_buffer(f.clone())
                    .unwrap()
                    .with_configuration(settings().indent(false));
                for r in p.records_json_bytes() {
                    n += r.unwrap().data.len();
                }
            }
        }
        println!("records_json_bytes: {:?} {n}", t.elapsed());
        let t = Instant::now();
        let mut n = 0usize;
        for _ in 0..reps {
            for f in &files {
                let mut p = evtx::EvtxParser::from_buffer(f.clone())
                    .unwrap()
                    .with_configuration(settings().indent(false));
                for r in p.records_bytes() {
                    n += r.unwrap().data.len();
                }
            }
        }
        println!("records_bytes (xml): {:?} {n}", t.elapsed());
        let t = Instant::now();
        let mut n = 0usize;
        for _ in 0..reps {
            for f in &files {
                let mut p = evtx::EvtxParser::from_buffer(f.clone())
                    .unwrap()
                    .with_configuration(settings().indent(false));
                for r in p.records_json_value() {
                    n += r.unwrap().data.as_object().unwrap().len();
                }
            }
        }
        println!("records_json_value: {:?} {n}", t.elapsed());
    }
    let t = Instant::now();
    let mut n = 0usize;
    let mut ctx = firebreak_readers::ReadContext::new("x");
    ctx.options.threads = threads;
    for _ in 0..reps {
        for f in &files {
            let mut sink = firebreak_event::VecSink::default();
            firebreak_readers::read(
                firebreak_readers::Format::Evtx,
                Box::new(std::io::Cursor::new(f.clone())),
                &ctx,
                &mut sink,
            )
            .unwrap();
            n += sink.events.len();
        }
    }
    println!("firebreak read: {:?} {n}", t.elapsed());
}
