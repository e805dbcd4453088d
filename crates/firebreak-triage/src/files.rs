//! Scanning files on disk with [`ScanRules`] and YARA on several threads: the
//! one part of this crate that reads files (read-only; nothing is written).
//!
//! The calling thread only lists folders (sorted by name, symlinks followed,
//! loops reported); each worker thread opens a file, reads it **once** into a
//! buffer it keeps for the whole scan, and hashes it, runs its own YARA scanner
//! (one per thread, made once) and the impact checks over that one buffer. An
//! archive (zip, tar, gzip, by magic) is scanned as a file and then walked by
//! firebreak-evidence on the same worker (its limits, traversal and bomb checks),
//! each member scanned in turn. Results come back in walk order.

use crate::scan::{FileResult, ScanRules};
use firebreak_evidence::{
    container_kind, walk, ContainerKind, Decision, EvidenceData, EvidenceMeta, Problem, Visitor,
    WalkOptions,
};
use firebreak_yara::{YaraRules, YaraScanner};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// What a scan runs with.
pub struct ScanSetup<'a> {
    pub rules: &'a ScanRules,
    pub yara: Option<&'a YaraRules>,
    /// YARA time limit per file.
    pub timeout: Duration,
    /// Files larger than this are reported, not read.
    pub max_size: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
}

/// Every file's result in walk order, and what could not be scanned (path: reason).
#[derive(Debug, Default)]
pub struct Scanned {
    pub files: Vec<FileResult>,
    pub problems: Vec<String>,
}

/// Display paths relative to a restore point's root.
#[derive(Debug, Clone)]
struct Strip(Option<String>);

impl Strip {
    fn rel(&self, display: &str) -> String {
        match &self.0 {
            Some(p) => display
                .strip_prefix(p.as_str())
                .map(|r| r.trim_start_matches(['/', '\\', '!']))
                .map(|r| r.strip_prefix("./").unwrap_or(r))
                .unwrap_or(display)
                .to_string(),
            None => display.to_string(),
        }
    }
}

/// One worker's tools, kept for the whole scan.
struct Worker<'a> {
    setup: &'a ScanSetup<'a>,
    yara: Option<YaraScanner<'a>>,
    buf: Vec<u8>,
}

impl<'a> Worker<'a> {
    fn new(setup: &'a ScanSetup<'a>) -> Worker<'a> {
        Worker {
            setup,
            yara: setup.yara.map(|y| y.scanner(Some(setup.timeout))),
            buf: Vec::new(),
        }
    }

    fn scan_bytes(&mut self, path: &str, bytes: &[u8], sha256: Option<&str>) -> FileResult {
        self.setup
            .rules
            .scan_hashed(path, bytes, sha256, self.yara.as_mut())
    }

    /// One path from the folder walk (or given directly).
    fn path(
        &mut self,
        path: &Path,
        strip: &Strip,
        out: &mut Vec<FileResult>,
        problems: &mut Vec<String>,
    ) {
        let display = path.to_string_lossy().into_owned();
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return problems.push(format!("{display}: cannot read: {e}")),
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > self.setup.max_size {
            let digest = firebreak_evidence::sha256_reader(&mut file)
                .map(|(d, _)| format!(" (sha256 {d})"))
                .unwrap_or_default();
            return problems.push(format!(
                "{display}: {size} bytes is over --max-size {}: not scanned{digest}",
                self.setup.max_size
            ));
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.reserve(size as usize);
        let read = (&mut file)
            .take(self.setup.max_size + 1)
            .read_to_end(&mut buf);
        match read {
            Err(e) => problems.push(format!("{display}: cannot read: {e}")),
            Ok(_) if buf.len() as u64 > self.setup.max_size => problems.push(format!(
                "{display}: grew over --max-size {} while read: not scanned",
                self.setup.max_size
            )),
            Ok(_) => match container_kind(&buf[..buf.len().min(512)]) {
                // A restore point given as an archive is the point, not a file in it.
                Some(_) if strip.rel(&display).is_empty() => {
                    drop(file);
                    self.archive(path, strip.clone(), true, out, problems)
                }
                Some(_) => {
                    out.push(self.scan_bytes(&strip.rel(&display), &buf, None));
                    drop(file);
                    self.archive(path, strip.clone(), false, out, problems);
                }
                None => out.push(self.scan_bytes(&strip.rel(&display), &buf, None)),
            },
        }
        self.buf = buf;
    }

    /// An archive's members, walked by firebreak-evidence on this thread.
    fn archive(
        &mut self,
        path: &Path,
        strip: Strip,
        is_point: bool,
        out: &mut Vec<FileResult>,
        problems: &mut Vec<String>,
    ) {
        let mut v = Members {
            worker: self,
            strip,
            point_gzip: false,
            is_point,
            out,
            problems,
        };
        walk(&[path.to_path_buf()], &WalkOptions::default(), &mut v);
    }
}

