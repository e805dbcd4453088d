//! Protection classification: is an asset behind a DDoS-protection / CDN / WAF provider?
//! Decided by the provider's published address ranges or by a CNAME suffix, from a
//! range file in cdncheck's `sources_data.json` format (`{"cdn"|"waf"|"cloud":
//! {provider: [cidr]}, "common": {provider: [cname suffix]}}`). The method that decided
//! is recorded.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::error::SurfaceError;

/// What a provider sells, as the range file files it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Content delivery network (absorbs floods in front of the origin).
    Cdn,
    /// Web application firewall / DDoS-protection proxy.
    Waf,
    /// Cloud hosting: not a protection by itself.
    Cloud,
}

/// The verdict for one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protection {
    /// Provider name as in the range file.
    pub provider: String,
    /// Its category.
    pub category: Category,
    /// `ip-range` or `cname-suffix`.
    pub method: &'static str,
    /// The range or CNAME that matched.
    pub matched: String,
    /// Whether this counts as DDoS protection (CDN/WAF), not just hosting.
    pub protected: bool,
}

/// Provider ranges and CNAME suffixes.
#[derive(Debug, Default)]
pub struct Providers {
    nets: HashMap<(u8, IpAddr), (usize, Category)>,
    lens: BTreeSet<(bool, u8)>,
    names: Vec<String>,
    suffixes: Vec<(String, usize)>,
    /// Entries of the file that did not parse (skipped).
    pub skipped: usize,
}

