//! DNS through hickory-proto messages, sent only to the configured resolvers (queries)
//! and to in-scope name servers (zone transfers), both through the guard.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use crate::error::SurfaceError;
use crate::net;
use crate::scope::Guard;

/// A stub resolver over the configured resolvers, with retries and timeouts.
#[derive(Debug)]
pub struct Dns {
    guard: Arc<Guard>,
    servers: Vec<SocketAddr>,
    timeout: Duration,
    retries: u32,
    next: AtomicUsize,
}

/// What a name resolved to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostInfo {
    /// The name asked for.
    pub name: String,
    /// CNAME chain targets, in order.
    pub cnames: Vec<String>,
    /// A and AAAA addresses.
    pub addrs: Vec<IpAddr>,
}

/// Builds a query message (id, RD, EDNS0 with a 1232-byte payload).
pub fn build_query(id: u16, name: &Name, rtype: RecordType, rd: bool) -> Vec<u8> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = rd;
    m.add_query(Query::query(name.clone(), rtype));
    let mut e = Edns::new();
    e.set_max_payload(1232);
    m.set_edns(e);
    m.to_vec().unwrap_or_default()
}

/// Parses a reply and checks that it answers `id` / `name` / `rtype`.
pub fn parse_reply(
    b: &[u8],
    id: u16,
    name: &Name,
    rtype: RecordType,
) -> Result<Message, SurfaceError> {
    let m = Message::from_vec(b).map_err(|e| SurfaceError::Dns(e.to_string()))?;
    let q = m.queries.first();
    if m.metadata.id != id
        || m.metadata.message_type != MessageType::Response
        || !q.is_some_and(|q| q.name().eq_case(&name.to_lowercase()) || q.name() == name)
        || q.is_some_and(|q| q.query_type() != rtype)
    {
        return Err(SurfaceError::Dns("reply does not match the query".into()));
    }
    Ok(m)
}

/// Parses a name given by the user or found in a reply.
pub fn name(s: &str) -> Result<Name, SurfaceError> {
    let mut n = Name::from_ascii(s).map_err(|e| SurfaceError::Dns(format!("{s}: {e}")))?;
    n.set_fqdn(true);
    Ok(n)
}

