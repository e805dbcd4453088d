//! IP networks (`10.0.0.0/8`) without a dependency.

use serde::Deserialize;
use std::net::IpAddr;

/// An IP network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct IpNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// A network that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP network (address/prefix): {0:?}")]
pub struct IpNetError(pub String);

impl IpNet {
    /// True when `ip` is inside the network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => masked(
                u128::from(u32::from(n)),
                u128::from(u32::from(a)),
                32,
                self.prefix,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(net: u128, addr: u128, bits: u8, prefix: u8) -> bool {
    let shift = u32::from(bits.saturating_sub(prefix));
    if shift >= 128 {
        return true;
    }
    (net >> shift) == (addr >> shift)
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl std::str::FromStr for IpNet {
    type Err = IpNetError;
    fn from_str(s: &str) -> Result<IpNet, IpNetError> {
        let err = || IpNetError(s.to_string());
        let (a, p) = s.trim().split_once('/').unwrap_or((s.trim(), ""));
        let addr: IpAddr = a.parse().map_err(|_| err())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = if p.is_empty() {
            max
        } else {
            p.parse::<u8>().map_err(|_| err())?
        };
        if prefix > max {
            return Err(err());
        }
        Ok(IpNet { addr, prefix })
    }
}

impl TryFrom<String> for IpNet {
    type Error = IpNetError;
    fn try_from(s: String) -> Result<IpNet, IpNetError> {
        s.parse()
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses an address as logs write it (`::ffff:10.0.0.9`, `[::1]`); `None` for `-`.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    s.parse::<IpAddr>().ok().map(canonical)
}

/// True when `ip` is in one of `nets`.
pub fn is_internal(ip: IpAddr, nets: &[IpNet]) -> bool {
    nets.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_what_they_should() {
        let n: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains("10.200.1.1".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains(parse_ip("::ffff:10.0.0.9").unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let ula: IpNet = "fc00::/7".parse().unwrap();
        assert!(ula.contains("fd12::1".parse().unwrap()));
        assert!(!ula.contains("2001:db8::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("nope/8".parse::<IpNet>().is_err());
        assert_eq!(parse_ip("-"), None);
    }
}
