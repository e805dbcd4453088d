//! Cryptographic digests of a whole file.

use md5::Md5;
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// MD5, SHA-1, SHA-256 and SHA-512 of some bytes, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hashes {
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub sha512: String,
}

impl Hashes {
    /// All four digests in one pass over `bytes` (in 1 MiB steps so each stays in cache).
    pub fn of(bytes: &[u8]) -> Hashes {
        let (mut a, mut b, mut c, mut d) = (Md5::new(), Sha1::new(), Sha256::new(), Sha512::new());
        for chunk in bytes.chunks(1 << 20) {
            a.update(chunk);
            b.update(chunk);
            c.update(chunk);
            d.update(chunk);
        }
        Hashes {
            md5: hex::encode(a.finalize()),
            sha1: hex::encode(b.finalize()),
            sha256: hex::encode(c.finalize()),
            sha512: hex::encode(d.finalize()),
        }
    }
}

impl Hashes {
    /// MD5 / SHA-1 only when asked for (what file IOC lists use), SHA-256 unless
    /// the caller already has it (`known_sha256`); `sha512` is left empty, as are
    /// digests not computed.
    pub fn of_files(bytes: &[u8], md5: bool, sha1: bool, known_sha256: Option<&str>) -> Hashes {
        let (mut a, mut b, mut c) = (Md5::new(), Sha1::new(), Sha256::new());
        for chunk in bytes.chunks(1 << 20) {
            if md5 {
                a.update(chunk);
            }
            if sha1 {
                b.update(chunk);
            }
            if known_sha256.is_none() {
                c.update(chunk);
            }
        }
        Hashes {
            md5: if md5 {
                hex::encode(a.finalize())
            } else {
                String::new()
            },
            sha1: if sha1 {
                hex::encode(b.finalize())
            } else {
                String::new()
            },
            sha256: known_sha256.map_or_else(|| hex::encode(c.finalize()), str::to_ascii_lowercase),
            sha512: String::new(),
        }
    }
}

/// Similarity digests: ssdeep-compatible CTPH and TLSH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FuzzyHashes {
    /// ssdeep's format (`blocksize:hash1:hash2`).
    pub ssdeep: String,
    /// TLSH (128 buckets, 1-byte checksum, `T1` prefix); `None` for inputs under
    /// 50 bytes or without enough variety.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlsh: Option<String>,
}

impl FuzzyHashes {
    pub fn of(bytes: &[u8]) -> FuzzyHashes {
        FuzzyHashes {
            ssdeep: fuzzyhash::FuzzyHash::new(bytes).to_string(),
            tlsh: tlsh2::TlshDefaultBuilder::build_from(bytes)
                .map(|t| String::from_utf8_lossy(&t.hash()).into_owned()),
        }
    }
}

/// MD5 of `bytes`, lower-case hex.
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_abc() {
        let h = Hashes::of(b"abc");
        assert_eq!(h.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(h.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            h.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(h.sha512.starts_with("ddaf35a193617aba"));
    }
}
