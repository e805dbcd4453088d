use crate::archive::{walk_container, Budget};
use crate::{
    container_kind, hash, Decision, EvidenceData, EvidenceMeta, Problem, Visitor, WalkOptions,
};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Walk `paths` (files or folders), showing every evidence file to `visitor`.
/// Symlinks are followed; loops are reported, not followed.
pub fn walk(paths: &[PathBuf], opts: &WalkOptions, visitor: &mut dyn Visitor) {
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => disk_file(e.path(), opts, visitor),
                Ok(_) => {}
                Err(err) => visitor.problem(walk_problem(root, err)),
            }
        }
    }
}

fn walk_problem(root: &Path, err: walkdir::Error) -> Problem {
    let path = err.path().unwrap_or(root).to_string_lossy().into_owned();
    match err.loop_ancestor() {
        Some(a) => Problem::Walk {
            path,
            reason: format!("symlink loop back to {}", a.display()),
        },
        None => match err.into_io_error() {
            Some(source) => Problem::Io { path, source },
            None => Problem::Walk {
                path,
                reason: "unreadable entry".into(),
            },
        },
    }
}

fn disk_file(path: &Path, opts: &WalkOptions, visitor: &mut dyn Visitor) {
    let display = path.to_string_lossy().into_owned();
    match open_and_hash(path) {
        Ok((file, meta, head)) => dispatch(file, meta, &head, opts, visitor),
        Err(source) => visitor.problem(Problem::Io {
            path: display,
            source,
        }),
    }
}

fn open_and_hash(path: &Path) -> std::io::Result<(File, EvidenceMeta, Vec<u8>)> {
    let mut file = File::open(path)?;
    let md = file.metadata()?;
    let (sha256, size) = hash::sha256_reader(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    let mut head = Vec::with_capacity(512);
    (&mut file).take(512).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    let mtime = md
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    let meta = EvidenceMeta {
        display_path: path.to_string_lossy().into_owned(),
        disk_path: path.to_path_buf(),
        member: None,
        sha256,
        size,
        mtime,
        depth: 0,
        container_sha256: None,
    };
    Ok((file, meta, head))
}

/// Hand a file (on disk or spooled) to the visitor, recursing into containers.
pub(crate) fn dispatch(
    file: impl Into<EvidenceData>,
    meta: EvidenceMeta,
    head: &[u8],
    opts: &WalkOptions,
    visitor: &mut dyn Visitor,
) {
    let data = file.into();
    match container_kind(head) {
        Some(kind) => {
            if visitor.container(&meta, kind) == Decision::Open {
                let mut budget = Budget::new(&opts.limits);
                walk_container(data, &meta, kind, opts, &mut budget, visitor);
                visitor.container_done(&meta, kind);
            }
        }
        None => {
            if visitor.seen(&meta) == Decision::Open {
                visitor.file(meta, data);
            }
        }
    }
}

impl From<File> for EvidenceData {
    fn from(f: File) -> Self {
        EvidenceData::Disk(f)
    }
}
