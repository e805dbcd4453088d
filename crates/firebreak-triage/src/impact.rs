//! Ransomware impact signals for one file: encrypted content (χ² and per-block
//! statistics, vetoed by the magic of formats that are compressed or encrypted by
//! design: xz, zip, JPEG, PDF, ...), a destroyed header or a magic that contradicts
//! the extension, ransomware extensions (weighted by how common the extension is),
//! note file names and note text, onion addresses.

use crate::entropy::{
    block_stats_and_histogram, histogram, shannon_and_chi, BlockStats, BLOCK_CHI2_MAX,
};
use crate::magic::{extension, extension_mismatch, file_type, FileType};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The bundled impact knowledge.
pub const IMPACT_YAML: &str = include_str!("../data/impact.yaml");

/// What impact checks know: extensions, note names, note phrases.
#[derive(Debug, Clone, Deserialize)]
pub struct ImpactKb {
    pub common_extensions: HashSet<String>,
    pub extensions: HashMap<String, Vec<String>>,
    pub note_names: HashMap<String, Vec<String>>,
    note_phrases: Vec<String>,
    /// Tor v3 addresses in note text.
    #[serde(skip, default = "onion_regex")]
    onion: regex::bytes::Regex,
    /// The note phrases, matched case-insensitively in one pass (built on load).
    #[serde(skip, default = "empty_phrases")]
    phrases: aho_corasick::AhoCorasick,
}

fn onion_regex() -> regex::bytes::Regex {
    regex::bytes::Regex::new(r"(?i)\b[a-z2-7]{56}\.onion\b").expect("built-in pattern")
}

fn empty_phrases() -> aho_corasick::AhoCorasick {
    aho_corasick::AhoCorasick::new(Vec::<&str>::new()).expect("empty automaton")
}

/// The note phrases and, last, `.onion` (so the onion regex runs only on text
/// that holds one: the same pass finds both).
fn phrase_matcher(phrases: &[String]) -> aho_corasick::AhoCorasick {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        // A full DFA: a few hundred phrases, and every text file is searched.
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(phrases.iter().map(String::as_str).chain([".onion"]))
        .expect("literal phrases always build")
}

impl ImpactKb {
    /// The bundled list.
    pub fn bundled() -> Result<ImpactKb, crate::knowledge::KnowledgeError> {
        ImpactKb::from_yaml(IMPACT_YAML)
    }

    /// Impact knowledge from a file's text in the shape of `data/impact.yaml`.
    pub fn from_yaml(text: &str) -> Result<ImpactKb, crate::knowledge::KnowledgeError> {
        let mut kb: ImpactKb =
            serde_yaml_ng::from_str(text).map_err(|e| crate::knowledge::KnowledgeError {
                file: "impact.yaml".into(),
                reason: e.to_string(),
            })?;
        kb.phrases = phrase_matcher(&kb.note_phrases);
        Ok(kb)
    }

    /// Add families' extensions and note file names (from the MISP galaxy, see
    /// [`crate::Attribution::ransomware_marks`]).
    pub fn extend(&mut self, marks: &[(String, Vec<String>, Vec<String>)]) {
        for (family, exts, notes) in marks {
            for e in exts {
                let e = e.trim().trim_start_matches('.').to_ascii_lowercase();
                // Galaxy entries hold whole patterns at times (".id-[ID].[mail].ext"): keep plain ones.
                if e.is_empty()
                    || e.len() > 24
                    || !e
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    continue;
                }
                let v = self.extensions.entry(e).or_default();
                if !v.contains(family) {
                    v.push(family.clone());
                }
            }
            for n in notes {
                let n = n.trim().to_ascii_lowercase();
                if n.is_empty() || n.contains(['*', '[', '<', '{']) {
                    continue;
                }
                let v = self.note_names.entry(n).or_default();
                if !v.contains(family) {
                    v.push(family.clone());
                }
            }
        }
    }
}

/// One reason a file looks like ransomware impact.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signal {
    /// `encrypted`, `partially_encrypted`, `header_destroyed`, `magic_mismatch`,
    /// `ransom_extension`, `note_name`, `note_text`, `onion`.
    pub kind: &'static str,
    pub score: u32,
    pub detail: String,
}