/// Scans an archive's members as the evidence walker hands them over.
struct Members<'w, 'a> {
    worker: &'w mut Worker<'a>,
    strip: Strip,
    /// The restore point is a gzip file (a .tar.gz): the tar inside is the point.
    point_gzip: bool,
    /// The archive on disk is a restore point, not a file.
    is_point: bool,
    out: &'w mut Vec<FileResult>,
    problems: &'w mut Vec<String>,
}

impl Visitor for Members<'_, '_> {
    fn container(&mut self, meta: &EvidenceMeta, kind: ContainerKind) -> Decision {
        if meta.depth == 0 {
            // Scanned as a file already (or the point itself).
            self.point_gzip = self.is_point && kind == ContainerKind::Gzip;
            return Decision::Open;
        }
        if self.point_gzip && meta.depth == 1 {
            self.strip = Strip(Some(meta.display_path.clone()));
            return Decision::Open;
        }
        // Nested archives: known by name and hash; their members follow one by one.
        let path = self.strip.rel(&meta.display_path);
        self.out.push(
            self.worker
                .setup
                .rules
                .scan_known(&path, meta.size, &meta.sha256),
        );
        Decision::Open
    }
    fn seen(&mut self, meta: &EvidenceMeta) -> Decision {
        if meta.size > self.worker.setup.max_size {
            self.problems.push(format!(
                "{}: {} bytes is over --max-size {}: not scanned (sha256 {})",
                meta.display_path, meta.size, self.worker.setup.max_size, meta.sha256
            ));
            return Decision::Skip;
        }
        Decision::Open
    }
    fn file(&mut self, meta: EvidenceMeta, data: EvidenceData) {
        if meta.depth == 0 {
            // The archive itself, already scanned as a file; a lone .gz's content.
            return;
        }
        let mut bytes = std::mem::take(&mut self.worker.buf);
        bytes.clear();
        bytes.reserve(meta.size as usize);
        match data.into_reader().read_to_end(&mut bytes) {
            Err(e) => self
                .problems
                .push(format!("{}: cannot read: {e}", meta.display_path)),
            Ok(_) => {
                let sha256 = (bytes.len() as u64 == meta.size).then_some(meta.sha256.as_str());
                let path = self.strip.rel(&meta.display_path);
                let r = self.worker.scan_bytes(&path, &bytes, sha256);
                self.out.push(r);
            }
        }
        self.worker.buf = bytes;
    }
    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem.to_string());
    }
}

/// Scan `paths` (files, folders, archives). `strip`: a restore point's root,
/// removed from the paths reported (and an archive given as `strip` itself is the
/// point: its members are the files).
pub fn scan_paths(setup: &ScanSetup<'_>, paths: &[PathBuf], strip: Option<String>) -> Scanned {
    let threads = match setup.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let strip = Strip(strip);
    let (jobs, queue) = mpsc::sync_channel::<(usize, PathBuf)>(threads * 64);
    let queue = std::sync::Mutex::new(queue);
    type Done = (usize, Vec<FileResult>, Vec<String>);
    let (done, results) = mpsc::channel::<Done>();
    let walk_problems = std::thread::scope(|s| {
        for _ in 0..threads {
            let (queue, done, strip) = (&queue, done.clone(), &strip);
            s.spawn(move || {
                let mut worker = Worker::new(setup);
                loop {
                    let job = queue
                        .lock()
                        .map_err(|_| ())
                        .and_then(|q| q.recv().map_err(|_| ()));
                    let Ok((i, path)) = job else { break };
                    let (mut out, mut problems) = (Vec::with_capacity(1), Vec::new());
                    worker.path(&path, strip, &mut out, &mut problems);
                    if done.send((i, out, problems)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let mut problems = Vec::new();
        let mut next = 0;
        for root in paths {
            let walker = walkdir::WalkDir::new(root)
                .follow_links(true)
                .sort_by_file_name();
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        if jobs.send((next, e.into_path())).is_err() {
                            break;
                        }
                        next += 1;
                    }
                    Ok(_) => {}
                    Err(err) => problems.push(walk_problem(root, err)),
                }
            }
        }
        drop(jobs);
        problems
    });
    let mut all: Vec<Done> = results.into_iter().collect();
    all.sort_by_key(|d| d.0);
    let mut out = Scanned {
        problems: walk_problems,
        ..Scanned::default()
    };
    for (_, files, problems) in all {
        out.files.extend(files);
        out.problems.extend(problems);
    }
    out
}

fn walk_problem(root: &Path, err: walkdir::Error) -> String {
    let path = err.path().unwrap_or(root).to_string_lossy().into_owned();
    match err.loop_ancestor() {
        Some(a) => format!("{path}: symlink loop back to {}", a.display()),
        None => match err.io_error() {
            Some(e) => format!("{path}: cannot read: {e}"),
            None => format!("{path}: unreadable entry"),
        },
    }
}
