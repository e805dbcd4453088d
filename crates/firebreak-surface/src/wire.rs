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

/// A reply this module could not read as the protocol it expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The bytes end before the message does.
    #[error("truncated ({0} bytes)")]
    Truncated(usize),
    /// Not this protocol at all (the first byte says what came instead).
    #[error("not {0} (first byte 0x{1:02x})")]
    NotProtocol(&'static str, u8),
    /// The protocol, but a field that cannot be right.
    #[error("malformed {0}")]
    Malformed(&'static str),
}

// ---------------------------------------------------------------------------------
// TLS: a hand-made ClientHello (so TLS 1.0/1.1 acceptance can be asked whatever the
// local TLS library allows) and the server's first flight, read without decrypting.

/// TLS protocol versions as on the wire.
pub mod tls_version {
    /// SSL 3.0.
    pub const SSL3: u16 = 0x0300;
    /// TLS 1.0.
    pub const TLS10: u16 = 0x0301;
    /// TLS 1.1.
    pub const TLS11: u16 = 0x0302;
    /// TLS 1.2.
    pub const TLS12: u16 = 0x0303;
    /// TLS 1.3.
    pub const TLS13: u16 = 0x0304;
}

/// "TLSv1.0" ... for a wire version.
pub fn tls_version_name(v: u16) -> &'static str {
    match v {
        tls_version::SSL3 => "SSLv3",
        tls_version::TLS10 => "TLSv1.0",
        tls_version::TLS11 => "TLSv1.1",
        tls_version::TLS12 => "TLSv1.2",
        tls_version::TLS13 => "TLSv1.3",
        _ => "unknown",
    }
}

// ECDHE/RSA suites a TLS 1.0 server still has (CBC-SHA), the TLS 1.2 AEAD ones, 3DES,
// and the renegotiation SCSV.
const TLS12_SUITES: &[u16] = &[
    0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009e, 0x009f, 0xc009, 0xc013, 0xc00a, 0xc014,
    0x0033, 0x0039, 0x009c, 0x009d, 0x002f, 0x0035, 0xc012, 0x000a, 0x00ff,
];
const TLS13_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303];

fn put_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn put_u24(v: &mut Vec<u8>, x: usize) {
    let b = (x as u32).to_be_bytes();
    v.extend_from_slice(&b[1..]);
}

fn ext(v: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(v, kind);
    put_u16(v, data.len() as u16);
    v.extend_from_slice(data);
}

/// A ClientHello whose highest version is `version`: TLS 1.0–1.2 in `legacy_version`
/// (no supported_versions extension), TLS 1.3 through supported_versions with an
/// X25519 key share (`key_share`: any 32 bytes; the handshake is never finished).
/// `sni` is sent unless it is an address literal.
pub fn tls_client_hello(
    version: u16,
    sni: Option<&str>,
    random: [u8; 32],
    key_share: [u8; 32],
) -> Vec<u8> {
    let tls13 = version >= tls_version::TLS13;
    let mut body = Vec::with_capacity(256);
    put_u16(&mut body, version.min(tls_version::TLS12));
    body.extend_from_slice(&random);
    body.push(0); // session id
    let suites: Vec<u16> = if tls13 {
        TLS13_SUITES.to_vec()
    } else {
        TLS12_SUITES.to_vec()
    };
    put_u16(&mut body, (suites.len() * 2) as u16);
    for s in suites {
        put_u16(&mut body, s);
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut exts = Vec::new();
    if let Some(name) = sni.filter(|n| n.parse::<std::net::IpAddr>().is_err() && !n.is_empty()) {
        let n = name.as_bytes();
        let mut d = Vec::new();
        put_u16(&mut d, (n.len() + 3) as u16);
        d.push(0);
        put_u16(&mut d, n.len() as u16);
        d.extend_from_slice(n);
        ext(&mut exts, 0, &d);
    }
    ext(&mut exts, 10, &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]); // groups
    ext(&mut exts, 11, &[1, 0]); // EC point formats: uncompressed
    if version >= tls_version::TLS12 {
        let algs: [u16; 11] = [
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0203, 0x0201, 0x0807,
        ];
        let mut d = Vec::new();
        put_u16(&mut d, (algs.len() * 2) as u16);
        for a in algs {
            put_u16(&mut d, a);
        }
        ext(&mut exts, 13, &d);
    }
    if tls13 {
        ext(&mut exts, 43, &[2, 0x03, 0x04]); // supported_versions: TLS 1.3 only
        let mut d = Vec::new();
        put_u16(&mut d, 36);
        put_u16(&mut d, 0x001d);
        put_u16(&mut d, 32);
        d.extend_from_slice(&key_share);
        ext(&mut exts, 51, &d);
    } else {
        ext(&mut exts, 0xff01, &[0]); // renegotiation_info (empty)
    }
    put_u16(&mut body, exts.len() as u16);
    body.extend_from_slice(&exts);
    let mut hs = vec![1];
    put_u24(&mut hs, body.len());
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1];
    put_u16(&mut rec, hs.len() as u16);
    rec.extend_from_slice(&hs);
    rec
}

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What the server answered to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum TlsReply {
    /// A ServerHello (and, up to TLS 1.2, the plaintext certificate chain).
    Hello(ServerHello),
    /// An alert (40 handshake_failure, 70 protocol_version, ...).
    Alert {
        /// 1 warning, 2 fatal.
        level: u8,
        /// Alert description.
        description: u8,
    },
}

