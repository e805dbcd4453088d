//! Ingest through the real binary on real files.

mod common;

use common::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// For every EVTX file in the shared samples: stored + rejected = records the
/// `evtx` crate iterates.
#[test]
fn every_shared_evtx_record_is_accounted_for() {
    let case = tempfile::tempdir().unwrap();
    ingest(case.path(), &[&evtx_samples()]);
    let st = status(case.path());
    let by_path: HashMap<String, &serde_json::Value> = st["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["display_path"].as_str().unwrap().to_string(), e))
        .collect();
    let mut checked = 0;
    for f in files_under(&evtx_samples()) {
        if f.extension().is_none_or(|x| x != "evtx") {
            continue;
        }
        let mut parser = evtx::EvtxParser::from_path(&f).unwrap();
        let expected = parser.records().count() as u64;
        let e = by_path
            .get(f.to_str().unwrap())
            .unwrap_or_else(|| panic!("{} not in the case", f.display()));
        let stored = e["records_stored"].as_u64().unwrap();
        let rejected = e["records_rejected"].as_u64().unwrap();
        assert_eq!(stored + rejected, expected, "{}", f.display());
        assert_eq!(e["format"], "evtx");
        assert_eq!(e["state"], "complete");
        checked += 1;
    }
    assert!(checked >= 170, "only {checked} EVTX files found");
    // Every stored event count adds up to the case total.
    let total: u64 = st["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["events"].as_u64().unwrap())
        .sum();
    assert_eq!(total, st["events"].as_u64().unwrap());
}

#[test]
fn ingest_is_idempotent_by_content() {
    let ev = tempfile::tempdir().unwrap();
    let sample = evtx_samples().join("Lateral Movement");
    let first = sample.read_dir().unwrap().next().unwrap().unwrap().path();
    std::fs::copy(&first, ev.path().join("a.evtx")).unwrap();
    std::fs::copy(&first, ev.path().join("same-content-other-name.evtx")).unwrap();
    let case = tempfile::tempdir().unwrap();
    let out1 = ingest(case.path(), &[ev.path()]);
    let events1 = status(case.path())["events"].as_u64().unwrap();
    assert!(events1 > 0);
    assert!(
        out1.contains("already in the case (same SHA-256), not read again: 1"),
        "{out1}"
    );
    let out2 = ingest(case.path(), &[ev.path()]);
    assert!(out2.contains("not read again: 2"), "{out2}");
    let st = status(case.path());
    assert_eq!(st["events"].as_u64().unwrap(), events1);
    assert_eq!(st["evidence"].as_array().unwrap().len(), 1);
}

#[test]
fn case_verify_detects_changed_and_missing_evidence() {
    let ev = tempfile::tempdir().unwrap();
    let a = ev.path().join("auth.log");
    let b = ev.path().join("other.log");
    std::fs::write(&a, "Nov 24 02:10:01 jump01 sshd[1234]: Accepted password for ops from 10.0.5.4 port 50122 ssh2\n").unwrap();
    std::fs::write(&b, "Nov 24 02:11:01 jump01 sshd[1235]: Failed password for root from 10.0.5.9 port 50123 ssh2\n").unwrap();
    let case = tempfile::tempdir().unwrap();
    ingest(case.path(), &[ev.path()]);
    let c = case.path().to_str().unwrap();
    let ok = run_ok(&["case", "verify", "--case", c]);
    assert!(ok.contains("2 unchanged, 0 changed"), "{ok}");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&a)
        .unwrap()
        .write_all(b"x\n")
        .unwrap();
    std::fs::remove_file(&b).unwrap();
    let out = firebreak()
        .args(["case", "verify", "--case", c])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CHANGED") && text.contains("MISSING"),
        "{text}"
    );
}