/// Impact assessment of one file.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub file_type: FileType,
    pub entropy: f64,
    pub chi_square: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<BlockStats>,
    /// A format that is compressed or encrypted by design vetoed an encryption verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub veto: Option<&'static str>,
    pub signals: Vec<Signal>,
}

impl Impact {
    pub fn score(&self) -> u32 {
        self.signals.iter().map(|s| s.score).sum()
    }
    pub fn has(&self, kind: &str) -> bool {
        self.signals.iter().any(|s| s.kind == kind)
    }
    /// Whether the content looks encrypted (whole, in part, or its header).
    pub fn encrypted(&self) -> bool {
        self.has("encrypted") || self.has("partially_encrypted") || self.has("header_destroyed")
    }
}

/// Files smaller than this give weak statistical evidence.
pub const MIN_STAT_BYTES: usize = 4096;
/// How much of a file the statistics read.
pub const STAT_BYTES: usize = 4 << 20;

/// The last extension and the one before it (`report.pdf.conti` → `conti`, `pdf`).
fn extensions(name: &str) -> (Option<String>, Option<String>) {
    let last = extension(name);
    let inner = last.as_ref().and_then(|e| {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = &base[..base.len() - e.len() - 1];
        extension(stem)
    });
    (last, inner)
}

