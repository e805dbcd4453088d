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
//! user gives. No I/O here: callers pass bytes and names; errors are typed.

pub mod attribution;
pub mod backup;
pub mod caps;
pub mod config;
pub mod elf;
pub mod entropy;
pub mod export;
pub mod extract;
pub mod hash;
pub mod impact;
pub mod knowledge;
pub mod magic;
pub mod pe;
pub mod sample;
pub mod scan;
pub mod strings;

pub use attribution::Attribution;
pub use knowledge::Knowledge;
pub use sample::{SampleCard, SampleOptions, Triage};
