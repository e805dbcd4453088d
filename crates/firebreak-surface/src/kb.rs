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
    /// Where the facts were checked (NVD or the vendor's advisory).
    #[serde(default)]
    pub source: Option<String>,
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
/// Letters that end a version right after a digit are a last component (a = 1, ...,
/// z = 26, "za" = 27: OpenSSL's and ProFTPD's letter releases), so "1.0.2k" ->
/// [1, 0, 2, 11] sorts after "1.0.2" and before "1.0.2zc"; letters followed by digits
/// are separators ("9.2p1", "1.3.7rc2").
pub fn version_key(v: &str) -> Vec<u64> {
    let mut key: Vec<u64> = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map_while(|s| s.parse().ok())
        .collect();
    let letters: String = v
        .chars()
        .rev()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let before = v[..v.len() - letters.len()].chars().last();
    if !key.is_empty()
        && !letters.is_empty()
        && letters.len() <= 2
        && before.is_some_and(|c| c.is_ascii_digit())
    {
        key.push(
            letters
                .chars()
                .map(|c| u64::from(c.to_ascii_lowercase() as u8 - b'a' + 1))
                .sum(),
        );
    }
    key
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
    fn every_entry_names_its_source() {
        let kb = DosKb::bundled().unwrap();
        assert!(kb.entries.len() >= 40);
        for e in &kb.entries {
            assert!(
                e.source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("https://")),
                "{} has no source",
                e.cve
            );
            assert!(e.cve.starts_with("CVE-"), "{}", e.cve);
        }
    }

    #[test]
    fn probe_banners() {
        let kb = DosKb::bundled().unwrap();
        let cves = |b: &str| -> Vec<String> {
            kb.matches(b).iter().map(|m| m.entry.cve.clone()).collect()
        };
        assert_eq!(cves("(vsFTPd 3.0.3)"), vec!["CVE-2021-30047"]);
        assert!(cves("(vsFTPd 3.0.5)").is_empty());
        // letter releases: 1.3.6 is affected, 1.3.6b (the fix) is not
        assert!(cves("ProFTPD 1.3.6 Server").contains(&"CVE-2019-18217".to_string()));
        assert!(!cves("ProFTPD 1.3.6b Server").contains(&"CVE-2019-18217".to_string()));
        assert!(!cves("ProFTPD 1.3.7a Server").contains(&"CVE-2019-18217".to_string()));
        assert!(cves("Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips")
            .contains(&"CVE-2022-0778".to_string()));
        assert!(cves("OpenSSL/1.0.2h").contains(&"CVE-2016-6304".to_string()));
        assert!(!cves("OpenSSL/1.0.2i").contains(&"CVE-2016-6304".to_string()));
        assert!(cves("OpenSSL/3.0.2").is_empty());
        // the fixed mainline release is not flagged for the resolver bug any more
        assert!(!cves("nginx/1.21.0").contains(&"CVE-2021-23017".to_string()));
        assert!(cves("nginx/1.20.0").contains(&"CVE-2021-23017".to_string()));
        assert_eq!(
            cves("ntpd 4.2.8p8@1.3265-o"),
            vec!["CVE-2016-7434", "CVE-2016-9311"]
        );
        assert!(cves("ntpd ntpsec-1.2.2").is_empty());
        assert!(cves("memcached 1.6.18").is_empty());
        assert_eq!(
            cves("memcached 1.4.25"),
            vec!["CVE-2018-1000115", "CVE-2016-8704"]
        );
        assert!(
            cves("mail.example.com ESMTP Exim 4.92.2 Mon").contains(&"CVE-2019-16928".to_string())
        );
        assert!(cves("SSH-2.0-OpenSSH_9.9p1").contains(&"CVE-2025-26466".to_string()));
        assert!(cves("SSH-2.0-OpenSSH_9.9p2").is_empty());
        // what the lab's Debian 12 servers show matches nothing but Rapid Reset
        assert!(cves("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7").is_empty());
        assert_eq!(cves("nginx/1.22.1"), vec!["CVE-2023-44487"]);
        assert!(cves("vm ESMTP Exim 4.96 Thu, 26 Nov 2026").is_empty());
        assert!(cves("BIND 9.18.49-1~deb12u3-Debian").is_empty());
        assert_eq!(
            cves("BIND 9.18.43-1~deb12u1-Debian"),
            vec!["CVE-2025-13878", "CVE-2026-3039"]
        );
        assert!(cves("BIND 9.9.5-9+deb8u19-Debian").contains(&"CVE-2015-5477".to_string()));
        assert!(cves("unbound 1.17.1").is_empty());
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
        let cves: Vec<&str> = ssh.iter().map(|m| m.entry.cve.as_str()).collect();
        assert_eq!(
            cves,
            vec!["CVE-2016-8858", "CVE-2016-6515", "CVE-2016-10708"]
        );
        assert_eq!(ssh[0].version, "7.2p2");
        assert_eq!(version_key("9.2p1"), vec![9, 2, 1]);
        assert_eq!(version_key("1.0.2k"), vec![1, 0, 2, 11]);
        assert_eq!(version_key("1.0.2zc"), vec![1, 0, 2, 29]);
        assert_eq!(version_key("1.3.6b"), vec![1, 3, 6, 2]);
        assert_eq!(version_key("1.3.7rc2"), vec![1, 3, 7, 2]);
        assert_eq!(version_key("ntpsec"), Vec::<u64>::new());
        assert!(version_key("1.0.2k") < version_key("1.0.2zc"));
    }
}
