//! Archive recursion with limits. Members are spooled, never extracted to their
//! own paths, so a hostile name cannot write anywhere; names with `..` or absolute
//! paths are refused all the same, as the analyst should hear about them.

use crate::walk::dispatch;
use crate::{
    container_kind, ContainerKind, EvidenceData, EvidenceMeta, Limits, Problem, Visitor,
    WalkOptions,
};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Seek, SeekFrom, Write};

/// What is left of one top-level archive's decompression allowance.
pub(crate) struct Budget {
    remaining: u64,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Budget {
        Budget {
            remaining: limits.max_archive_bytes,
        }
    }
}

pub(crate) fn walk_container(
    data: EvidenceData,
    meta: &EvidenceMeta,
    kind: ContainerKind,
    opts: &WalkOptions,
    budget: &mut Budget,
    visitor: &mut dyn Visitor,
) {
    if meta.depth >= opts.limits.max_depth {
        visitor.problem(Problem::Refused {
            path: meta.display_path.clone(),
            reason: format!("archives nested deeper than {}", opts.limits.max_depth),
        });
        return;
    }
    let mut ctx = Walker {
        parent: meta,
        opts,
        budget,
        visitor,
    };
    match kind {
        ContainerKind::Zip => ctx.zip(data),
        ContainerKind::Tar => ctx.tar(data),
        ContainerKind::Gzip => ctx.gzip(data),
    }
}

struct Walker<'a> {
    parent: &'a EvidenceMeta,
    opts: &'a WalkOptions,
    budget: &'a mut Budget,
    visitor: &'a mut dyn Visitor,
}

/// A member's name, checked: `None` when it would escape the archive.
fn safe_member_name(name: &str) -> Option<String> {
    let name = name.replace('\\', "/");
    let name = name.trim_start_matches("./").to_string();
    let absolute = name.starts_with('/') || name.as_bytes().get(1) == Some(&b':');
    let escapes = name.split('/').any(|c| c == "..");
    (!absolute && !escapes && !name.is_empty()).then_some(name)
}

impl Walker<'_> {
    fn member_path(&self, name: &str) -> String {
        format!("{}!{}", self.parent.display_path, name)
    }

    fn refuse(&mut self, name: &str, reason: impl Into<String>) {
        let path = self.member_path(name);
        self.visitor.problem(Problem::Refused {
            path,
            reason: reason.into(),
        });
    }

    fn damaged(&mut self, reason: impl Into<String>) {
        self.visitor.problem(Problem::Archive {
            path: self.parent.display_path.clone(),
            reason: reason.into(),
        });
    }

    fn zip(&mut self, data: EvidenceData) {
        let mut archive = match zip::ZipArchive::new(data.into_reader()) {
            Ok(a) => a,
            Err(e) => return self.damaged(format!("zip: {e}")),
        };
        for i in 0..archive.len() {
            let entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.damaged(format!("zip entry {i}: {e}"));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let raw_name = entry.name().to_string();
            let Some(name) = safe_member_name(&raw_name) else {
                self.refuse(&raw_name, "path escapes the archive (.. or absolute)");
                continue;
            };
            if entry.is_symlink() {
                self.refuse(&name, "symlink member not followed");
                continue;
            }
            let limit = self.member_limit(entry.compressed_size());
            let mtime = entry.last_modified().and_then(zip_time);
            self.member(entry, &name, mtime, limit);
        }
    }

    fn tar(&mut self, data: EvidenceData) {
        let mut archive = tar::Archive::new(data.into_reader());
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return self.damaged(format!("tar: {e}")),
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // A broken header ends what can be read of a tar stream.
                    self.damaged(format!("tar: {e}"));
                    return;
                }
            };
            let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let kind = entry.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            let Some(name) = safe_member_name(&raw_name) else {
                self.refuse(&raw_name, "path escapes the archive (.. or absolute)");
                continue;
            };
            if !kind.is_file() {
                self.refuse(
                    &name,
                    format!("not a regular file ({kind:?}), not followed"),
                );
                continue;
            }
            let mtime = entry.header().mtime().ok().map(|t| t as i64);
            let limit = self.opts.limits.max_member_bytes;
            self.member(entry, &name, mtime, limit);
        }
    }

    fn gzip(&mut self, data: EvidenceData) {
        let compressed = self.parent.size;
        let decoder = flate2::read::MultiGzDecoder::new(data.into_reader());
        let name = decoder
            .header()
            .and_then(|h| h.filename())
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .unwrap_or_else(|| gunzipped_name(&self.parent.display_path));
        let name = safe_member_name(&name).unwrap_or_else(|| "gunzipped".into());
        let limit = self.member_limit(compressed);
        self.member(decoder, &name, self.parent.mtime, limit);
    }

    /// How many bytes a member with this compressed size may expand to.
    fn member_limit(&self, compressed: u64) -> u64 {
        let l = &self.opts.limits;
        let by_ratio = compressed.saturating_mul(l.max_ratio).max(1 << 20);
        by_ratio.min(l.max_member_bytes).min(self.budget.remaining)
    }

    fn member(&mut self, reader: impl Read, name: &str, mtime: Option<i64>, limit: u64) {
        let spooled = match spool(reader, limit, &self.opts.limits, self.opts) {
            Ok(s) => s,
            Err(SpoolError::TooLarge) => {
                let why = format!(
                    "expands past {limit} bytes (size/ratio limit or archive total; a zip bomb?)"
                );
                return self.refuse(name, why);
            }
            Err(SpoolError::NoSpool(n)) => {
                return self.refuse(
                    name,
                    format!(
                        "{n} bytes: too large to spool in memory and no case folder to spool into"
                    ),
                );
            }
            Err(SpoolError::Io(e)) => {
                return self.refuse(name, format!("decompression failed: {e}"))
            }
        };
        self.budget.remaining = self.budget.remaining.saturating_sub(spooled.size);
        let meta = EvidenceMeta {
            display_path: self.member_path(name),
            disk_path: self.parent.disk_path.clone(),
            member: Some(match &self.parent.member {
                Some(m) => format!("{m}!{name}"),
                None => name.to_string(),
            }),
            sha256: spooled.sha256,
            size: spooled.size,
            mtime,
            depth: self.parent.depth + 1,
            container_sha256: Some(self.parent.sha256.clone()),
        };
        if let Some(kind) = container_kind(&spooled.head) {
            if self.visitor.container(&meta, kind) == crate::Decision::Open {
                walk_container(
                    spooled.data,
                    &meta,
                    kind,
                    self.opts,
                    self.budget,
                    self.visitor,
                );
                self.visitor.container_done(&meta, kind);
            }
            return;
        }
        dispatch(spooled.data, meta, &spooled.head, self.opts, self.visitor);
    }
}

