//! Scanning files: hash IOCs (IOC sets, ClamAV `.hdb`/`.hsb`, Loki hash files),
//! file-name IOCs (IOC sets, Loki `REGEX;SCORE[;FALSE_POSITIVE_REGEX]`), YARA and
//! ransomware impact signals, each file with its reasons, score and verdict.

use crate::hash::Hashes;
use crate::impact::{assess, Impact, ImpactKb};
use firebreak_ioc::{IocSet, IocType};
use firebreak_yara::YaraScanner;
use regex::Regex;
use serde::Serialize;
use std::collections::HashMap;

/// A line of an IOC file that could not be read.
#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{origin}:{line}: {reason}")]
pub struct RuleError {
    pub origin: String,
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone)]
struct HashIoc {
    description: String,
    source: String,
    size: Option<u64>,
}

#[derive(Debug, Clone)]
struct NameIoc {
    pattern: Regex,
    score: u32,
    false_positive: Option<Regex>,
    source: String,
}

/// What files are scanned for.
#[derive(Debug, Clone)]
pub struct ScanRules {
    hashes: HashMap<String, HashIoc>,
    /// Compute MD5 and SHA-1 of every file even when no IOC needs them.
    pub all_hashes: bool,
    md5_iocs: bool,
    sha1_iocs: bool,
    names: Vec<NameIoc>,
    pub impact: ImpactKb,
}

/// Score at or above which a file is infected.
pub const INFECTED: u32 = 75;
/// Score at or above which a file is suspicious.
pub const SUSPICIOUS: u32 = 30;

/// Why a file scored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reason {
    /// `hash_ioc`, `name_ioc`, `yara`, or an impact signal kind.
    pub kind: String,
    pub score: u32,
    pub detail: String,
    /// The indicator that matched (a hash, a rule name, ...), to track first sight.
    pub indicator: String,
}

/// One scanned file.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub path: String,
    pub size: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub md5: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sha1: String,
    pub sha256: String,
    pub file_type: crate::magic::FileType,
    pub entropy: f64,
    pub chi_square: f64,
    pub score: u32,
    /// `clean`, `suspicious`, `infected`.
    pub verdict: &'static str,
    pub reasons: Vec<Reason>,
    #[serde(skip)]
    pub impact: Option<Impact>,
}

/// A result as a case finding (firebreak-case's `FindingRecord` fields): stable
/// `key` (path and SHA-256, so changed content is a new finding), `kind`
/// `file.<verdict>`, `severity` `high`/`medium`/`info` and the reasons as details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub key: String,
    pub kind: String,
    pub subject: String,
    pub severity: String,
    pub summary: String,
    pub details: serde_json::Value,
}

/// The case-finding severity of a verdict.
pub fn severity(verdict: &str) -> &'static str {
    match verdict {
        "infected" => "high",
        "suspicious" => "medium",
        _ => "info",
    }
}

impl FileResult {
    /// This result as a case finding; `scope` prefixes the key (a restore point's
    /// label) so one path in several points gives several findings.
    pub fn finding(&self, scope: Option<&str>) -> Finding {
        let strongest: Vec<&str> = self
            .reasons
            .iter()
            .filter(|r| r.score > 0)
            .take(3)
            .map(|r| r.detail.as_str())
            .collect();
        let subject = match scope {
            Some(p) => format!("{p}:{}", self.path),
            None => self.path.clone(),
        };
        Finding {
            key: format!("{subject}|{}", self.sha256),
            kind: format!("file.{}", self.verdict),
            severity: severity(self.verdict).to_string(),
            summary: if strongest.is_empty() {
                format!("{} (score {})", self.verdict, self.score)
            } else {
                format!(
                    "{} (score {}): {}",
                    self.verdict,
                    self.score,
                    strongest.join("; ")
                )
            },
            details: serde_json::json!({
                "path": self.path, "size": self.size, "sha256": self.sha256,
                "md5": self.md5, "sha1": self.sha1, "file_type": self.file_type,
                "score": self.score, "verdict": self.verdict, "reasons": self.reasons,
            }),
            subject,
        }
    }
}

