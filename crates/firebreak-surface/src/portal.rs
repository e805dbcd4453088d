//! Remote-access portals by signature (`data/portals.yaml`): FortiGate SSL-VPN,
//! Ivanti/Pulse Connect Secure, GlobalProtect, Exchange OWA, RD Web Access; and the
//! NetScaler build table (`data/citrix-builds.csv`) for the Citrix Gateway's
//! `rdx_en.json.gz` timestamp. Matching is on bytes already fetched: no I/O here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::SurfaceError;
use crate::finding::Severity;
use crate::wire::{self, HttpInfo};

const PORTALS: &str = include_str!("../data/portals.yaml");
const CITRIX_BUILDS: &str = include_str!("../data/citrix-builds.csv");

/// Where a marker looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    /// The response body.
    Body,
    /// The `<title>`.
    Title,
    /// The `Location` header.
    Location,
    /// A `Set-Cookie` header.
    Cookie,
    /// The header named by `header`.
    Header,
}

/// One marker of a signature.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Marker {
    /// What is reported when it matches.
    pub name: String,
    /// Where to look.
    #[serde(rename = "in")]
    pub place: Place,
    /// Header name (lower case) for `in: header`.
    #[serde(default)]
    pub header: Option<String>,
    /// Text that must appear (empty: the header is present).
    pub contains: String,
}

#[derive(Debug, Clone, Deserialize)]
struct VersionRule {
    #[serde(rename = "in")]
    place: Place,
    #[serde(default)]
    header: Option<String>,
    regex: String,
}

/// One product's signature.
#[derive(Debug, Clone, Deserialize)]
pub struct PortalSig {
    /// Product name.
    pub product: String,
    /// Finding kind (`portal.*`).
    pub kind: String,
    /// Severity of the finding.
    pub severity: Severity,
    /// Why it matters.
    pub why: String,
    /// Paths to fetch besides `/`.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Distinct markers needed.
    pub min_signals: usize,
    /// Markers.
    pub markers: Vec<Marker>,
    #[serde(default)]
    versions: Vec<VersionRule>,
}

/// An HTTP answer a signature is matched against.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Path asked.
    pub path: String,
    /// Parsed head.
    pub info: HttpInfo,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    /// Parses raw response bytes; `None` if not HTTP.
    pub fn parse(path: &str, raw: &[u8]) -> Option<Answer> {
        Some(Answer {
            path: path.to_string(),
            info: wire::parse_http(raw)?,
            body: wire::http_body(raw).to_vec(),
        })
    }

    pub(crate) fn place(&self, place: Place, header: Option<&str>) -> Vec<String> {
        let headers = |name: &str| -> Vec<String> {
            self.info
                .headers
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect()
        };
        match place {
            Place::Body => vec![String::from_utf8_lossy(&self.body).into_owned()],
            Place::Title => self.info.title.clone().into_iter().collect(),
            Place::Location => headers("location"),
            Place::Cookie => headers("set-cookie"),
            Place::Header => header.map(headers).unwrap_or_default(),
        }
    }
}

/// A portal recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalHit {
    /// Product.
    pub product: String,
    /// Finding kind.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// Why it matters.
    pub why: String,
    /// Markers that matched (names), sorted.
    pub signals: Vec<String>,
    /// Version or build, if a version rule matched (at most 64 characters).
    pub version: Option<String>,
}

/// The bundled signatures and the NetScaler build table.
#[derive(Debug)]
pub struct Portals {
    sigs: Vec<PortalSig>,
    versions: Vec<Vec<(VersionRule, regex::Regex)>>,
    citrix: BTreeMap<u32, String>,
}

impl Portals {
    /// The bundled data.
    pub fn bundled() -> Result<Portals, SurfaceError> {
        Self::parse(PORTALS, CITRIX_BUILDS)
    }

    /// Parses signatures (YAML) and a `stamp,build` table.
    pub fn parse(yaml: &str, builds: &str) -> Result<Portals, SurfaceError> {
        let sigs: Vec<PortalSig> = serde_yaml_ng::from_str(yaml)
            .map_err(|e| SurfaceError::Data("portals.yaml", e.to_string()))?;
        let mut versions = Vec::new();
        for s in &sigs {
            if s.min_signals == 0 || s.min_signals > s.markers.len() {
                return Err(SurfaceError::Data(
                    "portals.yaml",
                    format!("{}: min_signals", s.product),
                ));
            }
            if !s.kind.starts_with("portal.") {
                return Err(SurfaceError::Data(
                    "portals.yaml",
                    format!("{}: kind", s.product),
                ));
            }
            for m in &s.markers {
                if m.place == Place::Header && m.header.is_none() {
                    return Err(SurfaceError::Data(
                        "portals.yaml",
                        format!("{}: marker {} names no header", s.product, m.name),
                    ));
                }
            }
            let mut v = Vec::new();
            for r in &s.versions {
                let re = regex::Regex::new(&r.regex).map_err(|e| {
                    SurfaceError::Data("portals.yaml", format!("{}: {e}", s.product))
                })?;
                v.push((r.clone(), re));
            }
            versions.push(v);
        }
        let mut citrix = BTreeMap::new();
        for (i, l) in builds.lines().enumerate() {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let bad = || SurfaceError::Data("citrix-builds.csv", format!("line {}", i + 1));
            let (stamp, build) = l.split_once(',').ok_or_else(bad)?;
            let stamp: u32 = stamp.parse().map_err(|_| bad())?;
            if build.is_empty() {
                return Err(bad());
            }
            citrix.insert(stamp, build.to_string());
        }
        Ok(Portals {
            sigs,
            versions,
            citrix,
        })
    }

