//! The scope file and the scope guard every probe goes through.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipnet::IpNet;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{ScopeError, SurfaceError};

/// What the customer owns: domains (and everything under them) and address ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Lower-case domains without the trailing dot.
    pub domains: Vec<String>,
    /// Address ranges; a bare address is a /32 or /128.
    pub ranges: Vec<IpNet>,
}

impl Scope {
    /// Parses a scope file: one entry a line, `#` starts a comment. An entry that parses
    /// as an address or CIDR is a range, anything else must be a domain name. Every bad
    /// line is reported with its number; nothing is guessed.
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        let mut scope = Scope::default();
        let mut bad = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Ok(net) = line.parse::<IpNet>() {
                scope.ranges.push(net.trunc());
            } else if let Ok(ip) = line.parse::<IpAddr>() {
                scope.ranges.push(IpNet::from(ip));
            } else if is_domain(line) {
                let d = line.trim_end_matches('.').to_ascii_lowercase();
                if !scope.domains.contains(&d) {
                    scope.domains.push(d);
                }
            } else {
                bad.push((i + 1, line.to_string()));
            }
        }
        if !bad.is_empty() {
            return Err(ScopeError::BadLines(bad));
        }
        if scope.domains.is_empty() && scope.ranges.is_empty() {
            return Err(ScopeError::Empty);
        }
        Ok(scope)
    }

    /// Whether `ip` lies in one of the scoped ranges.
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|n| n.contains(&ip))
    }

    /// The scoped domain `name` belongs to (itself or a parent), if any.
    pub fn domain_of(&self, name: &str) -> Option<&str> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.domains
            .iter()
            .filter(|d| name == **d || name.ends_with(&format!(".{d}")))
            .max_by_key(|d| d.len())
            .map(String::as_str)
    }
}

fn is_domain(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    !s.is_empty()
        && s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Limits on what the guard lets through.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Packets (connection attempts, datagrams) per second to targets, all hosts together.
    pub rate: u32,
    /// Packets per second to one target host.
    pub host_rate: u32,
    /// Connections open at once, all hosts together.
    pub conns: usize,
    /// Connections open at once to one host.
    pub host_conns: usize,
    /// DNS queries per second to the configured resolvers.
    pub dns_rate: u32,
    /// Hard deadline of one probe (connect + exchange).
    pub probe_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate: 2000,
            host_rate: 500,
            conns: 256,
            host_conns: 32,
            dns_rate: 5000,
            probe_timeout: Duration::from_secs(3),
        }
    }
}

/// Spaces events at a fixed interval, shared by many tasks (a token bucket of depth 1
/// that lets late callers catch up by at most one second of burst).
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    pub(crate) fn new(per_second: u32) -> Pacer {
        Pacer {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    pub(crate) async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let floor = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
            let at = (*next).max(floor);
            *next = at + self.interval;
            at
        };
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }
}

/// What a probe holds while it talks to a host: the global and per-host connection slots.
#[derive(Debug)]
pub struct Permit {
    _global: OwnedSemaphorePermit,
    _host: OwnedSemaphorePermit,
}

/// The scope guard. Every socket this crate opens to a target is opened by `net` after
/// [`Guard::admit`] said yes; resolver traffic goes only to the configured resolvers.
/// Counters say how many probes were refused, which tests check.
#[derive(Debug)]
pub struct Guard {
    scope: Scope,
    resolvers: Vec<IpAddr>,
    limits: Limits,
    global_pacer: Pacer,
    dns_pacer: Pacer,
    global_conns: Arc<Semaphore>,
    hosts: Mutex<HashMap<IpAddr, Arc<HostSlot>>>,
    refused: std::sync::atomic::AtomicU64,
    admitted: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct HostSlot {
    pacer: Pacer,
    conns: Arc<Semaphore>,
}

impl Guard {
    /// A guard over `scope`, letting DNS queries go to `resolvers` only.
    pub fn new(scope: Scope, resolvers: Vec<IpAddr>, limits: Limits) -> Guard {
        Guard {
            global_pacer: Pacer::new(limits.rate),
            dns_pacer: Pacer::new(limits.dns_rate),
            global_conns: Arc::new(Semaphore::new(limits.conns.max(1))),
            scope,
            resolvers,
            limits,
            hosts: Mutex::new(HashMap::new()),
            refused: Default::default(),
            admitted: Default::default(),
        }
    }