/// The server's first flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerHello {
    /// Negotiated version (supported_versions wins over legacy_version).
    pub version: u16,
    /// Chosen cipher suite.
    pub cipher: u16,
    /// The server sent renegotiation_info (RFC 5746 secure renegotiation).
    pub secure_renegotiation: bool,
    /// A TLS 1.3 HelloRetryRequest (still: the server speaks TLS 1.3).
    pub retry_request: bool,
    /// DER certificates of a TLS ≤ 1.2 Certificate message, leaf first.
    #[serde(skip)]
    pub certificates: Vec<Vec<u8>>,
    /// ServerHelloDone seen, or nothing more readable follows (TLS 1.3, encrypted).
    pub complete: bool,
}

/// Reads the server's first flight (records of any fragmentation). `Truncated` until
/// a ServerHello or an alert is whole.
pub fn parse_tls_reply(b: &[u8]) -> Result<TlsReply, WireError> {
    let mut hs: Vec<u8> = Vec::new();
    let mut rest = b;
    let mut encrypted = false;
    while rest.len() >= 5 {
        let ct = rest[0];
        if !(20..=23).contains(&ct) || rest[1] != 3 {
            return Err(WireError::NotProtocol("TLS", rest[0]));
        }
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        if len > 18432 {
            return Err(WireError::Malformed("TLS record length"));
        }
        if rest.len() < 5 + len {
            break;
        }
        let frag = &rest[5..5 + len];
        rest = &rest[5 + len..];
        match ct {
            21 if hs.is_empty() => {
                if frag.len() < 2 {
                    return Err(WireError::Malformed("TLS alert"));
                }
                return Ok(TlsReply::Alert {
                    level: frag[0],
                    description: frag[1],
                });
            }
            22 => hs.extend_from_slice(frag),
            _ => {
                encrypted = true;
                break;
            }
        }
    }
    if hs.is_empty() {
        return match b.first() {
            Some(&c) if !(20..=23).contains(&c) => Err(WireError::NotProtocol("TLS", c)),
            _ => Err(WireError::Truncated(b.len())),
        };
    }
    let mut hello: Option<ServerHello> = None;
    let mut m = &hs[..];
    while m.len() >= 4 {
        let t = m[0];
        let len = u32::from_be_bytes([0, m[1], m[2], m[3]]) as usize;
        if m.len() < 4 + len {
            break;
        }
        let body = &m[4..4 + len];
        m = &m[4 + len..];
        match t {
            2 => hello = Some(parse_server_hello(body)?),
            11 => {
                if let Some(h) = hello.as_mut() {
                    h.certificates = parse_certificate_msg(body)?;
                }
            }
            14 => {
                if let Some(h) = hello.as_mut() {
                    h.complete = true;
                }
            }
            _ => {}
        }
    }
    match hello {
        Some(mut h) => {
            if h.version >= tls_version::TLS13 || encrypted {
                h.complete = true;
            }
            Ok(TlsReply::Hello(h))
        }
        None if hs[0] != 2 => Err(WireError::Malformed(
            "first handshake message is no ServerHello",
        )),
        None => Err(WireError::Truncated(b.len())),
    }
}

fn parse_server_hello(b: &[u8]) -> Result<ServerHello, WireError> {
    let short = WireError::Malformed("ServerHello");
    if b.len() < 38 {
        return Err(short);
    }
    let legacy = u16::from_be_bytes([b[0], b[1]]);
    let retry_request = b[2..34] == HRR_RANDOM;
    let sid = b[34] as usize;
    let p = 35 + sid;
    if b.len() < p + 3 {
        return Err(short);
    }
    let cipher = u16::from_be_bytes([b[p], b[p + 1]]);
    let mut version = legacy;
    let mut secure_renegotiation = false;
    let mut e = b.get(p + 5..).unwrap_or(&[]);
    if b.len() >= p + 5 {
        let total = u16::from_be_bytes([b[p + 3], b[p + 4]]) as usize;
        e = &e[..total.min(e.len())];
    }
    while e.len() >= 4 {
        let kind = u16::from_be_bytes([e[0], e[1]]);
        let len = u16::from_be_bytes([e[2], e[3]]) as usize;
        let data = e
            .get(4..4 + len)
            .ok_or(WireError::Malformed("ServerHello extension"))?;
        match kind {
            43 if data.len() == 2 => version = u16::from_be_bytes([data[0], data[1]]),
            0xff01 => secure_renegotiation = true,
            _ => {}
        }
        e = &e[4 + len..];
    }
    Ok(ServerHello {
        version,
        cipher,
        secure_renegotiation,
        retry_request,
        certificates: Vec::new(),
        complete: false,
    })
}

fn parse_certificate_msg(b: &[u8]) -> Result<Vec<Vec<u8>>, WireError> {
    let bad = WireError::Malformed("Certificate message");
    if b.len() < 3 {
        return Err(bad);
    }
    let total = u32::from_be_bytes([0, b[0], b[1], b[2]]) as usize;
    let mut l = b.get(3..3 + total).ok_or(bad.clone())?;
    let mut out = Vec::new();
    while l.len() >= 3 {
        let n = u32::from_be_bytes([0, l[0], l[1], l[2]]) as usize;
        out.push(l.get(3..3 + n).ok_or(bad.clone())?.to_vec());
        l = &l[3 + n..];
    }
    Ok(out)
}

/// Whether the bytes hold the whole first flight (or an alert, or something not TLS).
pub fn tls_reply_complete(b: &[u8]) -> bool {
    match parse_tls_reply(b) {
        Ok(TlsReply::Hello(h)) => h.complete,
        Ok(TlsReply::Alert { .. }) => true,
        Err(WireError::Truncated(_)) => false,
        Err(_) => true,
    }
}