impl ScanRules {
    pub fn new(impact: ImpactKb) -> ScanRules {
        ScanRules {
            hashes: HashMap::new(),
            all_hashes: true,
            md5_iocs: false,
            sha1_iocs: false,
            names: Vec::new(),
            impact,
        }
    }

    fn insert_hash(&mut self, hash: String, ioc: HashIoc) {
        self.md5_iocs |= hash.len() == 32;
        self.sha1_iocs |= hash.len() == 40;
        self.hashes.insert(hash, ioc);
    }

    /// Number of hash and name IOCs.
    pub fn len(&self) -> (usize, usize) {
        (self.hashes.len(), self.names.len())
    }

    /// Hashes and file names from an IOC set (other types are not about files).
    pub fn add_iocs(&mut self, set: &IocSet) {
        for i in &set.iocs {
            let description = i
                .meta
                .description
                .clone()
                .or_else(|| i.meta.name.clone())
                .unwrap_or_default();
            match i.kind {
                IocType::Md5 | IocType::Sha1 | IocType::Sha256 => {
                    self.insert_hash(
                        i.value.to_ascii_lowercase(),
                        HashIoc {
                            description,
                            source: set.origin.clone(),
                            size: None,
                        },
                    );
                }
                IocType::FileName => self.names.push(NameIoc {
                    pattern: Regex::new(&format!("(?i)(?:^|[/\\\\]){}$", regex::escape(&i.value)))
                        .expect("escaped"),
                    score: 60,
                    false_positive: None,
                    source: set.origin.clone(),
                }),
                _ => {}
            }
        }
    }

    /// ClamAV `.hdb` (`MD5:size:name`) or `.hsb` (`SHA1|SHA256:size:name`) text.
    pub fn add_clamav(&mut self, origin: &str, text: &str) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.splitn(4, ':').collect();
            let ok_hash = parts.first().is_some_and(|h| {
                matches!(h.len(), 32 | 40 | 64) && h.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if parts.len() < 3 || !ok_hash {
                errors.push(RuleError {
                    origin: origin.into(),
                    line: n + 1,
                    reason: "expected HASH:SIZE:NAME".into(),
                });
                continue;
            }
            let size = parts[1].parse::<u64>().ok();
            self.insert_hash(
                parts[0].to_ascii_lowercase(),
                HashIoc {
                    description: parts[2].to_string(),
                    source: origin.into(),
                    size,
                },
            );
        }
        errors
    }

