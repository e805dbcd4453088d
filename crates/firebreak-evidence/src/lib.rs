//! Evidence discovery.
//!
//! [`walk`] visits every file under the paths it is given — recursing through folders
//! and through `.zip`, `.tar`, `.tar.gz`/`.tgz` and `.gz` archives, recognised by their
//! magic bytes, never by name — and hands each one to a [`Visitor`] with its SHA-256,
//! size and mtime. Files are opened read-only and never modified. Archive members are
//! spooled (to memory, or to a spool folder the caller owns, e.g. inside the case) with
//! size and ratio limits; members with `..` or absolute paths are refused, as are
//! symlink loops. Everything refused or unreadable is reported to the visitor as a
//! [`Problem`] and the walk goes on.

mod archive;
mod hash;
mod walk;

pub use hash::{sha256_file, sha256_reader};
pub use walk::walk;

use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::PathBuf;

/// Limits that keep a hostile archive from filling the disk or memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest decompressed archive member.
    pub max_member_bytes: u64,
    /// Largest decompressed/compressed ratio for a member over 1 MiB.
    pub max_ratio: u64,
    /// Largest decompressed total of one archive (all members, nested included).
    pub max_archive_bytes: u64,
    /// Deepest archive nesting (zip in tar.gz in zip ...).
    pub max_depth: u32,
    /// Members up to this size are spooled in memory; larger ones to the spool folder.
    pub memory_spool_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member_bytes: 16 << 30,
            max_ratio: 1000,
            max_archive_bytes: 64 << 30,
            max_depth: 4,
            memory_spool_bytes: 64 << 20,
        }
    }
}

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub limits: Limits,
    /// Folder for spooling large archive members; `None` = members larger than
    /// `memory_spool_bytes` are refused.
    pub spool_dir: Option<PathBuf>,
}

/// What is known about an evidence file before it is read.
#[derive(Debug, Clone)]
pub struct EvidenceMeta {
    /// Path as the user gave it (joined with the member path for archive members:
    /// `case.zip!logs/Security.evtx`).
    pub display_path: String,
    /// Path on disk of the top-level file this came from.
    pub disk_path: PathBuf,
    /// Member path inside the archive chain, `None` for plain files.
    pub member: Option<String>,
    pub sha256: String,
    pub size: u64,
    /// Modification time in seconds since the epoch (of the member for archive members).
    pub mtime: Option<i64>,
    /// Archive nesting depth (0 = on disk).
    pub depth: u32,
    /// sha256 of the containing archive, if any.
    pub container_sha256: Option<String>,
}

/// What kind of container a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Zip,
    Tar,
    Gzip,
}

/// An opened evidence file, positioned at its start.
pub enum EvidenceData {
    Disk(File),
    Memory(Cursor<Vec<u8>>),
    Spooled(tempfile::NamedTempFile),
}

impl EvidenceData {
    /// A reader over the whole content.
    pub fn into_reader(self) -> Box<dyn ReadSeekSend> {
        match self {
            EvidenceData::Disk(f) => Box::new(f),
            EvidenceData::Memory(c) => Box::new(c),
            EvidenceData::Spooled(t) => Box::new(t),
        }
    }
}

pub trait ReadSeekSend: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeekSend for T {}

/// What the visitor wants done with a file it was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Open it (and recurse into it when it is an archive).
    Open,
    /// Do not read it (e.g. already in the case).
    Skip,
}

/// A file or member that was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: symlink loop or unreadable folder entry: {reason}")]
    Walk { path: String, reason: String },
    #[error("{path}: refused archive member: {reason}")]
    Refused { path: String, reason: String },
    #[error("{path}: damaged archive: {reason}")]
    Archive { path: String, reason: String },
}

impl Problem {
    pub fn path(&self) -> &str {
        match self {
            Problem::Io { path, .. }
            | Problem::Walk { path, .. }
            | Problem::Refused { path, .. }
            | Problem::Archive { path, .. } => path,
        }
    }
}

/// Receives what [`walk`] finds.
pub trait Visitor {
    /// A container (archive) was found; `Skip` stops recursion into it.
    fn container(&mut self, meta: &EvidenceMeta, kind: ContainerKind) -> Decision;
    /// A container was fully walked (called only for containers that were opened).
    fn container_done(&mut self, _meta: &EvidenceMeta, _kind: ContainerKind) {}
    /// A plain evidence file was found; `Skip` means it is not opened.
    fn seen(&mut self, meta: &EvidenceMeta) -> Decision;
    /// The content of a file the visitor asked to open.
    fn file(&mut self, meta: EvidenceMeta, data: EvidenceData);
    /// Something could not be read or was refused.
    fn problem(&mut self, problem: Problem);
}

/// Sniff a container by magic bytes.
pub fn container_kind(head: &[u8]) -> Option<ContainerKind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ContainerKind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(ContainerKind::Gzip)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Some(ContainerKind::Tar)
    } else {
        None
    }
}