/// A name as lower-case text without the trailing dot.
pub fn text(n: &Name) -> String {
    n.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

impl Dns {
    /// A resolver over `servers` (port 53 unless given), each query guarded.
    pub fn new(
        guard: Arc<Guard>,
        servers: Vec<SocketAddr>,
        timeout: Duration,
        retries: u32,
    ) -> Dns {
        Dns {
            guard,
            servers,
            timeout,
            retries,
            next: AtomicUsize::new(0),
        }
    }

    /// How long attempt `n` (0-based) waits: the last the whole timeout, each earlier
    /// one half of the next (at least 50 ms), so one datagram lost in a burst of
    /// thousands costs a fraction of the timeout, as stub resolvers retransmit.
    fn attempt_timeout(&self, n: u32) -> std::time::Duration {
        let halvings = self.retries.saturating_sub(n).min(8);
        (self.timeout / 2u32.pow(halvings)).max(std::time::Duration::from_millis(50))
    }

    /// One query with retries across the servers; `Ok(None)` if nobody answered.
    pub async fn query(
        &self,
        qname: &Name,
        rtype: RecordType,
    ) -> Result<Option<Message>, SurfaceError> {
        if self.servers.is_empty() {
            return Err(SurfaceError::Dns("no resolver configured".into()));
        }
        for attempt in 0..=self.retries {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.servers.len();
            let server = self.servers[i];
            let id: u16 = rand::random();
            let q = build_query(id, qname, rtype, true);
            let wait = self.attempt_timeout(attempt);
            if let Some(reply) = net::resolver_udp(&self.guard, server, &q, wait).await? {
                if let Ok(m) = parse_reply(&reply, id, qname, rtype) {
                    if m.metadata.response_code == ResponseCode::ServFail {
                        continue;
                    }
                    return Ok(Some(m));
                }
            }
        }
        Ok(None)
    }

    /// A/AAAA with the CNAME chain. A name that does not exist has no addresses.
    pub async fn resolve_host(&self, host: &str, v6: bool) -> Result<HostInfo, SurfaceError> {
        let n = name(host)?;
        let mut info = HostInfo {
            name: host.to_string(),
            ..HostInfo::default()
        };
        let mut types = vec![RecordType::A];
        if v6 {
            types.push(RecordType::AAAA);
        }
        for t in types {
            if let Some(m) = self.query(&n, t).await? {
                for r in &m.answers {
                    match &r.data {
                        RData::A(a) => info.addrs.push(IpAddr::V4(a.0)),
                        RData::AAAA(a) => info.addrs.push(IpAddr::V6(a.0)),
                        RData::CNAME(c) => {
                            let c = text(&c.0);
                            if !info.cnames.contains(&c) {
                                info.cnames.push(c);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        info.addrs.sort();
        info.addrs.dedup();
        Ok(info)
    }

    /// Records of one type at `qname` (NS, MX, TXT, ...), as text.
    pub async fn records(
        &self,
        qname: &str,
        rtype: RecordType,
    ) -> Result<Vec<RData>, SurfaceError> {
        let n = name(qname)?;
        Ok(match self.query(&n, rtype).await? {
            Some(m) => m
                .answers
                .into_iter()
                .filter(|r| r.record_type() == rtype)
                .map(|r| r.data)
                .collect(),
            None => Vec::new(),
        })
    }

    /// Addresses a wildcard under `domain` answers with (empty: no wildcard).
    pub async fn wildcard(&self, domain: &str) -> Result<BTreeSet<IpAddr>, SurfaceError> {
        let mut set = BTreeSet::new();
        for _ in 0..2 {
            let label: String = (0..12)
                .map(|_| (b'a' + rand::random::<u8>() % 26) as char)
                .collect();
            let h = self
                .resolve_host(&format!("fbwc-{label}.{domain}"), false)
                .await?;
            set.extend(h.addrs);
        }
        Ok(set)
    }
}

/// Attempts a zone transfer of `zone` from the name server at `ns` (in scope only).
/// Returns the records of a complete transfer; `Ok(None)` when refused or incomplete.
pub async fn axfr(
    guard: &Guard,
    ns: IpAddr,
    zone: &str,
) -> Result<Option<Vec<Record>>, SurfaceError> {
    let Some(mut conn) = net::connect(guard, SocketAddr::new(ns, 53)).await? else {
        return Ok(None);
    };
    let qname = name(zone)?;
    let id: u16 = rand::random();
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(qname.clone(), RecordType::AXFR));
    let q = m.to_vec().map_err(|e| SurfaceError::Dns(e.to_string()))?;
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    conn.send(&framed).await?;
    let mut buf: Vec<u8> = Vec::new();
    let mut records = Vec::new();
    let mut soas = 0;
    let mut chunk = vec![0u8; 65536];
    const MAX: usize = 64 << 20;
    let mut total = 0usize;
    loop {
        while buf.len() >= 2 {
            let len = u16::from_be_bytes([buf[0], buf[1]]) as usize;
            if buf.len() < 2 + len {
                break;
            }
            let msg = Message::from_vec(&buf[2..2 + len])
                .map_err(|e| SurfaceError::Dns(e.to_string()))?;
            buf.drain(..2 + len);
            if msg.metadata.id != id || msg.metadata.response_code != ResponseCode::NoError {
                return Ok(None);
            }
            if msg.answers.is_empty() {
                return Ok(None);
            }
            for r in msg.answers {
                if r.record_type() == RecordType::SOA {
                    soas += 1;
                }
                records.push(r);
                if soas == 2 {
                    return Ok(Some(records));
                }
            }
        }
        let n = match conn.recv(&mut chunk).await {
            Ok(n) => n,
            Err(SurfaceError::Timeout) => return Ok(None),
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(None);
        }
        total += n;
        if total > MAX {
            return Err(SurfaceError::Protocol(
                "zone transfer larger than 64 MiB".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Open recursion probe: an RD=1 query for `qname` TXT with EDNS0. Returns the request.
pub fn recursion_probe(id: u16, qname: &Name) -> Vec<u8> {
    build_query(id, qname, RecordType::TXT, true)
}

/// Whether a reply shows open recursion: recursion available, not authoritative,
/// NOERROR with an answer or the zone's SOA (a recursor's NODATA). An authoritative-only
/// server refuses or answers with AA set.
pub fn is_open_recursion(reply: &Message) -> bool {
    reply.metadata.recursion_available
        && !reply.metadata.authoritative
        && reply.metadata.response_code == ResponseCode::NoError
        && (!reply.answers.is_empty() || !reply.authorities.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::A;

    #[test]
    fn query_round_trip_and_mismatch() {
        let n = name("www.Example.com").unwrap();
        let q = build_query(77, &n, RecordType::A, true);
        let mut m = Message::from_vec(&q).unwrap();
        assert!(m.metadata.recursion_desired);
        m.metadata.message_type = MessageType::Response;
        m.metadata.recursion_available = true;
        m.add_answer(Record::from_rdata(
            n.clone(),
            60,
            RData::A(A::new(10, 77, 0, 20)),
        ));
        let bytes = m.to_vec().unwrap();
        let r = parse_reply(&bytes, 77, &n, RecordType::A).unwrap();
        assert!(is_open_recursion(&r));
        assert!(parse_reply(&bytes, 78, &n, RecordType::A).is_err());
        assert!(parse_reply(&bytes, 77, &name("x.example.com").unwrap(), RecordType::A).is_err());
        assert!(
            parse_reply(&q, 77, &n, RecordType::A).is_err(),
            "a query is no reply"
        );
        assert!(parse_reply(b"\x00\x01", 1, &n, RecordType::A).is_err());
        assert_eq!(text(&n), "www.example.com");
    }
}
