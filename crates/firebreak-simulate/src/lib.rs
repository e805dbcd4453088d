//! A labelled ransomware-intrusion simulator.
//!
//! [`simulate`] writes, deterministically from a seed, the evidence an incident
//! responder would collect after one night's ransomware attack on a small company —
//! in the formats the real products write — plus `truth.json`, the answer key
//! (see [`truth`] for its schema).
//!
//! The story (UTC): several days of background (office logons, Kerberos, file shares,
//! Citrix sessions from home, proxy browsing, cron and SSH on a Linux jump host); then,
//! around 02:13 on the attack day, a Citrix gateway login with a valid but leaked
//! account from a foreign address, RDP through the gateway to that user's workstation
//! (patient zero), discovery, an LSASS dump that yields a domain admin's credentials
//! (cached from a support session the day before), PsExec to DC01 and FS01, recovery
//! inhibition and backup-service stops, and encryption of FS01's shares and patient
//! zero's profile. No data leaves; a large nightly cloud-backup upload through the
//! proxy is the decoy.
//!
//! Layout of the output directory:
//!
//! ```text
//! DC01/ FS01/ WS-nnn/     Security.xml, System.xml (wevtutil /f:xml, <Events> root),
//!                         Sysmon.jsonl (evtx_dump -o jsonl shape)
//! FS01/bodyfile.txt       Sleuth Kit bodyfile of the D: volume after the attack
//! ns01/ns.log             Citrix NetScaler gateway log
//! proxy/access.log        squid native access log
//! jump01/auth.log         Linux auth.log (RFC 3164, no year)
//! leaks/combolist.txt     leaked email:password list
//! truth.json              the answer key
//! ```
//!
//! Background volume grows linearly with `scale` (scale 1 ≈ 40 000 records); memory
//! does not (records are generated in time order and streamed to buffered files).

mod attack;
mod authlog;
mod bg_win;
mod bodyfile;
mod catalog;
mod emit;
mod leaks;
mod netscaler;
mod out;
mod rng;
mod sched;
mod squid;
mod time;
pub mod truth;
mod win;
mod winev;
mod world;

