//! The pack on the simulator's labelled ransomware intrusion: every step the brief names
//! (initial access, lateral movement, credential access, recovery inhibition, service
//! stops, ransom notes) is detected by a rule of the right tactic, nothing is called
//! exfiltration (there was none; the big nightly upload is a decoy), and the noise on
//! background activity stays at the level measured when the pack was written.

mod common;

use firebreak_event::{Event, Location, Timestamp};
use firebreak_readers::ReadOptions;
use firebreak_sigma::{Level, Rule, RuleSet};
use firebreak_simulate::truth::{Evidence, Truth};
use firebreak_simulate::SimConfig;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// One simulated event and the bundled rules it matched.
struct Hit<'s> {
    file: String,
    event: Event,
    rules: Vec<&'s Rule>,
}

struct Run<'s> {
    hits: Vec<Hit<'s>>,
    /// (file, location) → indices into `hits`.
    by_place: HashMap<(String, Location), Vec<usize>>,
}

impl<'s> Run<'s> {
    fn at(&self, file: &str, location: Location) -> Vec<&Hit<'s>> {
        let idx = self
            .by_place
            .get(&(file.to_string(), location))
            .unwrap_or_else(|| panic!("no event at {file} {location:?}"));
        idx.iter().map(|&i| &self.hits[i]).collect()
    }

    /// The bundled rules (file names) of `tactic` matching the evidence.
    fn tactic_rules(&self, e: &Evidence, tactic: &str) -> Vec<&str> {
        self.at(&e.file, e.location)
            .iter()
            .flat_map(|h| h.rules.iter())
            .filter(|r| common::has_tactic(r, tactic))
            .map(|r| common::file_of(r))
            .collect()
    }
}

fn simulate(dir: &Path) -> (SimConfig, Truth) {
    let cfg = SimConfig {
        seed: 3,
        scale: 1,
        ..SimConfig::default()
    };
    firebreak_simulate::simulate(dir, &cfg).expect("simulate");
    let text = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json");
    (cfg, serde_json::from_str(&text).expect("truth schema"))
}

fn run<'s>(set: &'s RuleSet, dir: &Path, cfg: &SimConfig) -> Run<'s> {
    // auth.log has no year (RFC 3164): the simulated window lies in the attack's year.
    let options = ReadOptions {
        syslog_year: Some(cfg.attack_date.0),
        ..ReadOptions::default()
    };
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk").into_path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut hits = Vec::new();
    let mut by_place: HashMap<(String, Location), Vec<usize>> = HashMap::new();
    let mut read = 0;
    for path in files {
        let rel = path
            .strip_prefix(dir)
            .expect("under dir")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "truth.json" || rel.starts_with("leaks/") {
            continue;
        }
        let events = common::read_any(&path, &options)
            .unwrap_or_else(|| panic!("{rel}: format not recognised"));
        read += 1;
        for event in events {
            let rules = set.matches(&event);
            by_place
                .entry((rel.clone(), event.provenance.location))
                .or_default()
                .push(hits.len());
            hits.push(Hit {
                file: rel.clone(),
                event,
                rules,
            });
        }
    }
    assert!(read >= 10, "{read} evidence files");
    Run { hits, by_place }
}

/// The folder an evidence file lies in (the host, or `proxy` / `ns01` / `jump01`).
fn folder(file: &str) -> &str {
    file.split('/').next().unwrap_or(file)
}

