//! The web proxy's squid `access.log` (native format): staff browsing, machines
//! fetching updates, and the nightly cloud-backup upload from FS01.

use crate::catalog::{HTTP_PATHS, SITES};
use crate::emit::{line, PlacedLabels, Queues, TextFile, TimeFmt};
use crate::out::{Addr, Out};
use crate::rng::Rng;
use crate::sched::{Due, Profile, Sched};
use crate::time::{Ticks, DAY, HOUR, MS, SEC};
use crate::world::World;
use crate::SimError;
use std::io::Write;
use std::path::Path;

pub(crate) const FILE: &str = "proxy/access.log";
pub(crate) const BACKUP_HOST: &str = "s3.eu-central-003.backblazeb2.com";
pub(crate) const BACKUP_IP: &str = "45.11.37.254";
const K_BROWSE: u8 = 0;
const K_MACHINE: u8 = 1;
const K_DENIED: u8 = 2;

/// One night's backup upload: (start, duration, bytes). The same for the background and
/// for the attack night's decoy record.
pub(crate) fn backup_upload(seed: u64, day: Ticks) -> (Ticks, Ticks, u64) {
    let mut rng = Rng::derive(seed ^ day as u64, "backup");
    let start = day + 30 * 60 * SEC + rng.range(0, 10 * 60 * SEC);
    let dur = HOUR + rng.range(20 * 60 * SEC, 75 * 60 * SEC);
    (start, dur, rng.range(5_200_000_000, 8_900_000_000) as u64)
}

/// The squid line after the time for the upload (the time is the end of the transfer).
pub(crate) fn backup_line(w: &World, dur: Ticks, bytes: u64) -> String {
    let fs = &w.hosts[w.fs];
    format!(
        " {:>6} {} TCP_TUNNEL/200 {bytes} CONNECT {BACKUP_HOST}:443 {} HIER_DIRECT/{BACKUP_IP} -",
        dur / MS,
        fs.ip,
        w.users[w.backup_svc].sam
    )
}

pub(crate) fn write(
    w: &World,
    out_dir: &Path,
    queues: &mut Queues,
    placed: &mut PlacedLabels,
) -> Result<u64, SimError> {
    let mut rng = Rng::derive(w.seed, FILE);
    let out = Out::create(out_dir, FILE, Addr::Line, MS)?;
    let mut f = TextFile::new(out, TimeFmt::EpochMs, queues.take(FILE));
    let mut sched: Sched<(Ticks, u64)> = Sched::new(w.start, w.end);
    let staff = w.staff().len() as f64;
    sched.add(
        &mut rng,
        K_BROWSE,
        22.0 * staff * w.intensity,
        Profile::Office,
    );
    sched.add(
        &mut rng,
        K_MACHINE,
        0.25 * w.hosts.len() as f64 * w.intensity,
        Profile::Flat,
    );
    sched.add(
        &mut rng,
        K_DENIED,
        0.05 * staff * w.intensity,
        Profile::Office,
    );
    let attack_night = w.t0 - w.t0.rem_euclid(DAY);
    let mut day = w.start - w.start.rem_euclid(DAY);
    while day < w.end {
        let (start, dur, bytes) = backup_upload(w.seed, day);
        if day != attack_night {
            sched.defer(start + dur, (dur, bytes));
        }
        day += DAY;
    }
    loop {
        f.flush_until(sched.peek().unwrap_or(Ticks::MAX), placed)?;
        let Some((t, due)) = sched.pop(&mut rng) else {
            break;
        };
        let t = f.begin(t);
        f.time(t)?;
        match due {
            Due::Stream(K_BROWSE) => browse(w, &mut rng, &mut f)?,
            Due::Stream(K_MACHINE) => machine(w, &mut rng, &mut f)?,
            Due::Stream(_) => denied(w, &mut rng, &mut f)?,
            Due::Deferred((dur, bytes)) => line!(f, "{}\n", backup_line(w, dur, bytes))?,
        }
    }
    f.finish(placed)
}

fn browse(w: &World, rng: &mut Rng, f: &mut TextFile) -> Result<(), SimError> {
    let staff = w.staff();
    let u = &staff[rng.below(staff.len() as u64) as usize];
    let ip = u.ws.map_or("10.0.2.10", |h| w.hosts[h].ip.as_str());
    let total: u32 = SITES.iter().map(|s| s.0).sum();
    let mut r = rng.below(u64::from(total)) as u32;
    let &(_, host, addr, http) = SITES
        .iter()
        .find(|s| {
            let hit = r < s.0;
            r = r.saturating_sub(s.0);
            hit
        })
        .unwrap_or(&SITES[0]);
    request(rng, f, ip, &u.sam, host, addr, http)
}

fn request(
    rng: &mut Rng,
    f: &mut TextFile,
    ip: &str,
    user: &str,
    host: &str,
    addr: &str,
    http: bool,
) -> Result<(), SimError> {
    if http {
        let &(path, ctype) = rng.pick(HTTP_PATHS);
        let (result, hier) = if rng.chance(0.3) {
            ("TCP_MEM_HIT", "HIER_NONE/-")
        } else {
            ("TCP_MISS", "HIER_DIRECT/")
        };
        let peer = if hier == "HIER_NONE/-" { "" } else { addr };
        line!(
            f,
            " {:>6} {ip} {result}/200 {} GET http://{host}{path} {user} {hier}{peer} {ctype}\n",
            rng.range(1, 900),
            rng.range(300, 900_000)
        )
    } else {
        line!(
            f,
            " {:>6} {ip} TCP_TUNNEL/200 {} CONNECT {host}:443 {user} HIER_DIRECT/{addr} -\n",
            rng.range(80, 180_000),
            rng.range(900, 4_000_000)
        )
    }
}

fn machine(w: &World, rng: &mut Rng, f: &mut TextFile) -> Result<(), SimError> {
    let h = rng.pick(&w.hosts);
    let host = if rng.chance(0.5) {
        "ctldl.windowsupdate.com"
    } else {
        "crl.microsoft.com"
    };
    let addr = if host.starts_with("ctldl") {
        "93.184.221.240"
    } else {
        "23.51.188.110"
    };
    request(rng, f, &h.ip, "-", host, addr, true)
}

fn denied(w: &World, rng: &mut Rng, f: &mut TextFile) -> Result<(), SimError> {
    let staff = w.staff();
    let u = &staff[rng.below(staff.len() as u64) as usize];
    let ip = u.ws.map_or("10.0.2.10", |h| w.hosts[h].ip.as_str());
    let host = rng.pick(&[
        "www.pokerstars.eu",
        "www.bet365.com",
        "mega.nz",
        "www.wetransfer.com",
    ]);
    line!(
        f,
        " {:>6} {ip} TCP_DENIED/403 3950 CONNECT {host}:443 {} HIER_NONE/- text/html\n",
        rng.range(0, 3),
        u.sam
    )
}
