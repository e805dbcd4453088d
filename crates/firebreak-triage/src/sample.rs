//! The sample card: everything `firebreak sample` says about one file.

use crate::attribution::{Attribution, FamilyProfile};
use crate::caps::{capabilities, packer_hints, Capability, PackerHint};
use crate::config::{recover, RecoveredConfig};
use crate::entropy::{chi_square, shannon};
use crate::extract::{ExtractedIoc, Extractor};
use crate::hash::{FuzzyHashes, Hashes};
use crate::knowledge::Knowledge;
use crate::magic::{file_type, FileType};
use crate::pe::{self, PeInfo};
use crate::strings::{extract, Encoding, FoundString, StringLimits};
use firebreak_yara::{YaraMatch, YaraScanner};
use serde::Serialize;

/// What to include.
#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    pub strings: StringLimits,
    /// Keep every extracted string in the card (for JSON output).
    pub keep_strings: bool,
}

/// One file's card.
#[derive(Debug, Clone, Serialize)]
pub struct SampleCard {
    pub name: String,
    pub size: u64,
    pub file_type: FileType,
    pub file_type_text: &'static str,
    pub hashes: Hashes,
    pub fuzzy: FuzzyHashes,
    pub entropy: f64,
    pub chi_square: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pe: Option<PeInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elf: Option<crate::elf::ElfInfo>,
    /// Problems met while dissecting (a malformed header, a YARA timeout).
    pub problems: Vec<String>,
    pub packed: bool,
    pub packers: Vec<PackerHint>,
    pub strings_total: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub strings: Vec<FoundString>,
    pub iocs: Vec<ExtractedIoc>,
    pub configs: Vec<RecoveredConfig>,
    pub capabilities: Vec<Capability>,
    pub yara: Vec<YaraMatch>,
    /// Families named by YARA metadata or a recovered configuration.
    pub families: Vec<String>,
    pub attribution: Vec<FamilyProfile>,
}

/// The tools a card is made with, built once for many files.
pub struct Triage<'a> {
    pub knowledge: &'a Knowledge,
    pub extractor: Extractor,
    pub attribution: &'a Attribution,
}

impl<'a> Triage<'a> {
    pub fn new(knowledge: &'a Knowledge, attribution: &'a Attribution) -> Triage<'a> {
        Triage {
            knowledge,
            extractor: Extractor::new(knowledge),
            attribution,
        }
    }

    /// Dissect `bytes` (named `name`), with YARA when a scanner is given.
    pub fn sample(
        &self,
        name: &str,
        bytes: &[u8],
        yara: Option<&mut YaraScanner<'_>>,
        opts: &SampleOptions,
    ) -> SampleCard {
        let ty = file_type(&bytes[..bytes.len().min(4096)]);
        let mut problems = Vec::new();
        let pe = if ty == FileType::Pe {
            match pe::parse(bytes) {
                Ok(p) => {
                    problems.extend(p.warnings.iter().cloned());
                    Some(p)
                }
                Err(e) => {
                    problems.push(e.to_string());
                    None
                }
            }
        } else {
            if bytes.starts_with(b"MZ") {
                problems.push("MZ header without a valid PE signature".into());
            }
            None
        };
        let elf = if ty == FileType::Elf {
            crate::elf::parse(bytes)
                .map_err(|e| problems.push(e.to_string()))
                .ok()
        } else {
            None
        };
        let (mut strings, strings_total) = extract(bytes, &opts.strings);
        let configs = recover(bytes, &strings);
        // Decoded configuration values are strings too (C2s, wallets, commands).
        let mut decoded = Vec::new();
        for c in &configs {
            collect_strings(&c.raw, c.recovery.offset, &mut decoded);
        }
        strings.extend(decoded);
        let iocs = self.extractor.extract(&strings);
        let capabilities = capabilities(self.knowledge, pe.as_ref(), &strings);
        let packers = packer_hints(self.knowledge, pe.as_ref(), bytes);
        let yara = match yara {
            Some(s) => s.scan(bytes).unwrap_or_else(|e| {
                problems.push(e.to_string());
                Vec::new()
            }),
            None => Vec::new(),
        };
        let mut families: Vec<String> = yara
            .iter()
            .filter_map(|m| m.family().map(str::to_string))
            .collect();
        for c in &configs {
            if let Some(f) = c.maco.get("family").and_then(|f| f.as_str()) {
                families.push(f.to_string());
            }
        }
        dedup_ci(&mut families);
        let mut attribution: Vec<FamilyProfile> = families
            .iter()
            .filter_map(|f| self.attribution.profile(f))
            .collect();
        for m in &yara {
            if let (Some(actor), Some(family)) = (m.actor(), m.family()) {
                let named = attribution
                    .iter()
                    .any(|p| p.actors.iter().any(|a| a.name.eq_ignore_ascii_case(actor)));
                if !named {
                    if let Some(mut p) = self.attribution.profile(actor) {
                        p.family = family.to_string();
                        attribution.push(p);
                    }
                }
            }
        }
        if !opts.keep_strings {
            strings.clear();
        }
        SampleCard {
            name: name.to_string(),
            size: bytes.len() as u64,
            file_type: ty,
            file_type_text: ty.describe(),
            hashes: Hashes::of(bytes),
            fuzzy: FuzzyHashes::of(bytes),
            entropy: (shannon(bytes) * 1000.0).round() / 1000.0,
            chi_square: chi_square(&bytes[..bytes.len().min(1 << 20)]).round(),
            packed: !packers.is_empty(),
            pe,
            elf,
            problems,
            packers,
            strings_total,
            strings,
            iocs,
            configs,
            capabilities,
            yara,
            families,
            attribution,
        }
    }
}

fn dedup_ci(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|f| seen.insert(f.to_ascii_lowercase()));
}

fn collect_strings(v: &serde_json::Value, offset: u64, out: &mut Vec<FoundString>) {
    match v {
        serde_json::Value::String(s) => out.push(FoundString {
            offset,
            encoding: Encoding::Decoded,
            text: s.clone(),
        }),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, offset, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, offset, out)),
        _ => {}
    }
}