    /// Loki-style hash IOCs (`HASH;DESCRIPTION`).
    pub fn add_loki_hashes(&mut self, origin: &str, text: &str) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (h, d) = line.split_once(';').unwrap_or((line, ""));
            let h = h.trim();
            if !matches!(h.len(), 32 | 40 | 64) || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                errors.push(RuleError {
                    origin: origin.into(),
                    line: n + 1,
                    reason: "expected an MD5/SHA-1/SHA-256 hash".into(),
                });
                continue;
            }
            self.insert_hash(
                h.to_ascii_lowercase(),
                HashIoc {
                    description: d.trim().to_string(),
                    source: origin.into(),
                    size: None,
                },
            );
        }
        errors
    }

    /// Loki-style file-name IOCs (`REGEX;SCORE[;FALSE_POSITIVE_REGEX]`).
    pub fn add_loki_filenames(&mut self, origin: &str, text: &str) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split(';').collect();
            let err = |reason: String| RuleError {
                origin: origin.into(),
                line: n + 1,
                reason,
            };
            let Some(score) = parts.get(1).and_then(|s| s.trim().parse::<u32>().ok()) else {
                errors.push(err("expected REGEX;SCORE[;FALSE_POSITIVE_REGEX]".into()));
                continue;
            };
            let pattern = match Regex::new(&format!("(?i){}", parts[0])) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(err(format!("bad regex: {e}")));
                    continue;
                }
            };
            let false_positive = match parts.get(2).filter(|s| !s.trim().is_empty()) {
                Some(fp) => match Regex::new(&format!("(?i){fp}")) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        errors.push(err(format!("bad false-positive regex: {e}")));
                        continue;
                    }
                },
                None => None,
            };
            self.names.push(NameIoc {
                pattern,
                score,
                false_positive,
                source: origin.into(),
            });
        }
        errors
    }

    /// A file known only by its name, size and SHA-256 (an archive inside an
    /// archive: its members are scanned on their own): hash and name IOCs only.
    pub fn scan_known(&self, path: &str, size: u64, sha256: &str) -> FileResult {
        let mut reasons = Vec::new();
        if let Some(ioc) = self.hashes.get(sha256) {
            if ioc.size.is_none_or(|s| s == size) {
                reasons.push(Reason {
                    kind: "hash_ioc".into(),
                    score: 100,
                    detail: format!(
                        "hash {sha256} listed in {}: {}",
                        ioc.source, ioc.description
                    ),
                    indicator: sha256.to_string(),
                });
            }
        }
        self.name_reasons(path, &mut reasons);
        let score: u32 = reasons.iter().map(|r| r.score).sum();
        FileResult {
            path: path.to_string(),
            size,
            md5: String::new(),
            sha1: String::new(),
            sha256: sha256.to_string(),
            file_type: crate::magic::FileType::Unknown,
            entropy: 0.0,
            chi_square: 0.0,
            score,
            verdict: verdict(&reasons, score),
            reasons,
            impact: None,
        }
    }

    fn name_reasons(&self, path: &str, reasons: &mut Vec<Reason>) {
        // Loki's name IOCs are written for Windows paths, IOC sets' names for either.
        let forms = [path.replace('\\', "/"), path.replace('/', "\\")];
        for n in &self.names {
            let hit = |r: &Regex| forms.iter().any(|f| r.is_match(f));
            if hit(&n.pattern) && !n.false_positive.as_ref().is_some_and(hit) {
                reasons.push(Reason {
                    kind: "name_ioc".into(),
                    score: n.score,
                    detail: format!(
                        "name matches /{}/ from {}",
                        n.pattern.as_str().trim_start_matches("(?i)"),
                        n.source
                    ),
                    indicator: n.pattern.as_str().to_string(),
                });
            }
        }
    }

    /// Scan one file's content. `path` is the name shown and matched by name IOCs.
    pub fn scan(&self, path: &str, bytes: &[u8], yara: Option<&mut YaraScanner<'_>>) -> FileResult {
        self.scan_hashed(path, bytes, None, yara)
    }

    /// [`ScanRules::scan`] for content whose SHA-256 is already known (the
    /// evidence walker computes it while reading).
    pub fn scan_hashed(
        &self,
        path: &str,
        bytes: &[u8],
        sha256: Option<&str>,
        yara: Option<&mut YaraScanner<'_>>,
    ) -> FileResult {
        let hashes = Hashes::of_files(
            bytes,
            self.all_hashes || self.md5_iocs,
            self.all_hashes || self.sha1_iocs,
            sha256,
        );
        let mut reasons = Vec::new();
        for h in [&hashes.md5, &hashes.sha1, &hashes.sha256] {
            if h.is_empty() {
                continue;
            }
            if let Some(ioc) = self.hashes.get(h.as_str()) {
                if ioc.size.is_some_and(|s| s != bytes.len() as u64) {
                    continue;
                }
                reasons.push(Reason {
                    kind: "hash_ioc".into(),
                    score: 100,
                    detail: format!("hash {h} listed in {}: {}", ioc.source, ioc.description),
                    indicator: h.clone(),
                });
            }
        }
        self.name_reasons(path, &mut reasons);
        if let Some(y) = yara {
            match y.scan(bytes) {
                Ok(matches) => {
                    for m in matches {
                        let family = m
                            .family()
                            .map(|f| format!(" (family {f})"))
                            .unwrap_or_default();
                        let strings: Vec<String> = m
                            .strings
                            .iter()
                            .take(3)
                            .map(|s| format!("{}@{}", s.identifier, s.offset))
                            .collect();
                        reasons.push(Reason {
                            kind: "yara".into(),
                            score: m.score().clamp(0, 100) as u32,
                            detail: format!("YARA {}{family}: {}", m.rule, strings.join(", ")),
                            indicator: format!("yara:{}", m.rule),
                        });
                    }
                }
                Err(e) => reasons.push(Reason {
                    kind: "yara_error".into(),
                    score: 0,
                    detail: e.to_string(),
                    indicator: String::new(),
                }),
            }
        }
        let impact = assess(path, bytes, &self.impact);
        for s in &impact.signals {
            let indicator = match s.kind {
                "ransom_extension" => format!(
                    "extension:{}",
                    crate::magic::extension(path).unwrap_or_default()
                ),
                "note_name" => format!(
                    "note:{}",
                    path.rsplit(['/', '\\'])
                        .next()
                        .unwrap_or(path)
                        .to_ascii_lowercase()
                ),
                k => k.to_string(),
            };
            reasons.push(Reason {
                kind: s.kind.to_string(),
                score: s.score,
                detail: s.detail.clone(),
                indicator,
            });
        }
        let score: u32 = reasons.iter().map(|r| r.score).sum();
        let verdict = verdict(&reasons, score);
        FileResult {
            path: path.to_string(),
            size: bytes.len() as u64,
            md5: hashes.md5,
            sha1: hashes.sha1,
            sha256: hashes.sha256,
            file_type: impact.file_type,
            entropy: impact.entropy,
            chi_square: impact.chi_square,
            score,
            verdict,
            reasons,
            impact: Some(impact),
        }
    }
}