/// Assess `bytes` named `name` (a path; only the last component is used).
pub fn assess(name: &str, bytes: &[u8], kb: &ImpactKb) -> Impact {
    let head = &bytes[..bytes.len().min(4096)];
    let ty = file_type(head);
    let sample = &bytes[..bytes.len().min(STAT_BYTES)];
    let first = sample.len().min(1 << 20);
    let veto = ty.vetoes_encryption().then(|| ty.describe());
    // One pass: the blocks' histograms add up to the first MiB's.
    let (stats, hist) = if sample.len() >= MIN_STAT_BYTES && veto.is_none() {
        let (b, h) = block_stats_and_histogram(sample, 4096, first);
        (Some(b), h)
    } else {
        (None, histogram(&sample[..first]))
    };
    let (entropy, chi) = shannon_and_chi(&hist, first as u64);
    let entropy = (entropy * 1000.0).round() / 1000.0 + 0.0;
    let chi = chi.round();
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (ext, inner_ext) = extensions(base);
    let mut signals = Vec::new();
    let mut blocks = None;
    if let Some(b) = stats {
        // χ²(255) does not grow with the sample's length: one bound serves all sizes.
        let whole_random = entropy > 7.9
            && chi < BLOCK_CHI2_MAX
            && b.blocks > 0
            && b.random_blocks * 10 >= b.blocks * 9;
        if whole_random {
            signals.push(Signal {
                kind: "encrypted",
                score: 60,
                detail: format!(
                    "content indistinguishable from random: χ² {chi:.0}, entropy {entropy:.3}, {}/{} blocks random, no known format",
                    b.random_blocks, b.blocks
                ),
            });
        } else if b.random_blocks > 0 && matches!(ty, FileType::Text | FileType::Unknown) {
            signals.push(Signal {
                kind: "partially_encrypted",
                score: if ty == FileType::Text { 50 } else { 30 },
                detail: format!(
                    "{} of {} 4 KiB blocks random (longest run {}) in {} content: intermittent encryption",
                    b.random_blocks,
                    b.blocks,
                    b.longest_random_run,
                    ty.describe()
                ),
            });
        }
        if b.first_block_random && ty == FileType::Unknown && !whole_random {
            signals.push(Signal {
                kind: "header_destroyed",
                score: 30,
                detail: "first 4 KiB random, rest not: header-only encryption".into(),
            });
        }
        blocks = Some(b);
    }
    // The name the file had before a ransomware extension was appended counts too.
    let ransom_ext = ext
        .as_ref()
        .and_then(|e| kb.extensions.get(e).map(|f| (e, f)));
    let expected_name = match (&ransom_ext, &inner_ext) {
        (Some(_), Some(inner)) => format!("x.{inner}"),
        _ => base.to_string(),
    };
    if let Some(expected) = extension_mismatch(&expected_name, ty) {
        signals.push(Signal {
            kind: "magic_mismatch",
            score: 20,
            detail: format!("named as {expected} but content is {}", ty.describe()),
        });
    }
    if let Some((e, families)) = ransom_ext {
        let common = kb.common_extensions.contains(e.as_str());
        signals.push(Signal {
            kind: "ransom_extension",
            score: if common { 5 } else { 30 },
            detail: format!(
                ".{e} is used by {}{}",
                families
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if common {
                    " (and by legitimate software: weak)"
                } else {
                    ""
                }
            ),
        });
    }
    let lower_name = base.to_ascii_lowercase();
    let note_name = kb.note_names.get(&lower_name);
    // Notes are text (or HTML): one case-insensitive pass over files under 1 MiB.
    if ty == FileType::Text && bytes.len() < (1 << 20) {
        let mut found = vec![false; kb.note_phrases.len() + 1];
        for m in kb.phrases.find_overlapping_iter(bytes) {
            found[m.pattern().as_usize()] = true;
        }
        let onion_hint = found.pop().unwrap_or(false);
        let hits: Vec<&str> = kb
            .note_phrases
            .iter()
            .zip(&found)
            .filter(|(_, f)| **f)
            .map(|(p, _)| p.as_str())
            .collect();
        if hits.len() >= 3 || (hits.len() >= 2 && note_name.is_some()) {
            // Short or note-named files full of note language are notes; a long
            // article about ransomware is only suspicious.
            let note_like = note_name.is_some() || bytes.len() < (16 << 10);
            signals.push(Signal {
                kind: "note_text",
                score: if note_like { 80 } else { 50 },
                detail: format!("ransom-note language: {}", hits.join(", ")),
            });
        }
        let onion = if onion_hint {
            kb.onion.find(bytes)
        } else {
            None
        };
        if let Some(m) = onion {
            signals.push(Signal {
                kind: "onion",
                score: 20,
                detail: format!(
                    "Tor address {}",
                    String::from_utf8_lossy(m.as_bytes()).to_ascii_lowercase()
                ),
            });
        }
    }
    if let Some(f) = note_name {
        signals.push(Signal {
            kind: "note_name",
            score: 5,
            detail: format!(
                "file name of ransom notes{}",
                if f.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", f.join(", "))
                }
            ),
        });
    }
    Impact {
        file_type: ty,
        entropy,
        chi_square: chi,
        blocks,
        veto,
        signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect()
    }

    #[test]
    fn encrypted_vs_vetoed() {
        let kb = ImpactKb::bundled().unwrap();
        let enc = assess("q3.xlsx.conti", &random(200_000, 1), &kb);
        assert!(enc.has("encrypted"), "{enc:?}");
        assert!(enc.has("ransom_extension"));
        assert!(enc.has("magic_mismatch"));
        let mut xz = vec![0xFD, b'7', b'z', b'X', b'Z', 0];
        xz.extend(random(200_000, 2));
        let xz = assess("backup.tar.xz", &xz, &kb);
        assert!(!xz.encrypted(), "{xz:?}");
        assert_eq!(xz.veto, Some("xz"));
        let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpg.extend(random(100_000, 3));
        assert!(!assess("a.jpg", &jpg, &kb).encrypted());
        let tiny = assess("a.bin", &random(1000, 4), &kb);
        assert!(tiny.signals.is_empty());
    }

    #[test]
    fn intermittent_and_notes() {
        let kb = ImpactKb::bundled().unwrap();
        let mut doc = b"quarterly figures, line after line of text\n".repeat(3000);
        let r = random(8192, 5);
        doc[16384..16384 + 8192].copy_from_slice(&r);
        let i = assess("figures.csv", &doc, &kb);
        assert!(i.has("partially_encrypted"), "{i:?}");
        let note = b"All of your files are currently encrypted by X. To decrypt them install Tor Browser: http://contirec7nchr45rx6ympez5rjldibnqzh7lsa56lvjvaeywhvoj3wad.onion";
        let n = assess("readme.txt", note, &kb);
        assert!(
            n.has("note_text") && n.has("onion") && n.has("note_name"),
            "{n:?}"
        );
        let plain = assess("readme.txt", b"Build with make. See docs.", &kb);
        assert_eq!(plain.score(), 5);
    }
}