#[test]
fn bad_input_is_reported_and_the_rest_is_kept() {
    let ev = tempfile::tempdir().unwrap();
    let garbage: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(ev.path().join("garbage.log"), &garbage).unwrap();
    std::fs::write(ev.path().join("empty.log"), b"").unwrap();
    // a zip with a traversal member and a good member
    let mut zip_buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut zip_buf);
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("../../escape.log", o).unwrap();
        z.write_all(b"Nov 24 02:10:01 h sshd[1]: x\n").unwrap();
        z.start_file("ok/auth.log", o).unwrap();
        z.write_all(b"Nov 24 02:10:01 jump01 sshd[1234]: Accepted password for ops from 10.0.5.4 port 50122 ssh2\n").unwrap();
        z.finish().unwrap();
    }
    std::fs::write(ev.path().join("bundle.zip"), zip_buf.into_inner()).unwrap();
    // a truncated EVTX
    let src = files_under(&evtx_samples())
        .into_iter()
        .find(|p| {
            p.extension().is_some_and(|x| x == "evtx")
                && std::fs::metadata(p).unwrap().len() > 200_000
        })
        .unwrap();
    let bytes = std::fs::read(&src).unwrap();
    std::fs::write(ev.path().join("cut.evtx"), &bytes[..bytes.len() / 2 + 1234]).unwrap();

    let case = tempfile::tempdir().unwrap();
    let out = ingest(case.path(), &[ev.path()]);
    assert!(out.contains("garbage.log"), "{out}");
    assert!(out.contains("escapes the archive"), "{out}");
    let st = status(case.path());
    let ev_rows = st["evidence"].as_array().unwrap();
    let by_name = |n: &str| {
        ev_rows
            .iter()
            .find(|e| e["display_path"].as_str().unwrap().ends_with(n))
            .unwrap()
    };
    assert_eq!(by_name("garbage.log")["state"], "unrecognised");
    assert_eq!(by_name("empty.log")["note"], "empty file");
    assert_eq!(by_name("bundle.zip!ok/auth.log")["records_stored"], 1);
    assert!(by_name("cut.evtx")["records_stored"].as_u64().unwrap() > 0);
    assert!(st["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["kind"] == "refused"));
    // nothing but the case itself was written
    let names: Vec<String> = std::fs::read_dir(case.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("case.sqlite") || n == "lock"),
        "{names:?}"
    );
    assert!(!ev.path().parent().unwrap().join("escape.log").exists());
}

/// Unique copies of the shared EVTX files (one byte of header padding changed).
fn evtx_copies(dir: &Path, copies: u32) -> u64 {
    let mut records = 0;
    for f in files_under(&evtx_samples()) {
        if f.extension().is_none_or(|x| x != "evtx") {
            continue;
        }
        let mut bytes = std::fs::read(&f).unwrap();
        records += evtx::EvtxParser::from_buffer(bytes.clone())
            .unwrap()
            .records()
            .count() as u64;
        for c in 0..copies {
            bytes[4000] = c as u8;
            let name = format!("{c}-{}", f.file_name().unwrap().to_string_lossy());
            std::fs::write(dir.join(name), &bytes).unwrap();
        }
    }
    records * copies as u64
}

#[test]
fn kill_9_mid_ingest_leaves_a_consistent_case_that_resumes() {
    let ev = tempfile::tempdir().unwrap();
    let expected_records = evtx_copies(ev.path(), 12);
    let case = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("firebreak");
    let mut child = std::process::Command::new(&bin)
        .args(["ingest", "-q", "--case"])
        .arg(case.path())
        .arg(ev.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some files are complete, then kill -9.
    let db = case.path().join("case.sqlite");
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let complete = db.exists()
            && rusqlite_count(&db, "SELECT count(*) FROM evidence WHERE state='complete'") >= 20;
        if complete || started.elapsed().as_secs() > 120 {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = status(case.path());
    let done_before = before["evidence"].as_array().unwrap().len();
    assert!(
        done_before >= 20,
        "kill came too early: {done_before} files"
    );
    assert!(before["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["state"] != "ingesting"));
    ingest(case.path(), &[ev.path()]);
    let after = status(case.path());
    let rows = after["evidence"].as_array().unwrap();
    let accounted: u64 = rows
        .iter()
        .map(|e| e["records_stored"].as_u64().unwrap() + e["records_rejected"].as_u64().unwrap())
        .sum();
    assert_eq!(accounted, expected_records);
    assert!(
        done_before < rows.len(),
        "ingest finished before the kill; nothing was resumed"
    );
    let events: u64 = rows.iter().map(|e| e["events"].as_u64().unwrap()).sum();
    assert_eq!(
        events,
        after["events"].as_u64().unwrap(),
        "no duplicate or orphan events"
    );
}

/// A count read straight from the case database, read-only (the test's own view).
fn rusqlite_count(db: &Path, sql: &str) -> u64 {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute(sys.argv[2]).fetchone()[0])"])
        .arg(db)
        .arg(sql)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}
