//! The Linux jump host's `/var/log/auth.log`: cron, administrators' SSH sessions with
//! sudo, and monitoring probes.

use crate::emit::{line, PlacedLabels, Queues, TextFile, TimeFmt};
use crate::out::{Addr, Out};
use crate::rng::Rng;
use crate::sched::{minutes, Due, Profile, Sched};
use crate::time::{unix_secs, Ticks, MIN, SEC};
use crate::world::{World, JUMP_NAME};
use crate::SimError;
use std::io::Write;
use std::path::Path;

pub(crate) const FILE: &str = "jump01/auth.log";
const K_SSH: u8 = 0;
const K_PROBE: u8 = 1;
const K_CRON: u8 = 2;

const SUDO: &[&str] = &[
    "/usr/bin/systemctl status nginx",
    "/usr/bin/journalctl -u ssh --since today",
    "/usr/bin/apt-get update",
    "/usr/bin/tail -n 200 /var/log/syslog",
    "/usr/sbin/reboot",
];

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Later {
    CronClose(u32),
    Sudo {
        user: usize,
        pid: u32,
    },
    Close {
        user: usize,
        pid: u32,
        port: u16,
        session: u32,
    },
}

pub(crate) fn write(
    w: &World,
    out_dir: &Path,
    queues: &mut Queues,
    placed: &mut PlacedLabels,
) -> Result<u64, SimError> {
    let mut rng = Rng::derive(w.seed, FILE);
    let out = Out::create(out_dir, FILE, Addr::Line, SEC)?;
    let mut f = TextFile::new(out, TimeFmt::Syslog, queues.take(FILE));
    let mut sched: Sched<Later> = Sched::new(w.start, w.end);
    sched.add(&mut rng, K_SSH, 0.5 * w.intensity, Profile::Office);
    sched.add(&mut rng, K_PROBE, 2.0 * w.intensity, Profile::Flat);
    sched.add(&mut rng, K_CRON, 6.0, Profile::Flat);
    let mut session = rng.range(100, 900) as u32;
    loop {
        f.flush_until(sched.peek().unwrap_or(Ticks::MAX), placed)?;
        let Some((t, due)) = sched.pop(&mut rng) else {
            break;
        };
        let pid = rng.range(1000, 60_000) as u32;
        match due {
            Due::Stream(K_SSH) => {
                let user = rng.below(2) as usize;
                let sam = &w.users[user].sam;
                let ip = w.users[user]
                    .ws
                    .map_or("10.0.2.10", |h| w.hosts[h].ip.as_str());
                let port = rng.range(49_152, 65_535) as u16;
                session += 1;
                let fp = fingerprint(w.seed, user);
                msg(&mut f, t, "sshd", pid, &format!("Accepted publickey for {sam} from {ip} port {port} ssh2: ED25519 SHA256:{fp}"))?;
                msg(
                    &mut f,
                    t,
                    "sshd",
                    pid,
                    &format!(
                        "pam_unix(sshd:session): session opened for user {sam}(uid={}) by (uid=0)",
                        1001 + user
                    ),
                )?;
                msg(
                    &mut f,
                    t,
                    "systemd-logind",
                    612,
                    &format!("New session {session} of user {sam}."),
                )?;
                sched.defer(t + minutes(&mut rng, 1, 10), Later::Sudo { user, pid });
                sched.defer(
                    t + minutes(&mut rng, 12, 60),
                    Later::Close {
                        user,
                        pid,
                        port,
                        session,
                    },
                );
            }
            Due::Stream(K_PROBE) => msg(
                &mut f,
                t,
                "sshd",
                pid,
                "Connection closed by 10.0.0.40 port 41822 [preauth]",
            )?,
            Due::Stream(_) => {
                msg(
                    &mut f,
                    t,
                    "CRON",
                    pid,
                    "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                )?;
                sched.defer(t + rng.range(SEC, 40 * SEC), Later::CronClose(pid));
            }
            Due::Deferred(Later::CronClose(pid)) => msg(
                &mut f,
                t,
                "CRON",
                pid,
                "pam_unix(cron:session): session closed for user root",
            )?,
            Due::Deferred(Later::Sudo { user, pid }) => {
                let sam = &w.users[user].sam;
                let cmd = rng.pick(SUDO);
                msg(
                    &mut f,
                    t,
                    "sudo",
                    pid + 7,
                    &format!("    {sam} : TTY=pts/0 ; PWD=/home/{sam} ; USER=root ; COMMAND={cmd}"),
                )?;
                msg(&mut f, t, "sudo", pid + 7, &format!("pam_unix(sudo:session): session opened for user root(uid=0) by {sam}(uid={})", 1001 + user))?;
                msg(
                    &mut f,
                    t + 2 * SEC,
                    "sudo",
                    pid + 7,
                    "pam_unix(sudo:session): session closed for user root",
                )?;
            }
            Due::Deferred(Later::Close {
                user,
                pid,
                port,
                session,
            }) => {
                let sam = &w.users[user].sam;
                let ip = w.users[user]
                    .ws
                    .map_or("10.0.2.10", |h| w.hosts[h].ip.as_str());
                msg(
                    &mut f,
                    t,
                    "sshd",
                    pid,
                    &format!("Received disconnect from {ip} port {port}:11: disconnected by user"),
                )?;
                msg(
                    &mut f,
                    t,
                    "sshd",
                    pid,
                    &format!("Disconnected from user {sam} {ip} port {port}"),
                )?;
                msg(
                    &mut f,
                    t,
                    "sshd",
                    pid,
                    &format!("pam_unix(sshd:session): session closed for user {sam}"),
                )?;
                msg(
                    &mut f,
                    t,
                    "systemd-logind",
                    612,
                    &format!("Session {session} logged out. Waiting for processes to exit."),
                )?;
                msg(
                    &mut f,
                    t + MIN / 100,
                    "systemd-logind",
                    612,
                    &format!("Removed session {session}."),
                )?;
            }
        }
    }
    let n = f.finish(placed)?;
    // As collected: the file was last written at the end of the window (readers use the
    // mtime to supply the year RFC 3164 leaves out).
    let path = FILE
        .split('/')
        .fold(out_dir.to_path_buf(), |p, c| p.join(c));
    let mtime =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix_secs(w.end).max(0) as u64);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_modified(mtime))
        .map_err(|e| SimError::io(&path, e))?;
    Ok(n)
}

/// `time jump01 prog[pid]: text` (the `sudo` program logs without a pid).
fn msg(f: &mut TextFile, t: Ticks, prog: &str, pid: u32, text: &str) -> Result<(), SimError> {
    let t = f.begin(t);
    f.time(t)?;
    if prog == "sudo" {
        line!(f, " {JUMP_NAME} {prog}: {text}\n")
    } else {
        line!(f, " {JUMP_NAME} {prog}[{pid}]: {text}\n")
    }
}

fn fingerprint(seed: u64, user: usize) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = Rng::derive(seed ^ user as u64, "ssh-key");
    (0..43)
        .map(|_| B64[rng.below(64) as usize] as char)
        .collect()
}
