//! Wire formats: request builders and reply parsers, no I/O (tested on bytes).

use serde::Serialize;

/// RDP protocol bits of RDP_NEG_REQ / RDP_NEG_RSP (MS-RDPBCGR 2.2.1.1.1).
pub mod rdp_proto {
    /// Standard RDP security.
    pub const RDP: u32 = 0;
    /// TLS.
    pub const SSL: u32 = 1;
    /// CredSSP (NLA).
    pub const HYBRID: u32 = 2;
    /// CredSSP with early user authorisation.
    pub const HYBRID_EX: u32 = 8;
}

/// An X.224 Connection Request carrying RDP_NEG_REQ for `protocols`.
pub fn rdp_request(protocols: u32) -> [u8; 19] {
    let p = protocols.to_le_bytes();
    [
        0x03, 0x00, 0x00, 0x13, // TPKT, length 19
        0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, // X.224 CR
        0x01, 0x00, 0x08, 0x00, p[0], p[1], p[2], p[3], // RDP_NEG_REQ
    ]
}

/// What an RDP server answered to one connection request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum RdpReply {
    /// RDP_NEG_RSP: the server selected a protocol.
    Selected { protocol: u32, flags: u8 },
    /// RDP_NEG_FAILURE with its code (5 = HYBRID_REQUIRED_BY_SERVER).
    Failure { code: u32 },
    /// An X.224 Connection Confirm without negotiation data (old servers: standard RDP).
    NoNegotiation,
}

/// RDP_NEG_FAILURE code: the server requires CredSSP (NLA).
pub const HYBRID_REQUIRED_BY_SERVER: u32 = 5;

/// Whether a TPKT-framed reply is complete.
pub fn tpkt_complete(b: &[u8]) -> bool {
    b.len() >= 4 && b.len() >= u16::from_be_bytes([b[2], b[3]]) as usize
}

/// Parses the X.224 Connection Confirm (+ negotiation) an RDP server sends back.
pub fn parse_rdp_reply(b: &[u8]) -> Result<RdpReply, String> {
    if b.len() < 11 || b[0] != 3 {
        return Err(format!("not a TPKT reply ({} bytes)", b.len()));
    }
    let len = u16::from_be_bytes([b[2], b[3]]) as usize;
    if len > b.len() || len < 11 {
        return Err(format!("TPKT length {len}, have {}", b.len()));
    }
    if b[5] & 0xf0 != 0xd0 {
        return Err(format!("not an X.224 Connection Confirm (0x{:02x})", b[5]));
    }
    if len < 19 {
        return Ok(RdpReply::NoNegotiation);
    }
    let n = &b[11..19];
    let val = u32::from_le_bytes([n[4], n[5], n[6], n[7]]);
    match n[0] {
        2 => Ok(RdpReply::Selected {
            protocol: val,
            flags: n[1],
        }),
        3 => Ok(RdpReply::Failure { code: val }),
        t => Err(format!("unknown negotiation type {t}")),
    }
}

/// NLA is enforced when the server refuses standard RDP with HYBRID_REQUIRED_BY_SERVER
/// (a server that falls back silently when asked for CredSSP is not enforcing it).
pub fn nla_enforced(reply_to_standard_rdp: &RdpReply) -> bool {
    matches!(reply_to_standard_rdp, RdpReply::Failure { code } if *code == HYBRID_REQUIRED_BY_SERVER)
}

/// What an HTTP response said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HttpInfo {
    /// Status code.
    pub status: u16,
    /// `Server` header.
    pub server: Option<String>,
    /// `<title>` text, whitespace collapsed, at most 200 characters.
    pub title: Option<String>,
    /// All headers (name lower-cased), in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes received.
    pub body_len: usize,
}

