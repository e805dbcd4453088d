//! Sample triage, file scanning and restore-point verification: the engines behind
//! `firebreak sample`, `firebreak scan` and `firebreak backup verify`.
//!
//! - [`sample::Triage::sample`] makes a [`sample::SampleCard`] from a file's bytes:
//!   MD5/SHA-1/SHA-256/SHA-512 and ssdeep-compatible/TLSH fuzzy hashes
//!   ([`hash`]), type by magic ([`magic`]), entropy and χ² ([`entropy`]), PE
//!   headers, sections, imports/exports, imphash, version information and
//!   overlay ([`pe`], parsed with goblin), ELF class, machine, libraries, sections and
//!   imported symbols ([`elf`]), ASCII/UTF-16LE strings with offsets
//!   ([`strings`]), IOCs from them ([`extract`]), embedded configurations
//!   (plain/base64/XOR-ed JSON, MACO-shaped, [`config`]), capabilities mapped to
//!   ATT&CK and packer hints ([`caps`]), YARA matches (firebreak-yara) and the
//!   families' actors ([`attribution`]).
//! - [`export`] writes the card's IOCs as STIX 2.1 and MISP that firebreak-ioc
//!   reads back (so `firebreak hunt --ioc` and `sample --hunt` use them).
//! - [`impact`] tells encrypted files from compressed ones (χ², per-block
//!   statistics, known-magic vetoes, magic-vs-extension mismatch, ransomware
//!   extensions and note names), [`scan`] scores files by IOCs, YARA and impact,
//!   and [`backup`] compares restore points and names the last clean one.
//!
//! Knowledge is data (`data/*.yaml`: capabilities, packers, string IOCs and
//! commands, ransomware extensions/note names/note phrases); attribution data (ATT&CK, MISP galaxy) is loaded from files the
//! user gives. No I/O except in [`files`] (reading the files `scan` and
//! `backup verify` are given, read-only, on worker threads); everything else takes
//! bytes and names; errors are typed.

pub mod attribution;
pub mod backup;
pub mod caps;
pub mod config;
pub mod elf;
pub mod entropy;
pub mod export;
pub mod extract;
pub mod files;
pub mod hash;
pub mod impact;
pub mod knowledge;
pub mod magic;
pub mod pe;
pub mod pe_extra;
pub mod sample;
pub mod scan;
pub mod strings;

pub use attribution::Attribution;
pub use knowledge::Knowledge;
pub use sample::{SampleCard, SampleOptions, Triage};

/// Everything this crate parses, on one input, with the bundled knowledge and no
/// YARA: the sample card (PE/ELF details, strings, IOCs, configs, capabilities,
/// packers) and the impact assessment. The fuzz target (`fuzz/triage`) and the
/// regression test that replays its seeds call this; it must never panic.
pub fn exercise(bytes: &[u8]) -> SampleCard {
    let knowledge = Knowledge::bundled().expect("bundled knowledge loads");
    let attribution = Attribution::default();
    let impact = impact::ImpactKb::bundled().expect("bundled impact knowledge loads");
    exercise_with(&Triage::new(&knowledge, &attribution), &impact, bytes)
}

/// [`exercise`] with the tools built once (what the fuzz target keeps between runs).
/// Besides the card (configs included; the PE details are parsed only when goblin accepts
/// the headers), the detail parsers also run on the raw bytes: Rich header,
/// certificate table, resource tree and CLR header at offset 0.
pub fn exercise_with(triage: &Triage<'_>, impact: &impact::ImpactKb, bytes: &[u8]) -> SampleCard {
    let _ = impact::assess("input.bin", bytes, impact);
    let _ = pe_extra::rich_header(bytes);
    let _ = pe_extra::signatures(bytes);
    let whole = pe_extra::Layout::new([(0, bytes.len() as u32, 0, bytes.len() as u32)]);
    let _ = pe_extra::resources(bytes, &whole, 0);
    let _ = pe_extra::dotnet(bytes, &whole, 0);
    triage.sample("input.bin", bytes, None, &SampleOptions::default())
}
