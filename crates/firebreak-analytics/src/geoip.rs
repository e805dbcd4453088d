//! Country and network (ASN) of an address, from a GeoIP database the user gives:
//! iptoasn.com's `ip2asn-combined.tsv` / `ip2asn-v4.tsv` (start, end, AS number,
//! country, AS description; tab-separated) or MaxMind's GeoLite2 ASN CSV
//! (`network,autonomous_system_number,autonomous_system_organization`). Read from
//! bytes; one bad line is an error with its line number, the rest is used.

use std::net::IpAddr;

/// What the database says about an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geo {
    /// ISO 3166 code, when the database has one (`None`, `Unknown` and `ZZ` are none).
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub org: Option<String>,
}

impl Geo {
    /// `DE, AS3320 DTAG`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.country {
            parts.push(c.clone());
        }
        match (self.asn, &self.org) {
            (Some(a), Some(o)) => parts.push(format!("AS{a} {o}")),
            (Some(a), None) => parts.push(format!("AS{a}")),
            _ => {}
        }
        parts.join(", ")
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {reason}")]
pub struct GeoIpError {
    pub origin: String,
    pub line: u64,
    pub reason: String,
}

/// Address ranges, sorted, for lookups by binary search.
#[derive(Debug, Clone, Default)]
pub struct GeoIp {
    ranges: Vec<(u128, u128, Geo)>,
}

/// IPv4 addresses live in the IPv4-mapped part of the v6 space.
fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn country(code: &str) -> Option<String> {
    let c = code.trim();
    let none = c.is_empty() || c.eq_ignore_ascii_case("none") || c == "ZZ" || c == "Unknown";
    (!none).then(|| c.to_ascii_uppercase())
}

impl GeoIp {
    /// Parse either format, told apart by the first line.
    pub fn parse(origin: &str, bytes: &[u8]) -> (GeoIp, Vec<GeoIpError>) {
        let text = String::from_utf8_lossy(bytes);
        let csv = text
            .lines()
            .next()
            .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with("network,"));
        let mut db = GeoIp::default();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            if line.trim().is_empty() || (csv && i == 0) {
                continue;
            }
            let parsed = if csv {
                maxmind_line(line)
            } else {
                ip2asn_line(line)
            };
            match parsed {
                Ok(r) => db.ranges.push(r),
                Err(reason) => errors.push(GeoIpError {
                    origin: origin.to_string(),
                    line: line_no,
                    reason,
                }),
            }
        }
        db.ranges.sort_by_key(|r| r.0);
        (db, errors)
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// What the database says about `ip`, if any range holds it.
    pub fn lookup(&self, ip: IpAddr) -> Option<&Geo> {
        let k = key(ip);
        let i = self.ranges.partition_point(|r| r.0 <= k);
        let (start, end, geo) = self.ranges.get(i.checked_sub(1)?)?;
        (*start <= k && k <= *end).then_some(geo)
    }
}

fn ip(s: &str) -> Result<IpAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("not an address: {s:?}"))
}

/// `1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET`; AS 0 = not routed.
fn ip2asn_line(line: &str) -> Result<(u128, u128, Geo), String> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() < 5 {
        return Err(format!("{} tab-separated fields, ip2asn has 5", f.len()));
    }
    let (start, end) = (key(ip(f[0])?), key(ip(f[1])?));
    if start > end {
        return Err("range ends before it starts".into());
    }
    let asn: u32 = f[2]
        .trim()
        .parse()
        .map_err(|_| format!("bad AS number {:?}", f[2]))?;
    let routed = asn != 0;
    Ok((
        start,
        end,
        Geo {
            country: country(f[3]),
            asn: routed.then_some(asn),
            org: (routed && !f[4].trim().is_empty()).then(|| f[4].trim().to_string()),
        },
    ))
}

/// `1.0.0.0/24,13335,CLOUDFLARENET` (the organisation may be quoted).
fn maxmind_line(line: &str) -> Result<(u128, u128, Geo), String> {
    let (net, rest) = line.split_once(',').ok_or("no comma")?;
    let (asn, org) = rest.split_once(',').unwrap_or((rest, ""));
    let (addr, prefix) = net.split_once('/').ok_or("network without a prefix")?;
    let addr = ip(addr)?;
    let bits: u32 = prefix
        .parse()
        .map_err(|_| format!("bad prefix {prefix:?}"))?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    if bits > width {
        return Err(format!("prefix /{bits} is too long"));
    }
    let host_bits = width - bits;
    let hosts = 1u128.checked_shl(host_bits).map_or(u128::MAX, |b| b - 1);
    let start = key(addr) & !hosts;
    let end = start | hosts;
    let asn: u32 = asn
        .trim()
        .parse()
        .map_err(|_| format!("bad AS number {asn:?}"))?;
    let org = org.trim().trim_matches('"').trim();
    Ok((
        start,
        end,
        Geo {
            country: None,
            asn: Some(asn),
            org: (!org.is_empty()).then(|| org.to_string()),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_look_up_v4_and_v6() {
        let tsv = "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n\
                   185.220.100.0\t185.220.103.255\t60729\tDE\tZWIEBELFREUNDE\n\
                   2001:db8::\t2001:db8::ffff\t64500\tNL\tEXAMPLE-NET\n\
                   bad line\n";
        let (db, errors) = GeoIp::parse("ip2asn.tsv", tsv.as_bytes());
        assert_eq!((db.len(), errors.len()), (3, 1));
        assert_eq!(errors[0].line, 4);
        let g = db.lookup("185.220.101.91".parse().unwrap()).unwrap();
        assert_eq!(g.describe(), "DE, AS60729 ZWIEBELFREUNDE");
        assert_eq!(
            db.lookup("2001:db8::1".parse().unwrap()).unwrap().asn,
            Some(64500)
        );
        assert!(db.lookup("185.220.104.1".parse().unwrap()).is_none());
        assert!(db.lookup("0.255.255.255".parse().unwrap()).is_none());

        let csv = "network,autonomous_system_number,autonomous_system_organization\n\
                   93.104.0.0/14,3320,\"Deutsche Telekom AG\"\n\
                   2a00:1:2::/48,3320,DTAG\n";
        let (db, errors) = GeoIp::parse("GeoLite2-ASN-Blocks.csv", csv.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        let g = db.lookup("93.107.255.255".parse().unwrap()).unwrap();
        assert_eq!(g.describe(), "AS3320 Deutsche Telekom AG");
        assert!(db.lookup("93.108.0.0".parse().unwrap()).is_none());
        assert!(db.lookup("2a00:1:2:ffff::9".parse().unwrap()).is_some());
        // A whole-space v6 network does not overflow.
        let (db, errors) = GeoIp::parse("x.csv", b"network,a,b\n::/0,64512,ALL\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            db.lookup("2001:db8::1".parse().unwrap()).unwrap().asn,
            Some(64512)
        );
    }
}