/// `infected` for a hash IOC, a strong YARA rule or a score at [`INFECTED`];
/// `suspicious` from [`SUSPICIOUS`]; else `clean`.
fn verdict(reasons: &[Reason], score: u32) -> &'static str {
    let strong = reasons
        .iter()
        .any(|r| r.kind == "hash_ioc" || (r.kind == "yara" && r.score >= 70));
    if strong || score >= INFECTED {
        "infected"
    } else if score >= SUSPICIOUS {
        "suspicious"
    } else {
        "clean"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_name_iocs() {
        let mut r = ScanRules::new(ImpactKb::bundled().unwrap());
        let md5 = crate::hash::md5_hex(b"tool bytes");
        let errs = r.add_clamav("x.hdb", &format!("{md5}:10:Test.Tool\nnot a line\n"));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 2);
        let sha = crate::hash::sha256_hex(b"other");
        assert!(r
            .add_loki_hashes("h.txt", &format!("# c\n{sha};Other tool\n"))
            .is_empty());
        assert!(
            r.add_loki_filenames(
                "f.txt",
                "\\\\(mimi|pwdump)[^\\\\]*\\.exe;70;\\\\Program Files\\\\\n(bad;5\n"
            )
            .len()
                == 1
        );
        let a = r.scan("d/tool.bin", b"tool bytes", None);
        assert_eq!(a.verdict, "infected");
        assert!(a.reasons[0].detail.contains("Test.Tool"));
        let b = r.scan("C:\\tmp\\mimi64.exe", b"x", None);
        let name = b.reasons.iter().find(|r| r.kind == "name_ioc").unwrap();
        assert_eq!(name.score, 70);
        let c = r.scan("C:\\Program Files\\mimi.exe", b"x", None);
        assert!(!c.reasons.iter().any(|r| r.kind == "name_ioc"));
    }
}