// ---------------------------------------------------------------------------------
// UDP amplifiers.

/// NTP mode 6 (control) READVAR of the system variables, association 0, sequence 1.
pub const NTP_READVAR: [u8; 12] = [0x16, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];

/// NTP mode 7 (private) MON_GETLIST_1 to implementation XNTPD: the "monlist" request.
pub const NTP_MONLIST: [u8; 48] = {
    let mut r = [0u8; 48];
    r[0] = 0x17;
    r[2] = 0x03;
    r[3] = 0x2a;
    r
};

/// NTP mode 6 reply datagrams to READVAR sequence 1: bytes, datagrams, the variables'
/// text and the `version=` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NtpControlReply {
    /// Bytes of the reply datagrams.
    pub bytes: usize,
    /// Datagrams.
    pub datagrams: usize,
    /// The daemon's `version` variable (e.g. `ntpd 4.2.8p15@1.3728-o`).
    pub version: Option<String>,
    /// Variable text received (at most 4 KiB kept).
    pub text: String,
}

/// Reads mode 6 responses to [`NTP_READVAR`]; `None` if no datagram is one.
pub fn parse_ntp_mode6(datagrams: &[Vec<u8>]) -> Option<NtpControlReply> {
    let ours: Vec<&Vec<u8>> = datagrams
        .iter()
        .filter(|d| {
            d.len() >= 12
                && d[0] & 0x07 == 6
                && d[1] & 0x80 != 0 // response
                && d[1] & 0x40 == 0 // not an error
                && d[1] & 0x1f == 2
                && d[2..4] == [0, 1]
        })
        .collect();
    if ours.is_empty() {
        return None;
    }
    let mut text = String::new();
    for d in &ours {
        let count = u16::from_be_bytes([d[10], d[11]]) as usize;
        let data = &d[12..(12 + count).min(d.len())];
        if text.len() < 4096 {
            text.push_str(&String::from_utf8_lossy(data));
        }
    }
    let version = text.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == "version").then(|| v.trim().trim_matches('"').to_string())
    });
    text.truncate(4096);
    Some(NtpControlReply {
        bytes: ours.iter().map(|d| d.len()).sum(),
        datagrams: ours.len(),
        version,
        text,
    })
}

/// NTP mode 7 MON_GETLIST_1 reply: bytes, datagrams, and entries (clients the daemon
/// remembers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NtpMonlistReply {
    /// Bytes of the reply datagrams.
    pub bytes: usize,
    /// Datagrams.
    pub datagrams: usize,
    /// Items listed over all datagrams.
    pub items: usize,
}

/// Reads mode 7 responses to [`NTP_MONLIST`] that carry items and no error; `None`
/// otherwise (a daemon that answers "not implemented" is not an amplifier).
pub fn parse_ntp_monlist(datagrams: &[Vec<u8>]) -> Option<NtpMonlistReply> {
    let ours: Vec<(&Vec<u8>, usize)> = datagrams
        .iter()
        .filter(|d| d.len() >= 8 && d[0] & 0x80 != 0 && d[0] & 0x07 == 7 && d[3] == 0x2a)
        .filter_map(|d| {
            let err = d[4] >> 4;
            let items = (u16::from_be_bytes([d[4], d[5]]) & 0x0fff) as usize;
            (err == 0 && items > 0).then_some((d, items))
        })
        .collect();
    if ours.is_empty() {
        return None;
    }
    Some(NtpMonlistReply {
        bytes: ours.iter().map(|(d, _)| d.len()).sum(),
        datagrams: ours.len(),
        items: ours.iter().map(|(_, n)| n).sum(),
    })
}

/// SSDP discovery of everything, sent to one address's UDP/1900.
pub const SSDP_MSEARCH: &[u8] = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";

/// SSDP answers: bytes, datagrams, and what they advertise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsdpReply {
    /// Bytes of the reply datagrams.
    pub bytes: usize,
    /// Datagrams (one per advertised service).
    pub datagrams: usize,
    /// `SERVER` header of the first answer.
    pub server: Option<String>,
    /// `ST` values (at most 32).
    pub services: Vec<String>,
}

/// Reads SSDP `HTTP/1.1 200` answers carrying an `ST` or `USN`; `None` if none.
pub fn parse_ssdp(datagrams: &[Vec<u8>]) -> Option<SsdpReply> {
    let mut r = SsdpReply {
        bytes: 0,
        datagrams: 0,
        server: None,
        services: Vec::new(),
    };
    for d in datagrams {
        let text = String::from_utf8_lossy(d);
        if !text.starts_with("HTTP/1.1 200") {
            continue;
        }
        let mut st = None;
        let mut usn = false;
        for l in text.split("\r\n").skip(1) {
            if let Some((k, v)) = l.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "st" => st = Some(v.trim().to_string()),
                    "usn" => usn = true,
                    "server" if r.server.is_none() => r.server = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        if st.is_none() && !usn {
            continue;
        }
        r.bytes += d.len();
        r.datagrams += 1;
        if let Some(st) = st {
            if r.services.len() < 32 && !r.services.contains(&st) {
                r.services.push(st);
            }
        }
    }
    (r.datagrams > 0).then_some(r)
}

/// CLDAP (LDAP over UDP/389) SearchRequest, message id 1: base "" (the rootDSE), scope
/// base, filter (objectClass=*), all attributes.
pub const CLDAP_ROOTDSE: [u8; 39] = [
    0x30, 0x25, 0x02, 0x01, 0x01, // LDAPMessage, messageID 1
    0x63, 0x20, // searchRequest
    0x04, 0x00, // baseObject ""
    0x0a, 0x01, 0x00, // scope baseObject
    0x0a, 0x01, 0x00, // derefAliases never
    0x02, 0x01, 0x00, // sizeLimit 0
    0x02, 0x01, 0x00, // timeLimit 0
    0x01, 0x01, 0x00, // typesOnly false
    0x87, 0x0b, b'o', b'b', b'j', b'e', b'c', b't', b'C', b'l', b'a', b's', b's', // present
    0x30, 0x00, // attributes: all
];

/// A CLDAP answer: bytes, datagrams, entries and whether searchResDone said success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CldapReply {
    /// Bytes of the reply datagrams.
    pub bytes: usize,
    /// Datagrams.
    pub datagrams: usize,
    /// searchResEntry messages.
    pub entries: usize,
    /// searchResDone result code, if one arrived.
    pub result_code: Option<u32>,
}

