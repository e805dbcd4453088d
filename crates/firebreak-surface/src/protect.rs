//! Protection classification: is an asset behind a DDoS-protection / CDN / WAF provider?
//! Decided by the provider's published address ranges or by a CNAME suffix, from a
//! range file in cdncheck's `sources_data.json` format (`{"cdn"|"waf"|"cloud":
//! {provider: [cidr]}, "common": {provider: [cname suffix]}}`). The method that decided
//! is recorded.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

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
    /// `ip-range`, `cname-suffix`, `http-header` or `cookie`.
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

/// A provider's published range list, as downloaded by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeFormat {
    /// Cloudflare's `ips-v4` / `ips-v6`: one CIDR a line (WAF `cloudflare`).
    Cloudflare,
    /// AWS `ip-ranges.json`: the `CLOUDFRONT` prefixes (CDN `cloudfront`); every
    /// other prefix is cloud hosting (`aws`).
    Aws,
    /// Fastly's `public-ip-list` JSON: `addresses`, `ipv6_addresses` (CDN `fastly`).
    Fastly,
    /// Google's `goog.json` / `cloud.json`: `prefixes[].ipv4Prefix|ipv6Prefix` (cloud
    /// `google`).
    Google,
    /// A plain list (one CIDR a line, `#` comments) for the provider and category
    /// given with it.
    List,
}

/// What one imported list gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportCount {
    /// `category/provider`.
    pub into: String,
    /// Ranges taken.
    pub ranges: usize,
    /// Entries that are not a CIDR (skipped).
    pub skipped: usize,
}

fn cidrs<'a>(items: impl Iterator<Item = &'a str>, into: &mut BTreeSet<String>) -> usize {
    let mut skipped = 0;
    for s in items {
        let s = s.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        match s.parse::<IpNet>() {
            Ok(n) => {
                into.insert(n.trunc().to_string());
            }
            Err(_) => skipped += 1,
        }
    }
    skipped
}