/// A minimal HTTP/1.1 GET for `/` with a Host header.
pub fn http_request(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: firebreak-surface\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Parses a (possibly truncated) HTTP response.
pub fn parse_http(b: &[u8]) -> Option<HttpInfo> {
    let head_end = memfind(b, b"\r\n\r\n").map(|i| (i, i + 4))?;
    let head = String::from_utf8_lossy(&b[..head_end.0]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let mut info = HttpInfo {
        status,
        ..HttpInfo::default()
    };
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim().to_string();
            if k == "server" {
                info.server = Some(v.clone());
            }
            info.headers.push((k, v));
        }
    }
    let body = &b[head_end.1..];
    info.body_len = body.len();
    info.title = title_of(body);
    Some(info)
}

/// Whether `b` holds a complete HTTP response head and `Content-Length` body.
pub fn http_complete(b: &[u8]) -> bool {
    let Some(i) = memfind(b, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&b[..i]).to_ascii_lowercase();
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| b.len() >= i + 4 + n)
}

fn title_of(body: &[u8]) -> Option<String> {
    let lower: Vec<u8> = body.iter().map(u8::to_ascii_lowercase).collect();
    let start = memfind(&lower, b"<title")?;
    let gt = start + memfind(&lower[start..], b">")? + 1;
    let end = gt + memfind(&lower[gt..], b"</title")?;
    let t = String::from_utf8_lossy(&body[gt..end]);
    let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(t.chars().take(200).collect())
}

fn memfind(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Citrix Gateway / NetScaler signals in one HTTP response (see the notes: ask for two).
pub fn citrix_signals(info: &HttpInfo, body: &[u8]) -> Vec<&'static str> {
    let mut s = Vec::new();
    let text = String::from_utf8_lossy(body);
    if text.contains("_ctxstxt_NetscalerGateway") {
        s.push("title class _ctxstxt_NetscalerGateway");
    }
    if text.contains("_ctxstxt_CitrixCopyright") {
        s.push("_ctxstxt_CitrixCopyright");
    }
    for (k, v) in &info.headers {
        match k.as_str() {
            "location" if v.contains("/logon/LogonPoint/") || v.contains("/vpn/index.html") => {
                s.push("redirect to the Gateway logon point")
            }
            "set-cookie" if v.starts_with("NSC_") => s.push("NSC_ cookie"),
            "via" if v.contains("NS-CACHE") => s.push("Via: NS-CACHE"),
            "content-security-policy" if v.contains("citrixng://") => s.push("CSP citrixng://"),
            _ => {}
        }
    }
    s.sort_unstable();
    s.dedup();
    s
}

/// Where a Citrix Gateway keeps a gzip file whose header MTIME identifies the build.
pub const CITRIX_RDX_PATH: &str = "/vpn/js/rdx/core/lang/rdx_en.json.gz";

/// The MTIME of a gzip member (header bytes 4–7, little-endian), if `b` is gzip and the
/// time is set.
pub fn gzip_mtime(b: &[u8]) -> Option<u32> {
    if b.len() < 10 || b[0] != 0x1f || b[1] != 0x8b {
        return None;
    }
    let t = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    (t != 0).then_some(t)
}

/// The body of an HTTP response (after the head), whole or not.
pub fn http_body(b: &[u8]) -> &[u8] {
    memfind(b, b"\r\n\r\n").map_or(&b[b.len()..], |i| &b[i + 4..])
}

/// The SSH identification line (`SSH-2.0-...`), if the bytes start with one.
pub fn parse_ssh_banner(b: &[u8]) -> Option<String> {
    let line = b.split(|&c| c == b'\n').next()?;
    let line = String::from_utf8_lossy(line).trim_end().to_string();
    line.starts_with("SSH-").then_some(line)
}

/// memcached UDP request: frame header (request id 1, sequence 0, 1 datagram) + `stats`.
pub const MEMCACHED_STATS: &[u8] = b"\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n";

/// A memcached UDP reply: total bytes over all datagrams and the server version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemcachedReply {
    /// Bytes received, frame headers included (what a victim would receive).
    pub bytes: usize,
    /// Datagrams received.
    pub datagrams: usize,
    /// `STAT version`, if present.
    pub version: Option<String>,
}