/// Reads LDAP messages with id 1 (searchResEntry / searchResDone) from UDP datagrams,
/// several messages a datagram as Active Directory sends them; `None` if none is one.
pub fn parse_cldap(datagrams: &[Vec<u8>]) -> Option<CldapReply> {
    let mut r = CldapReply {
        bytes: 0,
        datagrams: 0,
        entries: 0,
        result_code: None,
    };
    for d in datagrams {
        let mut rest = &d[..];
        let mut ours = false;
        while let Some((0x30, msg, next)) = ber_tlv(rest) {
            rest = next;
            let Some((0x02, id, op)) = ber_tlv(msg) else {
                break;
            };
            if id != [1] {
                break;
            }
            match ber_tlv(op) {
                Some((0x64, _, _)) => {
                    r.entries += 1;
                    ours = true;
                }
                Some((0x65, done, _)) => {
                    if let Some((0x0a, code, _)) = ber_tlv(done) {
                        r.result_code = Some(
                            code.iter()
                                .take(4)
                                .fold(0u32, |a, b| (a << 8) | u32::from(*b)),
                        );
                    }
                    ours = true;
                }
                _ => break,
            }
        }
        if ours {
            r.bytes += d.len();
            r.datagrams += 1;
        }
    }
    (r.entries > 0).then_some(r)
}

/// Chargen (UDP/19) answers any datagram with a line of characters: one byte asks.
pub const CHARGEN_REQUEST: &[u8] = b"\n";

/// Whether datagrams look like chargen output (printable ASCII lines), and their bytes.
pub fn parse_chargen(datagrams: &[Vec<u8>]) -> Option<(usize, usize)> {
    let ours: Vec<&Vec<u8>> = datagrams
        .iter()
        .filter(|d| {
            d.len() >= 16
                && d.iter()
                    .all(|c| (0x20..0x7f).contains(c) || *c == b'\r' || *c == b'\n')
        })
        .collect();
    (!ours.is_empty()).then(|| (ours.iter().map(|d| d.len()).sum(), ours.len()))
}

// ---------------------------------------------------------------------------------
// SMB.

/// SMB2 dialects.
pub mod smb_dialect {
    /// SMB 2.0.2.
    pub const SMB202: u16 = 0x0202;
    /// SMB 2.1.
    pub const SMB210: u16 = 0x0210;
    /// SMB 3.0.
    pub const SMB300: u16 = 0x0300;
    /// SMB 3.0.2.
    pub const SMB302: u16 = 0x0302;
    /// SMB 3.1.1.
    pub const SMB311: u16 = 0x0311;
}

/// "SMB 3.1.1" ... for a dialect.
pub fn smb_dialect_name(d: u16) -> String {
    match d {
        0x02ff => "SMB 2.???".into(),
        _ => format!("SMB {}.{}.{}", d >> 8, (d >> 4) & 0xf, d & 0xf),
    }
}

/// An SMB2 NEGOTIATE (in its NetBIOS session frame) offering 2.0.2 to 3.1.1, with the
/// preauth-integrity context 3.1.1 requires.
pub fn smb2_negotiate(client_guid: [u8; 16], salt: [u8; 32]) -> Vec<u8> {
    let dialects = [
        smb_dialect::SMB202,
        smb_dialect::SMB210,
        smb_dialect::SMB300,
        smb_dialect::SMB302,
        smb_dialect::SMB311,
    ];
    let mut m = Vec::with_capacity(160);
    m.extend_from_slice(b"\xfeSMB");
    m.extend_from_slice(&[64, 0]); // structure size
    m.extend_from_slice(&[0; 2]); // credit charge
    m.extend_from_slice(&[0; 4]); // status
    m.extend_from_slice(&[0; 2]); // command: NEGOTIATE
    m.extend_from_slice(&[1, 0]); // credits
    m.extend_from_slice(&[0; 4]); // flags
    m.extend_from_slice(&[0; 4]); // next command
    m.extend_from_slice(&[0; 8]); // message id
    m.extend_from_slice(&[0; 4]); // process id
    m.extend_from_slice(&[0; 4]); // tree id
    m.extend_from_slice(&[0; 8]); // session id
    m.extend_from_slice(&[0; 16]); // signature
    m.extend_from_slice(&[36, 0]);
    m.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    m.extend_from_slice(&[1, 0]); // security mode: signing enabled
    m.extend_from_slice(&[0; 2]);
    m.extend_from_slice(&[0; 4]); // capabilities
    m.extend_from_slice(&client_guid);
    let ctx_offset_at = m.len();
    m.extend_from_slice(&[0; 8]); // context offset, count, reserved
    for d in dialects {
        m.extend_from_slice(&d.to_le_bytes());
    }
    while m.len() % 8 != 0 {
        m.push(0);
    }
    let off = m.len() as u32;
    m[ctx_offset_at..ctx_offset_at + 4].copy_from_slice(&off.to_le_bytes());
    m[ctx_offset_at + 4..ctx_offset_at + 6].copy_from_slice(&1u16.to_le_bytes());
    m.extend_from_slice(&[1, 0, 38, 0, 0, 0, 0, 0]); // PREAUTH_INTEGRITY, 38 bytes
    m.extend_from_slice(&[1, 0, 32, 0, 1, 0]); // one hash (SHA-512), 32-byte salt
    m.extend_from_slice(&salt);
    netbios(m)
}