use std::path::{Path, PathBuf};
use truth::{Decoy, Evidence, Impact, InitialAccess, LateralEdge, Truth, TruthEvent, Window};

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub seed: u64,
    /// Background volume multiplier (≥ 1).
    pub scale: u64,
    /// The attack night's date (year, month, day); the attack starts around 02:13 UTC.
    pub attack_date: (i32, u32, u32),
    /// Days of background before the attack day (the window ends at 08:30 on it).
    pub background_days: u32,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            seed: 1,
            scale: 1,
            attack_date: (2026, 11, 24),
            background_days: 5,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl SimError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> SimError {
        SimError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSummary {
    /// Each file (relative, '/'-separated) and its record count.
    pub files: Vec<(String, u64)>,
    /// Records in all evidence files (`truth.json` not counted).
    pub total_records: u64,
    /// Attacker events listed in `truth.json`.
    pub attack_events: usize,
    pub patient_zero: String,
}

/// Write the evidence set and `truth.json` into `out_dir` (created if missing;
/// existing files of the same names are replaced; nothing is written outside it).
pub fn simulate(out_dir: &Path, cfg: &SimConfig) -> Result<SimSummary, SimError> {
    if cfg.scale == 0 {
        return Err(SimError::Config("scale must be at least 1".into()));
    }
    if cfg.background_days == 0 || cfg.background_days > 60 {
        return Err(SimError::Config("background_days must be 1..=60".into()));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| SimError::io(out_dir, e))?;
    let w = world::World::new(cfg);
    let shares = world::share_files(cfg.seed, w.t0 - 2 * time::HOUR);
    let mut sc = attack::plan(&w, &shares);
    let mut placed: emit::PlacedLabels = vec![None; sc.labels.len()];
    let tables = bg_win::Tables::new();
    let mut files = Vec::new();
    for hi in 0..w.hosts.len() {
        let n = bg_win::write_host(
            &w,
            hi,
            &shares,
            &tables,
            out_dir,
            &mut sc.queues,
            &mut placed,
        )?;
        files.push((w.hosts[hi].name.clone() + "/*", n));
    }
    files.push((
        netscaler::FILE.into(),
        netscaler::write(&w, out_dir, &mut sc.queues, &mut placed)?,
    ));
    files.push((
        squid::FILE.into(),
        squid::write(&w, out_dir, &mut sc.queues, &mut placed)?,
    ));
    files.push((
        authlog::FILE.into(),
        authlog::write(&w, out_dir, &mut sc.queues, &mut placed)?,
    ));
    files.push((
        bodyfile::FILE.into(),
        bodyfile::write(&w, &shares, &mut sc, out_dir, &mut placed)?,
    ));
    let (leak_lines, leak_line) = leaks::write(&w, out_dir)?;
    files.push((leaks::FILE.into(), leak_lines));
    let left = sc.queues.leftover();
    if !left.is_empty() {
        return Err(SimError::Internal(format!(
            "attack records for unwritten files: {left:?}"
        )));
    }
    let leaked = Evidence {
        file: leaks::FILE.into(),
        location: firebreak_event::Location::Line(leak_line),
    };
    let truth = build_truth(cfg, &w, &sc, &placed, leaked)?;
    let path = out_dir.join("truth.json");
    let json = serde_json::to_vec_pretty(&truth).map_err(|e| SimError::Internal(e.to_string()))?;
    std::fs::write(&path, json).map_err(|e| SimError::io(&path, e))?;
    Ok(SimSummary {
        total_records: files.iter().map(|f| f.1).sum(),
        files,
        attack_events: truth.events.len(),
        patient_zero: truth.patient_zero,
    })
}

fn build_truth(
    cfg: &SimConfig,
    w: &world::World,
    sc: &attack::Scenario,
    placed: &emit::PlacedLabels,
    leaked_credentials: Evidence,
) -> Result<Truth, SimError> {
    let at = |i: usize| -> Result<&out::Placed, SimError> {
        placed
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| SimError::Internal(format!("label {i} was never written")))
    };
    let ev = |p: &out::Placed| Evidence {
        file: p.file.clone(),
        location: p.location,
    };
    let mut events = Vec::new();
    for (i, l) in sc.labels.iter().enumerate().filter(|(_, l)| l.attack) {
        let p = at(i)?;
        events.push((
            p.time,
            TruthEvent {
                file: p.file.clone(),
                location: p.location,
                time: truth::rfc3339(p.time),
                host: l.host.clone(),
                phase: l.phase.into(),
                technique: l.technique.into(),
                description: l.description.clone(),
            },
        ));
    }
    events.sort_by_key(|e| e.0);
    let ia = at(sc.initial_access)?;
    let victim = &w.users[w.victim];
    let lateral = sc
        .edges
        .iter()
        .map(|e| {
            let p = at(e.evidence)?;
            Ok(LateralEdge {
                time: truth::rfc3339(p.time),
                from: e.from.clone(),
                to: e.to.clone(),
                user: e.user.clone(),
                method: e.method.into(),
                evidence: ev(p),
            })
        })
        .collect::<Result<Vec<_>, SimError>>()?;
    let (first, last) = (at(sc.impact_first)?, at(sc.impact_last)?);
    let decoy = at(sc.decoy)?;
    let end = at(sc.session_end)?;
    Ok(Truth {
        seed: cfg.seed,
        scale: w.scale,
        window: Window { start: truth::rfc3339(w.start), end: truth::rfc3339(w.end) },
        attacker_ips: vec![w.attacker_ip.clone()],
        compromised_accounts: sc.compromised.clone(),
        patient_zero: w.hosts[w.patient_zero].name.clone(),
        initial_access: InitialAccess {
            time: truth::rfc3339(ia.time),
            user: format!("{}\\{}", world::DOMAIN, victim.sam),
            src_ip: w.attacker_ip.clone(),
            gateway: world::NS_NAME.into(),
            evidence: ev(ia),
        },
        lateral_movement: lateral,
        impact: Impact {
            hosts: sc.impact_hosts.clone(),
            first: truth::rfc3339(first.time),
            last: truth::rfc3339(last.time),
            extension: world::RANSOM_EXT.into(),
            note_name: world::NOTE_NAME.into(),
            files_encrypted: sc.files_encrypted,
            first_evidence: ev(first),
            last_evidence: ev(last),
        },
        exfiltration: false,
        exfiltration_note: format!(
            "No data was exfiltrated: the attacker's only channel was the gateway session, whose totals (see {} {}) fit interactive RDP; no uploads from compromised hosts appear in the proxy log. The large nightly upload is the decoy.",
            end.file, end.location
        ),
        decoy: Decoy { description: sc.labels[sc.decoy].description.clone(), time: truth::rfc3339(decoy.time), evidence: ev(decoy) },
        leaked_credentials,
        events: events.into_iter().map(|e| e.1).collect(),
    })
}