/// Imports published range lists into a provider range file in cdncheck's format:
/// each list replaces its provider's ranges in `base` (an existing file's text, or
/// none to start empty); everything else of `base` is kept. `sources` are (format,
/// `category/provider` for [`RangeFormat::List`], the file's text). No network: the
/// user downloads the lists.
pub fn import_ranges(
    base: Option<&str>,
    sources: &[(RangeFormat, Option<String>, String)],
) -> Result<(String, Vec<ImportCount>), SurfaceError> {
    let bad = |what: &str, e: String| SurfaceError::Data("provider ranges", format!("{what}: {e}"));
    let mut out: serde_json::Map<String, serde_json::Value> = match base {
        Some(t) => serde_json::from_str(t).map_err(|e| bad("base file", e.to_string()))?,
        None => serde_json::Map::new(),
    };
    let mut lists: Vec<(String, String, BTreeSet<String>, usize)> = Vec::new();
    for (format, target, text) in sources {
        let json = || -> Result<serde_json::Value, SurfaceError> {
            serde_json::from_str(text).map_err(|e| bad("range list", e.to_string()))
        };
        let strs = |v: &serde_json::Value, list: &str, field: Option<&str>| -> Vec<String> {
            v.get(list)
                .and_then(|l| l.as_array())
                .into_iter()
                .flatten()
                .filter_map(|e| match field {
                    Some(f) => e.get(f).and_then(|x| x.as_str()).map(str::to_string),
                    None => e.as_str().map(str::to_string),
                })
                .collect()
        };
        let mut add = |cat: &str, prov: &str, items: Vec<String>| {
            let mut set = BTreeSet::new();
            let skipped = cidrs(items.iter().map(String::as_str), &mut set);
            lists.push((cat.to_string(), prov.to_string(), set, skipped));
        };
        match format {
            RangeFormat::Cloudflare => add(
                "waf",
                "cloudflare",
                text.lines().map(str::to_string).collect(),
            ),
            RangeFormat::Fastly => {
                let v = json()?;
                let mut all = strs(&v, "addresses", None);
                all.extend(strs(&v, "ipv6_addresses", None));
                add("cdn", "fastly", all);
            }
            RangeFormat::Google => {
                let v = json()?;
                let mut all = strs(&v, "prefixes", Some("ipv4Prefix"));
                all.extend(strs(&v, "prefixes", Some("ipv6Prefix")));
                add("cloud", "google", all);
            }
            RangeFormat::Aws => {
                let v = json()?;
                let (mut cf, mut other) = (Vec::new(), Vec::new());
                for (list, field) in [("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")] {
                    for e in v.get(list).and_then(|l| l.as_array()).into_iter().flatten() {
                        let Some(p) = e.get(field).and_then(|x| x.as_str()) else {
                            continue;
                        };
                        if e.get("service").and_then(|s| s.as_str()) == Some("CLOUDFRONT") {
                            cf.push(p.to_string());
                        } else {
                            other.push(p.to_string());
                        }
                    }
                }
                if cf.is_empty() && other.is_empty() {
                    return Err(bad("AWS ip-ranges.json", "no prefixes".into()));
                }
                add("cdn", "cloudfront", cf);
                add("cloud", "aws", other);
            }
            RangeFormat::List => {
                let t = target.as_deref().unwrap_or("");
                let (cat, prov) = t
                    .split_once('/')
                    .filter(|(c, p)| ["cdn", "waf", "cloud"].contains(c) && !p.is_empty())
                    .ok_or_else(|| {
                        bad("plain list", format!("{t:?} is not cdn|waf|cloud/PROVIDER"))
                    })?;
                add(cat, prov, text.lines().map(str::to_string).collect());
            }
        }
    }
    let mut counts = Vec::new();
    for (cat, prov, set, skipped) in lists {
        // a list of the same provider given twice (ips-v4 and ips-v6) is merged
        let slot = out
            .entry(cat.clone())
            .or_insert_with(|| serde_json::json!({}));
        let Some(obj) = slot.as_object_mut() else {
            return Err(bad("base file", format!("{cat} is not an object")));
        };
        let key = format!("{cat}/{prov}");
        let mut merged: BTreeSet<String> = if counts.iter().any(|c: &ImportCount| c.into == key) {
            obj.get(&prov)
                .and_then(|l| l.as_array())
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        } else {
            BTreeSet::new()
        };
        let n = set.len();
        merged.extend(set);
        obj.insert(prov.clone(), serde_json::json!(merged));
        match counts.iter_mut().find(|c| c.into == key) {
            Some(c) => {
                c.ranges += n;
                c.skipped += skipped;
            }
            None => counts.push(ImportCount {
                into: key,
                ranges: n,
                skipped,
            }),
        }
    }
    let text = serde_json::to_string(&out).map_err(|e| bad("output", e.to_string()))?;
    // the result must load
    Providers::parse_cdncheck(&text)?;
    Ok((text, counts))
}

/// The bundled response-header and cookie signals.
pub const PROTECTION_HEADERS: &str = include_str!("../data/protection-headers.yaml");

#[derive(Debug, Deserialize)]
struct Signal {
    header: Option<String>,
    header_prefix: Option<String>,
    value: Option<String>,
    cookie: Option<String>,
    cookie_prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
struct HeaderProvider {
    provider: String,
    category: String,
    signals: Vec<Signal>,
}

/// Providers recognised by what their edge adds to HTTP answers
/// (`data/protection-headers.yaml`).
#[derive(Debug)]
pub struct HeaderSignals(Vec<(HeaderProvider, Category)>);

impl HeaderSignals {
    /// The bundled signals.
    pub fn bundled() -> Result<HeaderSignals, SurfaceError> {
        HeaderSignals::parse(PROTECTION_HEADERS)
    }