    /// The scope this guard enforces.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The configured resolvers.
    pub fn resolvers(&self) -> &[IpAddr] {
        &self.resolvers
    }

    /// Whether a probe to `ip` would be allowed (no waiting, no counting).
    pub fn in_scope(&self, ip: IpAddr) -> bool {
        self.scope.contains_ip(ip)
    }

    /// Waits for the rate limits and a connection slot, then lets one probe to `ip`
    /// through; refuses anything outside the scoped ranges.
    pub async fn admit(&self, ip: IpAddr) -> Result<Permit, SurfaceError> {
        use std::sync::atomic::Ordering;
        if !self.scope.contains_ip(ip) {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(SurfaceError::OutOfScope(ip));
        }
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(ip)
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        pacer: Pacer::new(self.limits.host_rate),
                        conns: Arc::new(Semaphore::new(self.limits.host_conns.max(1))),
                    })
                })
                .clone()
        };
        let host = slot
            .conns
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SurfaceError::Closed)?;
        let global = self
            .global_conns
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SurfaceError::Closed)?;
        slot.pacer.wait().await;
        self.global_pacer.wait().await;
        self.admitted.fetch_add(1, Ordering::Relaxed);
        Ok(Permit {
            _global: global,
            _host: host,
        })
    }

    /// Lets one DNS query to a configured resolver through (rate-limited); refuses any
    /// other address.
    pub async fn admit_resolver(&self, ip: IpAddr) -> Result<(), SurfaceError> {
        if !self.resolvers.contains(&ip) {
            self.refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(SurfaceError::NotAResolver(ip));
        }
        self.dns_pacer.wait().await;
        Ok(())
    }

    /// Probes refused because they were out of scope.
    pub fn refused(&self) -> u64 {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Probes admitted.
    pub fn admitted(&self) -> u64 {
        self.admitted.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_domains_and_ranges() {
        let s = Scope::parse("# c\nExample.COM.\n10.77.0.0/24\n192.0.2.7\n\n").unwrap();
        assert_eq!(s.domains, vec!["example.com"]);
        assert!(s.contains_ip("10.77.0.9".parse().unwrap()));
        assert!(s.contains_ip("192.0.2.7".parse().unwrap()));
        assert!(!s.contains_ip("10.77.1.9".parse().unwrap()));
        assert_eq!(s.domain_of("a.b.example.com"), Some("example.com"));
        assert_eq!(s.domain_of("badexample.com"), None);
    }

    #[test]
    fn rejects_bad_lines_with_numbers() {
        match Scope::parse("example.com\nnot a domain\n10.0.0.0/33\n") {
            Err(ScopeError::BadLines(b)) => {
                assert_eq!(b.iter().map(|x| x.0).collect::<Vec<_>>(), vec![2, 3])
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Scope::parse("# nothing\n"),
            Err(ScopeError::Empty)
        ));
    }

    #[tokio::test]
    async fn guard_refuses_out_of_scope_and_non_resolvers() {
        let scope = Scope::parse("10.77.0.0/24\n").unwrap();
        let g = Guard::new(scope, vec!["10.77.0.3".parse().unwrap()], Limits::default());
        assert!(g.admit("10.77.0.5".parse().unwrap()).await.is_ok());
        assert!(matches!(
            g.admit("10.77.1.5".parse().unwrap()).await,
            Err(SurfaceError::OutOfScope(_))
        ));
        assert!(g.admit_resolver("10.77.0.3".parse().unwrap()).await.is_ok());
        assert!(g
            .admit_resolver("10.77.0.4".parse().unwrap())
            .await
            .is_err());
        assert_eq!(g.refused(), 2);
        assert_eq!(g.admitted(), 1);
    }

    #[tokio::test]
    async fn per_host_connection_limit_holds() {
        let scope = Scope::parse("127.0.0.0/8\n").unwrap();
        let limits = Limits {
            host_conns: 1,
            ..Limits::default()
        };
        let g = Guard::new(scope, vec![], limits);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let p = g.admit(ip).await.unwrap();
        let second = tokio::time::timeout(Duration::from_millis(50), g.admit(ip)).await;
        assert!(second.is_err(), "a second connection slot was given out");
        drop(p);
        assert!(g.admit(ip).await.is_ok());
    }
}