#[test]
fn pack_detects_the_simulated_intrusion_with_little_background_noise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cfg, truth) = simulate(dir.path());
    let set = common::pack();
    let run = run(&set, dir.path(), &cfg);
    assert!(run.hits.len() > 30_000, "{} events", run.hits.len());

    // --- initial access: the gateway login with the leaked account.
    let ia = run.tactic_rules(&truth.initial_access.evidence, "initial_access");
    assert!(
        ia.contains(&"initial_access/netscaler_gateway_login.yml"),
        "{ia:?}"
    );

    // --- lateral movement: every edge's evidence, and every labelled step.
    assert_eq!(truth.lateral_movement.len(), 3);
    for edge in &truth.lateral_movement {
        let got = run.tactic_rules(&edge.evidence, "lateral_movement");
        assert!(!got.is_empty(), "edge {} -> {} missed", edge.from, edge.to);
    }
    // The encryptor's own start is an unknown binary with made-up options: no impact
    // rule can know it, the execution rule for binaries in staging folders flags it.
    let encryptor_start =
        |t: &firebreak_simulate::truth::TruthEvent| t.description.starts_with("ransomware started");
    let mut missed = Vec::new();
    for phase in ["lateral_movement", "credential_access", "impact"] {
        for t in truth.events.iter().filter(|t| t.phase == phase) {
            let e = Evidence {
                file: t.file.clone(),
                location: t.location,
            };
            let (tactic, want) = if encryptor_start(t) {
                ("execution", "execution/process_from_staging_folder.yml")
            } else {
                (phase, "")
            };
            let got = run.tactic_rules(&e, tactic);
            if got.is_empty() || !(want.is_empty() || got.contains(&want)) {
                missed.push(format!(
                    "{phase}: {} ({} {:?})",
                    t.description, t.file, t.location
                ));
            }
        }
    }
    assert!(missed.is_empty(), "truth events not detected: {missed:#?}");
    assert_eq!(
        truth.events.iter().filter(|t| encryptor_start(t)).count(),
        4
    );

    // --- impact, by kind: recovery inhibition, service stops, ransom notes, encryption.
    let impact = |needle: &dyn Fn(&firebreak_simulate::truth::TruthEvent) -> bool| {
        truth
            .events
            .iter()
            .filter(|t| t.phase == "impact" && needle(t))
            .count()
    };
    assert!(
        impact(&|t| t.technique == "T1490") >= 8,
        "shadow/backup deletion"
    );
    assert!(impact(&|t| t.technique == "T1489") >= 4, "service stops");
    assert!(impact(&|t| t.description.contains("ransom note")) >= 3);
    for e in [&truth.impact.first_evidence, &truth.impact.last_evidence] {
        assert!(!run.tactic_rules(e, "impact").is_empty(), "{e:?}");
    }
    // every ransom note the encryptor wrote (not only the labelled first one)
    let notes: Vec<&Hit> = run
        .hits
        .iter()
        .filter(|h| {
            h.event
                .fields
                .get("TargetFilename")
                .is_some_and(|f| f.ends_with(&truth.impact.note_name))
        })
        .collect();
    assert!(notes.len() > 10);
    for n in &notes {
        assert!(
            n.rules
                .iter()
                .any(|r| common::file_of(r) == "impact/ransom_note_created.yml"),
            "{} {:?}",
            n.file,
            n.event.provenance.location
        );
    }

    // --- no exfiltration happened: no exfiltration rule fires anywhere, the decoy
    // upload included.
    assert!(!truth.exfiltration);
    let decoy = run.at(&truth.decoy.evidence.file, truth.decoy.evidence.location);
    assert_eq!(decoy.len(), 1);
    assert!(
        decoy[0].event.network.bytes_in.unwrap_or(0)
            + decoy[0].event.network.bytes_out.unwrap_or(0)
            > 1 << 30
    );
    assert!(
        decoy[0].rules.is_empty(),
        "decoy hit by {:?}",
        decoy[0]
            .rules
            .iter()
            .map(|r| r.origin())
            .collect::<Vec<_>>()
    );
    let exfil: Vec<String> = run
        .hits
        .iter()
        .flat_map(|h| h.rules.iter().map(move |r| (h, r)))
        .filter(|(_, r)| common::has_tactic(r, "exfiltration"))
        .map(|(h, r)| {
            format!(
                "{} {} {:?}",
                r.origin(),
                h.file,
                h.event.provenance.location
            )
        })
        .collect();
    assert!(exfil.is_empty(), "{exfil:#?}");

    // --- coverage of every labelled attacker event
    let labelled: HashSet<(String, Location)> = truth
        .events
        .iter()
        .map(|t| (t.file.clone(), t.location))
        .collect();
    let covered = truth
        .events
        .iter()
        .filter(|t| {
            run.at(&t.file, t.location)
                .iter()
                .any(|h| !h.rules.is_empty())
        })
        .count();
    println!("truth events detected: {covered}/{}", truth.events.len());
    for t in &truth.events {
        if run
            .at(&t.file, t.location)
            .iter()
            .all(|h| h.rules.is_empty())
        {
            println!(
                "  not detected: {} {}: {}",
                t.phase, t.technique, t.description
            );
        }
    }
    // Measured 88 of 91 at seed 3; the undetected ones look benign on their own (the
    // attacker's plain cmd.exe start, the gateway logout).
    assert!(
        covered * 100 >= truth.events.len() * 85,
        "{covered}/{}",
        truth.events.len()
    );

    // --- background: events that are neither labelled nor part of the attack night on
    // a host (or log) the attacker touched. The attack's unlabelled records (the other
    // encrypted files and notes, privileges records, PSEXESVC's file and state) all lie
    // between the first and last labelled event on those hosts; genuine background in
    // that hour on those hosts is left out of the count too.
    let times: Vec<Timestamp> = truth
        .events
        .iter()
        .map(|t| Timestamp::parse_rfc3339(&t.time).expect("truth time"))
        .collect();
    let (first, last) = (
        *times.iter().min().expect("events"),
        *times.iter().max().expect("events"),
    );
    let attacked: HashSet<&str> = truth.events.iter().map(|t| folder(&t.file)).collect();
    let background = |h: &Hit| {
        let attack_night =
            attacked.contains(folder(&h.file)) && (first..=last).contains(&h.event.timestamp);
        !attack_night && !labelled.contains(&(h.file.clone(), h.event.provenance.location))
    };
    let mut by_level: BTreeMap<Level, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<(Level, &str), usize> = BTreeMap::new();
    let mut bg_events = 0;
    for h in run.hits.iter().filter(|h| background(h)) {
        bg_events += 1;
        for r in &h.rules {
            let level = r.level().expect("level");
            *by_level.entry(level).or_default() += 1;
            *by_rule.entry((level, common::file_of(r))).or_default() += 1;
        }
    }
    println!("background events: {bg_events}");
    for ((level, rule), n) in by_rule.iter().rev() {
        println!("  {:>5} {:<13} {rule}", n, level.as_str());
    }
    let count = |l: Level| by_level.get(&l).copied().unwrap_or(0);
    assert!(bg_events > 30_000, "{bg_events}");
    // Measured at seed 3 (the crate README has the table): no medium, high or critical
    // detection on ~33 000 background events. Low (78): the administrators' RDP
    // sessions (12), their sudo commands (17) and NetScaler login failures (49, the
    // internet's password spraying against the gateway). Informational (250): the
    // gateway logins of staff working from home and type 3 logons, building blocks of
    // correlations. The bounds leave ~25 % headroom for background the simulator may
    // gain; a medium or higher detection on background is a regression either way.
    assert_eq!(
        count(Level::Critical) + count(Level::High) + count(Level::Medium),
        0,
        "{by_rule:#?}"
    );
    assert!(count(Level::Low) <= 100, "{by_rule:#?}");
    assert!(count(Level::Informational) <= 320, "{by_rule:#?}");
}