    /// Signals from YAML text.
    pub fn parse(yaml: &str) -> Result<HeaderSignals, SurfaceError> {
        let bad = |e: String| SurfaceError::Data("protection-headers.yaml", e);
        let list: Vec<HeaderProvider> =
            serde_yaml_ng::from_str(yaml).map_err(|e| bad(e.to_string()))?;
        let mut out = Vec::new();
        for p in list {
            let cat = match p.category.as_str() {
                "cdn" => Category::Cdn,
                "waf" => Category::Waf,
                other => return Err(bad(format!("{}: category {other}", p.provider))),
            };
            if p.signals.iter().any(|s| {
                [&s.header, &s.header_prefix, &s.cookie, &s.cookie_prefix]
                    .iter()
                    .filter(|x| x.is_some())
                    .count()
                    != 1
            }) {
                return Err(bad(format!(
                    "{}: each signal names one header, header prefix, cookie or cookie prefix",
                    p.provider
                )));
            }
            out.push((p, cat));
        }
        Ok(HeaderSignals(out))
    }

    /// The provider an HTTP answer's headers (names lower-cased) show, if any: the
    /// first matching signal decides, header signals before cookies.
    pub fn classify(&self, headers: &[(String, String)]) -> Option<Protection> {
        let cookies: Vec<&str> = headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(['=', ';']).next())
            .map(str::trim)
            .collect();
        let short =
            |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(64).collect() };
        for (p, cat) in &self.0 {
            for s in &p.signals {
                let hit = if let Some(c) = &s.cookie {
                    cookies
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(c))
                        .map(|k| ("cookie", k.to_string(), String::new()))
                } else if let Some(c) = &s.cookie_prefix {
                    cookies
                        .iter()
                        .find(|k| k.to_ascii_lowercase().starts_with(c.as_str()))
                        .map(|k| ("cookie", k.to_string(), String::new()))
                } else {
                    headers
                        .iter()
                        .find(|(k, v)| {
                            let name = match (&s.header, &s.header_prefix) {
                                (Some(h), _) => k == h,
                                (None, Some(pre)) => k.starts_with(pre.as_str()),
                                _ => false,
                            };
                            name && s
                                .value
                                .as_ref()
                                .is_none_or(|want| v.to_ascii_lowercase().contains(want.as_str()))
                        })
                        .map(|(k, v)| ("http-header", k.clone(), short(v)))
                };
                if let Some((method, name, value)) = hit {
                    let provider = if p.provider == "(value)" {
                        let v: String = value
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ' ')
                            .take(32)
                            .collect::<String>()
                            .trim()
                            .to_ascii_lowercase();
                        if v.is_empty() {
                            continue;
                        }
                        v
                    } else {
                        p.provider.clone()
                    };
                    let matched = if value.is_empty() {
                        short(&name)
                    } else {
                        format!("{}: {value}", short(&name))
                    };
                    return Some(Protection {
                        provider,
                        category: *cat,
                        method,
                        matched,
                        protected: true,
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn header_and_cookie_signals() {
        let s = HeaderSignals::bundled().unwrap();
        let cf = s
            .classify(&hdrs(&[("server", "cloudflare"), ("cf-ray", "8a1b-FRA")]))
            .unwrap();
        assert_eq!(
            (cf.provider.as_str(), cf.method, cf.matched.as_str()),
            ("cloudflare", "http-header", "cf-ray: 8a1b-FRA")
        );
        let inc = s
            .classify(&hdrs(&[("set-cookie", "incap_ses_123_456=abc; path=/")]))
            .unwrap();
        assert_eq!(
            (inc.provider.as_str(), inc.method, inc.matched.as_str()),
            ("imperva", "cookie", "incap_ses_123_456")
        );
        let ak = s.classify(&hdrs(&[("server", "AkamaiGHost")])).unwrap();
        assert_eq!(ak.provider, "akamai");
        let ak = s
            .classify(&hdrs(&[("x-akamai-transformed", "9 - 0 pmb=mRUM,1")]))
            .unwrap();
        assert_eq!(ak.provider, "akamai");
        let cfr = s
            .classify(&hdrs(&[("via", "1.1 abc.cloudfront.net (CloudFront)")]))
            .unwrap();
        assert_eq!(
            (cfr.provider.as_str(), cfr.category),
            ("cloudfront", Category::Cdn)
        );
        let x = s.classify(&hdrs(&[("x-cdn", "LabCDN\x1b[2J")])).unwrap();
        assert_eq!(x.provider, "labcdn2j");
        assert!(!x.matched.contains('\x1b'));
        assert!(s
            .classify(&hdrs(&[
                ("server", "nginx/1.14.0"),
                ("set-cookie", "session=1")
            ]))
            .is_none());
        assert!(HeaderSignals::parse("- {provider: x, category: cloud, signals: []}").is_err());
        assert!(HeaderSignals::parse(
            "- {provider: x, category: cdn, signals: [{header: a, cookie: b}]}"
        )
        .is_err());
    }

    #[test]
    fn imports_published_lists() {
        let base = r#"{"waf":{"cloudflare":["1.1.1.0/24"],"incapsula":["45.60.0.0/16"]},"common":{"akamai":["edgekey.net"]}}"#;
        let aws = r#"{"syncToken":"1","prefixes":[{"ip_prefix":"13.32.0.0/15","region":"GLOBAL","service":"CLOUDFRONT"},{"ip_prefix":"3.5.140.0/22","service":"AMAZON"},{"ip_prefix":"bad","service":"CLOUDFRONT"}],"ipv6_prefixes":[{"ipv6_prefix":"2600:9000::/28","service":"CLOUDFRONT"}]}"#;
        let fastly = r#"{"addresses":["151.101.0.0/16"],"ipv6_addresses":["2a04:4e40::/32"]}"#;
        let google =
            r#"{"prefixes":[{"ipv4Prefix":"34.1.208.0/20"},{"ipv6Prefix":"2600:1900::/35"}]}"#;
        let sources = vec![
            (
                RangeFormat::Cloudflare,
                None,
                "173.245.48.0/20\n103.21.244.0/22\n".to_string(),
            ),
            (
                RangeFormat::Cloudflare,
                None,
                "2400:cb00::/32\nnot a range\n".to_string(),
            ),
            (RangeFormat::Aws, None, aws.to_string()),
            (RangeFormat::Fastly, None, fastly.to_string()),
            (RangeFormat::Google, None, google.to_string()),
            (
                RangeFormat::List,
                Some("waf/labshield".into()),
                "# mine\n10.77.0.40/32\n".to_string(),
            ),
        ];
        let (text, counts) = import_ranges(Some(base), &sources).unwrap();
        let c = |k: &str| counts.iter().find(|c| c.into == k).unwrap().clone();
        assert_eq!(
            (c("waf/cloudflare").ranges, c("waf/cloudflare").skipped),
            (3, 1)
        );
        assert_eq!(
            (c("cdn/cloudfront").ranges, c("cdn/cloudfront").skipped),
            (2, 1)
        );
        assert_eq!(c("cloud/aws").ranges, 1);
        assert_eq!(c("cdn/fastly").ranges, 2);
        assert_eq!(c("cloud/google").ranges, 2);
        let p = Providers::parse_cdncheck(&text).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let who = |a: &str| p.classify(&[ip(a)], &[]).map(|x| (x.provider, x.protected));
        // the imported list replaced the old Cloudflare range; the rest of the base stays
        assert_eq!(who("1.1.1.1"), None);
        assert_eq!(who("173.245.48.9"), Some(("cloudflare".into(), true)));
        assert_eq!(who("2400:cb00::1"), Some(("cloudflare".into(), true)));
        assert_eq!(who("45.60.1.1"), Some(("incapsula".into(), true)));
        assert_eq!(who("13.33.0.1"), Some(("cloudfront".into(), true)));
        assert_eq!(who("3.5.141.1"), Some(("aws".into(), false)));
        assert_eq!(who("10.77.0.40"), Some(("labshield".into(), true)));
        assert!(p.classify(&[], &["x.edgekey.net".into()]).is_some());
        for bad in [
            vec![(RangeFormat::Aws, None, "{}".to_string())],
            vec![(RangeFormat::Fastly, None, "[".to_string())],
            vec![(
                RangeFormat::List,
                Some("shield".into()),
                "10.0.0.0/8".to_string(),
            )],
        ] {
            assert!(import_ranges(None, &bad).is_err());
        }
        assert!(import_ranges(Some("[]"), &[]).is_err());
    }

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
