//! The walker over real archives built at test time.

use firebreak_evidence::{
    walk, ContainerKind, Decision, EvidenceData, EvidenceMeta, Limits, Problem, Visitor,
    WalkOptions,
};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Record {
    files: Vec<(String, String, Vec<u8>)>,
    containers: Vec<String>,
    problems: Vec<String>,
    skip: Vec<String>,
}

impl Visitor for Record {
    fn container(&mut self, meta: &EvidenceMeta, _kind: ContainerKind) -> Decision {
        self.containers.push(meta.display_path.clone());
        if self.skip.contains(&meta.sha256) {
            Decision::Skip
        } else {
            Decision::Open
        }
    }
    fn seen(&mut self, meta: &EvidenceMeta) -> Decision {
        if self.skip.contains(&meta.sha256) {
            Decision::Skip
        } else {
            Decision::Open
        }
    }
    fn file(&mut self, meta: EvidenceMeta, data: EvidenceData) {
        let mut content = Vec::new();
        data.into_reader().read_to_end(&mut content).unwrap();
        self.files.push((meta.display_path, meta.sha256, content));
    }
    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem.to_string());
    }
}

fn run(paths: &[PathBuf], opts: &WalkOptions) -> Record {
    let mut r = Record::default();
    walk(paths, opts, &mut r);
    r
}

fn names(r: &Record) -> Vec<String> {
    r.files
        .iter()
        .map(|(p, _, _)| p.rsplit(['/', '!']).next().unwrap().to_string())
        .collect()
}

fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            z.start_file(*name, o).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn tar_gz_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

#[test]
fn nested_archives_are_walked_and_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let inner = tar_gz_bytes(&[("logs/auth.log", b"line one\n"), ("logs/b.txt", b"bbb\n")]);
    let outer = zip_bytes(&[("a.txt", b"aaa\n"), ("nested/logs.tgz", &inner)]);
    write(dir.path(), "evidence.bin", &outer);
    write(dir.path(), "plain.log", b"plain\n");
    let r = run(&[dir.path().to_path_buf()], &WalkOptions::default());
    assert_eq!(names(&r), vec!["a.txt", "auth.log", "b.txt", "plain.log"]);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let auth = &r.files[1];
    assert!(
        auth.0
            .ends_with("evidence.bin!nested/logs.tgz!logs.tar!logs/auth.log"),
        "{}",
        auth.0
    );
    assert_eq!(auth.2, b"line one\n");
    // SHA-256 of "line one\n"
    let (sha, _) = firebreak_evidence::sha256_reader(&mut &b"line one\n"[..]).unwrap();
    assert_eq!(auth.1, sha);
    assert_eq!(r.containers.len(), 3); // zip, tgz, and the tar inside it
}

#[test]
fn traversal_members_are_refused_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let z = zip_bytes(&[
        ("../../etc/evil", b"x"),
        ("/abs/path", b"y"),
        ("ok.log", b"fine\n"),
    ]);
    write(dir.path(), "t.zip", &z);
    let r = run(&[dir.path().to_path_buf()], &WalkOptions::default());
    assert_eq!(names(&r), vec!["ok.log"]);
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    assert!(r.problems.iter().all(|p| p.contains("escapes the archive")));
}

#[test]
fn zip_bomb_is_refused_by_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; 64 << 20];
    let z = zip_bytes(&[("bomb.bin", &zeros), ("ok.log", b"fine\n")]);
    assert!(z.len() < 200_000);
    write(dir.path(), "b.zip", &z);
    let opts = WalkOptions {
        limits: Limits {
            max_ratio: 100,
            ..Limits::default()
        },
        spool_dir: None,
    };
    let r = run(&[dir.path().to_path_buf()], &opts);
    assert_eq!(names(&r), vec!["ok.log"]);
    assert!(r.problems[0].contains("zip bomb"), "{:?}", r.problems);
}

#[test]
fn large_members_spool_to_the_given_folder_only() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let z = zip_bytes(&[("big.bin", &big)]);
    let ev = tempfile::tempdir().unwrap();
    write(ev.path(), "x.zip", &z);
    let small = Limits {
        memory_spool_bytes: 1 << 20,
        ..Limits::default()
    };
    let no_spool = run(
        &[ev.path().to_path_buf()],
        &WalkOptions {
            limits: small.clone(),
            spool_dir: None,
        },
    );
    assert!(no_spool.files.is_empty());
    assert!(no_spool.problems[0].contains("too large to spool"));
    let with_spool = run(
        &[ev.path().to_path_buf()],
        &WalkOptions {
            limits: small,
            spool_dir: Some(spool.clone()),
        },
    );
    assert_eq!(with_spool.files[0].2, big);
    // Spooled temp files are gone once read.
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
}

#[test]
fn gzip_single_file_and_damaged_archives() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"hello\n").unwrap();
    write(dir.path(), "auth.log.gz", &gz.finish().unwrap());
    let mut z = zip_bytes(&[("a.txt", b"aaa\n")]);
    z.truncate(z.len() / 2);
    write(dir.path(), "broken.zip", &z);
    let r = run(&[dir.path().to_path_buf()], &WalkOptions::default());
    assert_eq!(r.files.len(), 1);
    assert!(
        r.files[0].0.ends_with("auth.log.gz!auth.log"),
        "{}",
        r.files[0].0
    );
    assert_eq!(r.problems.len(), 1);
    assert!(
        r.problems[0].contains("damaged archive"),
        "{:?}",
        r.problems
    );
}

#[test]
fn skipped_containers_are_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let z = zip_bytes(&[("a.txt", b"aaa\n")]);
    let p = write(dir.path(), "a.zip", &z);
    let (sha, _) = firebreak_evidence::sha256_file(&p).unwrap();
    let mut r = Record {
        skip: vec![sha],
        ..Record::default()
    };
    walk(&[dir.path().to_path_buf()], &WalkOptions::default(), &mut r);
    assert!(r.files.is_empty());
    assert_eq!(r.containers.len(), 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), sub.join("dangling")).unwrap();
    write(&sub, "real.log", b"x\n");
    let r = run(&[dir.path().to_path_buf()], &WalkOptions::default());
    assert_eq!(names(&r), vec!["real.log"]);
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    assert!(r.problems.iter().any(|p| p.contains("loop")));
}

#[test]
fn evidence_is_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "e.log", b"content\n");
    let before = std::fs::metadata(&p).unwrap().modified().unwrap();
    let (sha_before, _) = firebreak_evidence::sha256_file(&p).unwrap();
    let _ = run(std::slice::from_ref(&p), &WalkOptions::default());
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
    assert_eq!(firebreak_evidence::sha256_file(&p).unwrap().0, sha_before);
}