/// An SMB1 NEGOTIATE offering only "NT LM 0.12" (SMBv1).
pub fn smb1_negotiate() -> Vec<u8> {
    let mut m = Vec::with_capacity(48);
    m.extend_from_slice(b"\xffSMB");
    m.push(0x72); // NEGOTIATE
    m.extend_from_slice(&[0; 4]); // status
    m.push(0x18); // flags: canonical paths, case-insensitive
    m.extend_from_slice(&0xc801u16.to_le_bytes()); // flags2: unicode, NT status, ext sec, long names
    m.extend_from_slice(&[0; 12]); // pid high, signature, reserved
    m.extend_from_slice(&[0, 0, 0xff, 0xfe, 0, 0, 0, 0]); // tid, pid, uid, mid
    m.push(0); // word count
    let dialect = b"\x02NT LM 0.12\x00";
    m.extend_from_slice(&(dialect.len() as u16).to_le_bytes());
    m.extend_from_slice(dialect);
    netbios(m)
}

fn netbios(m: Vec<u8>) -> Vec<u8> {
    let mut v = vec![0];
    put_u24(&mut v, m.len());
    v.extend(m);
    v
}

/// Whether a NetBIOS-framed SMB message is whole.
pub fn netbios_complete(b: &[u8]) -> bool {
    b.len() >= 4 && b.len() >= 4 + u32::from_be_bytes([0, b[1], b[2], b[3]]) as usize
}

/// What an SMB server answered to a NEGOTIATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SmbReply {
    /// SMB2 NEGOTIATE response: the dialect chosen and whether signing is required.
    Smb2 {
        /// Dialect revision.
        dialect: u16,
        /// SecurityMode has SIGNING_REQUIRED.
        signing_required: bool,
    },
    /// SMB1 NEGOTIATE response; `dialect_index` 0xffff = none of ours accepted.
    Smb1 {
        /// NT status.
        status: u32,
        /// Index of the accepted dialect.
        dialect_index: u16,
    },
    /// An SMB2 error status.
    Error {
        /// NT status.
        status: u32,
    },
}

/// Reads a NetBIOS-framed SMB1 or SMB2 NEGOTIATE response.
pub fn parse_smb_negotiate(b: &[u8]) -> Result<SmbReply, WireError> {
    if b.len() < 4 {
        return Err(WireError::Truncated(b.len()));
    }
    if b[0] != 0 {
        return Err(WireError::NotProtocol("SMB", b[0]));
    }
    let len = u32::from_be_bytes([0, b[1], b[2], b[3]]) as usize;
    let m = b.get(4..4 + len).ok_or(WireError::Truncated(b.len()))?;
    if m.len() >= 4 && &m[..4] == b"\xfeSMB" {
        if m.len() < 64 {
            return Err(WireError::Truncated(b.len()));
        }
        let status = u32::from_le_bytes([m[8], m[9], m[10], m[11]]);
        if status != 0 {
            return Ok(SmbReply::Error { status });
        }
        let r = m
            .get(64..72)
            .ok_or(WireError::Malformed("SMB2 NEGOTIATE response"))?;
        if u16::from_le_bytes([r[0], r[1]]) != 65 {
            return Err(WireError::Malformed("SMB2 NEGOTIATE response size"));
        }
        return Ok(SmbReply::Smb2 {
            dialect: u16::from_le_bytes([r[4], r[5]]),
            signing_required: r[2] & 0x02 != 0,
        });
    }
    if m.len() >= 4 && &m[..4] == b"\xffSMB" {
        if m.len() < 33 || m[4] != 0x72 {
            return Err(WireError::Malformed("SMB1 NEGOTIATE response"));
        }
        let status = u32::from_le_bytes([m[5], m[6], m[7], m[8]]);
        let dialect_index = if m[32] >= 1 && m.len() >= 35 {
            u16::from_le_bytes([m[33], m[34]])
        } else {
            0xffff
        };
        return Ok(SmbReply::Smb1 {
            status,
            dialect_index,
        });
    }
    Err(WireError::NotProtocol(
        "SMB",
        m.first().copied().unwrap_or(0),
    ))
}

// ---------------------------------------------------------------------------------
// Line-oriented banners (FTP, SMTP).

/// Whether an FTP/SMTP greeting is whole: a line `NNN ` (not `NNN-`) ends it.
pub fn greeting_complete(b: &[u8]) -> bool {
    b.split(|&c| c == b'\n')
        .any(|l| l.len() >= 4 && l[..3].iter().all(u8::is_ascii_digit) && l[3] == b' ')
        && b.ends_with(b"\n")
}