fn gunzipped_name(display: &str) -> String {
    let base = display.rsplit(['/', '\\', '!']).next().unwrap_or(display);
    for suffix in [".tgz", ".gz", ".GZ"] {
        if let Some(stem) = base.strip_suffix(suffix) {
            return if suffix == ".tgz" {
                format!("{stem}.tar")
            } else {
                stem.to_string()
            };
        }
    }
    format!("{base}.gunzipped")
}

/// Days since the epoch of a civil date (proleptic Gregorian), per H. Hinnant.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn zip_time(t: zip::DateTime) -> Option<i64> {
    if t.month() == 0 || t.day() == 0 {
        return None;
    }
    let days = days_from_civil(t.year() as i64, t.month() as i64, t.day() as i64);
    Some(days * 86_400 + t.hour() as i64 * 3600 + t.minute() as i64 * 60 + t.second() as i64)
}

struct Spooled {
    data: EvidenceData,
    sha256: String,
    size: u64,
    head: Vec<u8>,
}

enum SpoolError {
    TooLarge,
    NoSpool(u64),
    Io(std::io::Error),
}

impl From<std::io::Error> for SpoolError {
    fn from(e: std::io::Error) -> Self {
        SpoolError::Io(e)
    }
}

/// Copy a member into memory (or the spool folder once it outgrows memory), hashing
/// it, stopping at `limit` bytes.
fn spool(
    mut reader: impl Read,
    limit: u64,
    limits: &Limits,
    opts: &WalkOptions,
) -> Result<Spooled, SpoolError> {
    let mut hasher = Sha256::new();
    let mut mem: Vec<u8> = Vec::new();
    let mut file: Option<tempfile::NamedTempFile> = None;
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    let mut head = Vec::new();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SpoolError::Io(e)),
        };
        size += n as u64;
        if size > limit {
            return Err(SpoolError::TooLarge);
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        if head.len() < 512 {
            let take = (512 - head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        match file.as_mut() {
            Some(f) => f.write_all(chunk)?,
            None if size <= limits.memory_spool_bytes => mem.extend_from_slice(chunk),
            None => {
                let dir = opts.spool_dir.as_ref().ok_or(SpoolError::NoSpool(size))?;
                std::fs::create_dir_all(dir)?;
                let mut f = tempfile::NamedTempFile::new_in(dir)?;
                f.write_all(&mem)?;
                f.write_all(chunk)?;
                mem = Vec::new();
                file = Some(f);
            }
        }
    }
    let data = match file {
        Some(mut f) => {
            f.flush()?;
            f.as_file_mut().seek(SeekFrom::Start(0))?;
            EvidenceData::Spooled(f)
        }
        None => EvidenceData::Memory(Cursor::new(mem)),
    };
    Ok(Spooled {
        data,
        sha256: hex::encode(hasher.finalize()),
        size,
        head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_that_escape_are_refused() {
        assert_eq!(
            safe_member_name("logs/a.evtx").as_deref(),
            Some("logs/a.evtx")
        );
        assert!(safe_member_name("../etc/passwd").is_none());
        assert!(safe_member_name("a/../../b").is_none());
        assert!(safe_member_name("/etc/passwd").is_none());
        assert!(safe_member_name("C:\\Windows\\x").is_none());
        assert!(safe_member_name("..\\x").is_none());
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 11, 25), 20_782);
    }

    #[test]
    fn gunzip_names() {
        assert_eq!(gunzipped_name("/x/auth.log.gz"), "auth.log");
        assert_eq!(gunzipped_name("/x/logs.tgz"), "logs.tar");
        assert_eq!(gunzipped_name("a.zip!b.gz"), "b");
    }
}
