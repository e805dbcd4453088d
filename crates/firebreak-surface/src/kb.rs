//! The bundled knowledge: the DoS knowledge base, the port profile and the wordlist
//! (data files, embedded at build time).

use serde::{Deserialize, Serialize};

use crate::error::SurfaceError;
use crate::finding::Severity;

const DOS_KB: &str = include_str!("../data/dos-kb.yaml");
const PORTS: &str = include_str!("../data/ports.txt");
/// The bundled subdomain wordlist, one label a line.
pub const WORDLIST: &str = include_str!("../data/subdomains.txt");

/// One knowledge-base entry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DosEntry {
    /// Product name.
    pub product: String,
    /// The text before the version in a banner.
    pub banner: String,
    /// CVE identifier.
    pub cve: String,
    /// Severity of the finding.
    pub severity: Severity,
    /// Half-open version ranges `[from, to)`.
    pub affected: Vec<[String; 2]>,
    /// What the bug does.
    pub summary: String,
}

/// A knowledge-base match against a banner.
#[derive(Debug, Clone, PartialEq)]
pub struct DosMatch<'a> {
    /// The entry that matched.
    pub entry: &'a DosEntry,
    /// The version read from the banner.
    pub version: String,
}

/// The DoS knowledge base.
#[derive(Debug, Clone)]
pub struct DosKb {
    entries: Vec<DosEntry>,
}

impl DosKb {
    /// The bundled knowledge base.
    pub fn bundled() -> Result<DosKb, SurfaceError> {
        Self::parse(DOS_KB)
    }

    /// Parses a knowledge base in the bundled format.
    pub fn parse(text: &str) -> Result<DosKb, SurfaceError> {
        let entries: Vec<DosEntry> = serde_yaml_ng::from_str(text)
            .map_err(|e| SurfaceError::Data("dos-kb.yaml", e.to_string()))?;
        for e in &entries {
            for [a, b] in &e.affected {
                if version_key(a).is_empty() || version_key(b).is_empty() {
                    return Err(SurfaceError::Data(
                        "dos-kb.yaml",
                        format!("{}: bad range", e.cve),
                    ));
                }
            }
        }
        Ok(DosKb { entries })
    }

    /// Entries whose product banner appears in `banner` with a version in range.
    pub fn matches<'a>(&'a self, banner: &str) -> Vec<DosMatch<'a>> {
        let mut out = Vec::new();
        for e in &self.entries {
            let Some(pos) = banner.find(&e.banner) else {
                continue;
            };
            let rest = &banner[pos + e.banner.len()..];
            let version: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            let key = version_key(&version);
            if key.is_empty() {
                continue;
            }
            if e.affected
                .iter()
                .any(|[a, b]| version_key(a) <= key && key < version_key(b))
            {
                out.push(DosMatch { entry: e, version });
            }
        }
        out
    }
}

/// Numeric components of a version: "9.2p1" -> [9, 2, 1], "1.14.0" -> [1, 14, 0].
pub fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map_while(|s| s.parse().ok())
        .collect()
}

/// One port of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSpec {
    /// TCP port.
    pub port: u16,
    /// Service name.
    pub service: String,
    /// Severity of the port being open at all.
    pub exposure: Severity,
    /// Why.
    pub why: String,
}

/// The bundled port profile.
pub fn port_profile() -> Result<Vec<PortSpec>, SurfaceError> {
    let mut out = Vec::new();
    for (i, line) in PORTS.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || SurfaceError::Data("ports.txt", format!("line {}", i + 1));
        let mut it = line.splitn(4, ' ');
        let port = it.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let service = it.next().ok_or_else(bad)?.to_string();
        let exposure = it.next().and_then(Severity::parse).ok_or_else(bad)?;
        let why = it.next().ok_or_else(bad)?.trim_matches('"').to_string();
        out.push(PortSpec {
            port,
            service,
            exposure,
            why,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_loads() {
        let kb = DosKb::bundled().unwrap();
        assert!(kb.entries.len() >= 8);
        let p = port_profile().unwrap();
        assert!(p.iter().any(|s| s.port == 3389 && s.service == "rdp"));
        assert!(WORDLIST.lines().count() >= 100);
    }

    #[test]
    fn version_ranges() {
        let kb = DosKb::bundled().unwrap();
        let old: Vec<_> = kb
            .matches("nginx/1.14.0")
            .iter()
            .map(|m| m.entry.cve.clone())
            .collect();
        assert!(old.contains(&"CVE-2018-16843".to_string()), "{old:?}");
        assert!(old.contains(&"CVE-2021-23017".to_string()));
        assert!(!kb
            .matches("nginx/1.14.1")
            .iter()
            .any(|m| m.entry.cve == "CVE-2018-16843"));
        assert!(kb.matches("nginx/1.26.2").is_empty());
        assert!(kb.matches("nginx").is_empty());
        assert!(kb
            .matches("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")
            .is_empty());
        let ssh = kb.matches("SSH-2.0-OpenSSH_7.2p2 Ubuntu-4");
        assert_eq!(ssh.len(), 2);
        assert_eq!(ssh[0].version, "7.2p2");
        assert_eq!(version_key("9.2p1"), vec![9, 2, 1]);
    }
}
