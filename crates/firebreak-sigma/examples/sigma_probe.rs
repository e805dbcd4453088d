//! Debug aid: which events of an EVTX file a rule file matches.
//! `cargo run -p firebreak-sigma --example sigma_probe -- RULE.yml FILE.evtx`
use firebreak_event::VecSink;
use firebreak_readers::{Format, ReadContext};
use firebreak_sigma::{LoadOptions, RuleSet};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rule), Some(evtx)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sigma_probe RULE.yml FILE.evtx");
        return;
    };
    let text = std::fs::read_to_string(rule).unwrap_or_default();
    let (set, errors) = RuleSet::load(&[(rule.clone(), text)], &LoadOptions::default());
    for e in errors {
        eprintln!("{e}");
    }
    let mut sink = VecSink::default();
    let Ok(file) = std::fs::File::open(evtx) else {
        eprintln!("cannot open {evtx}");
        return;
    };
    let _ = firebreak_readers::read(
        Format::Evtx,
        Box::new(file),
        &ReadContext::new(evtx.clone()),
        &mut sink,
    );
    for ev in &sink.events {
        let hit = !set.matches(ev).is_empty();
        println!(
            "{} {} {:?} {}",
            if hit { "HIT " } else { "    " },
            ev.provenance.location,
            ev.event_id,
            ev.message
        );
    }
}