/// An FTP/SMTP greeting: the reply code and the text of its lines (joined with " | ",
/// control characters dropped, at most 512 characters).
pub fn parse_greeting(b: &[u8]) -> Result<(u16, String), WireError> {
    let text = String::from_utf8_lossy(b);
    let mut code = None;
    let mut parts = Vec::new();
    for l in text.lines() {
        let l = l.trim_end_matches('\r');
        let coded = l.len() >= 3 && l.as_bytes()[..3].iter().all(u8::is_ascii_digit);
        if !coded && code.is_none() {
            return Err(WireError::NotProtocol(
                "an FTP/SMTP greeting",
                b.first().copied().unwrap_or(0),
            ));
        }
        if coded {
            code.get_or_insert_with(|| l[..3].parse::<u16>().unwrap_or(0));
            parts.push(l.get(4..).unwrap_or("").to_string());
        } else {
            // RFC 959 continuation text (FTP FEAT lists one feature a line)
            parts.push(l.trim().to_string());
        }
    }
    let code = code.ok_or(WireError::Truncated(b.len()))?;
    let joined: String = parts
        .join(" | ")
        .chars()
        .filter(|c| !c.is_control())
        .take(512)
        .collect();
    Ok((code, joined))
}

// ---------------------------------------------------------------------------------
// DNS server version (CHAOS TXT version.bind).

/// A query for `version.bind` TXT in class CHAOS, recursion not desired.
pub fn dns_version_query(id: u16) -> Vec<u8> {
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    q.extend_from_slice(b"\x07version\x04bind\x00");
    q.extend_from_slice(&[0, 16, 0, 3]);
    q
}

fn skip_dns_name(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let l = *b.get(i)? as usize;
        if l == 0 {
            return Some(i + 1);
        }
        if l & 0xc0 == 0xc0 {
            return Some(i + 2);
        }
        i += 1 + l;
    }
}

