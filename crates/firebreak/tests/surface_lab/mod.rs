//! What the case and discovery tests add to the shared lab helper (tests/common/lab.rs):
//! files in the lab's folder, runs with their JSONL text, daemons stopped by pid to
//! change the lab between runs, and a test double started in a lab namespace.

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::lab::Lab;

/// What one `firebreak surface` run gave.
pub struct Run {
    /// The JSONL lines, parsed.
    pub findings: Vec<Value>,
    /// The findings as JSON text (one a line), for what must never appear in them.
    pub stdout: String,
    pub stderr: String,
}

/// A process started in a lab namespace by a test; killed (by pid) when dropped.
pub struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub trait LabExt {
    /// Writes `text` to `name` in the lab's folder and returns the path.
    fn file(&self, name: &str, text: &str) -> String;
    /// `firebreak surface --scope SCOPE ARGS` in the scanner's namespace.
    fn run(&self, scope: &str, args: &[&str]) -> Run;
    /// Stops the daemon named `comm` in lab host `host` (by the pids found among the
    /// namespace's processes) and waits, bounded, until it is gone.
    fn stop(&self, host: &str, comm: &str);
    /// Sends SIGHUP to the daemon named `comm` in lab host `host` (by pid).
    fn hup(&self, host: &str, comm: &str);
    /// Waits, bounded, until the lab's authoritative server answers `name` with an
    /// address (asked from the scanner's namespace, through no cache).
    fn wait_name(&self, name: &str);
    /// Starts `python3 -c SCRIPT` in lab host `host` and waits, bounded, until
    /// ADDR:PORT accepts connections from the scanner's namespace.
    fn python(&self, host: &str, script: &str, addr: &str, port: u16) -> Daemon;
}

/// Exits 0 when 10.77.0.2 answers argv[1] IN A with an answer (one UDP query).
const ASK_A: &str = r#"
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, ("10.77.0.2", 53))
r = s.recv(4096)
sys.exit(0 if r[:2] == q[:2] and (r[3] & 15) == 0 and struct.unpack(">H", r[6:8])[0] > 0 else 1)
"#;

fn pids_of(lab: &Lab, host: &str, comm: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args(["netns", "pids", &format!("{}-{host}", lab.prefix)])
        .output()
        .unwrap();
    let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
        })
        .map(str::to_string)
        .collect();
    assert!(!pids.is_empty(), "no {comm} in {host}");
    pids
}

impl LabExt for Lab {
    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn run(&self, scope: &str, args: &[&str]) -> Run {
        let (findings, stderr) = self.surface(scope, args);
        let stdout = findings
            .iter()
            .map(|v| v.to_string() + "\n")
            .collect::<String>();
        Run {
            findings,
            stdout,
            stderr,
        }
    }

    fn stop(&self, host: &str, comm: &str) {
        let pids = pids_of(self, host, comm);
        for pid in &pids {
            let _ = Command::new("kill").arg(pid).status();
        }
        for pid in &pids {
            for _ in 0..100 {
                let gone = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .map_or(true, |st| st.contains(") Z "));
                if gone {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn hup(&self, host: &str, comm: &str) {
        for pid in pids_of(self, host, comm) {
            let _ = Command::new("kill").args(["-HUP", &pid]).status();
        }
    }

    fn wait_name(&self, name: &str) {
        for _ in 0..100 {
            let ok = Command::new("ip")
                .args(["netns", "exec", &format!("{}-scan", self.prefix)])
                .args(["python3", "-c", ASK_A, name])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{name} does not resolve at the lab's authoritative server");
    }

    fn python(&self, host: &str, script: &str, addr: &str, port: u16) -> Daemon {
        let child = Command::new("ip")
            .args(["netns", "exec", &format!("{}-{host}", self.prefix)])
            .args(["python3", "-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let d = Daemon(child);
        let probe = format!("echo > /dev/tcp/{addr}/{port}");
        for _ in 0..100 {
            let ok = Command::new("ip")
                .args(["netns", "exec", &format!("{}-scan", self.prefix)])
                .args(["timeout", "1", "bash", "-c", &probe])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return d;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{host}: {addr}:{port} did not come up");
    }
}
