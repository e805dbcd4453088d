//! Debug aid: run the bundled rules over evidence files and print what fires.
//!
//! `cargo run -p firebreak-rules --example rules_probe -- [--all] [--dump SUBSTR] PATH...`
//!
//! PATHs are files or folders (read recursively; formats sniffed). Prints one line per
//! detection (`rule | file | location | message`); `--dump SUBSTR` also prints every
//! field of events whose message or fields contain SUBSTR; `--all` prints every event.
use firebreak_event::VecSink;
use firebreak_readers::{ReadContext, SNIFF_LEN};
use firebreak_sigma::{LoadOptions, RuleSet};
use std::io::Read;

fn main() {
    let mut dump: Option<String> = None;
    let mut all = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dump" => dump = args.next().map(|s| s.to_ascii_lowercase()),
            "--all" => all = true,
            _ => paths.push(a),
        }
    }
    let (set, errors) = RuleSet::load(&firebreak_rules::bundled(), &LoadOptions::default());
    for e in &errors {
        eprintln!("load error: {e}");
    }
    eprintln!(
        "{} rules, {} correlations",
        set.len(),
        set.correlations().len()
    );
    for root in paths {
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let Ok(mut file) = std::fs::File::open(path) else {
                continue;
            };
            let mut head = vec![0u8; SNIFF_LEN];
            let n = file.read(&mut head).unwrap_or(0);
            head.truncate(n);
            let Some(format) = firebreak_readers::sniff(&head) else {
                continue;
            };
            let Ok(file) = std::fs::File::open(path) else {
                continue;
            };
            let mut sink = VecSink::default();
            let name = path.display().to_string();
            let mut ctx = ReadContext::new(name.clone());
            ctx.file_mtime = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| firebreak_event::Timestamp::from_secs(d.as_secs() as i64).ok());
            if let Err(e) = firebreak_readers::read(format, Box::new(file), &ctx, &mut sink) {
                eprintln!("{name}: {e}");
            }
            if !sink.rejected.is_empty() {
                eprintln!("{name}: {} rejected", sink.rejected.len());
            }
            for ev in &sink.events {
                let hits = set.matches(ev);
                let show = all
                    || dump.as_ref().is_some_and(|d| {
                        ev.message.to_ascii_lowercase().contains(d)
                            || ev
                                .fields
                                .iter()
                                .any(|(_, v)| v.to_ascii_lowercase().contains(d))
                    });
                if show {
                    println!(
                        "--- {name} {} {:?} {:?}",
                        ev.provenance.location, ev.event_id, ev.channel
                    );
                    for (k, v) in ev.fields.iter() {
                        println!("    {k} = {v}");
                    }
                }
                for r in hits {
                    println!(
                        "HIT {} | {} | {name} | {} | {}",
                        r.origin(),
                        r.level().map_or("-", |l| l.as_str()),
                        ev.provenance.location,
                        ev.message.chars().take(160).collect::<String>()
                    );
                }
            }
        }
    }
}
