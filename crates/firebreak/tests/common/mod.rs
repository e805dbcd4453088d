//! Helpers for tests that run the real binary.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn shared() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        p.join("data").is_dir(),
        "test data missing: {} (../shared beside the checkout)",
        p.display()
    );
    p
}

pub fn evtx_samples() -> PathBuf {
    shared().join("data/evtx-attack-samples")
}

pub fn firebreak() -> Command {
    Command::cargo_bin("firebreak").expect("binary built")
}

/// Run `firebreak ARGS`, assert success, return stdout.
pub fn run_ok(args: &[&str]) -> String {
    let out = firebreak().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "firebreak {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// `case status --json`.
pub fn status(case: &Path) -> Value {
    let s = run_ok(&[
        "case",
        "status",
        "--json",
        "--rejected",
        "100000",
        "--case",
        case.to_str().unwrap(),
    ]);
    serde_json::from_str(&s).expect("status JSON")
}

pub fn ingest(case: &Path, paths: &[&Path]) -> String {
    let mut args = vec!["ingest", "-q", "--case", case.to_str().unwrap()];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    run_ok(&args)
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `firebreak simulate DIR --seed SEED --days DAYS` and the truth it wrote.
pub fn simulate(dir: &Path, seed: u64, days: u32) -> firebreak_simulate::truth::Truth {
    let (seed, days) = (seed.to_string(), days.to_string());
    run_ok(&[
        "simulate",
        dir.to_str().unwrap(),
        "--seed",
        &seed,
        "--days",
        &days,
    ]);
    let text = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json");
    serde_json::from_str(&text).expect("truth.json parses")
}
