//! The namespace lab (crates/firebreak-surface/lab/lab.sh) for tests that run
//! `firebreak surface` against real servers: started with the test doubles of
//! tests/doubles (LAB_DOUBLES) and stopped on drop. Needs root and the packages
//! `.ci/run` installs; without them the tests fail (never skipped).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub struct Lab {
    pub prefix: String,
    pub dir: tempfile::TempDir,
}

fn lab_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../firebreak-surface/lab/lab.sh")
}

fn doubles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/doubles")
}

impl Lab {
    /// Builds the lab under a prefix of its own (`tag` + pid).
    pub fn up(tag: &str) -> Lab {
        let prefix = format!("{tag}{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let lab = Lab { prefix, dir };
        let out = Command::new("bash")
            .arg(lab_script())
            .args(["up", &lab.prefix])
            .arg(lab.dir.path())
            .env("LAB_DOUBLES", doubles())
            .output()
            .expect("run lab.sh");
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ready"),
            "the lab did not come up (root and .ci/run's packages needed): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    /// Runs `firebreak surface ARGS` in the scanner's namespace (hard deadline 300 s).
    /// Returns the JSONL findings and stderr.
    pub fn surface(&self, scope: &str, args: &[&str]) -> (Vec<Value>, String) {
        let (findings, err, _) = self.surface_streamed(scope, args);
        (findings, err)
    }

    /// [`Lab::surface`], also telling whether the first finding was read while the
    /// scan was still running.
    pub fn surface_streamed(&self, scope: &str, args: &[&str]) -> (Vec<Value>, String, bool) {
        let scope_file = self.dir.path().join("scope.txt");
        std::fs::write(&scope_file, scope).unwrap();
        let bin = assert_cmd::cargo::cargo_bin("firebreak");
        let mut child = Command::new("ip")
            .args(["netns", "exec", &format!("{}-scan", self.prefix)])
            .arg(bin)
            .arg("surface")
            .arg("--scope")
            .arg(&scope_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let (d, pid) = (done.clone(), child.id());
        std::thread::spawn(move || {
            for _ in 0..300 {
                std::thread::sleep(Duration::from_secs(1));
                if d.load(Ordering::Relaxed) {
                    return;
                }
            }
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        });
        let mut stderr = child.stderr.take().unwrap();
        let err_t = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
            s
        });
        let mut first_while_running = None;
        let mut findings = Vec::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            if first_while_running.is_none() {
                first_while_running = Some(child.try_wait().unwrap().is_none());
            }
            findings.push(serde_json::from_str::<Value>(&line.unwrap()).expect("a JSON line"));
        }
        let status = child.wait().unwrap();
        done.store(true, Ordering::Relaxed);
        let err = err_t.join().unwrap();
        assert!(status.success(), "firebreak surface failed: {err}");
        (findings, err, first_while_running.unwrap_or(false))
    }

    /// TCP segments and UDP datagrams (delivered, to closed ports, or in error) a lab
    /// host has received so far, from its namespace's /proc/net/snmp. IGMP and ARP,
    /// which bridges carry to everyone, are not counted.
    pub fn tcp_udp_in(&self, host: &str) -> u64 {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &format!("{}-{host}", self.prefix),
                "cat",
                "/proc/net/snmp",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |proto: &str, name: &str| -> u64 {
            let mut rows = text.lines().filter(|l| l.starts_with(proto));
            let names: Vec<&str> = rows.next().unwrap().split_whitespace().collect();
            let vals: Vec<&str> = rows.next().unwrap().split_whitespace().collect();
            let i = names.iter().position(|n| *n == name).unwrap();
            vals[i].parse().unwrap()
        };
        field("Tcp:", "InSegs")
            + field("Udp:", "InDatagrams")
            + field("Udp:", "NoPorts")
            + field("Udp:", "InErrors")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(lab_script())
            .args(["down", &self.prefix])
            .arg(self.dir.path())
            .status();
    }
}

pub fn of_kind<'a>(f: &'a [Value], kind: &str) -> Vec<&'a Value> {
    f.iter().filter(|v| v["kind"] == kind).collect()
}

/// The one finding of `kind` at `addr:port`, or a panic listing what there is.
pub fn one_at<'a>(f: &'a [Value], kind: &str, addr: &str, port: u16) -> &'a Value {
    let hits: Vec<&Value> = f
        .iter()
        .filter(|v| v["kind"] == kind && v["address"] == addr && v["port"] == port)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{kind} at {addr}:{port}: {hits:?}\nall of kind: {:?}",
        of_kind(f, kind)
            .iter()
            .map(|v| format!("{}:{}", v["address"], v["port"]))
            .collect::<Vec<_>>()
    );
    hits[0]
}