/// Parses memcached UDP reply datagrams to request id 1; `None` if none is one.
pub fn parse_memcached_udp(datagrams: &[Vec<u8>]) -> Option<MemcachedReply> {
    let ours: Vec<&Vec<u8>> = datagrams
        .iter()
        .filter(|d| d.len() >= 8 && d[0] == 0 && d[1] == 1)
        .collect();
    if ours.is_empty() {
        return None;
    }
    let mut text = String::new();
    for d in &ours {
        text.push_str(&String::from_utf8_lossy(&d[8..]));
    }
    if !text.starts_with("STAT ") && !text.contains("\r\nSTAT ") {
        return None;
    }
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("STAT version "))
        .map(|v| v.trim().to_string());
    Some(MemcachedReply {
        bytes: ours.iter().map(|d| d.len()).sum(),
        datagrams: ours.len(),
        version,
    })
}

/// SNMP v2c GetBulkRequest, community `public`, 30 repetitions from mib-2 (1.3.6.1.2.1).
pub fn snmp_getbulk(request_id: u32) -> Vec<u8> {
    let id = request_id.to_be_bytes();
    let mut v = vec![
        0x30, 0x26, // message
        0x02, 0x01, 0x01, // version: v2c
        0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', // community
        0xa5, 0x19, // GetBulkRequest
        0x02, 0x04,
    ];
    v.extend_from_slice(&id);
    v.extend_from_slice(&[
        0x02, 0x01, 0x00, // non-repeaters
        0x02, 0x01, 0x1e, // max-repetitions 30
        0x30, 0x0b, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x05, 0x00,
    ]);
    v
}

fn ber_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)? as usize;
    let (len, head) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 3 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let body = b.get(head..head + len)?;
    Some((tag, body, &b[head + len..]))
}

/// Whether `b` is an SNMP GetResponse to `request_id` (any community).
pub fn is_snmp_response(b: &[u8], request_id: u32) -> bool {
    let parse = || -> Option<bool> {
        let (t, msg, _) = ber_tlv(b)?;
        let (tv, _, rest) = ber_tlv(msg)?;
        let (tc, _, rest) = ber_tlv(rest)?;
        let (tp, pdu, _) = ber_tlv(rest)?;
        let (ti, id, _) = ber_tlv(pdu)?;
        let mut got = 0u32;
        for x in id.iter().take(4) {
            got = (got << 8) | u32::from(*x);
        }
        Some(t == 0x30 && tv == 0x02 && tc == 0x04 && tp == 0xa2 && ti == 0x02 && got == request_id)
    };
    parse().unwrap_or(false)
}