/// The first TXT string of an answer to [`dns_version_query`] `id` (control characters
/// dropped, at most 128 characters); `None` for anything else (refused, no answer).
pub fn parse_dns_version(b: &[u8], id: u16) -> Option<String> {
    if b.len() < 12 || b[..2] != id.to_be_bytes() || b[2] & 0x80 == 0 || b[3] & 0x0f != 0 {
        return None;
    }
    let qd = u16::from_be_bytes([b[4], b[5]]);
    let an = u16::from_be_bytes([b[6], b[7]]);
    if an == 0 {
        return None;
    }
    let mut i = 12;
    for _ in 0..qd {
        i = skip_dns_name(b, i)? + 4;
    }
    for _ in 0..an {
        i = skip_dns_name(b, i)?;
        let rr = b.get(i..i + 10)?;
        let (kind, len) = (
            u16::from_be_bytes([rr[0], rr[1]]),
            u16::from_be_bytes([rr[8], rr[9]]) as usize,
        );
        let data = b.get(i + 10..i + 10 + len)?;
        if kind == 16 {
            let n = *data.first()? as usize;
            let text = String::from_utf8_lossy(data.get(1..1 + n)?);
            let text: String = text.chars().filter(|c| !c.is_control()).take(128).collect();
            return (!text.is_empty()).then_some(text);
        }
        i += 10 + len;
    }
    None
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

#[cfg(test)]
mod probe_wire_tests {
    use super::*;

    fn record(ct: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ct, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn hs(t: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![t];
        put_u24(&mut m, body.len());
        m.extend_from_slice(body);
        m
    }

    fn server_hello(legacy: u16, exts: &[u8], random: [u8; 32]) -> Vec<u8> {
        let mut b = legacy.to_be_bytes().to_vec();
        b.extend_from_slice(&random);
        b.push(0);
        b.extend_from_slice(&[0xc0, 0x2f, 0]);
        b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        b.extend_from_slice(exts);
        hs(2, &b)
    }

    #[test]
    fn client_hello_shape() {
        let h = tls_client_hello(tls_version::TLS10, Some("vpn.lab.test"), [7; 32], [9; 32]);
        assert_eq!(&h[..3], &[22, 3, 1]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 1, "ClientHello");
        assert_eq!(&h[9..11], &[3, 1], "legacy_version TLS 1.0");
        assert!(memfind(&h, b"vpn.lab.test").is_some());
        assert!(memfind(&h, &[0x00, 0x2b]).is_none() || !h.ends_with(&[2, 3, 4]));
        // 1.3: legacy 1.2, supported_versions [1.3], the key share
        let h = tls_client_hello(tls_version::TLS13, Some("10.77.0.60"), [7; 32], [9; 32]);
        assert_eq!(&h[9..11], &[3, 3]);
        assert!(memfind(&h, &[0, 43, 0, 3, 2, 3, 4]).is_some());
        assert!(memfind(&h, &[9; 32]).is_some());
        assert!(
            memfind(&h, b"10.77.0.60").is_none(),
            "no SNI for an address"
        );
    }

    #[test]
    fn server_flight_and_alerts() {
        // TLS 1.2 hello + certificate + done, split over two records
        let mut flight = server_hello(0x0303, &[0xff, 0x01, 0, 1, 0], [1; 32]);
        let mut cert = vec![];
        put_u24(&mut cert, 3 + 4);
        put_u24(&mut cert, 4);
        cert.extend_from_slice(&[0x30, 2, 5, 0]);
        flight.extend(hs(11, &cert));
        flight.extend(hs(14, &[]));
        let (a, b) = flight.split_at(30);
        let mut bytes = record(22, a);
        assert!(!tls_reply_complete(&bytes));
        assert_eq!(
            parse_tls_reply(&bytes),
            Err(WireError::Truncated(bytes.len()))
        );
        bytes.extend(record(22, b));
        assert!(tls_reply_complete(&bytes));
        match parse_tls_reply(&bytes).unwrap() {
            TlsReply::Hello(h) => {
                assert_eq!(h.version, 0x0303);
                assert_eq!(h.cipher, 0xc02f);
                assert!(h.secure_renegotiation && h.complete && !h.retry_request);
                assert_eq!(h.certificates, vec![vec![0x30, 2, 5, 0]]);
            }
            other => panic!("{other:?}"),
        }
        // TLS 1.3 through supported_versions; the rest is encrypted
        let mut b13 = record(22, &server_hello(0x0303, &[0, 43, 0, 2, 3, 4], [2; 32]));
        b13.extend(record(20, &[1]));
        match parse_tls_reply(&b13).unwrap() {
            TlsReply::Hello(h) => assert!(h.version == 0x0304 && h.complete),
            other => panic!("{other:?}"),
        }
        let hrr = record(22, &server_hello(0x0303, &[0, 43, 0, 2, 3, 4], HRR_RANDOM));
        assert!(matches!(parse_tls_reply(&hrr), Ok(TlsReply::Hello(h)) if h.retry_request));
        // protocol_version alert
        assert_eq!(
            parse_tls_reply(&record(21, &[2, 70])),
            Ok(TlsReply::Alert {
                level: 2,
                description: 70
            })
        );
        assert!(matches!(
            parse_tls_reply(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
            Err(WireError::NotProtocol("TLS", b'H'))
        ));
        assert_eq!(parse_tls_reply(b""), Err(WireError::Truncated(0)));
        // a hostile length is refused, not trusted
        assert!(parse_tls_reply(&[22, 3, 3, 0xff, 0xff, 1]).is_err());
        assert!(matches!(
            parse_tls_reply(&record(22, &hs(2, &[3, 3, 1]))),
            Err(WireError::Malformed(_))
        ));
    }

    #[test]
    fn ntp_mode6_and_monlist() {
        assert_eq!(NTP_READVAR.len(), 12);
        assert_eq!(NTP_MONLIST.len(), 48);
        assert_eq!(&NTP_MONLIST[..4], &[0x17, 0, 3, 0x2a]);
        let text = b"version=\"ntpd 4.2.8p15@1.3728-o\", processor=\"x86_64\", leap=00";
        let mut d = vec![0x16, 0x82, 0, 1, 0, 0, 0, 0, 0, 0];
        d.extend_from_slice(&(text.len() as u16).to_be_bytes());
        d.extend_from_slice(text);
        let r = parse_ntp_mode6(&[d.clone(), b"junk".to_vec()]).unwrap();
        assert_eq!(r.bytes, d.len());
        assert_eq!(r.version.as_deref(), Some("ntpd 4.2.8p15@1.3728-o"));
        // an error response, or another sequence, is not an answer
        let mut err = d.clone();
        err[1] |= 0x40;
        let mut seq = d.clone();
        seq[3] = 2;
        assert!(parse_ntp_mode6(&[err, seq, NTP_READVAR.to_vec()]).is_none());
        // monlist: 6 items of 72 bytes, then "no data" errors
        let mut m = vec![0x97, 0, 3, 0x2a, 0x00, 6, 0, 72];
        m.extend(vec![0u8; 6 * 72]);
        let r = parse_ntp_monlist(&[m.clone(), m.clone()]).unwrap();
        assert_eq!((r.datagrams, r.items, r.bytes), (2, 12, 2 * m.len()));
        let impl_err = vec![0x97, 0, 3, 0x2a, 0x10, 0, 0, 0];
        assert!(parse_ntp_monlist(&[impl_err]).is_none());
        assert!(
            parse_ntp_monlist(&[NTP_MONLIST.to_vec()]).is_none(),
            "a request"
        );
    }

    #[test]
    fn ssdp_cldap_chargen() {
        let a = b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\nUSN: uuid:1::upnp:rootdevice\r\nSERVER: Linux/6 UPnP/1.1 MiniUPnPd/2.3\r\nLOCATION: http://10.77.0.63:5000/rootDesc.xml\r\n\r\n".to_vec();
        let r = parse_ssdp(&[a.clone(), b"NOTIFY * HTTP/1.1\r\n\r\n".to_vec()]).unwrap();
        assert_eq!((r.datagrams, r.bytes), (1, a.len()));
        assert_eq!(r.server.as_deref(), Some("Linux/6 UPnP/1.1 MiniUPnPd/2.3"));
        assert_eq!(r.services, vec!["upnp:rootdevice"]);
        assert!(parse_ssdp(&[b"HTTP/1.1 200 OK\r\n\r\n".to_vec()]).is_none());

        // the request is a well-formed LDAPMessage
        let (t, msg, rest) = ber_tlv(&CLDAP_ROOTDSE).unwrap();
        assert!(t == 0x30 && rest.is_empty() && msg.len() == 37);
        // entry + done in one datagram, as AD sends them
        let entry = [
            0x30, 0x0c, 0x02, 0x01, 0x01, 0x64, 0x07, 0x04, 0x00, 0x30, 0x03, 0x04, 0x01, b'x',
        ];
        let done = [
            0x30, 0x0c, 0x02, 0x01, 0x01, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ];
        let mut d = entry.to_vec();
        d.extend_from_slice(&done);
        let r = parse_cldap(&[d.clone()]).unwrap();
        assert_eq!((r.entries, r.result_code, r.bytes), (1, Some(0), d.len()));
        let mut other_id = d.clone();
        other_id[4] = 2;
        assert!(parse_cldap(&[other_id]).is_none());
        assert!(
            parse_cldap(&[done.to_vec()]).is_none(),
            "no entry: nothing reflected"
        );

        let line =
            b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n";
        assert_eq!(parse_chargen(&[line.to_vec()]), Some((line.len(), 1)));
        assert_eq!(parse_chargen(&[vec![0u8; 100]]), None);
    }

    #[test]
    fn smb_negotiates() {
        let q = smb2_negotiate([1; 16], [2; 32]);
        assert!(netbios_complete(&q));
        assert_eq!(&q[4..8], b"\xfeSMB");
        let m = &q[4..];
        let off = u32::from_le_bytes([m[92], m[93], m[94], m[95]]) as usize;
        assert_eq!(off % 8, 0);
        assert_eq!(
            u16::from_le_bytes([m[off], m[off + 1]]),
            1,
            "preauth context"
        );
        assert_eq!(m.len(), off + 8 + 38);
        assert!(memfind(m, &[0x11, 0x03]).is_some(), "3.1.1 offered");
        let q1 = smb1_negotiate();
        assert_eq!(&q1[4..9], b"\xffSMB\x72");
        assert!(memfind(&q1, b"\x02NT LM 0.12\x00").is_some());

        let mut r = vec![0u8; 64 + 65];
        r[..4].copy_from_slice(b"\xfeSMB");
        r[64] = 65;
        r[66] = 0x03; // signing enabled + required
        r[68..70].copy_from_slice(&0x0311u16.to_le_bytes());
        let framed = netbios(r.clone());
        assert_eq!(
            parse_smb_negotiate(&framed).unwrap(),
            SmbReply::Smb2 {
                dialect: 0x0311,
                signing_required: true
            }
        );
        assert_eq!(smb_dialect_name(0x0311), "SMB 3.1.1");
        assert_eq!(smb_dialect_name(0x0202), "SMB 2.0.2");
        let mut e = r.clone();
        e[8..12].copy_from_slice(&0xc000_000du32.to_le_bytes());
        assert_eq!(
            parse_smb_negotiate(&netbios(e)).unwrap(),
            SmbReply::Error {
                status: 0xc000_000d
            }
        );
        // SMB1 answer with dialect 0 chosen
        let mut s1 = vec![0u8; 37];
        s1[..5].copy_from_slice(b"\xffSMB\x72");
        s1[32] = 17;
        assert_eq!(
            parse_smb_negotiate(&netbios(s1.clone())).unwrap(),
            SmbReply::Smb1 {
                status: 0,
                dialect_index: 0
            }
        );
        s1[33] = 0xff;
        s1[34] = 0xff;
        assert!(matches!(
            parse_smb_negotiate(&netbios(s1)).unwrap(),
            SmbReply::Smb1 {
                dialect_index: 0xffff,
                ..
            }
        ));
        assert!(parse_smb_negotiate(&framed[..20]).is_err());
        assert!(parse_smb_negotiate(b"\x82\0\0\0").is_err());
    }

    #[test]
    fn greetings() {
        let ftp = b"220 (vsFTPd 3.0.3)\r\n";
        assert!(greeting_complete(ftp));
        assert_eq!(parse_greeting(ftp).unwrap(), (220, "(vsFTPd 3.0.3)".into()));
        let smtp = b"220-mail.lab.test ESMTP Exim 4.96 Thu, 26 Nov 2026\r\n220 welcome\x1b[2J\r\n";
        assert!(!greeting_complete(&smtp[..40]));
        assert!(greeting_complete(smtp));
        let (code, text) = parse_greeting(smtp).unwrap();
        assert_eq!(code, 220);
        assert!(text.contains("Exim 4.96") && !text.contains('\x1b'));
        assert!(parse_greeting(b"SSH-2.0-OpenSSH_9.2\r\n").is_err());
        let feat = b"211-Features:\r\n AUTH TLS\r\n EPSV\r\n211 End\r\n";
        assert!(greeting_complete(feat));
        assert_eq!(
            parse_greeting(feat).unwrap(),
            (211, "Features: | AUTH TLS | EPSV | End".into())
        );
    }

    #[test]
    fn dns_version() {
        let q = dns_version_query(0x1234);
        assert_eq!(q.len(), 12 + 14 + 4);
        assert_eq!(&q[..4], &[0x12, 0x34, 0, 0]);
        // answer: the question, then a compressed name, TXT CH, one string
        let mut r = q.clone();
        r[2] = 0x84;
        r[7] = 1;
        r.extend_from_slice(&[0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0, 0, 25, 24]);
        r.extend_from_slice(b"9.18.49-1~deb12u3-Debian");
        assert_eq!(
            parse_dns_version(&r, 0x1234).as_deref(),
            Some("9.18.49-1~deb12u3-Debian")
        );
        assert_eq!(parse_dns_version(&r, 0x1235), None);
        let mut refused = q.clone();
        refused[2] = 0x84;
        refused[3] = 5;
        assert_eq!(parse_dns_version(&refused, 0x1234), None);
        assert_eq!(parse_dns_version(&r[..r.len() - 3], 0x1234), None);
        assert_eq!(parse_dns_version(&q, 0x1234), None, "a query is no answer");
    }
}
