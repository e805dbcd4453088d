//! Quick speed check: parse-only vs parse + hunt with every rule of a folder.
//! `cargo run --release -p firebreak-sigma --example sigma_speed -- RULES_DIR EVTX_DIR [ROUNDS]`
use firebreak_event::VecSink;
use firebreak_readers::{Format, ReadContext};
use firebreak_sigma::{LoadOptions, RuleSet, Scratch};
use std::time::Instant;

fn files(dir: &str, ext: &str) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some(ext))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rules), Some(evtx)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sigma_speed RULES_DIR EVTX_DIR [ROUNDS]");
        return;
    };
    let rounds: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
    let sources: Vec<(String, String)> = files(rules, "yml")
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect();
    let t = Instant::now();
    let (set, errors) = RuleSet::load(&sources, &LoadOptions::default());
    println!(
        "loaded {} rules ({} errors) in {:?}",
        set.len(),
        errors.len(),
        t.elapsed()
    );
    let paths = files(evtx, "evtx");
    let (mut parse, mut hunt, mut events, mut hits) = (0f64, 0f64, 0usize, 0usize);
    let mut scratch = Scratch::default();
    for _ in 0..rounds {
        for p in &paths {
            let t = Instant::now();
            let mut sink = VecSink::default();
            let Ok(f) = std::fs::File::open(p) else {
                continue;
            };
            let _ = firebreak_readers::read(
                Format::Evtx,
                Box::new(f),
                &ReadContext::new(p.display().to_string()),
                &mut sink,
            );
            parse += t.elapsed().as_secs_f64();
            let t = Instant::now();
            for ev in &sink.events {
                set.matches_with(&mut scratch, ev, |_| hits += 1);
            }
            hunt += t.elapsed().as_secs_f64();
            events += sink.events.len();
        }
    }
    let n = events as f64;
    println!("{events} events, {hits} detections");
    println!("parse only: {:.0} events/s", n / parse);
    println!("rule evaluation only: {:.0} events/s", n / hunt);
    println!(
        "parse + hunt: {:.0} events/s = {:.2}x parse-only",
        n / (parse + hunt),
        parse / (parse + hunt)
    );
}