impl Providers {
    /// Reads a cdncheck-format range file.
    pub fn parse_cdncheck(json: &str) -> Result<Providers, SurfaceError> {
        let v: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| SurfaceError::Data("provider ranges", e.to_string()))?;
        let mut p = Providers::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut id = |p: &mut Providers, name: &str| -> usize {
            *index.entry(name.to_string()).or_insert_with(|| {
                p.names.push(name.to_string());
                p.names.len() - 1
            })
        };
        // cloud first so that a CDN/WAF range wins where both list the same network
        for (key, cat) in [
            ("cloud", Category::Cloud),
            ("cdn", Category::Cdn),
            ("waf", Category::Waf),
        ] {
            let Some(obj) = v.get(key).and_then(|o| o.as_object()) else {
                continue;
            };
            for (provider, list) in obj {
                let i = id(&mut p, provider);
                for s in list.as_array().into_iter().flatten() {
                    match s.as_str().and_then(|s| s.parse::<IpNet>().ok()) {
                        Some(n) => {
                            let n = n.trunc();
                            p.lens.insert((n.addr().is_ipv4(), n.prefix_len()));
                            p.nets.insert((n.prefix_len(), n.network()), (i, cat));
                        }
                        None => p.skipped += 1,
                    }
                }
            }
        }
        if let Some(obj) = v.get("common").and_then(|o| o.as_object()) {
            for (provider, list) in obj {
                let i = id(&mut p, provider);
                for s in list
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str())
                {
                    let s = s.trim_start_matches('.').to_ascii_lowercase();
                    if s.contains('.') {
                        p.suffixes.push((s, i));
                    } else {
                        p.skipped += 1;
                    }
                }
            }
        }
        if p.nets.is_empty() && p.suffixes.is_empty() {
            return Err(SurfaceError::Data(
                "provider ranges",
                "no range and no CNAME suffix".into(),
            ));
        }
        Ok(p)
    }

    /// Number of ranges loaded.
    pub fn ranges(&self) -> usize {
        self.nets.len()
    }

    fn lookup(&self, ip: IpAddr) -> Option<(IpNet, usize, Category)> {
        // longest prefix first
        for &(v4, len) in self.lens.iter().rev() {
            if v4 != ip.is_ipv4() {
                continue;
            }
            let Ok(net) = IpNet::new(ip, len) else {
                continue;
            };
            let net = net.trunc();
            if let Some(&(i, c)) = self.nets.get(&(len, net.network())) {
                return Some((net, i, c));
            }
        }
        None
    }

    /// Classifies an asset from its addresses and CNAME chain. A CNAME suffix or a
    /// CDN/WAF range means protected; a cloud range alone is reported as hosting.
    pub fn classify(&self, addrs: &[IpAddr], cnames: &[String]) -> Option<Protection> {
        for c in cnames {
            let c = c.trim_end_matches('.').to_ascii_lowercase();
            for (s, i) in &self.suffixes {
                if c == *s || c.ends_with(&format!(".{s}")) {
                    return Some(Protection {
                        provider: self.names[*i].clone(),
                        category: Category::Cdn,
                        method: "cname-suffix",
                        matched: c,
                        protected: true,
                    });
                }
            }
        }
        let mut cloud = None;
        for a in addrs {
            if let Some((net, i, cat)) = self.lookup(*a) {
                let p = Protection {
                    provider: self.names[i].clone(),
                    category: cat,
                    method: "ip-range",
                    matched: net.to_string(),
                    protected: cat != Category::Cloud,
                };
                if p.protected {
                    return Some(p);
                }
                cloud.get_or_insert(p);
            }
        }
        cloud
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"cdn":{"fastly":["151.101.0.0/16"]},"waf":{"cloudflare":["104.16.0.0/13","2606:4700::/32","bad"]},
        "cloud":{"aws":["3.0.0.0/9","104.16.5.0/24"]},"common":{"akamai":["edgekey.net","akamaiedge.net"],"x":["nodot"]}}"#;

    #[test]
    fn ranges_and_suffixes() {
        let p = Providers::parse_cdncheck(SAMPLE).unwrap();
        assert_eq!(p.skipped, 2);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cf = p.classify(&[ip("104.16.5.9")], &[]).unwrap();
        assert_eq!(
            (cf.provider.as_str(), cf.method, cf.protected),
            ("aws", "ip-range", false),
            "longest prefix wins"
        );
        let cf = p.classify(&[ip("104.17.1.1")], &[]).unwrap();
        assert_eq!(
            (cf.provider.as_str(), cf.category, cf.protected),
            ("cloudflare", Category::Waf, true)
        );
        assert_eq!(cf.matched, "104.16.0.0/13");
        assert!(p.classify(&[ip("2606:4700::1")], &[]).unwrap().protected);
        let ak = p
            .classify(&[ip("10.0.0.1")], &["www.example.com.edgekey.net".into()])
            .unwrap();
        assert_eq!(
            (ak.provider.as_str(), ak.method),
            ("akamai", "cname-suffix")
        );
        assert!(p
            .classify(&[ip("10.0.0.1")], &["notedgekey.net".into()])
            .is_none());
        let aws = p.classify(&[ip("3.1.2.3")], &[]).unwrap();
        assert!(!aws.protected && aws.category == Category::Cloud);
        assert!(Providers::parse_cdncheck("{}").is_err());
    }

    #[test]
    fn the_shared_cdncheck_snapshot() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/cdn-ranges/sources_data.json"
        );
        let text =
            std::fs::read_to_string(path).expect("../shared/data/cdn-ranges beside the checkout");
        let p = Providers::parse_cdncheck(&text).unwrap();
        assert!(p.ranges() > 50_000, "{}", p.ranges());
        // 8.42.51.0/24 is listed as a Cloudflare WAF range in that snapshot
        let cf = p.classify(&["8.42.51.7".parse().unwrap()], &[]).unwrap();
        assert_eq!((cf.provider.as_str(), cf.protected), ("cloudflare", true));
        let ak = p
            .classify(&[], &["shop.example.com.akamaiedge.net".into()])
            .unwrap();
        assert_eq!(ak.provider, "akamai");
        assert!(p.classify(&["10.77.0.20".parse().unwrap()], &[]).is_none());
    }
}