/// Bandwidth amplification factor: reply bytes / request bytes, two decimals.
pub fn amplification(reply: usize, request: usize) -> f64 {
    if request == 0 {
        return 0.0;
    }
    (reply as f64 / request as f64 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdp_request_matches_the_spec_bytes() {
        let r = rdp_request(rdp_proto::SSL | rdp_proto::HYBRID);
        assert_eq!(
            r,
            [3, 0, 0, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0]
        );
    }

    #[test]
    fn rdp_replies() {
        let rsp = [
            3, 0, 0, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, 8, 0, 0, 0, 0, 0,
        ];
        assert_eq!(
            parse_rdp_reply(&rsp).unwrap(),
            RdpReply::Selected {
                protocol: 0,
                flags: 0x1f
            }
        );
        let fail = [
            3, 0, 0, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 3, 0, 8, 0, 5, 0, 0, 0,
        ];
        let f = parse_rdp_reply(&fail).unwrap();
        assert!(nla_enforced(&f));
        assert!(!nla_enforced(&parse_rdp_reply(&rsp).unwrap()));
        let old = [3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0];
        assert_eq!(parse_rdp_reply(&old).unwrap(), RdpReply::NoNegotiation);
        assert!(parse_rdp_reply(b"HTTP/1.1 400").is_err());
        assert!(parse_rdp_reply(&rsp[..12]).is_err());
        assert!(tpkt_complete(&rsp) && !tpkt_complete(&rsp[..10]));
    }

    #[test]
    fn http_status_server_title() {
        let r = b"HTTP/1.1 200 OK\r\nServer: nginx/1.14.0\r\nContent-Length: 44\r\n\r\n<html><TITLE> Old\n  shop </TITLE></html>xx";
        let i = parse_http(r).unwrap();
        assert_eq!(i.status, 200);
        assert_eq!(i.server.as_deref(), Some("nginx/1.14.0"));
        assert_eq!(i.title.as_deref(), Some("Old shop"));
        assert!(!http_complete(&r[..r.len() - 3]) && parse_http(b"SSH-2.0-x\r\n").is_none());
    }

    #[test]
    fn citrix_needs_signals() {
        let r = b"HTTP/1.1 302 Found\r\nLocation: /logon/LogonPoint/tmindex.html\r\nSet-Cookie: NSC_TEMP=xyz\r\n\r\n";
        let i = parse_http(r).unwrap();
        assert_eq!(citrix_signals(&i, b"").len(), 2);
        let plain = parse_http(b"HTTP/1.1 200 OK\r\n\r\n<title>Citrix</title>").unwrap();
        assert!(citrix_signals(&plain, b"<title>Citrix</title>").is_empty());
    }

    #[test]
    fn gzip_header_time() {
        let gz = [0x1f, 0x8b, 8, 0, 0x80, 0xa6, 0xbb, 0x64, 0, 3, 1, 2];
        assert_eq!(gzip_mtime(&gz), Some(1_690_019_456));
        assert_eq!(gzip_mtime(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), None);
        assert_eq!(gzip_mtime(b"<html>not gzip</html>"), None);
        assert_eq!(http_body(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nxyz"), b"xyz");
        assert_eq!(http_body(b"HTTP/1.1 200 OK\r\n"), b"");
    }

    #[test]
    fn snmp_request_and_reply() {
        let q = snmp_getbulk(0x0102_0304);
        assert_eq!(q.len(), 40);
        assert_eq!(ber_tlv(&q).unwrap().1.len(), 38);
        assert!(
            !is_snmp_response(&q, 0x0102_0304),
            "a request is no response"
        );
        let mut r = q.clone();
        r[13] = 0xa2;
        assert!(is_snmp_response(&r, 0x0102_0304));
        assert!(!is_snmp_response(&r, 7));
        assert!(!is_snmp_response(&r[..20], 0x0102_0304));
        // long-form length
        let mut long = vec![0x30, 0x81, 0x26];
        long.extend_from_slice(&r[2..]);
        assert!(is_snmp_response(&long, 0x0102_0304));
    }

    #[test]
    fn ssh_banner() {
        assert_eq!(
            parse_ssh_banner(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n").as_deref(),
            Some("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")
        );
        assert!(parse_ssh_banner(b"220 smtp").is_none());
    }

    #[test]
    fn memcached_frames_and_factor() {
        let mut d1 = vec![0, 1, 0, 0, 0, 2, 0, 0];
        d1.extend_from_slice(b"STAT pid 1\r\nSTAT version 1.6.18\r\n");
        let mut d2 = vec![0, 1, 0, 1, 0, 2, 0, 0];
        d2.extend_from_slice(b"STAT uptime 3\r\nEND\r\n");
        let other = vec![0, 9, 0, 0, 0, 1, 0, 0, b'x'];
        let r = parse_memcached_udp(&[d1.clone(), d2.clone(), other]).unwrap();
        assert_eq!(r.datagrams, 2);
        assert_eq!(r.bytes, d1.len() + d2.len());
        assert_eq!(r.version.as_deref(), Some("1.6.18"));
        assert_eq!(MEMCACHED_STATS.len(), 15);
        assert_eq!(amplification(1500, 15), 100.0);
        assert!(parse_memcached_udp(&[vec![0, 1, 0, 0, 0, 1, 0, 0, b'E']]).is_none());
    }
}