    /// Every path any signature wants fetched, once each.
    pub fn paths(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self
            .sigs
            .iter()
            .flat_map(|s| s.paths.iter().map(String::as_str))
            .collect();
        p.sort_unstable();
        p.dedup();
        p
    }

    /// The signatures.
    pub fn signatures(&self) -> &[PortalSig] {
        &self.sigs
    }

    /// The NetScaler build whose `rdx_en.json.gz` carries this gzip MTIME.
    pub fn citrix_build(&self, stamp: u32) -> Option<&str> {
        self.citrix.get(&stamp).map(String::as_str)
    }

    /// Builds in the table.
    pub fn citrix_builds(&self) -> usize {
        self.citrix.len()
    }

    /// Portals recognised in these answers.
    pub fn detect(&self, answers: &[Answer]) -> Vec<PortalHit> {
        let mut hits = Vec::new();
        for (sig, rules) in self.sigs.iter().zip(&self.versions) {
            let mut signals: Vec<String> = sig
                .markers
                .iter()
                .filter(|m| {
                    answers.iter().any(|a| {
                        a.place(m.place, m.header.as_deref())
                            .iter()
                            .any(|v| v.contains(&m.contains))
                    })
                })
                .map(|m| m.name.clone())
                .collect();
            signals.sort();
            signals.dedup();
            if signals.len() < sig.min_signals {
                continue;
            }
            let version = rules.iter().find_map(|(r, re)| {
                answers.iter().find_map(|a| {
                    a.place(r.place, r.header.as_deref()).iter().find_map(|v| {
                        re.captures(v)
                            .and_then(|c| c.get(1))
                            .map(|m| m.as_str().chars().take(64).collect::<String>())
                    })
                })
            });
            hits.push(PortalHit {
                product: sig.product.clone(),
                kind: sig.kind.clone(),
                severity: sig.severity,
                why: sig.why.clone(),
                signals,
                version,
            });
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(path: &str, raw: &str) -> Answer {
        Answer::parse(path, raw.as_bytes()).unwrap()
    }

    #[test]
    fn bundled_signatures_load() {
        let p = Portals::bundled().unwrap();
        assert_eq!(p.signatures().len(), 5);
        assert!(p.paths().contains(&"/owa/auth/logon.aspx"));
        assert!(p.citrix_builds() > 150);
        // rows of the public table
        assert_eq!(p.citrix_build(1_690_503_901), Some("14.1-4.42"));
        assert_eq!(p.citrix_build(1_688_747_367), Some("12.1-55.297"));
        assert_eq!(p.citrix_build(1_690_019_456), None);
    }

    #[test]
    fn exchange_with_build() {
        let p = Portals::bundled().unwrap();
        let root = answer(
            "/",
            "HTTP/1.1 302 Found\r\nLocation: https://mail.example.com/owa/\r\nX-FEServer: EX01\r\n\r\n",
        );
        let logon = answer(
            "/owa/auth/logon.aspx",
            "HTTP/1.1 200 OK\r\nX-OWA-Version: 15.1.2507.6\r\n\r\n<title>Outlook</title><link href=\"/owa/auth/15.1.2507/themes/resources/owafont_ltr.css\">",
        );
        let hits = p.detect(&[root, logon]);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].kind, "portal.exchange_owa");
        assert_eq!(hits[0].version.as_deref(), Some("15.1.2507.6"));
        assert!(hits[0].signals.len() >= 4);
        // without the header the static path still gives the build
        let logon = answer(
            "/owa/auth/logon.aspx",
            "HTTP/1.1 200 OK\r\n\r\n<title>Outlook</title><img src=\"/owa/auth/15.2.1118/themes/x.png\">",
        );
        assert_eq!(p.detect(&[logon])[0].version.as_deref(), Some("15.2.1118"));
    }

    #[test]
    fn one_marker_is_not_enough() {
        let p = Portals::bundled().unwrap();
        // a phishing page that copies the title only
        let a = answer(
            "/",
            "HTTP/1.1 200 OK\r\n\r\n<title>Ivanti Connect Secure</title>",
        );
        assert!(p.detect(&[a]).is_empty());
        let fg = answer(
            "/remote/login?lang=en",
            "HTTP/1.1 200 OK\r\nSet-Cookie: SVPNCOOKIE=; path=/\r\n\r\n<div class=\"ftnt-fortinet-grid\">",
        );
        let hits = p.detect(&[fg]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, "portal.fortinet_sslvpn");
        assert_eq!(hits[0].version, None);
    }

    #[test]
    fn bad_data_is_refused() {
        assert!(Portals::parse("- {product: x, kind: portal.x, severity: low, why: y, min_signals: 2, markers: [{name: a, in: body, contains: b}]}", "").is_err());
        assert!(Portals::parse("[]", "123\n").is_err());
        assert!(Portals::parse("[]", "x,1.0\n").is_err());
        assert!(Portals::parse("- {product: x, kind: portal.x, severity: low, why: y, min_signals: 1, markers: [{name: a, in: header, contains: b}]}", "").is_err());
    }
}
